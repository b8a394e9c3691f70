"""The scale-free cycle detector on constructed series with known counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from premia.claims.sawtooth import cycle_peaks, cycles, noise_scale

T = np.arange(240)


def sawtooth(period: int = 40, decay: float = 8.0, size: float = 0.4) -> np.ndarray:
    """A jump every ``period`` months, then exponential erosion."""
    return size * np.exp(-(T % period) / decay)


def test_clean_sawtooth_counts_each_completed_tooth():
    # jumps at 40, 80, ..., 200: five cycles (the start has no rise before it)
    assert cycles(sawtooth()) == 5
    assert cycle_peaks(sawtooth()) == [40, 80, 120, 160, 200]
    # a linear erosion: every difference but the jumps is the same (median deviation 0)
    assert cycles(1.0 - (T % 30) / 30) == 7


def test_noisy_sawtooth_is_still_counted():
    rng = np.random.default_rng(5)
    counts = [cycles(sawtooth() + rng.normal(0.0, 0.02, T.size)) for _ in range(20)]
    assert np.mean(counts) >= 4.5


@pytest.mark.parametrize("seed", range(5))
def test_random_walk_white_noise_and_climbs_have_no_cycles(seed):
    rng = np.random.default_rng(seed)
    assert cycles(np.cumsum(rng.normal(size=T.size))) == 0
    assert cycles(rng.normal(size=T.size)) == 0
    assert cycles(np.linspace(0.0, 1.0, T.size) + rng.normal(0.0, 0.01, T.size)) == 0
    assert cycles(np.log1p(T)) == 0


def test_random_walks_rarely_make_a_cycle():
    rng = np.random.default_rng(11)
    counts = [cycles(np.cumsum(rng.normal(size=T.size))) for _ in range(300)]
    assert np.mean(counts) < 0.02


def test_a_slow_rise_is_not_a_cycle_but_a_jump_is():
    slow = np.concatenate([np.linspace(0, 1, 60), np.linspace(1, 0, 60)])
    assert cycles(slow) == 0
    jump = np.concatenate([np.zeros(60), np.linspace(1, 0, 60)])
    assert cycles(jump) == 1
    rising_only = np.concatenate([np.zeros(50), np.full(70, 0.5)])
    assert cycles(rising_only) == 0


def test_degenerate_series():
    assert cycles(np.zeros(100)) == 0
    assert cycles(np.array([1.0, 2.0])) == 0
    assert cycles(np.array([0.0, np.nan, 1.0, 0.0])) == 0
    assert noise_scale(np.array([1.0])) == 0.0


@settings(max_examples=60, deadline=None)
@given(scale=st.floats(1e-3, 1e3), shift=st.floats(-1e3, 1e3), seed=st.integers(0, 2**16),
       noise=st.floats(0.0, 0.05))
def test_counts_do_not_depend_on_units(scale, shift, seed, noise):
    rng = np.random.default_rng(seed)
    x = sawtooth(period=int(rng.integers(20, 60))) + rng.normal(0.0, noise, T.size)
    assert cycles(scale * x + shift) == cycles(x)

"""The compiled culture update and the fully mixed network's mean are bit for bit the NumPy
expressions they replace, in float64 and float32 storage, serial and threaded."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from premia.model.culture import _move_parallel, _move_serial
from premia.model.network import column_means

RATES = ("learning", "habit", "social", "decay", "bass_p", "bass_q", "awareness_decay")


def _numpy_update(a, e, bought, x, means, k, reach):
    """The update as the NumPy expressions of ``CultureDynamics.step`` wrote it."""
    n_k = a.shape[1]
    gain = k["learning"] * np.minimum(x, 1.0) + k["habit"] * bought
    social = k["social"] * (means[:, :n_k] - a)
    np.clip(a + gain * (1.0 - a) + social - k["decay"] * a, 0.0, 1.0, out=a)
    hazard = np.minimum(k["bass_p"] + reach + k["bass_q"] * means[:, n_k:], 1.0)
    np.clip(e + (1.0 - e) * hazard - k["awareness_decay"] * e, 0.0, 1.0, out=e)


def _case(seed: int, n: int, n_k: int, dtype, mixed: bool):
    rng = np.random.default_rng(seed)
    a, e, bought = (rng.uniform(0.0, 1.0, (n, n_k)).astype(dtype) for _ in range(3))
    x = rng.uniform(0.0, 1.5, (n, n_k))
    both = np.hstack([a, e])
    means = (np.broadcast_to(both.mean(axis=0), both.shape) if mixed
             else rng.uniform(0.0, 1.0, (n, 2 * n_k)))
    k = {name: rng.uniform(0.0, 0.4, n_k) for name in RATES}
    k["decay"][0] = 1.5  # pushes below 0: the clip is exercised
    return a, e, bought, x, means, k, rng.uniform(0.0, 0.2, n_k)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), n_k=st.integers(1, 4),
       float32=st.booleans(), mixed=st.booleans(), threads=st.booleans())
def test_compiled_culture_update_is_the_numpy_update_bit_for_bit(seed, n, n_k, float32, mixed,
                                                                  threads):
    dtype = np.float32 if float32 else np.float64
    a, e, bought, x, means, k, reach = _case(seed, n, n_k, dtype, mixed)
    a1, e1 = a.copy(), e.copy()
    _numpy_update(a, e, bought, x, means, k, reach)
    move = _move_parallel if threads else _move_serial
    move(a1, e1, bought, x, means, k["learning"], k["habit"], k["social"], k["decay"],
         k["bass_p"] + reach, k["bass_q"], k["awareness_decay"], a1.dtype.type(1.0))
    assert a1.dtype == dtype
    np.testing.assert_array_equal(a1, a)
    np.testing.assert_array_equal(e1, e)


def test_compiled_culture_update_differs_when_a_rate_differs():
    a, e, bought, x, means, k, reach = _case(1, 200, 2, np.float64, False)
    a1, e1 = a.copy(), e.copy()
    _numpy_update(a, e, bought, x, means, k, reach)
    _move_serial(a1, e1, bought, x, means, k["learning"] * 1.001, k["habit"], k["social"],
                 k["decay"], k["bass_p"] + reach, k["bass_q"], k["awareness_decay"], 1.0)
    assert not np.array_equal(a1, a)
    np.testing.assert_array_equal(e1, e)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5000), m=st.integers(2, 9),
       float32=st.booleans())
def test_column_means_are_numpys_axis_zero_mean_bit_for_bit(seed, n, m, float32):
    x = np.random.default_rng(seed).uniform(0.0, 1.0, (n, m))
    x = x.astype(np.float32) if float32 else x
    got, want = column_means(x), x.mean(axis=0)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)

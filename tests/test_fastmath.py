"""The kernels' branch-free exp2 and log, the ordered lane folds and the wide-vector hint."""

from __future__ import annotations

import numba as nb
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from premia.model.fastmath import (
    EXP2_FLOOR,
    exp2_nonpositive,
    fold_lanes,
    log_positive,
    wide_vectors,
)


@nb.njit
def _exp2_all(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = exp2_nonpositive(x[i])
    return out


@nb.njit
def _log_all(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = log_positive(x[i])
    return out


@nb.njit
def _fold(acc, n):
    wide_vectors()  # emits nothing: the function still runs
    return fold_lanes(acc, 0, n)


def _ulps(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.abs(got - ref) / np.spacing(np.abs(ref))


def test_exp2_within_one_ulp_of_numpy():
    """Over the whole argument range, including the rounding boundaries t +- 1/2."""
    rng = np.random.default_rng(0)
    x = np.concatenate([
        -rng.exponential(8.0, 1 << 18),
        np.linspace(EXP2_FLOOR, 0.0, 200_001),
        np.arange(-60, 1) + 0.5, np.arange(-60, 1) + 0.5 - 1e-15, [0.0, -0.0, -1e-300],
    ])
    ulps = _ulps(_exp2_all(x), np.exp2(x))
    assert ulps.max() <= 1.0, f"{ulps.max()} ulps at x = {x[ulps.argmax()]}"


def test_exp2_floors_tiny_arguments_and_handles_positive_ones():
    x = np.array([-2000.0, -1e6, EXP2_FLOOR, 3.25, 100.0])
    got = _exp2_all(x)
    np.testing.assert_array_equal(got[:3], np.exp2(EXP2_FLOOR))
    np.testing.assert_allclose(got[3:], np.exp2(x[3:]), rtol=2.3e-16)
    assert np.exp2(EXP2_FLOOR) > 0 and np.isfinite(1.0 / np.exp2(EXP2_FLOOR))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-300, max_value=1e300, allow_nan=False, allow_infinity=False))
def test_log_within_two_ulps_of_numpy(x):
    got = _log_all(np.array([x]))[0]
    ref = np.log(x)
    assert abs(got - ref) <= 2 * np.spacing(abs(ref)) + 1e-300


def test_log_near_one_is_accurate():
    x = 1.0 + np.linspace(-0.3, 0.3, 100_001)
    np.testing.assert_allclose(_log_all(x), np.log(x), rtol=4.5e-16, atol=2e-17)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from([8, 16, 64, 256]), st.integers(0, 2**32 - 1))
def test_fold_lanes_is_a_fixed_order_sum(n, seed):
    """The fold is the sum (to rounding) and depends on nothing but the values and n."""
    acc = np.random.default_rng(seed).standard_normal((1, n))
    total = _fold(acc.copy(), n)
    assert total == _fold(acc.copy(), n)
    np.testing.assert_allclose(total, acc.sum(), rtol=1e-12, atol=1e-12 * np.abs(acc).sum())

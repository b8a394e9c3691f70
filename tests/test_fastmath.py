"""The kernels' branch-free exp2 and log, the ordered lane folds and the wide-vector hint."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from premia.model.fastmath import (
    EXP2_FLOOR,
    block_sum,
    exp2_nonpositive,
    log_positive,
    maximum,
    minimum,
    row_dots2,
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
def _sums(V, y, rows, n):
    wide_vectors()  # emits nothing: the function still runs
    b, c = np.zeros(rows), np.zeros(rows)
    row_dots2(b, c, V, y, y, rows, n)
    return b, c, block_sum(y, n)


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
@given(st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_block_sums_are_sums_in_a_fixed_order(n, seed):
    """The vectorized block sums are the sums (to rounding), give the same bits on the
    same data every time, and the two sums of one pass are computed alike."""
    rng = np.random.default_rng(seed)
    V, y = rng.standard_normal((3, n)), rng.standard_normal(n)
    b, c, total = _sums(V, y, 3, n)
    again = _sums(V.copy(), y.copy(), 3, n)
    for x, z in zip((b, c, total), again, strict=True):
        np.testing.assert_array_equal(x, z)
    np.testing.assert_array_equal(b, c)
    scale = np.abs(V) @ np.abs(y)
    assert np.all(np.abs(b - V @ y) <= 1e-13 * scale + 1e-300)
    assert abs(total - y.sum()) <= 1e-13 * np.abs(y).sum()


SPECIAL = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 5e-324]


@pytest.mark.parametrize("a", SPECIAL)
@pytest.mark.parametrize("b", SPECIAL)
def test_minimum_and_maximum_give_numpys_bits(a, b):
    """Including NaN and the sign of a zero, so compiled passes match NumPy bit for bit."""
    for ours, theirs in ((minimum, np.minimum), (maximum, np.maximum)):
        got, want = np.float64(ours(a, b)), theirs(np.float64(a), np.float64(b))
        assert got.tobytes() == want.tobytes() or (np.isnan(got) and np.isnan(want))

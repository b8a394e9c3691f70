"""The explicit 8-lane logit weights compute what the scalar exp2 computes, bit for bit."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from numba.core.registry import cpu_target

from premia.model.fastmath import (
    EXP2_COEFFS,
    EXP2_FLOOR,
    EXP2_SCALE_BITS,
    EXP2_TABLE,
    LANES,
    exp2_nonpositive,
    fma,
)
from premia.model.lanes import GROUPS, fold_lanes, has_avx512, lane_dots, make_weight_lanes
from premia.model.logit import BLOCK

AVX512 = make_weight_lanes(avx512=True)
PORTABLE = make_weight_lanes(avx512=False)


def _kernels(lanes):
    weight, outside = lanes

    @nb.njit
    def run(X, top, u0):
        """Rows of the result: 0 one term, 1 two terms times X[3], 2 three terms times
        max(X[3], X[4]); 3 the outside option."""
        n = top.size
        totals = np.zeros((4, n))
        W = np.empty((3, n))
        for i in range(0, n, LANES):
            outside(u0, top, totals[3], i)
            weight(W, i, top, totals[0], i, X, ((1.0, i),), ())
            weight(W, n + i, top, totals[1], i, X, ((1.0, i), (-0.75, n + i)), (3 * n + i,))
            weight(W, 2 * n + i, top, totals[2], i, X,
                   ((1.0, i), (-0.75, n + i), (2.5, 2 * n + i)), (3 * n + i, 4 * n + i))
        return W, totals

    return run


@nb.njit
def _scalar(X, top, u0):
    n = top.size
    W = np.empty((3, n))
    totals = np.zeros((4, n))
    for i in range(n):
        totals[3, i] = exp2_nonpositive(u0 - top[i])
        W[0, i] = exp2_nonpositive(fma(X[0, i], 1.0, -top[i]))
        two = fma(X[0, i], 1.0, fma(X[1, i], -0.75, -top[i]))
        W[1, i] = X[3, i] * exp2_nonpositive(two)
        three = fma(X[0, i], 1.0, fma(X[1, i], -0.75, fma(X[2, i], 2.5, -top[i])))
        W[2, i] = max(X[3, i], X[4, i]) * exp2_nonpositive(three)
        for r in range(3):
            totals[r, i] += W[r, i]
    return W, totals


def _arguments(n: int) -> np.ndarray:
    """Exponents over the whole range, with the rounding boundaries k/16 +- 1/32 and
    arguments below the floor."""
    rng = np.random.default_rng(3)
    edges = np.arange(-80 * 32, 1) / 32.0
    x = np.concatenate([-rng.exponential(10.0, n), np.linspace(EXP2_FLOOR - 5, 0.0, n),
                        edges, np.nextafter(edges, -np.inf), [-1e6, -1e20, -0.0, 0.0]])
    return x[: x.size // LANES * LANES]


def _case(n: int = 4096):
    """The consumer rows X (three utility rows, two weight rows) and ceilings ``top``
    such that the first utility minus top runs over ``_arguments``."""
    x = _arguments(n)
    rng = np.random.default_rng(4)
    top = rng.uniform(-3.0, 3.0, x.size)
    X = np.stack([x + top, rng.uniform(-2.0, 2.0, x.size), rng.uniform(-1.0, 1.0, x.size),
                  rng.choice([0.0, 0.25, 1.0], x.size), rng.choice([0.0, 1.0], x.size)])
    return X, top


@pytest.mark.parametrize("lanes", [
    pytest.param(AVX512, id="avx512", marks=pytest.mark.skipif(
        not has_avx512(cpu_target.target_context),
        reason="this CPU has no AVX-512: only the portable form can run")),
    pytest.param(PORTABLE, id="portable"),
])
def test_lane_weights_are_the_scalar_exp2_bit_for_bit(lanes):
    X, top = _case()
    W, totals = _kernels(lanes)(X, top, -0.7)
    W_ref, totals_ref = _scalar(X, top, -0.7)
    np.testing.assert_array_equal(W.view(np.int64), W_ref.view(np.int64))
    np.testing.assert_array_equal(totals.view(np.int64), totals_ref.view(np.int64))
    assert np.all(np.isfinite(W)) and np.all(W >= 0.0)
    assert W[0].min() == np.exp2(EXP2_FLOOR)  # arguments below the floor were covered


def test_lane_weights_are_exp2():
    X, top = _case(1024)
    W, totals = _kernels(PORTABLE)(X, top, -0.7)
    ref = np.exp2(np.maximum(X[0] - top, EXP2_FLOOR))
    assert np.all(np.abs(W[0] - ref) <= np.spacing(ref))
    np.testing.assert_allclose(totals[3], np.exp2(-0.7 - top), rtol=2.3e-16)


def test_table_is_correctly_rounded_and_its_bits_carry_the_index():
    exact = np.exp2(np.arange(16, dtype=np.longdouble) / 16)
    np.testing.assert_array_equal(np.array(EXP2_TABLE), exact.astype(np.float64))
    bits = np.array(EXP2_TABLE).view(np.int64)
    np.testing.assert_array_equal(np.array(EXP2_SCALE_BITS) + (np.arange(16) << 48), bits)
    assert EXP2_COEFFS[0] == 1.0  # the polynomial computes 2^r - 1 without it


def test_lanes_reject_arrays_they_cannot_read_as_lanes():
    weight = AVX512[0]

    @nb.njit
    def strided(V, top, total, X):
        weight(V[:, ::2], 0, top, total, 0, X, ((1.0, 0),), ())

    @nb.njit
    def integer_coefficient(V, top, total, X):
        weight(V, 0, top, total, 0, X, ((1, 0),), ())

    args = np.zeros((2, 16)), np.zeros(8), np.zeros(8), np.zeros(16)
    for kernel in (strided, integer_coefficient):
        with pytest.raises(nb.core.errors.TypingError):
            kernel(*args)


@nb.njit
def _block_demand(V, Y):
    """Demand sums of several blocks through the lanes, folded once at the end."""
    rows = V.shape[1]
    lane_sums = np.zeros((rows, LANES))
    out = np.empty(rows)
    for blk in range(V.shape[0]):
        lane_dots(lane_sums, V[blk], Y[blk], rows)
    fold_lanes(out, lane_sums, rows)
    return out


def test_lane_dots_are_the_block_sums_in_a_fixed_order():
    assert BLOCK == GROUPS * LANES
    rng = np.random.default_rng(5)
    V, Y = rng.uniform(0.0, 1.0, (3, 5, BLOCK)), rng.uniform(0.0, 2.0, (3, BLOCK))
    got = _block_demand(V, Y)
    np.testing.assert_allclose(got, np.einsum("brc,bc->r", V, Y), rtol=1e-14)
    lanes = np.zeros((5, LANES))  # the documented order: each lane in block, group order
    for b in range(3):
        for g in range(GROUPS):
            lanes += V[b][:, g * LANES:(g + 1) * LANES] * Y[b][g * LANES:(g + 1) * LANES]
    assert np.abs(got - lanes.sum(axis=1)).max() < 1e-13
    again = _block_demand(V, Y)
    np.testing.assert_array_equal(got.view(np.int64), again.view(np.int64))

"""Branch-free exp, log and ordered lane sums for the Numba kernels.

This llvmlite has no SVML, so ``np.exp`` inside a Numba loop is a scalar libm call and
the loop does not vectorize. These versions are plain arithmetic and bit manipulation,
so loops over them vectorize (AVX-512 here), and they agree with NumPy to a few units in
the last place:

    exp(x) = 2^t exp(r),  x = t ln2 + r, |r| <= ln2 / 2,  exp(r) by its Taylor series to r^13;
    log(x) = e ln2 + 2 atanh(s),  x = m 2^e,  s = (m - 1) / (m + 1),  atanh to s^21.

Fast-math flags exclude reassociation: every sum keeps the order written in the code.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

FAST = {"nsz", "arcp", "contract"}  # no reassociation: sums keep their order
LOG2E = 1.4426950408889634
LN2_HI = 0.6931471803691238  # ln 2 split so that t * LN2_HI is exact for |t| < 2**11
LN2_LO = 1.9082149292705877e-10
SQRT2 = 1.4142135623730951
EXP_FLOOR = -700.0  # exp(-700) ~ 1e-304: far below any share that matters, and normal
#: Taylor coefficients 1/n! of exp on |r| <= ln2 / 2 (truncation error < 1e-17).
EXP_COEFFS = tuple(1.0 / math.factorial(k) for k in range(14))


@intrinsic
def _as_float(typingctx, bits):
    """Reinterpret the bits of an int64 as a float64 (LLVM bitcast; vectorizes)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@nb.njit(cache=True, inline="always", fastmath=FAST)
def exp_nonpositive(x):
    """exp(x) for x <= 0, branch-free so that loops over it vectorize (no SVML needed).

    Cody-Waite reduction x = t ln2 + r, |r| <= ln2 / 2, a degree-13 Taylor polynomial
    for exp(r) and 2^t built from its exponent bits; arguments below ``EXP_FLOOR`` are
    floored there. Agrees with ``np.exp`` to a few units in the last place.
    """
    x = max(min(x, 0.0), EXP_FLOOR)
    t = np.floor(x * LOG2E + 0.5)
    r = (x - t * LN2_HI) - t * LN2_LO
    c = EXP_COEFFS
    p = c[13]
    p = p * r + c[12]
    p = p * r + c[11]
    p = p * r + c[10]
    p = p * r + c[9]
    p = p * r + c[8]
    p = p * r + c[7]
    p = p * r + c[6]
    p = p * r + c[5]
    p = p * r + c[4]
    p = p * r + c[3]
    p = p * r + c[2]
    p = p * r + c[1]
    p = p * r + c[0]
    return p * _as_float((np.int64(t) + 1023) << 52)


@intrinsic
def _as_bits(typingctx, x):
    """Reinterpret the bits of a float64 as an int64 (LLVM bitcast; vectorizes)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@nb.njit(cache=True, inline="always", fastmath=FAST)
def log_positive(x):
    """log(x) for finite normal x > 0, branch-free so that loops over it vectorize.

    x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1)/(m + 1),
    summed to s^21 (|s| <= 0.172, truncation error < 1e-17). Agrees with ``np.log`` to a
    few units in the last place.
    """
    bits = _as_bits(x)
    e = ((bits >> 52) & 0x7FF) - 1023
    m = _as_float((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > SQRT2
    m = m * 0.5 if big else m
    e = e + 1 if big else e
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    p = 1.0 / 21.0
    p = p * s2 + 1.0 / 19.0
    p = p * s2 + 1.0 / 17.0
    p = p * s2 + 1.0 / 15.0
    p = p * s2 + 1.0 / 13.0
    p = p * s2 + 1.0 / 11.0
    p = p * s2 + 1.0 / 9.0
    p = p * s2 + 1.0 / 7.0
    p = p * s2 + 1.0 / 5.0
    p = p * s2 + 1.0 / 3.0
    p = p * s2 + 1.0
    return e * LN2_HI + (e * LN2_LO + 2.0 * s * p)


@nb.njit(cache=True, inline="always", fastmath=FAST)
def dot_lanes(x, y, j, b):
    """sum_i x[j, i] y[i] over i < b with 8 lane sums added in a fixed order."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    full = b - b % 8
    for i in range(0, full, 8):
        s0 += x[j, i] * y[i]
        s1 += x[j, i + 1] * y[i + 1]
        s2 += x[j, i + 2] * y[i + 2]
        s3 += x[j, i + 3] * y[i + 3]
        s4 += x[j, i + 4] * y[i + 4]
        s5 += x[j, i + 5] * y[i + 5]
        s6 += x[j, i + 6] * y[i + 6]
        s7 += x[j, i + 7] * y[i + 7]
    for i in range(full, b):
        s0 += x[j, i] * y[i]
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))

"""Branch-free exp2 and log, ordered lane sums, wide vectors and NumPy-exact minimum and
maximum for the Numba kernels.

This llvmlite has no SVML, so ``np.exp`` inside a Numba loop is a scalar libm call and
the loop does not vectorize. These versions are plain arithmetic and bit manipulation,
so loops over them vectorize, and they agree with NumPy to a unit in the last place:

    2^x = 2^m T_j 2^r,  x = m + j/16 + r (|r| <= 1/32),  T_j = 2^(j/16) from a table,
          2^r by a degree-6 polynomial;
    log(x) = e ln2 + 2 atanh(s),  x = m 2^e,  s = (m - 1) / (m + 1),  atanh to s^21.

The kernels work in base 2 (utilities times log2 e), which spares exp's two-step
Cody-Waite reduction. The 2^r polynomial is the Chebyshev fit of 2^r on [-1/32, 1/32]
(``mpmath.chebyfit`` at 50 digits, 7 terms; its error is 7.0e-18, a sixteenth of a unit in
the last place). The table spares five polynomial terms; in the demand kernel its lookup is
one vector permute (:mod:`premia.model.lanes`).

Fast-math flags exclude reassociation: every sum keeps the order written in the code. The
kernels compile with NumPy's error model (a division by zero gives inf, it does not
raise): Python's model puts a branch in every division and stops the loop vectorizing.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

FAST = {"nsz", "arcp", "contract"}  # no reassociation: sums keep their order
#: The flags of the block sums below, the one place that may reassociate: LLVM then
#: vectorizes a sum into lanes in an order fixed by the compiled code (the same for every
#: chunk, whatever the number of threads).
REASSOC = FAST | {"reassoc"}
LOG2E = 1.4426950408889634
LN2 = 0.6931471805599453
LN2_HI = 0.6931471803691238  # ln 2 split so that t * LN2_HI is exact for |t| < 2**11
LN2_LO = 1.9082149292705877e-10
SQRT2 = 1.4142135623730951
EXP2_FLOOR = -1010.0  # 2^-1010 ~ 1e-304: far below any share that matters, and normal
#: 2^(j/16), j = 0..15, correctly rounded (``mpmath`` at 50 digits).
EXP2_TABLE = (
    1.0, 1.0442737824274138, 1.0905077326652577, 1.1387886347566916,
    1.189207115002721, 1.241857812073484, 1.2968395546510096, 1.3542555469368927,
    1.4142135623730951, 1.4768261459394993, 1.5422108254079407, 1.6104903319492543,
    1.681792830507429, 1.7562521603732995, 1.8340080864093424, 1.9152065613971474,
)
#: 1.5 * 2**48: adding it rounds x (|x| < 2**47) to a multiple of 1/16, and 16 times that
#: multiple is then held in the low bits of the sum's mantissa.
TABLE_SHIFT = 422212465065984.0
#: Coefficients of the degree-6 Chebyshev fit of 2^r on [-1/32, 1/32], constant first
#: (``mpmath.chebyfit`` at 50 digits; error 7.0e-18; the constant rounds to exactly 1).
EXP2_COEFFS = (
    1.0, 0.6931471805599468, 0.24022650695910086, 0.05550410865209357,
    0.009618129106525682, 0.001333381881538924, 0.0001540375624545771,
)
#: The table's bits less j 2^48, so that adding 16 k 2^48 (k = m + j/16) gives the bits of
#: 2^m T_j: one integer add scales by 2^m (the ``exp`` of Arm's optimized-routines).
EXP2_SCALE_BITS = np.array(EXP2_TABLE).view(np.int64) - (np.arange(16, dtype=np.int64) << 48)
LANES = 8  # consumers are padded to a multiple of this (one AVX-512 register)


@intrinsic
def _as_float(typingctx, bits):
    """Reinterpret the bits of an int64 as a float64 (LLVM bitcast; vectorizes)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _as_bits(typingctx, x):
    """Reinterpret the bits of a float64 as an int64 (LLVM bitcast; vectorizes)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def wide_vectors(typingctx):
    """Let LLVM vectorize the calling function with the widest registers the CPU has.

    On Intel server CPUs LLVM prefers 256-bit vectors even when AVX-512 is present (the
    ``prefer-256-bit`` tuning); this sets the function attribute that clang's
    ``-mprefer-vector-width=512`` sets. On CPUs without AVX-512 it changes nothing. Call
    it first in a kernel's (or a ``prange`` body's) code: it emits no instruction.
    """

    def codegen(context, builder, signature, args):
        # llvmlite's attribute set only knows flag attributes: add the key-value string
        # attribute to the set directly (it is printed as written)
        set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        return context.get_dummy_value()

    return types.none(), codegen


@intrinsic
def fma(typingctx, a, b, c):
    """a b + c rounded once (``llvm.fma``; vectorizes), whatever the fast-math flags."""

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d, d, d]),
                                            "llvm.fma.f64")
        return builder.call(fn, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def running_max(typingctx, top, v):
    """The larger of ``top`` and ``v``, neither of them NaN (``llvm.maxnum`` with ``nnan``).

    In a vectorized loop ``top[i] = running_max(top[i], v)`` is one ``vmaxpd`` and a plain
    store: ``max(top[i], v)`` is a select of the loaded value, which the x86 backend turns
    into a masked store that the next load of ``top[i]`` must wait for (about 2 % of the
    demand kernel). The value is the same; of two zeros of opposite sign either may come.
    """

    def codegen(context, builder, signature, args):
        d = ir.DoubleType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(d, [d, d]),
                                            "llvm.maxnum.f64")
        return builder.call(fn, args, fastmath=("nnan", "nsz"))

    return types.float64(types.float64, types.float64), codegen


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def exp2_nonpositive(x):
    """2^x for x <= 0, branch-free so that loops over it vectorize (no SVML needed).

    k = x rounded to a multiple of 1/16 by the ``TABLE_SHIFT`` trick (16 k's bits stay in
    the shifted sum), r = x - k exactly (|r| <= 1/32), and 2^x = 2^m T_j 2^r with
    16 k = 16 m + j: 2^m T_j from ``EXP2_SCALE_BITS`` by one integer add, 2^r - 1 by the
    degree-6 polynomial, and 2^x = 2^m T_j + 2^m T_j (2^r - 1) by one fma. Arguments
    below ``EXP2_FLOOR`` are floored there; the result is also right for 0 < x < 1023.
    Agrees with ``np.exp2`` to a unit in the last place.
    :mod:`premia.model.lanes` computes the same operations eight lanes at a time.
    """
    x = max(x, EXP2_FLOOR)
    shifted = x + TABLE_SHIFT
    r = x - (shifted - TABLE_SHIFT)
    c = EXP2_COEFFS
    p = fma(c[6], r, c[5])
    p = fma(p, r, c[4])
    p = fma(p, r, c[3])
    p = fma(p, r, c[2])
    p = fma(p, r, c[1])
    p = p * r  # 2^r - 1
    bits = _as_bits(shifted)
    # the low 16 bits of ``bits`` hold 16 k = 16 m + j (two's complement), so shifted up
    # by 48 they add m to the exponent field and j 2^48, which the table entry takes off
    scale = _as_float(EXP2_SCALE_BITS[bits & (len(EXP2_TABLE) - 1)] + (bits << 48))
    return fma(scale, p, scale)  # 2^m T_j 2^r; 2^m T_j is normal as m >= -1011


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
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


@nb.njit(cache=True, fastmath=REASSOC, error_model="numpy", inline="never")
def row_dots2(out_a, out_b, V, ya, yb, rows, n):
    """out_a[r] += sum_{i < n} V[r, i] ya[i] and out_b[r] += sum_{i < n} V[r, i] yb[i] for
    each r < rows, in one pass (a block's sums over consumers in the pricing kernels).

    Vectorized with reassociation in this one function, so the lane order is that of its
    compiled loop, identical for every caller and thread count.
    """
    wide_vectors()
    for r in range(rows):
        a = 0.0
        b = 0.0
        for i in range(n):
            a += V[r, i] * ya[i]
            b += V[r, i] * yb[i]
        out_a[r] += a
        out_b[r] += b


@nb.njit(cache=True, fastmath=REASSOC, error_model="numpy", inline="never")
def block_sum(x, n):
    """sum_{i < n} x[i], vectorized with reassociation (see :func:`row_dots2`)."""
    wide_vectors()
    s = 0.0
    for i in range(n):
        s += x[i]
    return s


@nb.njit(cache=True, error_model="numpy")
def minimum(a, b):  # pragma: no cover - compiled
    """NumPy's ``minimum`` of two floats: the smaller, NaN if either is NaN, the second of
    two equal ones (so the sign of a zero is NumPy's too)."""
    return a if (a < b or a != a) else b


@nb.njit(cache=True, error_model="numpy")
def maximum(a, b):  # pragma: no cover - compiled
    """NumPy's ``maximum`` of two floats: the larger, NaN if either is NaN, the second of
    two equal ones."""
    return a if (a > b or a != a) else b

"""Branch-free exp2 and log, ordered lane sums, wide vectors and NumPy-exact minimum and
maximum for the Numba kernels.

This llvmlite has no SVML, so ``np.exp`` inside a Numba loop is a scalar libm call and
the loop does not vectorize. These versions are plain arithmetic and bit manipulation,
so loops over them vectorize, and they agree with NumPy to a unit in the last place:

    2^x = 2^t 2^r,  t = round(x),  r = x - t (exact), |r| <= 1/2,  2^r by a degree-11 polynomial;
    log(x) = e ln2 + 2 atanh(s),  x = m 2^e,  s = (m - 1) / (m + 1),  atanh to s^21.

The kernels work in base 2 (utilities times log2 e), which spares exp's two-step
Cody-Waite reduction. The 2^r polynomial is the Chebyshev fit of 2^r on [-1/2, 1/2]
(``mpmath.chebyfit`` at 50 digits, 12 terms; its error after rounding the coefficients to
double is 2.0e-17, below a quarter of a unit in the last place).

Fast-math flags exclude reassociation: every sum keeps the order written in the code. The
kernels compile with NumPy's error model (a division by zero gives inf, it does not
raise): Python's model puts a branch in every division and stops the loop vectorizing.
"""

from __future__ import annotations

import numba as nb
from llvmlite import ir
from numba.core import types
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
#: 1.5 * 2**52: adding it rounds a float of magnitude below 2**51 to an integer, held in
#: the low bits of the sum's mantissa.
ROUND_SHIFT = 6755399441055744.0
#: Coefficients of the degree-11 Chebyshev fit of 2^r on [-1/2, 1/2], constant first.
EXP2_COEFFS = (
    1.0, 0.6931471805599453, 0.24022650695910158, 0.055504108664821625,
    0.009618129107587256, 0.001333355814640647, 0.00015403530463724353,
    1.5252733841556773e-05, 1.3215432535912375e-06, 1.0178057087733941e-07,
    7.074194297288521e-09, 4.4558179083360645e-10,
)
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


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def exp2_nonpositive(x):
    """2^x for x <= 0, branch-free so that loops over it vectorize (no SVML needed).

    t = round(x) by the ``ROUND_SHIFT`` trick (t's bits stay in the shifted sum, so 2^t is
    one integer add and shift away), r = x - t exactly, and the degree-11 polynomial for
    2^r. Arguments below ``EXP2_FLOOR`` are floored there; the result is also right for
    0 < x < 1023. Agrees with ``np.exp2`` to a unit in the last place.
    """
    x = max(x, EXP2_FLOOR)
    shifted = x + ROUND_SHIFT
    t = shifted - ROUND_SHIFT
    r = x - t
    c = EXP2_COEFFS
    p = c[11]
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
    # the low 12 bits of ``shifted`` hold t (two's complement): adding t to p's exponent
    # field is the product p 2^t, exactly (p is in [0.7, 1.5) and t >= -1010, so the
    # result stays normal), one vector operation fewer than multiplying by 2^t
    return _as_float(_as_bits(p) + (_as_bits(shifted) << 52))


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
def row_dots(out, V, y, rows, n):
    """out[r] += sum_{i < n} V[r, i] y[i] for each r < rows (a block's sums over consumers).

    Vectorized with reassociation in this one function, so the lane order is that of its
    compiled loop, identical for every caller and thread count.
    """
    wide_vectors()
    for r in range(rows):
        s = 0.0
        for i in range(n):
            s += V[r, i] * y[i]
        out[r] += s


@nb.njit(cache=True, fastmath=REASSOC, error_model="numpy", inline="never")
def row_dots2(out_a, out_b, V, ya, yb, rows, n):
    """out_a[r] += sum_i V[r, i] ya[i] and out_b[r] += sum_i V[r, i] yb[i] in one pass."""
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
    """sum_{i < n} x[i], vectorized with reassociation (see :func:`row_dots`)."""
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

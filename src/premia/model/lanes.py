"""The logit weights of eight consumers at once, written as explicit vector code.

    U_i = sum_r c_r x_ri,   w_i = e_i 2^(U_i - top_i),   total_i += w_i,

for the 8 consumers i of one lane group: the utility is summed from the consumer rows x_r
(taste, price factor, affinities) and the good's coefficients c_r in the same pass as its
exponential, so that it is never stored. 2^x has the bits
:func:`~premia.model.fastmath.exp2_nonpositive` computes: a 16-entry table of 2^(j/16) and
a degree-6 polynomial. LLVM's loop vectorizer turns the scalar function's table lookup
into a gather, which costs more than the polynomial terms the table saves; here, with
AVX-512, the lookup is one ``vpermi2q`` (each lane's entry from the table held in two
registers) and the reduction one ``vreducepd``. On CPUs without AVX-512 the lookup is
eight scalar loads and the reduction the scalar function's two subtractions, with the
same result.

Each function reads and writes ``LANES`` consecutive elements of C-contiguous float64
arrays at flat element offsets the caller computes (``row * BLOCK + i``); there is no
bounds check, as in the loops they replace.
"""

from __future__ import annotations

import numba as nb
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from premia.model.fastmath import (
    EXP2_COEFFS,
    EXP2_FLOOR,
    EXP2_SCALE_BITS,
    FAST,
    LANES,
    TABLE_SHIFT,
)

GROUPS = 8  # lane groups in a block of the demand kernel: logit.BLOCK == GROUPS * LANES
_D, _I64 = ir.DoubleType(), ir.IntType(64)
_VEC, _IVEC = ir.VectorType(_D, LANES), ir.VectorType(_I64, LANES)


def _splat(value: float) -> ir.Constant:
    return ir.Constant(_VEC, [ir.Constant(_D, float(value))] * LANES)


def _isplat(value: int) -> ir.Constant:
    return ir.Constant(_IVEC, [ir.Constant(_I64, int(value))] * LANES)


def _function(builder: ir.IRBuilder, name: str, ret: ir.Type, args: list[ir.Type]):
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(ret, args), name)


def has_avx512(context) -> bool:
    """Whether the target compiled for has AVX-512 F and DQ (``vpermi2q``,
    ``vreducepd``)."""
    features = getattr(context.codegen(), "_tm_features", "").split(",")
    return "+avx512f" in features and "+avx512dq" in features


def _avx512(context, avx512: bool | None) -> bool:
    """The exponential's form: as forced, or the target's best."""
    return has_avx512(context) if avx512 is None else avx512


def _x86(builder: ir.IRBuilder, name: str, ret: ir.Type, args: list[ir.Value]) -> ir.Value:
    """Call the AVX-512 intrinsic ``llvm.x86.avx512.<name>``."""
    fn = _function(builder, f"llvm.x86.avx512.{name}", ret, [a.type for a in args])
    return builder.call(fn, args)


def _i32(value: int) -> ir.Constant:
    return ir.Constant(ir.IntType(32), value)


ALL_LANES = ir.Constant(ir.IntType(8), -1)
CURRENT_ROUNDING = _i32(4)
NEAREST_SIXTEENTH = _i32(0x48)  # vreducepd: keep 4 fraction bits, round to nearest even


def exp2_lanes(builder: ir.IRBuilder, x: ir.Value, avx512: bool) -> ir.Value:
    """2^x in each of the vector's lanes, for x <= 0 (see ``exp2_nonpositive``).

    With AVX-512, r = x - k is one ``vreducepd`` (the two subtractions' exact result) and
    the table lookup one ``vpermi2q``; without it, the scalar function's operations.
    """
    fma = _function(builder, "llvm.fma.v8f64", _VEC, [_VEC, _VEC, _VEC])
    floor = _splat(EXP2_FLOOR)
    x = builder.select(builder.fcmp_ordered("<", x, floor), floor, x)
    shifted = builder.fadd(x, _splat(TABLE_SHIFT))
    if avx512:
        r = _x86(builder, "mask.reduce.pd.512", _VEC,
                 [x, NEAREST_SIXTEENTH, x, ALL_LANES, CURRENT_ROUNDING])
    else:
        r = builder.fsub(x, builder.fsub(shifted, _splat(TABLE_SHIFT)))
    c = EXP2_COEFFS
    p = _splat(c[-1])
    for coeff in c[-2:0:-1]:
        p = builder.call(fma, [p, r, _splat(coeff)])
    p = builder.fmul(p, r)  # 2^r - 1
    bits = builder.bitcast(shifted, _IVEC)
    scale_bits = builder.add(_table_lookup(builder, bits, avx512), builder.shl(bits, _isplat(48)))
    scale = builder.bitcast(scale_bits, _VEC)
    return builder.call(fma, [scale, p, scale])


def _table_lookup(builder: ir.IRBuilder, index: ir.Value, avx512: bool) -> ir.Value:
    """EXP2_SCALE_BITS[index & 15] in every lane."""
    entries = [ir.Constant(_I64, int(v)) for v in EXP2_SCALE_BITS]
    if avx512:
        half = len(entries) // 2
        low, high = ir.Constant(_IVEC, entries[:half]), ir.Constant(_IVEC, entries[half:])
        return _x86(builder, "vpermi2var.q.512", _IVEC, [low, index, high])  # low 4 bits
    table = cgutils.global_constant(
        builder, "premia_exp2_scale_bits", ir.Constant(ir.ArrayType(_I64, len(entries)), entries))
    masked = builder.and_(index, _isplat(len(entries) - 1))
    out = ir.Constant(_IVEC, ir.Undefined)
    for lane in range(LANES):
        at = builder.extract_element(masked, _i32(lane))
        entry = builder.load(builder.gep(table, [ir.Constant(_I64, 0), at]))
        out = builder.insert_element(out, entry, _i32(lane))
    return out


def _lanes_at(context, builder, arrty, arr, at) -> ir.Value:
    """Pointer to the ``LANES`` doubles of ``arr`` from flat element ``at``."""
    data = context.make_array(arrty)(context, builder, arr).data
    return builder.bitcast(builder.gep(data, [at]), _VEC.as_pointer())


def _load(builder, ptr):
    return builder.load(ptr, align=8)


def _store(builder, value, ptr):
    builder.store(value, ptr, align=8)


def _c_float_arrays(*arrays) -> bool:
    return all(isinstance(a, types.Array) and a.dtype == types.float64 and a.layout == "C"
               for a in arrays)


def _broadcast(builder: ir.IRBuilder, value: ir.Value) -> ir.Value:
    """``value`` in every lane."""
    one = builder.insert_element(ir.Constant(_VEC, ir.Undefined), value, _i32(0))
    return builder.shuffle_vector(one, ir.Constant(_VEC, ir.Undefined),
                                  ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES))


def _weigh(context, builder, sig, args, avx512: bool | None):
    """x = U - top = sum_r c_r X[at_r] - top (fmas from the last term to the first);
    w = e 2^x into V; total += w; e is 1, X[a] or max(X[a], X[f])."""
    V, v_at, top, total, at, X, terms, weights = args
    avx512 = _avx512(context, avx512)
    fma = _function(builder, "llvm.fma.v8f64", _VEC, [_VEC, _VEC, _VEC])

    def row(offset):
        return _load(builder, _lanes_at(context, builder, sig.args[5], X, offset))

    pt = _lanes_at(context, builder, sig.args[2], top, at)
    x = builder.fneg(_load(builder, pt))  # U - top as fmas from -top: no subtraction
    for t in reversed(range(len(sig.args[6]))):
        term = builder.extract_value(terms, t)
        coef = _broadcast(builder, builder.extract_value(term, 0))
        x = builder.call(fma, [row(builder.extract_value(term, 1)), coef, x])
    w = exp2_lanes(builder, x, avx512)
    if len(sig.args[7]):
        e = row(builder.extract_value(weights, 0))
        if len(sig.args[7]) == 2:
            f = row(builder.extract_value(weights, 1))
            e = builder.select(builder.fcmp_ordered(">", e, f), e, f)
        w = builder.fmul(e, w)
    _store(builder, w, _lanes_at(context, builder, sig.args[0], V, v_at))
    ps = _lanes_at(context, builder, sig.args[3], total, at)
    _store(builder, builder.fadd(_load(builder, ps), w), ps)
    return context.get_dummy_value()


def _terms_fit(terms, weights) -> bool:
    """``terms`` a non-empty tuple of (float64 coefficient, integer offset), ``weights``
    a tuple of at most two integer offsets."""
    return (isinstance(terms, types.BaseTuple) and len(terms) > 0
            and all(isinstance(t, types.BaseTuple) and len(t) == 2
                    and t[0] == types.float64 and isinstance(t[1], types.Integer)
                    for t in terms)
            and isinstance(weights, types.BaseTuple) and len(weights) <= 2
            and all(isinstance(w, types.Integer) for w in weights))


def make_weight_lanes(avx512: bool | None = None):
    """The two lane functions; ``avx512`` forces the exponential's form (None: the
    target's best; the tests compare both)."""

    @intrinsic
    def utility_weight_lanes(typingctx, V, v_at, top, total, at, X, terms, weights):
        """U = sum_r c_r X[at_r:+8] over ``terms`` ((c_r, at_r), ...);
        V[v_at:+8] = e 2^(U - top[at:+8]) and total[at:+8] += it, with e = 1 for
        ``weights`` (), X[a:+8] for (a,) and max(X[a:+8], X[f:+8]) for (a, f)."""
        if _c_float_arrays(V, top, total, X) and _terms_fit(terms, weights):
            return (types.none(V, v_at, top, total, at, X, terms, weights),
                    lambda c, b, s, a: _weigh(c, b, s, a, avx512))
        return None

    @intrinsic
    def outside_lanes(typingctx, u0, top, total, at):
        """total[at:+8] = 2^(u0 - top[at:+8]): the outside option's weight."""
        if not _c_float_arrays(top, total):
            return None

        def codegen(context, builder, sig, args):
            u0v, topv, totalv, atv = args
            wide = _avx512(context, avx512)
            pt = _lanes_at(context, builder, sig.args[1], topv, atv)
            w = exp2_lanes(builder, builder.fsub(_broadcast(builder, u0v), _load(builder, pt)),
                           wide)
            _store(builder, w, _lanes_at(context, builder, sig.args[2], totalv, atv))
            return context.get_dummy_value()

        return types.none(types.float64, top, total, at), codegen

    return utility_weight_lanes, outside_lanes


utility_weight_lanes, outside_lanes = make_weight_lanes()


@intrinsic
def lane_dots(typingctx, lane_sums, V, y, rows):
    """lane_sums[r, :] += sum_g V[r, g LANES:(g + 1) LANES] y[g LANES:(g + 1) LANES] for
    r < rows, over a whole block (``V`` has ``GROUPS * LANES`` columns).

    Each lane's sum runs over every ``LANES``-th consumer of the block in order (one fma
    chain per row, no horizontal sum); the lanes are folded once per chunk.
    """
    if not _c_float_arrays(lane_sums, V, y):
        return None

    def codegen(context, builder, sig, args):
        sums, Vv, yv, rowsv = args
        fma = _function(builder, "llvm.fma.v8f64", _VEC, [_VEC, _VEC, _VEC])
        ys = [_load(builder, _lanes_at(context, builder, sig.args[2], yv,
                                       ir.Constant(_I64, g * LANES))) for g in range(GROUPS)]
        with cgutils.for_range(builder, rowsv) as loop:
            base = builder.mul(loop.index, ir.Constant(_I64, GROUPS * LANES))
            s = None
            for g in range(GROUPS):
                at = builder.add(base, ir.Constant(_I64, g * LANES))
                v = _load(builder, _lanes_at(context, builder, sig.args[1], Vv, at))
                s = builder.fmul(v, ys[g]) if s is None else builder.call(fma, [v, ys[g], s])
            ps = _lanes_at(context, builder, sig.args[0], sums,
                           builder.mul(loop.index, ir.Constant(_I64, LANES)))
            _store(builder, builder.fadd(_load(builder, ps), s), ps)
        return context.get_dummy_value()

    return types.none(lane_sums, V, y, types.int64), codegen


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def fold_lanes(out, lane_sums, rows):
    """out[r] = lane_sums[r, 0] + ... + lane_sums[r, LANES - 1], in that order."""
    for r in range(rows):
        s = 0.0
        for lane in range(LANES):
            s += lane_sums[r, lane]
        out[r] = s

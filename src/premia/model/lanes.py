"""The logit weights of eight consumers at once, written as explicit vector code.

    w_i = e_i 2^(U_i - top_i),   total_i += w_i,   for the 8 consumers i of one lane group,

with 2^x computed exactly as :func:`~premia.model.fastmath.exp2_nonpositive` computes it
(same operations, same bits): a 16-entry table of 2^(j/16) and a degree-6 polynomial.
LLVM's loop vectorizer turns the scalar function's table lookup into a gather, which costs
more than the polynomial terms the table saves; here the lookup is one ``vpermi2q``,
which picks each lane's entry from the table held in two registers. On CPUs without
AVX-512 the lookup is eight scalar loads instead, with the same result.

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


def has_permute(context) -> bool:
    """Whether the target compiled for has AVX-512 (and so ``vpermi2q``)."""
    features = getattr(context.codegen(), "_tm_features", "")
    return "+avx512f" in features.split(",")


def _permute(context, permute: bool | None) -> bool:
    """The table lookup's form: as forced, or the target's best."""
    return has_permute(context) if permute is None else permute


def _table_lookup(builder: ir.IRBuilder, index: ir.Value, permute: bool) -> ir.Value:
    """EXP2_SCALE_BITS[index & 15] in every lane."""
    entries = [ir.Constant(_I64, int(v)) for v in EXP2_SCALE_BITS]
    if permute:
        lookup = _function(builder, "llvm.x86.avx512.vpermi2var.q.512", _IVEC,
                           [_IVEC, _IVEC, _IVEC])
        half = len(entries) // 2
        low, high = ir.Constant(_IVEC, entries[:half]), ir.Constant(_IVEC, entries[half:])
        return builder.call(lookup, [low, index, high])  # uses index's low 4 bits
    table = cgutils.global_constant(
        builder, "premia_exp2_scale_bits", ir.Constant(ir.ArrayType(_I64, len(entries)), entries))
    masked = builder.and_(index, _isplat(len(entries) - 1))
    out = ir.Constant(_IVEC, ir.Undefined)
    for lane in range(LANES):
        at = builder.extract_element(masked, ir.Constant(ir.IntType(32), lane))
        entry = builder.load(builder.gep(table, [ir.Constant(_I64, 0), at]))
        out = builder.insert_element(out, entry, ir.Constant(ir.IntType(32), lane))
    return out


def exp2_lanes(builder: ir.IRBuilder, x: ir.Value, permute: bool) -> ir.Value:
    """2^x in each of the vector's lanes, for x <= 0 (see ``exp2_nonpositive``)."""
    fma = _function(builder, "llvm.fma.v8f64", _VEC, [_VEC, _VEC, _VEC])
    floor = _splat(EXP2_FLOOR)
    x = builder.select(builder.fcmp_ordered("<", x, floor), floor, x)
    shifted = builder.fadd(x, _splat(TABLE_SHIFT))
    r = builder.fsub(x, builder.fsub(shifted, _splat(TABLE_SHIFT)))
    c = EXP2_COEFFS
    p = _splat(c[-1])
    for coeff in c[-2:0:-1]:
        p = builder.call(fma, [p, r, _splat(coeff)])
    p = builder.fmul(p, r)  # 2^r - 1
    bits = builder.bitcast(shifted, _IVEC)
    scale_bits = builder.add(_table_lookup(builder, bits, permute), builder.shl(bits, _isplat(48)))
    scale = builder.bitcast(scale_bits, _VEC)
    return builder.call(fma, [scale, p, scale])


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


def _weigh(context, builder, sig, args, weight_rows: int, permute: bool | None):
    """w = e 2^(V - top) into V, total += w; e is 1, X[a] or max(X[a], X[f])."""
    V, v_at, top, total, at = args[:5]
    permute = _permute(context, permute)
    pv = _lanes_at(context, builder, sig.args[0], V, v_at)
    pt = _lanes_at(context, builder, sig.args[2], top, at)
    ps = _lanes_at(context, builder, sig.args[3], total, at)
    w = exp2_lanes(builder, builder.fsub(_load(builder, pv), _load(builder, pt)), permute)
    if weight_rows:
        X = args[5]
        e = _load(builder, _lanes_at(context, builder, sig.args[5], X, args[6]))
        if weight_rows == 2:
            f = _load(builder, _lanes_at(context, builder, sig.args[5], X, args[7]))
            e = builder.select(builder.fcmp_ordered(">", e, f), e, f)
        w = builder.fmul(e, w)
    _store(builder, w, pv)
    _store(builder, builder.fadd(_load(builder, ps), w), ps)
    return context.get_dummy_value()


def make_weight_lanes(permute: bool | None = None):
    """The three lane functions; ``permute`` forces the table lookup's form (None: the
    target's best; the tests compare both)."""

    @intrinsic
    def weight_lanes(typingctx, V, v_at, top, total, at):
        """V[v_at:+8] = 2^(V - top[at:+8]); total[at:+8] += it."""
        if _c_float_arrays(V, top, total):
            return types.none(V, v_at, top, total, at), lambda c, b, s, a: _weigh(
                c, b, s, a, 0, permute)
        return None

    @intrinsic
    def aware_weight_lanes(typingctx, V, v_at, top, total, at, X, a_at):
        """As ``weight_lanes``, times X[a_at:+8] (awareness)."""
        if _c_float_arrays(V, top, total, X):
            return types.none(V, v_at, top, total, at, X, a_at), lambda c, b, s, a: _weigh(
                c, b, s, a, 1, permute)
        return None

    @intrinsic
    def either_weight_lanes(typingctx, V, v_at, top, total, at, X, a_at, f_at):
        """As ``weight_lanes``, times max(X[a_at:+8], X[f_at:+8]) (aware or following)."""
        if _c_float_arrays(V, top, total, X):
            return (types.none(V, v_at, top, total, at, X, a_at, f_at),
                    lambda c, b, s, a: _weigh(c, b, s, a, 2, permute))
        return None

    @intrinsic
    def outside_lanes(typingctx, u0, top, total, at):
        """total[at:+8] = 2^(u0 - top[at:+8]): the outside option's weight."""
        if not _c_float_arrays(top, total):
            return None

        def codegen(context, builder, sig, args):
            u0v, topv, totalv, atv = args
            perm = _permute(context, permute)
            pt = _lanes_at(context, builder, sig.args[1], topv, atv)
            splat = builder.insert_element(ir.Constant(_VEC, ir.Undefined), u0v,
                                           ir.Constant(ir.IntType(32), 0))
            splat = builder.shuffle_vector(splat, ir.Constant(_VEC, ir.Undefined),
                                           ir.Constant(ir.VectorType(ir.IntType(32), LANES),
                                                       [0] * LANES))
            w = exp2_lanes(builder, builder.fsub(splat, _load(builder, pt)), perm)
            _store(builder, w, _lanes_at(context, builder, sig.args[2], totalv, atv))
            return context.get_dummy_value()

        return types.none(types.float64, top, total, at), codegen

    return weight_lanes, aware_weight_lanes, either_weight_lanes, outside_lanes


weight_lanes, aware_weight_lanes, either_weight_lanes, outside_lanes = make_weight_lanes()


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

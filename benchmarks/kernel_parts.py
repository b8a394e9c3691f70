"""Where the demand kernel's time goes: the kernel against copies of itself with one part
left out, timed side by side.

Each variant is a copy of the kernel's modules (``model/demand.py``, ``logit.py``,
``lanes.py`` and ``fastmath.py``) in a temporary package, with one part of the work removed
by a text substitution (the script stops if a substitution no longer matches the source).
The variants compute wrong demand on purpose: they exist only to be timed. The cost of a
part is the kernel's time minus the variant's, per consumer x good evaluation; the parts
need not add up to the whole, because the CPU overlaps some of them.

All variants run on one thread in the same process, interleaved, and each round's times
are taken relative to the full kernel's in that round (the median over rounds is
printed), so that load from other processes on a shared machine cancels out.

Usage::

    .venv/bin/python benchmarks/kernel_parts.py [--rounds 25] [--consumers 200000] [--json F]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, print_table, synthetic_market, write_json

MODEL = Path(__file__).resolve().parents[1] / "src" / "premia" / "model"
FILES = ("demand", "logit", "fastmath", "lanes")

#: part name -> [(file, text in the source, replacement)]
ABLATIONS: dict[str, list[tuple[str, str, str]]] = {
    "utility ceilings (per consumer and market)": [
        ("logit", "    utility_ceiling(X, blk, v0m, ceiling, top)\n",
         "    top[:] = 8.0\n")],
    "purchase sums per culture": [
        ("demand", "            if k >= 0:\n                for i in range(BLOCK):\n"
                   "                    got[k, blk, i]",
         "            if k >= 1 << 40:\n                for i in range(BLOCK):\n"
                   "                    got[k, blk, i]")],
    "demand sums over consumers": [
        ("demand", "        lane_dots(lane_sums, V, scale, size)\n",
         "        lane_sums[0, 0] += scale[0]\n")],
    "consumer surplus (log per consumer)": [
        ("demand", "        surplus += _inclusive_values(X, blk, n8, v0m, top, total, share)\n",
         "        surplus += total[0]\n")],
    "copying consumers into the block buffer": [
        ("demand", "            X, b8 = load_chunk(i0, b, alpha, gfac, weight, affinity, awareness,"
                   " follows)",
         "            b8 = (b + LANES - 1) // LANES * LANES\n"
         "            X = np.ones(((b8 + BLOCK - 1) // BLOCK,"
         " buffer_rows(affinity.shape[1], follows.shape[1]), BLOCK))")],
}


def build_variant(root: Path, name: str, edits: list[tuple[str, str, str]]) -> str:
    """Write the package ``name`` under ``root`` with ``edits`` applied; returns its name."""
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for file in FILES:
        text = (MODEL / f"{file}.py").read_text()
        for other in FILES:
            text = text.replace(f"premia.model.{other}", f"{name}.{other}")
        for target, old, new in edits:
            if target == file:
                if text.count(old) != 1:
                    raise SystemExit(f"kernel_parts: {file}.py no longer contains the text "
                                     f"the variant {name} removes; update ABLATIONS")
                text = text.replace(old, new)
        (package / f"{file}.py").write_text(text)
    return name


def variants() -> dict[str, list[tuple[str, str, str]]]:
    """The full kernel, each single-part ablation, and all of them together."""
    return {"full kernel": [], **ABLATIONS,
            "exponentials and their sum only": [e for es in ABLATIONS.values() for e in es]}


def load_variants(root: Path, chosen: dict[str, list[tuple[str, str, str]]]) -> dict:
    """Import each variant's ``demand`` module from packages written under ``root``
    (which must be on ``sys.path``)."""
    return {part: importlib.import_module(
        build_variant(root, f"premia_kernel_part{number}", edits) + ".demand")
        for number, (part, edits) in enumerate(chosen.items())}


def paired_times(kernels: dict, consumers: int, goods: int, rounds: int) -> dict[str, list[float]]:
    """CPU seconds of each variant's ``expected_demand`` per round, interleaved."""
    offer, people = synthetic_market(consumers, goods, 3, cultures=3)
    offers = {part: module.Offer(**vars(offer)) for part, module in kernels.items()}
    for part, module in kernels.items():
        module.expected_demand(offers[part], people, 0.0)  # compile
    times: dict[str, list[float]] = {part: [] for part in kernels}
    for _ in range(rounds):
        for part, module in kernels.items():
            start = time.process_time()
            module.expected_demand(offers[part], people, 0.0)
            times[part].append(time.process_time() - start)
    return times


def main(argv: list[str] | None = None) -> dict:
    """Time the kernel and its variants; print the cost of each part."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=25)
    ap.add_argument("--consumers", type=int, default=200_000)
    ap.add_argument("--goods", type=int, default=100)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    numba.set_num_threads(1)
    evals = args.consumers * args.goods
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, tmp)
        try:
            times = paired_times(load_variants(Path(tmp), variants()), args.consumers,
                                 args.goods, args.rounds)
        finally:
            sys.path.remove(tmp)
    full = np.array(times["full kernel"])
    full_ns = 1e9 * float(np.median(full)) / evals
    rows, parts = [], {}
    for part, t in times.items():
        relative = float(np.median(np.array(t) / full))
        parts[part] = {"relative_time": relative, "ns_per_eval": relative * full_ns}
        label = part if part == "full kernel" or part.startswith("exponentials") \
            else f"without: {part}"
        rows.append([label, f"{relative * full_ns:.3f}", f"{relative:.3f}",
                     "" if part == "full kernel" else f"{(1.0 - relative) * full_ns:.3f}"])
    print_table(f"demand kernel parts, {args.consumers:,} consumers x {args.goods} goods, "
                "1 thread (median of paired CPU times)",
                ["variant", "ns per evaluation", "time / full kernel", "part costs (ns)"], rows)
    result = {"machine": machine(), "consumers": args.consumers, "goods": args.goods,
              "rounds": args.rounds, "full_ns_per_eval": full_ns, "parts": parts}
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

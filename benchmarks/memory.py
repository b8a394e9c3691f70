"""Peak memory of the full model against consumers, in float64 and float32 storage.

Each point builds and runs ``common.full_model`` (3 categories, about 100 firms, 3
cultures, a small-world network of degree 12, every mechanism on) for a few months in a
fresh process and reports its peak resident set (``ru_maxrss``). A least-squares line
``peak = base + bytes x consumers`` over the points gives the memory per consumer, and
from it the peak at 10M consumers and the largest run that stays under ``--budget-gb``:
the estimate behind the schema's cap on ``scenario.consumers``.

Usage::

    .venv/bin/python benchmarks/memory.py [--consumers 250000 500000 1000000]
        [--periods 3] [--budget-gb 16] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, print_table, write_json

HERE = Path(__file__).resolve().parent

POINT = """
import json, os, resource, sys, time
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
sys.path.insert(0, {here!r})
from common import full_model
from premia.api import simulate
sc = full_model({consumers}, {periods})
sc = sc.model_copy(update={{"consumers": sc.consumers.model_copy(
    update={{"precision": {precision!r}}})}})
start = time.perf_counter()
simulate(sc, seed=1)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"wall_s": wall, "peak_mb": peak}}))
"""


def point(consumers: int, periods: int, precision: str) -> dict:
    """One run in a fresh process: wall time and peak RSS in MB."""
    code = POINT.format(here=str(HERE), consumers=consumers, periods=periods,
                        precision=precision)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(consumers=consumers, periods=periods, precision=precision)
    return row


def fit(rows: list[dict]) -> dict:
    """peak = base + per_consumer x consumers, least squares."""
    n = np.array([r["consumers"] for r in rows], float)
    mb = np.array([r["peak_mb"] for r in rows], float)
    slope, base = np.polyfit(n, mb, 1)
    return {"base_mb": float(base), "bytes_per_consumer": float(slope * 2**20)}


def main(argv: list[str] | None = None) -> dict:
    """Measure both storages, print the table and the estimates, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, nargs="+", default=[250_000, 500_000, 1_000_000])
    ap.add_argument("--periods", type=int, default=3)
    ap.add_argument("--budget-gb", type=float, default=16.0)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    point(10_000, 1, "float64"), point(10_000, 1, "float32")  # warm the compile cache
    rows = [point(n, args.periods, p) for p in ("float64", "float32") for n in args.consumers]
    print_table(f"peak memory, full model, {args.periods} months",
                ["precision", "consumers", "peak MB", "wall s"],
                [[r["precision"], r["consumers"], r["peak_mb"], r["wall_s"]] for r in rows])
    estimates = {}
    for p in ("float64", "float32"):
        f = fit([r for r in rows if r["precision"] == p])
        f["peak_gb_at_10m"] = (f["base_mb"] + f["bytes_per_consumer"] * 1e7 / 2**20) / 1024
        f["max_consumers_in_budget"] = int((args.budget_gb * 1024 - f["base_mb"]) * 2**20
                                           / f["bytes_per_consumer"])
        estimates[p] = f
        print(f"{p}: {f['bytes_per_consumer']:.0f} bytes per consumer over a "
              f"{f['base_mb']:.0f} MB base; 10M consumers ~ {f['peak_gb_at_10m']:.1f} GB; "
              f"{args.budget_gb:g} GB holds {f['max_consumers_in_budget']:,} consumers")
    result = {"points": rows, "estimates": estimates, "budget_gb": args.budget_gb,
              "machine": machine()}
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

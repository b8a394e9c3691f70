"""Wall time and peak memory of the full model against consumers, products and periods.

The full model (``common.full_model``): 3 categories, about 100 firms, 3 cultures, a
small-world network of degree 12 and all mechanisms on. Each point runs in a fresh
subprocess with a warm compile cache; peak memory is that process's
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (tracemalloc misses Numba's allocations).
The fitted exponent b of cost ~ size^b is the least-squares slope in log-log space over
the points of each sweep (and, separately, the slope between its two largest points).

Usage::

    .venv/bin/python benchmarks/scaling.py [--quick] [--full] [--json FILE]

``--full`` also runs the target case once: 1M consumers, ~100 firms, 3 cultures,
240 months (targets: under 3 minutes on 2 cores, under 2 GB).
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
warm = full_model(10_000, 2, firms={firms})  # serial and threaded kernels
simulate(warm, seed=0)
sc = full_model({consumers}, {periods}, firms={firms})
start = time.perf_counter()
res = simulate(sc, seed=1)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cats = res.categories
print(json.dumps({{"wall_s": wall, "peak_mb": peak,
                   "firms_end": int(cats[cats.period == cats.period.max()].firms_alive.sum())}}))
"""


def point(consumers: int, periods: int, firms: int = 100) -> dict:
    """One run in a fresh process: wall time and peak RSS."""
    code = POINT.format(here=str(HERE), consumers=consumers, periods=periods, firms=firms)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(consumers=consumers, periods=periods, firms=firms)
    return row


def exponent(sizes: list[float], cost: list[float]) -> float:
    """Least-squares slope of log(cost) on log(size)."""
    return float(np.polyfit(np.log(sizes), np.log(cost), 1)[0])


def sweep(name: str, key: str, rows: list[dict]) -> dict:
    """Print one sweep's table and its fitted exponents."""
    sizes = [r[key] for r in rows]
    b_time = exponent(sizes, [r["wall_s"] for r in rows])
    b_top = exponent(sizes[-2:], [r["wall_s"] for r in rows[-2:]])
    b_mem = exponent(sizes, [r["peak_mb"] for r in rows])
    print_table(
        f"{name}: time ~ {key}^{b_time:.2f} (^{b_top:.2f} between the two largest), "
        f"peak memory ~ {key}^{b_mem:.2f}",
        ["consumers", "firms (start)", "firms (end)", "periods", "wall s", "s / period",
         "peak MB"],
        [[r["consumers"], r["firms"], r["firms_end"], r["periods"], r["wall_s"],
          r["wall_s"] / r["periods"], round(r["peak_mb"])] for r in rows])
    return {"rows": rows, "time_exponent": b_time, "time_exponent_top": b_top,
            "memory_exponent": b_mem}


def main(argv: list[str] | None = None) -> dict:
    """Run the sweeps (and optionally the full target run); print tables; JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sweeps")
    ap.add_argument("--full", action="store_true", help="also 1M consumers x 240 months")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    top = 300_000 if args.quick else 1_000_000
    consumers = [n for n in (10_000, 30_000, 100_000, 300_000, 1_000_000) if n <= top]
    result = {"machine": machine()}
    result["consumers"] = sweep("Consumers (100 firms, 24 months)", "consumers",
                                [point(n, 24) for n in consumers])
    result["products"] = sweep("Products (100k consumers, 24 months)", "firms",
                               [point(100_000, 24, f) for f in (25, 50, 100, 200, 400)])
    result["periods"] = sweep("Periods (100k consumers, 100 firms)", "periods",
                              [point(100_000, t) for t in (12, 24, 48, 96)])
    if args.full:
        full = point(1_000_000, 240)
        result["full"] = full
        print_table("Target: 1M consumers, 100 firms, 3 cultures, network, 240 months",
                    ["wall s", "peak MB", "target"],
                    [[full["wall_s"], round(full["peak_mb"]), "< 180 s, < 2048 MB"]])
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

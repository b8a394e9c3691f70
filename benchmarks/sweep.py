"""Sweep throughput: runs per minute with 1 and 2 workers on each executor, side by side,
and the store's overhead per run (writing a run's tables and record vs simulating it).

Usage::

    python benchmarks/sweep.py [--runs 16] [--periods 60] [--consumers 2000] [--json FILE]

All configurations are run in turn, ``--repeat`` times, and the best round of each is
kept (the machine may be shared). Each executor is started and warmed up (one run per
worker: process start, imports and the Numba cache) before the timed batch, so the
figures are steady-state throughput; the wall time including start-up is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from premia.api import simulate
from premia.catalog import shipped
from premia.experiments.executors import make_executor
from premia.experiments.store import Store
from premia.experiments.sweep import execute, plan
from premia.loading import load_scenario


def tasks(store: Path, n: int, overrides: dict, tag: str) -> list:
    """``n`` distinct runs (replicates) of the minimal scenario."""
    return plan(shipped()["minimal"], store, seeds=n, overrides=overrides,
                root_seed=hash(tag) % 2**31, workers=1).tasks


def throughput(executor: str, workers: int, n: int, overrides: dict) -> dict:
    """Steady-state runs per minute, and the wall time including start-up."""
    root = Path(tempfile.mkdtemp(prefix="premia-bench-"))
    try:
        start = time.perf_counter()
        with make_executor(executor, workers) as pool:
            warm = tasks(root / "warm", workers, overrides, f"warm{executor}{workers}")
            list(pool.map_unordered(execute, warm))
            batch = tasks(root / "timed", n, overrides, "timed")
            t0 = time.perf_counter()
            outcomes = list(pool.map_unordered(execute, batch))
            elapsed = time.perf_counter() - t0
        wall = time.perf_counter() - start
        failed = sum(1 for _, rec, err in outcomes if err or rec["status"] != "done")
        sims = [rec["sim_time_s"] for _, rec, err in outcomes if not err and rec["sim_time_s"]]
        return {"executor": executor, "workers": workers, "runs": n, "failed": failed,
                "seconds": elapsed, "runs_per_min": 60.0 * n / elapsed, "wall_s": wall,
                "mean_sim_s": statistics.fmean(sims) if sims else float("nan"),
                "busy": sum(sims) / (workers * elapsed)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def store_overhead(repeats: int, overrides: dict) -> dict:
    """Median simulation time and median time to write the run's tables and record."""
    sc = load_scenario(shipped()["minimal"], overrides)
    root = Path(tempfile.mkdtemp(prefix="premia-bench-store-"))
    sims, writes = [], []
    try:
        store = Store(root)
        simulate(sc, seed=0)
        for i in range(repeats):
            t0 = time.perf_counter()
            res = simulate(sc, seed=i + 1)
            sims.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            store.write_run({"run_id": f"{i:016x}", "status": "done", "params": {}}, res)
            writes.append(time.perf_counter() - t0)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    sim, write = statistics.median(sims), statistics.median(writes)
    return {"sim_s": sim, "write_s": write, "overhead": write / sim, "repeats": repeats}


def main() -> None:
    """Run the benchmark and print (and optionally save) the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--periods", type=int, default=60)
    ap.add_argument("--consumers", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=2,
                    help="rounds over all configurations (interleaved); the best is kept")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    overrides = {"scenario.periods": args.periods, "scenario.consumers": args.consumers}
    configs = [(ex, w) for ex in ("local", "dask") for w in (1, 2)]
    rounds = [[throughput(ex, w, args.runs, overrides) for ex, w in configs]
              for _ in range(max(1, args.repeat))]
    rows = [max((r[i] for r in rounds), key=lambda row: row["runs_per_min"])
            for i in range(len(configs))]
    overhead = store_overhead(5, overrides)
    rate = {(r["executor"], r["workers"]): r["runs_per_min"] for r in rows}
    ratios = {ex: rate[(ex, 2)] / rate[(ex, 1)] for ex in ("local", "dask")}

    table = Table(title=f"sweep throughput (best of {max(1, args.repeat)} interleaved rounds): "
                        f"{args.runs} runs of minimal, {args.periods} "
                        f"periods, {args.consumers} consumers; {os.cpu_count()} cores; "
                        f"load {os.getloadavg()[0]:.1f}")
    for col in ("executor", "workers", "runs/min", "timed s", "wall s (with start-up)",
                "mean s/run in worker", "workers busy", "2w/1w"):
        table.add_column(col, justify="right")
    for r in rows:
        ratio = f"{ratios[r['executor']]:.2f}" if r["workers"] == 2 else ""
        table.add_row(r["executor"], str(r["workers"]), f"{r['runs_per_min']:.1f}",
                      f"{r['seconds']:.2f}", f"{r['wall_s']:.2f}", f"{r['mean_sim_s']:.3f}",
                      f"{100 * r['busy']:.0f}%", ratio)
    console = Console()
    console.print(table)
    console.print(f"store overhead per run: write {overhead['write_s'] * 1000:.1f} ms vs "
                  f"simulate {overhead['sim_s'] * 1000:.1f} ms = "
                  f"{100 * overhead['overhead']:.1f}% (median of {overhead['repeats']})")
    if args.json:
        args.json.write_text(json.dumps({"throughput": rows, "ratio_2w_1w": ratios,
                                         "store": overhead, "args": vars(args) | {
                                             "json": str(args.json)},
                                         "load": os.getloadavg()[0]}, indent=2))


if __name__ == "__main__":
    main()

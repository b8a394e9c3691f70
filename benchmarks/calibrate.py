"""Speed of ``premia calibrate``: a fit of six parameters to ten moments, five seeds per
point, on the local process pool and on Dask (two workers each), side by side.

Usage::

    python benchmarks/calibrate.py [--seeds 5] [--workers 2] [--periods 120]
        [--consumers 2000] [--samples N] [--starts 2] [--max-evals N]
        [--executors local,dask] [--json FILE]

The data moments are made by the model itself at known parameter values (ten runs at
seeds the fit never uses), so the table also shows how far the fit lands from the truth.
Each executor fits from the same start into a fresh store; the wall time includes
starting the workers. Runs per minute = runs simulated / wall time; the projected time
of a fit with the default budget (``10 K + 1`` sample points, ``starts x 40 K`` local
evaluations and the Jacobian's ``2 K + 1``, times the seeds: an upper bound, as local
searches usually stop earlier) divides that budget by the measured rate, so a fit cut
short by ``--max-evals`` still gives the figure for a full one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from premia.api import simulate
from premia.calibration import Moment, Param, calibrate
from premia.calibration.statistics import values
from premia.catalog import shipped
from premia.experiments.sweep import derive_seed
from premia.loading import load_scenario

TRUTH = {
    "category.goods.target_utilization": (0.6, 0.95, 0.8),
    "category.goods.price_speed": (0.01, 0.2, 0.05),
    "category.phones.tech_cost_elasticity": (0.05, 0.6, 0.2),
    "category.phones.price_weight": (0.001, 0.004, 0.002),
    "category.embroidery.culture_weight": (2.0, 6.0, 4.0),
    "culture.miao.bass_q": (0.005, 0.1, 0.03),
}
STATS = ["gross_margin:goods", "net_margin:goods", "utilization:goods", "elasticity:goods",
         "gross_margin:phones", "net_margin:phones", "learning_rate:phones",
         "gross_margin:embroidery", "markup:embroidery", "bass_q:miao"]


def data_moments(overrides: dict, runs: int = 10) -> list[Moment]:
    """Moments of the model at the true values (root seed 777: unrelated to the fit)."""
    sc = load_scenario(shipped()["minimal"], {**overrides,
                                              **{p: v[2] for p, v in TRUTH.items()}})
    sims = np.array([values(simulate(sc, seed=derive_seed(777, None, r)), STATS)
                     for r in range(runs)])
    se = np.maximum(sims.std(axis=0, ddof=1) / np.sqrt(runs), 1e-4)
    return [Moment(id=s.replace(":", "."), value=float(v), se=float(e), source="model",
                   model=s) for s, v, e in zip(STATS, sims.mean(axis=0), se, strict=True)]


def fit_once(executor: str, args: argparse.Namespace, targets: list[Moment],
             overrides: dict) -> dict:
    """One fit into a fresh store; its timings and distance to the truth."""
    params = [Param(p, lo, hi) for p, (lo, hi, _) in TRUTH.items()]
    start = {p: lo + 0.3 * (hi - lo) for p, (lo, hi, _) in TRUTH.items()}
    root = Path(tempfile.mkdtemp(prefix="premia-bench-cal-"))
    try:
        t0 = time.perf_counter()
        fit = calibrate(shipped()["minimal"], targets, params, store=root / "store",
                        seeds=args.seeds, overrides=overrides, start=start,
                        samples=args.samples, starts=args.starts, max_evals=args.max_evals,
                        executor=executor, workers=args.workers)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(root, ignore_errors=True)
    k = len(params)
    budget = (10 * k + 1) + fit.starts * 40 * k + 2 * k + 1  # the default budget
    rate = 60.0 * fit.runs / wall
    truth = np.array([v[2] for v in TRUTH.values()])
    return {"executor": executor, "workers": args.workers, "wall_s": wall,
            "evaluations": fit.evaluations, "runs": fit.runs, "runs_per_min": rate,
            "budget_runs": budget * args.seeds,
            "projected_full_min": budget * args.seeds / rate,
            "objective": fit.objective, "j_stat": fit.j_stat,
            "within_2se": int(np.sum(np.abs(fit.estimates - truth) <= 2 * fit.se)),
            "params": k, "moments": len(targets)}


def main() -> None:
    """Run the benchmark and print the table (and optionally write JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--periods", type=int, default=120)
    ap.add_argument("--consumers", type=int, default=2000)
    ap.add_argument("--samples", type=int, default=None)
    ap.add_argument("--starts", type=int, default=2)
    ap.add_argument("--max-evals", type=int, default=None)
    ap.add_argument("--executors", default="local,dask")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    overrides = {"scenario.periods": args.periods, "scenario.consumers": args.consumers}
    console = Console()
    t0 = time.perf_counter()
    targets = data_moments(overrides)
    console.print(f"data moments: 10 runs in {time.perf_counter() - t0:.1f} s; "
                  f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    rows = [fit_once(e, args, targets, overrides) for e in args.executors.split(",")]
    table = Table(title=f"calibrate: {len(TRUTH)} parameters, {len(STATS)} moments, "
                        f"{args.seeds} seeds per point, minimal at {args.consumers} consumers "
                        f"x {args.periods} months")
    cols = ("executor", "workers", "wall_s", "evaluations", "runs", "runs_per_min",
            "budget_runs", "projected_full_min", "within_2se", "j_stat")
    for c in cols:
        table.add_column(c, justify="left" if c == "executor" else "right")
    for r in rows:
        table.add_row(*[f"{r[c]:.1f}" if isinstance(r[c], float) else str(r[c]) for c in cols])
    console.print(table)
    if len(rows) == 2:
        console.print(f"{rows[0]['executor']} / {rows[1]['executor']} runs per minute: "
                      f"{rows[0]['runs_per_min'] / rows[1]['runs_per_min']:.2f}")
    console.print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

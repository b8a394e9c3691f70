"""premia against the same core model written in Mesa 3 (``mesa_twin.py``).

1. Same model: over several seeds, the long-run (second half) sales-weighted price,
   markup and total sales per category of premia and of the Mesa twin, both with one
   sampled logit choice per shopper and innovation on, agree within sampling error
   (z = difference / standard error of the difference across seeds).
2. Speed: construction and per-period time of both at 1k, 10k and 100k consumers, same
   scenario and periods, with expected demand (premia's default: both compute every
   consumer's choice probabilities and produce the same numbers) and with sampled demand
   (one drawn choice per shopper; the Mesa consumer skips the categories it does not
   shop in). Where Mesa would take minutes, it runs fewer periods and its per-period time
   is used: the table says so. Both wall time and CPU time (``time.process_time``) are
   taken; on a shared machine the CPU-time ratio (Mesa against premia on one thread, both
   single-threaded then) is the one other jobs disturb least.

Usage::

    .venv/bin/python benchmarks/vs_mesa.py [--consumers N] [--periods P] [--seeds S]
        [--no-agreement] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # as premia sets it; see demand.py
from common import machine, print_table, write_json
from mesa_twin import CoreEconomy, core_scenario

from premia.api import simulate
from premia.model.engine import Economy

MEASURES = ("price_index", "mean_markup", "sales")
MESA_BUDGET_S = 60.0  # wall time the Mesa side may spend at one size


def long_run_premia(sc, seed: int) -> dict[str, float]:
    """Second-half means of each category measure in one premia run."""
    cats = simulate(sc, seed=seed).categories
    late = cats[cats.period >= sc.scenario.periods // 2]
    return {f"{c}_{m}": float(late[late.category == c][m].mean())
            for c in late.category.unique() for m in MEASURES}


def long_run_mesa(sc, seed: int) -> dict[str, float]:
    """Second-half means of each category measure in one Mesa run."""
    eco = CoreEconomy(sc, seed)
    eco.run()
    df = eco.datacollector.get_model_vars_dataframe()
    return {k: float(v) for k, v in df.iloc[sc.scenario.periods // 2:].mean().items()}


def agreement(consumers: int, periods: int, seeds: int) -> list[dict]:
    """premia vs Mesa long-run means over ``seeds`` seeds each."""
    sc = core_scenario(consumers, periods, demand="sampled", innovation=True)
    ours = [long_run_premia(sc, 100 + s) for s in range(seeds)]
    theirs = [long_run_mesa(sc, 200 + s) for s in range(seeds)]
    rows = []
    for key in ours[0]:
        a = np.array([r[key] for r in ours])
        b = np.array([r[key] for r in theirs])
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        diff = a.mean() - b.mean()
        rows.append({"measure": key, "premia": a.mean(), "mesa": b.mean(),
                     "rel_diff": diff / abs(b.mean()), "se": se,
                     "z": diff / se if se > 0 else (0.0 if diff == 0 else np.inf)})
    return rows


def clocks() -> tuple[float, float]:
    """(wall, CPU) seconds now."""
    return time.perf_counter(), time.process_time()


def time_premia(sc, threads: int) -> tuple[float, float, float, float]:
    """(construction s, per-period s, construction CPU s, per-period CPU s) of premia
    with ``threads`` numba threads."""
    numba.set_num_threads(threads)
    warm = sc.model_copy(deep=True)
    warm.scenario.periods = 2
    Economy(warm, 0).run()  # kernels compiled or loaded from the cache
    start = clocks()
    eco = Economy(sc, 1)
    built = clocks()
    eco.run()
    done = clocks()
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    n = sc.scenario.periods
    return (built[0] - start[0], (done[0] - built[0]) / n, built[1] - start[1],
            (done[1] - built[1]) / n)


def time_mesa(sc) -> tuple[float, float, int, float, float]:
    """(construction s, per-period s, periods run, construction CPU s, per-period CPU s)
    of the Mesa twin within the budget."""
    start = clocks()
    eco = CoreEconomy(sc, 1)
    built = clocks()
    eco.step()
    first = time.perf_counter() - built[0]
    budget_periods = max(1, int(MESA_BUDGET_S / max(first, 1e-9)))
    for _ in range(min(sc.scenario.periods, budget_periods) - 1):
        eco.step()
    done = clocks()
    return (built[0] - start[0], (done[0] - built[0]) / eco.period, eco.period,
            built[1] - start[1], (done[1] - built[1]) / eco.period)


def speed(consumers: int, periods: int, demand: str) -> dict:
    """Side-by-side timing at one size and demand mode."""
    sc = core_scenario(consumers, periods, demand=demand, innovation=True)
    build_p, step_p, _, _ = time_premia(sc, numba.config.NUMBA_NUM_THREADS)
    _, step_p1, cpu_build_p1, cpu_step_p1 = time_premia(sc, 1)
    build_m, step_m, ran, cpu_build_m, cpu_step_m = time_mesa(sc)
    total_p = build_p + periods * step_p
    total_m = build_m + periods * step_m
    cpu_p1 = cpu_build_p1 + periods * cpu_step_p1
    cpu_m = cpu_build_m + periods * cpu_step_m
    return {"consumers": consumers, "demand": demand, "periods": periods,
            "mesa_periods_run": ran,
            "premia_build_s": build_p, "premia_period_s": step_p,
            "premia_period_s_1thread": step_p1, "mesa_build_s": build_m,
            "mesa_period_s": step_m, "premia_total_s": total_p, "mesa_total_s": total_m,
            "ratio": total_m / total_p, "ratio_per_period": step_m / step_p,
            "ratio_per_period_1thread": step_m / step_p1,
            "premia_cpu_s_1thread": cpu_p1, "premia_period_cpu_s_1thread": cpu_step_p1,
            "mesa_cpu_s": cpu_m, "mesa_period_cpu_s": cpu_step_m, "ratio_cpu": cpu_m / cpu_p1,
            "mesa_extrapolated": ran < periods}


def main(argv: list[str] | None = None) -> dict:
    """Agreement table, then the speed table; optionally JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, help="time this size only")
    ap.add_argument("--periods", type=int, default=24, help="periods timed at each size")
    ap.add_argument("--seeds", type=int, default=8, help="seeds per side for agreement")
    ap.add_argument("--agreement-consumers", type=int, default=2000)
    ap.add_argument("--agreement-periods", type=int, default=96)
    ap.add_argument("--no-agreement", action="store_true")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    result: dict = {"machine": machine(), "threads": numba.config.NUMBA_NUM_THREADS}
    if not args.no_agreement:
        rows = agreement(args.agreement_consumers, args.agreement_periods, args.seeds)
        print_table(
            f"Same model: long-run means, {args.seeds} seeds each, "
            f"{args.agreement_consumers} consumers, {args.agreement_periods} months",
            ["measure", "premia", "Mesa", "rel diff", "z"],
            [[r["measure"], r["premia"], r["mesa"], f"{r['rel_diff']:+.2%}", f"{r['z']:+.2f}"]
             for r in rows])
        result["agreement"] = rows
        result["max_abs_z"] = max(abs(r["z"]) for r in rows)
    sizes = [args.consumers] if args.consumers else [1_000, 10_000, 100_000]
    for demand in ("expected", "sampled"):
        timings = [speed(n, args.periods, demand) for n in sizes]
        print_table(
            f"Speed, {demand} demand: {args.periods} months (Mesa: 1 thread; premia: "
            f"{result['threads']} numba threads, and 1)",
            ["consumers", "premia s/period", "premia 1 thread", "Mesa s/period",
             "Mesa periods run", "premia total s", "Mesa total s", "Mesa/premia total",
             "per period", "per period, 1 thread", "premia CPU s/period (1 thread)",
             "Mesa CPU s/period", "Mesa/premia total CPU (1 thread)"],
            [[t["consumers"], t["premia_period_s"], t["premia_period_s_1thread"],
              t["mesa_period_s"], t["mesa_periods_run"], t["premia_total_s"],
              t["mesa_total_s"] if not t["mesa_extrapolated"]
              else f"{t['mesa_total_s']:.4g} (extrapolated)",
              f"{t['ratio']:.0f}x", f"{t['ratio_per_period']:.0f}x",
              f"{t['ratio_per_period_1thread']:.0f}x", t["premia_period_cpu_s_1thread"],
              t["mesa_period_cpu_s"], f"{t['ratio_cpu']:.0f}x"] for t in timings])
        result[f"sizes_{demand}"] = timings
    head = {d: next((t for t in result[f"sizes_{d}"] if t["consumers"] == 10_000),
                    result[f"sizes_{d}"][0]) for d in ("expected", "sampled")}
    result.update(ratio=head["expected"]["ratio"], consumers=head["expected"]["consumers"],
                  demand="expected", ratio_sampled=head["sampled"]["ratio"],
                  ratio_cpu=head["expected"]["ratio_cpu"],
                  ratio_sampled_cpu=head["sampled"]["ratio_cpu"])
    print(f"\npremia is {result['ratio']:.0f}x faster than Mesa at {result['consumers']:,} "
          f"consumers with expected demand, {result['ratio_sampled']:.0f}x with sampled "
          f"demand (wall time; CPU time, premia on 1 thread: {result['ratio_cpu']:.0f}x and "
          f"{result['ratio_sampled_cpu']:.0f}x; targets >= 200x and >= 100x at 10k)")
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

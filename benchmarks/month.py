"""Where a month goes: CPU time per mechanism of the core model (the Mesa twin's scenario).

Each mechanism the period loop calls (``premia.model.engine.Economy.step``) is timed with
the process's CPU clock over fresh runs of ``--months`` months, on one numba thread after a
warm-up run; the table gives milliseconds per month, and "rest" is the loop's own work
between the calls. This is the profile that ``benchmarks/vs_mesa.py``'s per-period times
are made of.

Usage::

    .venv/bin/python benchmarks/month.py [--consumers 10000] [--months 24] [--runs 10]
        [--demand expected|sampled] [--json FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, print_table, write_json
from mesa_twin import core_scenario

import premia.model.engine as engine
from premia.model.engine import Economy

MODULE_CALLS = [
    (engine.accounts, "start_period"), (engine.entry, "grow_capacity"),
    (engine.entry, "enter_firms"), (engine.costs, "refresh"), (engine.accounts, "settle"),
    (engine.accounts, "pay_dividends"), (engine.entry, "exit_firms"),
    (engine.innovation, "innovate"), (engine, "expected_demand"), (engine, "draw_shoppers"),
]
ECONOMY_CALLS = [
    ("interventions", "apply"), ("interventions", "pay_recurring"), ("culture", "step"),
    ("culture", "pay_commissions"), ("regions", "incomes"), ("recorder", "record"),
    (None, "offer"), (None, "_update_margins"), (None, "_set_prices"),
]


def timed(fn: Callable[..., Any], key: str, totals: dict[str, float]) -> Callable[..., Any]:
    """``fn`` adding its CPU time to ``totals[key]``."""
    def call(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[key] = totals.get(key, 0.0) + time.process_time() - start
    return call


def profile(consumers: int, months: int, runs: int, demand: str) -> dict:
    """CPU milliseconds per month, per mechanism, over ``runs`` runs."""
    numba.set_num_threads(1)
    sc = core_scenario(consumers, months, demand=demand, innovation=True)
    Economy(sc, 0).run()  # compiled kernels loaded
    totals: dict[str, float] = {}
    originals = [(mod, name, getattr(mod, name)) for mod, name in MODULE_CALLS]
    for mod, name, fn in originals:
        setattr(mod, name, timed(fn, name, totals))
    whole = 0.0
    try:
        for run in range(runs):
            eco = Economy(sc, 1 + run)
            for part, name in ECONOMY_CALLS:
                owner = eco if part is None else getattr(eco, part)
                setattr(owner, name, timed(getattr(owner, name), name.strip("_"), totals))
            start = time.process_time()
            eco.run()
            whole += time.process_time() - start
    finally:
        for mod, name, fn in originals:
            setattr(mod, name, fn)
    per_month = 1e3 / (runs * months)
    parts = {k: v * per_month for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}
    parts["rest"] = whole * per_month - sum(parts.values())
    return {"consumers": consumers, "months": months, "runs": runs, "demand": demand,
            "month_ms": whole * per_month, "parts_ms": parts}


def main(argv: list[str] | None = None) -> dict:
    """Print the profile; optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--demand", choices=["expected", "sampled"], default="expected")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    result = profile(args.consumers, args.months, args.runs, args.demand)
    total = result["month_ms"]
    print_table(f"A month of the core model, {args.consumers:,} consumers, {args.demand} "
                f"demand: {total:.3f} ms of CPU (1 thread)", ["part", "ms / month", "share"],
                [[k, f"{v:.3f}", f"{v / total:.0%}"] for k, v in result["parts_ms"].items()])
    result["machine"] = machine()
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

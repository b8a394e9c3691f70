"""Nash prices solved on a fixed sample of consumers: price error and speed, side by side.

``scenario.pricing_sample = k`` solves each month's Bertrand-Nash prices on k consumers
drawn once (each standing for population / k people) while demand, culture and accounts
use everyone. This script runs the full model (``common.full_model``: goods adaptive,
phones and embroidery on Nash with capacity) with every consumer and with samples of
several sizes, on the same seed, and prints per category the mean and largest relative
price difference over all firm-months and the wall time ratio.

Usage::

    .venv/bin/python benchmarks/pricing_sample.py [--consumers 200000] [--periods 24]
        [--samples 5000 20000 50000] [--json FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import full_model, machine, print_table, write_json


def run(consumers: int, periods: int, sample: int):
    """One run of the full model; returns (results, wall seconds)."""
    from premia.api import simulate

    sc = full_model(consumers, periods)
    sc.scenario.pricing_sample = sample
    start = time.perf_counter()
    res = simulate(sc, seed=1)
    return res, time.perf_counter() - start


def price_error(full, part) -> dict[str, tuple[float, float]]:
    """Per category: mean and largest |p_sample / p_full - 1| over shared firm-months."""
    a = full.firms.set_index(["period", "firm"])
    b = part.firms.set_index(["period", "firm"])
    common = a.index.intersection(b.index)
    rel = (b.loc[common, "price"] / a.loc[common, "price"] - 1.0).abs()
    by = rel.groupby(a.loc[common, "category"])
    return {str(c): (float(g.mean()), float(g.max())) for c, g in by}


def main(argv: list[str] | None = None) -> dict:
    """Run and print the comparison; return the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=200_000)
    ap.add_argument("--periods", type=int, default=24)
    ap.add_argument("--samples", type=int, nargs="+", default=[5_000, 20_000, 50_000])
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    run(10_000, 2, 0)  # compile
    full, wall = run(args.consumers, args.periods, 0)
    rows, out = [], {"machine": machine(), "consumers": args.consumers,
                     "periods": args.periods, "full_wall_s": wall, "samples": {}}
    for k in args.samples:
        part, t = run(args.consumers, args.periods, k)
        err = price_error(full, part)
        out["samples"][k] = {"wall_s": t, "speedup": wall / t, "error": err}
        for cat, (mean, worst) in sorted(err.items()):
            rows.append([k, cat, f"{mean:.2e}", f"{worst:.2e}", round(wall / t, 2)])
    print_table(f"Nash prices on a sample ({args.consumers:,} consumers, {args.periods} "
                f"months; everyone: {wall:.1f} s)",
                ["sample", "category", "mean |dp/p|", "max |dp/p|", "speed-up"], rows)
    write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()

"""One large run of the full model: wall time, CPU time, peak memory and what it produced.

The full model (``common.full_model``): goods (commodity, adaptive prices), phones
(technology) and embroidery (culture) on Bertrand-Nash prices with capacity, about 100
firms, 3 cultures, a small-world network of degree 12, entry and exit on. The run is made
in this process after a small warm-up run (compiled kernels come from the cache); peak
memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss``. Progress (month, seconds, resident
memory) goes to stderr every ``--every`` months, and the JSON is rewritten at each
progress line, so a run stopped early still leaves its figures.

The JSON's ``summary`` holds, per category, the means over the last quarter of the run of
the price index, the sales-weighted markup and the sales, and the cultures' final shares;
``--compare FILE`` prints the relative differences from another run's summary (for
instance the same case in float64 and float32, ``--precision``).

Usage::

    .venv/bin/python benchmarks/scale.py --consumers 1000000 --months 240 [--json FILE]
        [--precision float32] [--pricing-sample 50000] [--compare OTHER.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import full_model, machine, print_table, write_json


def peak_mb() -> float:
    """This process's peak resident set so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's current resident set, in MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def scenario(consumers: int, months: int, precision: str, pricing_sample: int):
    """The full model at this size, storage precision and pricing sample."""
    sc = full_model(consumers, months)
    sc.scenario.pricing_sample = pricing_sample
    sc.consumers.precision = precision
    return sc


def summary(res) -> dict:
    """Per category, means over the last quarter of the run; the cultures' final shares."""
    cats = res.categories
    last = cats[cats.period >= cats.period.max() - max(cats.period.max() // 4, 0)]
    cols = [c for c in ("price_index", "mean_markup", "sales", "hhi") if c in last.columns]
    out = {str(k): {c: float(g[c].mean()) for c in cols} for k, g in last.groupby("category")}
    cul = res.cultures
    end = cul[cul.period == cul.period.max()]
    shares = [c for c in ("mean_affinity", "accepting_share", "aware_share") if c in end.columns]
    for _, row in end.iterrows():
        out[f"culture {row['culture']}"] = {c: float(row[c]) for c in shares}
    return out


def compare(mine: dict, other: dict) -> list[list]:
    """Rows of relative differences ``mine / other - 1`` for the shared measures."""
    rows = []
    for key, measures in mine.items():
        for m, v in measures.items():
            ref = other.get(key, {}).get(m)
            if ref:
                rows.append([key, m, f"{ref:.6g}", f"{v:.6g}", f"{v / ref - 1.0:+.2e}"])
    return rows


def main(argv: list[str] | None = None) -> dict:
    """Run the case, print and write its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--consumers", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=240)
    ap.add_argument("--precision", choices=("float64", "float32"), default="float64")
    ap.add_argument("--pricing-sample", type=int, default=0,
                    help="consumers Nash prices are solved on (0: everyone)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every", type=int, default=12, help="months between progress lines")
    ap.add_argument("--compare", help="a JSON written by this script to compare with")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    from premia.api import simulate

    simulate(scenario(10_000, 2, args.precision, 0), seed=0)  # serial and threaded kernels
    out = {"machine": machine(), "consumers": args.consumers, "months": args.months,
           "precision": args.precision, "pricing_sample": args.pricing_sample,
           "threads": os.environ.get("NUMBA_NUM_THREADS", "default"), "progress": []}
    sc = scenario(args.consumers, args.months, args.precision, args.pricing_sample)
    wall0, cpu0 = time.perf_counter(), time.process_time()

    def progress(done: int, total: int) -> None:
        if done % args.every and done != total:
            return
        row = [done, round(time.perf_counter() - wall0, 1), round(rss_mb()), round(peak_mb())]
        out["progress"].append(row)
        print(f"month {done}/{total}: {row[1]} s, rss {row[2]} MB, peak {row[3]} MB",
              file=sys.stderr, flush=True)
        write_json(args.json, out)

    res = simulate(sc, seed=args.seed, progress=progress)
    out.update(wall_s=time.perf_counter() - wall0, cpu_s=time.process_time() - cpu0,
               peak_mb=peak_mb(), summary=summary(res))
    print_table(f"{args.consumers:,} consumers x {args.months} months ({args.precision}, "
                f"pricing sample {args.pricing_sample or 'everyone'})",
                ["wall s", "CPU s", "peak MB"],
                [[round(out["wall_s"], 1), round(out["cpu_s"], 1), round(out["peak_mb"])]])
    if args.compare:
        other = json.loads(Path(args.compare).read_text())
        rows = compare(out["summary"], other["summary"])
        out["compare"] = {"with": args.compare, "rows": rows}
        print_table(f"Relative difference from {args.compare}",
                    ["what", "measure", "other", "this run", "rel diff"], rows)
    write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()

"""What storing consumer arrays in float32 (``consumers.precision``) changes in results.

The kernels compute in float64 whatever the storage; float32 storage rounds each
consumer's taste, price factor, affinity, awareness and last purchases to 24 bits when
they are written. This script runs the same scenario and seed both ways and reports

1. the consumer arrays' memory per consumer, both ways;
2. period by period, the largest relative difference in each category's price index,
   sales-weighted markup and sales, in firms' sales shares within their category, in
   consumer surplus and in the cultures' shares (accepting, aware);
3. the essay's claims (``premia check``) both ways: each criterion's effect, interval and
   verdict.

Usage::

    .venv/bin/python benchmarks/precision.py [--scenario minimal] [--consumers 20000]
        [--periods 120] [--claims C1 C3 C4] [--seeds 4] [--json FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, print_table, write_json

PRECISIONS = ("float64", "float32")


def _run(scenario: str, consumers: int, periods: int, precision: str, seed: int):
    from premia.api import simulate
    from premia.catalog import shipped
    from premia.loading import apply_overrides, read_toml, validate_raw

    path = shipped()[scenario]
    raw = apply_overrides(read_toml(path), {"scenario.consumers": consumers,
                                            "scenario.periods": periods,
                                            "consumers.precision": precision}, str(path))
    return simulate(validate_raw(raw, str(path)), seed=seed)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| / max(|b|, tiny) (0 when both are 0)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(b), 1e-300)
    return float(np.max(np.where((a == b), 0.0, np.abs(a - b) / scale))) if a.size else 0.0


def run_differences(scenario: str, consumers: int, periods: int, seed: int = 1) -> dict:
    """Largest relative differences, float32 storage against float64, over all periods."""
    double, single = (_run(scenario, consumers, periods, p, seed) for p in PRECISIONS)
    out = {}
    cats = [r.categories.sort_values(["period", "category"]) for r in (double, single)]
    for col in ("price_index", "mean_markup", "sales", "consumer_surplus"):
        out[col] = _rel(cats[1][col].to_numpy(), cats[0][col].to_numpy())
    firms = []
    for res in (double, single):
        f = res.firms.sort_values(["period", "firm"])
        total = f.groupby(["period", "category"]).sales.transform("sum")
        firms.append((f.sales / total.where(total > 0, 1.0)).to_numpy())
    same_rows = firms[0].size == firms[1].size
    out["sales_share"] = _rel(firms[1], firms[0]) if same_rows else float("nan")
    out["same_firms"] = bool(same_rows)
    if len(double.cultures):
        cul = [r.cultures.sort_values(["period", "culture"]) for r in (double, single)]
        for col in ("accepting_share", "aware_share", "mean_affinity"):
            out[col] = _rel(cul[1][col].to_numpy(), cul[0][col].to_numpy())
    return out


def consumer_bytes(scenario: str, consumers: int) -> dict:
    """Bytes per consumer of the consumer arrays, both ways."""
    from premia.catalog import shipped
    from premia.loading import apply_overrides, read_toml, validate_raw
    from premia.model.setup import build_consumers
    from premia.model.state import Params

    path = shipped()[scenario]
    out = {}
    for precision in PRECISIONS:
        raw = apply_overrides(read_toml(path), {"scenario.consumers": consumers,
                                                "consumers.precision": precision}, str(path))
        sc = validate_raw(raw, str(path))
        c = build_consumers(sc, Params.from_scenario(sc), np.random.default_rng(0))
        total = sum(v.nbytes for v in vars(c).values() if isinstance(v, np.ndarray))
        out[precision] = total / consumers
    return out


def claim_effects(ids: list[str], seeds: int) -> list[dict]:
    """Each criterion of each claim, both ways."""
    from premia.claims import check

    reports = {p: check(ids, seeds=seeds, overrides={"consumers.precision": p})
               for p in PRECISIONS}
    rows = []
    for claim64, claim32 in zip(reports["float64"].claims, reports["float32"].claims,
                                strict=True):
        for c64, c32 in zip(claim64.criteria, claim32.criteria, strict=True):
            rows.append({"claim": claim64.id, "criterion": c64["name"],
                         "effect_float64": c64["effect"], "effect_float32": c32["effect"],
                         "interval_float64": c64["ci"], "interval_float32": c32["ci"],
                         "verdict_float64": c64["verdict"],
                         "verdict_float32": c32["verdict"]})
    return rows


def main(argv: list[str] | None = None) -> dict:
    """Run the comparisons, print tables and optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="minimal")
    ap.add_argument("--consumers", type=int, default=20_000)
    ap.add_argument("--periods", type=int, default=120)
    ap.add_argument("--claims", nargs="*", default=["C1", "C3", "C4"])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    memory = consumer_bytes(args.scenario, args.consumers)
    diffs = run_differences(args.scenario, args.consumers, args.periods)
    print_table(f"{args.scenario}, {args.consumers} consumers, {args.periods} months: "
                "float32 storage against float64 (largest relative difference over periods)",
                ["measure", "difference"],
                [[k, v if isinstance(v, bool) else f"{v:.2e}"] for k, v in diffs.items()])
    print(f"\nconsumer arrays: {memory['float64']:.0f} bytes per consumer in float64, "
          f"{memory['float32']:.0f} in float32")
    claims = claim_effects(args.claims, args.seeds) if args.claims else []
    if claims:
        print_table(f"claims over {args.seeds} seeds, both ways",
                    ["claim", "criterion", "effect f64", "effect f32", "verdict f64",
                     "verdict f32"],
                    [[r["claim"], r["criterion"], r["effect_float64"], r["effect_float32"],
                      r["verdict_float64"], r["verdict_float32"]] for r in claims])
    result = {"scenario": args.scenario, "consumers": args.consumers,
              "periods": args.periods, "bytes_per_consumer": memory,
              "max_rel_differences": diffs, "claims": claims, "machine": machine()}
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

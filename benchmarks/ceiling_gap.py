"""How far the demand kernel's utility ceiling lies above each consumer's largest utility.

The kernel measures utilities from a ceiling built from market bounds
(:func:`premia.model.logit.utility_ceiling`) instead of their maximum; a block whose
totals fall below ``SMALLEST_TOTAL`` (a ceiling some 256 base-2 units too high) is weighed
again from the maximum. This runs every shipped scenario and, at every demand call,
compares the ceiling with the exact maximum (:func:`~premia.model.logit.utility_max`)
for every consumer and market.

Usage::

    .venv/bin/python benchmarks/ceiling_gap.py [--periods 60] [--seed 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import numba as nb
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import print_table, write_json

import premia
from premia.loading import apply_overrides, validate_raw
from premia.model import demand
from premia.model.logit import (
    BLOCK,
    SMALLEST_TOTAL,
    consumer_buffer,
    market_ceiling,
    utility_ceiling,
    utility_max,
)


@nb.njit(cache=False)
def _gaps(X_all, n, offsets, off, v0, n_cul, out):
    """Largest ceiling - maximum (base 2) per market over the real consumers, into ``out``;
    returns how many (consumer, market) pairs lie beyond the fallback's reach."""
    top, exact = np.empty(BLOCK), np.empty(BLOCK)
    beyond = 0
    for m in range(offsets.size - 1):
        lo, hi = offsets[m], offsets[m + 1]
        if hi == lo:
            continue
        ceiling = market_ceiling(lo, hi, off)
        for ch in range(X_all.shape[0]):
            for blk in range(X_all.shape[1]):
                first = (ch * X_all.shape[1] + blk) * BLOCK
                utility_ceiling(X_all[ch], blk, v0[m], ceiling, top)
                utility_max(X_all[ch], blk, lo, hi, off, v0[m], n_cul, exact)
                for i in range(min(BLOCK, n - first)):
                    out[m] = max(out[m], top[i] - exact[i])
                    beyond += 1 if top[i] - exact[i] > -np.log2(SMALLEST_TOTAL) else 0
    return beyond


def watch_gaps(record: dict) -> None:
    """Wrap ``demand.expected_demand`` wherever premia imported it, to record the gaps."""
    original = demand.expected_demand

    def measured(offer, consumers, eta, weight=None, sampled=False, shoppers=None):
        c = consumers
        X = consumer_buffer(c.quality_taste, c.price_factor, demand.consumer_weights(c),
                            c.affinity, c.awareness, c.follows)
        out = np.zeros(offer.offsets.size - 1)
        beyond = _gaps(X, c.quality_taste.size, offer.offsets, demand.pack(offer, eta),
                       offer.outside_utility, c.affinity.shape[1], out)
        record["largest"] = max(record["largest"], float(out.max(initial=0.0)))
        record["beyond"] += beyond
        record["calls"] += 1
        return original(offer, consumers, eta, weight, sampled, shoppers)

    for module in list(sys.modules.values()):
        if getattr(module, "expected_demand", None) is original:
            module.expected_demand = measured


def main(argv: list[str] | None = None) -> dict:
    """Run the shipped scenarios; print the largest gap of each."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--periods", type=int, default=60)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    record = {"largest": 0.0, "beyond": 0, "calls": 0}
    watch_gaps(record)
    rows, result = [], {}
    for name, path in premia.catalog.shipped().items():
        record.update(largest=0.0, beyond=0, calls=0)
        raw = apply_overrides(tomllib.loads(path.read_text()), {"scenario.periods": args.periods})
        premia.simulate(validate_raw(raw), seed=args.seed)
        result[name] = dict(record)
        rows.append([name, str(record["calls"]), f"{record['largest']:.2f}",
                     str(record["beyond"])])
    print_table(f"utility ceiling above the largest utility (base 2), {args.periods} months, "
                f"seed {args.seed}", ["scenario", "demand calls", "largest gap",
                                      "consumer-markets past the fallback"], rows)
    write_json(args.json, {"periods": args.periods, "seed": args.seed, "scenarios": result})
    return result


if __name__ == "__main__":
    main()

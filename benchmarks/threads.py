"""Where the thread pool starts to pay: the demand kernel on one thread and on all.

For each number of consumers, the expected-demand kernel and the sampled one (shoppers
drawn at the market's purchase rates 0.1 / 0.3 / 0.65) are timed in their serial and
their ``parallel=True`` builds on the same synthetic market (35 goods in 3 markets, one
culture), best wall time of interleaved repeats. ``premia.model.demand.PARALLEL_MIN``
is set from where the ratio passes 1 on this machine (results are identical either way).

Usage::

    .venv/bin/python benchmarks/threads.py [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # as premia sets it; see demand.py
from common import best_time, machine, print_table, synthetic_market, write_json

from premia.model import demand as dm
from premia.model.shoppers import NO_SHOPPERS, draw_shoppers

SIZES = (4_096, 8_192, 12_000, 16_384, 24_000, 32_768, 65_536, 131_072)


def kernel_args(consumers: int, sampled: bool) -> tuple:
    """The demand kernel's arguments on a synthetic market of ``consumers``."""
    offer, c = synthetic_market(consumers, 35, 3, cultures=1)
    offer.purchase_rate[:] = (0.1, 0.3, 0.65)
    shoppers = (draw_shoppers(np.random.default_rng(0), consumers, offer.purchase_rate)
                if sampled else NO_SHOPPERS)
    return (c.quality_taste, c.price_factor, dm.consumer_weights(c), c.affinity, c.awareness,
            c.follows, offer.offsets, dm.pack(offer, 0.0), offer.purchase_rate,
            offer.outside_utility, sampled, shoppers, c.bought), (
                shoppers[1].size if sampled else consumers)


def compare(consumers: int, sampled: bool, repeat: int = 7) -> dict:
    """Serial and threaded wall time of one kernel call, interleaved."""
    args, evaluated = kernel_args(consumers, sampled)
    calls = max(1, 2_000_000 // (consumers * 35))
    serial, threaded = [], []
    for _ in range(repeat):
        serial.append(best_time(lambda: [dm._demand_serial(*args) for _ in range(calls)], 1))
        threaded.append(best_time(lambda: [dm._demand_parallel(*args) for _ in range(calls)],
                                  1))
    s, t = min(serial) / calls, min(threaded) / calls
    return {"consumers": consumers, "mode": "sampled" if sampled else "expected",
            "evaluated": evaluated, "serial_us": 1e6 * s, "threaded_us": 1e6 * t,
            "speedup": s / t,
            "uses_threads": dm.use_threads(dm.kernel_load(consumers, evaluated, sampled))}


def main(argv: list[str] | None = None) -> dict:
    """Print the table; optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    rows = [compare(n, sampled) for sampled in (False, True) for n in SIZES]
    print_table(f"Demand kernel, serial vs {dm.nb.get_num_threads()} threads (wall, best)",
                ["mode", "consumers", "evaluated", "serial us", "threaded us",
                 "threads speed up", "premia uses threads"],
                [[r["mode"], r["consumers"], r["evaluated"], r["serial_us"], r["threaded_us"],
                  f"{r['speedup']:.2f}x", r["uses_threads"]] for r in rows])
    result = {"machine": machine(), "load_average": os.getloadavg(),
              "parallel_min": dm.PARALLEL_MIN, "rows": rows}
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

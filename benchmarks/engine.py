"""Engine benchmarks: demand-kernel throughput, taste heterogeneity, a small run, the network.

(a) consumer x good evaluations per second of the demand kernel on one numba thread, and
    its ratio to NumPy's float64 ``exp`` throughput measured in the same run (CPU time of
    this process, best of interleaved repeats, so that other load on a shared machine
    hurts both sides alike); beside them the bytes per second each moves, the machine's
    single-thread memory bandwidth (a STREAM-style triad) and NumPy's ``exp`` on an array
    that stays in the L2 cache, to say which of the two is bound by memory;
(b) the Nash markup kernel per call (one fixed-point iteration) with per-consumer,
    per-product tastes (each good its own "culture" whose affinity is the consumer's taste
    for it) against the plain utility path on the same consumers and goods;
(c) wall time of ``scenarios/minimal.toml`` at its default size in a fresh process with a
    warm compile cache;
(d) small-world network build for 1M consumers at degree 12, and one culture update for
    1M consumers x 3 cultures.

Usage::

    .venv/bin/python benchmarks/engine.py [--json FILE] [--consumers N] [--goods G]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # as premia sets it; see demand.py
from common import best_time, full_model, machine, print_table, synthetic_market, write_json

from premia.model.demand import Offer, choice_probabilities, expected_demand
from premia.model.state import Consumers

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(fn, repeat: int) -> float:
    """Smallest process CPU time of ``repeat`` calls of ``fn()``."""
    return best_time(fn, repeat, clock=time.process_time)


def wall_seconds(fn, repeat: int) -> float:
    """Smallest wall time of ``repeat`` calls of ``fn()``."""
    return best_time(fn, repeat)


def kernel_throughput(consumers: int, goods: int, markets: int, repeat: int = 7) -> dict:
    """Demand kernel vs NumPy exp, both on one thread, interleaved."""
    numba.set_num_threads(1)
    offer, people = synthetic_market(consumers, goods, markets, cultures=3)
    small_offer, small_people = synthetic_market(500, goods, markets, cultures=3, seed=1)
    demand, _ = expected_demand(small_offer, small_people, 0.0, 1.0)
    ref = np.concatenate([
        small_offer.purchase_rate[m] * choice_probabilities(small_offer, small_people, 0.0, m)[
            :, 1:].sum(axis=0) for m in range(markets)])
    max_rel = float(np.max(np.abs(demand / ref - 1.0)))
    x = np.random.default_rng(0).uniform(-30.0, 0.0, 1 << 21)
    y = np.empty_like(x)
    x_l2, y_l2 = x[: 1 << 14].copy(), np.empty(1 << 14)  # 128 kB each: in L2
    evals = consumers * goods
    reps = max(1, evals // x.size)
    expected_demand(offer, people, 0.0)
    k_cpu, e_cpu, k_wall, e_wall, l2_cpu = [], [], [], [], []
    for _ in range(repeat):
        k_cpu.append(cpu_seconds(lambda: expected_demand(offer, people, 0.0), 1))
        e_cpu.append(cpu_seconds(lambda: [np.exp(x, out=y) for _ in range(reps)], 1))
        k_wall.append(wall_seconds(lambda: expected_demand(offer, people, 0.0), 1))
        e_wall.append(wall_seconds(lambda: [np.exp(x, out=y) for _ in range(reps)], 1))
        l2_cpu.append(cpu_seconds(lambda: [np.exp(x_l2, out=y_l2) for _ in range(128 * reps)],
                                  1))
    kernel_rate = evals / min(k_cpu)
    exp_rate = reps * x.size / min(e_cpu)
    cultures = people.affinity.shape[1]
    # bytes the kernel reads and writes per call: taste, price factor, weight, affinity,
    # awareness per consumer, bought written back
    kernel_bytes = consumers * 8 * (3 + 3 * cultures)
    return {
        "consumers": consumers, "goods": goods, "markets": markets, "threads": 1,
        "kernel_evals_per_s": kernel_rate, "numpy_exp_per_s": exp_rate,
        "ratio": kernel_rate / exp_rate,
        "kernel_evals_per_s_wall": evals / min(k_wall),
        "numpy_exp_per_s_wall": reps * x.size / min(e_wall),
        "ratio_wall": (evals / min(k_wall)) / (reps * x.size / min(e_wall)),
        "numpy_exp_l2_per_s": 128 * reps * x_l2.size / min(l2_cpu),
        "numpy_exp_gb_per_s": 16 * exp_rate / 1e9,
        "kernel_gb_per_s": kernel_bytes / min(k_cpu) / 1e9,
        "max_rel_diff_vs_reference": max_rel,
    }


def triad_bandwidth(mb: int = 256, repeat: int = 5) -> float:
    """Single-thread memory bandwidth in GB/s: a = b + s c over ``mb`` MB per array
    (STREAM's triad; 24 bytes moved per element, write-allocate traffic not counted)."""
    import numba as nb

    @nb.njit(cache=False)
    def triad(a, b, c, s):
        for i in range(a.size):
            a[i] = b[i] + s * c[i]

    n = mb * (1 << 20) // 8
    a, b, c = np.empty(n), np.ones(n), np.full(n, 2.0)
    triad(a, b, c, 3.0)
    return 24 * n / wall_seconds(lambda: triad(a, b, c, 3.0), repeat) / 1e9


def taste_path(consumers: int = 20_000, goods: int = 100, repeat: int = 9) -> dict:
    """The Nash markup kernel per call: per-product tastes against the plain path."""
    from premia.model.pricing import MarketTerms

    numba.set_num_threads(1)
    offer, people = synthetic_market(consumers, goods, 1, cultures=1, seed=3)
    rng = np.random.default_rng(4)
    offer.culture[:] = -1
    offer.meaning_term[:] = 0.0
    tastes = Consumers(**{**vars(people), "affinity": rng.normal(0.0, 1.0, (consumers, goods)),
                          "awareness": np.ones((consumers, goods)),
                          "bought": np.zeros((consumers, goods))})
    taste_offer = Offer(**{**vars(offer), "culture": np.arange(goods),
                           "meaning_term": np.ones(goods)})
    members = np.arange(goods, dtype=np.int64)
    starts = np.arange(goods + 1, dtype=np.int64)
    margin = np.full(goods, 20.0)
    plain = MarketTerms(offer, people, 0.0, 0)
    taste = MarketTerms(taste_offer, tastes, 0.0, 0)
    times = {"plain": [], "taste": []}
    for _ in range(repeat):
        for name, terms in (("plain", plain), ("taste", taste)):
            times[name].append(cpu_seconds(lambda t=terms: t(margin, members, starts), 1))
    plain_s, taste_s = min(times["plain"]), min(times["taste"])
    return {"consumers": consumers, "goods": goods, "plain_us_per_call": 1e6 * plain_s,
            "taste_us_per_call": 1e6 * taste_s, "taste_over_plain": taste_s / plain_s,
            "plain_ns_per_eval": 1e9 * plain_s / (consumers * goods),
            "taste_ns_per_eval": 1e9 * taste_s / (consumers * goods)}


MINIMAL_RUN = """
import time
t0 = time.perf_counter()
import premia
sc = premia.load_scenario(premia.catalog.shipped()["minimal"])
t1 = time.perf_counter()
premia.simulate(sc, seed=1)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def minimal_wall(repeat: int = 3) -> dict:
    """Wall time of minimal.toml in a fresh process (first call warms the cache)."""
    cmd = [sys.executable, "-c", MINIMAL_RUN]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
        total = time.perf_counter() - start
        imp, sim = (float(v) for v in out.stdout.split())
        runs.append((sim, imp, total))
    sim, imp, total = min(runs)
    return {"simulate_s": sim, "import_and_load_s": imp, "process_s": total}


def network_and_culture(consumers: int = 1_000_000) -> dict:
    """Network build and one culture update at ``consumers`` x 3 cultures."""
    from premia.model.culture import CultureDynamics
    from premia.model.network import small_world
    from premia.model.setup import build_state
    from premia.model.state import Params

    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    rng = np.random.default_rng(1)
    build = wall_seconds(lambda: small_world(consumers, 12, 0.1, rng), 3)
    sc = full_model(consumers, 12, cultures=3)
    params = Params.from_scenario(sc)
    state = build_state(sc, params, np.random.default_rng(2))
    dynamics = CultureDynamics(sc, state.consumers, np.random.default_rng(3))
    step = wall_seconds(lambda: dynamics.step(state, rng), 5)
    return {"consumers": consumers, "degree": 12, "cultures": len(sc.culture),
            "network_build_s": build, "culture_step_s": step}


def main(argv: list[str] | None = None) -> dict:
    """Run the three benchmarks, print a table and optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--consumers", type=int, default=200_000, help="kernel consumers")
    ap.add_argument("--goods", type=int, default=100, help="kernel goods (3 markets)")
    ap.add_argument("--network-consumers", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    kernel = kernel_throughput(args.consumers, args.goods, 3)
    kernel["triad_gb_per_s"] = triad_bandwidth()
    taste = taste_path()
    minimal = minimal_wall()
    net = network_and_culture(args.network_consumers)
    rows = [
        ["demand kernel, 1 thread (CPU time)",
         f"{kernel['kernel_evals_per_s'] / 1e6:.0f} M evals/s",
         f"ratio to numpy exp {kernel['ratio']:.3f} (target >= 0.8)"],
        ["numpy float64 exp, same run", f"{kernel['numpy_exp_per_s'] / 1e6:.0f} M/s",
         f"{kernel['numpy_exp_gb_per_s']:.1f} GB/s moved"],
        ["numpy float64 exp, 128 kB arrays (in L2)",
         f"{kernel['numpy_exp_l2_per_s'] / 1e6:.0f} M/s", ""],
        ["memory bandwidth, 1 thread (triad)", f"{kernel['triad_gb_per_s']:.1f} GB/s",
         f"demand kernel moves {kernel['kernel_gb_per_s']:.2f} GB/s"],
        ["demand kernel (wall, best)", f"{kernel['kernel_evals_per_s_wall'] / 1e6:.0f} M evals/s",
         f"ratio {kernel['ratio_wall']:.3f}"],
        ["kernel vs NumPy reference", f"{kernel['max_rel_diff_vs_reference']:.2e}", "max rel diff"],
        [f"Nash kernel per call, {taste['consumers']:,} x {taste['goods']} goods: plain",
         f"{taste['plain_us_per_call']:.0f} us", f"{taste['plain_ns_per_eval']:.2f} ns/eval"],
        ["same, per-product tastes", f"{taste['taste_us_per_call']:.0f} us",
         f"{taste['taste_over_plain']:.2f} x plain (target <= 2)"],
        ["minimal.toml simulate (warm cache)", f"{minimal['simulate_s']:.2f} s",
         f"process {minimal['process_s']:.2f} s (target < 3 s)"],
        [f"network build {net['consumers']:,} x degree 12", f"{net['network_build_s']:.2f} s", ""],
        [f"culture step {net['consumers']:,} x {net['cultures']} cultures",
         f"{net['culture_step_s']:.3f} s", "target well under 1 s"],
    ]
    print_table("premia engine", ["measure", "value", "note"], rows)
    result = {"machine": machine(), "load_average": os.getloadavg(), "kernel": kernel,
              "taste_path": taste, "minimal": minimal, "network": net}
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

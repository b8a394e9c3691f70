"""premia's Bertrand-Nash prices against pyblp's on static mixed-logit markets.

The same random-coefficient logit on both sides: consumer i (an integration node of
weight 1/I) values good j at

    u_ij = omega alpha_i q_j - gamma_c g_i p_j + eps_ij,   u_i0 = eps_i0,

with alpha_i (quality taste) and g_i = (ybar / y_i)^0.5 (income-driven price sensitivity)
drawn once. In pyblp this is X1 = X2 = [q, prices], beta = [omega mean(alpha),
-gamma_c mean(g)], Sigma = diag(omega, gamma_c), nodes = [alpha_i - mean, -(g_i - mean)],
xi = 0; premia's consumers are exactly those nodes. Owners hold two goods each. Both solve
the zeta-markup fixed point (Morrow and Skerlos 2011) from p = c with tight tolerances:
premia to a relative change below 1e-14, pyblp's ``simple`` iteration to an absolute
change below 1e-12 (prices are O(10)).

Usage::

    .venv/bin/python benchmarks/vs_pyblp.py [--products 10 50 100 200 500] [--nodes 500]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, print_table, write_json

from premia.model.demand import Offer
from premia.model.pricing import nash_prices
from premia.model.state import Consumers

OMEGA = 1.0
GAMMA_C = 0.1


def static_market(products: int, nodes: int, seed: int = 0) -> dict:
    """Goods (quality, cost, owner) and consumers (taste, price factor) of one market."""
    rng = np.random.default_rng(seed)
    income = np.exp(0.6 * rng.standard_normal(nodes))
    return {
        "quality": rng.uniform(1.0, 3.0, products),
        "cost": rng.uniform(5.0, 15.0, products),
        "owner": np.arange(products) // 2,
        "taste": np.exp(0.3 * rng.standard_normal(nodes)),
        "price_factor": (income.mean() / income) ** 0.5,
    }


def premia_prices(mk: dict, tol: float = 1e-14) -> tuple[np.ndarray, int]:
    """premia's nash_prices on the market (consumers = the integration nodes)."""
    n, j = mk["taste"].size, mk["quality"].size
    offer = Offer(
        slots=np.arange(j), offsets=np.array([0, j], np.int64),
        quality_term=OMEGA * mk["quality"], meaning_term=np.zeros(j),
        culture=np.full(j, -1, np.int64), origin_culture=np.full(j, -1, np.int64),
        creator=np.full(j, -1, np.int64), price=mk["cost"].copy(),
        price_weight=np.full(j, GAMMA_C), purchase_rate=np.ones(1),
        outside_utility=np.zeros(1),
    )
    people = Consumers(
        weight=1.0 / n, region=np.zeros(n, np.int64), income=np.ones(n),
        quality_taste=mk["taste"], price_factor=mk["price_factor"],
        affinity=np.zeros((n, 0)), awareness=np.zeros((n, 0)), bought=np.zeros((n, 0)),
        follows=np.zeros((n, 0), np.uint8),
    )
    return nash_prices(offer, people, 0.0, mk["cost"], mk["owner"].astype(np.int64), tol=tol)


def pyblp_prices(mk: dict, atol: float = 1e-12) -> np.ndarray:
    """pyblp's equilibrium prices of the same market."""
    import pyblp

    pyblp.options.verbose = False
    j, n = mk["quality"].size, mk["taste"].size
    product_data = {"market_ids": np.zeros(j), "firm_ids": mk["owner"],
                    "q": mk["quality"], "prices": mk["cost"].copy()}
    agent_data = {"market_ids": np.zeros(n), "weights": np.full(n, 1.0 / n),
                  "nodes": np.column_stack([mk["taste"] - mk["taste"].mean(),
                                            -(mk["price_factor"] - mk["price_factor"].mean())])}
    formulation = pyblp.Formulation("0 + q + prices")
    with contextlib.redirect_stdout(io.StringIO()):
        sim = pyblp.Simulation(
            product_formulations=(formulation, formulation), product_data=product_data,
            beta=[OMEGA * mk["taste"].mean(), -GAMMA_C * mk["price_factor"].mean()],
            sigma=np.diag([OMEGA, GAMMA_C]), agent_data=agent_data, xi=np.zeros(j),
        )
        res = sim.replace_endogenous(
            costs=mk["cost"], prices=mk["cost"].copy(),
            iteration=pyblp.Iteration("simple", {"atol": atol, "max_evaluations": 100_000}),
            compute_gradients=False, compute_hessians=False,
        )
    return np.asarray(res.product_data.prices).ravel()


def compare(products: int, nodes: int, repeat: int = 3) -> dict:
    """Prices, largest relative difference and best-of-``repeat`` times of both solvers."""
    mk = static_market(products, nodes, seed=products)
    premia_prices(mk)
    pyblp_prices(mk)
    t_premia, t_pyblp = np.inf, np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        ours, iterations = premia_prices(mk)
        t_premia = min(t_premia, time.perf_counter() - start)
        start = time.perf_counter()
        theirs = pyblp_prices(mk)
        t_pyblp = min(t_pyblp, time.perf_counter() - start)
    rel = float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
    return {"products": products, "nodes": nodes, "max_rel_diff": rel,
            "premia_s": t_premia, "pyblp_s": t_pyblp, "speed_ratio": t_pyblp / t_premia,
            "premia_iterations": iterations,
            "mean_markup": float(np.mean(ours / mk["cost"] - 1.0))}


def main(argv: list[str] | None = None) -> dict:
    """Compare at every size, print a table, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, nargs="+", default=[10, 50, 100, 200, 500])
    ap.add_argument("--nodes", type=int, default=500, help="consumers = integration nodes")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    rows = [compare(j, args.nodes) for j in args.products]
    print_table(
        f"Bertrand-Nash prices, premia vs pyblp ({args.nodes} nodes, 2-product owners)",
        ["products", "max rel diff", "premia s", "pyblp s", "pyblp / premia time",
         "mean markup"],
        [[r["products"], f"{r['max_rel_diff']:.2e}", r["premia_s"], r["pyblp_s"],
          f"{r['speed_ratio']:.1f}x", r["mean_markup"]] for r in rows],
    )
    result = {"max_rel_diff": max(r["max_rel_diff"] for r in rows),
              "speed_ratio": float(np.exp(np.mean(np.log([r["speed_ratio"] for r in rows])))),
              "speed_ratio_note": "geometric mean over sizes of pyblp time / premia time",
              "nodes": args.nodes, "sizes": rows, "machine": machine()}
    print(f"\nlargest relative price difference: {result['max_rel_diff']:.2e} (target <= 1e-8)")
    print(f"speed ratio (geometric mean, pyblp time / premia time): {result['speed_ratio']:.1f}")
    write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()

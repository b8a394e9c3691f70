"""premia's Bertrand-Nash prices against pyblp's, on synthetic markets and on BLP's cars.

Two kinds of market, both solved by the zeta-markup fixed point (Morrow and Skerlos 2011)
from p = c on both sides, premia to a relative change below 1e-14, pyblp's ``simple``
iteration to an absolute change below 1e-12:

1. *Synthetic* static markets: consumer i (an integration node of weight 1/I) values
   good j at ``u_ij = omega alpha_i q_j - gamma_c g_i p_j + eps_ij``, ``u_i0 = eps_i0``,
   with alpha_i (quality taste) and g_i = (ybar / y_i)^0.5 drawn once. In pyblp
   X1 = X2 = [q, prices], beta = [omega mean(alpha), -gamma_c mean(g)],
   Sigma = diag(omega, gamma_c), nodes = [alpha_i - mean, -(g_i - mean)], xi = 0.
   Owners hold two goods each.
2. *BLP's cars* (pyblp's ``BLP_PRODUCTS`` and ``BLP_AGENTS``: 20 yearly markets, 72-150
   models, 200 agents per market with unequal importance-sampling weights): the random
   coefficients logit ``u_ij = delta_j + sum_k sigma_k x_jk nu_ik - pi p_j / y_i + eps_ij``,
   X2 = [1, prices, hpwt, air, mpd, space], sigma = diag(3.612, 0, 4.628, 1.818, 1.050,
   2.056), pi = -43.501 on prices / income (the starting values of pyblp's BLP example).
   delta_j are the mean utilities that reproduce the observed shares and c_j the marginal
   costs that make observed prices an equilibrium (both computed by pyblp). pyblp solves
   to ``BLP_ATOL`` (see there), so that both sides reach the same accuracy. In premia the
   per-product tastes sum_k sigma_k x_jk nu_ik are each consumer's affinity to a "culture"
   of one product (meaning 1, awareness 1), g_i = 1 / y_i, gamma_c = 43.501, and each
   agent is a consumer with its pyblp weight.

Timings (best of ``--repeat``; wall clock, or CPU time of the process with ``--clock
cpu``, which other jobs on a shared machine disturb less): pyblp's *total* includes
building its ``Simulation``; its *solve* is ``replace_endogenous`` alone. premia's time is
building the offer and the consumers and solving. Per-iteration times divide by the fixed
point's iterations (summed over markets). For BLP's cars premia also solves the same
markets without the per-product tastes (the plain utility path) to give the per-iteration
cost of taste heterogeneity.

Usage::

    .venv/bin/python benchmarks/vs_pyblp.py [--products 10 50 100 200 500] [--nodes 500]
        [--blp-markets 20] [--repeat 3] [--clock wall|cpu] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, print_table, write_json

from premia.model.demand import Offer
from premia.model.pricing import nash_prices
from premia.model.state import Consumers

OMEGA = 1.0
GAMMA_C = 0.1
BLP_SIGMA = np.diag([3.612, 0.0, 4.628, 1.818, 1.050, 2.056])
BLP_PI = np.c_[[0.0, -43.501, 0.0, 0.0, 0.0, 0.0]]
BLP_X2 = "1 + prices + hpwt + air + mpd + space"
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = [time.perf_counter]


def clock() -> float:
    """The chosen clock's reading in seconds (``--clock``)."""
    return _clock[0]()
TASTE_COLUMNS = ("hpwt", "air", "mpd", "space")  # with the constant: the nonzero sigmas
#: pyblp stops when |Lambda_jj (p_new - p)| < atol; on BLP's cars Lambda_jj (shares times
#: price sensitivity, agent weights summing to 0.15) is as small as 1e-6, so atol 1e-12
#: leaves prices 6e-7 from the equilibrium, 1e-16 about 6e-11 (measured on three years);
#: smaller tolerances can stall in rounding noise.
BLP_ATOL = 1e-16


@contextlib.contextmanager
def _quiet():
    """Silence pyblp's progress output and its warnings about the weights and moments."""
    import pyblp

    pyblp.options.verbose = False
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield pyblp


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
        "weight": np.full(nodes, 1.0 / nodes),
    }


def _consumers(taste, price_factor, weight, tastes=None) -> Consumers:
    n = taste.size
    k = 0 if tastes is None else tastes.shape[1]
    return Consumers(
        weight=np.asarray(weight, float), region=np.zeros(n, np.int64), income=np.ones(n),
        quality_taste=taste, price_factor=price_factor,
        affinity=np.zeros((n, 0)) if tastes is None else np.ascontiguousarray(tastes),
        awareness=np.ones((n, k)), bought=np.zeros((n, k)), follows=np.zeros((n, 0), np.uint8),
    )


def _offer(quality, start, gamma, per_product_tastes: bool) -> Offer:
    j = quality.size
    return Offer(
        slots=np.arange(j), offsets=np.array([0, j], np.int64), quality_term=quality,
        meaning_term=np.ones(j) if per_product_tastes else np.zeros(j),
        culture=np.arange(j) if per_product_tastes else np.full(j, -1, np.int64),
        origin_culture=np.full(j, -1, np.int64), creator=np.full(j, -1, np.int64),
        price=start.copy(), price_weight=np.full(j, gamma), purchase_rate=np.ones(1),
        outside_utility=np.zeros(1),
    )


def premia_prices(mk: dict, tol: float = 1e-14) -> tuple[np.ndarray, int]:
    """premia's nash_prices on a static market (consumers = the integration nodes)."""
    offer = _offer(OMEGA * mk["quality"], mk["cost"], GAMMA_C, False)
    people = _consumers(mk["taste"], mk["price_factor"], mk["weight"])
    return nash_prices(offer, people, 0.0, mk["cost"], mk["owner"].astype(np.int64), tol=tol)


def pyblp_prices(mk: dict, atol: float = 1e-12) -> tuple[np.ndarray, dict]:
    """pyblp's equilibrium prices of a static market, with its setup and solve times."""
    j, n = mk["quality"].size, mk["taste"].size
    product_data = {"market_ids": np.zeros(j), "firm_ids": mk["owner"],
                    "q": mk["quality"], "prices": mk["cost"].copy()}
    agent_data = {"market_ids": np.zeros(n), "weights": mk["weight"],
                  "nodes": np.column_stack([mk["taste"] - mk["taste"].mean(),
                                            -(mk["price_factor"] - mk["price_factor"].mean())])}
    with _quiet() as pyblp:
        start = clock()
        formulation = pyblp.Formulation("0 + q + prices")
        sim = pyblp.Simulation(
            product_formulations=(formulation, formulation), product_data=product_data,
            beta=[OMEGA * mk["taste"].mean(), -GAMMA_C * mk["price_factor"].mean()],
            sigma=np.diag([OMEGA, GAMMA_C]), agent_data=agent_data, xi=np.zeros(j),
        )
        built = clock()
        res = sim.replace_endogenous(
            costs=mk["cost"], prices=mk["cost"].copy(),
            iteration=pyblp.Iteration("simple", {"atol": atol, "max_evaluations": 100_000}),
            compute_gradients=False, compute_hessians=False,
        )
        done = clock()
    return np.asarray(res.product_data.prices).ravel(), {
        "setup_s": built - start, "solve_s": done - built,
        "iterations": int(res.fp_iterations.sum())}


def compare(products: int, nodes: int, repeat: int = 3) -> dict:
    """Prices, largest relative difference and best-of-``repeat`` times of both solvers."""
    mk = static_market(products, nodes, seed=products)
    premia_prices(mk)
    pyblp_prices(mk)
    t_premia, total, solve = np.inf, np.inf, np.inf
    for _ in range(repeat):
        start = clock()
        ours, iterations = premia_prices(mk)
        t_premia = min(t_premia, clock() - start)
        theirs, info = pyblp_prices(mk)
        total = min(total, info["setup_s"] + info["solve_s"])
        solve = min(solve, info["solve_s"])
    rel = float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
    return _timing_row({"products": products, "nodes": nodes, "max_rel_diff": rel,
                        "mean_markup": float(np.mean(ours / mk["cost"] - 1.0))},
                       t_premia, iterations, total, solve, info["iterations"])


def _timing_row(row: dict, premia_s: float, premia_it: int, pyblp_total: float,
                pyblp_solve: float, pyblp_it: int) -> dict:
    row.update(
        premia_s=premia_s, premia_iterations=premia_it,
        premia_us_per_iteration=1e6 * premia_s / premia_it,
        pyblp_total_s=pyblp_total, pyblp_solve_s=pyblp_solve, pyblp_iterations=pyblp_it,
        pyblp_us_per_iteration=1e6 * pyblp_solve / pyblp_it,
        total_ratio=pyblp_total / premia_s, solve_ratio=pyblp_solve / premia_s,
        per_iteration_ratio=(pyblp_solve / pyblp_it) / (premia_s / premia_it),
    )
    return row


def blp_markets(markets: int | None = None) -> dict:
    """BLP's cars market by market, with pyblp's mean utilities and marginal costs.

    Args:
        markets: use the first ``markets`` years (all 20 when None).

    Returns:
        ``{"products": DataFrame, "agents": DataFrame, "markets": [dict per market]}``;
        a market holds its rows, delta, costs, observed prices, firms, and its agents'
        weights, price factors 1 / y_i and per-product tastes (agents x products).
    """
    import pandas as pd

    with _quiet() as pyblp:
        products = pd.read_csv(pyblp.data.BLP_PRODUCTS_LOCATION)
        agents = pd.read_csv(pyblp.data.BLP_AGENTS_LOCATION)
        ids = sorted(products.market_ids.unique())[:markets]
        products = products[products.market_ids.isin(ids)].reset_index(drop=True)
        products = products.drop(columns=[c for c in products if "instruments" in c])
        agents = agents[agents.market_ids.isin(ids)].reset_index(drop=True)
        # delta and costs depend on the data and (sigma, pi) only: a placeholder X1 and
        # weighting matrix spare the estimation of beta
        problem = pyblp.Problem((pyblp.Formulation("0 + hpwt"), pyblp.Formulation(BLP_X2)),
                                products, pyblp.Formulation("0 + I(1 / income)"), agents)
        res = problem.solve(BLP_SIGMA, BLP_PI, W=np.eye(1),
                            optimization=pyblp.Optimization("return"),
                            iteration=pyblp.Iteration("squarem", {"atol": 1e-14}))
        products["delta"] = np.asarray(res.delta).ravel()
        products["cost"] = np.asarray(res.compute_costs()).ravel()
    sigma = np.diag(BLP_SIGMA)[np.diag(BLP_SIGMA) != 0]  # the nodes' columns, in order
    out = []
    for t in ids:
        p = products[products.market_ids == t]
        a = agents[agents.market_ids == t]
        chars = np.column_stack([np.ones(len(p))] + [p[c].to_numpy() for c in TASTE_COLUMNS])
        nodes = a.filter(like="nodes").to_numpy()
        out.append({
            "market": t, "rows": p.index.to_numpy(), "delta": p.delta.to_numpy(),
            "cost": p.cost.to_numpy(), "observed": p.prices.to_numpy(),
            "owner": p.firm_ids.to_numpy().astype(np.int64),
            "weight": a.weights.to_numpy(), "price_factor": 1.0 / a.income.to_numpy(),
            "tastes": (nodes * sigma) @ chars.T,
        })
    return {"products": products, "agents": agents, "markets": out}


def premia_blp(mk: dict, tastes: bool = True, tol: float = 1e-14) -> tuple[np.ndarray, int]:
    """premia's Nash prices of one BLP market from p = c (``tastes=False``: the plain
    path, the same market without the per-product tastes)."""
    offer = _offer(mk["delta"], mk["cost"], -BLP_PI[1, 0], tastes)
    people = _consumers(np.ones(mk["weight"].size), mk["price_factor"], mk["weight"],
                        mk["tastes"] if tastes else None)
    return nash_prices(offer, people, 0.0, mk["cost"], mk["owner"], tol=tol)


def pyblp_blp(data: dict, atol: float = BLP_ATOL) -> tuple[np.ndarray, dict]:
    """pyblp's Nash prices of the BLP markets from p = c, with setup and solve times."""
    products, agents = data["products"], data["agents"]
    with _quiet() as pyblp:
        start = clock()
        sim = pyblp.Simulation(
            (pyblp.Formulation("0 + delta"), pyblp.Formulation(BLP_X2)), products,
            beta=[1.0], sigma=BLP_SIGMA, pi=BLP_PI,
            agent_formulation=pyblp.Formulation("0 + I(1 / income)"), agent_data=agents,
            xi=np.zeros(len(products)))
        built = clock()
        res = sim.replace_endogenous(
            costs=products.cost.to_numpy(), prices=products.cost.to_numpy(),
            iteration=pyblp.Iteration("simple", {"atol": atol, "max_evaluations": 100_000}),
            compute_gradients=False, compute_hessians=False)
        done = clock()
    return np.asarray(res.product_data.prices).ravel(), {
        "setup_s": built - start, "solve_s": done - built,
        "iterations": int(res.fp_iterations.sum())}


def _solve_all(data: dict, tastes: bool) -> tuple[np.ndarray, int, float]:
    prices = np.empty(len(data["products"]))
    iterations = 0
    start = clock()
    for mk in data["markets"]:
        p, it = premia_blp(mk, tastes)
        prices[mk["rows"]] = p
        iterations += it
    return prices, iterations, clock() - start


def compare_blp(markets: int | None, repeat: int = 3, pyblp_repeat: int = 1) -> dict:
    """Agreement and times on BLP's cars; premia's taste path against its plain path.

    pyblp takes minutes here, so its best is over ``pyblp_repeat`` runs (after one to warm
    it up on the first market).
    """
    data = blp_markets(markets)
    first = data["markets"][0]
    pyblp_blp({"products": data["products"].loc[first["rows"]],
               "agents": data["agents"][data["agents"].market_ids == first["market"]]})
    _solve_all(data, True), _solve_all(data, False)  # compile and warm premia
    best = {"taste": np.inf, "plain": np.inf, "total": np.inf, "solve": np.inf}
    for _ in range(repeat):
        ours, it_taste, t_taste = _solve_all(data, True)
        _, it_plain, t_plain = _solve_all(data, False)
        best["taste"], best["plain"] = min(best["taste"], t_taste), min(best["plain"], t_plain)
    for _ in range(pyblp_repeat):
        theirs, info = pyblp_blp(data)
        best["total"] = min(best["total"], info["setup_s"] + info["solve_s"])
        best["solve"] = min(best["solve"], info["solve_s"])
    observed = data["products"].prices.to_numpy()
    ids = data["products"].market_ids.to_numpy()
    back = [t for t in np.unique(ids) if np.allclose(ours[ids == t], observed[ids == t],
                                                     rtol=1e-9, atol=0)]
    home = np.isin(ids, back)
    row = {"markets": len(data["markets"]), "products": len(observed),
           "agents": len(data["agents"]),
           "weights_max_over_min": float(data["agents"].weights.max()
                                         / data["agents"].weights.min()),
           "max_rel_diff": float(np.max(np.abs(ours - theirs) / np.abs(theirs))),
           "markets_at_observed_prices": len(back),
           "premia_max_rel_diff_to_observed": float(np.max(np.abs(ours[home] / observed[home]
                                                                  - 1.0))),
           "pyblp_max_rel_diff_to_observed": float(np.max(np.abs(theirs[home] / observed[home]
                                                                 - 1.0))),
           "plain_s": best["plain"], "plain_iterations": it_plain,
           "plain_us_per_iteration": 1e6 * best["plain"] / it_plain}
    row = _timing_row(row, best["taste"], it_taste, best["total"], best["solve"],
                      info["iterations"])
    row["taste_over_plain_per_iteration"] = (row["premia_us_per_iteration"]
                                             / row["plain_us_per_iteration"])
    return row


def main(argv: list[str] | None = None) -> dict:
    """Compare at every size and on BLP's cars, print tables, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, nargs="+", default=[10, 50, 100, 200, 500])
    ap.add_argument("--nodes", type=int, default=500, help="consumers = integration nodes")
    ap.add_argument("--blp-markets", type=int, default=20, help="BLP years (0: skip)")
    ap.add_argument("--repeat", type=int, default=3, help="timings are the best of these")
    ap.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                    help="time by the wall clock or by the process's CPU time")
    ap.add_argument("--blp-pyblp-repeat", type=int, default=1,
                    help="pyblp runs on BLP's cars (minutes each)")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    _clock[0] = CLOCKS[args.clock]
    header = ["max rel diff", "premia s", "premia us/it", "pyblp total s", "pyblp solve s",
              "pyblp us/it", "total ratio", "solve ratio", "per-it ratio"]
    rows = [compare(j, args.nodes, args.repeat) for j in args.products]
    print_table(f"Bertrand-Nash prices, premia vs pyblp ({args.nodes} nodes, 2-product owners)",
                ["products", *header], [[r["products"], *_cells(r)] for r in rows])
    result = {"max_rel_diff": max(r["max_rel_diff"] for r in rows), "nodes": args.nodes,
              "sizes": rows, "machine": machine(), "clock": args.clock}
    for key in ("total_ratio", "solve_ratio", "per_iteration_ratio"):
        result[f"{key}_geomean"] = float(np.exp(np.mean(np.log([r[key] for r in rows]))))
    if args.blp_markets:
        blp = compare_blp(args.blp_markets, args.repeat, args.blp_pyblp_repeat)
        print_table(f"BLP cars: {blp['markets']} markets, {blp['products']} products, "
                    f"{blp['agents']} weighted agents, per-product tastes",
                    ["path", *header],
                    [["tastes", *_cells(blp)],
                     ["plain (no tastes)", "", blp["plain_s"], blp["plain_us_per_iteration"],
                      *[""] * 6]])
        print(f"\nBLP: {blp['markets_at_observed_prices']} of {blp['markets']} markets return "
              "to the observed prices (which the costs make an equilibrium); there the "
              f"largest relative difference is {blp['premia_max_rel_diff_to_observed']:.2e} "
              f"(premia) and {blp['pyblp_max_rel_diff_to_observed']:.2e} (pyblp)")
        print(f"taste path / plain path per iteration: "
              f"{blp['taste_over_plain_per_iteration']:.2f} (target <= 2)")
        result["blp"] = blp
        result["max_rel_diff"] = max(result["max_rel_diff"], blp["max_rel_diff"])
    print(f"\nlargest relative price difference: {result['max_rel_diff']:.2e} (target <= 1e-8)")
    print("geometric means of pyblp time / premia time over the synthetic sizes: total "
          f"{result['total_ratio_geomean']:.1f}, solve only {result['solve_ratio_geomean']:.1f}, "
          f"per iteration {result['per_iteration_ratio_geomean']:.1f}")
    write_json(args.json, result)
    return result


def _cells(r: dict) -> list:
    return [f"{r['max_rel_diff']:.2e}", r["premia_s"], r["premia_us_per_iteration"],
            r["pyblp_total_s"], r["pyblp_solve_s"], r["pyblp_us_per_iteration"],
            f"{r['total_ratio']:.1f}x", f"{r['solve_ratio']:.1f}x",
            f"{r['per_iteration_ratio']:.1f}x"]


if __name__ == "__main__":
    if "OPENBLAS_NUM_THREADS" not in os.environ:
        # pyblp's BLAS on all cores inflates its CPU time many-fold on a small machine;
        # run again with one BLAS thread unless the caller chose a number
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    main()

"""premia's Bertrand-Nash prices agree with pyblp's on the same mixed-logit market."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("CI") != "true":
    pytest.importorskip("pyblp")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _bench_module():
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("vs_pyblp", BENCH / "vs_pyblp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("products", [6, 25])
def test_nash_prices_match_pyblp(products):
    """Heterogeneous nodes, two-product owners: prices agree to 1e-8 relative."""
    vs = _bench_module()
    mk = vs.static_market(products, nodes=120, seed=products)
    assert np.ptp(mk["price_factor"]) > 0.5, "consumers must differ in price sensitivity"
    ours, iterations = vs.premia_prices(mk)
    theirs, info = vs.pyblp_prices(mk)
    assert iterations > 2 and info["iterations"] > 2
    assert np.all(ours > mk["cost"] * 1.05), "markups must be material for the test to bite"
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)


def test_nash_prices_match_pyblp_with_unequal_agent_weights():
    """Importance-sampled agents (weights spread 20-fold): the same prices as pyblp's, and
    different ones from the same agents weighted equally."""
    vs = _bench_module()
    mk = vs.static_market(12, nodes=150, seed=4)
    weight = np.random.default_rng(4).uniform(0.1, 2.0, 150)
    mk["weight"] = weight / weight.sum()
    ours, _ = vs.premia_prices(mk)
    theirs, _ = vs.pyblp_prices(mk, atol=1e-14)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)
    mk["weight"] = np.full(150, 1.0 / 150)
    equal, _ = vs.premia_prices(mk)
    assert np.max(np.abs(equal / ours - 1.0)) > 1e-3


def test_blp_cars_market_with_per_product_tastes_and_weighted_agents():
    """BLP's 1971 cars (92 models, 200 agents with unequal weights, five random coefficients
    as per-product tastes): premia's prices are pyblp's, and return to the observed prices
    that pyblp's costs make an equilibrium."""
    vs = _bench_module()
    data = vs.blp_markets(1)
    mk = data["markets"][0]
    assert mk["weight"].max() / mk["weight"].min() > 10
    ours, iterations = vs.premia_blp(mk)
    theirs, _ = vs.pyblp_blp(data)
    assert iterations > 10
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)
    np.testing.assert_allclose(ours, mk["observed"], rtol=1e-10)
    unweighted = dict(mk, weight=np.full(mk["weight"].size, mk["weight"].mean()))
    dropped, _ = vs.premia_blp(unweighted)
    assert np.max(np.abs(dropped / ours - 1.0)) > 0.01, "the weights must matter"


def test_pyblp_comparison_detects_a_different_market():
    """The comparison is sensitive: a 1 % change in one cost moves the prices apart."""
    vs = _bench_module()
    mk = vs.static_market(8, nodes=80, seed=3)
    theirs, _ = vs.pyblp_prices(mk)
    mk["cost"] = mk["cost"].copy()
    mk["cost"][0] *= 1.01
    ours, _ = vs.premia_prices(mk)
    assert np.max(np.abs(ours / theirs - 1.0)) > 1e-4

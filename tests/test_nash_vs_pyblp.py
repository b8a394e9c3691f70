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
    theirs = vs.pyblp_prices(mk)
    assert iterations > 2
    assert np.all(ours > mk["cost"] * 1.05), "markups must be material for the test to bite"
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)


def test_pyblp_comparison_detects_a_different_market():
    """The comparison is sensitive: a 1 % change in one cost moves the prices apart."""
    vs = _bench_module()
    mk = vs.static_market(8, nodes=80, seed=3)
    theirs = vs.pyblp_prices(mk)
    mk["cost"] = mk["cost"].copy()
    mk["cost"][0] *= 1.01
    ours, _ = vs.premia_prices(mk)
    assert np.max(np.abs(ours / theirs - 1.0)) > 1e-4

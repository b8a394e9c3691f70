"""The Mesa twin of the core model and premia agree, so the speed comparison is fair."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("CI") != "true":
    pytest.importorskip("mesa")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from mesa_twin import CoreEconomy, core_scenario

from premia.api import simulate
from premia.model.engine import Economy

COLUMNS = ("price_index", "mean_markup", "sales")


def _both(sc, seed, twin_overrides=None):
    """premia's categories table and the twin's collected frame on the same consumers."""
    people = Economy(sc, seed).state.consumers
    twin_sc = sc.model_copy(deep=True)
    for name, value in (twin_overrides or {}).items():
        for cat in twin_sc.category:
            setattr(cat, name, value)
    twin = CoreEconomy(twin_sc, seed, consumers={
        "taste": people.quality_taste, "price_factor": people.price_factor,
        "affinity": people.affinity, "awareness": people.awareness})
    twin.run()
    return simulate(sc, seed=seed).categories, twin.datacollector.get_model_vars_dataframe()


def test_twin_matches_premia_period_by_period():
    """Expected demand, no R&D: the two implementations agree to rounding every period."""
    sc = core_scenario(consumers=150, periods=20, demand="expected", innovation=False)
    ours, twin = _both(sc, seed=3)
    assert len(twin) == 20
    for cat in ("goods", "phones", "embroidery"):
        mine = ours[ours.category == cat]
        assert np.ptp(mine["price_index"]) > 0, f"{cat}: prices must move for the test to bite"
        for col in COLUMNS:
            np.testing.assert_allclose(twin[f"{cat}_{col}"].to_numpy(), mine[col].to_numpy(),
                                       rtol=1e-9, err_msg=f"{cat} {col}")


def test_twin_comparison_detects_a_different_price_rule():
    """A twin with a faster price adjustment no longer matches: the check can fail."""
    sc = core_scenario(consumers=100, periods=12, demand="expected", innovation=False)
    ours, twin = _both(sc, seed=4, twin_overrides={"price_speed": 0.08})
    gap = np.abs(twin["goods_price_index"].to_numpy()[-1]
                 / ours[ours.category == "goods"]["price_index"].to_numpy()[-1] - 1.0)
    assert gap > 1e-3


def test_sampled_twin_tracks_expected_demand():
    """One drawn choice per shopper: category sales average out to the expected ones."""
    sc = core_scenario(consumers=400, periods=6, demand="sampled", innovation=False)
    sampled = CoreEconomy(sc, seed=2)
    sampled.run()
    expected = CoreEconomy(sc, seed=2, demand="expected")
    expected.run()
    a = sampled.datacollector.get_model_vars_dataframe()["goods_sales"].to_numpy()
    b = expected.datacollector.get_model_vars_dataframe()["goods_sales"].to_numpy()
    # 400 consumers x 0.3 purchase rate: ~120 shoppers a month, sd of the count ~ 9 %
    assert abs(a.mean() / b.mean() - 1.0) < 0.1
    assert not np.allclose(a, b)

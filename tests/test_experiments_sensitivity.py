"""Sensitivity analysis ranks the only parameter a toy metric depends on first."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import MINIMAL

from premia.experiments.sensitivity import SensitivityError, sensitivity
from premia.results import Results

SMALL = {"scenario.periods": 3, "scenario.consumers": 100}
RANGES = {"category.goods.machine_materials": (40.0, 60.0),
          "culture.miao.decay": (0.0, 0.02),
          "category.embroidery.authenticity_loss": (0.2, 1.0)}


def decay_only(res: Results) -> float:
    """A toy metric with a known answer: a function of the forgetting rate alone."""
    decay = next(k["decay"] for k in res.meta["scenario"]["culture"] if k["id"] == "miao")
    return (100.0 * decay) ** 2


def test_sobol_ranks_the_only_relevant_parameter_first(tmp_path):
    res = sensitivity(MINIMAL, decay_only, RANGES, method="sobol", n=16, overrides=SMALL,
                      executor="serial", out=tmp_path)
    assert res.ranking[0] == "culture.miao.decay"
    idx = res.indices.set_index("parameter")
    assert idx.loc["culture.miao.decay", "ST"] > 0.5
    others = idx.drop("culture.miao.decay")
    assert (others.ST.abs() < 1e-9).all() and (others.S1.abs() < 1e-9).all()
    assert res.runs == 16 * (len(RANGES) + 2)
    html = (tmp_path / "sensitivity.html").read_text()
    assert not re.search(r"<script[^>]*src=\"https?:", html) and len(html) > 1_000_000
    csv = pd.read_csv(tmp_path / "indices.csv")
    assert csv.columns.tolist() == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert csv.parameter.tolist() == res.ranking


def test_morris_ranks_it_first_too():
    res = sensitivity(MINIMAL, decay_only, RANGES, method="morris", n=4, overrides=SMALL,
                      executor="serial")
    assert res.ranking[0] == "culture.miao.decay"
    idx = res.indices.set_index("parameter")
    assert idx.loc["culture.miao.decay", "mu_star"] > 0
    assert (idx.drop("culture.miao.decay").mu_star == 0).all()


def test_a_named_metric_runs_and_failures_are_reported():
    res = sensitivity(MINIMAL, "markup:embroidery",
                      {"category.embroidery.hand_materials": (200.0, 400.0)}, method="morris",
                      n=2, overrides=SMALL, executor="serial")
    assert res.indices.parameter.tolist() == ["category.embroidery.hand_materials"]
    with pytest.raises(SensitivityError, match="runs failed"):
        sensitivity(MINIMAL, decay_only, {"scenario.max_firms": (1.0, 2.0)}, method="morris",
                    n=2, overrides=SMALL, executor="serial")
    with pytest.raises(SensitivityError, match="sobol or morris"):
        sensitivity(MINIMAL, decay_only, RANGES, method="fast")

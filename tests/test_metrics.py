"""Named metrics: long-run windows, values against the tables, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small

from premia import metrics
from premia.api import simulate
from premia.metrics import METRICS, MetricError, evaluate, long_run


@pytest.fixture(scope="module")
def res():
    return simulate(small(periods=12, consumers=200), seed=3)


def test_long_run_is_the_second_half_of_periods():
    frame = pd.DataFrame({"period": np.arange(1, 13), "v": np.arange(12.0)})
    assert long_run(frame).period.tolist() == [7, 8, 9, 10, 11, 12]
    assert long_run(frame, share=0.25).period.tolist() == [10, 11, 12]
    assert long_run(frame.head(1)).period.tolist() == [1]


def test_metrics_match_the_tables(res):
    cat = res.categories
    tail = cat[(cat.category == "embroidery") & (cat.period > cat.period.max() - 6)]
    assert len(tail) == 6
    assert evaluate("markup:embroidery", res) == pytest.approx(tail.mean_markup.mean())
    assert evaluate("price_cost:embroidery", res) == pytest.approx(
        (tail.price_index / tail.cost_index).mean())
    reg = res.regions
    tail = reg[(reg.region == "guizhou") & (reg.period > reg.period.max() - 6)]
    assert evaluate("poverty:guizhou", res) == pytest.approx(tail.poverty_headcount.mean())
    assert evaluate("income:guizhou", res) == pytest.approx(tail.mean_income.mean())
    assert evaluate("firms:goods", res) == cat[cat.category == "goods"].firms_alive.iloc[-1]


def test_every_metric_evaluates_on_its_entity(res):
    ids = {"category": "phones", "culture": "miao", "region": "coast"}
    for m in METRICS.values():
        if m.entity in ids:
            assert np.isfinite(evaluate(f"{m.name}:{ids[m.entity]}", res)), m.name


def test_errors_are_one_line(res):
    with pytest.raises(MetricError, match="unknown metric 'nope'"):
        evaluate("nope:phones", res)
    with pytest.raises(MetricError, match="give the category"):
        evaluate("markup", res)
    with pytest.raises(MetricError, match="no region 'mars'"):
        evaluate("poverty:mars", res)
    with pytest.raises(MetricError, match="no creator"):
        evaluate("coop_sales:guaxin", res)
    with pytest.raises(MetricError, match="known: goods"):
        metrics.check("markup:cars", {"category": ["goods"]})
    metrics.check("markup:goods", {"category": ["goods"]})

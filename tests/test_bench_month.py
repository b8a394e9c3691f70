"""benchmarks/month.py and benchmarks/threads.py: their tables add up and they leave
premia as they found it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import month
import threads

import premia.model.engine as engine


@pytest.mark.parametrize("demand", ["expected", "sampled"])
def test_month_profile_parts_add_up_to_the_month_and_are_unwrapped(demand):
    before = {name: getattr(mod, name) for mod, name in month.MODULE_CALLS}
    out = month.profile(consumers=600, months=3, runs=2, demand=demand)
    parts = out["parts_ms"]
    # the timed parts are disjoint calls inside the month: together no more than it
    assert parts["rest"] >= -0.05 * out["month_ms"]
    assert all(v >= 0 for k, v in parts.items() if k != "rest")
    assert parts["expected_demand"] > 0 and parts["record"] > 0
    assert ("draw_shoppers" in parts) == (demand == "sampled")
    assert {name: getattr(mod, name) for mod, name in month.MODULE_CALLS} == before
    assert engine.expected_demand is before["expected_demand"]


def test_threads_compares_both_builds_on_the_consumers_they_evaluate():
    row = threads.compare(2_000, sampled=True, repeat=1)
    assert 0 < row["evaluated"] < 2 * 2_000  # shoppers, at rates summing to 1.05
    assert row["serial_us"] > 0 and row["threaded_us"] > 0
    assert row["uses_threads"] is False

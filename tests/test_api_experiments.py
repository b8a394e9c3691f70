"""Sweeps and sensitivity from the command line: --common-seeds, one --workers default,
dead markets in the summaries, the metric's spread and the warnings that matter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import premia
from premia.cli import build
from premia.cli.common import default_workers, workers_or_default
from premia.experiments.sensitivity import warnings_for
from premia.metrics import (
    dead_categories,
    long_run,
    long_run_text,
    long_run_window,
    store_deaths,
)

SMALL = ["--set", "scenario.periods=12", "--set", "scenario.consumers=120"]
DYING = ["--set", "category.goods.bankruptcy_months=0", "--set", "category.goods.entry_rate=0"]
WIDE = {"COLUMNS": "200"}


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Wide consoles, so that no line a test looks for is wrapped."""
    from premia.cli import common

    monkeypatch.setattr(common.console, "width", 220)
    monkeypatch.setattr(common.err_console, "width", 220)


def _invoke(*args: str):
    return CliRunner().invoke(build(), list(args), env=WIDE)


def test_long_run_is_the_second_half_everywhere():
    assert long_run_window(0, 119) == (60, 119)
    assert long_run_window(0, 0) == (0, 0)
    assert long_run_window(5, 10) == (8, 10)
    frame = pd.DataFrame({"period": np.arange(24)})
    assert long_run(frame).period.tolist() == list(range(12, 24))
    assert long_run_text(frame) == ("long run = mean over the second half of the run "
                                    "(months 12-23)")
    assert "第 12–23 月" in long_run_text(frame, "zh")
    out = _invoke("metrics")
    assert "second half" in out.output and "quarter" not in out.output


def test_dead_categories_take_the_month_of_the_last_exit():
    frame = pd.DataFrame({"period": [0, 1, 2, 3] * 3, "category": ["a"] * 4 + ["b"] * 4 +
                          ["c"] * 4, "firms_alive": [2, 0, 1, 0, 3, 2, 1, 1, 0, 0, 0, 0]})
    assert [(d.category, d.month) for d in dead_categories(frame)] == [("a", 3), ("c", 0)]


def test_one_default_for_workers():
    assert default_workers() >= 1
    assert workers_or_default(None) == default_workers()
    assert workers_or_default(3) == 3
    for command in ("check", "sweep", "sensitivity", "phase"):
        text = _invoke(command, "--help").output
        assert "default: one per core" in " ".join(text.split()), command


def test_sweep_common_seeds_and_deaths_in_the_summary(tmp_path):
    store = tmp_path / "st"
    out = _invoke("sweep", "minimal", "--store", str(store), "--values",
                  "category.goods.fixed_cost=0.5,60", "--seeds", "2", "--common-seeds",
                  "--executor", "serial", *SMALL, *DYING)
    assert out.exit_code == 0, out.output
    runs = premia.Store(store).runs()
    seeds = runs.groupby("category.goods.fixed_cost").seed.apply(sorted)
    assert seeds.iloc[0] == seeds.iloc[1]  # the same seeds at both points
    deaths = store_deaths(premia.Store(store))
    assert deaths.category.tolist() == ["goods"] and deaths.runs.iloc[0] == 2
    assert deaths.of.iloc[0] == 4
    assert "warning: category goods died in 2 of 4 runs (month" in out.output
    plain = tmp_path / "plain"
    out = _invoke("sweep", "minimal", "--store", str(plain), "--values",
                  "category.goods.fixed_cost=0.5,60", "--seeds", "2", "--executor", "serial",
                  *SMALL)
    assert out.exit_code == 0
    seeds = premia.Store(plain).runs().groupby("category.goods.fixed_cost").seed.apply(sorted)
    assert seeds.iloc[0] != seeds.iloc[1]  # without: each point its own seeds
    assert "died" not in out.output


def test_sensitivity_prints_spread_units_and_warns_on_wide_intervals_and_deaths():
    out = _invoke("sensitivity", "minimal", "--metric", "markup:goods", "--range",
                  "category.goods.fixed_cost=0:60", "--range",
                  "category.goods.price_speed=0.01:0.2", "--n", "4", "--executor", "serial",
                  *SMALL, *DYING)
    assert out.exit_code == 0, out.output
    text = out.output
    assert "markup:goods over the design: mean" in text and ", sd " in text
    assert "units: S1 and ST are shares of the metric's variance" in text
    assert "warning: 95% intervals wider than the" in text and "raise --n (now 4)" in text
    assert "warning: category goods died in" in text


def test_morris_units_are_explained():
    out = _invoke("sensitivity", "minimal", "--metric", "markup:phones", "--method", "morris",
                  "--range", "category.phones.patent_length=6:30", "--n", "2",
                  "--executor", "serial", *SMALL)
    assert out.exit_code == 0, out.output
    assert "per full range of the parameter" in " ".join(out.output.split())


def test_a_flat_metric_is_flagged_and_a_varying_one_is_not():
    idx = pd.DataFrame({"parameter": ["a"], "S1": [0.5], "S1_conf": [0.1], "ST": [0.6],
                        "ST_conf": [0.1]})
    assert warnings_for("sobol", idx, np.full(10, 0.3), 8)[0].startswith(
        "the metric barely varies")
    assert warnings_for("sobol", idx, np.linspace(0, 1, 10), 8) == []
    wide = idx.assign(S1_conf=[1.93], ST=[1.44])
    lines = warnings_for("sobol", wide, np.linspace(0, 1, 10), 8)
    assert any("wider than the S1 indices" in w for w in lines)
    assert any("outside [0, 1]" in w for w in lines)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # SALib, sd 0
@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_result_carries_values_and_spread(method):
    res = premia.sensitivity("minimal", "markup:phones",
                             {"category.phones.price_speed": (0.01, 0.3)}, method=method, n=2,
                             overrides={"scenario.periods": 12, "scenario.consumers": 120},
                             executor="serial")
    assert res.values.size == (2 * (1 + 2) if method == "sobol" else 2 * (1 + 1))
    assert res.spread["min"] <= res.spread["mean"] <= res.spread["max"]
    assert res.spread["sd"] == pytest.approx(float(np.std(res.values)))
    # phones are priced by Bertrand-Nash: the adaptive price speed cannot move their markup
    assert res.spread["sd"] == 0.0
    assert any(w.startswith("the metric barely varies") for w in res.warnings)


@given(st.lists(st.integers(0, 3), min_size=1, max_size=40), st.integers(0, 50))
def test_death_month_starts_the_final_run_without_firms(alive, first):
    periods = np.arange(first, first + len(alive))
    frame = pd.DataFrame({"period": periods, "category": "c", "firms_alive": alive})
    deaths = dead_categories(frame)
    assert bool(deaths) == (alive[-1] == 0)
    if deaths:
        month = deaths[0].month
        after = frame[frame.period >= month].firms_alive
        assert (after == 0).all()
        before = frame[frame.period == month - 1].firms_alive
        assert before.empty or before.iloc[0] > 0


@given(st.integers(0, 100), st.integers(1, 300))
def test_long_run_window_is_the_second_half(first, length):
    start, end = long_run_window(first, first + length - 1)
    assert end == first + length - 1
    assert end - start + 1 == max(1, length // 2)


def test_sensitivity_figure_states_spread_units_and_warnings():
    from premia.experiments.sensitivity import SensitivityResult

    idx = pd.DataFrame({"parameter": ["a"], "S1": [0.1], "S1_conf": [0.5], "ST": [0.2],
                        "ST_conf": [0.1]})
    values = np.linspace(0.0, 1.0, 8)
    res = SensitivityResult("sobol", "markup:x", idx, runs=8, values=values,
                            warnings=warnings_for("sobol", idx, values, 4))
    fig = res.figure()
    assert "mean 0.5" in fig.layout.title.text and "shares of the metric's variance" in \
        fig.layout.title.text
    assert "wider than the S1 indices" in fig.layout.annotations[0].text

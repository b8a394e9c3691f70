"""Saved runs side by side: ``premia report --run A --run B``, ``premia compare``, the
one-run report's interventions and overrides, dead markets, and one meaning of long run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

import premia
from premia.compare import against_shipped, differences, events_table, flatten, side_by_side
from premia.metrics import dead_categories, long_run, summary_table
from premia.report import runs_report

SMALL = {"scenario.periods": 24, "scenario.consumers": 150}
# goods firms pay a fixed cost they cannot earn and go bankrupt at once; nobody enters
DYING = {"category.goods.fixed_cost": 50.0, "category.goods.bankruptcy_months": 0.0,
         "category.goods.entry_rate": 0.0}


def _premia(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = str(Path(sys.executable).with_name("premia"))
    env = {**os.environ, "COLUMNS": "200"}  # wide enough that titles are not wrapped
    return subprocess.run([exe, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """Two saved runs: the baseline, and a run with an earlier mandate, dying goods and
    another seed (made with premia run, so that its overrides are recorded)."""
    d = tmp_path_factory.mktemp("runs")
    sets = [f"--set={k}={v}" for k, v in SMALL.items()]
    assert _premia("run", "minimal", *sets, "--out", "A", cwd=d).returncode == 0
    more = [f"--set={k}={v}" for k, v in {**DYING, "event.0.at": 6}.items()]
    done = _premia("run", "minimal", *sets, *more, "--seed", "4", "--out", "B", cwd=d)
    assert done.returncode == 0, done.stderr
    assert "warning: category goods died: no firm left from month" in done.stderr
    return d


def test_differences_name_every_changed_field_and_the_seed(saved):
    runs = {"base": premia.Results.load(saved / "A"), "other": premia.Results.load(saved / "B")}
    diff = differences(runs).set_index("path")
    assert set(diff.index) == {*DYING, "event.0.at", "seed"}
    assert diff.loc["event.0.at"].tolist() == [60, 6]
    assert diff.loc["seed"].tolist() == [1, 4]
    assert differences({"a": runs["base"], "b": runs["base"]}).empty


def test_flatten_uses_override_paths():
    sc = premia.load_scenario("minimal")
    flat = flatten(sc.model_dump(mode="json"))
    assert flat["category.phones.patent_length"] == 18
    assert flat["firms.2.capacity"] == 300.0
    assert flat["event.0.kind"] == "modernize"
    for path, value in list(flat.items())[:40]:  # each path is a valid override
        if value is not None and not path.endswith((".kind", ".id")):
            premia.load_scenario("minimal", {path: value})


def test_side_by_side_has_one_column_per_run_and_the_death_month(saved):
    runs = {"base": premia.Results.load(saved / "A"), "other": premia.Results.load(saved / "B")}
    table = side_by_side(runs)
    assert list(table.columns) == ["table", "entity", "measure", "base", "other"]
    died = table[(table.measure == "died")]
    assert died.entity.tolist() == ["goods"]
    month = dead_categories(runs["other"])[0].month
    assert died.other.iloc[0] == month and pd.isna(died.base.iloc[0])
    income = table[(table.entity == "guizhou") & (table.measure == "income")]
    reg = long_run(runs["base"].regions)
    assert income.base.iloc[0] == pytest.approx(reg[reg.region == "guizhou"].mean_income.mean())


def test_two_run_report_shows_both_runs_their_differences_and_overlaid_figures(saved):
    runs = {"base": premia.Results.load(saved / "A"), "other": premia.Results.load(saved / "B")}
    soup = BeautifulSoup(runs_report(runs, "en", ["premia"]), "html.parser")
    text = soup.get_text(" ")
    assert "runs side by side" in soup.h1.text
    assert "event.0.at" in text and "category.goods.fixed_cost" in text
    assert "months 12–23" in text  # the long run of a 24-month run, stated
    assert "other: Category goods: every firm exited" in text
    names = set()
    for script in soup.find_all("script"):
        names |= {n for n in ("base", "other") if f'"name":"{n}' in (script.string or "")}
    assert names == {"base", "other"}


def test_one_run_report_lists_events_overrides_and_changes_from_the_shipped_file(saved):
    res = premia.Results.load(saved / "B")
    assert res.meta["overrides"]["event.0.at"] == "6"
    soup = BeautifulSoup(runs_report(res, "en", ["premia"]), "html.parser")
    text = soup.get_text(" ")
    assert "Interventions in this run" in text and "modernization mandate" in text
    assert "Overrides given on the command line" in text
    assert "Changed from the shipped scenario minimal" in text
    assert "Mean household income: guizhou" in str(soup)  # the income chart names its region
    assert "months 12–23" in text
    events = events_table(res)
    assert events.iloc[0]["at"] == 6 and bool(events.iloc[0]["enabled"])
    name, diff = against_shipped(res)
    assert name == "minimal" and "event.0.at" in set(diff.path)


def test_summary_table_skips_dead_months_and_reports_the_death():
    res = premia.simulate(premia.load_scenario("minimal", {**SMALL, **DYING}), seed=1)
    frame = summary_table(res, "categories").set_index("category")
    assert pd.isna(frame.loc["goods", "price_cost"]) and frame.loc["goods", "firms"] == 0
    assert frame.loc["goods", "died"] == dead_categories(res)[0].month
    assert pd.isna(frame.loc["phones", "died"]) and frame.loc["phones", "price_cost"] > 0


def test_cli_report_two_runs_and_label_errors(saved):
    done = _premia("report", "--run", "A", "--run", "B", "--label", "base", "--label",
                   "early", "--lang", "zh", "--out", "rep", cwd=saved)
    assert done.returncode == 0, done.stderr
    page = (saved / "rep" / "run-report.zh.html").read_text()
    assert "多次运行对比" in page and "early" in page and "base" in page
    assert "warning: early: category goods died" in done.stderr
    bad = _premia("report", "--run", "A", "--run", "B", "--label", "x", cwd=saved)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "give one label per --run" in bad.stderr


def test_cli_compare_prints_differences_and_long_run_values(saved):
    done = _premia("compare", "A", "B", "--csv", "cmp.csv", cwd=saved)
    assert done.returncode == 0, done.stderr
    assert "event.0.at" in done.stdout and "second half of the run" in done.stdout
    csv = pd.read_csv(saved / "cmp.csv")
    assert list(csv.columns) == ["table", "entity", "measure", "A", "B"]
    assert "warning: B: category goods died" in done.stderr
    one = _premia("compare", "A", cwd=saved)
    assert one.returncode == 2 and "at least two" in one.stderr
    missing = _premia("compare", "A", "nope", cwd=saved)
    assert missing.returncode == 2 and "nope: not a run directory" in missing.stderr


def test_one_run_report_shows_public_spending():
    over = {**SMALL, "event.1.enabled": True}  # the media budget of the guizhou scenario
    res = premia.simulate(premia.load_scenario("guizhou", over), seed=1)
    text = BeautifulSoup(runs_report(res, "en", ["premia"]), "html.parser").get_text(" ")
    budget = premia.load_scenario("guizhou").event[1].budget
    months = SMALL["scenario.periods"] - premia.load_scenario("guizhou").event[1].at
    assert "Public spending over the run" in text
    assert f"{budget * months:,.0f}" in text

"""The API for notebooks: shipped names, short reprs, plots and their export, store views,
the parameter table with units, and the doctests of these modules."""

from __future__ import annotations

import doctest
import importlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

import premia
from premia import plots
from premia.describe import UNITS, effective_capacity
from premia.loading import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"scenario.periods": 12, "scenario.consumers": 150}
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def res() -> premia.Results:
    return premia.simulate(premia.load_scenario("minimal", SMALL), seed=2)


def test_load_scenario_takes_shipped_names_and_files():
    by_name = premia.load_scenario("minimal", SMALL)
    by_file = premia.load_scenario(ROOT / "scenarios" / "minimal.toml", SMALL)
    assert by_name.model_dump() == by_file.model_dump()
    with pytest.raises(ScenarioError, match="no such file"):
        premia.load_scenario("no-such-scenario")


def test_results_repr_is_short_and_says_what_was_run(res):
    text = repr(res)
    assert len(text) < 800 and "pyarrow" not in text
    assert text.splitlines()[0] == "Results: scenario minimal, seed 2, 12 periods (months 0-11)"
    assert "long run = mean over months 6-11" in text
    assert "category: goods, phones, embroidery" in text
    html = res._repr_html_()
    assert html.startswith("<div>") and "scenario minimal" in html and len(html) < 2000


def test_repr_warns_about_a_dead_market():
    dying = {**SMALL, "category.goods.fixed_cost": 50.0, "category.goods.bankruptcy_months": 0.0,
             "category.goods.entry_rate": 0.0}
    res = premia.simulate(premia.load_scenario("minimal", dying), seed=2)
    assert "warning: category goods died in month" in repr(res)


def test_plot_draws_the_table_values_one_panel_per_entity(res):
    fig = res.plot("mean_markup")
    assert [a.text for a in fig.layout.annotations] == ["goods", "phones", "embroidery"]
    cat = res.categories
    phones = cat[cat.category == "phones"].mean_markup.to_numpy()
    assert np.allclose(fig.data[1].y, phones)
    fig = res.plot("poverty_headcount", entities=["guizhou"])
    reg = res.regions
    assert np.allclose(fig.data[0].y, reg[reg.region == "guizhou"].poverty_headcount)
    fig = res.plot("price", table="firms", entities=["goods"], agg="max")
    firms = res.firms
    top = firms[firms.category == "goods"].groupby("period").price.max()
    assert np.allclose(fig.data[0].y, top)


def test_timeseries_overlays_runs_and_rejects_unknown_columns(res):
    other = premia.simulate(premia.load_scenario("minimal", SMALL), seed=3)
    fig = plots.timeseries({"seed 2": res, "seed 3": other}, "accepting_share")
    assert [tr.name for tr in fig.data] == ["seed 2", "seed 3"]
    assert not np.allclose(fig.data[0].y, fig.data[1].y)
    with pytest.raises(plots.PlotError, match="no table has a column 'nope'"):
        res.plot("nope")
    with pytest.raises(plots.PlotError, match="no region mars"):
        res.plot("mean_income", entities=["mars"])
    charts = plots.run_charts({"a": res, "b": other})
    assert set(charts) == {"prices", "markups", "culture", "regions"}


def test_save_html_is_self_contained(tmp_path, res):
    path = plots.save(res.plot("mean_markup"), tmp_path / "fig.html")
    text = path.read_text()
    assert not re.search(r"<script[^>]+src=", text) and len(text) > 1_000_000  # plotly.js inline
    with pytest.raises(plots.PlotError, match=r"write \.html or one of"):
        plots.save(res.plot("mean_markup"), tmp_path / "fig.docx")
    assert not list(tmp_path.glob(".*"))


def test_save_png_and_svg_with_kaleido_and_chromium(tmp_path, res):
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} not found (run scripts/install-chromium.sh)")
        pytest.skip(f"{CHROMIUM} not found")
    png = plots.save(res.plot("mean_markup"), tmp_path / "fig.png", width=600, height=300,
                     scale=1)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png.read_bytes()[16:20], "big") == 600  # the IHDR width
    svg = plots.save(res.plot("mean_markup"), tmp_path / "fig.svg")
    assert svg.read_text().lstrip().startswith("<svg") and "goods" in svg.read_text()


def test_store_views_carry_seed_and_parameters_without_ambiguity(tmp_path):
    store = premia.sweep("minimal", store=tmp_path / "st", values={
        "category.phones.patent_length": [6, 30]}, seeds=2, overrides=SMALL,
        executor="serial", common_seeds=True)
    by_seed = store.query('SELECT seed, replicate, "category.phones.patent_length" AS L, '
                          "count(*) AS n FROM categories GROUP BY ALL ORDER BY ALL")
    assert len(by_seed) == 4 and set(by_seed.L) == {6, 30} and (by_seed.n == 36).all()
    assert set(by_seed[by_seed.L == 6].seed) == set(by_seed[by_seed.L == 30].seed)  # common
    joined = store.query("SELECT c.seed, r.status, count(*) AS n FROM categories c "
                         "JOIN runs r USING (run_id) GROUP BY ALL")
    assert set(joined.status) == {"done"} and joined.n.sum() == 4 * 36
    text = repr(store)
    assert text.startswith(f"Store({str(store.path)!r}): 4 runs (4 done)")
    assert "category.phones.patent_length: 2 values (30, 6)" in text
    assert "<li>" in store._repr_html_()
    assert repr(premia.Store(tmp_path / "empty")).endswith("no runs yet")


def test_parameter_table_has_units_and_effective_capacity():
    sc = premia.load_scenario("minimal", {"firms.2.modern_share": 0.5})
    table = sc.table().set_index("path")
    assert table.loc["firms.2.capacity", "unit"] == "units/month (handmade)"
    expected = 300.0 * (1 + 0.5 * (10.0 - 1))
    assert effective_capacity(sc, 2) == expected
    assert table.loc["firms.2.effective_capacity", "value"] == expected
    assert table.loc["scenario.weight", "value"] == 1.0e6 / 2000
    assert table.loc["category.goods.purchase_rate", "unit"].startswith("purchases per consumer")
    assert table.loc["event.0.share", "value"] == 1.0
    for field in ("population", "households", "purchase_rate", "capacity",
                  "machine_productivity", "media_efficiency", "wage", "price_weight"):
        assert UNITS[field], field


def test_premia_show_prints_the_table(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from premia.cli import build, common

    monkeypatch.setattr(common.console, "width", 220)  # no wrapped cells

    runner = CliRunner()
    out = runner.invoke(build(), ["show", "minimal", "--section", "firms", "--csv",
                                  str(tmp_path / "p.csv")], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "firms.2.effective_capacity" in out.output and "units/month (handmade)" in out.output
    assert "category.goods" not in out.output
    assert (tmp_path / "p.csv").read_text().startswith('"section","id","field","path"')
    bad = runner.invoke(build(), ["show", "minimal", "--section", "nope"])
    assert bad.exit_code == 2


@pytest.mark.parametrize("module", ["premia.api", "premia.compare", "premia.describe",
                                    "premia.display", "premia.metrics", "premia.plots"])
def test_doctests(module):
    failures, tried = doctest.testmod(importlib.import_module(module),
                                      optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0

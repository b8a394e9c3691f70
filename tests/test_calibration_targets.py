"""Target moments, model statistics on runs, and the SMM inference formulas."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import small
from hypothesis import given, settings
from hypothesis import strategies as st

import premia
from premia.calibration import (
    TargetError,
    fit_targets,
    load_moments,
    parse_param,
    read_csv,
    series_moments,
)
from premia.calibration.series import category_series
from premia.calibration.smm import inference
from premia.calibration.statistics import StatisticError, run_table, value

ROOT = Path(__file__).resolve().parents[1]
MOMENTS = ROOT / "data" / "moments.toml"
POOLED = {"learning_rate.technology": ("DRAM", "Photovoltaics", "Monochrome_Television"),
          "learning_rate.commodity": ("Primary_Aluminum", "Polypropylene", "Beer_(Japan)")}


def lr(name: str) -> float:
    return series_moments(read_csv(ROOT / "data" / "pcdb" / f"{name}.csv"))["learning_rate"].value


def test_shipped_moments_file_is_valid_and_sourced():
    mf = load_moments(MOMENTS)
    assert mf.settings.months_per_observation == 12
    for m in mf.moment:
        assert m.source and m.unit
        if m.se is not None:
            assert re.match(r"^(reported|derived|assumed)", m.se_basis), m.id
    fitted = fit_targets(mf)
    assert {m.id for m in fitted} >= {"gross_margin.technology", "utilization.commodity",
                                      "learning_rate.technology", "bass_q"}


@pytest.mark.parametrize("moment", sorted(POOLED))
def test_pooled_learning_rates_are_computed_from_the_series(moment: str):
    rates = np.array([lr(n) for n in POOLED[moment]])
    m = {x.id: x for x in load_moments(MOMENTS).moment}[moment]
    assert m.value == pytest.approx(rates.mean(), abs=5e-5)
    assert m.se == pytest.approx(rates.std(ddof=1) / np.sqrt(rates.size), abs=5e-5)


def test_per_series_learning_rates_are_the_estimators_output():
    for m in load_moments(MOMENTS).moment:
        if m.id.startswith("learning_rate.") and m.id not in POOLED:
            name = m.id.removeprefix("learning_rate.")
            name = {"Beer_Japan": "Beer_(Japan)", "Milk_US": "Milk_(US)",
                    "Wheat_US": "Wheat_(US)", "Corn_US": "Corn_(US)"}.get(name, name)
            assert m.value == pytest.approx(lr(name), abs=5e-5), m.id


@pytest.mark.parametrize(("text", "needle"), [
    ("[[moment]]\nid='a'\nvalue=1\nsource='x'\nfoo=1\n", "moment 'a'.foo: unknown key"),
    ("[[moment]]\nid='a'\nvalue=1\nse=-1\nsource='x'\n", "moment 'a'.se"),
    ("[[moment]]\nid='a'\nvalue=1\nsource='x'\nmodel='nope:*'\n", "unknown 'nope'"),
    ("[[moment]]\nid='a'\nvalue=1\nsource='x'\n[[moment]]\nid='a'\nvalue=2\nsource='y'\n",
     "id used twice"),
    ("moment = 3", "moment"),
])
def test_bad_moments_files_name_the_moment_and_field(tmp_path: Path, text: str, needle: str):
    f = tmp_path / "m.toml"
    f.write_text(text)
    with pytest.raises(TargetError, match=re.escape(needle)) as err:
        load_moments(f)
    assert str(f) in str(err.value) and "\n" not in str(err.value)


def test_only_named_moments_must_be_fittable():
    mf = load_moments(MOMENTS)
    with pytest.raises(TargetError, match=r"no standard error|no model statistic"):
        fit_targets(mf, ["markup.aggregate_us"])
    with pytest.raises(TargetError, match="no moment 'x'"):
        fit_targets(mf, ["x"])
    assert [m.id for m in fit_targets(mf, ["bass_p"])] == ["bass_p"]


@pytest.mark.parametrize("text", ["a=1", "a=2:1", "=1:2", "a=x:2", "a=1:inf"])
def test_bad_parameter_ranges(text: str):
    with pytest.raises(TargetError, match="--param"):
        parse_param(text)


@pytest.fixture(scope="module")
def run():
    return premia.simulate(small("minimal", periods=48, consumers=300), seed=3)


def test_series_gross_margin_agrees_with_the_recorder(run):
    cat = run.categories
    series = category_series(cat, "goods", months=12)
    rows = cat[cat.category == "goods"]
    first_year = rows[rows.period < rows.period.min() + 12]
    expected = 1 - (first_year.cost_index * first_year.sales).sum() / first_year.revenue.sum()
    assert series.margin.iloc[0] == pytest.approx(expected, rel=1e-9)
    assert series.cumulative.iloc[-1] == pytest.approx(rows.sales.sum(), rel=1e-9)


def test_kind_selector_is_the_mean_over_the_kind(run):
    table = run_table(run, months=6)
    per = table[(table.statistic == "gross_margin") & (table.kind == "culture")]
    assert value(run, "gross_margin:kind=culture", 6) == pytest.approx(per.value.mean())
    assert value(run, "gross_margin:embroidery", 6) == pytest.approx(per.value.iloc[0])
    assert value(run, "utilization:*", 6) == pytest.approx(
        table[table.statistic == "utilization"].value.mean())


@pytest.mark.parametrize(("spec", "needle"), [
    ("gross_margin", "give a selector"), ("nothing:*", "unknown 'nothing'"),
    ("gross_margin:kind=hybrid", "matches no category"),
    ("bass_p:kind=culture", "kind= selects categories only")])
def test_statistic_errors(run, spec: str, needle: str):
    with pytest.raises(StatisticError, match=re.escape(needle)):
        value(run, spec)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(3, 8), k=st.integers(1, 3))
def test_inference_matches_the_textbook_formulas_for_a_linear_model(seed: int, m: int, k: int):
    """m(θ) = Gθ with efficient weights: Var = (G'Ω⁻¹G)⁻¹ and J = g'Ω⁻¹g at the optimum."""
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(m, k)) + np.eye(m, k) * 3
    se = rng.uniform(0.5, 2.0, size=m)
    data = rng.normal(size=m) * 3
    w = np.diag(1 / se**2)
    theta = np.linalg.solve(g.T @ w @ g, g.T @ w @ data)
    gap = g @ theta - data
    out = inference(g, se, se**2, gap)
    assert np.allclose(out["cov"], np.linalg.inv(g.T @ w @ g))
    assert np.allclose(out["sensitivity"], -np.linalg.inv(g.T @ w @ g) @ g.T @ w)
    if m > k:
        assert out["j_stat"] == pytest.approx(gap @ w @ gap, rel=1e-6, abs=1e-9)
        assert 0.0 <= out["p_value"] <= 1.0
    else:
        assert np.isnan(out["j_stat"]) and np.isnan(out["p_value"])


def test_fit_json_round_trip_keeps_missing_values(tmp_path: Path):
    from premia.calibration import Fit, Moment, Param
    from premia.report.calibration import calibration_report

    nan = float("nan")
    fit = Fit(scenario="s", source="s.toml", params=[Param("a.b", 0.0, 1.0)],
              start=np.array([0.5]), estimates=np.array([0.4]), se=np.array([nan]),
              cov=np.array([[nan]]),
              targets=[Moment(id="m", value=1.0, se=0.1, source="x", model="markup:*")],
              data=np.array([1.0]), data_se=np.array([0.1]), model=np.array([1.05]),
              model_se=np.array([0.01]), omega=np.array([0.0101]),
              jacobian=np.array([[2.0]]), sensitivity=np.array([[nan]]),
              removal=np.array([[nan]]), j_stat=nan, df=0, p_value=nan, objective=0.25,
              singular_values=np.array([20.0]), seeds=2, months=12, algorithm="x",
              samples=0, starts=1, evaluations=3, runs=6, runs_stored=0, failed=0,
              wall_s=1.0)
    back = Fit.load_json(fit.save_json(tmp_path / "fit.json"))
    assert np.isnan(back.se[0]) and np.isnan(back.j_stat) and back.df == 0
    assert back.estimates[0] == 0.4 and back.targets[0].model == "markup:*"
    assert back.response().iloc[0, 0] == pytest.approx(2.0 * 1.0 * 0.1 / 0.1)
    for lang in ("en", "zh"):
        page = calibration_report(back, lang)
        assert "a.b" in page and ("Exactly identified" in page or "恰好识别" in page)


def test_moments_for_kinds_a_scenario_lacks_are_set_aside():
    from premia.calibration.smm import applicable
    from premia.catalog import shipped
    from premia.loading import read_toml

    raw = read_toml(shipped()["overcapacity"])
    keep, skip = applicable(raw, "overcapacity", fit_targets(load_moments(MOMENTS)))
    assert {m.id for m in keep} >= {"gross_margin.commodity", "utilization.commodity",
                                    "elasticity"}
    assert {m.id for m in skip} >= {"gross_margin.technology", "bass_q", "handmade_premium"}
    assert not {m.id for m in keep} & {m.id for m in skip}


def test_inference_with_a_moment_the_model_cannot_produce_gives_nan_not_an_error():
    """A statistic that is NaN at the estimates (e.g. no handmade goods left) made the J
    statistic's eigendecomposition fail and the whole fit crash."""
    jac = np.array([[1.0], [2.0], [0.5]])
    se = np.array([0.1, 0.1, 0.1])
    omega = np.array([0.01, np.nan, 0.01])
    gap = np.array([0.05, np.nan, -0.02])
    out = inference(jac, se, omega, gap)
    assert np.isnan(out["j_stat"]) and np.isnan(out["cov"]).all()


def test_moments_the_model_does_not_produce_are_left_out_of_inference_only():
    """One undefined moment (NaN at the estimates) used to make every standard error NaN."""
    from premia.calibration.smm import usable_inference

    rng = np.random.default_rng(4)
    jac = rng.normal(size=(4, 2)) + np.eye(4, 2) * 3
    se = np.full(4, 0.1)
    omega = se**2
    gap = np.array([0.01, -0.02, np.nan, 0.03])
    jac[2] = np.nan
    inf, used = usable_inference(jac, se, omega, gap)
    assert list(used) == [True, True, False, True]
    full = inference(jac[used], se[used], omega[used], gap[used])
    assert np.allclose(inf["cov"], full["cov"]) and np.all(np.isfinite(inf["cov"]))
    assert inf["df"] == 1 and inf["j_stat"] == pytest.approx(full["j_stat"])
    assert np.isnan(inf["sensitivity"][:, 2]).all()
    assert np.allclose(inf["sensitivity"][:, used], full["sensitivity"])
    too_few, _ = usable_inference(jac[:3], se[:3], omega[:3], gap[:3] * [1, np.nan, 1])
    assert np.isnan(too_few["cov"]).all()

"""The SMM fit: parameter recovery, resuming from the store, outputs and the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import MINIMAL

import premia
from premia.calibration import Fit, Moment, Param, calibrate
from premia.calibration.evaluate import Evaluator
from premia.calibration.output import write_outputs
from premia.calibration.statistics import values
from premia.experiments.store import Store
from premia.experiments.sweep import derive_seed
from premia.loading import apply_overrides, read_toml, validate_raw

PREMIA = Path(sys.executable).with_name("premia")
SMALL = {"scenario.periods": 48, "scenario.consumers": 300}


def without_craft() -> dict:
    """The minimal economy's goods and phones markets only (faster runs)."""
    raw = read_toml(MINIMAL)
    raw["category"] = [c for c in raw["category"] if c["id"] != "embroidery"]
    raw["firms"] = [f for f in raw["firms"] if f["category"] != "embroidery"]
    raw["culture"], raw["creator"], raw["event"] = [], [], []
    return raw


BASE = without_craft()
TRUE = {"category.goods.target_utilization": 0.8, "category.phones.tech_cost_elasticity": 0.3}
PARAMS = [Param("category.goods.target_utilization", 0.6, 0.95),
          Param("category.phones.tech_cost_elasticity", 0.05, 0.6)]
SPECS = ["utilization:goods", "gross_margin:goods", "learning_rate:phones",
         "gross_margin:phones"]
MONTHS = 3


def model_moments(point: dict, runs: int, root: int) -> list[Moment]:
    """Data moments made by the model itself at ``point`` (seeds unrelated to the fit's)."""
    sc = validate_raw(apply_overrides(BASE, {**SMALL, **point}))
    sims = np.array([values(premia.simulate(sc, seed=derive_seed(root, None, r)), SPECS, MONTHS)
                     for r in range(runs)])
    mean, se = sims.mean(axis=0), sims.std(axis=0, ddof=1) / np.sqrt(runs)
    return [Moment(id=s.replace(":", "."), value=float(v), se=float(e), source="model",
                   model=s, se_basis="derived: sd over runs / sqrt(runs)")
            for s, v, e in zip(SPECS, mean, se, strict=True)]


@pytest.fixture(scope="module")
def recovered(tmp_path_factory) -> tuple[Fit, Path]:
    store = tmp_path_factory.mktemp("recovery") / "store"
    targets = model_moments(TRUE, runs=8, root=999)
    fit = calibrate(BASE, targets, PARAMS, store=store, seeds=4, overrides=SMALL,
                    months=MONTHS, samples=4, starts=1, max_evals=24, executor="serial",
                    start={"category.goods.target_utilization": 0.68,
                           "category.phones.tech_cost_elasticity": 0.12})
    return fit, store


def test_recovers_each_parameter_within_two_standard_errors(recovered):
    fit, _ = recovered
    for path, est, se in zip(fit.names, fit.estimates, fit.se, strict=True):
        assert np.isfinite(se) and se > 0, path
        assert abs(est - TRUE[path]) <= 2 * se, (path, est, se)
    assert not np.allclose(fit.start, [TRUE[p] for p in fit.names])


def test_fit_reports_are_consistent(recovered):
    fit, store = recovered
    table = fit.fit_table()
    assert list(table.moment) == [s.replace(":", ".") for s in SPECS]
    assert np.allclose(table.t, (table.model - table.data) / np.sqrt(fit.omega))
    assert (table.se >= table.data_se).all()
    assert fit.df == 2 and np.isfinite(fit.j_stat) and 0 <= fit.p_value <= 1
    assert fit.runs > 0 and fit.failed == 0 and fit.runs_stored == 0
    assert fit.runs <= fit.evaluations * fit.seeds + fit.variance_runs
    assert fit.variance_runs == 10
    runs = Store(store).runs()
    assert len(runs) == fit.runs and set(runs.status) == {"done"}
    response = fit.response()
    # goods' utilisation answers the target utilisation, not the phones' cost elasticity
    assert abs(response.loc["utilization.goods", PARAMS[0].path]) > abs(
        response.loc["utilization.goods", PARAMS[1].path])


def test_resume_repeats_no_run(recovered, tmp_path: Path):
    fit, store = recovered
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    again = calibrate(BASE, fit.targets, PARAMS, store=copy, seeds=4, overrides=SMALL,
                      months=MONTHS, samples=4, starts=1, max_evals=24, executor="serial",
                      start=dict(zip(fit.names, fit.start, strict=True)))
    assert again.runs == 0 and again.runs_stored == fit.runs
    assert np.array_equal(again.estimates, fit.estimates)
    assert np.array_equal(again.se, fit.se, equal_nan=True)


class InterruptError(Exception):
    """Stands for a kill in the middle of a fit."""


def test_interrupted_fit_resumes_without_repeating(tmp_path: Path):
    targets = [Moment(id="u", value=0.74, se=0.02, source="test", model="utilization:goods"),
               Moment(id="g", value=0.2, se=0.03, source="test", model="gross_margin:goods")]
    params = PARAMS[:1]
    kw = {"seeds": 2, "overrides": {**SMALL, "scenario.periods": 24}, "months": MONTHS,
          "samples": 2, "starts": 1, "max_evals": 6, "executor": "serial"}
    whole = calibrate(BASE, targets, params, store=tmp_path / "a", **kw)

    def stop(counts: dict) -> None:
        if counts["simulated"] >= 5:
            raise InterruptError

    with pytest.raises(InterruptError):
        calibrate(BASE, targets, params, store=tmp_path / "b", progress=stop, **kw)
    done_before = len(Store(tmp_path / "b").records())
    assert done_before == 5
    resumed = calibrate(BASE, targets, params, store=tmp_path / "b", **kw)
    assert resumed.runs == whole.runs - done_before
    assert np.array_equal(resumed.estimates, whole.estimates)


def test_runs_of_other_code_are_made_again(tmp_path: Path, monkeypatch):
    raw = apply_overrides(BASE, {**SMALL, "scenario.periods": 24})
    point = {"category.goods.target_utilization": 0.77}
    evaluate = sys.modules["premia.calibration.evaluate"]
    counts = []
    for code in ("this premia", "this premia", "another premia"):
        monkeypatch.setattr(evaluate, "code_digest", lambda c=code: c)
        with Evaluator(raw, "minimal", tmp_path, SPECS, 2, 5, MONTHS, "serial", 1) as ev:
            ev.statistics(point)
            counts.append(dict(ev.counts))
    assert [c["simulated"] for c in counts] == [2, 0, 2]
    assert [c["stored"] for c in counts] == [0, 2, 0]
    assert {r["code"] for r in Store(tmp_path).records()} == {"another premia"}


def test_local_pool_gives_the_same_statistics_as_serial(tmp_path: Path):
    raw = apply_overrides(BASE, {**SMALL, "scenario.periods": 24})
    point = {"category.goods.target_utilization": 0.77}
    out = []
    for kind, workers in (("serial", 1), ("local", 2)):
        with Evaluator(raw, "minimal", tmp_path / kind, SPECS, 3, 5, MONTHS, kind,
                       workers) as ev:
            out.append(ev.statistics(point))
    assert np.array_equal(out[0], out[1], equal_nan=True)


def test_outputs_calibrated_toml_tables_and_reports(recovered, tmp_path: Path):
    fit, _ = recovered
    paths = write_outputs(fit, MINIMAL, tmp_path)
    names = {p.name for p in paths}
    assert {"calibrated.toml", "fit.json", "fit.csv", "params.csv", "identification.csv",
            "calibration.en.html", "calibration.zh.html"} <= names
    raw = tomllib.loads((tmp_path / "calibrated.toml").read_text())
    sc = validate_raw(raw, "calibrated.toml")
    cats = {c.id: c for c in sc.category}
    assert cats["goods"].target_utilization == pytest.approx(fit.estimates[0])
    assert cats["phones"].tech_cost_elasticity == pytest.approx(fit.estimates[1])
    assert sc.scenario.periods == SMALL["scenario.periods"]
    assert "# calibrated: se" in (tmp_path / "calibrated.toml").read_text()
    back = Fit.load_json(tmp_path / "fit.json")
    assert np.allclose(back.estimates, fit.estimates) and back.names == fit.names
    en = (tmp_path / "calibration.en.html").read_text()
    zh = (tmp_path / "calibration.zh.html").read_text()
    assert "Data beside model" in en and "数据与模型对照" in zh
    for moment in ("utilization.goods", "learning_rate.phones"):
        assert moment in en and moment in zh
    assert json.loads((tmp_path / "fit.json").read_text())["df"] == 2
    write_outputs(fit, BASE, tmp_path / "from-mapping", langs=("en",))
    again = validate_raw(tomllib.loads((tmp_path / "from-mapping" / "calibrated.toml")
                                       .read_text()))
    assert [c.id for c in again.category] == ["goods", "phones"]
    assert again.category[0].target_utilization == pytest.approx(fit.estimates[0])


def test_calibrate_command_bad_input_is_one_line(tmp_path: Path):
    moments = tmp_path / "m.toml"
    moments.write_text("[[moment]]\nid='u'\nvalue=0.7\nse=0.01\nsource='t'\n"
                       "model='utilization:goods'\n")
    cases = [
        (["--param", "category.goods.nope=0:1"], "nope"),
        (["--param", "category.goods.target_utilization=0.9:0.1"], "LO must be below HI"),
        (["--param", "category.goods.target_utilization=0.6:0.9", "--only", "x"], "no moment"),
        (["--param", "category.goods.target_utilization=0.6:0.9",
          "--param", "category.goods.price_speed=0.01:0.1"], "cannot identify"),
    ]
    for extra, needle in cases:
        out = tmp_path / "out"
        proc = subprocess.run([str(PREMIA), "calibrate", "minimal", "--moments", str(moments),
                               "--out", str(out), *extra], capture_output=True, text=True,
                              timeout=300, check=False)
        assert proc.returncode == 2, (extra, proc.stderr)
        assert needle in proc.stderr and proc.stderr.strip().count("\n") == 0
        assert "Traceback" not in proc.stderr
        assert not out.exists()

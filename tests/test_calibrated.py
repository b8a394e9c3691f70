"""The calibrated override sets shipped in data/calibrated/ and their tables in the docs."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from premia.calibration.smm import inference
from premia.calibration.summary import CHECK, blocks, check_markdown, fit_markdown
from premia.catalog import resolve
from premia.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CALIBRATED = ROOT / "data" / "calibrated"
DOC = ROOT / "docs" / "calibration.md"
FITS = sorted(p for p in CALIBRATED.iterdir() if (p / "fit.json").is_file())


def _get(sc: object, path: str) -> float | int:
    """The value at an override path such as ``category.phones.fixed_cost``."""
    head, *rest = path.split(".")
    obj = getattr(sc, head)
    if isinstance(obj, list):
        key, *rest = rest
        obj = obj[int(key)] if key.isdigit() else next(x for x in obj if x.id == key)
    for part in rest:
        obj = getattr(obj, part)
    return obj


def test_there_are_shipped_fits():
    assert {p.name for p in FITS} >= {"tech-cycles", "overcapacity"}


@pytest.mark.parametrize("folder", FITS, ids=lambda p: p.name)
def test_override_set_loads_and_stays_inside_the_calibrate_bounds(folder):
    fit = json.loads((folder / "fit.json").read_text(encoding="utf-8"))
    params = pd.read_csv(folder / "params.csv")
    sc = load_scenario(folder / "calibrated.toml")
    assert sc.scenario.name == fit["scenario"]
    assert len(params) == len(fit["params"]) >= 1
    for row, bound in zip(params.itertuples(index=False), fit["params"], strict=True):
        assert row.parameter == bound["path"]
        assert bound["low"] <= row.estimate <= bound["high"], row.parameter
        assert math.isfinite(row.se) and row.se > 0, f"{row.parameter} is not identified"
        value = _get(sc, row.parameter)
        want = round(row.estimate) if isinstance(value, int) else row.estimate
        assert value == pytest.approx(want, rel=1e-12), row.parameter


@pytest.mark.parametrize("folder", FITS, ids=lambda p: p.name)
def test_override_set_changes_only_the_fitted_parameters(folder):
    """Everything but the fitted values is the shipped scenario's (stale if it moved)."""
    fit = json.loads((folder / "fit.json").read_text(encoding="utf-8"))
    shipped = load_scenario(resolve(fit["source"]))
    calibrated = load_scenario(folder / "calibrated.toml")
    fitted = {p["path"] for p in fit["params"]} | set(fit["overrides"])
    for path in fitted:
        assert _get(calibrated, path) != _get(shipped, path) or path in fit["overrides"]
    # put the shipped values back: the two scenarios must then be identical
    back = load_scenario(folder / "calibrated.toml",
                         {p: _get(shipped, p) for p in fitted})
    assert back.model_dump() == shipped.model_dump(), (
        f"{fit['source']} changed since the fit: run the command in data/calibrated/README.md")


@pytest.mark.parametrize("folder", FITS, ids=lambda p: p.name)
def test_docs_fit_block_is_generated_from_the_stored_fit(folder):
    text = DOC.read_text(encoding="utf-8")
    found = blocks(text)
    assert folder.name in found, f"docs/calibration.md has no <!-- fit:{folder.name} --> block"
    rendered = fit_markdown(folder.relative_to(ROOT))
    assert found[folder.name] == rendered


@pytest.mark.parametrize("folder", FITS, ids=lambda p: p.name)
def test_docs_fit_table_matches_fit_csv(folder):
    """Read the numbers back from the page, independent of the renderer."""
    block = blocks(DOC.read_text(encoding="utf-8"))[folder.name]
    table = pd.read_csv(folder / "fit.csv").set_index("moment")
    rows = [r for r in block.splitlines() if r.startswith("| ") and "`" in r
            and not r.startswith("| `")]
    assert len(rows) == len(table)
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        moment, data, model, se, t = cells[0], *map(float, cells[2:6])
        want = table.loc[moment]
        for got, ref in ((data, want.data), (model, want.model), (se, want.se)):
            assert got == pytest.approx(ref, rel=1e-3), (moment, got, ref)
        assert t == pytest.approx(want.t, abs=0.006)
    j = float(re.search(r"J = ([\d.]+)", block).group(1))
    fit = json.loads((folder / "fit.json").read_text(encoding="utf-8"))
    assert j == pytest.approx(fit["j_stat"], rel=5e-3)


def test_parameter_no_moment_responds_to_has_no_standard_error():
    """A flat Jacobian column means 'not identified', never a standard error of 0."""
    rng = np.random.default_rng(3)
    jac = rng.normal(size=(4, 2))
    data_se = np.array([0.1, 0.2, 0.1, 0.3])
    omega = data_se**2 * 1.2
    gap = rng.normal(size=4) * 0.05
    with_flat = np.column_stack([jac, np.zeros(4)])
    full = inference(with_flat, data_se, omega, gap)
    reduced = inference(jac, data_se, omega, gap)
    se = np.sqrt(np.diag(full["cov"]))
    assert np.isnan(se[2]) and np.all(np.isnan(full["sensitivity"][2]))
    np.testing.assert_allclose(full["cov"][:2, :2], reduced["cov"], rtol=1e-9)


def test_check_records_the_scenario_files_it_ran(tmp_path):
    """``premia check --scenario NAME=FILE`` says in its JSON which files it ran."""
    from premia.cli.checks import run_check

    calibrated = CALIBRATED / "overcapacity" / "calibrated.toml"
    out = tmp_path / "check.json"
    run_check(["C1"], seeds=2, workers=1, json_path=out, periods=24, placebo=False,
              scenarios=[f"overcapacity={calibrated}"])
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
    assert meta["scenarios"] == {"overcapacity": str(calibrated)}


def test_docs_check_block_is_generated_from_the_two_checks():
    block = blocks(DOC.read_text(encoding="utf-8"))[CHECK]
    calibrated = ROOT / "docs" / "check-calibrated.json"
    assert block == check_markdown(calibrated, CALIBRATED / "check-defaults.json")
    meta = json.loads(calibrated.read_text(encoding="utf-8"))["meta"]
    assert set(meta["scenarios"]) == {"tech-cycles", "overcapacity"}
    assert meta["seeds"] == 5
    for name, file in meta["scenarios"].items():
        assert (ROOT / file) == CALIBRATED / name / "calibrated.toml"

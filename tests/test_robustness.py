"""Robustness over the assumed parameters: the box, the sample, the drivers, resuming."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import premia.experiments.robustness as rb
from premia.claims import CLAIMS
from premia.claims.assumptions import ASSUMPTIONS, bounds
from premia.cli import build
from premia.experiments.design import Range

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")


def test_every_assumption_is_stated_as_one_in_the_calibration():
    paragraphs = re.split(r"\n\s*\n", CALIBRATION)
    for a in ASSUMPTIONS:
        home = [p for p in paragraphs if a.doc in " ".join(p.split())]
        assert home, f"{a.field}: {a.doc!r} is not in docs/calibration.md"
        assert any("assumption" in p for p in home), f"{a.field}: not called an assumption"


def test_each_claims_box_lies_inside_the_schema_and_around_the_file_values():
    for q in CLAIMS.values():
        box = rb.question_box(q)
        assert box, q.id
        for r in box:
            section, name = r.path.split(".")[0], r.path.split(".")[-1]
            lo, hi = bounds(section, name)
            assert lo <= r.low < r.high <= hi, (q.id, r)
    paths = {r.path for r in rb.question_box(CLAIMS["C4"])}
    assert "category.embroidery.authenticity_loss" in paths
    assert "category.embroidery.patent_length" not in paths  # craft has no R&D
    assert "consumers.halo" in {r.path for r in rb.question_box(CLAIMS["C7"])}


def test_latin_hypercube_points_fill_the_box_and_round_integers():
    q = CLAIMS["C2"]
    box = rb.question_box(q)
    pts = rb.points(q, box, 10, seed=3)
    assert len(pts) == 10 and pts == rb.points(q, box, 10, seed=3)
    for r in box:
        values = [p[r.path] for p in pts]
        assert all(r.low <= v <= r.high for v in values), r
        # Latin hypercube: one point in each tenth of every range
        tenths = sorted(int(min(9, (v - r.low) / (r.high - r.low) * 10)) for v in values)
        if not isinstance(values[0], int):
            assert tenths == list(range(10)), r
    assert all(isinstance(p["category.phones.patent_length"], int) for p in pts)


def test_margin_and_drivers_on_constructed_points():
    rng = np.random.default_rng(1)
    rows = []
    for _ in range(30):
        point = {"a": rng.uniform(0, 1), "b": rng.uniform(0, 1), "c": rng.uniform(0, 1)}
        rows.append({"point": point, "margin": 3 * point["b"] - point["c"] + 0.05 * rng.normal()})
    top = rb.drivers(rows, ["a", "b", "c"])
    assert [d["path"] for d in top[:2]] == ["b", "c"]
    assert top[0]["rho"] > 0.8 and top[1]["rho"] < 0
    crit = [{"effect": -2.0, "ci": [-3.0, -1.0], "direction": "<", "threshold": 0.0},
            {"effect": 1.0, "ci": [0.0, 2.0], "direction": ">", "threshold": 0.0}]
    assert rb.margin(crit) == pytest.approx(1.0)
    assert np.isnan(rb.margin([{"effect": 1.0, "ci": [-np.inf, np.inf], "direction": ">",
                                "threshold": 0.0}]))


@pytest.fixture
def fake_point(monkeypatch):
    calls = []

    def run_point(task):
        point = task[2]
        calls.append(point)
        x = point["consumers.halo"]
        verdict = "holds" if x > 0.4 else "fails"
        return {"verdict": verdict, "margin": 10 * (x - 0.4), "criteria": {}}

    monkeypatch.setattr(rb, "run_point", run_point)
    return calls


def test_shares_drivers_and_resuming_from_the_store(tmp_path, fake_point):
    q = CLAIMS["C7"]
    doc = rb.robustness([q], n=12, seeds=2, store=tmp_path, executor="serial")
    (c7,) = doc["claims"]
    assert len(fake_point) == 12 and c7["points"] == 12
    assert sum(c7["shares"].values()) == pytest.approx(1.0)
    assert c7["shares"]["holds"] == pytest.approx(0.5, abs=0.1)
    assert c7["drivers"][0]["path"] == "consumers.halo" and c7["drivers"][0]["rho"] > 0.9
    again = rb.robustness([q], n=12, seeds=2, store=tmp_path, executor="serial")
    assert len(fake_point) == 12, "finished points were run again"
    assert again == doc
    assert len(list((tmp_path / "cells").glob("*.json"))) == 12


def test_a_box_of_your_own(fake_point):
    doc = rb.robustness([CLAIMS["C7"]], n=4, seeds=2, executor="serial",
                        ranges=[Range("consumers.halo", 0.0, 1.0)])
    assert [b["path"] for b in doc["claims"][0]["box"]] == ["consumers.halo"]
    assert all(0.0 <= p["consumers.halo"] <= 1.0 for p in fake_point)


def test_robustness_command_runs_for_real_and_check_carries_it(tmp_path):
    out = tmp_path / "r.json"
    done = CliRunner().invoke(build(), [
        "robustness", "C7", "--n", "3", "--seeds", "2", "--periods", "12", "--store",
        str(tmp_path / "store"), "--json", str(out), "--executor", "serial",
        "--range", "consumers.halo=0:1", "--range", "scenario.consumers=100:200"])
    assert done.exit_code == 0, done.output
    (c7,) = json.loads(out.read_text())["robustness"]["claims"]
    assert c7["points"] == 3 and c7["ref"] == "C7"
    check = tmp_path / "c.json"
    done = CliRunner().invoke(build(), [
        "check", "C7", "--seeds", "2", "--periods", "12", "--workers", "1", "--robust", "2",
        "--set", "scenario.consumers=150", "--json", str(check), "--executor", "serial"])
    assert done.exit_code == 0, done.output
    assert json.loads(check.read_text())["robustness"]["claims"][0]["points"] == 2
    bad = CliRunner().invoke(build(), ["robustness", "C7", "--n", "1"])
    assert bad.exit_code == 2

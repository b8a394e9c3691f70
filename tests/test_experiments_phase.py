"""Phase diagrams: cells, verdicts, the boundary, outputs and resuming (claims faked)."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest

import premia.claims
from premia.experiments.design import parse_grid
from premia.experiments.phase import boundary, phase


class FakeResult:
    def __init__(self, effect: float, verdict: str, seeds: int) -> None:
        self.effect, self.verdict, self.seeds = effect, verdict, seeds
        self.ci = (effect - 0.1, effect + 0.1)
        self.criteria = [{"name": "cost", "effect": effect, "verdict": verdict},
                         {"name": "markup", "effect": -effect, "verdict": "holds"}]


@pytest.fixture
def fake_claim(monkeypatch):
    calls = []

    def run_claim(claim_id, seeds=10, overrides=None, workers=1, periods=None):
        calls.append(dict(overrides))
        x = overrides["category.embroidery.authenticity_loss"]
        y = overrides["category.embroidery.hand_materials"]
        effect = y / 100.0 - 4.0 * x           # holds (effect > 0) above the line y = 400x
        return FakeResult(effect, "holds" if effect > 0 else "fails", seeds)

    monkeypatch.setattr(premia.claims, "run_claim", run_claim)
    return calls


def test_boundary_marks_cells_next_to_another_verdict():
    v = np.array([["a", "a", "b"], ["a", "a", "a"], ["a", "a", "a"]])
    assert boundary(v).tolist() == [[False, True, True], [False, False, True],
                                     [False, False, False]]
    assert not boundary(np.full((3, 3), "a")).any()


def test_phase_grid_verdicts_boundary_and_outputs(tmp_path, fake_claim):
    x = parse_grid("category.embroidery.authenticity_loss=0:1:3")
    y = parse_grid("category.embroidery.hand_materials=100:300:3")
    res = phase("C4", x, y, seeds=2, executor="serial", out=tmp_path)
    assert len(fake_claim) == 9
    cells = res.cells.set_index([x.path, y.path])
    assert cells.loc[(0.0, 100), "verdict"] == "holds"
    assert cells.loc[(1.0, 300), "verdict"] == "fails"
    assert cells.loc[(0.5, 300), "effect"] == pytest.approx(1.0)
    assert cells.loc[(0.5, 300), "markup_effect"] == pytest.approx(-1.0)
    assert (res.cells.cost_verdict == res.cells.verdict).all()
    expected = boundary(res.cells.verdict.to_numpy().reshape(3, 3)).ravel()
    assert res.cells.boundary.tolist() == expected.tolist() and expected.any()
    csv = pd.read_csv(tmp_path / "phase-C4.csv")
    assert list(csv.columns[:2]) == [x.path, y.path] and len(csv) == 9
    assert csv.verdict.tolist() == res.cells.verdict.tolist()
    html = (tmp_path / "phase-C4.html").read_text()
    assert not re.search(r"<script[^>]*src=\"https?:", html) and "verdict changes next door" in html
    assert "Boundary cells" in (tmp_path / "phase-C4.md").read_text()

    again = phase("C4", "category.embroidery.authenticity_loss=0:1:3",
                  "category.embroidery.hand_materials=100:300:3", seeds=2, executor="serial",
                  out=tmp_path)
    assert len(fake_claim) == 9, "cached cells were recomputed"
    pd.testing.assert_frame_equal(again.cells, res.cells)


def test_cells_cached_by_other_code_are_computed_again(tmp_path, fake_claim, monkeypatch):
    x = "category.embroidery.authenticity_loss=0:1:2"
    y = "category.embroidery.hand_materials=100:300:2"
    phase("C4", x, y, seeds=2, executor="serial", out=tmp_path)
    phase("C4", x, y, seeds=2, executor="serial", out=tmp_path)
    assert len(fake_claim) == 4
    module = sys.modules["premia.experiments.phase"]  # the package exports the function
    monkeypatch.setattr(module, "code_digest", lambda: "another premia")
    phase("C4", x, y, seeds=2, executor="serial", out=tmp_path)
    assert len(fake_claim) == 8, "cells computed by other code were reused"


def test_source_digest_changes_with_any_source_file(tmp_path):
    from premia.experiments.integrity import source_digest

    (tmp_path / "model").mkdir()
    kernel = tmp_path / "model" / "logit.py"
    kernel.write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("not code")
    before = source_digest(tmp_path)
    (tmp_path / "notes.txt").write_text("still not code")
    assert source_digest(tmp_path) == before
    kernel.write_text("x = 2\n")
    assert source_digest(tmp_path) != before


def test_phase_rejects_unknown_claims_and_equal_axes(fake_claim):
    x = parse_grid("category.embroidery.authenticity_loss=0:1:2")
    with pytest.raises(ValueError, match="unknown claim"):
        phase("C99", x, x)
    with pytest.raises(ValueError, match="both"):
        phase("C4", x, x)

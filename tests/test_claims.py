"""The claims' statistics, the eight questions as declared, placebos, and checks end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from premia.claims import CLAIMS, check, run_claim
from premia.claims.runner import Outcome, judge, seeds_for, summarize
from premia.claims.stats import Interval, combine, interval, verdict
from premia.cli import build

ESSAY = Path(__file__).resolve().parents[1] / "docs" / "essay.zh.txt"
IDS = [f"C{i}" for i in range(1, 9)]


def test_interval_matches_student_t_by_hand():
    iv = interval([2.0, 4.0, 6.0, 8.0])
    # mean 5, sd sqrt(20/3), t_{0.975,3} = 3.182446305
    half = 3.182446305284263 * math.sqrt(20.0 / 3.0) / 2.0
    assert iv.mean == pytest.approx(5.0)
    assert iv.lo == pytest.approx(5.0 - half, rel=1e-9)
    assert iv.hi == pytest.approx(5.0 + half, rel=1e-9)


def test_interval_rejects_nan():
    with pytest.raises(ValueError):
        interval([1.0, float("nan")])


@pytest.mark.parametrize(
    ("iv", "direction", "threshold", "expected"),
    [
        (Interval(1.0, 0.5, 1.5), ">", 0.0, "holds"),
        (Interval(1.0, -0.5, 1.5), ">", 0.0, "inconclusive"),
        (Interval(-1.0, -1.5, -0.5), ">", 0.0, "fails"),
        (Interval(-1.0, -1.5, -0.5), "<", 0.0, "holds"),
        (Interval(0.06, 0.055, 0.07), "<", 0.05, "fails"),
        (Interval(0.04, 0.03, 0.049), "<", 0.05, "holds"),
        (Interval(2.0, 1.0, 3.0), ">", 1.5, "inconclusive"),
        (Interval(0.0, 0.0, 0.0), ">", 0.0, "fails"),
    ],
)
def test_verdict_rule(iv, direction, threshold, expected):
    assert verdict(iv, direction, threshold) == expected


def test_combine():
    assert combine(["holds", "holds"]) == "holds"
    assert combine(["holds", "inconclusive"]) == "inconclusive"
    assert combine(["holds", "fails", "inconclusive"]) == "fails"


def test_undefined_seeds_are_left_out_and_counted():
    out = judge([1.0, float("nan"), 1.2, 1.1], ">", 0.0)
    assert out["undefined_seeds"] == 1 and out["per_seed"][1] is None
    assert out["verdict"] == "holds" and out["effect"] == pytest.approx(1.1)
    assert judge([1.0, float("nan")], ">", 0.0)["verdict"] == "inconclusive"


def test_summarize_on_known_numbers_with_the_placebo():
    q = CLAIMS["C1"]
    good = [Outcome([0.01, -0.05], [0.2, 0.05], [], {}),
            Outcome([0.02, -0.06], [0.3, 0.06], [], {}),
            Outcome([0.03, -0.04], [0.25, 0.07], [], {})]
    res = summarize(q, good)
    assert res.effect == pytest.approx(0.02) and res.verdict == "holds"
    assert res.criteria[1]["effect"] == pytest.approx(-0.05)
    assert res.placebo["verdict"] == "fails"
    assert [c["verdict"] for c in res.placebo["criteria"]] == ["fails", "fails"]
    doc = res.to_json()
    assert doc["essay"] and doc["quote_zh"] and doc["placebo"]["description"]


def test_unequal_spending_is_flagged():
    q = CLAIMS["C6"]
    outcomes = [Outcome([-0.1, 5.0], None, [], {"nothing": 0.0, "modernize": m, "media": 1e6})
                for m in (2e6, 2.1e6)]
    object.__setattr__(q, "equal_spending", ("modernize", "media"))
    try:
        res = summarize(q, outcomes)
    finally:
        object.__setattr__(q, "equal_spending", ())
    assert res.spending["modernize"] == pytest.approx(2.05e6)
    assert any("do not" in w for w in res.warnings)


def test_seeds_are_reproducible_and_distinct():
    assert seeds_for(5) == seeds_for(5)
    assert len(set(seeds_for(20))) == 20
    assert seeds_for(3) == seeds_for(5)[:3]


def test_the_essays_claims_are_eight_questions_with_quotes_and_placebos():
    essay_text = ESSAY.read_text(encoding="utf-8")
    assert list(CLAIMS) == IDS
    for q in CLAIMS.values():
        from premia.claims.essay import ESSAY as WORDS

        assert WORDS[q.id].quote_zh[:12] in essay_text, q.id
        assert q.essay and q.criteria and q.placebo is not None, q.id
        assert all(c.description and c.description_zh for c in q.criteria), q.id


def test_variants_and_placebos_change_their_scenarios():
    for q in CLAIMS.values():
        names = list(q.variants)
        base = q.scenario(names[0]).model_dump()
        for other in names[1:]:
            assert q.scenario(other).model_dump() != base, (q.id, other)
        changed = [n for n in names
                   if q.scenario(n, placebo=True).model_dump() != q.scenario(n).model_dump()]
        assert changed, f"{q.id}: the placebo changes no variant"


def test_scaled_override_multiplies_the_file_value():
    q = CLAIMS["C3"]
    assert q.scenario("forgotten").culture[0].decay == pytest.approx(
        10 * q.scenario("accepted").culture[0].decay)
    # the placebo forgets the group where it is remembered, and does not scale twice
    assert q.scenario("accepted", placebo=True).culture[0].decay == pytest.approx(
        q.scenario("forgotten", placebo=True).culture[0].decay)


def test_placebo_runs_reuse_the_variants_they_leave_unchanged():
    from premia.claims.runner import Task, run_task

    q = CLAIMS["C7"]
    out = run_task(Task(q, seeds_for(1)[0], {"scenario.consumers": 200}, 12))
    assert out.placebo == [0.0, 0.0]  # halo switched off in both variants: identical runs
    assert set(out.spending) == set(q.variants)


@pytest.mark.slow
def test_a_claim_fails_end_to_end_without_subsidised_entry():
    """C1 with no subsidised entry: prices do not fall to cost and producers do not lose."""
    res = check(["C1"], seeds=3, workers=1, overrides={"category.goods.entry_subsidy": 0.0},
                placebo=False)
    (c1,) = res.claims
    assert c1.verdict == "fails", c1.criteria
    assert all(np.isfinite(c1.per_seed))


def test_one_claim_end_to_end_small():
    res = run_claim("C4", seeds=3, periods=90, overrides={"scenario.consumers": 500})
    assert res.seeds == 3 and len(res.per_seed) == 3
    assert [c["name"] for c in res.criteria] == ["premium", "markup", "profit", "wtp"]
    assert all(np.isfinite(res.per_seed)) and res.placebo is None


def test_check_cli_writes_json_with_placebos(tmp_path):
    out = tmp_path / "check.json"
    result = CliRunner().invoke(build(), ["check", "C1", "C7", "--seeds", "2", "--workers", "1",
                                          "--periods", "24", "--json", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert [c["id"] for c in doc["claims"]] == ["C1", "C7"]
    for c in doc["claims"]:
        assert c["seeds"] == 2 and c["placebo"]["verdict"] in ("holds", "fails", "inconclusive")
        assert len(c["ci"]) == 2 and c["ci"][0] <= c["effect"] <= c["ci"][1]
    facts = {f["kind"]: f["model"] for f in doc["stylized_facts"] if f["measure"] ==
             "gross_margin"}
    assert facts["commodity"] is not None and facts["culture"] is None


def test_check_cli_rejects_unknown_claims_and_bad_options(tmp_path):
    for args in (["C42"], ["C1", "--seeds", "1"], ["C1", "--set", "nonsense"],
                 ["C1", "--executor", "mpi"], ["C1", "--set", "category.silk.fixed_cost=1"]):
        result = CliRunner().invoke(build(), ["check", *args, "--json", str(tmp_path / "x.json")])
        assert result.exit_code == 2, (args, result.output)
    assert not (tmp_path / "x.json").exists()

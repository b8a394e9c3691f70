"""The claims' arithmetic, the sawtooth detector and one claim end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from premia.claims import CLAIMS, run_claim
from premia.claims.registry import Criterion
from premia.claims.runner import seeds_for, summarize, variant_scenario
from premia.claims.sawtooth import cycles
from premia.claims.stats import Interval, combine, interval, verdict

ESSAY = Path(__file__).resolve().parents[1] / "docs" / "essay.zh.txt"


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
    ],
)
def test_verdict_rule(iv, direction, threshold, expected):
    assert verdict(iv, direction, threshold) == expected


def test_combine():
    assert combine(["holds", "holds"]) == "holds"
    assert combine(["holds", "inconclusive"]) == "inconclusive"
    assert combine(["holds", "fails", "inconclusive"]) == "fails"


def test_summarize_on_known_numbers():
    claim = CLAIMS["C1"]
    effects = [[0.01, -0.05], [0.02, -0.06], [0.03, -0.04]]
    res = summarize(claim, effects)
    assert res.effect == pytest.approx(0.02)
    assert res.criteria[1]["effect"] == pytest.approx(-0.05)
    assert res.verdict == "holds"
    worse = summarize(claim, [[0.2, 0.05], [0.3, 0.06], [0.25, 0.07]])
    assert worse.verdict == "fails"


def test_sawtooth_counts_cycles_and_ignores_noise_and_trends():
    t = np.arange(240)
    saw = 0.4 * np.exp(-(t % 40) / 8.0)  # a jump every 40 periods, then decay
    assert cycles(saw) == 5  # the first decay (from t = 0) had no rise before it
    rng = np.random.default_rng(3)
    assert cycles(0.1 + rng.normal(0.0, 0.005, 240)) == 0
    assert cycles(np.linspace(0.0, 2.0, 240)) == 0
    assert cycles(np.linspace(2.0, 0.0, 240)) == 0
    single = np.concatenate([np.zeros(50), np.full(20, 0.5), np.zeros(50)])
    assert cycles(single) == 1
    rising_only = np.concatenate([np.zeros(50), np.full(70, 0.5)])
    assert cycles(rising_only) == 0


def test_seeds_are_reproducible_and_distinct():
    assert seeds_for(5) == seeds_for(5)
    assert len(set(seeds_for(20))) == 20
    assert seeds_for(3) == seeds_for(5)[:3]


def test_every_claim_has_a_quote_from_the_essay():
    essay_text = ESSAY.read_text(encoding="utf-8")
    for claim in CLAIMS.values():
        fragment = claim.quote_zh[:12]
        assert fragment in essay_text, claim.id
        assert claim.criteria and all(isinstance(c, Criterion) for c in claim.criteria)


def test_variants_differ_from_baseline():
    for claim in CLAIMS.values():
        names = list(claim.variants)
        base = variant_scenario(claim, names[0]).model_dump()
        for other in names[1:]:
            assert variant_scenario(claim, other).model_dump() != base, (claim.id, other)


def test_scaled_override_multiplies_the_file_value():
    claim = CLAIMS["C8"]
    base = variant_scenario(claim, "media")
    more = variant_scenario(claim, "more_culture")
    assert more.culture[0].capital == pytest.approx(1.2 * base.culture[0].capital)


def test_one_claim_end_to_end_small():
    res = run_claim("C4", seeds=3, periods=90)
    assert res.seeds == 3 and len(res.per_seed) == 3
    assert res.verdict in ("holds", "fails", "inconclusive")
    assert all(np.isfinite(res.per_seed))
    cost = res.criteria[0]
    # machine work is far cheaper than handwork: the mandate must cut unit cost
    assert cost["ci"][1] < 0 and cost["verdict"] == "holds"


def test_check_cli_writes_json(tmp_path):
    from premia.cli import build

    app = build()
    out = tmp_path / "check.json"
    result = CliRunner().invoke(app, ["check", "C1", "--seeds", "2", "--workers", "1",
                                      "--json", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    (c1,) = doc["claims"]
    assert c1["id"] == "C1" and c1["seeds"] == 2
    assert c1["verdict"] in ("holds", "fails", "inconclusive")
    assert len(c1["ci"]) == 2 and c1["ci"][0] <= c1["effect"] <= c1["ci"][1]
    kinds = {f["kind"] for f in doc["stylized_facts"]}
    assert {"commodity", "technology", "culture"} <= kinds


def test_check_cli_rejects_unknown_claim(tmp_path):
    from premia.cli import build

    result = CliRunner().invoke(build(), ["check", "C42", "--json", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert not (tmp_path / "x.json").exists()

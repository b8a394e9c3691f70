"""A user's own questions in a scenario file: schema, errors, formulas and every command."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import premia
import premia.questions as pq
from premia.catalog import scenario_dir
from premia.cli import build
from premia.loading import ScenarioError, load_scenario
from premia.metrics import Metric, MetricError, register
from premia.questions.core import total_spending
from premia.questions.expr import ExpressionError, MetricRef, parse_effect

MINIMAL = (scenario_dir() / "minimal.toml").read_text(encoding="utf-8")
QUESTION = '''
[[question]]
id = "mandate"
title = "Modernizing the workshops lowers the craft markup"

[[question.variant]]
name = "base"
disable = [0]

[[question.variant]]
name = "mandate"
enable = [0]

[[question.criterion]]
name = "markup"
description = "craft markup under the mandate minus without"
effect = "markup:embroidery@mandate - markup:embroidery@base"
direction = "<"
threshold = 0.0

[question.placebo]
description = "no meaning in the technique"
set = { "category.embroidery.authenticity_loss" = 0.0 }
'''
FAST = ["--set", "scenario.consumers=300", "--periods", "66"]


@pytest.fixture
def own(tmp_path: Path) -> Path:
    """A new scenario file with one question (the minimal economy, its event moved early)."""
    path = tmp_path / "my-craft.toml"
    path.write_text(MINIMAL.replace("at = 60", "at = 50") + QUESTION, encoding="utf-8")
    return path


def write(tmp_path: Path, question: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(MINIMAL + question, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(build(), [str(a) for a in args])


# ---- formulas ------------------------------------------------------------------------
def test_formula_refs_functions_and_arithmetic():
    e = parse_effect("poverty:guizhou@media - min(poverty:guizhou@a, poverty:guizhou@b) / 2")
    refs = [MetricRef("poverty", "guizhou", v) for v in ("media", "a", "b")]
    assert list(e.refs) == refs and e.variants == ("media", "a", "b")
    assert e.evaluate(dict(zip(refs, [0.5, 0.8, 0.6], strict=True))) == pytest.approx(0.2)
    f = parse_effect("firm_markup:cameras/japan@halo - -abs(markup:x-y@v2)")
    assert f.refs[0].arg == "cameras/japan" and f.refs[1].arg == "x-y"
    assert math.isnan(parse_effect("markup:a@x / 0").evaluate({f.refs[1]: 1.0,
                                                               MetricRef("markup", "a", "x"): 1}))


@pytest.mark.parametrize("text, needle", [
    ("", "empty"), ("1 + 2", "uses no metric"), ("markup:a@x +", "not a formula"),
    ("__import__('os')", "only numbers"), ("markup:a@x.real", "only numbers"),
    ("sum(markup:a@x)", "only numbers"), ("markup:a@x + x", "not NAME:ARG@VARIANT"),
    ("abs(markup:a@x, 2)", "one argument"), ("min(markup:a@x)", "two or more"),
    ("markup:a@x ** 2", "only numbers"), ("'a' + markup:a@x", "only numbers"),
])
def test_bad_formulas_are_refused(text, needle):
    with pytest.raises(ExpressionError, match=needle):
        parse_effect(text)


# ---- schema and one-line errors -----------------------------------------------------------
@pytest.mark.parametrize("edit, needle", [
    (("embroidery@mandate", "embroidery@mandat"), "unknown variant 'mandat'"),
    (("markup:embroidery@mandate", "markupp:embroidery@mandate"), "unknown metric 'markupp'"),
    (("markup:embroidery@mandate", "markup:silk@mandate"), "no category 'silk'"),
    (("enable = [0]", "enable = [3]"), "event 3 does not exist"),
    (('direction = "<"', 'direction = "<="'), "direction"),
    (('name = "mandate"', 'name = "base"'), "variant 'base' is declared twice"),
    (("effect = ", "formula = "), "effect"),
    (('set = { "category', 'variants = ["nope"]\nset = { "category'), "unknown variant 'nope'"),
])
def test_question_errors_name_the_file_the_question_and_what_is_allowed(tmp_path, edit, needle):
    path = write(tmp_path, QUESTION.replace(*edit))
    with pytest.raises(ScenarioError) as err:
        pq.load(path)
    lines = str(err.value).splitlines()
    assert any(needle in line for line in lines)
    assert all(line.startswith(str(path)) for line in lines)
    done = subprocess.run([str(Path(sys.executable).with_name("premia")), "validate",
                           str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    shown = done.stderr.strip().splitlines()
    assert shown == [f"error: {line}" for line in lines] and needle in done.stderr


def test_questions_are_not_part_of_a_run(own, tmp_path):
    # a program may drop the events a question switches: the scenario still runs
    broken = write(tmp_path, QUESTION.replace("enable = [0]", "enable = [7]"))
    assert load_scenario(broken).question[0].id == "mandate"
    sc = load_scenario(own)
    assert [q.id for q in sc.question] == ["mandate"]
    assert "question" not in sc.model_dump()
    plain = own.with_name("plain.toml")
    plain.write_text(MINIMAL.replace("at = 60", "at = 50"), encoding="utf-8")
    assert premia.loading.scenario_hash(sc) == premia.loading.scenario_hash(load_scenario(plain))


# ---- finding and running ----------------------------------------------------------------
def test_select_files_ids_and_essay_claims(own):
    assert [q.id for q in pq.select([str(own)])] == ["mandate"]
    assert [q.id for q in pq.select([str(own), "MANDATE"])] == ["mandate"]
    assert pq.resolve(f"{own}:mandate").source == own
    assert [q.id for q in pq.select(["c4", "C1"])] == ["C4", "C1"]
    assert [q.id for q in pq.select(["guizhou"])] == ["C6", "C8"]
    assert [q.id for q in pq.select(None)] == [f"C{i}" for i in range(1, 9)]
    with pytest.raises(pq.QuestionError, match="unknown claim or question 'nope'"):
        pq.select([str(own), "nope"])
    with pytest.raises(pq.QuestionError, match="declares no"):
        pq.select(["minimal"])


def test_a_variant_may_run_on_another_file(tmp_path):
    q = pq.resolve("C2")
    assert q.variants["commodity"].source.name == "overcapacity.toml"
    bad = write(tmp_path, QUESTION.replace('name = "mandate"\nenable = [0]',
                                           'name = "mandate"\nscenario = "tech-cycles"'))
    with pytest.raises(ScenarioError, match="no category 'embroidery'"):
        pq.load(bad)


def test_check_on_a_users_file_is_deterministic_and_has_a_placebo(own):
    q = pq.load(own)["mandate"]
    over = {"scenario.consumers": 300}
    one = pq.check([q], seeds=2, workers=1, periods=66, overrides=over)
    two = pq.check([q], seeds=2, workers=2, periods=66, overrides=over)
    a, b = one.claims[0], two.claims[0]
    assert a.per_seed == b.per_seed and a.ref == f"{own}:mandate" and not a.essay
    assert a.placebo["verdict"] in ("holds", "fails", "inconclusive")
    assert a.placebo["criteria"][0]["per_seed"] != a.per_seed


def test_user_overrides_apply_where_the_path_exists_and_refuse_paths_nowhere(own):
    q = pq.resolve("C2")
    sc = q.scenario("commodity", {"category.phones.patent_length": 7, "scenario.periods": 5})
    assert sc.scenario.periods == 5 and [c.id for c in sc.category] == ["goods"]
    assert q.scenario("rd", {"category.phones.patent_length": 7}).category[0].patent_length == 7
    with pytest.raises(ScenarioError, match="silk"):
        pq.check([q], seeds=2, overrides={"category.silk.fixed_cost": 1.0})


def test_scenario_substitution_runs_the_variants_on_another_file(own, tmp_path):
    other = tmp_path / "tweaked.toml"
    other.write_text(own.read_text().replace("authenticity_loss = 0.8",
                                             "authenticity_loss = 0.1"))
    q = pq.load(own)["mandate"].with_scenarios({"minimal": other})
    assert q.scenario("mandate").category[2].authenticity_loss == pytest.approx(0.1)
    c3 = pq.resolve("C3").with_scenarios({"craft-premium": str(other)})
    assert c3.variants["accepted"].source == other


def test_a_metric_registered_from_python_is_used_by_a_question(tmp_path):
    def craft_sales(res, category):
        cat = res.categories
        return float(cat[cat.category == category].sales.mean())

    register(Metric("craft_sales_test", "category", "mean sales", craft_sales), replace=True)
    with pytest.raises(MetricError, match="exists"):
        register(Metric("markup", "category", "again", craft_sales))
    path = write(tmp_path, QUESTION.replace("markup:embroidery@", "craft_sales_test:embroidery@"))
    q = pq.load(path)["mandate"]
    with pytest.warns(UserWarning, match="cannot be sent"):
        res = pq.check([q], seeds=2, workers=2, periods=55, placebo=False,
                       overrides={"scenario.consumers": 200, "event.0.at": 40})
    assert all(math.isfinite(v) for v in res.claims[0].per_seed)


# ---- the commands ------------------------------------------------------------------------
@pytest.mark.slow
def test_check_phase_and_report_on_a_users_file(own, tmp_path):
    out = tmp_path / "c.json"
    done = invoke("check", own, *FAST, "--seeds", "2", "--workers", "1", "--json", out)
    assert done.exit_code == 0, done.output
    doc = json.loads(out.read_text())
    (claim,) = doc["claims"]
    assert claim["ref"] == f"{own}:mandate" and claim["placebo"]["verdict"]
    assert doc["meta"]["overrides"] == {"scenario.consumers": 300} and doc["meta"]["periods"] == 66
    done = invoke("check", f"{own}:mandate", *FAST, "--seeds", "2", "--workers", "1",
                  "--no-placebo")
    assert done.exit_code == 0, done.output
    done = invoke("phase", f"{own}:mandate", "--x", "category.embroidery.authenticity_loss=0:0.8:2",
                  "--y", "scenario.consumers=200:300:2", "--seeds", "2", "--periods", "55",
                  "--out", tmp_path / "ph")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "ph" / "phase-mandate.csv").is_file()
    done = invoke("report", "--lang", "both", "--from", out, "--out", tmp_path / "rep",
                  "--periods", "55")
    assert done.exit_code == 0, done.output
    html = (tmp_path / "rep" / "report.en.html").read_text()
    assert "Modernizing the workshops lowers the craft markup" in html
    assert "craft markup under the mandate minus without" in html


def test_bad_question_arguments_are_one_line(own):
    done = invoke("check", own, "nope")
    assert done.exit_code == 2 and "unknown claim or question 'nope'" in done.output
    done = invoke("check", "scen/none.toml")
    assert done.exit_code == 2 and "scen/none.toml" in done.output
    done = invoke("check", "C4", "--scenario", "modernize-craft")
    assert done.exit_code == 2 and "NAME=FILE" in done.output
    done = invoke("phase", f"{own}:nope", "--x", "scenario.seed=1:2:2", "--y",
                  "scenario.consumers=100:200:2")
    assert done.exit_code == 2 and "nope" in done.output


@settings(max_examples=80, deadline=None)
@given(st.recursive(
    st.sampled_from(["markup:a@x", "markup:a@y", "net_margin:b@x", "1.5", "2"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: f"min({', '.join(xs)})"),
        inner.map(lambda x: f"-{x}"), inner.map(lambda x: f"abs({x})")),
    max_leaves=8))
def test_formulas_compute_what_python_would(text):
    if "@" not in text:
        text = f"({text}) + markup:a@x"
    values = {"markup:a@x": 0.25, "markup:a@y": -1.75, "net_margin:b@x": 3.0}
    e = parse_effect(text)
    python = text
    for ref, value in values.items():
        python = python.replace(ref, f"({value!r})")
    assert e.evaluate({r: values[str(r)] for r in e.refs}) == pytest.approx(eval(python))


@pytest.mark.slow
def test_dask_gives_the_same_verdicts_as_one_process(own):
    q = pq.load(own)["mandate"]
    kw = {"seeds": 2, "periods": 55, "overrides": {"scenario.consumers": 200}}
    serial = pq.check([q], workers=1, **kw).claims[0]
    dask = pq.check([q], workers=2, executor="dask", **kw).claims[0]
    assert dask.per_seed == serial.per_seed
    assert dask.placebo["criteria"][0]["per_seed"] == serial.placebo["criteria"][0]["per_seed"]


MATCHED = '''
[[question]]
id = "money"
title = "Two ways to spend the same money"

[[question.variant]]
name = "machines"
enable = [0]
set = { "event.0.paid_by" = "budget", "category.embroidery.machine_capital" = 50.0 }

[[question.variant]]
name = "media"
disable = [0]
match_spending = { variant = "machines", budgets = ["event.1.budget"] }

[[question.variant.event]]
at = 50
kind = "media"
culture = "miao"
budget = 1000.0

[[question.criterion]]
name = "poverty"
effect = "poverty:guizhou@media - poverty:guizhou@machines"
direction = "<"
'''


def test_a_variant_can_match_another_variants_public_spending(tmp_path):
    path = tmp_path / "money.toml"
    path.write_text(MINIMAL.replace("at = 60", "at = 50") + MATCHED, encoding="utf-8")
    q = pq.load(path)["money"]
    runs = q.run(3, {"scenario.consumers": 200}, periods=56)
    machines, media = (total_spending(runs[n]) for n in ("machines", "media"))
    assert machines > 0 and media == pytest.approx(machines, rel=1e-9)
    spent = runs["media"].public
    media_rows = spent[spent.instrument == "media"]
    assert set(spent.instrument) <= {"media", "entry_subsidy"} and len(media_rows) == 6
    assert (media_rows.period >= 50).all()


@pytest.mark.parametrize("edit, needle", [
    (('variant = "machines"', 'variant = "media"'), "allowed: machines"),
    (('budgets = ["event.1.budget"]', 'budgets = ["event.0.kind"]'), "is not a number"),
])
def test_matching_errors_are_one_line(tmp_path, edit, needle):
    path = tmp_path / "money.toml"
    path.write_text(MINIMAL.replace("at = 60", "at = 50") + MATCHED.replace(*edit),
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match=needle) as err:
        pq.load(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_a_question_describes_itself_for_listings(own):
    d = pq.load(own)["mandate"].describe()
    json.dumps(d)
    assert d["ref"] == f"{own}:mandate" and not d["essay"]
    assert [v["name"] for v in d["variants"]] == ["base", "mandate"]
    assert d["variants"][1]["overrides"] == {"event.0.enabled": True}
    assert d["criteria"][0]["effect"].startswith("markup:embroidery@mandate")
    assert d["placebo"]["variants"] == ["base", "mandate"]

"""``[[question]]`` tables that break the loader: one line, exit 2, never a traceback."""

from __future__ import annotations

import pytest
from fuzz_cases import bases, make_case
from typer.testing import CliRunner

from premia.catalog import resolve
from premia.cli import build
from premia.questions.expr import ExpressionError, parse_effect

runner = CliRunner()
app = build()
EFFECT = 'effect = "markup:embroidery@accepted - markup:phones@accepted"'


@pytest.mark.parametrize("formula", ["-" * 1900 + "markup:embroidery@accepted",
                                     "+" * 1900 + "markup:embroidery@accepted"])
def test_a_formula_nested_too_deeply_is_one_line_not_a_traceback(tmp_path, formula):
    text = resolve("craft-premium").read_text(encoding="utf-8")
    assert EFFECT in text
    bad = tmp_path / "deep.toml"
    bad.write_text(text.replace(EFFECT, f'effect = "{formula}"', 1), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "nested too deeply" in lines[0] and "question C3" in lines[0]
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_effect(formula)


def test_a_long_but_shallow_formula_still_parses():
    effect = parse_effect("markup:a@x" + " + 1" * 400)
    assert effect.evaluate({effect.refs[0]: 1.0}) == 401.0


def test_the_fuzz_cases_mutate_questions():
    """A good share of the fuzz cases change a ``[[question]]`` table, in every part."""
    scenarios = bases()
    assert sum(1 for s in scenarios.values() if s.get("question")) >= 5
    steps = [step for i in range(400) for step in make_case(15, i, scenarios).steps
             if step.startswith("question")]
    assert len(steps) >= 60, len(steps)
    for part in ("effect", "set", "enable", "variants", "delete", "declared twice"):
        assert any(part in step for step in steps), part

"""Sentences that state how a question came out, chosen by its verdicts, with its numbers.

Every sentence of a report or of ``docs/claims.md`` that states an outcome comes from here:
a verdict selects the template (:data:`premia.report.texts.HOLDS` for the essay's claims
that hold, :data:`premia.report.texts.OUTCOME` otherwise) and the check's effects and
intervals fill it. Flip a verdict in a check JSON and the text follows.

Example:
    >>> claim = {"id": "Q", "verdict": "fails", "seeds": 3, "criteria": [
    ...     {"name": "gap", "description": "income gap", "effect": -2.0, "ci": [-3.0, -1.0],
    ...      "verdict": "fails", "direction": ">", "threshold": 0.0}]}
    >>> outcome("en", claim)[1]
    'Income gap is -2 (95% interval -3 to -1), not above 0 as claimed.'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from premia.report.texts import HOLDS, OUTCOME

PLACEHOLDER = re.compile(r"\{(-?)(\w+)(?::(\w+))?\}")
CLAIMED_SUFFIX = re.compile(r"\s*(\(claimed [^)]*\)|（论断：[^）]*）)\s*$")


def number(x: float) -> str:
    """Three significant digits; whole numbers from 1,000 on; rounding noise as 0."""
    if x is None or not math.isfinite(x):
        return "n/a" if x is None or math.isnan(x) else ("∞" if x > 0 else "-∞")
    if abs(x) >= 1e3:
        return f"{x:,.0f}"
    return f"{0.0 if abs(x) < 1e-12 else x:.3g}"


def styled(x: float, style: str | None) -> str:
    """A value in a template's style: ``pct`` (percent), ``pt`` (points), ``yuan``, ``n``."""
    if style == "pct":
        return f"{number(100 * x)}%"
    if style == "pt":
        return number(100 * x)
    return number(x)


def fill(template: str, values: Mapping[str, float]) -> str:
    """Replace ``{name}``, ``{-name}`` and ``{name:style}`` with formatted values.

    Raises:
        KeyError: a placeholder names no value.
    """
    def one(match: re.Match[str]) -> str:
        neg, name, style = match.groups()
        value = values[name]
        return styled(-value if neg else value, style)

    return PLACEHOLDER.sub(one, template)


def label(lang: str, crit: Mapping[str, Any]) -> str:
    """A criterion's description in ``lang`` without its "(claimed ...)" suffix."""
    text = (crit.get("description_zh") if lang == "zh" else "") or crit.get("description") \
        or crit["name"]
    return CLAIMED_SUFFIX.sub("", text)


def _claimed(lang: str, crit: Mapping[str, Any]) -> str:
    key = "above" if crit.get("direction", ">") == ">" else "below"
    return OUTCOME[lang][key].format(threshold=number(crit.get("threshold", 0.0)))


def _join(lang: str, items: Sequence[str]) -> str:
    return OUTCOME[lang]["and"].join(items)


def _criterion(lang: str, crit: Mapping[str, Any], key: str) -> str:
    lo, hi = crit["ci"]
    name = label(lang, crit)
    return OUTCOME[lang][key].format(
        label=name[:1].upper() + name[1:], effect=number(crit["effect"]), lo=number(lo),
        hi=number(hi), threshold=number(crit.get("threshold", 0.0)),
        claimed=_claimed(lang, crit))


def headline(lang: str, claim: Mapping[str, Any]) -> list[str]:
    """The verdict's sentences: what holds, or which criteria fail or stay open and why."""
    text = OUTCOME[lang]
    verdict, seeds = claim["verdict"], claim.get("seeds", 0)
    crits = claim.get("criteria", [])
    if verdict == "holds":
        values = {c["name"]: c["effect"] for c in crits} | {"seeds": seeds}
        template = HOLDS.get(lang, {}).get(claim["id"]) if claim.get("essay", True) else None
        try:
            return [fill(template, values)] if template else [
                text["holds_lead"].format(seeds=seeds)]
        except KeyError:
            return [text["holds_lead"].format(seeds=seeds)]
    lines = [text[f"{verdict}_lead"].format(seeds=seeds)]
    lines += [_criterion(lang, c, f"crit_{verdict}") for c in crits if c["verdict"] == verdict]
    holding = [c["name"] for c in crits if c["verdict"] == "holds"]
    if holding:
        others = [c["name"] for c in crits if c["verdict"] != "holds"]
        lines.append(text["disagree"].format(holds=_join(lang, holding),
                                             others=_join(lang, others)))
    return lines


def placebo(lang: str, claim: Mapping[str, Any]) -> list[str]:
    """What the placebo says about the measure (nothing when no placebo was run)."""
    p = claim.get("placebo")
    if not p:
        return []
    what = (p.get("description_zh") if lang == "zh" else "") or p.get("description") or ""
    lines = [OUTCOME[lang][f"placebo_{p['verdict']}"].format(placebo=what)]
    holding = [c["name"] for c in p.get("criteria", []) if c["verdict"] == "holds"]
    if holding and p["verdict"] != "holds":
        lines.append(OUTCOME[lang]["placebo_criteria"].format(names=_join(lang, holding)))
    return lines


def spending(lang: str, claim: Mapping[str, Any]) -> list[str]:
    """The public money each variant spent, when the runs recorded any."""
    money = {k: v for k, v in (claim.get("spending") or {}).items() if v}
    if not money:
        return []
    items = OUTCOME[lang]["sep"].join(f"{k} ¥{v:,.0f}" for k, v in money.items())
    return [OUTCOME[lang]["spending"].format(items=items)]


def outcome(lang: str, claim: Mapping[str, Any]) -> list[str]:
    """Every outcome sentence of one question: verdict, placebo and spending."""
    return headline(lang, claim) + placebo(lang, claim) + spending(lang, claim)

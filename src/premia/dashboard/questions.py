"""The dashboard's questions, without Streamlit: list a scenario's ``[[question]]``s,
describe their variants, criteria and placebo, and check one over a few seeds.

A check here is ``premia check FILE QUESTION`` at a small size: the same seeds, variants,
placebo and verdicts (:func:`premia.claims.run_questions`), with the run length and the
number of simulated consumers set in the page.

Example:
    >>> from premia.dashboard import logic, questions
    >>> found = questions.source_questions(logic.shipped_source("guizhou"))
    >>> list(found)
    ['C6', 'C8']
    >>> [r["variant"] for r in questions.variant_rows(found["C6"], "en")]
    ['nothing', 'modernize', 'media']
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from premia.dashboard.logic import Source
from premia.loading import ScenarioError
from premia.metrics import long_run_window
from premia.questions.core import Question

MAX_SEEDS = 20
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "questions": "Questions this scenario asks",
        "no_questions": "This scenario declares no [[question]]. Add one to its file "
                        "(see examples/jingdezhen.toml) to check it here.",
        "pick_question": "Question",
        "variants": "Variants (the first is the baseline)",
        "criteria": "Criteria (the question holds when every criterion holds)",
        "placebo": "Placebo",
        "no_placebo": "No placebo declared: nothing tells whether the measure isolates "
                      "the mechanism.",
        "placebo_on": "applied to: {variants}; changes: {changes}",
        "equal_spending": "Meant to spend the same public money: {names}.",
        "variant": "variant", "title": "title", "changes": "changes",
        "criterion": "criterion", "description": "description", "formula": "effect formula",
        "claimed": "claimed", "effect": "effect", "interval": "95% interval",
        "verdict": "verdict", "placebo_effect": "placebo effect",
        "placebo_verdict": "placebo verdict",
        "check_size": "Size of the check",
        "seeds": "Seeds", "periods": "Periods (months)", "consumers": "Simulated consumers",
        "check": "Check this question",
        "checking": "Seed {done} of {total} checked",
        "check_done": "Checked with {seeds} seeds, {periods} months and {consumers} "
                      "consumers in {seconds:.1f} s (premia check at this size).",
        "small_note": "A quick look: verdicts at the scenario's own size and with more seeds "
                      "may differ (premia check FILE QUESTION --seeds 10).",
        "verdict_line": "Verdict: {verdict} · placebo: {placebo}",
        "check_failed": "The check failed",
        "none": "none", "added": "adds {kind} at month {at}", "matches": "spends as {variant}",
        "holds": "holds", "fails": "fails", "inconclusive": "inconclusive", "not_run": "not run",
        ">": "above {threshold}", "<": "below {threshold}",
        "too_short": "The long run of these runs (months {start}–{end}) starts before the "
                     "last intervention does (month {at}): effects may be zero only because "
                     "it has not begun. Lengthen the runs.",
    },
    "zh": {
        "questions": "该情景提出的问题",
        "no_questions": "该情景没有声明 [[question]]。在其文件中加入一个（参见 "
                        "examples/jingdezhen.toml），即可在此检验。",
        "pick_question": "问题",
        "variants": "方案（第一个为基准）",
        "criteria": "判据（每个判据都成立时，问题成立）",
        "placebo": "安慰剂",
        "no_placebo": "未声明安慰剂：无法判断度量是否单独反映该机制。",
        "placebo_on": "作用于：{variants}；改动：{changes}",
        "equal_spending": "应花费相同公共资金的方案：{names}。",
        "variant": "方案", "title": "名称", "changes": "改动",
        "criterion": "判据", "description": "说明", "formula": "效应公式",
        "claimed": "论断", "effect": "效应", "interval": "95% 区间",
        "verdict": "结论", "placebo_effect": "安慰剂效应", "placebo_verdict": "安慰剂结论",
        "check_size": "检验规模",
        "seeds": "种子数", "periods": "期数（月）", "consumers": "模拟消费者数",
        "check": "检验此问题",
        "checking": "已检验 {done}/{total} 个种子",
        "check_done": "以 {seeds} 个种子、{periods} 个月、{consumers} 名消费者检验，"
                      "用时 {seconds:.1f} 秒（即此规模下的 premia check）。",
        "small_note": "这是快速查看：在情景自身规模和更多种子下，结论可能不同"
                      "（premia check FILE QUESTION --seeds 10）。",
        "verdict_line": "结论：{verdict} · 安慰剂：{placebo}",
        "check_failed": "检验失败",
        "none": "无", "added": "第 {at} 月加入 {kind}", "matches": "与 {variant} 支出相同",
        "holds": "成立", "fails": "不成立", "inconclusive": "无定论", "not_run": "未运行",
        ">": "大于 {threshold}", "<": "小于 {threshold}",
        "too_short": "这些运行的长期（第 {start}–{end} 月）早于最后一项干预开始的月份"
                     "（第 {at} 月）：效应可能只因干预尚未开始而为零。请加长运行期数。",
    },
}


def tq(lang: str, key: str, **fmt: object) -> str:
    """A text of the questions panel in ``lang``."""
    text = TEXTS.get(lang, TEXTS["en"])[key]
    return text.format(**fmt) if fmt else text


def question_file(source: Source) -> Path:
    """The file the source's questions are read from; an upload is saved once to a
    private temporary folder named by its content (written atomically)."""
    if source.path is not None:
        return source.path
    data = source.data or b""
    digest = hashlib.sha256(data).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(source.origin).name) or "upload"
    name = name if name.endswith(".toml") else f"{name}.toml"
    folder = Path(tempfile.gettempdir()) / f"premia-uploads-{os.getuid()}" / digest
    target = folder / name
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        part = folder / f".{name}.part"
        part.write_bytes(data)
        os.replace(part, target)
    return target


def source_questions(source: Source) -> dict[str, Question]:
    """The questions declared in the source's file (``{id: Question}``, file order).

    Raises:
        ScenarioError: the questions are invalid (one line, naming the file as the user
            knows it, not the temporary copy of an upload).
    """
    from premia.questions.find import load

    path = question_file(source)
    try:
        return load(path)
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace(str(path), source.origin)) from None


def _value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _changes(lang: str, item: Mapping[str, Any]) -> str:
    parts = [f"{k} = {_value(v)}" for k, v in item.get("overrides", {}).items()]
    parts += [f"{k} × {v:g}" for k, v in item.get("scale", {}).items()]
    parts += [tq(lang, "added", kind=e.get("kind", "?"), at=e.get("at", "?"))
              for e in item.get("events", [])]
    if item.get("matches"):
        parts.append(tq(lang, "matches", variant=item["matches"]))
    return "; ".join(parts) or tq(lang, "none")


def variant_rows(q: Question, lang: str) -> list[dict[str, str]]:
    """One row per variant: its name, title and what it changes in its scenario."""
    return [{"variant": v["name"], "title": v["title"], "changes": _changes(lang, v)}
            for v in q.describe()["variants"]]


def _description(lang: str, c: Mapping[str, Any]) -> str:
    return (c.get("description_zh") if lang == "zh" else "") or c.get("description") or ""


def claimed(c: Mapping[str, Any], lang: str) -> str:
    """What a criterion claims in words: ``above 0`` (a bare ``>`` reads as a quote mark
    in a table's markdown)."""
    return tq(lang, c["direction"], threshold=f"{c['threshold']:g}")


def criterion_rows(q: Question, lang: str) -> list[dict[str, str]]:
    """One row per criterion: name, description, formula and what is claimed."""
    return [{"criterion": c["name"], "description": _description(lang, c),
             "formula": c["effect"], "claimed": claimed(c, lang)}
            for c in q.describe()["criteria"]]


def placebo_text(q: Question, lang: str) -> str:
    """The placebo in one line: what it switches off, on which variants, how."""
    p = q.describe()["placebo"]
    if p is None:
        return tq(lang, "no_placebo")
    what = _description(lang, p)
    how = tq(lang, "placebo_on", variants=", ".join(p["variants"]), changes=_changes(lang, p))
    return f"{what} ({how})" if what else how


def last_start(q: Question) -> int:
    """The latest month at which an intervention of any variant (or placebo) starts."""
    months = [0]
    for name in q.variants:
        for placebo in (False, True):
            sc = q.scenario(name, placebo=placebo)
            months += [e.at for e in sc.event if getattr(e, "enabled", True)]
    return max(months)


def early_warning(q: Question, periods: int, lang: str) -> str | None:
    """A warning when the long run (the second half) starts before the last intervention
    does: effects measured then may be zero because the intervention has not begun."""
    start, end = long_run_window(0, periods - 1)
    last = last_start(q)
    return tq(lang, "too_short", start=start, end=end, at=last) if start < last else None


def check_sizes(q: Question) -> dict[str, tuple[int, int, int]]:
    """``{field: (lo, hi, default)}`` for a quick check: a few seeds, short runs (but with
    the long run after the last intervention starts), few consumers."""
    sc = q.scenario(q.baseline)
    periods = sc.scenario.periods
    default = min(periods, max(48, 2 * last_start(q) + 24))
    return {"seeds": (2, MAX_SEEDS, 3),
            "periods": (min(12, periods), max(periods, 12), default),
            "consumers": (100, max(sc.scenario.consumers, 100),
                          min(max(sc.scenario.consumers, 100), 300))}


def check(q: Question, seeds: int, periods: int, consumers: int,
          progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Check one question as ``premia check`` does, in this process, at a small size.

    Returns:
        The question's entry of ``premia check --json`` (verdict, criteria with effects,
        95% intervals and verdicts, placebo, spending, warnings).
    """
    from premia.claims.runner import run_questions

    (result,) = run_questions([q], seeds, workers=1,
                              overrides={"scenario.consumers": consumers}, periods=periods,
                              progress=progress)
    return result.to_json()


def result_rows(result: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    """One row per criterion of a check: effect, interval, verdict, and the placebo's."""
    from premia.claims.prose import number

    placebo = {c["name"]: c for c in (result.get("placebo") or {}).get("criteria", [])}
    rows = []
    for c in result["criteria"]:
        p = placebo.get(c["name"])
        rows.append({
            "criterion": c["name"], "claimed": claimed(c, lang),
            "effect": number(c["effect"]),
            "interval": f"[{number(c['ci'][0])}, {number(c['ci'][1])}]",
            "verdict": tq(lang, c["verdict"]),
            "placebo_effect": number(p["effect"]) if p else "–",
            "placebo_verdict": tq(lang, p["verdict"]) if p else tq(lang, "not_run")})
    return rows


def verdict_line(result: Mapping[str, Any], lang: str) -> str:
    """``Verdict: holds · placebo: fails`` in ``lang``."""
    placebo = (result.get("placebo") or {}).get("verdict", "not_run")
    return tq(lang, "verdict_line", verdict=tq(lang, result["verdict"]),
              placebo=tq(lang, placebo))

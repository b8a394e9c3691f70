"""Assemble the report pages: the claims report (from a check JSON) and a one-run report."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from premia.claims import prose
from premia.report.figures import claim_panels, panels_figure
from premia.report.methods import odd_section, package_versions, parameter_tables, reproducibility
from premia.report.odd import KIND_WORDS, MEASURE_WORDS
from premia.report.page import Markup, document, esc, figure_div, table
from premia.report.texts import claim_text, t
from premia.results import TABLES, Results

Runs = dict[str, dict[str, Results]]


class ReportError(ValueError):
    """Unusable input to a report; ``str(err)`` is one line naming the file and field."""


Verdict = Literal["holds", "fails", "inconclusive"]


class CriterionResult(BaseModel):
    """One measured comparison of a claim (a claim may have several)."""

    model_config = ConfigDict(extra="allow")
    name: str
    description: str = ""
    description_zh: str = ""
    verdict: Verdict
    effect: float
    ci: tuple[float, float]
    direction: Literal[">", "<"] = ">"
    threshold: float = 0.0


class PlaceboResult(BaseModel):
    """The verdict of a claim with its mechanism switched off."""

    model_config = ConfigDict(extra="allow")
    verdict: Verdict
    description: str = ""
    description_zh: str = ""
    criteria: list[CriterionResult] = Field(default_factory=list)


class ClaimVerdict(BaseModel):
    """One claim (or question) of a check JSON."""

    model_config = ConfigDict(extra="allow")
    id: str
    ref: str = ""
    verdict: Verdict
    effect: float
    ci: tuple[float, float]
    seeds: int = Field(ge=0)
    metric: str = ""
    title_en: str = ""
    title_zh: str = ""
    quote_zh: str = ""
    summary_en: str = ""
    summary_zh: str = ""
    essay: bool = True
    criteria: list[CriterionResult] = Field(default_factory=list)
    placebo: PlaceboResult | None = None
    spending: dict[str, float | None] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """How to run it again: its reference (``FILE:ID``), or its id for the essay's."""
        return self.ref or self.id


class StylizedFact(BaseModel):
    """One model figure beside a real reference range (``model`` is None when not run)."""

    model_config = ConfigDict(extra="allow")
    kind: str
    measure: str
    model: float | None = None
    reference: str
    low: float
    high: float


class CheckReport(BaseModel):
    """The JSON written by ``premia check --json``."""

    model_config = ConfigDict(extra="allow")
    claims: list[ClaimVerdict]
    stylized_facts: list[StylizedFact] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    robustness: dict[str, Any] | None = None


def load_check(path: str | Path) -> CheckReport:
    """Read and validate a check JSON, raising :class:`ReportError` with one line."""
    p = Path(path)
    try:
        return parse_check(json.loads(p.read_text(encoding="utf-8")), str(p))
    except FileNotFoundError:
        raise ReportError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{p}: not a readable JSON file ({exc})") from None


def parse_check(data: Any, source: str = "<check>") -> CheckReport:
    """Validate a check report mapping (``CheckReport.to_json()`` or its file)."""
    try:
        return CheckReport.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ReportError(f"{source}: {where}: {err['msg']}") from None


def claim_titles(lang: str, claims: Sequence[ClaimVerdict]) -> dict[str, str]:
    """Titles by claim key: the check's own, else the text table, else the id."""
    out = {}
    for c in claims:
        own = c.title_zh if lang == "zh" else c.title_en
        out[c.key] = own or claim_text(lang, c.id, "title") or c.id
    return out


def _claim_runs(ref: str, seed: int, periods: int | None,
                overrides: Mapping[str, Any] | None = None,
                scenarios: Mapping[str, str] | None = None) -> dict[str, Results]:
    from premia.questions.find import resolve

    question = resolve(ref).with_scenarios(scenarios or {})
    return question.run(seed, overrides, periods)


def claim_runs(ids: Sequence[str], seed: int = 1, periods: int | None = None,
               workers: int = 1, progress: Callable[[int, int], None] | None = None,
               overrides: Mapping[str, Any] | None = None,
               scenarios: Mapping[str, str] | None = None) -> Runs:
    """Run every variant of each claim's scenario once, for the figures.

    Args:
        ids: claim ids or question references, e.g. ``["C1", "my.toml:Q1"]``.
        seed: the seed of the figure runs.
        periods: optional run length (default: each scenario's).
        workers: processes; results are the same for any number.
        progress: optional ``progress(done, total)`` after each claim.
        overrides, scenarios: the check's ``--set`` and ``--scenario`` (from its ``meta``).
    """
    out: Runs = {}
    args = (seed, periods, dict(overrides or {}), dict(scenarios or {}))
    if workers <= 1:
        for n, cid in enumerate(ids, start=1):
            out[cid] = _claim_runs(cid, *args)
            if progress:
                progress(n, len(ids))
        return out
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {cid: pool.submit(_claim_runs, cid, *args) for cid in ids}
        for n, cid in enumerate(ids, start=1):
            out[cid] = futures[cid].result()
            if progress:
                progress(n, len(ids))
    return out


def _fmt(x: float) -> str:
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    return f"{0.0 if abs(x) < 1e-12 else x:.3g}"


def _verdict(lang: str, verdict: str) -> Markup:
    return Markup(f'<span class="verdict {esc(verdict)}">{esc(t(lang, verdict))}</span>')


def _quote(lang: str, c: ClaimVerdict) -> str:
    label = t(lang, "original") if lang == "en" else t(lang, "quote")
    return (f'<blockquote class="original" lang="zh"><span class="label">{esc(label)}</span>'
            f"{esc(c.quote_zh)}</blockquote>")


def _summary_text(lang: str, c: ClaimVerdict) -> str:
    return (c.summary_zh if lang == "zh" else c.summary_en) or claim_text(lang, c.id, "title")


def _measure(lang: str, c: ClaimVerdict) -> str:
    if c.essay and claim_text(lang, c.id, "measure"):
        return claim_text(lang, c.id, "measure")
    return "; ".join(prose.label(lang, k.model_dump()) for k in c.criteria) or c.metric


def _placebo_badge(lang: str, c: ClaimVerdict) -> Markup | str:
    return _verdict(lang, c.placebo.verdict) if c.placebo else t(lang, "not_run")


def summary_section(lang: str, report: CheckReport) -> str:
    """The table of the claims with the essay's sentence, the verdicts and the placebos'."""
    titles = claim_titles(lang, report.claims)
    rows = []
    for c in report.claims:
        claim = Markup(f"<b>{esc(c.id)}</b> {esc(titles[c.key])}<br>"
                       f"<span class='muted'>{esc(_summary_text(lang, c))}</span>")
        quote = Markup(f'<span class="original" lang="zh">{esc(c.quote_zh)}</span>')
        rows.append([claim, quote, _verdict(lang, c.verdict), _fmt(c.effect),
                     f"[{_fmt(c.ci[0])}, {_fmt(c.ci[1])}]", c.seeds, _placebo_badge(lang, c)])
    headers = [t(lang, "claim"), t(lang, "original") if lang == "en" else t(lang, "quote"),
               t(lang, "verdict"), t(lang, "effect"), t(lang, "interval"), t(lang, "seeds"),
               t(lang, "placebo")]
    return (f"<h2 id='summary'>{esc(t(lang, 'summary'))}</h2>\n"
            + table(headers, rows, numeric=(3, 4, 5)))


def criteria_table(lang: str, c: ClaimVerdict) -> str:
    """The claim's criteria with their effects, intervals, verdicts and placebo verdicts."""
    if not c.criteria:
        return ""
    placebo = {k.name: k for k in c.placebo.criteria} if c.placebo else {}
    rows = []
    for k in c.criteria:
        p = placebo.get(k.name)
        rows.append([prose.label(lang, k.model_dump()), _fmt(k.effect),
                     f"[{_fmt(k.ci[0])}, {_fmt(k.ci[1])}]", _verdict(lang, k.verdict),
                     _verdict(lang, p.verdict) if p else t(lang, "not_run")])
    headers = [t(lang, "criterion"), t(lang, "effect"), t(lang, "interval"), t(lang, "verdict"),
               t(lang, "placebo")]
    return table(headers, rows, numeric=(1, 2))


def outcome_paragraph(lang: str, c: ClaimVerdict) -> str:
    """What the model says: sentences chosen by the verdicts and filled with the numbers."""
    lines = prose.outcome(lang, c.model_dump())
    warn = [f"⚠ {w}" for w in c.warnings]
    return (f"<h4>{esc(t(lang, 'outcome'))}</h4>\n<p class='outcome'>"
            + " ".join(esc(x) for x in lines + warn) + "</p>")


def claim_section(lang: str, c: ClaimVerdict, title: str, runs: Mapping[str, Results],
                  seed: int) -> str:
    """One claim: summary, quote, verdict, what the model says, mechanism and figures."""
    parts = [f"<h3 id='{esc(c.id)}'>{esc(c.id)} · {esc(title)}</h3>",
             f"<p>{esc(_summary_text(lang, c))}</p>"]
    if c.quote_zh:
        parts.append(_quote(lang, c))
    parts += [f"<p>{esc(t(lang, 'verdict'))}{esc(t(lang, 'colon'))}</p>".replace(
                  "</p>", f"{_verdict(lang, c.verdict).html} · {esc(t(lang, 'effect'))} "
                  f"{_fmt(c.effect)} · {esc(t(lang, 'interval'))} "
                  f"[{_fmt(c.ci[0])}, {_fmt(c.ci[1])}] · {esc(t(lang, 'seeds'))} {c.seeds}</p>"),
              criteria_table(lang, c), outcome_paragraph(lang, c)]
    mechanism = claim_text(lang, c.id, "mechanism") if c.essay else ""
    if mechanism:
        parts += [f"<h4>{esc(t(lang, 'mechanism'))}</h4>", f"<p>{esc(mechanism)}</p>"]
    parts.append(f"<p>{esc(t(lang, 'measure'))}{esc(t(lang, 'colon'))}"
                 f"{esc(_measure(lang, c))}</p>")
    if not runs:
        parts.append(f"<p class='muted'>{esc(t(lang, 'no_runs'))}</p>")
        return "\n".join(parts)
    first = next(iter(runs.values()))
    sc = first.meta.get("scenario", {}).get("scenario", {})
    parts.append("<p class='muted'>" + esc(t(lang, "figures_from", scenario=sc.get("name", "?"),
                 seed=seed, periods=sc.get("periods", "?"))) + "</p>")
    fig = panels_figure(runs, claim_panels(c.id, first, lang), lang)
    parts.append(figure_div(fig, f"fig-{c.id}"))
    return "\n".join(parts)


SHARES = ("gross_margin", "net_margin", "utilization")


def _fact_value(measure: str, x: float | None, lang: str = "en") -> str:
    if x is None:
        return t(lang, "not_run")
    return f"{x:.1%}" if measure in SHARES else _fmt(x)


def facts_section(lang: str, facts: Sequence[StylizedFact]) -> str:
    """Model statistics beside real reference ranges ("not run" where no claim made them)."""
    rows = []
    for f in facts:
        inside = "–" if f.model is None else t(lang, "yes" if f.low <= f.model <= f.high
                                                      else "no")
        rows.append([KIND_WORDS[lang].get(f.kind, f.kind),
                     MEASURE_WORDS[lang].get(f.measure, f.measure),
                     _fact_value(f.measure, f.model, lang),
                     Markup(f'<span lang="en">{esc(f.reference)}</span>'),
                     f"{_fact_value(f.measure, f.low)} – {_fact_value(f.measure, f.high)}",
                     inside])
    headers = [t(lang, k) for k in ("kind", "statistic", "model", "reference", "range",
                                    "in_range")]
    return (f"<h2 id='facts'>{esc(t(lang, 'facts'))}</h2>\n<p>{esc(t(lang, 'facts_intro'))}</p>\n"
            + table(headers, rows, numeric=(2, 4)))


def robustness_section(lang: str, doc: Mapping[str, Any] | None) -> str:
    """The share of the box of assumptions where each claim holds (figure and table)."""
    if not doc or not doc.get("claims"):
        return ""
    from premia.experiments.robustness import figure

    rows = [[c["ref"], *(f"{c['shares'][v]:.0%}" for v in ("holds", "fails", "inconclusive")),
             "; ".join(f"{d['path']} (ρ {d['rho']:+.2f})" for d in c["drivers"]) or "–"]
            for c in doc["claims"]]
    headers = [t(lang, "claim"), t(lang, "holds"), t(lang, "fails"), t(lang, "inconclusive"),
               t(lang, "drivers")]
    return "\n".join([
        f"<h2 id='robustness'>{esc(t(lang, 'robustness'))}</h2>",
        f"<p>{esc(t(lang, 'robust_intro', n=doc['n'], seeds=doc['seeds']))}</p>",
        figure_div(figure(doc, lang), "fig-robustness"), table(headers, rows, numeric=(1, 2, 3))])


def _scenarios(runs: Runs) -> tuple[dict[str, Any], dict[str, str]]:
    scenarios: dict[str, Any] = {}
    hashes: dict[str, str] = {}
    for variants in runs.values():
        for name, res in variants.items():
            sc = res.meta.get("scenario", {})
            sc_name = sc.get("scenario", {}).get("name", "?")
            scenarios.setdefault(sc_name, sc)
            hashes[f"{sc_name} / {name}"] = str(res.meta.get("scenario_hash", ""))
    return scenarios, hashes


def claims_report(report: CheckReport, runs: Runs, lang: str, seed: int = 1,
                  command: Sequence[str] | None = None) -> str:
    """The full claims report as one self-contained HTML page.

    Args:
        report: the validated check JSON.
        runs: ``{claim id: {variant: Results}}`` for the figures (may be partial).
        lang: ``en`` or ``zh``.
        seed: the seed of the figure runs (stated in the page).
        command: the command line that made the report.
    """
    titles = claim_titles(lang, report.claims)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [f"<h1>{esc(t(lang, 'report_title'))}</h1>", f"<p>{esc(t(lang, 'lede'))}</p>",
            f"<p class='muted'>{esc(t(lang, 'generated'))}{esc(t(lang, 'colon'))}{now}</p>",
            summary_section(lang, report), f"<h2 id='claims'>{esc(t(lang, 'claims'))}</h2>"]
    body += [claim_section(lang, c, titles[c.key], runs.get(c.key, {}), seed)
             for c in report.claims]
    body.append(facts_section(lang, report.stylized_facts))
    body.append(robustness_section(lang, report.robustness))
    scenarios, hashes = _scenarios(runs)
    first = next((r for v in runs.values() for r in v.values()), None)
    seeds = max((c.seeds for c in report.claims), default=0)
    body += [f"<h2 id='methods'>{esc(t(lang, 'methods'))}</h2>", odd_section(lang),
             parameter_tables(scenarios, lang),
             reproducibility(lang, package_versions(first.meta.get("versions") if first else None),
                             hashes, t(lang, "seeds_used", seeds=seeds, seed=seed),
                             command or sys.argv)]
    return document(lang, t(lang, "report_title"), "\n".join(body))


def load_run(directory: str | Path) -> Results:
    """Read a saved run directory, raising :class:`ReportError` if it is not one."""
    d = Path(directory)
    missing = [f"{n}.parquet" for n in TABLES if not (d / f"{n}.parquet").is_file()]
    if not (d / "run.json").is_file():
        missing.append("run.json")
    if missing:
        raise ReportError(f"{d}: not a run directory (missing {', '.join(missing)})")
    try:
        return Results.load(d)
    except (OSError, ValueError) as exc:
        raise ReportError(f"{d}: cannot read the run ({exc.__class__.__name__}: {exc})") from None


def run_report(res: Results, lang: str, command: Sequence[str] | None = None) -> str:
    """A report of one saved run (see :func:`premia.report.runs.runs_report`)."""
    from premia.report.runs import runs_report

    return runs_report(res, lang, command)

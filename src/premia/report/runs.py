"""Reports of saved runs: one run, or several side by side (``premia report --run A --run B``).

A one-run report states what was run (scenario, seed, interventions on and off, overrides,
changes from the shipped scenario of that name), the long-run summary (with the months it
covers), the markets that died, the charts and the methods. With several runs the same
page lists the runs with their labels, what differs between their scenarios, the long-run
values side by side and the same charts with one line per run.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from premia.compare import (
    against_shipped,
    differences,
    events_table,
    public_spending,
    side_by_side,
)
from premia.metrics import dead_categories, long_run_window, summary_table
from premia.report.figures import panels_figure, run_panels
from premia.report.methods import odd_section, package_versions, parameter_tables, reproducibility
from premia.report.page import document, esc, figure_div, table
from premia.report.texts import EVENT_WORDS, t
from premia.results import Results

SUMMARY = (("price_cost", "price_cost_ratio"), ("markup", "mean_markup"),
           ("net_margin", "net_margin"), ("firms", "firms_alive"),
           ("overcapacity", "overcapacity"), ("died", "died"))
TABLE_WORDS = {"categories": "category_word", "cultures": "culture_word",
               "regions": "region_word", "public": "public_word"}
MEASURE_KEYS = {"spending": "spending_total", "price_cost": "price_cost_ratio",
                "markup": "mean_markup", "firms": "firms_alive", "affinity": "mean_affinity",
                "accepting": "accepting_share", "aware": "aware_share",
                "income": "mean_income", "poverty": "poverty_headcount"}


def _fmt(x: Any) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return "–"
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    if abs(x) >= 1e3:
        return f"{x:,.0f}"
    return f"{0.0 if abs(x) < 1e-12 else x:.3g}"


def _name(res: Results) -> str:
    return str(res.meta.get("scenario", {}).get("scenario", {}).get("name", "?"))


def _periods(res: Results) -> int:
    return int(res.meta.get("scenario", {}).get("scenario", {}).get("periods", 0))


def long_run_note(lang: str, res: Results) -> str:
    """The sentence that says which months the long run covers."""
    start, end = long_run_window(0, max(_periods(res), 1) - 1)
    return t(lang, "long_run_note", start=start, end=end)


def summary_section(lang: str, res: Results) -> str:
    """The long-run table of the categories (one run)."""
    frame = summary_table(res, "categories")
    rows = [[row.category, *[_fmt(row[c]) for c, _ in SUMMARY]]
            for _, row in frame.iterrows()]
    headers = [t(lang, "category_word"), *[t(lang, key) for _, key in SUMMARY]]
    return (f"<p class='muted'>{esc(long_run_note(lang, res))}</p>"
            + table(headers, rows, numeric=range(1, len(SUMMARY) + 1)))


def deaths_section(lang: str, runs: Mapping[str, Results]) -> str:
    """A warning per category that died in a run ('' if none did)."""
    lines = []
    for label, res in runs.items():
        prefix = f"{label}: " if len(runs) > 1 else ""
        lines += [f"<li>{esc(prefix + t(lang, 'died_line', category=d.category, month=d.month))}"
                  "</li>" for d in dead_categories(res)]
    if not lines:
        return ""
    return (f"<h2 id='died'>{esc(t(lang, 'died_title'))}</h2>\n"
            f"<ul class='warning'>{''.join(lines)}</ul>")


def events_section(lang: str, res: Results) -> str:
    """The run's interventions (on and off), its overrides and its changes from the
    shipped scenario of the same name."""
    events = events_table(res)
    parts = [f"<h2 id='events'>{esc(t(lang, 'events_title'))}</h2>"]
    if events.empty:
        parts.append(f"<p>{esc(t(lang, 'no_events'))}</p>")
    else:
        words = EVENT_WORDS[lang]
        rows = [[int(e.event), words.get(e.kind, e.kind), int(e.at),
                 t(lang, "yes") if e.enabled else t(lang, "no"), e.fields]
                for e in events.itertuples()]
        headers = [t(lang, k) for k in ("event_word", "event_kind", "event_at", "event_on",
                                        "event_fields")]
        parts.append(table(headers, rows, numeric=(0, 2)))
    spending = public_spending(res)
    if spending:
        parts.append(f"<h3>{esc(t(lang, 'spending_title'))}</h3>")
        parts.append(table([t(lang, "account"), t(lang, "instrument"), t(lang, "spending_total")],
                           [[a, i, _fmt(v)] for (a, i), v in spending.items()], numeric=(2,)))
    overrides = res.meta.get("overrides") or {}
    if overrides:
        parts.append(f"<h3>{esc(t(lang, 'overrides_title'))}</h3>")
        parts.append(table([t(lang, "path"), t(lang, "value")],
                           [[k, _fmt(v)] for k, v in overrides.items()]))
    name, diff = against_shipped(res)
    if name is not None and diff.empty:
        parts.append(f"<p>{esc(t(lang, 'shipped_same', name=name))}</p>")
    elif name is not None:
        parts.append(f"<h3>{esc(t(lang, 'shipped_diff', name=name))}</h3>")
        parts.append(table([t(lang, "path"), t(lang, "shipped_value"), t(lang, "run_value")],
                           [[r.path, _fmt(r.shipped), _fmt(r.run)] for r in diff.itertuples()]))
    return "\n".join(parts)


def runs_list(lang: str, runs: Mapping[str, Results],
              sources: Mapping[str, str] | None = None) -> str:
    """Each run's label, scenario, seed, length, hash and where it was read from."""
    rows = [[label, _name(res), res.meta.get("seed", "?"), _periods(res),
             res.meta.get("scenario_hash", "?"), (sources or {}).get(label, "")]
            for label, res in runs.items()]
    headers = [t(lang, "label"), t(lang, "scenario"), t(lang, "seed"), t(lang, "periods"),
               t(lang, "hash"), t(lang, "source")]
    return f"<h2 id='runs'>{esc(t(lang, 'runs_list'))}</h2>\n" + table(headers, rows)


def differences_section(lang: str, runs: Mapping[str, Results]) -> str:
    """The scenario fields (and seeds) that differ between the runs."""
    diff = differences(runs)
    parts = [f"<h2 id='differences'>{esc(t(lang, 'runs_differ'))}</h2>"]
    if diff.empty:
        parts.append(f"<p>{esc(t(lang, 'runs_identical'))}</p>")
    elif list(diff.path) == ["seed"]:
        parts.append(f"<p>{esc(t(lang, 'runs_same'))}</p>")
    if not diff.empty:
        parts.append(table([t(lang, "path"), *runs],
                           [[r["path"], *[_fmt(r[label]) for label in runs]]
                            for _, r in diff.iterrows()]))
    return "\n".join(parts)


def side_by_side_section(lang: str, runs: Mapping[str, Results]) -> str:
    """Every long-run value of every run, one column per run."""
    frame = side_by_side(runs)
    rows = [[t(lang, TABLE_WORDS[r["table"]]), r["entity"],
             t(lang, MEASURE_KEYS.get(r["measure"], r["measure"])),
             *[_fmt(r[label]) for label in runs]] for _, r in frame.iterrows()]
    headers = [t(lang, "table_word"), t(lang, "entity"), t(lang, "measure_word"), *runs]
    first = next(iter(runs.values()))
    return (f"<h2 id='side-by-side'>{esc(t(lang, 'side_by_side'))}</h2>\n"
            f"<p class='muted'>{esc(long_run_note(lang, first))}</p>\n"
            + table(headers, rows, numeric=range(3, 3 + len(runs))))


def charts_section(lang: str, runs: Mapping[str, Results]) -> list[str]:
    """The run charts, with one line per run."""
    first = next(iter(runs.values()))
    labels = {label: label for label in runs} if len(runs) > 1 else \
        {label: t(lang, "this_run") for label in runs}
    parts = [f"<h2 id='charts'>{esc(t(lang, 'run_charts'))}</h2>"]
    for n, (key, panels) in enumerate(run_panels(first, lang).items()):
        if panels:
            parts.append(f"<h3>{esc(t(lang, key))}</h3>")
            parts.append(figure_div(panels_figure(runs, panels, lang, labels=labels),
                                    f"fig-run-{n}"))
    return parts


def runs_report(runs: Mapping[str, Results] | Results, lang: str,
                command: Sequence[str] | None = None,
                sources: Mapping[str, str] | None = None) -> str:
    """A self-contained HTML report of one run or of several runs side by side.

    Args:
        runs: one run's results, or ``{label: Results}`` (labels name the lines).
        lang: ``en`` or ``zh``.
        command: the command line that made the report.
        sources: optional ``{label: where the run was read from}``.
    """
    if isinstance(runs, Results):
        runs = {"run": runs}
    if not runs:
        raise ValueError("runs_report needs at least one run")
    first = next(iter(runs.values()))
    several = len(runs) > 1
    title = t(lang, "runs_report_title" if several else "run_report_title")
    if several:
        body = [f"<h1>{esc(title)}</h1>", f"<p>{esc(t(lang, 'runs_facts', n=len(runs)))}</p>",
                runs_list(lang, runs, sources), differences_section(lang, runs),
                side_by_side_section(lang, runs), deaths_section(lang, runs)]
    else:
        facts = t(lang, "run_facts", scenario=_name(first), seed=first.meta.get("seed", "?"),
                  periods=_periods(first), hash=first.meta.get("scenario_hash", "?"))
        body = [f"<h1>{esc(title)}</h1>", f"<p>{esc(facts)}</p>",
                f"<h2>{esc(t(lang, 'run_summary'))}</h2>", summary_section(lang, first),
                deaths_section(lang, runs), events_section(lang, first)]
    body += charts_section(lang, runs)
    scenarios = {}
    for res in runs.values():
        scenarios.setdefault(_name(res), res.meta.get("scenario", {}))
    hashes = {f"{label}: {_name(res)}": str(res.meta.get("scenario_hash", ""))
              for label, res in runs.items()}
    seeds = ", ".join(f"{label}: {res.meta.get('seed', '?')}" for label, res in runs.items())
    body += [f"<h2>{esc(t(lang, 'methods'))}</h2>", odd_section(lang),
             parameter_tables(scenarios, lang),
             reproducibility(lang, package_versions(first.meta.get("versions")), hashes,
                             f"{t(lang, 'seed')}{t(lang, 'colon')}{seeds}",
                             command or sys.argv)]
    return document(lang, title, "\n".join(body))

"""What the dashboard does, without Streamlit: run, compare, summarise and export.

Example:
    >>> from premia.dashboard.logic import run_scenario, headline
    >>> res = run_scenario("minimal", {"scenario.periods": 12, "scenario.consumers": 200})
    >>> sorted(headline(res))[:2]
    ['m_accepting', 'm_income']
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

import plotly.graph_objects as go
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from premia.api import simulate
from premia.catalog import shipped, title
from premia.loading import ScenarioError, load_scenario
from premia.report.figures import Scope, panels_figure, run_panels
from premia.report.texts import t
from premia.results import TABLES, Results
from premia.scenario import Scenario

LAST_YEAR = 12


def scenario_names() -> list[str]:
    """The shipped scenarios' names."""
    return list(shipped())


def scenario_title(name: str) -> str:
    """A shipped scenario's title."""
    return title(shipped()[name])


def load(name: str, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """A shipped scenario with overrides (raises :class:`ScenarioError`)."""
    if name not in shipped():
        raise ScenarioError(f"{name}: no such shipped scenario (known: {', '.join(shipped())})")
    return load_scenario(shipped()[name], dict(overrides or {}))


def run_scenario(name: str, overrides: Mapping[str, Any], seed: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Results:
    """Run a shipped scenario with overrides; invalid overrides raise :class:`ScenarioError`."""
    return simulate(load(name, overrides), seed=seed, progress=progress)


def headline(res: Results) -> dict[str, float]:
    """The dashboard's metrics: markup, net margin, poverty, income, accepting group."""
    cat = res.categories
    reg = res.regions
    cut = int(cat.period.max()) - LAST_YEAR + 1
    scope = Scope.of(res)
    out = {"m_markup": float(cat[cat.period >= cut].mean_markup.mean()),
           "m_net_margin": float(cat[cat.period >= cut].net_margin.mean())}
    reg = reg[reg.period >= cut]
    if scope.craft_region is not None:
        reg = reg[reg.region == scope.craft_region]
    out["m_poverty"] = float(reg.poverty_headcount.mean())
    out["m_income"] = float(reg.mean_income.mean())
    cul = res.cultures
    out["m_accepting"] = (float(cul[cul.period == cul.period.max()].accepting_share.iloc[0])
                          if len(cul) and "accepting_share" in cul else float("nan"))
    return out


def compare(run: Results, baseline: Results) -> dict[str, tuple[float, float]]:
    """``{metric: (run value, run − baseline)}``."""
    a, b = headline(run), headline(baseline)
    return {k: (a[k], a[k] - b[k]) for k in a}


def charts(run: Results, baseline: Results | None, lang: str) -> dict[str, go.Figure]:
    """``{tab key: figure}`` with the run and (if given) its baseline side by side."""
    runs = {"run": run} if baseline is None else {"baseline": baseline, "run": run}
    labels = {"run": t(lang, "this_run"), "baseline": t(lang, "baseline")}
    return {key: panels_figure(runs, panels, lang, labels=labels)
            for key, panels in run_panels(run, lang).items() if panels}


def export_zip(res: Results, fmt: str) -> bytes:
    """The run's tables as a zip of ``parquet`` or ``csv`` files (plus ``run.json``)."""
    import json

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in TABLES:
            sink = io.BytesIO()
            if fmt == "parquet":
                pq.write_table(res.tables[name], sink)
            elif fmt == "csv":
                pacsv.write_csv(res.tables[name], sink)
            else:
                raise ValueError(f"format {fmt!r}: allowed are parquet, csv")
            zf.writestr(f"{name}.{fmt}", sink.getvalue())
        zf.writestr("run.json", json.dumps(res.meta, indent=2, ensure_ascii=False))
    return buf.getvalue()


def format_metric(key: str, value: float) -> str:
    """A metric's value as shown: shares in percent, incomes in yuan, markups as ratios."""
    if value != value:  # NaN
        return "–"
    if key in ("m_poverty", "m_accepting", "m_net_margin"):
        return f"{value:.1%}"
    if key == "m_income":
        return f"{value:,.0f}"
    return f"{value:.3f}"

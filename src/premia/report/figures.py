"""Plotly figures of runs, shared by the report and the dashboard.

A figure is a row of panels; each panel plots one table column (or a few) over time,
with one line per run (a claim's variants, or a run and its baseline). Panels choose
their rows by entity (a category, culture or region), resolved from the scenario each
run carries in ``Results.meta["scenario"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from premia.report.texts import t, variant_label
from premia.results import Results

BASELINE_COLOR = "#9a9a9a"
COLORS = ("#1f5fa8", "#c2412d", "#2e8b57", "#8a5ab8", "#c98a1b", "#4a4a4a")
DASHES = ("solid", "dot", "dash", "dashdot")
PRICED = frozenset({"price_index", "cost_index", "mean_markup", "max_markup", "gross_margin",
                    "net_margin", "overcapacity", "utilization"})
"""Category columns that mean nothing in a month without firms (plotted as gaps)."""
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", ' \
       '"WenQuanYi Micro Hei", sans-serif'


@dataclass(frozen=True)
class Panel:
    """One subplot: ``columns`` of ``table`` over time for the rows where ``key`` matches.

    Attributes:
        title: the panel's (already translated) title, also its y axis title.
        table: ``categories``, ``cultures``, ``regions``, ``firms`` or ``creators``.
        key: ``(column, value)`` selecting one entity, or ``None`` for all rows.
        columns: the plotted columns (text keys double as their legend names).
        agg: how rows of one period are combined (``sum``, ``mean`` or ``max``).
        gap: plot each run minus the first run instead of the level.
        axis: the y axis title when it differs from ``title``.
    """

    title: str
    table: str
    key: tuple[str, str] | None
    columns: tuple[str, ...]
    agg: str = "mean"
    gap: bool = False
    axis: str = ""


@dataclass
class Scope:
    """The entities of a scenario that the figures refer to."""

    kinds: dict[str, str] = field(default_factory=dict)
    cultures: list[str] = field(default_factory=list)
    craft_region: str | None = None

    @classmethod
    def of(cls, res: Results) -> Scope:
        """The categories' kinds, the cultures and the craft region of a run's scenario."""
        sc: Mapping[str, Any] = res.meta.get("scenario", {})
        kinds = {c["id"]: c["kind"] for c in sc.get("category", [])}
        cultures = [k["id"] for k in sc.get("culture", [])]
        homes = [k["home"] for k in sc.get("culture", [])]
        regions = sc.get("region", [])
        poorest = min(regions, key=lambda r: r.get("base_income", 0.0))["id"] if regions else None
        return cls(kinds, cultures, homes[0] if homes else poorest)

    def category(self, *kinds: str) -> str | None:
        """The first category of the first kind in ``kinds`` that the scenario has."""
        for kind in kinds:
            for cid, k in self.kinds.items():
                if k == kind:
                    return cid
        return None


def series(res: Results, panel: Panel, column: str) -> pd.Series:
    """One column of a panel's table, aggregated per period."""
    df = res.frame(panel.table)
    if column not in df.columns or df.empty:
        return pd.Series(dtype=float)
    if panel.key is not None:
        df = df[df[panel.key[0]] == panel.key[1]]
    if column in PRICED and "firms_alive" in df.columns:  # no firm, no price: a gap
        df = df.assign(**{column: df[column].where(df.firms_alive > 0)})
    return df.groupby("period")[column].agg(panel.agg)


def _color(name: str, index: int) -> str:
    return BASELINE_COLOR if name == "baseline" else COLORS[index % len(COLORS)]


def panels_figure(runs: Mapping[str, Results], panels: list[Panel], lang: str,
                  title: str = "", labels: Mapping[str, str] | None = None) -> go.Figure:
    """A row of panels with one line per run (and a dash style per column).

    Args:
        runs: ``{variant: Results}``; the first is the baseline (for gap panels).
        panels: the subplots.
        lang: ``en`` or ``zh`` for the axis titles and legend.
        title: the figure's title.
        labels: optional display names of the runs (default: translated variant names).
    """
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p.title for p in panels],
                        horizontal_spacing=0.08)
    names = list(runs)
    for col_no, panel in enumerate(panels, start=1):
        base = {c: series(runs[names[0]], panel, c) for c in panel.columns} if names else {}
        for i, name in enumerate(names):
            if panel.gap and i == 0:
                continue
            shown = (labels or {}).get(name, variant_label(lang, name))
            for j, column in enumerate(panel.columns):
                s = series(runs[name], panel, column)
                if panel.gap:
                    s = (s - base[column]).dropna()
                legend = shown if len(panel.columns) == 1 else f"{shown}: {t(lang, column)}"
                fig.add_trace(go.Scatter(
                    x=s.index.to_numpy(), y=s.to_numpy(), mode="lines", name=legend,
                    legendgroup=legend, showlegend=col_no == 1,
                    line={"color": _color(name, i), "dash": DASHES[j % len(DASHES)]},
                ), row=1, col=col_no)
        fig.update_xaxes(title_text=t(lang, "period"), row=1, col=col_no)
        fig.update_yaxes(title_text=panel.axis or panel.title, row=1, col=col_no)
    top = 70 if title else 40
    fig.update_layout(title_text=title, height=380, margin={"l": 60, "r": 20, "t": top, "b": 50},
                      font={"family": FONT}, legend={"orientation": "h", "y": -0.25},
                      template="plotly_white")
    return fig


def claim_panels(claim_id: str, res: Results, lang: str) -> list[Panel]:
    """The panels that make claim ``claim_id`` visible, for the scenario of ``res``."""
    s = Scope.of(res)
    commodity = s.category("commodity", "technology")
    tech = s.category("technology", "hybrid")
    craft = s.category("culture", "hybrid")
    culture = s.cultures[0] if s.cultures else None
    region = s.craft_region

    def cat(key: str, cid: str | None, *cols: str, agg: str = "mean",
            gap: bool = False) -> Panel:
        return Panel(t(lang, key), "categories", ("category", cid) if cid else None,
                     cols or (key,), agg, gap)

    def cul(key: str) -> Panel:
        return Panel(t(lang, key), "cultures", ("culture", culture) if culture else None, (key,))

    def reg(key: str) -> Panel:
        return Panel(t(lang, key), "regions", ("region", region) if region else None, (key,))

    table: dict[str, list[Panel]] = {
        "C1": [cat("price_cost", commodity, "price_index", "cost_index"),
               cat("net_margin", commodity), cat("overcapacity", commodity)],
        "C2": [cat("max_markup", tech), cat("mean_markup", tech)],
        "C3": [cat("mean_markup", craft), cul("accepting_share")],
        "C4": [cat("cost", craft, "cost_index"), cat("mean_markup", craft),
               cat("profit", craft)],
        "C5": [cat("firms_alive", craft), cat("profit", craft),
               cat("consumer_surplus", None, agg="sum")],
        "C6": [reg("poverty_headcount"), reg("mean_income")],
        "C7": [cat("gross_margin", tech), cat("margin_gap", tech, "gross_margin", gap=True)],
        "C8": [reg("mean_income"), cul("accepting_share")],
    }
    return table.get(claim_id, [cat("mean_markup", None), reg("poverty_headcount")])


def run_panels(res: Results, lang: str) -> dict[str, list[Panel]]:
    """The dashboard's and single-run report's chart groups: ``{tab key: panels}``."""
    s = Scope.of(res)
    prices = [Panel(cid, "categories", ("category", cid), ("price_index", "cost_index"),
                    axis=t(lang, "price_cost")) for cid in s.kinds]
    markups = [Panel(cid, "categories", ("category", cid), ("mean_markup",),
                     axis=t(lang, "mean_markup")) for cid in s.kinds]
    culture = [Panel(f"{t(lang, key)}: {k}", "cultures", ("culture", k), (key,),
                     axis=t(lang, key)) for k in s.cultures[:1]
               for key in ("mean_affinity", "accepting_share")]
    region = s.craft_region
    regions = [Panel(f"{t(lang, key)}: {region}" if region else t(lang, key), "regions",
                     ("region", region) if region else None, (key,), axis=t(lang, key))
               for key in ("mean_income", "poverty_headcount")]
    return {"tab_prices": prices, "tab_markups": markups, "tab_culture": culture,
            "tab_regions": regions}

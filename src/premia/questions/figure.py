"""The figure of a checked question: each criterion's effect with its 95% interval, beside
its placebo's, against the claimed threshold.

Example:
    >>> claim = {"ref": "Q", "criteria": [{"name": "gap", "effect": 2.0, "ci": [1.0, 3.0],
    ...          "verdict": "holds", "direction": ">", "threshold": 0.0}], "placebo": None}
    >>> fig = effects_figure(claim)
    >>> [tr.name for tr in fig.data], fig.data[0].x[0]
    (['question'], 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

VERDICT_COLORS = {"holds": "#2e8b57", "fails": "#c2412d", "inconclusive": "#c98a1b"}
WORDS = {"en": {"question": "question", "placebo": "placebo", "effect": "effect"},
         "zh": {"question": "问题", "placebo": "安慰剂", "effect": "效应"}}


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _arm(crit: Mapping[str, Any]) -> tuple[float, float, float]:
    """``(effect, distance to the upper bound, to the lower bound)``; 0 when unbounded."""
    effect = crit.get("effect")
    effect = float(effect) if _finite(effect) else math.nan
    lo, hi = crit.get("ci", [math.nan, math.nan])
    up = hi - effect if _finite(hi) and _finite(effect) else 0.0
    down = effect - lo if _finite(lo) and _finite(effect) else 0.0
    return effect, up, down


def _trace(crits: Sequence[Mapping[str, Any]], i: int, name: str, symbol: str,
           show: bool) -> go.Scatter:
    crit = crits[i]
    effect, up, down = _arm(crit)
    return go.Scatter(
        x=[effect], y=[name], mode="markers", name=name, showlegend=show, legendgroup=name,
        marker={"size": 12, "symbol": symbol,
                "color": VERDICT_COLORS.get(crit.get("verdict", ""), "#4a4a4a")},
        error_x={"type": "data", "symmetric": False, "array": [up], "arrayminus": [down]},
        hovertemplate=f"{crit['name']}: %{{x:.4g}} ({crit.get('verdict', '')})<extra></extra>")


def effects_figure(claim: Mapping[str, Any], lang: str = "en") -> go.Figure:
    """One panel per criterion: the effect and its 95% interval, coloured by its verdict
    (green holds, red fails, amber inconclusive), the placebo's below it, and a dashed
    line at the threshold the effect is claimed to be above (``>``) or below (``<``).

    Args:
        claim: one entry of ``premia check --json``'s ``claims`` (or ``ClaimResult.to_json()``).
        lang: ``en`` or ``zh``.
    """
    words = WORDS.get(lang, WORDS["en"])
    crits = claim.get("criteria", [])
    placebo = (claim.get("placebo") or {}).get("criteria") or []
    titles = [f"{c['name']} ({c['direction']} {c['threshold']:g})" for c in crits]
    fig = make_subplots(rows=max(len(crits), 1), cols=1, subplot_titles=titles,
                        vertical_spacing=min(0.25, 0.5 / max(len(crits), 1)))
    for i, crit in enumerate(crits):
        fig.add_trace(_trace(crits, i, words["question"], "circle", i == 0), row=i + 1, col=1)
        if i < len(placebo):
            fig.add_trace(_trace(placebo, i, words["placebo"], "diamond-open", i == 0),
                          row=i + 1, col=1)
        fig.add_vline(x=crit["threshold"], line_dash="dash", line_color="#888",
                      row=i + 1, col=1)
    fig.update_xaxes(title_text=words["effect"], row=max(len(crits), 1), col=1)
    fig.update_layout(height=190 * max(len(crits), 1) + 80, margin={"l": 80, "r": 20, "t": 40},
                      title=claim.get("ref", ""))
    return fig

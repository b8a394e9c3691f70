"""Robustness over what is assumed: where in the box of assumptions each question holds.

For each question, the box spans the parameters that ``docs/calibration.md`` states as
assumptions and that its scenario files have (:mod:`premia.claims.assumptions`), or the
ranges you give. ``n`` points are drawn by Latin hypercube (``scipy.stats.qmc``, seeded);
at each point the question is run over the same ``seeds`` seeds (common random numbers,
shared by every point) and judged as by ``premia check``. The result is, per question, the
share of the box where it holds, fails or is inconclusive, and the parameters that most
move its verdict: the largest ``|rho|``, the Spearman rank correlation across points
between a parameter and the question's *margin*, ``min`` over criteria of
``±(effect - threshold) / half-width of the 95% interval`` (positive on the claimed side;
the question holds where the margin exceeds 1).

Each point's result is a file ``<store>/cells/<key>.json`` written atomically, so an
interrupted run resumes where it stopped; runs go to the local process pool or Dask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from premia.experiments.design import Range, sample
from premia.experiments.phase import CellCache, cell_key, run_cells, scenario_digest

if TYPE_CHECKING:
    from premia.questions.core import Question

VERDICTS = ("holds", "fails", "inconclusive")
DRIVERS = 3


def question_box(question: Question, ranges: Sequence[Range] | None = None) -> list[Range]:
    """The box of a question: the given ranges, or the assumptions its files have."""
    from premia.claims.assumptions import box
    from premia.loading import read_toml, validate_raw

    if ranges:
        return list(ranges)
    files = list(dict.fromkeys(v.source for v in question.variants.values()))
    return box([validate_raw(read_toml(f), str(f)).model_dump() for f in files])


def points(question: Question, ranges: Sequence[Range], n: int, seed: int = 0
           ) -> list[dict[str, Any]]:
    """``n`` Latin-hypercube points of the box; integer fields are rounded."""
    from premia.loading import integer_paths, read_toml

    pts = sample("lhs", n, list(ranges), seed=seed)
    ints = set()
    for v in question.variants.values():
        ints |= integer_paths(read_toml(v.source), [r.path for r in ranges])
    return [{k: (round(x) if k in ints else x) for k, x in p.items()} for p in pts]


def margin(criteria: Sequence[Mapping[str, Any]]) -> float:
    """How far a question is on the claimed side, in interval half-widths (min over criteria).

    Example:
        >>> margin([{"effect": 3.0, "ci": [2.0, 4.0], "direction": ">", "threshold": 0.0}])
        3.0
    """
    out = np.inf
    for c in criteria:
        lo, hi = c["ci"]
        half = (hi - lo) / 2
        if not np.isfinite(half) or half <= 0 or not np.isfinite(c["effect"]):
            return float("nan")
        sign = 1.0 if c["direction"] == ">" else -1.0
        out = min(out, sign * (c["effect"] - c["threshold"]) / half)
    return float(out)


def run_point(task: tuple[Question, int, dict[str, Any], int | None]) -> dict[str, Any]:
    """One point of the box: the question over its seeds (run in a worker)."""
    from premia.claims import run_claim

    question, seeds, point, periods = task
    res = run_claim(question, seeds=seeds, overrides=point, workers=1, periods=periods)
    return {"verdict": res.verdict, "margin": margin(res.criteria),
            "criteria": {c["name"]: {"effect": c["effect"], "verdict": c["verdict"]}
                         for c in res.criteria}}


def drivers(rows: Sequence[Mapping[str, Any]], paths: Sequence[str],
            top: int = DRIVERS) -> list[dict[str, Any]]:
    """The parameters with the largest ``|Spearman rho|`` against the margin."""
    from scipy.stats import spearmanr

    score = np.array([r["margin"] for r in rows], dtype=float)
    ok = np.isfinite(score)
    out = []
    for path in paths:
        x = np.array([r["point"][path] for r in rows], dtype=float)
        if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(score[ok]) == 0:
            continue
        rho = float(spearmanr(x[ok], score[ok]).statistic)
        if np.isfinite(rho):
            out.append({"path": path, "rho": rho})
    out.sort(key=lambda d: -abs(d["rho"]))
    return out[:top]


@dataclass
class QuestionRobustness:
    """One question over the box: shares of verdicts, drivers and every point."""

    id: str
    ref: str
    box: list[Range]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def shares(self) -> dict[str, float]:
        """Share of the points where the question holds, fails, is inconclusive."""
        n = max(len(self.rows), 1)
        return {v: sum(r["verdict"] == v for r in self.rows) / n for v in VERDICTS}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (the points are kept in the store)."""
        return {"id": self.id, "ref": self.ref, "points": len(self.rows),
                "shares": self.shares(),
                "drivers": drivers(self.rows, [r.path for r in self.box]),
                "box": [{"path": r.path, "low": r.low, "high": r.high} for r in self.box]}


def robustness(questions: Sequence[Question], n: int = 16, seeds: int = 3, *,
               ranges: Sequence[Range] | None = None, store: str | Path | None = None,
               workers: int = 1, executor: str = "local", periods: int | None = None,
               sample_seed: int = 0, progress: Callable[[int, int], None] | None = None,
               overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run questions over ``n`` Latin-hypercube points of their boxes of assumptions.

    Args:
        questions: the questions (:func:`premia.questions.select`).
        n: points per question.
        seeds: seeds per point (the same seeds at every point).
        ranges: a box of your own (``Range`` objects) instead of the documented assumptions.
        store: folder of the finished points (resumes if it exists).
        workers: points run in parallel; executor: ``local``, ``dask`` or ``serial``.
        periods: run length override (quick looks).
        sample_seed: seed of the Latin hypercube.
        progress: ``progress(done, total)`` after each point.
        overrides: fixed overrides (``--set``) under every point.

    Returns:
        ``{"n", "seeds", "sample_seed", "periods", "claims": [summary per question]}``.

    Example:
        >>> from premia.questions import select
        >>> doc = robustness(select(["C7"]), n=8, seeds=3, store="robust/")  # doctest: +SKIP
        >>> doc["claims"][0]["shares"]                                        # doctest: +SKIP
    """
    results = []
    tasks, owners = [], []
    for q in questions:
        box = question_box(q, ranges)
        qr = QuestionRobustness(q.id, q.ref, box)
        results.append(qr)
        for point in points(q, box, n, sample_seed):
            tasks.append((q, seeds, {**(overrides or {}), **point}, periods))
            owners.append(qr)
    digests = {id(q): scenario_digest(q) for q in questions}

    def key(task: tuple[Question, int, dict[str, Any], int | None]) -> str:
        q, s, point, p = task
        return cell_key([q.ref, s, point, p, digests[id(q)]])

    cache = CellCache(Path(store) / "cells" if store is not None else None)
    found = run_cells(tasks, run_point, key, cache, executor, workers, progress)
    for task, owner in zip(tasks, owners, strict=True):
        point = {p: v for p, v in task[2].items() if p in {r.path for r in owner.box}}
        owner.rows.append({"point": point, **found[key(task)]})
    return {"n": n, "seeds": seeds, "sample_seed": sample_seed, "periods": periods,
            "claims": [r.to_json() for r in results]}


def figure(doc: Mapping[str, Any], lang: str = "en") -> Any:
    """A plotly bar chart: per question, the share of the box where it holds, fails or is
    inconclusive (hover: the parameters that most move its verdict)."""
    import plotly.graph_objects as go

    from premia.report.texts import t

    claims = doc.get("claims", [])
    ids = [c["id"] for c in claims]
    colours = {"holds": "#1b7837", "fails": "#b2182b", "inconclusive": "#9a9a9a"}
    fig = go.Figure()
    for v in VERDICTS:
        hover = ["<br>".join(f"{d['path']}: ρ = {d['rho']:+.2f}" for d in c["drivers"])
                 for c in claims]
        fig.add_bar(y=ids, x=[c["shares"][v] for c in claims], name=t(lang, v),
                    orientation="h", marker_color=colours[v], customdata=hover,
                    hovertemplate="%{y}: %{x:.0%}<br>%{customdata}<extra></extra>")
    fig.update_layout(barmode="stack", template="plotly_white", height=80 + 40 * len(ids),
                      xaxis={"tickformat": ".0%", "range": [0, 1],
                             "title": t(lang, "robust_axis")},
                      yaxis={"autorange": "reversed"}, legend={"orientation": "h", "y": -0.3},
                      margin={"l": 60, "r": 20, "t": 30, "b": 60})
    return fig

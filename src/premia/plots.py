"""Figures of runs for notebooks and scripts (plotly), and their export to files.

Every function returns a :class:`plotly.graph_objects.Figure`, which Jupyter shows inline
and :func:`save` writes as a self-contained HTML page (no network), or as PNG, SVG or PDF
through Kaleido driving a local Chrome or Chromium (``pip install premia[notebook]`` and,
on Debian, ``apt-get install chromium``).

- :func:`timeseries`: one column of a table over time, a panel per entity (category,
  culture, region, creator), a line per run;
- :func:`run_charts`: the charts of the dashboard and the run report (prices and costs,
  markups, the culture, the craft region), with one line per run;
- :func:`sensitivity` and :func:`phase`: the figures of those analyses;
- :func:`question`: a checked question's effects with their intervals and its placebo's;
- :func:`save`: write any figure to ``.html``, ``.png``, ``.svg`` or ``.pdf``.

Example:
    >>> import premia
    >>> from premia import plots
    >>> res = premia.simulate(premia.load_scenario("minimal", {"scenario.periods": 12,
    ...                                                        "scenario.consumers": 100}))
    >>> fig = plots.timeseries(res, "mean_markup")
    >>> [a.text for a in fig.layout.annotations]
    ['goods', 'phones', 'embroidery']
    >>> res.plot("poverty_headcount", entities=["guizhou"]).data[0].name
    'run'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from premia.report.figures import Panel, panels_figure, run_panels
from premia.report.texts import t
from premia.results import TABLES, Results

ENTITY = {"categories": "category", "cultures": "culture", "regions": "region",
          "creators": "creator", "firms": "category", "public": "instrument"}
SEARCH_ORDER = ("categories", "regions", "cultures", "creators", "firms", "public")
IMAGE_FORMATS = ("png", "svg", "pdf", "jpeg", "webp")


class PlotError(ValueError):
    """A column or entity that the runs do not have, or a file type we cannot write."""


def _runs(runs: Results | Mapping[str, Results]) -> dict[str, Results]:
    if isinstance(runs, Results):
        return {"run": runs}
    if not runs:
        raise PlotError("give at least one run")
    return dict(runs)


def _table_of(res: Results, column: str, table: str | None) -> str:
    if table is not None:
        if table not in TABLES:
            raise PlotError(f"table {table!r}: use one of {', '.join(TABLES)}")
        if column not in res.tables[table].column_names:
            raise PlotError(f"table {table} has no column {column!r} "
                            f"(columns: {', '.join(res.tables[table].column_names)})")
        return table
    for name in SEARCH_ORDER:
        if column in res.tables[name].column_names and column not in ("period", ENTITY[name]):
            return name
    known = sorted({c for n in TABLES for c in res.tables[n].column_names})
    raise PlotError(f"no table has a column {column!r} (columns: {', '.join(known)})")


def timeseries(runs: Results | Mapping[str, Results], column: str, *,
               table: str | None = None, entities: Sequence[str] | None = None,
               agg: str = "mean", lang: str = "en", title: str = "") -> go.Figure:
    """A column over time: one panel per entity, one line per run.

    Args:
        runs: one run, or ``{label: Results}`` to overlay runs.
        column: a column of a results table, e.g. ``mean_markup``, ``poverty_headcount``,
            ``accepting_share`` or (from ``firms``) ``price``.
        table: the table (default: the first of categories, regions, cultures, creators,
            firms that has the column).
        entities: which categories, regions, cultures or creators to show (default: all
            of the first run).
        agg: how the rows of one entity and month are combined (``firms``: ``mean``,
            ``sum``, ``max``...).
        lang: ``en`` or ``zh`` for axis titles.
        title: the figure's title.
    """
    runs = _runs(runs)
    first = next(iter(runs.values()))
    name = _table_of(first, column, table)
    key = ENTITY[name]
    known = [str(v) for v in dict.fromkeys(first.tables[name].column(key).to_pylist())] \
        if key in first.tables[name].column_names else []
    chosen = list(entities) if entities is not None else known
    missing = [e for e in chosen if e not in known]
    if missing or not chosen:
        raise PlotError(f"no {key} {', '.join(missing) or '(none)'} in the {name} table "
                        f"(known: {', '.join(known) or 'none'})")
    panels = [Panel(e, name, (key, e), (column,), agg=agg, axis=t(lang, column))
              for e in chosen]
    labels = {label: label for label in runs}
    return panels_figure(runs, panels, lang, title=title, labels=labels)


def run_charts(runs: Results | Mapping[str, Results], lang: str = "en") -> dict[str, go.Figure]:
    """The dashboard's and run report's chart groups, one line per run.

    Returns:
        ``{"prices": ..., "markups": ..., "culture": ..., "regions": ...}`` (groups the
        scenario has nothing for are left out).
    """
    runs = _runs(runs)
    first = next(iter(runs.values()))
    labels = {label: label for label in runs}
    return {key.removeprefix("tab_"): panels_figure(runs, panels, lang, labels=labels)
            for key, panels in run_panels(first, lang).items() if panels}


def sensitivity(result: Any) -> go.Figure:
    """The bar chart of a :func:`premia.sensitivity` result, with 95% intervals."""
    return result.figure()


def phase(result: Any) -> go.Figure:
    """The heatmap of a :func:`premia.phase` result."""
    return result.figure()


def question(result: Any, lang: str = "en") -> go.Figure:
    """The effects of a checked question (a ``ClaimResult`` or its JSON), each with its 95%
    interval and its placebo's, against the claimed threshold."""
    from premia.questions.figure import effects_figure

    return effects_figure(result.to_json() if hasattr(result, "to_json") else result, lang)


def save(fig: go.Figure, path: str | Path, *, width: int = 1100, height: int = 420,
         scale: float = 2.0) -> Path:
    """Write a figure to ``.html`` (self-contained), ``.png``, ``.svg``, ``.pdf``...

    Images are drawn by Kaleido, which drives a local Chrome or Chromium (it downloads
    nothing). The file is written through a temporary name, then renamed.

    Raises:
        PlotError: an unknown suffix, or Kaleido or a browser missing (the message says
            what to install).
    """
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp{target.suffix}")
    try:
        if fmt == "html":
            fig.write_html(tmp, include_plotlyjs=True, full_html=True)
        elif fmt in IMAGE_FORMATS:
            _write_image(fig, tmp, fmt, width, height, scale)
        else:
            raise PlotError(f"{target}: write .html or one of "
                            f"{', '.join('.' + f for f in IMAGE_FORMATS)}")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _write_image(fig: go.Figure, path: Path, fmt: str, width: int, height: int,
                 scale: float) -> None:
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise PlotError("PNG/SVG/PDF export needs Kaleido: pip install 'premia[notebook]' "
                        "(and a Chrome or Chromium: apt-get install chromium)") from None
    try:
        fig.write_image(path, format=fmt, width=width, height=height, scale=scale)
    except (RuntimeError, ValueError, OSError) as exc:
        if "chrome" in str(exc).lower() or "browser" in str(exc).lower():
            raise PlotError(f"{path.name}: Kaleido found no Chrome or Chromium "
                            "(apt-get install chromium, or set BROWSER_PATH)") from None
        raise

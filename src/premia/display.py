"""Short text and HTML summaries of runs and stores (their ``repr`` and Jupyter display).

Example:
    >>> import premia
    >>> res = premia.simulate(premia.load_scenario("minimal", {"scenario.periods": 6,
    ...                                                        "scenario.consumers": 100}))
    >>> print(repr(res).splitlines()[0])
    Results: scenario minimal, seed 1, 6 periods (months 0-5)
"""

from __future__ import annotations

import html
from typing import Any

from premia.metrics import dead_categories, long_run_window

ENTITY = {"categories": "category", "cultures": "culture", "regions": "region",
          "creators": "creator", "firms": "category", "public": "instrument"}


def _entities(res: Any, name: str) -> list[str]:
    table = res.tables.get(name)
    column = ENTITY.get(name, "")
    if table is None or column not in table.column_names or not table.num_rows:
        return []
    return [str(v) for v in dict.fromkeys(table.column(column).to_pylist())]


def run_lines(res: Any) -> list[str]:
    """The lines of a run's summary: what was run, its tables, long run and dead markets."""
    sc = res.meta.get("scenario", {}).get("scenario", {})
    periods = int(sc.get("periods", 0))
    head = (f"Results: scenario {sc.get('name', '?')}, seed {res.meta.get('seed', '?')}, "
            f"{periods} periods (months 0-{max(periods - 1, 0)})")
    lines = [head]
    for name, table in res.tables.items():
        ids = _entities(res, name)
        shown = ", ".join(ids[:6]) + (", ..." if len(ids) > 6 else "")
        what = f"; {ENTITY[name]}: {shown}" if ids and name != "firms" else ""
        if name == "public" and table.num_rows:
            total = sum(table.column("spending").to_pylist())
            what += f"; {total:,.0f} yuan spent"
        lines.append(f"  .{name}: {table.num_rows:,} rows x {table.num_columns} columns{what}")
    if periods:
        start, end = long_run_window(0, periods - 1)
        lines.append(f"  long run = mean over months {start}-{end} (the second half)")
    if "categories" in res.tables and res.tables["categories"].num_rows:
        for d in dead_categories(res):
            lines.append(f"  warning: category {d.category} died in month {d.month}")
    return lines


def run_summary(res: Any) -> str:
    """A run's summary as text (its ``repr``)."""
    return "\n".join(run_lines(res))


def run_summary_html(res: Any) -> str:
    """A run's summary as a small HTML block (its Jupyter display)."""
    return _html_block(run_lines(res))


def store_lines(store: Any) -> list[str]:
    """The lines of a store's summary: its runs by status, parameters and seeds."""
    head = f"Store({str(store.path)!r})"
    if not store.exists():
        return [f"{head}: no runs yet"]
    runs = store.runs()
    if runs.empty:
        return [f"{head}: no runs yet"]
    counts = runs.status.value_counts().to_dict()
    status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    lines = [f"{head}: {len(runs)} runs ({status})"]
    from premia.experiments.store import CATALOG_COLUMNS

    for p in [c for c in runs.columns if c not in CATALOG_COLUMNS]:
        values = runs[p].dropna().unique()
        shown = ", ".join(map(str, sorted(values, key=str)[:5])) + (
            ", ..." if len(values) > 5 else "")
        lines.append(f"  {p}: {len(values)} values ({shown})")
    lines.append(f"  seeds: {runs.seed.nunique()} distinct; replicates per point: "
                 f"{int(runs.replicate.max()) + 1 if len(runs) else 0}")
    lines.append("  views: runs, firms, categories, cultures, regions, creators "
                 "(each with run_id, seed, replicate and the parameters)")
    return lines


def store_summary(store: Any) -> str:
    """A store's summary as text (its ``repr``)."""
    return "\n".join(store_lines(store))


def store_summary_html(store: Any) -> str:
    """A store's summary as a small HTML block (its Jupyter display)."""
    return _html_block(store_lines(store))


def _html_block(lines: list[str]) -> str:
    """The first line in bold over the others as a list."""
    head, *rest = lines
    items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in rest)
    return f"<div><b>{html.escape(head)}</b><ul>{items}</ul></div>"

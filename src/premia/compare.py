"""Runs side by side: what differs between their scenarios and their long-run values.

Used by ``premia compare``, ``premia report --run A --run B`` and notebooks. A scenario
is flattened to override paths (``category.phones.patent_length``, ``event.0.share``,
``firms.2.capacity``...), so a difference reads like the ``--set`` that would make it.

Example:
    >>> import premia
    >>> sc = premia.load_scenario("minimal", {"scenario.periods": 6, "scenario.consumers": 100})
    >>> a = premia.simulate(sc, seed=1)
    >>> b = premia.simulate(premia.load_scenario("minimal", {"scenario.periods": 6,
    ...     "scenario.consumers": 100, "event.0.share": 0.5}), seed=1)
    >>> differences({"A": a, "B": b}).to_dict("records")
    [{'path': 'event.0.share', 'A': 1.0, 'B': 0.5}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from premia.metrics import SUMMARY_COLUMNS, summary_table
from premia.results import Results

KEYED = ("region", "culture", "category", "creator")
INDEXED = ("firms", "event")
IGNORED = {"scenario.title"}


def flatten(scenario: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario mapping (``Results.meta["scenario"]``) as ``{override path: value}``.

    Example:
        >>> flatten({"scenario": {"name": "x"}, "category": [{"id": "a", "kind": "culture"}],
        ...          "event": [{"kind": "media", "at": 3}]})
        {'scenario.name': 'x', 'category.a.kind': 'culture', 'event.0.kind': 'media', \
'event.0.at': 3}
    """
    out: dict[str, Any] = {}
    for section, body in scenario.items():
        if isinstance(body, Mapping):
            out.update({f"{section}.{k}": v for k, v in body.items()})
        elif section in KEYED:
            for item in body:
                ident = item.get("id")
                out.update({f"{section}.{ident}.{k}": v for k, v in item.items() if k != "id"})
        elif section in INDEXED:
            for i, item in enumerate(body):
                out.update({f"{section}.{i}.{k}": v for k, v in item.items()})
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return a == b


def differences(runs: Mapping[str, Results], include_seed: bool = True) -> pd.DataFrame:
    """The scenario fields (and the seed) that are not the same in every run.

    Args:
        runs: ``{label: Results}``.
        include_seed: add a ``seed`` row when the seeds differ.

    Returns:
        One row per differing path: ``path`` then one column per run (``None`` where the
        run's scenario has no such field, e.g. a category that only one run has).
    """
    flat = {label: flatten(res.meta.get("scenario", {})) for label, res in runs.items()}
    if include_seed:
        for label, res in runs.items():
            flat[label]["seed"] = res.meta.get("seed")
    paths: list[str] = []
    for values in flat.values():
        paths += [p for p in values if p not in paths and p not in IGNORED]
    rows = []
    for path in paths:
        values = [flat[label].get(path) for label in runs]
        if not all(_same(values[0], v) for v in values[1:]):
            rows.append({"path": path, **dict(zip(runs, values, strict=True))})
    return pd.DataFrame(rows, columns=["path", *runs])


def side_by_side(runs: Mapping[str, Results],
                 tables: Iterable[str] = ("categories", "cultures", "regions")) -> pd.DataFrame:
    """Long-run values of every run, one row per table, entity and measure.

    Columns: ``table``, ``entity``, ``measure``, then one column per run label (NaN where
    a run does not have the entity). ``died`` rows show the month a category died;
    ``public`` rows the yuan each account spent on each instrument over the whole run.
    """
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for label, res in runs.items():
        for table in tables:
            frame = summary_table(res, table)
            key = frame.columns[0]
            measures = [*SUMMARY_COLUMNS[table], *(["died"] if table == "categories" else [])]
            for _, row in frame.iterrows():
                for measure in measures:
                    if measure not in frame.columns:
                        continue
                    value = row[measure]
                    cell = rows.setdefault((table, str(row[key]), measure), {})
                    cell[label] = None if value is pd.NA else value
    for label, res in runs.items():
        for (account, instrument), total in public_spending(res).items():
            rows.setdefault(("public", f"{account}/{instrument}", "spending"), {})[label] = total
    records = [{"table": t, "entity": e, "measure": m, **cells}
               for (t, e, m), cells in rows.items()]
    frame = pd.DataFrame(records, columns=["table", "entity", "measure", *runs])
    died = frame.measure == "died"
    if died.any():
        keep = frame[died][list(runs)].notna().any(axis=1)
        frame = frame.drop(frame[died].index[~keep.to_numpy()])
    return frame.reset_index(drop=True)


def public_spending(res: Results) -> dict[tuple[str, str], float]:
    """Yuan spent over the whole run, by ``(account, instrument)`` (empty if none)."""
    table = res.tables.get("public")
    if table is None or not table.num_rows:
        return {}
    frame = table.to_pandas()
    totals = frame.groupby(["account", "instrument"], sort=True).spending.sum()
    return {(str(a), str(i)): float(v) for (a, i), v in totals.items()}


def against_shipped(res: Results) -> tuple[str | None, pd.DataFrame]:
    """The shipped scenario of the same name as the run's, and how the run differs from it.

    Returns:
        ``(name, differences)``; ``(None, empty)`` when no shipped scenario has that name
        or it cannot be read.
    """
    from premia.catalog import shipped
    from premia.loading import ScenarioError, load_scenario

    name = res.meta.get("scenario", {}).get("scenario", {}).get("name")
    path = shipped().get(str(name))
    if path is None:
        return None, pd.DataFrame(columns=["path", "shipped", "run"])
    try:
        ref = load_scenario(path).model_dump(mode="json")
    except ScenarioError:
        return None, pd.DataFrame(columns=["path", "shipped", "run"])
    base = Results(tables={}, meta={"scenario": ref})
    diff = differences({"shipped": base, "run": res}, include_seed=False)
    return str(name), diff


def events_table(res: Results) -> pd.DataFrame:
    """The run's interventions: index, kind, month, whether on, and their other fields."""
    rows = []
    for i, event in enumerate(res.meta.get("scenario", {}).get("event", [])):
        rest = {k: v for k, v in event.items() if k not in ("kind", "at", "enabled")
                and v is not None}
        rows.append({"event": i, "kind": event.get("kind"), "at": event.get("at"),
                     "enabled": bool(event.get("enabled", True)),
                     "fields": ", ".join(f"{k}={v}" for k, v in rest.items())})
    return pd.DataFrame(rows, columns=["event", "kind", "at", "enabled", "fields"])

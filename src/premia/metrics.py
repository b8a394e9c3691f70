"""Named metrics of a run: one number from a run's :class:`~premia.results.Results`.

A metric is named ``NAME:ARG`` where ARG is the id of a category, culture, region or
creator, e.g. ``markup:phones`` or ``poverty:guizhou``. Unless its description says
otherwise a metric is a **long-run** value: the mean over the **second half of the
periods** (at least one period), so that start-up transients do not count and boom-bust
cycles of entry and exit are averaged over. This is the one meaning of "long run" in
premia: the claims, ``premia run``, the reports, the dashboard and ``premia compare``
all use :func:`long_run` and state it with :func:`long_run_text`.

Example:
    >>> import premia
    >>> res = premia.simulate(premia.load_scenario("scenarios/minimal.toml",
    ...                       {"scenario.periods": 8, "scenario.consumers": 200}), seed=1)
    >>> evaluate("markup:embroidery", res) > 0
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from premia.results import Results


class MetricError(ValueError):
    """An unknown metric or an argument the run does not have (one line)."""


@dataclass(frozen=True)
class Metric:
    """A named function of a run's tables.

    Attributes:
        name: e.g. ``markup``; used as ``markup:<category>``.
        entity: what ARG names: ``category``, ``culture``, ``region`` or ``creator``.
        description: one line, shown by ``premia metrics``.
        compute: ``compute(results, arg) -> float``.
    """

    name: str
    entity: str
    description: str
    compute: Callable[[Results, str], float]


TABLE_OF = {"category": "categories", "culture": "cultures", "region": "regions",
            "creator": "creators"}


LONG_RUN_SHARE = 0.5
"""The share of a run's periods that counts as its long run: the second half."""


def long_run_window(first: int, last: int, share: float = LONG_RUN_SHARE) -> tuple[int, int]:
    """The first and last period of the long run of a run over periods ``first..last``.

    The long run is the last ``share`` of the periods (at least the last period).

    Example:
        >>> long_run_window(0, 119)
        (60, 119)
    """
    span = max(1, int((last - first + 1) * share))
    return last - span + 1, last


def long_run(frame: pd.DataFrame, share: float = LONG_RUN_SHARE) -> pd.DataFrame:
    """The rows of the last ``share`` of the periods (at least the last period)."""
    if frame.empty:
        return frame
    start, _ = long_run_window(int(frame.period.min()), int(frame.period.max()), share)
    return frame[frame.period >= start]


def long_run_text(frame: pd.DataFrame, lang: str = "en") -> str:
    """What "long run" means for the run whose rows are ``frame``, in words.

    Example:
        >>> long_run_text(pd.DataFrame({"period": range(120)}))
        'long run = mean over the second half of the run (months 60-119)'
    """
    if frame.empty:
        return ""
    start, end = long_run_window(int(frame.period.min()), int(frame.period.max()))
    if lang == "zh":
        return f"长期 = 运行后半段（第 {start}–{end} 月）的平均值"
    return f"long run = mean over the second half of the run (months {start}-{end})"


@dataclass(frozen=True)
class Death:
    """A category whose firms have all exited by the end of a run.

    Attributes:
        category: the category's id.
        month: the first period from which it has no firm left (to the end of the run).
    """

    category: str
    month: int


def dead_categories(res: Results | pd.DataFrame) -> list[Death]:
    """The categories with no firm in the last period, and the month each died.

    A category that had firms, lost them all and got entrants back is not dead. One that
    never had a firm "died" in the first period.

    Args:
        res: a run's results, or its ``categories`` table.

    Example:
        >>> frame = pd.DataFrame({"period": [0, 1, 2, 0, 1, 2], "category": list("aaabbb"),
        ...                       "firms_alive": [3, 0, 0, 2, 2, 1]})
        >>> dead_categories(frame)
        [Death(category='a', month=1)]
    """
    cat = res if isinstance(res, pd.DataFrame) else res.categories
    out = []
    for cid, rows in cat.sort_values("period", kind="stable").groupby("category", sort=False):
        alive = rows.firms_alive.to_numpy() > 0
        if alive[-1]:
            continue
        living = np.flatnonzero(alive)
        month = (int(rows.period.iloc[living[-1] + 1]) if living.size
                 else int(rows.period.iloc[0]))
        out.append(Death(str(cid), month))
    return out


def death_warning(death: Death, lang: str = "en") -> str:
    """One line that says a category died and when."""
    if lang == "zh":
        return f"门类 {death.category} 的企业已全部退出：自第 {death.month} 月起没有企业"
    return f"category {death.category} died: no firm left from month {death.month} on"


def _rows(res: Results, entity: str, arg: str) -> pd.DataFrame:
    frame = res.frame(TABLE_OF[entity])
    if entity not in frame.columns or arg not in set(frame[entity]):
        known = ", ".join(sorted(map(str, frame[entity].unique()))) if entity in frame else ""
        raise MetricError(f"no {entity} {arg!r} in this run (known: {known or 'none'})")
    return long_run(frame[frame[entity] == arg])


def _mean(entity: str, column: str) -> Callable[[Results, str], float]:
    def compute(res: Results, arg: str) -> float:
        return float(_rows(res, entity, arg)[column].mean())

    return compute


def _price_cost(res: Results, arg: str) -> float:
    rows = _rows(res, "category", arg)
    ratio = rows.price_index / rows.cost_index.where(rows.cost_index > 0)
    return float(ratio.mean())


def _last(entity: str, column: str) -> Callable[[Results, str], float]:
    def compute(res: Results, arg: str) -> float:
        return float(_rows(res, entity, arg)[column].iloc[-1])

    return compute


def _markup_cv(res: Results, arg: str) -> float:
    rows = _rows(res, "category", arg).mean_markup
    mean = float(rows.mean())
    return float(rows.std(ddof=0) / abs(mean)) if mean else float("nan")


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("markup", "category", "long-run mean markup p/c - 1 (sales-weighted)",
           _mean("category", "mean_markup")),
    Metric("markup_cv", "category", "coefficient of variation of the markup over the long run",
           _markup_cv),
    Metric("gross_margin", "category", "long-run gross margin (p - c)/p",
           _mean("category", "gross_margin")),
    Metric("net_margin", "category",
           "long-run net margin profit/revenue (after defects, transport, fixed costs, R&D)",
           _mean("category", "net_margin")),
    Metric("price_cost", "category", "long-run price index / unit production cost index",
           _price_cost),
    Metric("overcapacity", "category", "long-run capacity / demand", _mean("category",
                                                                           "overcapacity")),
    Metric("firms", "category", "firms in the market in the last period",
           _last("category", "firms_alive")),
    Metric("profit", "category", "long-run total profit per month", _mean("category", "profit")),
    Metric("surplus", "category", "long-run consumer surplus per month",
           _mean("category", "consumer_surplus")),
    Metric("accepting", "culture", "long-run accepting share (affinity >= threshold)",
           _mean("culture", "accepting_share")),
    Metric("affinity", "culture", "long-run mean affinity", _mean("culture", "mean_affinity")),
    Metric("aware", "culture", "long-run aware share", _mean("culture", "aware_share")),
    Metric("poverty", "region", "long-run poverty headcount (share of households below the line)",
           _mean("region", "poverty_headcount")),
    Metric("income", "region", "long-run mean household income", _mean("region", "mean_income")),
    Metric("gini", "region", "long-run Gini of household income", _mean("region", "gini")),
    Metric("artisan_jobs", "region", "long-run artisan employment",
           _mean("region", "artisan_jobs")),
    Metric("value_added", "region", "long-run value added per worker",
           _mean("region", "value_added_per_worker")),
    Metric("coop_sales", "creator", "long-run monthly sales of the creator's cooperative",
           _mean("creator", "coop_sales")),
    Metric("followers", "creator", "long-run followers of the creator",
           _mean("creator", "followers")),
)}


_REGISTERED: dict[str, Metric] = {}


def register(metric: Metric, replace: bool = False) -> Metric:
    """Add a metric of your own; sweeps, sensitivity and questions can then use it.

    Register before loading a scenario whose ``[[question]]`` uses it. Process pools start
    fresh interpreters: define ``compute`` at the top level of an importable module (Dask
    also ships functions defined in a notebook).

    Example:
        >>> def exits(res, category):
        ...     cat = res.categories
        ...     return float((cat[cat.category == category].firms_alive.diff() < 0).sum())
        >>> m = Metric("exit_months", "category", "months with exits", exits)
        >>> register(m).name                       # doctest: +SKIP
        'exit_months'
    """
    if not metric.name.isidentifier():
        raise MetricError(f"metric name {metric.name!r}: use letters, digits and _")
    if not replace and metric.name in registry():
        raise MetricError(f"metric {metric.name!r} exists; pass replace=True to replace it")
    _REGISTERED[metric.name] = metric
    return metric


def registry() -> dict[str, Metric]:
    """Every named metric: the built-in ones, the claims' measures and registered ones."""
    from premia.claims.measures import MEASURES

    return {**METRICS, **MEASURES, **_REGISTERED}


def entity_parts(entity: str) -> list[str]:
    """What a metric's ARG names, part by part (``"category/region"`` -> two parts)."""
    return entity.split("/")


def parse(spec: str) -> tuple[Metric, str]:
    """``"NAME:ARG"`` -> (metric, arg).

    Raises:
        MetricError: unknown name or missing argument.
    """
    name, sep, arg = spec.partition(":")
    known = registry()
    metric = known.get(name.strip())
    if metric is None:
        raise MetricError(f"--metric {spec!r}: unknown metric {name!r} "
                          f"(known: {', '.join(known)}; see premia metrics)")
    if not sep or not arg.strip():
        raise MetricError(f"--metric {spec!r}: give the {metric.entity}, e.g. {name}:<id>")
    return metric, arg.strip()


def check(spec: str, ids: dict[str, list[str]]) -> None:
    """Check ``spec`` against a scenario's ids (``{"category": [...], ...}``)."""
    metric, arg = parse(spec)
    for entity, part in zip(entity_parts(metric.entity), arg.split("/"), strict=False):
        known = ids.get(entity, [])
        if part not in known:
            raise MetricError(f"--metric {spec!r}: no {entity} {part!r} in the scenario "
                              f"(known: {', '.join(known) or 'none'})")


def evaluate(spec: str, res: Results) -> float:
    """The value of metric ``spec`` (``NAME:ARG``) on a run.

    Example:
        >>> evaluate("poverty:guizhou", res)     # doctest: +SKIP
        0.79
    """
    metric, arg = parse(spec)
    value = metric.compute(res, arg)
    return float(value) if np.isfinite(value) else float("nan")


SUMMARY_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "categories": {"price_cost": ("price_index", "ratio"), "markup": ("mean_markup", "mean"),
                   "net_margin": ("net_margin", "mean"), "firms": ("firms_alive", "last"),
                   "overcapacity": ("overcapacity", "mean")},
    "cultures": {"affinity": ("mean_affinity", "mean"), "accepting": ("accepting_share", "mean"),
                 "aware": ("aware_share", "mean")},
    "regions": {"income": ("mean_income", "mean"), "poverty": ("poverty_headcount", "mean"),
                "gini": ("gini", "mean"), "artisan_jobs": ("artisan_jobs", "mean"),
                "workshops": ("workshops_active", "last")},
}
"""The long-run summary's columns per table: ``{name: (source column, how)}``."""

ENTITY_OF = {"categories": "category", "cultures": "culture", "regions": "region"}


def _summary_value(rows: pd.DataFrame, column: str, how: str) -> float:
    if how == "last":
        return float(rows[column].iloc[-1])
    if how == "ratio":  # price / production cost, over the months that had sales
        cost = rows.cost_index.where(rows.cost_index > 0)
        return float((rows.price_index / cost).mean())
    return float(rows[column].mean())


def summary_table(res: Results, table: str) -> pd.DataFrame:
    """Long-run values of one table of a run, one row per entity.

    The long run is :func:`long_run`; ``firms`` and ``workshops`` are the last period's.
    A category's price/cost ratio and markup are means over the long-run months in which
    it still had firms (NaN if none); ``died`` is the month its last firm exited, if it
    has none at the end (see :func:`dead_categories`).

    Args:
        res: a run's results.
        table: ``categories``, ``cultures`` or ``regions``.
    """
    frame = res.frame(table)
    entity = ENTITY_OF[table]
    spec = {k: v for k, v in SUMMARY_COLUMNS[table].items() if v[0] in frame.columns}
    columns = [entity, *spec, *(["died"] if table == "categories" else [])]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    tail = long_run(frame)
    deaths = {d.category: d.month for d in dead_categories(frame)} if table == "categories" \
        else {}
    rows = []
    for ident, g in tail.groupby(entity, sort=False):
        trading = g[g.firms_alive > 0] if table == "categories" else g
        values = {name: _summary_value(g if how == "last" else trading, col, how)
                  if len(trading) or how == "last" else float("nan")
                  for name, (col, how) in spec.items()}
        if table == "categories":
            values["died"] = deaths.get(str(ident))
        rows.append({entity: str(ident), **values})
    out = pd.DataFrame(rows, columns=columns)
    if table == "categories":
        out["died"] = out["died"].astype("Int64")
    return out


DEATHS_SQL = """
SELECT category, count(*) AS runs, min(died) AS first_month, max(died) AS last_month
FROM (SELECT run_id, category, arg_max(firms_alive, period) AS final,
             coalesce(max(period) FILTER (WHERE firms_alive > 0) + 1, min(period)) AS died
      FROM categories GROUP BY run_id, category)
WHERE final = 0 GROUP BY category ORDER BY category
"""


def store_deaths(store: Any, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Dead categories over the finished runs of a store (or of ``run_ids`` in it).

    Returns:
        One row per category that died in at least one run: ``category``, ``runs`` (how
        many runs it died in), ``first_month`` and ``last_month`` (the earliest and latest
        month it died), plus ``of`` (the finished runs looked at).
    """
    runs = store.runs()
    done = set(runs.run_id[runs.status == "done"]) if len(runs) else set()
    if run_ids is not None:
        done &= set(run_ids)
    columns = ["category", "runs", "first_month", "last_month", "of"]
    if not done:
        return pd.DataFrame(columns=columns)
    sql = DEATHS_SQL
    if run_ids is not None:
        listing = ", ".join(f"'{r}'" for r in sorted(done) if r.isalnum())
        sql = sql.replace("FROM categories", f"FROM categories WHERE run_id IN ({listing})")
    out = store.query(sql)
    out["of"] = len(done)
    return out[columns]


def store_death_warnings(store: Any, run_ids: Iterable[str] | None = None) -> list[str]:
    """One line per category that died in some runs of a store: in how many and when."""
    lines = []
    for row in store_deaths(store, run_ids).itertuples():
        when = (f"month {row.first_month}" if row.first_month == row.last_month
                else f"months {row.first_month}-{row.last_month}")
        lines.append(f"category {row.category} died in {row.runs} of {row.of} runs ({when})")
    return lines

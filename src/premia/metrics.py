"""Named metrics of a run: one number from a run's :class:`~premia.results.Results`.

A metric is named ``NAME:ARG`` where ARG is the id of a category, culture, region or
creator, e.g. ``markup:phones`` or ``poverty:guizhou``. Unless its description says
otherwise a metric is a **long-run** value: the mean over the **second half of the
periods** (at least one period), so that start-up transients do not count and boom-bust
cycles of entry and exit are averaged over. The claims use the same definition.

Example:
    >>> import premia
    >>> res = premia.simulate(premia.load_scenario("scenarios/minimal.toml",
    ...                       {"scenario.periods": 8, "scenario.consumers": 200}), seed=1)
    >>> evaluate("markup:embroidery", res) > 0
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


def long_run(frame: pd.DataFrame, share: float = 0.5) -> pd.DataFrame:
    """The rows of the last ``share`` of the periods (at least the last period)."""
    if frame.empty:
        return frame
    last = int(frame.period.max())
    first = int(frame.period.min())
    span = max(1, int((last - first + 1) * share))
    return frame[frame.period > last - span]


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

"""The model's statistics: the data moments' definitions computed on a run.

A statistic is named ``NAME:SELECTOR``. NAME is one of :data:`STATISTICS`; SELECTOR picks
the entities it is computed for and averaged over: an id (``gross_margin:phones``),
``kind=KIND`` for categories of one kind (``gross_margin:kind=technology``) or ``*`` for
every entity of that type. Margins, learning rates and diffusion use the yearly series of
:mod:`premia.calibration.series` and the estimators of :mod:`premia.calibration.moments`,
exactly as on a user's data; the margin moments use the long run (the second half of the
years, as :mod:`premia.metrics` does) and the learning rate the whole run.

Example:
    >>> import premia
    >>> res = premia.simulate(premia.load_scenario("scenarios/minimal.toml",
    ...     {"scenario.periods": 36, "scenario.consumers": 200}), seed=1)
    >>> 0 < value(res, "gross_margin:kind=culture") < 1
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from premia.calibration import moments as est
from premia.calibration.series import adoption_series, category_series, series_moments
from premia.metrics import long_run
from premia.results import Results

Compute = Callable[["RunView", str, int, str], est.Estimate]


class RunView:
    """A run's tables as pandas and its yearly series' moments, each built once.

    Args:
        res: the run.
    """

    def __init__(self, res: Results) -> None:
        self.meta = res.meta
        self._res = res
        self._frames: dict[str, pd.DataFrame] = {}
        self._moments: dict[tuple[str, int, str], dict[str, est.Estimate]] = {}

    def frame(self, name: str) -> pd.DataFrame:
        """A table as a DataFrame."""
        if name not in self._frames:
            self._frames[name] = self._res.frame(name)
        return self._frames[name]

    def series_moments(self, cid: str, months: int, se: str) -> dict[str, est.Estimate]:
        """The moments of a category's yearly series (margins over the long run)."""
        key = (cid, months, se)
        if key not in self._moments:
            series = category_series(self.frame("categories"), cid, months)
            self._moments[key] = series_moments(series, se, window="long_run")
        return self._moments[key]


def view(res: Results | RunView) -> RunView:
    """``res`` as a :class:`RunView` (unchanged if it is one)."""
    return res if isinstance(res, RunView) else RunView(res)


class StatisticError(ValueError):
    """An unknown statistic or a selector that matches nothing (one line)."""


@dataclass(frozen=True)
class Statistic:
    """A named statistic of one entity of a run.

    Attributes:
        name: e.g. ``gross_margin``.
        entity: ``category``, ``culture`` or ``region``.
        unit: the unit of its value.
        description: one line.
        compute: ``compute(results, entity_id, months_per_year, se) -> Estimate``.
    """

    name: str
    entity: str
    unit: str
    description: str
    compute: Compute


def _from_series(name: str) -> Compute:
    def compute(res: RunView, cid: str, months: int, se: str) -> est.Estimate:
        return res.series_moments(cid, months, se).get(name, est.missing())

    return compute


def _mean_of(table: str, key: str, column: str) -> Compute:
    def compute(res: RunView, entity: str, months: int, se: str) -> est.Estimate:
        rows = long_run(res.frame(table).query(f"{key} == @entity"))
        return est.level(rows[column].to_numpy(float), se)

    return compute


def _price_cost(res: RunView, cid: str, months: int, se: str) -> est.Estimate:
    rows = long_run(res.frame("categories").query("category == @cid"))
    ratio = rows.price_index / rows.cost_index.where(rows.cost_index > 0)
    return est.level(ratio.to_numpy(float), se)


def _category_params(res: RunView, cid: str) -> dict:
    for c in res.meta.get("scenario", {}).get("category", []):
        if c.get("id") == cid:
            return c
    raise StatisticError(f"no category {cid!r} in the run's scenario")


def _elasticity(res: RunView, cid: str, months: int, se: str) -> est.Estimate:
    """Own-price elasticity of the mean consumer: ``γ_c · p · (1 − s)``, ``s`` the mean
    firm's share of the category's shoppers (logit demand)."""
    cat = _category_params(res, cid)
    population = float(res.meta["scenario"]["scenario"]["population"])
    rows = long_run(res.frame("categories").query("category == @cid"))
    shoppers = float(cat.get("purchase_rate", 0.1)) * population
    firms = rows.firms_alive.to_numpy(float)
    share = np.where(firms > 0, rows.demand.to_numpy(float) / np.maximum(firms, 1) / shoppers,
                     np.nan)
    eps = float(cat.get("price_weight", 0.0)) * rows.price_index.to_numpy(float) * (1 - share)
    return est.level(eps, se)


def _handmade_premium(res: RunView, cid: str, months: int, se: str) -> est.Estimate:
    """Sales-weighted price of handmade goods (modern share < 0.5) over machine-made ones,
    minus one, per period of the long run."""
    firms = long_run(res.frame("firms").query("category == @cid"))
    if firms.empty:
        return est.missing()
    firms = firms.assign(hand=firms.modern_share < 0.5, ps=firms.price * firms.sales)
    g = firms.groupby(["period", "hand"])[["ps", "sales"]].sum()
    price = (g.ps / g.sales.where(g.sales > 0)).unstack("hand")
    if True not in price or False not in price:
        return est.missing(0, "needs both handmade and machine-made goods")
    return est.level((price[True] / price[False] - 1.0).to_numpy(float), se)


def _bass(which: int) -> Compute:
    def compute(res: RunView, kid: str, months: int, se: str) -> est.Estimate:
        series = adoption_series(res.frame("cultures"), "culture", kid, "aware_share", months)
        return est.bass(series["adopters"].to_numpy(float))[which]

    return compute


STATISTICS: dict[str, Statistic] = {s.name: s for s in (
    Statistic("learning_rate", "category", "share",
              "Wright's learning rate 1 - 2^b from log price on log cumulative sales",
              _from_series("learning_rate")),
    Statistic("gross_margin", "category", "share", "gross margin (revenue - cost)/revenue",
              _from_series("gross_margin")),
    Statistic("net_margin", "category", "share", "net margin profit/revenue",
              _from_series("net_margin")),
    Statistic("margin_volatility", "category", "share", "sd of the yearly gross margin",
              _from_series("margin_volatility")),
    Statistic("margin_autocorrelation", "category", "1",
              "first-order autocorrelation of the yearly gross margin",
              _from_series("margin_autocorrelation")),
    Statistic("margin_trend", "category", "share/year", "trend of the yearly gross margin",
              _from_series("margin_trend")),
    Statistic("utilization", "category", "share", "sales / capacity",
              _mean_of("categories", "category", "utilization")),
    Statistic("markup", "category", "share", "sales-weighted markup p/c - 1",
              _mean_of("categories", "category", "mean_markup")),
    Statistic("price_cost", "category", "ratio", "price index / unit cost index", _price_cost),
    Statistic("elasticity", "category", "1",
              "own-price elasticity of the mean consumer, gamma p (1 - s)", _elasticity),
    Statistic("handmade_premium", "category", "share",
              "price of handmade over machine-made goods, minus one", _handmade_premium),
    Statistic("bass_p", "culture", "1/year", "Bass external influence of awareness",
              _bass(0)),
    Statistic("bass_q", "culture", "1/year", "Bass internal influence of awareness",
              _bass(1)),
    Statistic("accepting", "culture", "share", "share of consumers who accept the culture",
              _mean_of("cultures", "culture", "accepting_share")),
    Statistic("income", "region", "yuan/month", "mean household income",
              _mean_of("regions", "region", "mean_income")),
    Statistic("poverty", "region", "share", "poverty headcount",
              _mean_of("regions", "region", "poverty_headcount")),
)}

TABLE_KEY = {"category": ("categories", "category"), "culture": ("cultures", "culture"),
             "region": ("regions", "region")}


def parse(spec: str) -> tuple[Statistic, str]:
    """``"NAME:SELECTOR"`` -> (statistic, selector).

    Raises:
        StatisticError: unknown name or missing selector.
    """
    name, sep, selector = spec.partition(":")
    stat = STATISTICS.get(name.strip())
    if stat is None:
        raise StatisticError(f"statistic {spec!r}: unknown {name.strip()!r} "
                             f"(known: {', '.join(STATISTICS)})")
    if not sep or not selector.strip():
        raise StatisticError(f"statistic {spec!r}: give a selector, e.g. {name}:<id>, "
                             f"{name}:kind=<kind> or {name}:*")
    return stat, selector.strip()


def entities(scenario: dict, stat: Statistic, selector: str) -> list[str]:
    """The ids a selector picks in a scenario mapping (``Scenario.model_dump()``).

    Raises:
        StatisticError: the selector matches no entity.
    """
    items = scenario.get(stat.entity, [])
    if selector == "*":
        out = [i["id"] for i in items]
    elif selector.startswith("kind="):
        if stat.entity != "category":
            raise StatisticError(f"{stat.name}:{selector}: kind= selects categories only")
        out = [i["id"] for i in items if i.get("kind") == selector[5:]]
    else:
        out = [i["id"] for i in items if i.get("id") == selector]
    if not out:
        known = ", ".join(i["id"] for i in items) or "none"
        raise StatisticError(f"{stat.name}:{selector}: matches no {stat.entity} "
                             f"(known: {known})")
    return out


def value(res: Results | RunView, spec: str, months: int = 12, se: str = "hac") -> float:
    """A statistic's value on a run: the mean over the selected entities (NaN if none has
    a value)."""
    res = view(res)
    stat, selector = parse(spec)
    ids = entities(res.meta["scenario"], stat, selector)
    values = [stat.compute(res, i, months, se).value for i in ids]
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def values(res: Results | RunView, specs: Sequence[str], months: int = 12) -> np.ndarray:
    """Several statistics of one run, as an array in the order of ``specs``."""
    run = view(res)
    return np.array([value(run, s, months) for s in specs], dtype=float)


def run_table(res: Results | RunView, months: int = 12, se: str = "hac") -> pd.DataFrame:
    """Every statistic of every entity of a run: one row each, with se and interval."""
    rows = []
    res = view(res)
    sc = res.meta["scenario"]
    for stat in STATISTICS.values():
        for item in sc.get(stat.entity, []):
            e = stat.compute(res, item["id"], months, se)
            rows.append({"entity": stat.entity, "id": item["id"],
                         "kind": item.get("kind", ""), "statistic": stat.name,
                         **e.to_dict(), "unit": stat.unit})
    return pd.DataFrame(rows)

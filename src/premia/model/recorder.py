"""Collects one row per entity and period into column lists, then Arrow tables."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa

from premia.model.regions import RegionIncomes
from premia.model.state import State
from premia.scenario import Scenario

_F = pa.float64()
EMPTY_SCHEMAS = {
    "cultures": pa.schema([("period", pa.int64()), ("culture", pa.string()),
                           ("mean_affinity", _F), ("accepting_share", _F), ("aware_share", _F),
                           ("media_reach", _F), ("capital", _F)]),
    "creators": pa.schema([("period", pa.int64()), ("creator", pa.string()),
                           ("active", pa.bool_()), ("followers", _F), ("coop_sales", _F),
                           ("income", _F)]),
    "firms": pa.schema([("period", pa.int64()), ("firm", pa.int64())]),
    "categories": pa.schema([("period", pa.int64()), ("category", pa.string())]),
    "regions": pa.schema([("period", pa.int64()), ("region", pa.string())]),
}


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    total = weights.sum()
    if total > 0:
        return float(np.dot(values, weights) / total)
    return float(values.mean()) if values.size else 0.0


class Recorder:
    """Accumulates the ``firms``, ``categories``, ``cultures``, ``regions`` and ``creators``
    tables period by period."""

    def __init__(self, sc: Scenario) -> None:
        self.category_ids = np.array([c.id for c in sc.category])
        self.kinds = np.array([c.kind for c in sc.category])
        self.region_ids = np.array([r.id for r in sc.region])
        self.culture_ids = np.array([k.id for k in sc.culture])
        self.creator_ids = np.array([z.id for z in sc.creator])
        self.thresholds = np.array([k.threshold for k in sc.culture])
        self.columns: dict[str, defaultdict[str, list[np.ndarray]]] = {
            name: defaultdict(list)
            for name in ("firms", "categories", "cultures", "regions", "creators")
        }

    def _add(self, table: str, **cols: np.ndarray) -> None:
        for name, values in cols.items():
            self.columns[table][name].append(np.asarray(values))

    def record(self, st: State, traded: np.ndarray, incomes: RegionIncomes, culture) -> None:
        """Record period ``st.period``; ``traded`` marks the firms that were in the market."""
        self._firms(st, traded)
        self._categories(st, traded)
        self._cultures(st, culture)
        n_r = self.region_ids.size
        self._add("regions", period=np.full(n_r, st.period), region=self.region_ids,
                  **{k: getattr(incomes, k) for k in incomes.__dataclass_fields__})
        n_z = self.creator_ids.size
        if n_z:
            self._add("creators", period=np.full(n_z, st.period), creator=self.creator_ids,
                      active=st.creator_active.copy(), followers=culture.followers(st),
                      coop_sales=culture.coop_sales, income=culture.creator_income(st))

    def _firms(self, st: State, traded: np.ndarray) -> None:
        f = st.firms
        s = np.flatnonzero(traded)
        self._add(
            "firms", period=np.full(s.size, st.period), firm=f.firm_id[s],
            category=self.category_ids[f.category[s]], kind=self.kinds[f.category[s]],
            region=self.region_ids[f.region[s]],
            alive=f.alive[s], price=f.price[s], unit_cost=f.unit_cost[s],
            effective_cost=f.effective_cost[s], markup=f.price[s] / f.unit_cost[s] - 1.0,
            demand=f.demand[s], sales=f.sales[s], revenue=f.revenue[s], profit=f.profit[s],
            cash=f.cash[s], capacity=f.capacity[s], utilization=f.utilization[s],
            tech=f.tech[s], modern_share=f.modern_share[s], quality=f.quality[s],
            authenticity=f.authenticity[s], interpretation_right=f.interpretation_right[s],
            meaning=f.meaning[s], rd_spend=f.rd_spend[s], wages=f.wages[s],
            materials=f.materials[s], transport=f.transport[s], fixed_cost=f.fixed[s],
            commission=f.commission[s], dividends=f.dividends[s], investment=f.investment[s],
            injection=f.injection[s], cost_factor=f.cost_factor[s],
            capacity_rent=f.capacity_rent[s], cooperative=f.coop[s],
        )

    def _categories(self, st: State, traded: np.ndarray) -> None:
        f = st.firms
        n_c = self.category_ids.size
        rows: dict[str, list[float]] = defaultdict(list)
        for c in range(n_c):
            s = np.flatnonzero(traded & (f.category == c))
            sales, rev, unit, profit = f.sales[s], f.revenue[s], f.unit_cost[s], f.profit[s]
            price = f.price[s]
            markup = price / unit - 1.0
            total_sales, total_rev = sales.sum(), rev.sum()
            total_demand = f.demand[s].sum()
            shares = sales / total_sales if total_sales > 0 else np.zeros(s.size)
            rows["price_index"].append(_weighted(price, sales))
            rows["cost_index"].append(_weighted(unit, sales))
            rows["mean_markup"].append(_weighted(markup, sales))
            cost = float(np.dot(unit, sales))
            rows["gross_margin"].append((total_rev - cost) / total_rev if total_rev > 0 else 0.0)
            total_profit = profit.sum()
            rows["net_margin"].append(float(total_profit / total_rev) if total_rev > 0
                                      else 0.0)
            rows["firms_alive"].append(float(s.size))
            capacity = f.capacity[s].sum()
            rows["overcapacity"].append(float(capacity / max(total_demand, 1e-9))
                                        if s.size else 0.0)
            rows["utilization"].append(float(total_sales / capacity) if capacity > 0 else 0.0)
            rows["consumer_surplus"].append(float(st.consumer_surplus[c]))
            rows["sales"].append(float(total_sales))
            rows["demand"].append(float(total_demand))
            rows["revenue"].append(float(total_rev))
            rows["profit"].append(float(total_profit))
            rows["hhi"].append(float(np.sum(shares**2)))
            rows["max_markup"].append(float(markup.max()) if s.size else 0.0)
        self._add("categories", period=np.full(n_c, st.period), category=self.category_ids,
                  market=self.category_ids[st.markets.market],
                  entrants=st.markets.entrants.copy(), exits=st.markets.exits.copy(),
                  **{k: np.array(v) for k, v in rows.items()})
        self.columns["categories"]["firms_alive"][-1] = (
            self.columns["categories"]["firms_alive"][-1].astype(np.int64))

    def _cultures(self, st: State, culture) -> None:
        n_k = self.culture_ids.size
        if not n_k:
            return
        a, e = st.consumers.affinity, st.consumers.awareness
        w = st.consumers.weight

        def mean(x: np.ndarray) -> np.ndarray:  # over the population, kept in [0, 1]
            return np.clip(w @ x / w.sum(), 0.0, 1.0)

        self._add("cultures", period=np.full(n_k, st.period), culture=self.culture_ids,
                  mean_affinity=mean(a), accepting_share=mean(a >= self.thresholds),
                  aware_share=mean(e), media_reach=culture.reach.copy(),
                  capital=st.capital.copy())

    def tables(self) -> dict[str, pa.Table]:
        """The recorded tables; a table with no rows (no cultures, no creators) still has
        its columns."""
        out: dict[str, pa.Table] = {}
        for name, cols in self.columns.items():
            out[name] = (pa.table({k: np.concatenate(v) for k, v in cols.items()}) if cols
                         else EMPTY_SCHEMAS[name].empty_table())
        return out

"""Collects one row per entity and period into column lists, then Arrow tables.

Per period only what the state will not hold later is copied (the traded firms' columns,
the cultures' means, the regions' incomes, the creators); the ``categories`` table, being
sums over the firm rows, is computed once at the end for every period together, and id
columns are stored as integer codes and mapped to their strings once.
"""

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
        n_c = self.category_ids.size
        self._add("categories", period=np.full(n_c, st.period), category=np.arange(n_c),
                  market=st.markets.market.copy(), entrants=st.markets.entrants.copy(),
                  exits=st.markets.exits.copy(),
                  consumer_surplus=st.consumer_surplus[:n_c].astype(np.float64))
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
            category=f.category[s], region=f.region[s],
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

    def _categories(self, firms: dict[str, np.ndarray], per_period: dict[str, np.ndarray]
                    ) -> dict[str, np.ndarray]:
        """The categories table of every period from the traded firms' rows.

        Per period and category: sales-weighted price, unit cost and markup (plain means
        when nothing sold), gross and net margins on revenue, firms, capacity over demand,
        utilisation, totals, the Herfindahl index of sales and the largest markup.
        """
        n_c = self.category_ids.size
        periods = per_period["period"]
        first = int(periods[0]) if periods.size else 0
        size = periods.size
        key = (firms["period"] - first) * n_c + firms["category"]

        def total(x: np.ndarray) -> np.ndarray:
            return np.bincount(key, weights=x, minlength=size)

        price, unit, sales = firms["price"], firms["unit_cost"], firms["sales"]
        markup = price / unit - 1.0
        count = np.bincount(key, minlength=size)
        sold, rev, profit = total(sales), total(firms["revenue"]), total(firms["profit"])
        demand, capacity = total(firms["demand"]), total(firms["capacity"])
        has_sales = sold > 0
        safe_sold = np.where(has_sales, sold, 1.0)
        safe_count = np.maximum(count, 1)

        def weighted(x: np.ndarray) -> np.ndarray:
            return np.where(has_sales, total(x * sales) / safe_sold,
                            np.where(count > 0, total(x) / safe_count, 0.0))

        share = sales / safe_sold[key]
        largest = np.full(size, -np.inf)
        np.maximum.at(largest, key, markup)
        safe_rev = np.where(rev > 0, rev, 1.0)
        return {
            "price_index": weighted(price), "cost_index": weighted(unit),
            "mean_markup": weighted(markup),
            "gross_margin": np.where(rev > 0, (rev - total(unit * sales)) / safe_rev, 0.0),
            "net_margin": np.where(rev > 0, profit / safe_rev, 0.0),
            "firms_alive": count.astype(np.int64),
            "overcapacity": np.where(count > 0, capacity / np.maximum(demand, 1e-9), 0.0),
            "utilization": np.where(capacity > 0, sold / np.where(capacity > 0, capacity, 1.0),
                                    0.0),
            "consumer_surplus": per_period["consumer_surplus"],
            "sales": sold, "demand": demand, "revenue": rev, "profit": profit,
            "hhi": np.where(has_sales, total(share**2), 0.0),
            "max_markup": np.where(count > 0, largest, 0.0),
        }

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
        joined = {name: {k: np.concatenate(v) for k, v in cols.items()}
                  for name, cols in self.columns.items() if cols}
        firms = joined.get("firms")
        if firms is not None:
            per_period = joined["categories"]
            derived = self._categories(firms, per_period)
            codes = per_period["category"]
            joined["categories"] = {
                "period": per_period["period"], "category": self.category_ids[codes],
                "market": self.category_ids[per_period["market"]],
                "entrants": per_period["entrants"], "exits": per_period["exits"], **derived}
            cat, region = firms.pop("category"), firms.pop("region")
            head = {k: firms.pop(k) for k in ("period", "firm")}
            joined["firms"] = {**head, "category": self.category_ids[cat],
                               "kind": self.kinds[cat], "region": self.region_ids[region],
                               **firms}
        return {name: (pa.table(joined[name]) if name in joined
                       else EMPTY_SCHEMAS[name].empty_table()) for name in self.columns}

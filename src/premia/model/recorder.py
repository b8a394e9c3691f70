"""Collects one row per entity and period into column lists, then Arrow tables.

Per period only what the state will not hold later is copied (the traded firms' columns,
the cultures' means, the regions' incomes, the creators); the ``categories`` table, being
sums over the firm rows, is computed once at the end for every period together, and id
columns are stored as integer codes and mapped to their strings once.
"""

from __future__ import annotations

from collections import defaultdict

import numba as nb
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


#: The firms table's float columns after the ids: (column, Firms array; "" for the markup).
FIRM_FLOATS = (
    ("price", "price"), ("unit_cost", "unit_cost"), ("effective_cost", "effective_cost"),
    ("markup", ""), ("demand", "demand"), ("sales", "sales"), ("revenue", "revenue"),
    ("profit", "profit"), ("cash", "cash"), ("capacity", "capacity"),
    ("utilization", "utilization"), ("tech", "tech"), ("modern_share", "modern_share"),
    ("quality", "quality"), ("authenticity", "authenticity"),
    ("interpretation_right", "interpretation_right"), ("meaning", "meaning"),
    ("rd_spend", "rd_spend"), ("wages", "wages"), ("materials", "materials"),
    ("transport", "transport"), ("fixed_cost", "fixed"), ("commission", "commission"),
    ("dividends", "dividends"), ("investment", "investment"), ("injection", "injection"),
    ("cost_factor", "cost_factor"), ("capacity_rent", "capacity_rent"),
)


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
        self.firm_floats: list[np.ndarray] = []
        self.float_rows: dict[str, int] = {}
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
        """The traded firms' rows: their ids, then every float array in one gather."""
        f = st.firms
        s = np.flatnonzero(traded)
        self.float_rows = f.float_rows
        self._add("firms", period=np.full(s.size, st.period), firm=f.firm_id[s],
                  category=f.category[s], region=f.region[s], alive=f.alive[s],
                  cooperative=f.coop[s])
        self.firm_floats.append(f.floats[:, s])

    def _firm_columns(self, ids: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The firms table's columns, in order, from the ids and the gathered floats."""
        rows = self.float_rows
        block = (np.concatenate(self.firm_floats, axis=1) if self.firm_floats
                 else np.zeros((len(rows), 0)))

        def col(name: str) -> np.ndarray:
            return block[rows[name]]

        cat, region = ids["category"], ids["region"]
        out = {"period": ids["period"], "firm": ids["firm"],
               "category": self.category_ids[cat], "kind": self.kinds[cat],
               "region": self.region_ids[region], "alive": ids["alive"]}
        for name, source in FIRM_FLOATS:
            out[name] = col(source) if source else col("price") / col("unit_cost") - 1.0
        out["cooperative"] = ids["cooperative"]
        return out

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
        c = st.consumers
        mean_affinity, accepting, aware = culture_means(c.weight, c.affinity, c.awareness,
                                                        self.thresholds)
        self._add("cultures", period=np.full(n_k, st.period), culture=self.culture_ids,
                  mean_affinity=mean_affinity, accepting_share=accepting, aware_share=aware,
                  media_reach=culture.reach.copy(), capital=st.capital.copy())

    def tables(self) -> dict[str, pa.Table]:
        """The recorded tables; a table with no rows (no cultures, no creators) still has
        its columns."""
        joined = {name: {k: np.concatenate(v) for k, v in cols.items()}
                  for name, cols in self.columns.items() if cols}
        firms = joined.get("firms")
        if firms is not None:
            per_period = joined["categories"]
            columns = self._firm_columns(firms)
            derived = self._categories({**columns, "category": firms["category"]}, per_period)
            codes = per_period["category"]
            joined["categories"] = {
                "period": per_period["period"], "category": self.category_ids[codes],
                "market": self.category_ids[per_period["market"]],
                "entrants": per_period["entrants"], "exits": per_period["exits"], **derived}
            joined["firms"] = columns
        return {name: (pa.table(joined[name]) if name in joined
                       else EMPTY_SCHEMAS[name].empty_table()) for name in self.columns}


@nb.njit(cache=True, error_model="numpy")
def culture_means(weight, affinity, awareness, threshold):  # pragma: no cover - compiled
    """Per culture k, over the population (consumer i standing for w_i people):
    mean affinity, the accepting share (a_ik >= threshold_k) and the aware share
    (mean e_ik), each sum_i w_i x_ik / sum_i w_i, kept in [0, 1]."""
    n_k = affinity.shape[1]
    a_sum, accept_sum, e_sum = np.zeros(n_k), np.zeros(n_k), np.zeros(n_k)
    people = 0.0
    for i in range(affinity.shape[0]):
        w = weight[i]
        people += w
        for k in range(n_k):
            a = affinity[i, k]
            a_sum[k] += w * a
            accept_sum[k] += w if a >= threshold[k] else 0.0
            e_sum[k] += w * awareness[i, k]
    return (np.minimum(np.maximum(a_sum / people, 0.0), 1.0),
            np.minimum(np.maximum(accept_sum / people, 0.0), 1.0),
            np.minimum(np.maximum(e_sum / people, 0.0), 1.0))

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

from premia.model.fastmath import REASSOC
from premia.model.regions import RegionIncomes
from premia.model.state import State, float_row
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


REGION_FIELDS = tuple(RegionIncomes.__dataclass_fields__)
CULTURE_COLUMNS = ("mean_affinity", "accepting_share", "aware_share", "media_reach",
                   "capital")


class Recorder:
    """Accumulates the ``firms``, ``categories``, ``cultures``, ``regions`` and ``creators``
    tables period by period.

    Each period adds a few arrays (the traded firms' ids and floats gathered at once, the
    categories' market, entrants and exits in one copy, the cultures' means and the
    regions' figures as they were made); periods and ids are spread into columns when the
    tables are made.
    """

    def __init__(self, sc: Scenario) -> None:
        self.category_ids = np.array([c.id for c in sc.category])
        self.kinds = np.array([c.kind for c in sc.category])
        self.region_ids = np.array([r.id for r in sc.region])
        self.culture_ids = np.array([k.id for k in sc.culture])
        self.creator_ids = np.array([z.id for z in sc.creator])
        self.thresholds = np.array([k.threshold for k in sc.culture])
        self.periods: list[int] = []
        self.firm_ints: list[np.ndarray] = []
        self.firm_alive: list[np.ndarray] = []
        self.firm_floats: list[np.ndarray] = []
        self.category_ints: list[np.ndarray] = []
        self.surplus: list[np.ndarray] = []
        self.culture_rows: list[tuple[np.ndarray, ...]] = []
        self.region_rows: list[RegionIncomes] = []
        self.creators: defaultdict[str, list[np.ndarray]] = defaultdict(list)

    def record(self, st: State, traded: np.ndarray, incomes: RegionIncomes, culture) -> None:
        """Record period ``st.period``; ``traded`` marks the firms that were in the market."""
        f, mk = st.firms, st.markets
        self.periods.append(st.period)
        s = np.flatnonzero(traded)
        ints, alive = _gather_ids(s, f.firm_id, f.category, f.region, f.coop, f.alive)
        self.firm_ints.append(ints)
        self.firm_alive.append(alive)
        self.firm_floats.append(f.floats[:, s])
        self.category_ints.append(np.concatenate((mk.market, mk.entrants, mk.exits)))
        self.surplus.append(st.consumer_surplus[:self.category_ids.size].astype(np.float64))
        if self.culture_ids.size:
            c = st.consumers
            self.culture_rows.append((
                *culture_means(c.weight, c.affinity, c.awareness, self.thresholds),
                culture.reach, st.capital.copy()))  # the means and reach are new arrays
        self.region_rows.append(incomes)  # made anew each period
        if self.creator_ids.size:
            for name, values in (("active", st.creator_active.copy()),
                                 ("followers", culture.followers(st)),
                                 ("coop_sales", culture.coop_sales),
                                 ("income", culture.creator_income(st))):
                self.creators[name].append(np.asarray(values))

    def tables(self) -> dict[str, pa.Table]:
        """The recorded tables; a table with no rows (no cultures, no creators) still has
        its columns."""
        if not self.periods:
            return {name: schema.empty_table() for name, schema in EMPTY_SCHEMAS.items()}
        periods = np.array(self.periods, np.int64)
        firms, codes = self._firm_columns(periods)
        out = {"firms": firms, "categories": self._category_columns(periods, firms, codes)}
        out["cultures"] = self._per_entity(periods, "culture", self.culture_ids, {
            name: np.concatenate([row[i] for row in self.culture_rows])
            for i, name in enumerate(CULTURE_COLUMNS)} if self.culture_rows else {})
        out["regions"] = self._per_entity(periods, "region", self.region_ids, {
            name: np.concatenate([getattr(row, name) for row in self.region_rows])
            for name in REGION_FIELDS})
        out["creators"] = self._per_entity(periods, "creator", self.creator_ids, {
            k: np.concatenate(v) for k, v in self.creators.items()})
        return {name: (pa.table(cols) if cols else EMPTY_SCHEMAS[name].empty_table())
                for name, cols in out.items()}

    @staticmethod
    def _per_entity(periods: np.ndarray, key: str, ids: np.ndarray,
                    columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """period and id columns for a table with one row per entity and period."""
        if not ids.size or not columns:
            return {}
        return {"period": np.repeat(periods, ids.size), key: np.tile(ids, periods.size),
                **columns}

    def _firm_columns(self, periods: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The firms table's columns, in order, from the ids and the gathered floats; and
        the rows' category codes."""
        counts = [ints.shape[1] for ints in self.firm_ints]
        ints = np.concatenate(self.firm_ints, axis=1)
        block = np.concatenate(self.firm_floats, axis=1)

        def col(name: str) -> np.ndarray:
            return block[float_row(name)]

        cat, region = ints[1], ints[2]
        out = {"period": np.repeat(periods, counts), "firm": ints[0],
               "category": self.category_ids[cat], "kind": self.kinds[cat],
               "region": self.region_ids[region], "alive": np.concatenate(self.firm_alive)}
        for name, source in FIRM_FLOATS:
            out[name] = col(source) if source else col("price") / col("unit_cost") - 1.0
        out["cooperative"] = ints[3]
        return out, cat

    def _category_columns(self, periods: np.ndarray, firms: dict[str, np.ndarray],
                          codes: np.ndarray) -> dict[str, np.ndarray]:
        """The categories table: per period ids and counts, then the sums over the firms."""
        n_c = self.category_ids.size
        market, entrants, exits = np.stack(self.category_ints).reshape(-1, 3, n_c).transpose(
            1, 0, 2).reshape(3, -1)
        per_period = {"period": np.repeat(periods, n_c),
                      "consumer_surplus": np.concatenate(self.surplus)}
        derived = self._categories({**firms, "category": codes}, per_period)
        return {"period": per_period["period"], "category": np.tile(self.category_ids,
                                                                    periods.size),
                "market": self.category_ids[market], "entrants": entrants, "exits": exits,
                **derived}

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


@nb.njit(cache=True, error_model="numpy")
def _gather_ids(slots, firm_id, category, region, coop, alive):  # pragma: no cover - compiled
    """(firm id, category, region, cooperative) of ``slots`` as rows, and their alive flags."""
    ints = np.empty((4, slots.size), np.int64)
    flags = np.empty(slots.size, np.bool_)
    for i in range(slots.size):
        f = slots[i]
        ints[0, i], ints[1, i], ints[2, i], ints[3, i] = firm_id[f], category[f], region[f], coop[f]
        flags[i] = alive[f]
    return ints, flags


@nb.njit(cache=True, fastmath=REASSOC, error_model="numpy")
def culture_means(weight, affinity, awareness, threshold):  # pragma: no cover - compiled
    """Per culture k, over the population (consumer i standing for w_i people):
    mean affinity, the accepting share (a_ik >= threshold_k) and the aware share
    (mean e_ik), each sum_i w_i x_ik / sum_i w_i, kept in [0, 1]. The sums are vectorized
    (their order fixed by the compiled loop, one thread)."""
    n_k = affinity.shape[1]
    a_mean, accepting, aware = np.zeros(n_k), np.zeros(n_k), np.zeros(n_k)
    people = 0.0
    for i in range(weight.size):
        people += weight[i]
    for k in range(n_k):
        a_sum, accept_sum, e_sum = 0.0, 0.0, 0.0
        for i in range(weight.size):
            w, a = weight[i], affinity[i, k]
            a_sum += w * a
            accept_sum += w if a >= threshold[k] else 0.0
            e_sum += w * awareness[i, k]
        a_mean[k] = min(max(a_sum / people, 0.0), 1.0)
        accepting[k] = min(max(accept_sum / people, 0.0), 1.0)
        aware[k] = min(max(e_sum / people, 0.0), 1.0)
    return a_mean, accepting, aware

"""The categories table, derived at the end of a run from the traded firms' rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import premia


def reference_categories(firms: pd.DataFrame) -> pd.DataFrame:
    """Per period and category, the table's sums and indices computed one group at a time
    with plain pandas."""
    rows = []
    for (period, category), g in firms.groupby(["period", "category"], sort=True):
        sold, rev = g.sales.sum(), g.revenue.sum()
        markup = g.price / g.unit_cost - 1.0

        def weighted(x: pd.Series, g=g, sold=sold) -> float:
            return float((x * g.sales).sum() / sold) if sold > 0 else float(x.mean())

        capacity = g.capacity.sum()
        rows.append({
            "period": period, "category": category,
            "price_index": weighted(g.price), "cost_index": weighted(g.unit_cost),
            "mean_markup": weighted(markup),
            "gross_margin": (rev - (g.unit_cost * g.sales).sum()) / rev if rev > 0 else 0.0,
            "net_margin": g.profit.sum() / rev if rev > 0 else 0.0,
            "firms_alive": len(g),
            "overcapacity": capacity / max(g.demand.sum(), 1e-9),
            "utilization": sold / capacity if capacity > 0 else 0.0,
            "sales": sold, "revenue": rev, "profit": g.profit.sum(), "demand": g.demand.sum(),
            "hhi": float(((g.sales / sold) ** 2).sum()) if sold > 0 else 0.0,
            "max_markup": float(markup.max()),
        })
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", ["minimal", "overcapacity", "guizhou"])
def test_categories_table_matches_a_group_by_group_computation(name):
    sc = premia.load_scenario(name)
    sc.scenario.periods, sc.scenario.consumers = 30, 800
    res = premia.simulate(sc, seed=4)
    got = res.categories
    ref = reference_categories(res.firms)
    merged = ref.merge(got, on=["period", "category"], suffixes=("_ref", ""))
    assert len(merged) == len(ref) > 0
    for col in ref.columns.drop(["period", "category"]):
        np.testing.assert_allclose(merged[col], merged[f"{col}_ref"], rtol=1e-11, atol=1e-9,
                                   err_msg=col)
    # categories without a traded firm still have their row, with zeros
    assert len(got) == sc.scenario.periods * len(sc.category)
    empty = got[~got.set_index(["period", "category"]).index.isin(
        ref.set_index(["period", "category"]).index)]
    assert (empty[["sales", "firms_alive", "price_index", "hhi"]] == 0).all().all()


@pytest.mark.parametrize("clone", ["pickle", "deepcopy"])
def test_copied_firms_keep_their_arrays_in_the_block_the_recorder_reads(clone):
    import copy
    import pickle

    from premia.model.state import Firms

    firms = Firms.empty(5)
    firms.price[:] = np.arange(5.0)
    twin = pickle.loads(pickle.dumps(firms)) if clone == "pickle" else copy.deepcopy(firms)
    twin.price[2] = 42.0
    twin.capacity[:] = 7.0
    assert twin.floats[twin.float_rows["price"]].tolist() == [0.0, 1.0, 42.0, 3.0, 4.0]
    assert (twin.floats[twin.float_rows["capacity"]] == 7.0).all()
    assert firms.price[2] == 2.0 and (firms.cost_factor == 1.0).all()

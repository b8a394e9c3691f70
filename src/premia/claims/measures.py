"""Measures on a run's results that the claims compare.

"Long run" means the mean over the second half of the run's periods, so that start-up
transients (an early shakeout, prices finding their level) do not count and boom-bust
cycles of entry and exit are averaged over.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from premia.metrics import long_run
from premia.results import Results


def tail(frame: pd.DataFrame, share: float = 0.5) -> pd.DataFrame:
    """Rows of the last ``share`` of periods (:func:`premia.metrics.long_run`)."""
    return long_run(frame, share)


def category_series(res: Results, category: str, column: str) -> np.ndarray:
    """A ``categories`` column of one category, period by period."""
    cat = res.categories
    return cat.loc[cat["category"] == category, column].to_numpy()


def long_run_category(res: Results, category: str, column: str) -> float:
    """Long-run mean of a ``categories`` column for one category."""
    cat = tail(res.categories)
    return float(cat.loc[cat["category"] == category, column].mean())


def price_to_cost(res: Results, category: str) -> float:
    """Long-run mean of price index / production cost index."""
    cat = tail(res.categories)
    rows = cat[cat["category"] == category]
    return float((rows["price_index"] / rows["cost_index"]).mean())


def long_run_region(res: Results, region: str, column: str) -> float:
    """Long-run mean of a ``regions`` column for one region."""
    reg = tail(res.regions)
    return float(reg.loc[reg["region"] == region, column].mean())


def variation(res: Results, category: str, column: str) -> float:
    """Coefficient of variation (sd / |mean|) of a category column over the long run."""
    cat = tail(res.categories, share=0.5)
    x = cat.loc[cat["category"] == category, column].to_numpy()
    mean = abs(float(x.mean()))
    return float(x.std() / mean) if mean > 0 else 0.0


def firm_profit(res: Results, category: str, region: str | None = None,
                cooperative: bool | None = None, since: int = 0) -> float:
    """Mean monthly profit per firm-period of matching firms from period ``since`` on."""
    f = res.firms
    rows = f[(f["category"] == category) & (f["period"] >= since)]
    if region is not None:
        rows = rows[rows["region"] == region]
    if cooperative is not None:
        rows = rows[(rows["cooperative"] >= 0) == cooperative]
    return float(rows["profit"].mean()) if len(rows) else 0.0


def firm_net_margin(res: Results, category: str, region: str | None = None) -> float:
    """Long-run net margin (total profit / total revenue) of matching firms."""
    f = tail(res.firms)
    rows = f[f["category"] == category]
    if region is not None:
        rows = rows[rows["region"] == region]
    revenue = float(rows["revenue"].sum())
    return float(rows["profit"].sum()) / revenue if revenue > 0 else 0.0


def firm_markup(res: Results, category: str, region: str | None = None) -> float:
    """Long-run sales-weighted mean markup of matching firms."""
    f = tail(res.firms)
    rows = f[f["category"] == category]
    if region is not None:
        rows = rows[rows["region"] == region]
    weight = rows["sales"].to_numpy()
    markup = rows["markup"].to_numpy()
    return float(np.average(markup, weights=weight)) if weight.sum() > 0 else 0.0


def survivors(res: Results, category: str) -> float:
    """Firms of a category alive in the last period."""
    cat = res.categories
    rows = cat[(cat["category"] == category) & (cat["period"] == cat["period"].max())]
    return float(rows["firms_alive"].sum())


def total_surplus(res: Results, categories: list[str], since: int = 0) -> float:
    """Mean monthly consumer surplus plus profits of the given categories from ``since``."""
    cat = res.categories
    rows = cat[cat["category"].isin(categories) & (cat["period"] >= since)]
    periods = rows["period"].nunique()
    return float((rows["consumer_surplus"].sum() + rows["profit"].sum()) / max(periods, 1))

"""Yearly series from a user's CSV file or from a run, and their moments.

A series is a DataFrame with one row per observation (a year) and the columns ``year``,
``price`` (price or unit cost), ``production``, ``cumulative`` (production up to and
including that year) and, when known, ``cost`` and ``revenue`` (totals, giving the gross
margin ``margin = (revenue − cost) / revenue``), ``net_margin`` and ``adopters`` (the share
of potential adopters who have adopted). The same :func:`series_moments` turns a user's
series and a model category's series into the same moments.

CSV files: columns are matched by name (case-insensitive, units in parentheses ignored):
``year`` (or ``time``), ``price`` (or ``unit_cost``), ``production``, and optionally
``cumulative`` or ``previous`` (cumulative production before the year), ``cost``,
``revenue``, ``adopters``. The Performance Curve Database layout of ``data/pcdb/`` (price
or unit input, time, production in the year, previous cumulative production) is
recognised. Cumulative production is ``previous + production`` (previous taken as 0 in a
first row that has none), or the running sum of production when neither is given.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from premia.calibration import moments as est

ALIASES = {
    "year": ("year", "time", "period"),
    "price": ("price", "unit_cost", "unit cost", "cost per unit"),
    "production": ("production", "quantity", "output", "shipments", "volume"),
    "cumulative": ("cumulative", "cumulative_production", "cumulative production"),
    "previous": ("previous", "previous_production", "previous production"),
    "cost": ("cost", "total_cost", "total cost", "cogs"),
    "revenue": ("revenue", "sales", "turnover"),
    "adopters": ("adopters", "adoption", "adopted"),
}


class SeriesError(ValueError):
    """A series file that cannot be used (one line naming the file and the column)."""


def _norm(header: str) -> str:
    text = re.sub(r"\(.*?\)", "", str(header)).strip().lower()
    return re.sub(r"\s+", " ", text)


def _pcdb(columns: list[str]) -> bool:
    names = [_norm(c) for c in columns]
    return (len(names) == 4 and names[1] in ("time", "year")
            and names[3].startswith("previous"))


def _rename(columns: list[str], source: str) -> dict[str, str]:
    if _pcdb(columns):
        return dict(zip(columns, ("price", "year", "production", "previous"), strict=True))
    out: dict[str, str] = {}
    for col in columns:
        name = _norm(col)
        for canon, words in ALIASES.items():
            if name in words and canon not in out.values():
                out[col] = canon
                break
    for needed in ("year", "price", "production"):
        if needed not in out.values():
            raise SeriesError(
                f"{source}: no {needed!r} column (found {', '.join(map(str, columns))}; "
                "expected year, price or unit_cost, production, optional cumulative or "
                "previous, cost, revenue, adopters)")
    return out


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a user's series (see the module docstring) into a canonical series.

    Raises:
        SeriesError: the file is missing, unreadable, or lacks a needed column or value.
    """
    p = Path(path)
    try:
        raw = pd.read_csv(p, na_values=["NA", "na", ""])
    except FileNotFoundError:
        raise SeriesError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise SeriesError(f"{p}: not a readable CSV file ({type(exc).__name__})") from None
    frame = raw.rename(columns=_rename(list(raw.columns), str(p)))
    frame = frame[[c for c in frame.columns if c in ALIASES]]
    for col in frame.columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise SeriesError(f"{p}: column {col!r}, line {row}: not a number "
                              f"({frame[col].iloc[row - 2]!r})")
        frame[col] = values.astype(float)
    return canonical(frame)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``cumulative`` and ``margin`` where they can be derived; sort by year."""
    out = frame.sort_values("year").reset_index(drop=True).copy()
    if "cumulative" not in out:
        if "previous" in out:
            prev = out["previous"].copy()
            if len(prev) and pd.isna(prev.iloc[0]):
                prev.iloc[0] = 0.0
            out["cumulative"] = prev + out["production"]
        else:
            out["cumulative"] = out["production"].fillna(0.0).cumsum()
    if "cost" in out and "revenue" in out and "margin" not in out:
        rev = out["revenue"].where(out["revenue"] > 0)
        out["margin"] = (rev - out["cost"]) / rev
    return out.drop(columns=["previous"], errors="ignore")


def category_series(categories: pd.DataFrame, category: str, months: int = 12
                    ) -> pd.DataFrame:
    """A category's yearly series from a run's ``categories`` table.

    Periods are grouped into blocks of ``months``: production is the block's sales, the
    price its sales-weighted price index, cost the unit cost times sales, revenue and
    profit their sums; cumulative production runs from the first period.
    """
    rows = categories[categories.category == category].sort_values("period")
    block = (rows.period.to_numpy() - rows.period.min()) // max(1, int(months))
    sales = rows.sales.to_numpy(float)
    frame = pd.DataFrame({
        "year": block, "production": sales, "price_sales": rows.price_index.to_numpy(float)
        * sales, "cost": rows.cost_index.to_numpy(float) * sales,
        "revenue": rows.revenue.to_numpy(float), "profit": rows.profit.to_numpy(float)})
    g = frame.groupby("year", sort=True).sum()
    sold = g["production"].where(g["production"] > 0)
    out = pd.DataFrame({"year": g.index.to_numpy(float),
                        "price": (g["price_sales"] / sold).to_numpy(),
                        "production": g["production"].to_numpy(),
                        "cost": g["cost"].to_numpy(), "revenue": g["revenue"].to_numpy()})
    rev = out["revenue"].where(out["revenue"] > 0)
    out["net_margin"] = (g["profit"].to_numpy() / rev).to_numpy()
    return canonical(out)


def adoption_series(frame: pd.DataFrame, key: str, entity: str, column: str,
                    months: int = 12) -> pd.DataFrame:
    """End-of-block values of a share (e.g. a culture's ``aware_share``) as ``adopters``."""
    rows = frame[frame[key] == entity].sort_values("period")
    block = (rows.period.to_numpy() - rows.period.min()) // max(1, int(months))
    out = pd.DataFrame({"year": block, "adopters": rows[column].to_numpy(float)})
    return out.groupby("year", sort=True).last().reset_index()


def long_run(series: pd.DataFrame) -> pd.DataFrame:
    """The second half of the observations (at least one), as :mod:`premia.metrics`."""
    n = len(series)
    return series.iloc[n - max(1, n // 2):] if n else series


def series_moments(series: pd.DataFrame, se: str = "hac", window: str = "all"
                   ) -> dict[str, est.Estimate]:
    """The moments a series supports, by name.

    Args:
        series: a canonical series (:func:`read_csv`, :func:`category_series`).
        se: ``"hac"`` or ``"plain"`` for the regressions.
        window: ``"all"`` observations for the margin moments, or ``"long_run"`` (the
            second half, for model runs whose first years are a start-up transient).
            The learning rate always uses every observation.
    """
    out: dict[str, est.Estimate] = {}
    if {"price", "cumulative"} <= set(series):
        out["learning_rate"] = est.learning_rate(series["price"], series["cumulative"], se)
    tail = long_run(series) if window == "long_run" else series
    for name, col in (("gross_margin", "margin"), ("net_margin", "net_margin")):
        if col not in series:
            continue
        values, years = tail[col].to_numpy(float), tail["year"].to_numpy(float)
        out[name] = est.level(values, se)
        if name == "gross_margin":
            out["margin_volatility"] = est.volatility(values)
            out["margin_autocorrelation"] = est.autocorrelation(values)
            out["margin_trend"] = est.trend(values, years, se)
    if "adopters" in series:
        out["bass_p"], out["bass_q"] = est.bass(series["adopters"].to_numpy(float))
    return out

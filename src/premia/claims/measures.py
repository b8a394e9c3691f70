"""Measures of the essay's mechanisms, as named metrics (``NAME:ARG``) of one run.

They complete :data:`premia.metrics.METRICS` (see :func:`premia.metrics.registry`) and,
like them, are **long-run** values (the mean over the second half of the run) unless the
description says otherwise:

- ``leader_markup:<category>``: markup of the technology leader, the firm with the best
  technology, followed through time (it keeps the lead until a rival's technology is
  strictly better or it leaves the market);
- ``cycles:<category>``: completed rise-and-erosion cycles of the leader's markup over
  the whole run (:mod:`premia.claims.sawtooth`);
- ``premium:<category>``: price minus unit production cost, yuan per piece (sales-weighted);
- ``wtp:<category>``: what a consumer at the acceptance threshold a* would pay for the
  meaning of the goods sold, ``beta_c * a* * M / gamma_c`` yuan (M: sales-weighted meaning
  ``M_k * A_f * I_f`` of the goods sold; gamma_c: the mean consumer's price weight);
- ``firm_profit:<category>``, ``coop_profit:<category>``, ``other_profit:<category>``:
  mean monthly profit per firm (all firms, members of a creator's cooperative, the rest);
- ``firm_markup:<category>/<region>``, ``firm_net_margin:<category>/<region>``: the same
  firms' sales-weighted markup and net margin (profit / revenue);
- ``welfare:<category>``: consumer surplus plus profit per month;
- ``spending:<account>``: public spending over the whole run, yuan (``national`` or a
  region; 0 when the run has no ``public`` table).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from premia.claims.sawtooth import cycles
from premia.metrics import Metric, MetricError, long_run
from premia.results import Results


def tail(frame: pd.DataFrame, share: float = 0.5) -> pd.DataFrame:
    """Rows of the last ``share`` of periods (:func:`premia.metrics.long_run`)."""
    return long_run(frame, share)


def _firms(res: Results, category: str, region: str | None = None) -> pd.DataFrame:
    known = [c["id"] for c in res.meta.get("scenario", {}).get("category", [])]
    if known and category not in known:
        raise MetricError(f"no category {category!r} in this run (known: {', '.join(known)})")
    f = res.firms
    rows = f[f["category"] == category]
    if region is not None:
        rows = rows[rows["region"] == region]
    return rows


def _split(arg: str) -> tuple[str, str]:
    category, _, region = arg.partition("/")
    if not region:
        raise MetricError(f"{arg!r}: give <category>/<region>")
    return category, region


def leader_series(res: Results, category: str) -> pd.DataFrame:
    """The technology leader of a category, period by period: ``period, firm, tech, markup``.

    The leader is the firm with the best technology; it keeps the lead on ties and loses it
    only to a strictly better rival or by leaving the market.
    """
    rows = _firms(res, category)[["period", "firm", "tech", "markup"]]
    out = []
    leader = -1
    for period, group in rows.groupby("period", sort=True):
        tech = group["tech"].to_numpy()
        firm = group["firm"].to_numpy()
        best = int(np.argmax(tech))
        mine = np.flatnonzero(firm == leader)
        if mine.size == 0 or tech[best] > tech[mine[0]]:
            leader = int(firm[best])
            mine = np.array([best])
        i = int(mine[0])
        out.append((int(period), leader, float(tech[i]), float(group["markup"].to_numpy()[i])))
    return pd.DataFrame(out, columns=["period", "firm", "tech", "markup"])


def leader_markup(res: Results, category: str) -> float:
    """Long-run mean markup of the technology leader."""
    lead = tail(leader_series(res, category))
    return float(lead["markup"].mean()) if len(lead) else float("nan")


def leader_cycles(res: Results, category: str) -> float:
    """Completed rise-and-erosion cycles of the leader's markup over the whole run."""
    return float(cycles(leader_series(res, category)["markup"].to_numpy()))


def premium_yuan(res: Results, category: str) -> float:
    """Long-run sales-weighted price minus unit production cost, yuan per piece."""
    rows = tail(_firms(res, category))
    weight = rows["sales"].to_numpy()
    gap = (rows["price"] - rows["unit_cost"]).to_numpy()
    return float(np.average(gap, weights=weight)) if weight.sum() > 0 else float("nan")


def _category_spec(res: Results, category: str) -> dict:
    for c in res.meta.get("scenario", {}).get("category", []):
        if c["id"] == category:
            return c
    raise MetricError(f"no category {category!r} in this run")


def willingness_to_pay(res: Results, category: str) -> float:
    """``beta * a* * M / gamma``: the meaning's worth in yuan at the acceptance threshold."""
    spec = _category_spec(res, category)
    cultures = {k["id"]: k for k in res.meta["scenario"].get("culture", [])}
    if spec.get("culture") not in cultures:
        return 0.0
    rows = tail(_firms(res, category))
    weight = rows["sales"].to_numpy()
    if weight.sum() <= 0:
        return float("nan")
    meaning = float(np.average(rows["meaning"].to_numpy(), weights=weight))
    threshold = float(cultures[spec["culture"]]["threshold"])
    return float(spec["culture_weight"]) * threshold * meaning / float(spec["price_weight"])


def firm_profit(res: Results, category: str, cooperative: bool | None = None) -> float:
    """Long-run mean monthly profit per firm (of a cooperative's members, or of the rest)."""
    rows = tail(_firms(res, category))
    if cooperative is not None:
        rows = rows[(rows["cooperative"] >= 0) == cooperative]
    return float(rows["profit"].mean()) if len(rows) else 0.0


def firm_markup(res: Results, arg: str) -> float:
    """Long-run sales-weighted markup of one region's firms in a category."""
    rows = tail(_firms(res, *_split(arg)))
    weight = rows["sales"].to_numpy()
    return float(np.average(rows["markup"], weights=weight)) if weight.sum() > 0 else 0.0


def firm_net_margin(res: Results, arg: str) -> float:
    """Long-run net margin (total profit / total revenue) of one region's firms."""
    rows = tail(_firms(res, *_split(arg)))
    revenue = float(rows["revenue"].sum())
    return float(rows["profit"].sum()) / revenue if revenue > 0 else 0.0


def welfare(res: Results, category: str) -> float:
    """Long-run consumer surplus plus profit per month of a category."""
    cat = tail(res.categories)
    rows = cat[cat["category"] == category]
    if rows.empty:
        raise MetricError(f"no category {category!r} in this run")
    return float((rows["consumer_surplus"] + rows["profit"]).mean())


def public_spending(res: Results, account: str) -> float:
    """Public spending of one account over the whole run, yuan."""
    table = res.tables.get("public")
    if table is None or table.num_rows == 0:
        return 0.0
    pub = table.to_pandas()
    return float(pub.loc[pub["account"] == account, "spending"].sum())


MEASURES: dict[str, Metric] = {m.name: m for m in (
    Metric("leader_markup", "category", "long-run markup of the technology leader (the firm "
           "with the best technology, followed through time)", leader_markup),
    Metric("cycles", "category", "rise-and-erosion cycles of the leader's markup over the whole "
           "run (scale-free detector)", leader_cycles),
    Metric("premium", "category", "long-run price minus unit production cost, yuan per piece "
           "(sales-weighted)", premium_yuan),
    Metric("wtp", "category", "what a consumer at the acceptance threshold would pay for the "
           "goods' meaning, beta a* M / gamma, yuan", willingness_to_pay),
    Metric("firm_profit", "category", "long-run mean monthly profit per firm", firm_profit),
    Metric("coop_profit", "category", "long-run mean monthly profit per firm of creators' "
           "cooperatives", functools.partial(firm_profit, cooperative=True)),
    Metric("other_profit", "category", "long-run mean monthly profit per firm outside the "
           "cooperatives", functools.partial(firm_profit, cooperative=False)),
    Metric("firm_markup", "category/region", "long-run sales-weighted markup of one region's "
           "firms in a category", firm_markup),
    Metric("firm_net_margin", "category/region", "long-run net margin of one region's firms "
           "in a category", firm_net_margin),
    Metric("welfare", "category", "long-run consumer surplus plus profit per month", welfare),
    Metric("spending", "account", "public spending over the whole run, yuan (national or a "
           "region)", public_spending),
)}

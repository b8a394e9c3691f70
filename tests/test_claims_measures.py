"""Every essay claim's criteria on constructed tables: where each holds and where it fails.

The tables are built by hand (no simulation), so each test knows the right answer: a
criterion's effect must come out on the claimed side when the tables are built that way,
and on the other side when they are built the other way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from premia.claims import CLAIMS
from premia.claims import measures as ms
from premia.claims.stats import Interval, verdict
from premia.metrics import MetricError
from premia.results import Results

PERIODS = 40
SCENARIO = {
    "category": [
        {"id": "goods", "kind": "commodity", "culture": None, "culture_weight": 0.0,
         "price_weight": 0.05},
        {"id": "phones", "kind": "technology", "culture": None, "culture_weight": 0.0,
         "price_weight": 0.002},
        {"id": "cameras", "kind": "technology", "culture": None, "culture_weight": 0.0,
         "price_weight": 0.002},
        {"id": "embroidery", "kind": "culture", "culture": "miao", "culture_weight": 0.9,
         "price_weight": 0.0013},
        {"id": "apparel", "kind": "commodity", "culture": None, "culture_weight": 0.0,
         "price_weight": 0.025},
    ],
    "culture": [{"id": "miao", "threshold": 0.5}],
}
CATEGORY_COLUMNS = ("price_index", "cost_index", "mean_markup", "gross_margin", "net_margin",
                    "utilization", "consumer_surplus", "profit", "firms_alive")


def results(firms: list[dict] | None = None, categories: dict[str, dict] | None = None,
            regions: dict[str, dict] | None = None) -> Results:
    """A run built by hand: each value is a number (every period) or an array per period."""
    t = np.arange(PERIODS)

    def column(value, n=PERIODS):
        return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()

    cat_rows = []
    for cid, cols in (categories or {}).items():
        frame = {"period": t, "category": cid}
        frame |= {c: column(cols.get(c, 1.0)) for c in CATEGORY_COLUMNS}
        cat_rows.append(pd.DataFrame(frame))
    firm_rows = []
    for i, f in enumerate(firms or []):
        frame = {"period": t, "firm": f.get("firm", i), "category": f["category"],
                 "region": f.get("region", "coast")}
        for c in ("price", "unit_cost", "sales", "profit", "revenue", "tech", "meaning"):
            frame[c] = column(f.get(c, 1.0))
        frame["cooperative"] = column(f.get("cooperative", -1)).astype(np.int64)
        frame["markup"] = frame["price"] / frame["unit_cost"] - 1.0
        firm_rows.append(pd.DataFrame(frame))
    reg_rows = [pd.DataFrame({"period": t, "region": rid, "poverty_headcount":
                              column(cols.get("poverty", 0.5)), "mean_income":
                              column(cols.get("income", 1000.0))})
                for rid, cols in (regions or {}).items()]

    def table(rows: list[pd.DataFrame]) -> pa.Table:
        frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame({"period": []})
        return pa.Table.from_pandas(frame, preserve_index=False)

    return Results(tables={"firms": table(firm_rows), "categories": table(cat_rows),
                           "regions": table(reg_rows), "cultures": table([]),
                           "creators": table([])}, meta={"scenario": SCENARIO})


def judge(claim_id: str, runs: dict[str, Results]) -> list[str]:
    """The verdict of each criterion on runs that every seed shares (a tiny interval)."""
    q = CLAIMS[claim_id]
    effects = q.effects(q.measure(runs))
    out = []
    for c, e in zip(q.criteria, effects, strict=True):
        out.append(verdict(Interval(e, e - 1e-9, e + 1e-9), c.direction, c.threshold))
    return out


def sawtooth(size: float) -> np.ndarray:
    return 0.05 + size * np.exp(-(np.arange(PERIODS) % 13) / 3.0)


def test_c1_holds_and_fails():
    low = results(categories={"goods": {"price_index": 1.03, "cost_index": 1.0,
                                        "net_margin": -0.02}})
    assert judge("C1", {"subsidised": low}) == ["holds", "holds"]
    high = results(categories={"goods": {"price_index": 1.10, "cost_index": 1.0,
                                         "net_margin": 0.02}})
    assert judge("C1", {"subsidised": high}) == ["fails", "fails"]


def test_c2_cycles_on_the_leader_and_premium_over_commodity():
    leader = {"category": "phones", "tech": 1.0, "unit_cost": 1.0, "price": 1 + sawtooth(0.4)}
    flat = {"category": "phones", "tech": 0.5, "unit_cost": 1.0, "price": 1.3}
    cycling = results(firms=[flat, leader], categories={"phones": {"mean_markup": 0.2}})
    commodity = results(categories={"goods": {"mean_markup": 0.03}})
    assert judge("C2", {"rd": cycling, "commodity": commodity}) == ["holds", "holds"]
    # the cycling firm is not the leader: the leader's markup is flat
    still = results(firms=[{**leader, "tech": 0.1}, {**flat, "tech": 2.0}],
                    categories={"phones": {"mean_markup": 0.01}})
    assert judge("C2", {"rd": still, "commodity": commodity}) == ["fails", "fails"]


def test_c3_premium_stability_and_the_group():
    wobbly = 0.1 + 0.08 * np.sin(np.arange(PERIODS))
    accepted = results(categories={"embroidery": {"mean_markup": 0.5},
                                   "phones": {"mean_markup": wobbly}})
    forgotten = results(categories={"embroidery": {"mean_markup": 0.3},
                                    "phones": {"mean_markup": wobbly}})
    assert judge("C3", {"accepted": accepted, "forgotten": forgotten}) == ["holds"] * 3
    swapped = results(categories={"embroidery": {"mean_markup": wobbly},
                                  "phones": {"mean_markup": 0.5}})
    assert judge("C3", {"accepted": swapped, "forgotten": accepted}) == ["fails"] * 3


def craft(price: float, cost: float, profit: float, meaning: float) -> Results:
    firm = {"category": "embroidery", "region": "guizhou", "price": price, "unit_cost": cost,
            "sales": 10.0, "profit": profit, "meaning": meaning}
    return results(firms=[firm], categories={"embroidery": {"mean_markup": price / cost - 1}})


def test_c4_premium_in_yuan_markup_profit_and_willingness_to_pay():
    traditional = craft(1300.0, 800.0, 2000.0, 1.0)
    destroyed = craft(150.0, 120.0, 500.0, 0.2)
    assert judge("C4", {"traditional": traditional, "mandate": destroyed}) == ["holds"] * 4
    # cheaper machines sold at a higher premium, more profit, more meaning: all fail
    thriving = craft(1400.0, 120.0, 5000.0, 1.2)
    assert judge("C4", {"traditional": traditional, "mandate": thriving}) == [
        "fails", "fails", "fails", "fails"]
    # the markup can rise while the premium in yuan falls: the criteria disagree
    ratio = craft(300.0, 120.0, 500.0, 0.2)
    assert judge("C4", {"traditional": traditional, "mandate": ratio}) == [
        "holds", "fails", "holds", "holds"]


def test_c5_the_harm_of_merging_that_comes_from_ignoring_the_culture():
    def run(alive, profit, surplus):
        return results(firms=[{"category": "embroidery", "profit": profit}],
                       categories={"embroidery": {"firms_alive": alive, "profit": 0.0,
                                                  "consumer_surplus": surplus},
                                   "apparel": {"profit": 0.0, "consumer_surplus": 100.0}})
    plain = {"separate_plain": run(10, 200.0, 50.0), "merged_plain": run(5, 100.0, 40.0)}
    ruined = {"separate": run(20, 1000.0, 100.0), "merged": run(5, -50.0, 10.0), **plain}
    assert judge("C5", ruined) == ["holds"] * 3
    # merging costs craft exactly as much with its culture as without: no category error
    same = {"separate": run(10, 200.0, 50.0), "merged": run(5, 100.0, 40.0), **plain}
    assert judge("C5", same) == ["inconclusive"] * 3
    spared = {"separate": run(20, 1000.0, 100.0), "merged": run(19, 990.0, 99.0), **plain}
    assert judge("C5", spared) == ["fails"] * 3


def test_c6_poverty_against_both_other_arms_and_members_gain():
    def run(poverty, coop, other):
        return results(firms=[{"category": "embroidery", "cooperative": 0, "profit": coop},
                              {"category": "embroidery", "cooperative": -1, "profit": other}],
                       regions={"guizhou": {"poverty": poverty}})
    arms = {"nothing": run(0.74, 100.0, 100.0), "modernize": run(0.84, 0.0, 0.0),
            "media": run(0.70, 900.0, 150.0)}
    assert judge("C6", arms) == ["holds", "holds"]
    # media beats modernization but not doing nothing: poverty fails
    arms["media"] = run(0.76, 900.0, 150.0)
    assert judge("C6", arms)[0] == "fails"
    arms["media"] = run(0.70, 100.0, 400.0)
    assert judge("C6", arms)[1] == "fails"


def test_c7_only_the_home_countrys_firms_count():
    def run(home_price, foreign_price):
        return results(firms=[
            {"category": "cameras", "region": "japan", "price": home_price, "unit_cost": 1.0,
             "profit": home_price - 1.0, "revenue": home_price},
            {"category": "cameras", "region": "world", "price": foreign_price,
             "unit_cost": 1.0, "profit": foreign_price - 1.0, "revenue": foreign_price}])
    assert judge("C7", {"halo": run(1.3, 1.1), "no_halo": run(1.2, 1.5)}) == ["holds"] * 2
    assert judge("C7", {"halo": run(1.2, 1.9), "no_halo": run(1.3, 1.1)}) == ["fails"] * 2


def test_c8_income_of_the_craft_region():
    def run(income):
        return results(regions={"guizhou": {"income": income}})
    better, worse = run(1500.0), run(1400.0)
    assert judge("C8", {"media": better, "heritage": worse}) == ["holds"]
    assert judge("C8", {"media": worse, "heritage": better}) == ["fails"]


def test_leader_keeps_the_lead_on_ties_and_loses_it_to_a_better_rival():
    t = np.arange(PERIODS)
    a = {"firm": 7, "category": "phones", "tech": np.where(t < 20, 1.0, 1.0), "price": 1.5}
    b = {"firm": 3, "category": "phones", "tech": np.where(t < 10, 0.0, np.where(t < 30, 1.0,
                                                                                 2.0)),
         "price": 1.2}
    lead = ms.leader_series(results(firms=[a, b]), "phones")
    assert (lead.firm[t < 30] == 7).all() and (lead.firm[t >= 30] == 3).all()
    assert lead.markup.iloc[0] == pytest.approx(0.5) and lead.markup.iloc[-1] == pytest.approx(0.2)


def test_premium_and_willingness_to_pay_by_hand():
    run = results(firms=[
        {"category": "embroidery", "price": 1000.0, "unit_cost": 600.0, "sales": 3.0,
         "meaning": 1.0},
        {"category": "embroidery", "price": 200.0, "unit_cost": 150.0, "sales": 1.0,
         "meaning": 0.2}])
    assert ms.premium_yuan(run, "embroidery") == pytest.approx((3 * 400 + 50) / 4)
    meaning = (3 * 1.0 + 0.2) / 4
    assert ms.willingness_to_pay(run, "embroidery") == pytest.approx(0.9 * 0.5 * meaning / 0.0013)
    assert ms.willingness_to_pay(run, "goods") == 0.0
    with pytest.raises(MetricError, match="no category"):
        ms.premium_yuan(run, "nothing")


def test_public_spending_by_account():
    run = results()
    assert ms.public_spending(run, "national") == 0.0
    run.tables["public"] = pa.table({"period": [1, 2, 2], "account": ["national", "national",
                                                                       "guizhou"],
                                     "instrument": ["media"] * 3, "target": ["miao"] * 3,
                                     "spending": [10.0, 5.0, 7.0]})
    assert ms.public_spending(run, "national") == 15.0
    assert ms.public_spending(run, "guizhou") == 7.0

"""Money across the economy (DESIGN §1.8, §1.9): firms, households, creators and the public
accounts, with every intervention paid for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small
from typer.testing import CliRunner

from premia.catalog import shipped
from premia.cli import build
from premia.model.engine import Economy
from premia.results import Results

PAID_EVENTS = [
    {"at": 2, "kind": "media", "culture": "miao", "budget": 2.0e5, "until": 20},
    {"at": 3, "kind": "heritage", "culture": "miao", "budget": 5.0e4, "account": "guizhou"},
    {"at": 4, "kind": "creator", "creator": "guaxin"},
    {"at": 6, "kind": "modernize", "category": "embroidery", "region": "guizhou",
     "share": 0.5, "paid_by": "budget", "account": "guizhou"},
    {"at": 1, "kind": "subsidy", "category": "embroidery", "share": 0.4},
]
ENTRY = {"category.embroidery.entry_rate": 3.0, "category.embroidery.entry_spread": 100.0,
         "category.embroidery.entry_cost": 2.0e4, "category.embroidery.machine_capital": 300.0}


def _run(demand: str = "expected", seed: int = 4) -> tuple[Economy, dict[str, float], Results]:
    sc = small("guizhou", periods=30, consumers=500, drop_events=True, events=PAID_EVENTS,
               overrides={**ENTRY, "scenario.demand": demand})
    eco = Economy(sc, seed)
    f = eco.state.firms
    start = {"cash": float(f.cash[f.alive].sum())}
    eco.run()
    tables = eco.recorder.tables()
    tables["public"] = eco.budget.table()
    return eco, start, Results(tables=tables, meta={})


@pytest.mark.parametrize("demand", ["expected", "sampled"])
def test_each_firm_cash_moves_only_by_its_profit_and_payouts(demand):
    """cash(t) = cash(t-1) + injection + profit - dividends - investment, and profit is
    revenue less every cost line, row by row."""
    _, start, res = _run(demand)
    f = res.firms.sort_values(["firm", "period"])
    costs = f.wages + f.materials + f.transport + f.fixed_cost + f.rd_spend + f.commission
    np.testing.assert_allclose(f.profit, f.revenue - costs, rtol=1e-9, atol=1e-6)
    previous = f.groupby("firm").cash.shift(1)
    first = previous.isna()
    flow = f.injection + f.profit - f.dividends - f.investment
    np.testing.assert_allclose((f.cash - previous)[~first], flow[~first], rtol=1e-9, atol=1e-6)
    entrants = f[first & (f.injection > 0)]
    np.testing.assert_allclose(entrants.cash, flow[entrants.index], rtol=1e-9)
    declared = f[first & (f.injection == 0)]
    np.testing.assert_allclose(declared.cash.sum() - flow[declared.index].sum(),
                               start["cash"], rtol=1e-9)
    assert len(entrants) > 0 and (f.investment > 0).any() and (f.dividends > 0).any()


@pytest.mark.parametrize("demand", ["expected", "sampled"])
def test_the_economy_balances_including_the_public_accounts(demand):
    """What firms and public accounts hold changes only by what flows between them,
    households and creators, and in from or out to the rest of the world, to 1e-9."""
    eco, start, res = _run(demand)
    f, reg, cr, pub = res.firms, res.regions, res.creators, res.public
    end_cash = f.sort_values("period").groupby("firm").cash.last().sum()
    held = (end_cash - start["cash"]) + eco.budget.balance.sum()
    from_outside = f.revenue.sum() + f.injection.sum()
    to_outside = (f.materials + f.transport + f.fixed_cost + f.rd_spend + f.investment).sum()
    to_households = reg.wage_income.sum() + reg.dividend_income.sum()
    to_creators = f.commission.sum()
    public_spending = pub.spending.sum()
    balance = from_outside - to_outside - to_households - to_creators - public_spending
    assert held == pytest.approx(balance, rel=1e-9)
    # each transfer arrives where it was sent
    assert reg.wage_income.sum() == pytest.approx(f.wages.sum(), rel=1e-12)
    assert reg.dividend_income.sum() == pytest.approx(f.dividends.sum(), rel=1e-12)
    per_follower = cr.income.sum() - f.commission.sum()
    assert reg.creator_income.sum() == pytest.approx(cr.income.sum(), rel=1e-12)
    assert per_follower >= 0
    assert eco.budget.balance.sum() == pytest.approx(-public_spending, rel=1e-12)


def test_every_instrument_costs_what_the_scenario_says():
    eco, _, res = _run()
    pub = res.public
    by = pub.groupby(["instrument", "account"]).spending.sum()
    assert by[("media", "national")] == pytest.approx(2.0e5 * (20 - 2 + 1), rel=1e-12)
    assert by[("heritage", "guizhou")] == pytest.approx(5.0e4 * (30 - 3), rel=1e-12)
    creator = eco.scenario.creator[0]
    assert by[("promotion", "national")] == pytest.approx(creator.promotion * (30 - 4),
                                                          rel=1e-12)
    # the public share of entrants' sunk cost: 40% from period 1, none at period 0
    f = res.firms.sort_values(["firm", "period"])
    entrants = f[f.groupby("firm").cash.shift(1).isna() & (f.injection > 0)]
    later = entrants[entrants.period >= 1]
    assert by[("entry_subsidy", "national")] == pytest.approx(
        (later.investment * 0.4 / 0.6).sum(), rel=1e-9)
    # machines for the home workshops: machine_capital x K_hand x (0.5 - 0) x g
    assert by[("machines", "guizhou")] > 0
    assert set(pub.instrument) == {"media", "heritage", "promotion", "entry_subsidy",
                                   "machines"}
    # heritage raised cultural capital by its efficiency per yuan
    k = eco.scenario.culture[0]
    expected = min(k.capital + k.heritage_efficiency * 5.0e4 * (30 - 3), 100.0)
    assert res.cultures.capital.iloc[-1] == pytest.approx(expected, rel=1e-12)


def test_a_modernization_paid_by_the_workshops_comes_out_of_their_cash():
    sc = small("guizhou", periods=8, consumers=300, drop_events=True,
               overrides={"category.embroidery.machine_capital": 300.0,
                          "category.embroidery.entry_rate": 0.0,
                          "category.embroidery.capacity_growth": 0.0},
               events=[{"at": 5, "kind": "modernize", "category": "embroidery",
                        "share": 1.0}])
    eco = Economy(sc, 1)
    for _ in range(5):
        eco.step()
    f = eco.state.firms
    craft = f.alive & (f.category == 0)
    bill = (300.0 * f.hand_capacity * 1.0 * sc.category[0].machine_productivity)[craft]
    eco.step()
    np.testing.assert_allclose(f.investment[craft], bill, rtol=1e-12)
    assert eco.budget.table().num_rows == 0 or "machines" not in set(
        eco.budget.table().column("instrument").to_pylist())


def test_run_writes_a_public_table_with_the_media_budget(tmp_path):
    """premia run guizhou with the media event switched on: the public table's media
    spending is the scenario's budget every month from the event on."""
    out = tmp_path / "run"
    result = CliRunner().invoke(build(), [
        "run", str(shipped()["guizhou"]), "--set", "event.1.enabled=true",
        "--set", "scenario.periods=24", "--set", "scenario.consumers=400", "--out", str(out)])
    assert result.exit_code == 0, result.output
    public = pd.read_parquet(out / "public.parquet")
    media = public[public.instrument == "media"]
    budget = Results.load(out).meta["scenario"]["event"][1]["budget"]
    at = Results.load(out).meta["scenario"]["event"][1]["at"]
    assert list(media.period) == list(range(at, 24))
    np.testing.assert_allclose(media.spending, budget, rtol=0)
    assert set(media.target) == {"miao"} and set(media.account) == {"national"}

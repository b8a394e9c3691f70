"""Applying the scenario's events (DESIGN §1.9) to the state, and paying for them.

Events are applied at the start of period ``at``. Budgets that run for several periods
(media, heritage, an active creator's promotion) are paid every period they run by
:meth:`Interventions.pay_recurring`:

    media:     the culture's mass reach this period is 1 - exp(-media_efficiency x budget);
    heritage:  M_k <- min(M_k + heritage_efficiency_k x budget, 100);
    promotion: the creator's external follow hazard includes media_efficiency x promotion.

A modernization buys machines: raising a workshop's modern share from m to m' buys
``machine_capital`` x K_hand (m' - m) g_c yuan of machines (g_c the machine
productivity), paid by the workshop or by the event's public account.
"""

from __future__ import annotations

import numpy as np

from premia.events import (
    CreatorStart,
    Heritage,
    Media,
    MergeMarkets,
    Modernize,
    Patent,
    Shock,
    Subsidy,
)
from premia.model.budget import PublicBudget
from premia.model.state import Params, State
from premia.scenario import Scenario

FOREVER = 1 << 30
MAX_CAPITAL = 100.0


def machine_bill(state: State, p: Params, chosen: np.ndarray, share: float) -> np.ndarray:
    """Yuan of machines each chosen firm needs to reach modern share ``share``."""
    f = state.firms
    g = p.cat["machine_productivity"][f.category]
    rise = np.maximum(share - f.modern_share, 0.0)
    return np.where(chosen, p.cat["machine_capital"][f.category] * f.hand_capacity * rise * g,
                    0.0)


class Interventions:
    """The scenario's events, indexed by period and by the names they refer to."""

    def __init__(self, sc: Scenario, p: Params, budget: PublicBudget) -> None:
        self.params = p
        self.budget = budget
        self.category = {c.id: i for i, c in enumerate(sc.category)}
        self.region = {r.id: i for i, r in enumerate(sc.region)}
        self.culture = {k.id: i for i, k in enumerate(sc.culture)}
        self.creator = {z.id: i for i, z in enumerate(sc.creator)}
        self.category_ids = [c.id for c in sc.category]
        self.culture_ids = [k.id for k in sc.culture]
        self.creators = sc.creator
        self.heritage_efficiency = np.array([k.heritage_efficiency for k in sc.culture])
        self.by_period: dict[int, list] = {}
        for e in sc.event:
            if not e.enabled:
                continue
            self.by_period.setdefault(e.at, []).append(e)

    def apply(self, state: State) -> None:
        """Apply every event scheduled for ``state.period``."""
        for e in self.by_period.get(state.period, []):
            getattr(self, f"_{e.kind}")(state, e)

    def pay_recurring(self, state: State) -> None:
        """Pay this period's media, heritage and promotion budgets; heritage raises M_k."""
        t, b = state.period, self.budget
        for k in range(state.media_budget.size):
            if state.media_until[k] >= t:
                b.spend(t, int(state.media_account[k]), "media", self.culture_ids[k],
                        float(state.media_budget[k]))
            if state.heritage_until[k] >= t and state.heritage_budget[k] > 0:
                spent = float(state.heritage_budget[k])
                b.spend(t, int(state.heritage_account[k]), "heritage", self.culture_ids[k],
                        spent)
                state.capital[k] = min(state.capital[k] + self.heritage_efficiency[k] * spent,
                                       MAX_CAPITAL)
        for z, creator in enumerate(self.creators):
            if state.creator_active[z]:
                b.spend(t, b.index[creator.account], "promotion", creator.id,
                        creator.promotion)

    def _modernize(self, state: State, e: Modernize) -> None:
        f = state.firms
        chosen = f.alive & (f.category == self.category[e.category])
        if e.region is not None:
            chosen &= f.region == self.region[e.region]
        bill = machine_bill(state, self.params, chosen, e.share)
        if e.paid_by == "budget":
            self.budget.spend(state.period, self.budget.index[e.account], "machines",
                              e.category, float(bill.sum()))
        else:
            f.cash[:] -= bill
            f.investment[:] += bill
        f.modern_share[chosen] = e.share

    def _merge_markets(self, state: State, e: MergeMarkets) -> None:
        c, into = self.category[e.category], self.category[e.into]
        state.markets.market[c] = state.markets.market[into]
        state.markets.culture_weight[c] = 0.0

    def _media(self, state: State, e: Media) -> None:
        k = self.culture[e.culture]
        state.media_budget[k] = e.budget
        state.media_until[k] = e.until if e.until is not None else FOREVER
        state.media_account[k] = self.budget.index[e.account]

    def _heritage(self, state: State, e: Heritage) -> None:
        k = self.culture[e.culture]
        state.heritage_budget[k] = e.budget
        state.heritage_until[k] = e.until if e.until is not None else FOREVER
        state.heritage_account[k] = self.budget.index[e.account]

    def _creator(self, state: State, e: CreatorStart) -> None:
        state.creator_active[self.creator[e.creator]] = True

    def _subsidy(self, state: State, e: Subsidy) -> None:
        c = self.category[e.category]
        m = state.markets
        if e.target == "entry":
            m.entry_subsidy[c], m.entry_account[c] = e.share, self.budget.index[e.account]
        else:
            m.machine_programme[c] = self.params.kind[c] in (2, 3)  # workshops with a craft
            m.machine_subsidy[c], m.machine_account[c] = e.share, self.budget.index[e.account]

    def _patent(self, state: State, e: Patent) -> None:
        state.markets.patent_length[self.category[e.category]] = e.length

    def _shock(self, state: State, e: Shock) -> None:
        state.markets.purchase_rate[self.category[e.category]] *= e.factor

"""Applying the scenario's events (DESIGN §1.9) to the state at the start of a period."""

from __future__ import annotations

from premia.events import (
    CreatorStart,
    Media,
    MergeMarkets,
    Modernize,
    Patent,
    Shock,
    Subsidy,
)
from premia.model.state import State
from premia.scenario import Scenario


class Interventions:
    """The scenario's events, indexed by period and by the names they refer to."""

    def __init__(self, sc: Scenario) -> None:
        self.category = {c.id: i for i, c in enumerate(sc.category)}
        self.region = {r.id: i for i, r in enumerate(sc.region)}
        self.culture = {k.id: i for i, k in enumerate(sc.culture)}
        self.creator = {z.id: i for i, z in enumerate(sc.creator)}
        self.by_period: dict[int, list] = {}
        for e in sc.event:
            if not e.enabled:
                continue
            self.by_period.setdefault(e.at, []).append(e)

    def apply(self, state: State) -> None:
        """Apply every event scheduled for ``state.period``."""
        for e in self.by_period.get(state.period, []):
            getattr(self, f"_{e.kind}")(state, e)

    def _modernize(self, state: State, e: Modernize) -> None:
        f = state.firms
        chosen = f.alive & (f.category == self.category[e.category])
        if e.region is not None:
            chosen &= f.region == self.region[e.region]
        f.modern_share[chosen] = e.share

    def _merge_markets(self, state: State, e: MergeMarkets) -> None:
        c, into = self.category[e.category], self.category[e.into]
        state.markets.market[c] = state.markets.market[into]
        state.markets.culture_weight[c] = 0.0

    def _media(self, state: State, e: Media) -> None:
        k = self.culture[e.culture]
        state.media_budget[k] = e.budget
        state.media_until[k] = e.until if e.until is not None else 1 << 30

    def _creator(self, state: State, e: CreatorStart) -> None:
        state.creator_active[self.creator[e.creator]] = True

    def _subsidy(self, state: State, e: Subsidy) -> None:
        state.markets.entry_push[self.category[e.category]] = e.push

    def _patent(self, state: State, e: Patent) -> None:
        state.markets.patent_length[self.category[e.category]] = e.length

    def _shock(self, state: State, e: Shock) -> None:
        state.markets.purchase_rate[self.category[e.category]] *= e.factor

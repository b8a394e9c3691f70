"""The period loop: the order in which mechanisms act (one-way data flow).

Each period t:

1. events scheduled for t are applied;
2. culture: affinity, awareness and following move (culture module);
3. costs, quality, authenticity, meaning and capacity are recomputed;
4. prices are set (adaptive from last period's utilisation, or Bertrand-Nash);
5. demand is computed and rationed by capacity; accounts are settled;
6. creators take their commission; households' incomes are computed (regions module);
   bankrupt firms exit and the period is recorded;
7. innovation and imitation, capacity growth and entry prepare period t + 1.
"""

from __future__ import annotations

import numpy as np

from premia.model import accounts, costs, culture, entry, innovation, pricing, regions
from premia.model.demand import Offer, expected_demand
from premia.model.interventions import Interventions
from premia.model.recorder import Recorder
from premia.model.setup import build_state
from premia.model.state import Params, State
from premia.scenario import Scenario

MARGIN_MEMORY = 1.0 / 12.0  # weight of the newest month in the smoothed net margin


class Economy:
    """One run of a scenario: state, parameters, generator and recorder.

    Example:
        >>> from premia import load_scenario
        >>> eco = Economy(load_scenario("scenarios/minimal.toml"), seed=1)
        >>> eco.step()
        >>> eco.state.period
        1
    """

    def __init__(self, sc: Scenario, seed: int) -> None:
        self.scenario = sc
        self.params = Params.from_scenario(sc)
        self.rng = np.random.default_rng(np.random.SeedSequence(seed))
        self.state: State = build_state(sc, self.params, self.rng)
        self.culture = culture.CultureDynamics(sc, self.state.consumers, self.rng)
        self.regions = regions.Households(sc, self.params, self.rng)
        self.interventions = Interventions(sc)
        self.recorder = Recorder(sc)
        self._home, self._others = self._entry_regions()

    def _entry_regions(self) -> tuple[np.ndarray, list[np.ndarray]]:
        p, f = self.params, self.state.firms
        n_regions = len(self.scenario.region)
        home = np.full(len(self.scenario.category), -1, np.int64)
        others: list[np.ndarray] = []
        for c in range(home.size):
            k = p.category_culture[c]
            if k >= 0:
                home[c] = [r.id for r in self.scenario.region].index(
                    self.scenario.culture[k].home)  # a region may be home to several
                rest = np.array([r for r in range(n_regions) if r != home[c]], np.int64)
            else:
                rest = np.unique(f.region[f.alive & (f.category == c)])
            others.append(rest if rest.size or k >= 0 else np.arange(n_regions))
        return home, others

    def offer(self) -> Offer:
        """The goods on offer, sorted by market."""
        f, p, mk = self.state.firms, self.params, self.state.markets
        slots = np.flatnonzero(f.alive)
        market = mk.market[f.category[slots]]
        order = np.argsort(market, kind="stable")
        slots, market = slots[order], market[order]
        c = f.category[slots]
        host = mk.market[c]
        counts = np.bincount(market, minlength=mk.market.size)
        return Offer(
            slots=slots,
            offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            quality_term=p.cat["quality_weight"][host] * f.quality[slots],
            meaning_term=mk.culture_weight[c] * f.meaning[slots],
            culture=np.where(mk.culture_weight[c] > 0, p.category_culture[c], -1),
            origin_culture=p.region_culture[f.region[slots]],
            creator=np.where(self.state.creator_active[np.maximum(f.coop[slots], 0)]
                             if self.state.creator_active.size else False,
                             f.coop[slots], -1).astype(np.int64),
            price=f.price[slots].copy(),
            price_weight=p.cat["price_weight"][host],
            purchase_rate=mk.purchase_rate.copy(),
            outside_utility=p.cat["outside_utility"].copy(),
        )

    def _set_prices(self, offer: Offer) -> None:
        f, p = self.state.firms, self.params
        if self.scenario.scenario.pricing == "nash":
            prices, _ = pricing.nash_prices(offer, self.state.consumers, self.eta,
                                            f.effective_cost[offer.slots], f.owner[offer.slots])
            f.price[offer.slots] = prices
        elif self.state.period > 0:
            c = f.category[offer.slots]
            f.price[offer.slots] = pricing.adaptive_prices(
                f.price[offer.slots], f.unit_cost[offer.slots], f.utilization[offer.slots],
                p.cat["price_speed"][c], p.cat["target_utilization"][c])
        else:  # an event at period 0 may have raised costs: never price below them
            f.price[offer.slots] = np.maximum(f.price[offer.slots], f.unit_cost[offer.slots])
        offer.price[:] = f.price[offer.slots]

    @property
    def eta(self) -> float:
        """The halo weight eta."""
        return self.scenario.consumers.halo

    def step(self) -> None:
        """Advance the economy by one period."""
        st, p, f = self.state, self.params, self.state.firms
        self.interventions.apply(st)
        self.culture.step(st, self.rng)
        costs.refresh(f, p, self.culture.uplift(st))
        fresh = f.alive & np.isnan(f.price)
        f.price[fresh] = f.unit_cost[fresh] * (1.0 + p.cat["initial_markup"][f.category[fresh]])
        offer = self.offer()
        self._set_prices(offer)
        uniforms = None
        sampled = self.scenario.scenario.demand == "sampled"
        if sampled:
            uniforms = self.rng.random((st.consumers.income.size, offer.offsets.size - 1, 2))
        demand, surplus = expected_demand(offer, st.consumers, self.eta, st.consumers.weight,
                                          sampled, uniforms)
        f.demand[:] = 0.0
        f.demand[offer.slots] = demand
        st.consumer_surplus[:] = surplus
        accounts.settle(f, p)
        self.culture.pay_commissions(st)
        self._update_margins()
        incomes = self.regions.incomes(st, self.culture)
        traded = f.alive.copy()
        entry.exit_firms(st, p)
        self.recorder.record(st, traded, incomes, self.culture)
        innovation.innovate(f, st.markets, p, st.period, self.rng)
        entry.grow_capacity(st, p)
        entry.enter_firms(st, p, self.rng, self._home, self._others)
        st.period += 1

    def _update_margins(self) -> None:
        f, mk = self.state.firms, self.state.markets
        n_cat = mk.recent_margin.size
        rev = np.bincount(f.category, weights=np.where(f.alive, f.revenue, 0.0), minlength=n_cat)
        prof = np.bincount(f.category, weights=f.profit, minlength=n_cat)
        margin = np.where(rev > 0, prof / np.where(rev > 0, rev, 1.0), 0.0)
        mk.recent_margin[:] += MARGIN_MEMORY * (margin - mk.recent_margin)

    def run(self, progress=None) -> None:
        """Run every remaining period; ``progress(done, total)`` is called after each."""
        total = self.scenario.scenario.periods
        while self.state.period < total:
            self.step()
            if progress is not None:
                progress(self.state.period, total)

"""The period loop: the order in which mechanisms act (one-way data flow).

Each period t:

1. events scheduled for t are applied (a modernization buys its machines);
2. firms that were nearly full add capacity, and this period's entrants arrive (both
   judged from what the market showed up to t - 1, and both paid for);
3. recurring public budgets are paid (media, heritage, creators' promotion);
4. culture: affinity, awareness and following move (culture module);
5. costs, quality, authenticity, meaning and capacity are recomputed; under a machine
   programme, workshops that find machines worth their price buy them;
6. prices are set by each category's rule (adaptive from last period's utilisation, or
   Bertrand-Nash with capacity);
7. demand is computed and rationed by capacity; accounts are settled; creators take their
   commission and owners their dividends; households' incomes are computed;
8. R&D is spent (innovation and imitation improve technology from t + 1), bankrupt firms
   exit and the period is recorded.
"""

from __future__ import annotations

import numpy as np

from premia.model import (
    accounts,
    costs,
    culture,
    entry,
    innovation,
    mechanization,
    pricing,
    regions,
)
from premia.model.budget import PublicBudget
from premia.model.demand import Offer, expected_demand
from premia.model.interventions import Interventions
from premia.model.recorder import Recorder
from premia.model.setup import build_state
from premia.model.shoppers import draw_shoppers
from premia.model.state import Consumers, Params, State
from premia.scenario import Scenario

MARGIN_MEMORY = 1.0 / 12.0  # weight of the newest month in the smoothed margin and profit
PRICE_TOLERANCE = 1e-8  # relative price change at which the Nash iteration stops


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
        self.budget = PublicBudget(sc)
        self.interventions = Interventions(sc, self.params, self.budget)
        self.recorder = Recorder(sc)
        self.category_ids = [c.id for c in sc.category]
        self.pricing_sample = self._draw_pricing_sample(seed)
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

    def _draw_pricing_sample(self, seed: int) -> np.ndarray | None:
        """The consumers Nash prices are solved on (``scenario.pricing_sample``), drawn once
        without replacement from a stream of its own (the run's other draws stay as they
        are without a sample); None when the sample would be everyone."""
        n, size = self.scenario.scenario.consumers, self.scenario.scenario.pricing_sample
        if size == 0 or size >= n:
            return None
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
        return np.sort(rng.choice(n, size=size, replace=False))

    def pricing_consumers(self) -> Consumers:
        """The consumers whose choices set Nash prices: everyone, or the fixed sample, its
        weights scaled up to stand for the whole population."""
        c, idx = self.state.consumers, self.pricing_sample
        if idx is None:
            return c
        weight = c.weight[idx]
        return Consumers(weight=weight * (c.weight.sum() / weight.sum()),
                         region=c.region[idx], income=c.income[idx],
                         quality_taste=c.quality_taste[idx], price_factor=c.price_factor[idx],
                         affinity=c.affinity[idx], awareness=c.awareness[idx],
                         bought=c.bought[idx], follows=c.follows[idx])

    def _set_prices(self, offer: Offer) -> None:
        """Adaptive goods move with last period's utilisation; Nash goods are then priced
        jointly, taking the adaptive goods' prices as given."""
        f, p = self.state.firms, self.params
        slots = offer.slots
        c = f.category[slots]
        adaptive = p.pricing[c] == 0
        if self.state.period > 0:
            moved = pricing.adaptive_prices(f.price[slots], f.unit_cost[slots],
                                            f.utilization[slots], p.cat["price_speed"][c],
                                            p.cat["target_utilization"][c])
        else:  # an event at period 0 may have raised costs: never price below them
            moved = np.maximum(f.price[slots], f.unit_cost[slots])
        offer.price[:] = np.where(adaptive, moved, f.price[slots])
        if not adaptive.all():
            shadow = f.capacity_rent[slots]
            pricing.nash_prices(offer, self.pricing_consumers(), self.eta,
                                f.effective_cost[slots], f.owner[slots],
                                capacity=f.capacity[slots], free=~adaptive, shadow=shadow,
                                tol=PRICE_TOLERANCE)
            f.capacity_rent[slots] = shadow
        f.price[slots] = offer.price

    @property
    def eta(self) -> float:
        """The halo weight eta."""
        return self.scenario.consumers.halo

    def step(self) -> None:
        """Advance the economy by one period."""
        st, p, f = self.state, self.params, self.state.firms
        accounts.start_period(f)
        self.interventions.apply(st)
        entry.grow_capacity(st, p)
        entry.enter_firms(st, p, self.rng, self.budget, self.category_ids, self._home,
                          self._others)
        self.interventions.pay_recurring(st)
        self.culture.step(st, self.rng)
        costs.refresh(f, p, self.culture.uplift(st), st.capital)
        fresh = f.alive & np.isnan(f.price)
        f.price[fresh] = f.unit_cost[fresh] * (1.0 + p.cat["initial_markup"][f.category[fresh]])
        offer = self.offer()
        if st.markets.machine_programme.any() and mechanization.adopt_machines(
                st, p, offer, self.pricing_consumers(), self.eta, self.budget,
                self.culture.uplift(st), self.category_ids):
            costs.refresh(f, p, self.culture.uplift(st), st.capital)
            offer = self.offer()
        self._set_prices(offer)
        shoppers = None
        sampled = self.scenario.scenario.demand == "sampled"
        if sampled:
            shoppers = draw_shoppers(self.rng, st.consumers.income.size, offer.purchase_rate)
        demand, surplus = expected_demand(offer, st.consumers, self.eta, st.consumers.weight,
                                          sampled, shoppers)
        f.demand[:] = 0.0
        f.demand[offer.slots] = demand
        st.consumer_surplus[:] = surplus
        accounts.settle(f, p)
        self.culture.pay_commissions(st)
        accounts.pay_dividends(f, p)
        self._update_margins()
        incomes = self.regions.incomes(st, self.culture)
        traded = f.alive.copy()
        entry.exit_firms(st, p)
        self.recorder.record(st, traded, incomes, self.culture)
        innovation.innovate(f, st.markets, p, st.period, self.rng)
        st.period += 1

    def _update_margins(self) -> None:
        """Smooth each category's net margin, total profit and total demand (what
        entrants judge the market by); the first period sets them."""
        f, mk = self.state.firms, self.state.markets
        weight = 1.0 if self.state.period == 0 else MARGIN_MEMORY
        accounts.smooth_market_books(f.floats, f.alive, f.category, weight, mk.recent_margin,
                                     mk.recent_profit, mk.recent_demand)

    def run(self, progress=None) -> None:
        """Run every remaining period; ``progress(done, total)`` is called after each."""
        total = self.scenario.scenario.periods
        while self.state.period < total:
            self.step()
            if progress is not None:
                progress(self.state.period, total)

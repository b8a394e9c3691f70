"""Entry, exit and capacity: where overcapacity comes from (DESIGN §1.6).

- exit: a firm leaves when its cash falls below -bankruptcy_months x its fixed cost;
- capacity: a firm whose utilisation exceeds ``growth_utilization`` and whose cash is
  positive grows its capacity by ``capacity_growth`` per period;
- entry: entrants arrive in category c as a Poisson process with rate

      lambda_c = sigma_c + entry_sensitivity_c * max(0, recent net margin_c),

  sigma_c being the investment push (subsidised capacity). Entrants into culture
  categories come from the home region with probability ``entry_home_share``; the others
  are imitators (interpretation right ``imitator_right``, modern share
  ``imitator_modern_share``). Technology entrants start with the best off-patent
  technology. An entrant copies the size and practice of a living firm of its category
  (or, when none is left, the mean of the category's declared firms) and starts with the
  declared firms' mean initial cash (the capital that comes with the investment).

The overcapacity ratio sum K / sum D is reported per category.
"""

from __future__ import annotations

import numpy as np

from premia.model.innovation import off_patent_best
from premia.model.state import Params, State


def exit_firms(state: State, p: Params) -> np.ndarray:
    """Mark bankrupt firms dead; return the mask of firms that exited."""
    f = state.firms
    fixed = p.cat["fixed_cost"][f.category] * f.capacity
    floor = -p.cat["bankruptcy_months"][f.category] * np.maximum(fixed, 1.0)
    leaving = f.alive & (f.cash < floor)
    f.alive[leaving] = False
    return leaving


def grow_capacity(state: State, p: Params) -> None:
    """Firms that are nearly full and solvent add capacity."""
    f = state.firms
    c = f.category
    growing = f.alive & (f.utilization > p.cat["growth_utilization"][c]) & (f.cash > 0)
    f.hand_capacity[growing] *= 1.0 + p.cat["capacity_growth"][c][growing]


def entrant_counts(state: State, p: Params, rng: np.random.Generator) -> np.ndarray:
    """Number of entrants per category this period (Poisson)."""
    m = state.markets
    rate = m.entry_push + p.cat["entry_sensitivity"] * np.maximum(m.recent_margin, 0.0)
    return rng.poisson(rate)


def _living_peer(state: State, category: int) -> int:
    """A living slot of the category whose size and practice an entrant copies (-1: none)."""
    f = state.firms
    living = np.flatnonzero((f.category == category) & f.alive)
    return int(living[0]) if living.size else -1


def enter_firms(state: State, p: Params, rng: np.random.Generator,
                home_regions: np.ndarray, other_regions: list[np.ndarray]) -> int:
    """Create this period's entrants in free slots; return how many entered.

    Args:
        state: the state, changed in place.
        p: parameters.
        rng: the run's generator.
        home_regions: per category, the home region of its culture (-1 if none).
        other_regions: per category, the regions an entrant may come from.
    """
    counts = entrant_counts(state, p, rng)
    f = state.firms
    entered = 0
    for c in range(counts.shape[0]):
        for _ in range(int(counts[c])):
            free = np.flatnonzero(~f.alive)
            if free.size == 0:
                return entered
            slot, src = int(free[0]), _living_peer(state, c)
            u_home, u_region = rng.random(), rng.random()
            _fill_entrant(state, p, slot, src, c)
            home = home_regions[c]
            if home >= 0 and u_home < p.cat["entry_home_share"][c]:
                f.region[slot] = home
                f.interpretation_right[slot] = 1.0
            elif home >= 0:
                choices = other_regions[c]
                f.region[slot] = choices[int(u_region * choices.size)] if choices.size else home
                f.interpretation_right[slot] = p.cat["imitator_right"][c]
                f.modern_share[slot] = p.cat["imitator_modern_share"][c]
            else:
                choices = other_regions[c]
                f.region[slot] = choices[int(u_region * choices.size)]
            entered += 1
    return entered


ENTRANT_TRAITS = ("hand_capacity", "modern_share", "rd_intensity", "interpretation_right",
                  "tech")


def _fill_entrant(state: State, p: Params, slot: int, src: int, c: int) -> None:
    """An entrant copies a living peer's traits, or the category's declared firms' mean
    traits when none is alive, and starts with the declared firms' mean cash."""
    f = state.firms
    for name in ENTRANT_TRAITS:
        getattr(f, name)[slot] = (getattr(f, name)[src] if src >= 0
                                  else state.markets.entrant[name][c])
    if p.kind[c] in (1, 3):
        best = off_patent_best(state.markets, c, state.period)
        if np.isfinite(best):
            f.tech[slot] = best
    for name in ("demand", "sales", "revenue", "last_revenue", "profit", "rd_spend", "wages"):
        getattr(f, name)[slot] = 0.0
    f.cash[slot] = state.markets.entrant["cash"][c]
    f.firm_id[slot] = state.next_firm_id
    state.next_firm_id += 1
    f.category[slot] = c
    f.owner[slot] = f.firm_id[slot] + (1 << 40)
    f.coop[slot] = -1
    f.tech_born[slot] = state.period
    f.alive[slot] = True
    f.utilization[slot] = p.cat["target_utilization"][c]
    f.price[slot] = np.nan  # set from cost once costs are refreshed

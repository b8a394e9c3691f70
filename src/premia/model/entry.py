"""Entry, exit, capacity: where overcapacity comes from (DESIGN §1.6).

- exit: a firm leaves when its cash falls below -bankruptcy_months x max(fixed cost, 1);
- capacity: a firm whose utilisation exceeds ``growth_utilization`` grows its capacity by
  ``capacity_growth`` a month if it can pay ``capacity_cost`` per unit of capacity added;
- entry pays its way. Potential entrants arrive in category c as a Poisson process with

      lambda_c = entry_rate_c / (1 + exp(-V_c / (spread_c Z_c))),
      V_c      = pihat_c A(r_c, H_c) - (1 - s_c) S_c,
      pihat_c  = Pibar_c / (n_c + 1),        A(r, H) = (1 - (1 + r)^-H) / r,
      S_c      = entry_cost_c + capacity_cost_c K_e,   K_e = Dbar_c / (n_c + 1) / u*_c,

  where Pibar and Dbar are the category's smoothed monthly profit and demand (what the
  n_c incumbents earn and sell now, shared with one more firm), A the value of a yuan a
  month for H months at the monthly discount rate r, s_c the share of the sunk cost a
  public subsidy pays, and Z_c = max(S_c, |pihat_c| A, 1) the scale of entrants'
  valuations, which differ around V_c with a logistic spread. An entrant is sized to the
  sales it can expect (K_e; the declared firms' mean capacity when the category has no
  demand yet), pays (1 - s_c) S_c from the capital its owners bring (the declared firms'
  mean cash on top), and the public account pays s_c S_c.

Entrants into culture categories come from the home region with probability
``entry_home_share``; the others are imitators (interpretation right ``imitator_right``,
modern share ``imitator_modern_share``). Technology entrants start with the best
off-patent technology. Each entrant draws its own cost factor around 1 (the spread of its
category's declared firms).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.budget import PublicBudget
from premia.model.fastmath import maximum
from premia.model.innovation import off_patent_best
from premia.model.state import Params, State, float_row

CAPACITY, CASH, MODERN_SHARE, HAND_CAPACITY, UTILIZATION, INVESTMENT = (
    float_row(name) for name in ("capacity", "cash", "modern_share", "hand_capacity",
                                 "utilization", "investment"))


def exit_firms(state: State, p: Params) -> np.ndarray:
    """Mark bankrupt firms dead; return the mask of firms that exited."""
    f = state.firms
    leaving = np.zeros(f.slots, np.bool_)
    _exit(f.floats, f.alive, f.category, p.cat["fixed_cost"], p.cat["bankruptcy_months"],
          leaving, state.markets.exits)
    return leaving


def grow_capacity(state: State, p: Params) -> None:
    """Firms that are nearly full and can pay for it add capacity."""
    f = state.firms
    _grow(f.floats, f.alive, f.category, p.cat["machine_productivity"],
          p.cat["capacity_growth"], p.cat["capacity_cost"], p.cat["growth_utilization"])


@nb.njit(cache=True, error_model="numpy")
def _exit(F, alive, category, fixed_cost, bankruptcy_months, leaving,
          exits):  # pragma: no cover - compiled
    """cash < -bankruptcy_months max(fixed cost, 1) ends a living firm."""
    exits[:] = 0
    for f in range(alive.size):
        c = category[f]
        floor = -bankruptcy_months[c] * maximum(fixed_cost[c] * F[CAPACITY, f], 1.0)
        if alive[f] and F[CASH, f] < floor:
            leaving[f] = True
            alive[f] = False
            exits[c] += 1


@nb.njit(cache=True, error_model="numpy")
def _grow(F, alive, category, machine_productivity, capacity_growth, capacity_cost,
          growth_utilization):  # pragma: no cover - compiled
    """The module's capacity rule firm by firm, in the order of the NumPy expressions."""
    for f in range(alive.size):
        c = category[f]
        scale = 1.0 + F[MODERN_SHARE, f] * (machine_productivity[c] - 1.0)
        added = F[HAND_CAPACITY, f] * capacity_growth[c]
        cost = capacity_cost[c] * added * scale
        cash = F[CASH, f]
        if (alive[f] and F[UTILIZATION, f] > growth_utilization[c] and added > 0
                and cash >= cost and cash > 0):
            F[HAND_CAPACITY, f] += added
            F[CASH, f] -= cost
            F[INVESTMENT, f] += cost


def annuity(rate: np.ndarray, horizon: np.ndarray) -> np.ndarray:
    """A(r, H) = (1 - (1 + r)^-H) / r: present value of one yuan a month for H months."""
    return (1.0 - (1.0 + rate) ** -horizon) / rate


def entry_value(state: State, p: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per category: the value of entering V_c, the valuation scale Z_c and the entrant's
    capacity K_e."""
    f, m = state.firms, state.markets
    n_cat = m.recent_profit.size
    n = np.bincount(f.category[f.alive], minlength=n_cat).astype(float)
    size = m.recent_demand / (n + 1.0) / np.maximum(p.cat["target_utilization"], 1e-6)
    size = np.where(size > 0, size, m.entrant["capacity"])
    sunk = p.cat["entry_cost"] + p.cat["capacity_cost"] * size
    worth = m.recent_profit / (n + 1.0) * annuity(p.cat["discount_rate"], p.cat["entry_horizon"])
    scale = np.maximum(np.maximum(sunk, np.abs(worth)), 1.0)
    return worth - (1.0 - m.entry_subsidy) * sunk, scale, size


def entrant_counts(state: State, p: Params, rng: np.random.Generator,
                   valued: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                   ) -> np.ndarray:
    """Number of entrants per category this period (Poisson with rate lambda_c);
    ``valued`` is :func:`entry_value`'s result when the caller has it."""
    value, scale, _ = entry_value(state, p) if valued is None else valued
    z = np.clip(-value / (p.cat["entry_spread"] * scale), -700.0, 700.0)
    return rng.poisson(p.cat["entry_rate"] / (1.0 + np.exp(z)))


def enter_firms(state: State, p: Params, rng: np.random.Generator, budget: PublicBudget,
                category_ids: list[str], home_regions: np.ndarray,
                other_regions: list[np.ndarray]) -> int:
    """Create this period's entrants in free slots; return how many entered.

    Args:
        state: the state, changed in place.
        p: parameters.
        rng: the run's generator.
        budget: the public accounts (they pay the subsidised share of the sunk cost).
        category_ids: category ids, for the public ledger.
        home_regions: per category, the home region of its culture (-1 if none).
        other_regions: per category, the regions an entrant may come from.
    """
    f, m = state.firms, state.markets
    m.entrants[:] = 0
    if not p.cat["entry_rate"].any():
        return 0  # Poisson draws with rate 0 are 0 and take nothing from the stream
    valued = entry_value(state, p)
    counts = entrant_counts(state, p, rng, valued)
    size = valued[2]
    entered = 0
    for c in range(counts.shape[0]):
        for _ in range(int(counts[c])):
            free = np.flatnonzero(~f.alive)
            if free.size == 0:
                return entered
            slot = int(free[0])
            u_home, u_region, z = rng.random(), rng.random(), rng.standard_normal()
            _fill_entrant(state, p, slot, c, z)
            _place_entrant(state, p, slot, c, u_home, u_region, home_regions, other_regions)
            machines = 1.0 + f.modern_share[slot] * (p.cat["machine_productivity"][c] - 1.0)
            f.hand_capacity[slot] = size[c] / machines
            sunk = p.cat["entry_cost"][c] + p.cat["capacity_cost"][c] * size[c]
            public = m.entry_subsidy[c] * sunk
            f.injection[slot] = m.entrant["cash"][c] + (sunk - public)
            f.investment[slot] = sunk - public
            budget.spend(state.period, int(m.entry_account[c]), "entry_subsidy",
                         category_ids[c], public)
            m.entrants[c] += 1
            entered += 1
    return entered


def _place_entrant(state: State, p: Params, slot: int, c: int, u_home: float,
                   u_region: float, home_regions: np.ndarray,
                   other_regions: list[np.ndarray]) -> None:
    """Where the entrant comes from, and whether it holds the interpretation right."""
    f = state.firms
    home = home_regions[c]
    choices = other_regions[c]
    if home >= 0 and u_home < p.cat["entry_home_share"][c]:
        f.region[slot] = home
        f.interpretation_right[slot] = 1.0
    elif home >= 0:
        f.region[slot] = choices[int(u_region * choices.size)] if choices.size else home
        f.interpretation_right[slot] = p.cat["imitator_right"][c]
        f.modern_share[slot] = p.cat["imitator_modern_share"][c]
    else:
        f.region[slot] = choices[int(u_region * choices.size)]


ENTRANT_TRAITS = ("modern_share", "rd_intensity", "interpretation_right", "tech")


def _fill_entrant(state: State, p: Params, slot: int, c: int, z: float) -> None:
    """An entrant takes its category's declared practice (mean traits of the declared
    firms), the best off-patent technology where there is R&D and its own cost factor
    exp(sigma z - sigma^2 / 2)."""
    f, m = state.firms, state.markets
    for name in ENTRANT_TRAITS:
        getattr(f, name)[slot] = m.entrant[name][c]
    if p.kind[c] in (1, 3):
        best = off_patent_best(m, c, state.period)
        if np.isfinite(best):
            f.tech[slot] = best
    sigma = m.entrant["heterogeneity"][c]
    f.cost_factor[slot] = np.exp(sigma * z - 0.5 * sigma**2)
    for name in ("demand", "sales", "revenue", "last_revenue", "profit", "rd_spend", "wages",
                 "materials", "transport", "fixed", "commission", "dividends",
                 "capacity_rent"):
        getattr(f, name)[slot] = 0.0
    f.cash[slot] = m.entrant["cash"][c]
    f.firm_id[slot] = state.next_firm_id
    state.next_firm_id += 1
    f.category[slot] = c
    f.owner[slot] = f.firm_id[slot] + (1 << 40)
    f.coop[slot] = -1
    f.tech_born[slot] = state.period
    f.alive[slot] = True
    f.utilization[slot] = p.cat["target_utilization"][c]
    f.price[slot] = np.nan  # set from cost once costs are refreshed

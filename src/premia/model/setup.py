"""The initial state of a run, built from a validated scenario and the run's generator."""

from __future__ import annotations

import numpy as np

from premia.model import costs
from premia.model.state import Consumers, Firms, Markets, Params, State
from premia.scenario import Scenario

ANCIENT = -(1 << 40)  # discovery period of initial technologies: always off patent


def _lognormal(rng: np.random.Generator, n: int, mean: float, sigma: float) -> np.ndarray:
    """Log-normal draws with the given mean."""
    return mean * np.exp(sigma * rng.standard_normal(n) - 0.5 * sigma**2)


def build_consumers(sc: Scenario, p: Params, rng: np.random.Generator) -> Consumers:
    """Consumers with regions, incomes, tastes, affinities and awareness."""
    n = sc.scenario.consumers
    households = np.array([r.households for r in sc.region])
    region = np.sort(rng.choice(len(sc.region), size=n, p=households / households.sum()))
    cs = sc.consumers
    income = _lognormal(rng, n, cs.income_mean, cs.income_sigma)
    taste = _lognormal(rng, n, cs.quality_taste_mean, cs.quality_taste_sigma)
    price_factor = (income.mean() / income) ** cs.income_elasticity
    n_cultures = len(sc.culture)
    affinity = np.zeros((n, n_cultures))
    awareness = np.zeros((n, n_cultures))
    noise = rng.standard_normal((n, n_cultures))
    region_index = {r.id: i for i, r in enumerate(sc.region)}
    for k, cul in enumerate(sc.culture):
        home = region == region_index[cul.home]
        mean = np.where(home, cul.affinity_home, cul.affinity_elsewhere)
        affinity[:, k] = np.clip(mean + cul.affinity_spread * noise[:, k], 0.0, 1.0)
        awareness[:, k] = np.where(home, cul.awareness_home, cul.awareness_elsewhere)
    return Consumers(
        weight=sc.scenario.population / n,
        region=region,
        income=income,
        quality_taste=taste,
        price_factor=price_factor,
        affinity=affinity,
        awareness=awareness,
        bought=np.zeros((n, n_cultures)),
        follows=np.zeros((n, len(sc.creator)), np.uint8),
    )


def _default_modern_share(kind: str) -> float:
    return {"commodity": 1.0, "technology": 1.0, "culture": 0.0, "hybrid": 0.5}[kind]


def _draws(rng: np.random.Generator, sigma: float, count: int) -> np.ndarray:
    """``count`` x 3 log-normal factors with mean 1 and log-sd ``sigma`` (cost, capacity,
    cash)."""
    return np.exp(sigma * rng.standard_normal((count, 3)) - 0.5 * sigma**2)


def build_firms(sc: Scenario, p: Params, rng: np.random.Generator) -> Firms:
    """Firm slots filled from the ``[[firms]]`` groups; the rest are free for entrants.

    Firms of one group differ a little: each draws a cost factor z_f, a capacity and a
    cash multiplier, log-normal with mean 1 and log-sd ``heterogeneity`` (0.05 by
    default), so that the declared values are the group's means.
    """
    total = sum(g.count for g in sc.firms)
    if total > sc.scenario.max_firms:
        raise ValueError(f"scenario.max_firms={sc.scenario.max_firms} is below the "
                         f"{total} firms the [[firms]] groups declare")
    f = Firms.empty(sc.scenario.max_firms)
    cat = {c.id: i for i, c in enumerate(sc.category)}
    reg = {r.id: i for i, r in enumerate(sc.region)}
    coop = {g: z for z, cr in enumerate(sc.creator) for g in cr.cooperative}
    owners: dict[str, int] = {}
    slot = 0
    for gi, g in enumerate(sc.firms):
        c = cat[g.category]
        kind = sc.category[c].kind
        m = g.modern_share if g.modern_share is not None else _default_modern_share(kind)
        s = slice(slot, slot + g.count)
        f.firm_id[s] = np.arange(slot, slot + g.count)
        f.category[s], f.region[s], f.alive[s] = c, reg[g.region], True
        f.owner[s] = (owners.setdefault(g.owner, len(owners)) if g.owner is not None
                      else -1 - np.arange(slot, slot + g.count))
        f.coop[s] = coop.get(gi, -1)
        f.tech[s], f.tech_born[s], f.modern_share[s] = g.tech, ANCIENT, m
        factor = _draws(rng, g.heterogeneity, g.count)
        f.cost_factor[s] = factor[:, 0]
        f.hand_capacity[s] = g.capacity * factor[:, 1]
        f.interpretation_right[s] = g.interpretation_right
        f.rd_intensity[s] = g.rd_intensity if kind in ("technology", "hybrid") else 0.0
        f.cash[s] = g.cash * factor[:, 2]
        markup = g.markup if g.markup is not None else sc.category[c].initial_markup
        f.price[s] = markup  # turned into a price below, once costs are known
        slot += g.count
    costs.refresh(f, p, np.zeros(len(sc.creator)), _capital(sc))
    f.price[:slot] = f.unit_cost[:slot] * (1.0 + f.price[:slot])
    f.utilization[:slot] = p.cat["target_utilization"][f.category[:slot]]
    return f


def _capital(sc: Scenario) -> np.ndarray:
    """Cultural capital M_k of each culture at the start."""
    return np.array([k.capital for k in sc.culture], np.float64)


def _entrant_template(sc: Scenario, firms: Firms) -> dict[str, np.ndarray]:
    """Per category, the firm-weighted mean traits, capacity and cash of its declared
    firms, and the firm-weighted mean heterogeneity of its groups."""
    n_cat = len(sc.category)
    declared = firms.alive
    count = np.bincount(firms.category[declared], minlength=n_cat).astype(float)
    out = {}
    for name in ("cash", "capacity", "modern_share", "rd_intensity", "interpretation_right",
                 "tech"):
        total = np.bincount(firms.category[declared], weights=getattr(firms, name)[declared],
                            minlength=n_cat)
        out[name] = np.divide(total, count, out=np.zeros(n_cat), where=count > 0)
    cat = {c.id: i for i, c in enumerate(sc.category)}
    spread = np.zeros(n_cat)
    for g in sc.firms:
        spread[cat[g.category]] += g.heterogeneity * g.count
    out["heterogeneity"] = np.divide(spread, count, out=np.zeros(n_cat), where=count > 0)
    return out


def build_state(sc: Scenario, p: Params, rng: np.random.Generator) -> State:
    """The state at period 0."""
    consumers = build_consumers(sc, p, rng)
    firms = build_firms(sc, p, rng)
    n_cat = len(sc.category)
    discoveries: list[list[tuple[float, int]]] = [[] for _ in range(n_cat)]
    for slot in np.flatnonzero(firms.alive):
        discoveries[firms.category[slot]].append((float(firms.tech[slot]), ANCIENT))
    markets = Markets(
        market=np.arange(n_cat),
        purchase_rate=p.cat["purchase_rate"].copy(),
        culture_weight=p.cat["culture_weight"].copy(),
        entry_subsidy=p.cat["entry_subsidy"].copy(),
        entry_account=np.zeros(n_cat, np.int64),
        machine_programme=np.zeros(n_cat, np.bool_),
        machine_subsidy=np.zeros(n_cat),
        machine_account=np.zeros(n_cat, np.int64),
        patent_length=p.cat["patent_length"].astype(np.int64),
        recent_margin=np.zeros(n_cat),
        recent_profit=np.zeros(n_cat),
        recent_demand=np.zeros(n_cat),
        entrants=np.zeros(n_cat, np.int64),
        exits=np.zeros(n_cat, np.int64),
        entrant=_entrant_template(sc, firms),
        discoveries=discoveries,
    )
    n_cul = len(sc.culture)
    delayed = {e.creator for e in sc.event if e.kind == "creator"}
    return State(
        period=0,
        firms=firms,
        consumers=consumers,
        markets=markets,
        capital=_capital(sc),
        media_budget=np.zeros(n_cul),
        media_until=np.zeros(n_cul, np.int64),
        media_account=np.zeros(n_cul, np.int64),
        heritage_budget=np.zeros(n_cul),
        heritage_until=np.zeros(n_cul, np.int64),
        heritage_account=np.zeros(n_cul, np.int64),
        creator_active=np.array([z.id not in delayed for z in sc.creator], np.bool_),
        next_firm_id=int(firms.alive.sum()),
        consumer_surplus=np.zeros(n_cat),
        market_demand=np.zeros(n_cat),
    )

"""premia's core model written idiomatically in Mesa 3: the benchmark peer.

The core model is the part of premia that an agent-based modeller would write first:

- three categories (commodity ``goods``, technology ``phones``, culture ``embroidery``);
- consumers as agents: each period a consumer shops in category c with probability phi_c
  and picks one good by the consideration-weighted logit
  V_ij = alpha_i omega_c q_j + beta_c a_ik M_j - gamma_c g_i p_j, V_i0 = v0_c;
- firms as agents with premia's costs (labour x the region's wage + materials), adaptive
  prices p <- max(c, p exp(psi (u - u*))) in every category, accounts, and
  innovation/imitation (technology);
- static culture (affinity and awareness do not move), no entry, exit or capacity growth
  (premia's ``max_firms`` is the declared firms: no free slots for entrants), identical
  firms within a declared group (no heterogeneity draws), no dividends.

The twin is pinned to these rules: premia's Nash pricing with capacity, entry that pays
its way and the public budget are not in it, and :func:`core_scenario` switches them off.

:func:`core_scenario` turns ``minimal.toml`` into that core model for premia (so both read
the same parameters), and :class:`CoreEconomy` is the Mesa model. Agents have a ``step``,
live in Mesa's ``AgentSet`` and a ``DataCollector`` records sales-weighted price and
markup and total sales per category each period, as premia's ``categories`` table does.
Consumers use NumPy for the logit of one category, as one would in Mesa.

``demand="expected"`` makes each consumer add its expected purchases phi P_ij instead of
drawing a choice: with innovation off the model is then deterministic, and premia and the
twin must agree period by period to rounding (``tests/test_mesa_twin.py``).
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from premia.catalog import shipped
from premia.loading import read_toml, validate_raw
from premia.scenario import Scenario

STATIC_CULTURE = {"learning": 0.0, "social": 0.0, "habit": 0.0, "decay": 0.0, "bass_p": 0.0,
                  "bass_q": 0.0, "awareness_decay": 0.0}


def core_scenario(consumers: int, periods: int, demand: str = "sampled",
                  innovation: bool = True) -> Scenario:
    """minimal.toml reduced to the core model (see the module docstring).

    Args:
        consumers: simulated consumers.
        periods: months.
        demand: ``sampled`` (one drawn choice per shopper) or ``expected``.
        innovation: keep the phone makers' R&D (else rho = 0: deterministic).
    """
    raw = read_toml(shipped()["minimal"])
    raw["scenario"].update(consumers=consumers, periods=periods, demand=demand,
                           pricing="adaptive")
    raw["consumers"]["network"] = "mixed"
    raw["event"] = []
    for culture in raw["culture"]:
        culture.update(STATIC_CULTURE)
    for category in raw["category"]:
        category.update(entry_rate=0.0, capacity_growth=0.0)
    for group in raw["firms"]:
        group["cash"] = 1.0e12  # nobody exits
        group["heterogeneity"] = 0.0
        if not innovation:
            group["rd_intensity"] = 0.0
    # without entry no slot is ever filled: premia holds the declared firms only, as the
    # twin holds one agent per firm
    raw["scenario"]["max_firms"] = sum(group["count"] for group in raw["firms"])
    return validate_raw(raw, "core")


class Firm(mesa.Agent):
    """One product of one category: costs, adaptive price, accounts, R&D."""

    def __init__(self, model: CoreEconomy, category: int, region: int, group: Any) -> None:
        super().__init__(model)
        cat = model.sc.category[category]
        self.category, self.region, self.cat = category, region, cat
        default_m = {"commodity": 1.0, "technology": 1.0, "culture": 0.0, "hybrid": 0.5}
        self.modern_share = (group.modern_share if group.modern_share is not None
                             else default_m[cat.kind])
        self.tech, self.tech_born = group.tech, None
        self.hand_capacity = group.capacity
        self.rd_intensity = group.rd_intensity if cat.has_rd else 0.0
        self.right = group.interpretation_right
        self.cash = group.cash
        self.revenue = self.last_revenue = self.rd_spend = 0.0
        self.demand = self.sales = self.profit = 0.0
        self.utilization = cat.target_utilization
        self.refresh()
        markup = group.markup if group.markup is not None else cat.initial_markup
        self.price = self.unit_cost * (1.0 + markup)

    def refresh(self) -> None:
        """Unit cost, quality, meaning, capacity and effective cost (DESIGN §1.2)."""
        cat, m = self.cat, self.modern_share
        labour = (1.0 - m) * cat.labour_hand + m * cat.labour_machine
        materials = (1.0 - m) * cat.hand_materials + m * cat.machine_materials
        wage = self.model.wage[self.region]
        self.unit_cost = (labour * wage + materials) * math.exp(
            -cat.tech_cost_elasticity * self.tech)
        self.quality = self.tech + (1.0 - m) * cat.hand_quality + m * cat.machine_quality
        capital = self.model.capital.get(cat.culture, 0.0)
        self.meaning = capital * (1.0 - cat.authenticity_loss * m) * self.right
        self.capacity = self.hand_capacity * (1.0 + m * (cat.machine_productivity - 1.0))

    def set_price(self) -> None:
        """Adaptive price: p <- max(c, p exp(psi (u - u*)))."""
        if self.model.period > 0:
            cat = self.cat
            self.price = max(self.unit_cost, self.price * math.exp(
                cat.price_speed * (self.utilization - cat.target_utilization)))

    def settle(self) -> None:
        """Sales, revenue, costs, profit and cash for the period."""
        cat = self.cat
        self.sales = min(self.demand, self.capacity)
        self.utilization = self.sales / self.capacity
        self.last_revenue, self.revenue = self.revenue, self.price * self.sales
        produced = self.sales / (1.0 - cat.defect_rate)
        self.rd_spend = self.rd_intensity * self.last_revenue
        self.profit = (self.revenue - self.unit_cost * produced
                       - self.model.transport[self.region] * self.sales
                       - cat.fixed_cost * self.capacity - self.rd_spend)
        self.cash += self.profit

    def innovate(self) -> None:
        """Innovation and imitation (Dosi et al. 2010), for firms doing R&D."""
        if self.rd_intensity <= 0.0:
            return
        cat, rng = self.cat, self.model.rng
        u_in, u_im, draw = rng.random(), rng.random(), rng.beta(cat.innovation_a,
                                                                 cat.innovation_b)
        spend = self.rd_spend / cat.rd_scale
        p_in = 1.0 - math.exp(-cat.innovation_productivity * cat.innovation_share * spend)
        p_im = 1.0 - math.exp(-cat.imitation_productivity * (1 - cat.innovation_share) * spend)
        candidate = self.tech + cat.innovation_lo + (cat.innovation_hi - cat.innovation_lo) * draw
        discoveries = self.model.discoveries[self.category]
        if u_in < p_in and candidate > self.tech:
            self.tech = candidate
            discoveries.append((candidate, self.model.period))
        elif u_im < p_im:
            cutoff = self.model.period - cat.patent_length
            free = [t for t, born in discoveries if born <= cutoff]
            if free and max(free) > self.tech:
                self.tech = max(free)


class Consumer(mesa.Agent):
    """A buyer standing for ``weight`` people; one logit choice per category shopped."""

    def __init__(self, model: CoreEconomy, taste: float, price_factor: float,
                 affinity: np.ndarray, awareness: np.ndarray) -> None:
        super().__init__(model)
        self.taste, self.price_factor = taste, price_factor
        self.affinity, self.awareness = affinity, awareness

    def step(self) -> None:
        """Shop in each category with probability phi; choose by the logit."""
        model = self.model
        expected = model.demand_mode == "expected"
        for board in model.boards:
            if board["firms"] is None or not (expected or model.rng.random() < board["phi"]):
                continue
            v = self.taste * board["quality"] - board["gamma"] * self.price_factor * board["price"]
            e = 1.0
            k = board["culture"]
            if k >= 0:
                v = v + self.affinity[k] * board["meaning"]
                e = self.awareness[k]
            top = max(v.max(), board["v0"])
            weights = e * np.exp(v - top)
            total = math.exp(board["v0"] - top) + weights.sum()
            if expected:
                board["demand"] += model.weight * board["phi"] * weights / total
                continue
            target = model.rng.random() * total - math.exp(board["v0"] - top)
            if target < 0.0:
                continue  # the outside option was chosen
            pick = int(np.searchsorted(np.cumsum(weights), target, side="right"))
            board["demand"][min(pick, weights.size - 1)] += model.weight


class CoreEconomy(mesa.Model):
    """The core model in Mesa: firms and consumers as agents.

    Example:
        >>> eco = CoreEconomy(core_scenario(200, 3), seed=1)
        >>> eco.run()
        >>> len(eco.datacollector.get_model_vars_dataframe())
        3
    """

    def __init__(self, sc: Scenario, seed: int = 0, consumers: dict | None = None,
                 demand: str | None = None) -> None:
        super().__init__(seed=seed)
        self.sc, self.period = sc, 0
        self.demand_mode = demand or sc.scenario.demand
        self.weight = sc.scenario.population / sc.scenario.consumers
        self.capital = {k.id: k.capital for k in sc.culture}
        self.transport = [r.transport for r in sc.region]
        self.wage = [r.wage for r in sc.region]
        cat_index = {c.id: i for i, c in enumerate(sc.category)}
        reg_index = {r.id: i for i, r in enumerate(sc.region)}
        for g in sc.firms:
            for _ in range(g.count):
                Firm(self, cat_index[g.category], reg_index[g.region], g)
        self.firms = self.agents_by_type[Firm]
        self.discoveries = [[(f.tech, -(1 << 40)) for f in self.firms if f.category == c]
                            for c in range(len(sc.category))]
        people = consumers or self._draw_consumers()
        for i in range(people["taste"].size):
            Consumer(self, float(people["taste"][i]), float(people["price_factor"][i]),
                     people["affinity"][i], people["awareness"][i])
        self.consumers = self.agents_by_type[Consumer]
        self.boards: list[dict[str, Any]] = []
        culture_index = {k.id: i for i, k in enumerate(sc.culture)}
        self.category_culture = [culture_index[c.culture] if c.culture and c.culture_weight > 0
                                 else -1 for c in sc.category]
        reporters = {}
        for c, cat in enumerate(sc.category):
            reporters[f"{cat.id}_price_index"] = lambda m, c=c: m.category_stat(c, "price")
            reporters[f"{cat.id}_mean_markup"] = lambda m, c=c: m.category_stat(c, "markup")
            reporters[f"{cat.id}_sales"] = lambda m, c=c: m.category_stat(c, "sales")
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def _draw_consumers(self) -> dict[str, np.ndarray]:
        """Consumers from the scenario's distributions (premia's formulas, own draws)."""
        sc, rng, n = self.sc, self.rng, self.sc.scenario.consumers
        households = np.array([r.households for r in sc.region])
        region = rng.choice(len(sc.region), size=n, p=households / households.sum())
        cs = sc.consumers
        income = cs.income_mean * np.exp(cs.income_sigma * rng.standard_normal(n)
                                         - 0.5 * cs.income_sigma**2)
        taste = cs.quality_taste_mean * np.exp(cs.quality_taste_sigma * rng.standard_normal(n)
                                               - 0.5 * cs.quality_taste_sigma**2)
        reg = {r.id: i for i, r in enumerate(sc.region)}
        affinity = np.zeros((n, len(sc.culture)))
        awareness = np.zeros((n, len(sc.culture)))
        for k, cul in enumerate(sc.culture):
            home = region == reg[cul.home]
            mean = np.where(home, cul.affinity_home, cul.affinity_elsewhere)
            affinity[:, k] = np.clip(mean + cul.affinity_spread * rng.standard_normal(n), 0, 1)
            awareness[:, k] = np.where(home, cul.awareness_home, cul.awareness_elsewhere)
        return {"taste": taste, "price_factor": (income.mean() / income) ** cs.income_elasticity,
                "affinity": affinity, "awareness": awareness}

    def _post_boards(self) -> None:
        """Publish each category's goods (quality, meaning, price) for the shoppers."""
        self.boards = []
        for c, cat in enumerate(self.sc.category):
            firms = [f for f in self.firms if f.category == c]
            self.boards.append({
                "firms": firms or None,
                "quality": cat.quality_weight * np.array([f.quality for f in firms]),
                "meaning": cat.culture_weight * np.array([f.meaning for f in firms]),
                "price": np.array([f.price for f in firms]),
                "gamma": cat.price_weight, "phi": cat.purchase_rate,
                "v0": cat.outside_utility, "culture": self.category_culture[c],
                "demand": np.zeros(len(firms)),
            })

    def category_stat(self, c: int, what: str) -> float:
        """Sales-weighted price or markup, or total sales, of category ``c``."""
        firms = [f for f in self.firms if f.category == c]
        sales = np.array([f.sales for f in firms])
        if what == "sales":
            return float(sales.sum())
        values = np.array([f.price if what == "price" else f.price / f.unit_cost - 1.0
                           for f in firms])
        return float(values @ sales / sales.sum()) if sales.sum() > 0 else float(values.mean())

    def step(self) -> None:
        """One month: costs, prices, shopping, accounts, records, R&D."""
        self.firms.do("refresh")
        self.firms.do("set_price")
        self._post_boards()
        self.consumers.do("step")
        for board in self.boards:
            for f, d in zip(board["firms"] or [], board["demand"], strict=True):
                f.demand = float(d)
        self.firms.do("settle")
        self.datacollector.collect(self)
        self.firms.do("innovate")
        self.period += 1

    def run(self) -> None:
        """Run all the scenario's periods."""
        while self.period < self.sc.scenario.periods:
            self.step()

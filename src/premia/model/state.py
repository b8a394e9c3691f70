"""The economy's state as arrays (struct of arrays), never one object per agent.

Firms live in fixed slots of preallocated arrays; ``alive`` marks the slots in use and
an entrant takes a free slot, so the period loop never reallocates. ``firm_id`` gives
each firm a unique number for the results tables.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields

import numpy as np

from premia.scenario import Scenario

KIND_CODES = {"commodity": 0, "technology": 1, "culture": 2, "hybrid": 3}
PRICING_CODES = {"adaptive": 0, "nash": 1}
KIND_PRICING = {"commodity": "adaptive", "technology": "nash", "culture": "nash",
                "hybrid": "nash"}


def pricing_rule(sc: Scenario, category: int) -> str:
    """The price rule of one category: its own, else the scenario's, else its kind's."""
    c = sc.category[category]
    if c.pricing is not None:
        return c.pricing
    if sc.scenario.pricing != "by_kind":
        return sc.scenario.pricing
    return KIND_PRICING[c.kind]


INT_FIELDS = ("firm_id", "category", "region", "owner", "coop", "tech_born", "alive")


def float_row(name: str) -> int:
    """The row of a firm array in the float block (:attr:`Firms.floats`)."""
    return _float_rows()[name]


@functools.cache
def _float_rows() -> dict[str, int]:
    return {name: row for row, name in enumerate(Firms._float_names())}


@dataclass
class Firms:
    """Per-firm arrays (length = slots); see DESIGN §1.1 for the symbols."""

    firm_id: np.ndarray
    category: np.ndarray
    region: np.ndarray
    owner: np.ndarray
    coop: np.ndarray
    alive: np.ndarray
    tech: np.ndarray
    tech_born: np.ndarray
    modern_share: np.ndarray
    hand_capacity: np.ndarray
    rd_intensity: np.ndarray
    interpretation_right: np.ndarray
    price: np.ndarray
    cash: np.ndarray
    unit_cost: np.ndarray
    effective_cost: np.ndarray
    capacity: np.ndarray
    quality: np.ndarray
    authenticity: np.ndarray
    meaning: np.ndarray
    demand: np.ndarray
    sales: np.ndarray
    revenue: np.ndarray
    last_revenue: np.ndarray
    profit: np.ndarray
    rd_spend: np.ndarray
    utilization: np.ndarray
    wages: np.ndarray
    cost_factor: np.ndarray
    materials: np.ndarray
    transport: np.ndarray
    fixed: np.ndarray
    commission: np.ndarray
    dividends: np.ndarray
    investment: np.ndarray
    injection: np.ndarray
    capacity_rent: np.ndarray
    efficiency: np.ndarray
    labour: np.ndarray
    #: the float arrays above as the rows of one block (:func:`float_row` gives each one's)
    floats: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def empty(cls, slots: int) -> Firms:
        """Arrays for ``slots`` firms, all dead.

        The float arrays are the rows of one (fields x slots) block, :attr:`floats`, so
        that the recorder copies a period's firms with one gather.
        """
        ints = {
            "firm_id": np.full(slots, -1, np.int64),
            "category": np.zeros(slots, np.int64),
            "region": np.zeros(slots, np.int64),
            "owner": np.full(slots, -1, np.int64),
            "coop": np.full(slots, -1, np.int64),
            "tech_born": np.zeros(slots, np.int64),
            "alive": np.zeros(slots, np.bool_),
        }
        f64 = {name: np.zeros(slots) for name in cls._float_names()}
        f64["cost_factor"][:] = 1.0
        firms = cls(**f64, **ints)
        firms._bind_floats()
        return firms

    @classmethod
    def _float_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.init and f.name not in INT_FIELDS]

    @property
    def float_rows(self) -> dict[str, int]:
        """Each float array's row in :attr:`floats`."""
        return _float_rows()

    def _bind_floats(self) -> None:
        """Copy the float arrays into one block and make each a view of its row."""
        names = self._float_names()
        self.floats = np.array([getattr(self, name) for name in names], dtype=np.float64)
        for row, name in enumerate(names):
            setattr(self, name, self.floats[row])

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["floats"]
        return state

    def __setstate__(self, state: dict) -> None:
        """Pickled or deep-copied firms get their block back (a copy does not keep views)."""
        self.__dict__.update(state)
        self._bind_floats()

    @property
    def slots(self) -> int:
        """Number of slots (alive or not)."""
        return int(self.alive.shape[0])


@dataclass
class Consumers:
    """Per-consumer arrays; ``affinity`` and ``awareness`` are (consumers x cultures).

    ``weight`` holds the people each simulated consumer stands for (population /
    consumers each by default; unequal for importance-sampled consumers).
    """

    weight: np.ndarray
    region: np.ndarray
    income: np.ndarray
    quality_taste: np.ndarray
    price_factor: np.ndarray
    affinity: np.ndarray
    awareness: np.ndarray
    bought: np.ndarray
    follows: np.ndarray


@dataclass
class Markets:
    """Per-category settings that events may change during a run."""

    market: np.ndarray
    purchase_rate: np.ndarray
    culture_weight: np.ndarray
    entry_subsidy: np.ndarray
    entry_account: np.ndarray
    machine_programme: np.ndarray
    machine_subsidy: np.ndarray
    machine_account: np.ndarray
    patent_length: np.ndarray
    recent_margin: np.ndarray
    recent_profit: np.ndarray
    recent_demand: np.ndarray
    entrants: np.ndarray
    exits: np.ndarray
    entrant: dict[str, np.ndarray]
    discoveries: list[list[tuple[float, int]]] = field(default_factory=list)
    #: per category, how far :func:`~premia.model.innovation.off_patent_best` has read
    #: the discoveries: (entries read, best among them, the cutoff period they were read to)
    off_patent: dict[int, tuple[int, float, int]] = field(default_factory=dict)


@dataclass
class State:
    """Everything that changes during a run."""

    period: int
    firms: Firms
    consumers: Consumers
    markets: Markets
    capital: np.ndarray
    media_budget: np.ndarray
    media_until: np.ndarray
    media_account: np.ndarray
    heritage_budget: np.ndarray
    heritage_until: np.ndarray
    heritage_account: np.ndarray
    creator_active: np.ndarray
    next_firm_id: int
    consumer_surplus: np.ndarray
    market_demand: np.ndarray


@dataclass(frozen=True)
class Params:
    """Scenario parameters as arrays, indexed by category, region or culture code."""

    kind: np.ndarray
    pricing: np.ndarray
    category_culture: np.ndarray
    region_culture: np.ndarray
    cat: dict[str, np.ndarray]
    reg: dict[str, np.ndarray]
    cul: dict[str, np.ndarray]

    @classmethod
    def from_scenario(cls, sc: Scenario) -> Params:
        """Gather per-entity fields of ``sc`` into arrays."""
        culture_index = {k.id: i for i, k in enumerate(sc.culture)}
        region_index = {r.id: i for i, r in enumerate(sc.region)}
        home = {region_index[k.home]: culture_index[k.id] for k in sc.culture}
        cat_fields = [n for n, f in type(sc.category[0]).model_fields.items()
                      if f.annotation in (float, int)]
        reg_fields = [n for n, f in type(sc.region[0]).model_fields.items()
                      if n not in ("id", "name")]
        cat = {n: np.array([float(getattr(c, n)) for c in sc.category]) for n in cat_fields}
        reg = {n: np.array([float(getattr(r, n)) for r in sc.region]) for n in reg_fields}
        cul: dict[str, np.ndarray] = {}
        if sc.culture:
            cul_fields = [n for n in type(sc.culture[0]).model_fields
                          if n not in ("id", "name", "home")]
            cul = {n: np.array([float(getattr(k, n)) for k in sc.culture]) for n in cul_fields}
        return cls(
            kind=np.array([KIND_CODES[c.kind] for c in sc.category], np.int64),
            pricing=np.array([PRICING_CODES[pricing_rule(sc, i)]
                              for i in range(len(sc.category))], np.int64),
            category_culture=np.array(
                [culture_index[c.culture] if c.culture else -1 for c in sc.category], np.int64
            ),
            region_culture=np.array([home.get(r, -1) for r in range(len(sc.region))], np.int64),
            cat=cat,
            reg=reg,
            cul=cul,
        )

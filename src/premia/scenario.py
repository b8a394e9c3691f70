"""The scenario schema: every parameter of the economy, validated.

A scenario is a TOML file with the sections ``[scenario]``, ``[consumers]``,
``[[region]]``, ``[[culture]]``, ``[[category]]``, ``[[firms]]``, ``[[creator]]`` and
``[[event]]``. Each field carries its unit or meaning, a default where one is sensible,
and its allowed range. Unknown keys are errors, and cross-references (a firm group's
category and region, a culture's home region, an event's targets) are checked.

Example:
    >>> from premia import load_scenario
    >>> sc = load_scenario("scenarios/minimal.toml", overrides={"scenario.periods": 12})
    >>> sc.scenario.periods
    12
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from premia.events import Event
from premia.questions.schema import QuestionSpec

Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
#: Largest ``scenario.consumers``: a run with three cultures and a creator peaks at about
#: 0.75 kB per consumer in float64 (docs/performance.md), so 20M stay under 16 GB.
MAX_CONSUMERS = 20_000_000


def reject_booleans(model: type[BaseModel], data: object) -> object:
    """Refuse ``true``/``false`` where a number is expected (pydantic would take 1/0)."""
    if isinstance(data, dict):
        for key, value in data.items():
            field = model.model_fields.get(str(key))
            if isinstance(value, bool) and field is not None and field.annotation is not bool:
                raise ValueError(f"{key} must be a number, not {str(value).lower()}")
    return data


class Strict(BaseModel):
    """Base model: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans(cls, data: object) -> object:
        return reject_booleans(cls, data)


class RunSettings(Strict):
    """``[scenario]``: what is simulated and how."""

    name: Id = Field(description="short identifier of the scenario")
    title: str = Field("", max_length=200, description="one-line human title")
    periods: int = Field(120, ge=1, le=2400, description="number of periods (months)")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="seed of the run's random generator")
    consumers: int = Field(
        2000, ge=10, le=MAX_CONSUMERS, description="simulated consumers (the cap keeps the "
        "peak memory of a run with a few cultures under about 16 GB)"
    )
    population: float = Field(
        1.0e6, gt=0, le=1e10, description="people the simulated consumers stand for"
    )
    pricing: Literal["by_kind", "adaptive", "nash"] = Field(
        "by_kind", description="default price rule of categories that set none: by_kind "
        "(adaptive for commodity, nash for technology, culture, hybrid), adaptive or nash"
    )
    demand: Literal["expected", "sampled"] = Field(
        "expected", description="expected logit demand or one sampled choice per shopper"
    )
    max_firms: int = Field(
        400, ge=1, le=100_000, description="upper bound on firms alive at once (entry stops)"
    )
    pricing_sample: int = Field(
        0, ge=0, le=MAX_CONSUMERS, description="consumers on whose choices Nash prices are "
        "solved (a fixed random sample drawn once; 0: all of them)"
    )


class ConsumerSettings(Strict):
    """``[consumers]``: the distribution of buyers' incomes and tastes."""

    income_mean: float = Field(3000.0, gt=0, le=1e7, description="mean income, yuan/month")
    income_sigma: float = Field(0.6, ge=0, le=3, description="log-normal sigma of income")
    quality_taste_mean: float = Field(1.0, ge=0, le=100, description="mean alpha_i")
    quality_taste_sigma: float = Field(0.2, ge=0, le=3, description="log-normal sigma of alpha")
    income_elasticity: float = Field(
        0.5, ge=0, le=3, description="epsilon in gamma_i = gamma_c (ybar/y_i)^epsilon"
    )
    network: Literal["small_world", "mixed"] = Field(
        "small_world", description="social network: small-world graph or fully mixed"
    )
    network_degree: int = Field(12, ge=2, le=200, description="mean degree of the social network")
    rewiring: Share = Field(0.1, description="small-world rewiring probability")
    halo: float = Field(
        0.0, ge=0, le=20, description="eta: utility per unit affinity to a firm's home culture"
    )
    precision: Literal["float64", "float32"] = Field(
        "float64", description="storage of each consumer's tastes, affinity, awareness and "
        "purchases: float32 halves their memory (kernels still compute in float64); results "
        "then differ from float64 runs in the last digits (docs/performance.md)"
    )


class Region(Strict):
    """``[[region]]``: a place where firms and households live."""

    id: Id
    name: str = Field("", max_length=100)
    households: float = Field(1.0e5, ge=1, le=1e9, description="households living here")
    base_income: float = Field(
        800.0, ge=0, le=1e7, description="non-market income per household, yuan/month"
    )
    income_sigma: float = Field(0.5, ge=0, le=3, description="log-normal sigma of base income")
    wage: float = Field(3000.0, ge=0, le=1e6, description="monthly wage of a full-time worker")
    poverty_line: float = Field(
        1000.0, ge=0, le=1e7, description="income per household below which it is poor"
    )
    transport: float = Field(
        0.0, ge=0, le=1e5, description="tau_r: transport cost per unit sold from here, yuan"
    )
    owner_share: Share = Field(
        0.5, description="share of local firms' profits paid to local households"
    )


class Culture(Strict):
    """``[[culture]]``: a body of cultural meaning and the dynamics of its acceptance."""

    id: Id
    name: str = Field("", max_length=100)
    home: Id = Field(description="region whose makers hold the interpretation right")
    capital: float = Field(1.0, ge=0, le=100, description="M_k: cultural capital (utils)")
    affinity_home: Share = Field(0.6, description="initial mean affinity of home consumers")
    affinity_elsewhere: Share = Field(0.1, description="initial mean affinity elsewhere")
    awareness_home: Share = Field(0.9, description="initial awareness at home")
    awareness_elsewhere: Share = Field(0.2, description="initial awareness elsewhere")
    affinity_spread: float = Field(
        0.1, ge=0, le=1, description="sd of initial affinity around its mean"
    )
    learning: float = Field(0.05, ge=0, le=1, description="mu_k: affinity gain per unit exposure")
    social: float = Field(0.02, ge=0, le=1, description="chi: pull toward neighbours' affinity")
    habit: float = Field(0.01, ge=0, le=1, description="h: affinity gain from buying")
    decay: float = Field(0.005, ge=0, le=1, description="d_k: forgetting per month")
    threshold: Share = Field(0.5, description="a*: affinity at which a consumer accepts")
    bass_p: float = Field(0.0, ge=0, le=1, description="external awareness hazard per month")
    bass_q: float = Field(0.03, ge=0, le=1, description="r: awareness from aware neighbours")
    awareness_decay: float = Field(0.002, ge=0, le=1, description="epsilon: awareness decay")
    media_efficiency: float = Field(
        1.0e-6, ge=0, le=1, description="reach per yuan of media budget per consumer"
    )
    heritage_efficiency: float = Field(
        0.0, ge=0, le=1, description="cultural capital M_k gained per yuan of heritage spending"
    )


Kind = Literal["commodity", "technology", "culture", "hybrid"]
Account = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40,
                               description="public account that pays: national or a region id")]

# fields that were replaced, with what replaced them (shown in the error for old files)
REPLACED = {
    "hand_cost": "unit cost is now labour_hand x the region's wage + hand_materials",
    "machine_cost": "unit cost is now labour_machine x the region's wage + machine_materials",
    "entry_push": "entry now pays its way: use entry_rate, entry_cost, capacity_cost and "
                  "entry_subsidy (the share of the sunk cost paid by the public)",
    "entry_sensitivity": "entry now responds to the expected value of entering: use "
                         "entry_rate and entry_spread",
}


def refuse_replaced(data: object) -> object:
    """Name the replacement of a field that older scenario files used."""
    if isinstance(data, dict):
        for key in data:
            if key in REPLACED:
                raise ValueError(f"{key} is no longer a field: {REPLACED[key]}")
    return data


class Category(Strict):
    """``[[category]]``: a product market and its cost, demand and dynamics parameters."""

    id: Id
    name: str = Field("", max_length=100)
    kind: Kind
    culture: Id | None = Field(None, description="culture the goods carry (culture, hybrid)")
    purchase_rate: float = Field(0.1, gt=0, le=1, description="phi: shopping probability/month")
    outside_utility: float = Field(0.0, ge=-50, le=50, description="v0: utility of not buying")
    quality_weight: float = Field(1.0, ge=0, le=100, description="omega: utility per quality")
    culture_weight: float = Field(0.0, ge=0, le=100, description="beta: utility per meaning")
    price_weight: float = Field(
        0.01, gt=0, le=100, description="gamma_c: utility per yuan for the mean consumer"
    )
    pricing: Literal["adaptive", "nash"] | None = Field(
        None, description="price rule of this category (default: the scenario's rule)"
    )
    hand_materials: float = Field(
        50.0, ge=0, le=1e7, description="non-labour cost of a handmade unit, yuan"
    )
    machine_materials: float = Field(
        40.0, ge=0, le=1e7, description="non-labour cost of a machine-made unit, yuan"
    )
    hand_quality: float = Field(0.0, ge=-100, le=100, description="q_hand")
    machine_quality: float = Field(0.0, ge=-100, le=100, description="q_machine")
    tech_cost_elasticity: float = Field(
        0.0, ge=0, le=10, description="lambda_c: cost falls by exp(-lambda T)"
    )
    authenticity_loss: Share = Field(
        0.0, description="theta: share of meaning that lives in the technique"
    )
    machine_productivity: float = Field(
        1.0, ge=1, le=1000, description="g_c: capacity multiple of machine work"
    )
    labour_hand: float = Field(0.1, ge=0, le=100, description="worker-months per handmade unit")
    labour_machine: float = Field(0.01, ge=0, le=100, description="worker-months per machine unit")
    defect_rate: float = Field(0.02, ge=0, le=0.9, description="delta: share of output lost")
    fixed_cost: float = Field(
        0.0, ge=0, le=1e6, description="kappa: fixed cost per unit of capacity per month"
    )
    patent_length: int = Field(24, ge=0, le=2400, description="L: months a technology is protected")
    innovation_share: Share = Field(0.5, description="xi: share of R&D spent on innovation")
    innovation_productivity: float = Field(0.3, ge=0, le=100, description="zeta_1")
    imitation_productivity: float = Field(0.3, ge=0, le=100, description="zeta_2")
    rd_scale: float = Field(
        1.0e5, gt=0, le=1e12, description="yuan of R&D per unit hazard (scale_c)"
    )
    innovation_a: float = Field(3.0, gt=0, le=100, description="Beta(a, b) shape a")
    innovation_b: float = Field(3.0, gt=0, le=100, description="Beta(a, b) shape b")
    innovation_lo: float = Field(-0.15, ge=-10, le=10, description="x_lo of the tech step")
    innovation_hi: float = Field(0.15, ge=-10, le=10, description="x_hi of the tech step")
    price_speed: float = Field(0.05, ge=0, le=5, description="psi: adaptive price speed")
    target_utilization: Share = Field(0.85, description="u*: utilisation firms aim for")
    initial_markup: float = Field(0.2, ge=0, le=100, description="p/c - 1 at start and entry")
    entry_rate: float = Field(
        0.0, ge=0, le=100, description="potential entrants per month (0: no entry)"
    )
    entry_cost: float = Field(
        0.0, ge=0, le=1e12, description="S: sunk cost of entering (design, licences), yuan"
    )
    capacity_cost: float = Field(
        0.0, ge=0, le=1e9, description="yuan per unit of monthly capacity built or added"
    )
    entry_spread: float = Field(
        0.5, gt=0, le=100, description="spread of entrants' valuations, relative to the sunk cost"
    )
    discount_rate: float = Field(
        0.01, gt=0, le=1, description="monthly discount rate of entrants' expected profits"
    )
    entry_horizon: int = Field(
        60, ge=1, le=2400, description="months of profit an entrant counts on"
    )
    entry_subsidy: Share = Field(
        0.0, description="s: share of entrants' sunk cost paid by the public account"
    )
    machine_capital: float = Field(
        0.0, ge=0, le=1e9, description="yuan per unit of monthly machine capacity bought"
    )
    entry_home_share: Share = Field(
        1.0, description="share of entrants from the culture's home region"
    )
    imitator_right: Share = Field(0.2, description="interpretation right of outside entrants")
    imitator_modern_share: Share = Field(1.0, description="modern share of outside entrants")
    bankruptcy_months: float = Field(
        12.0, ge=0, le=1000, description="exit when cash < -this x monthly fixed cost"
    )
    capacity_growth: float = Field(
        0.0, ge=0, le=1, description="monthly capacity growth when utilisation is high"
    )
    growth_utilization: Share = Field(0.95, description="utilisation above which firms grow")

    @model_validator(mode="before")
    @classmethod
    def _replaced(cls, data: object) -> object:
        return refuse_replaced(data)

    @model_validator(mode="after")
    def _kind_rules(self) -> Category:
        if self.kind in ("culture", "hybrid") and self.culture is None:
            raise ValueError(f"a {self.kind} category needs a 'culture'")
        if self.innovation_hi <= self.innovation_lo:
            raise ValueError("innovation_hi must exceed innovation_lo")
        return self

    @property
    def has_rd(self) -> bool:
        """Whether firms in this category innovate and imitate."""
        return self.kind in ("technology", "hybrid")

    @property
    def has_culture(self) -> bool:
        """Whether goods in this category carry cultural meaning."""
        return self.kind in ("culture", "hybrid")


class FirmGroup(Strict):
    """``[[firms]]``: ``count`` identical firms of one category and region."""

    category: Id
    region: Id
    count: int = Field(1, ge=1, le=100_000)
    capacity: float = Field(1000.0, gt=0, le=1e9, description="K_hand: units/month if handmade")
    tech: float = Field(0.0, ge=-100, le=100, description="T: technology level")
    modern_share: Share | None = Field(None, description="m: default 1 unless culture kind")
    rd_intensity: float = Field(0.0, ge=0, le=1, description="rho: R&D share of revenue")
    interpretation_right: Share = Field(1.0, description="I: right to say what it means")
    cash: float = Field(0.0, ge=-1e12, le=1e12, description="initial cash, yuan")
    markup: float | None = Field(None, ge=0, le=100, description="initial p/c - 1")
    owner: str | None = Field(
        None, max_length=40, description="firms sharing an owner price jointly"
    )
    heterogeneity: float = Field(
        0.05, ge=0, le=1, description="log-sd of each firm's draws around the declared cost, "
        "capacity and cash"
    )


class Creator(Strict):
    """``[[creator]]``: a content creator of one culture with a cooperative of workshops.

    A creator is active from period 0 unless a ``creator`` event names it; then it starts
    at that event's period (and never, if that event is disabled).
    """

    id: Id
    culture: Id
    region: Id
    quality: float = Field(1.0, ge=0, le=100, description="Q_z: content quality")
    promotion: float = Field(0.0, ge=0, le=1e9, description="promotion budget, yuan/month")
    bass_p: float = Field(0.001, ge=0, le=1, description="external follow hazard per month")
    bass_q: float = Field(0.05, ge=0, le=1, description="internal follow hazard per month")
    audience: Share = Field(
        1.0, description="Bass market potential m: share of consumers who could ever follow"
    )
    uplift: float = Field(0.5, ge=0, le=100, description="meaning added to coop goods (utils)")
    cooperative: list[int] = Field(
        default_factory=list, description="indices of [[firms]] groups in the cooperative"
    )
    commission: Share = Field(0.05, description="creator's share of cooperative revenue")
    income_per_follower: float = Field(0.01, ge=0, le=1e4, description="yuan/follower/month")
    account: Account = Field("national", description="public account paying the promotion")


class Scenario(Strict):
    """A whole scenario file."""

    scenario: RunSettings
    consumers: ConsumerSettings = Field(default_factory=ConsumerSettings)
    region: list[Region] = Field(min_length=1)
    culture: list[Culture] = Field(default_factory=list)
    category: list[Category] = Field(min_length=1)
    firms: list[FirmGroup] = Field(min_length=1)
    creator: list[Creator] = Field(default_factory=list)
    event: list[Event] = Field(default_factory=list)
    question: list[QuestionSpec] = Field(
        default_factory=list, exclude=True,
        description="questions on this scenario (premia.questions); not part of a run, "
        "so a question's references are checked when it is loaded, not when the file runs")

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        from premia.references import check_references

        check_references(self)
        return self

    def table(self) -> Any:
        """Every parameter with its unit, default and meaning (a pandas DataFrame).

        See :func:`premia.describe.parameter_table`; ``premia show FILE`` prints it.
        """
        from premia.describe import parameter_table

        return parameter_table(self)

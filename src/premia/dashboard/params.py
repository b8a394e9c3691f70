"""The dashboard's key parameters of a scenario, bounded by the schema's own ranges.

Bounds come from the ``ge``/``gt``/``le``/``lt`` metadata of the pydantic fields in
:mod:`premia.scenario` and :mod:`premia.events`, so the widgets never allow what the
schema would not (except a strict bound, which the schema then reports).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import annotated_types as at
from pydantic import BaseModel

from premia import events, scenario
from premia.scenario import Scenario

# Which fields of which entity are "key" for a planner, by category kind.
CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {
    "commodity": ("entry_subsidy", "price_speed", "fixed_cost"),
    "technology": ("patent_length", "entry_cost", "imitation_productivity", "innovation_hi"),
    "culture": ("culture_weight", "authenticity_loss"),
    "hybrid": ("patent_length", "culture_weight"),
}
CULTURE_FIELDS = ("capital", "decay")
CREATOR_FIELDS = ("quality", "promotion")
EVENT_FIELDS: dict[str, tuple[type[BaseModel], tuple[str, ...]]] = {
    "modernize": (events.Modernize, ("share", "at")),
    "media": (events.Media, ("budget",)),
    "heritage": (events.Heritage, ("budget",)),
    "merge_markets": (events.MergeMarkets, ("at",)),
    "subsidy": (events.Subsidy, ("share",)),
}
MAX_PARAMS = 14


@dataclass(frozen=True)
class ParamSpec:
    """One adjustable parameter.

    Attributes:
        path: the override path, e.g. ``category.phones.patent_length``.
        field: the schema field name (the key of its translated label).
        entity: the entity it belongs to (a category id, ``event 0``...).
        value: its value in the scenario.
        lo: lowest allowed value (a strict ``gt`` bound is given as the bound itself).
        hi: highest allowed value (``inf`` when the schema has none).
        integer: whether the field is an integer.
        description: the schema's description of the field.
    """

    path: str
    field: str
    entity: str
    value: float
    lo: float
    hi: float
    integer: bool
    description: str

    @property
    def is_share(self) -> bool:
        """A share in [0, 1]: shown as a slider (other fields as bounded number inputs)."""
        return self.lo == 0 and self.hi == 1 and not self.integer


def field_bounds(model: type[BaseModel], name: str) -> tuple[float, float, bool, str]:
    """``(lo, hi, integer, description)`` of a pydantic field from its metadata."""
    info = model.model_fields[name]
    lo, hi = -math.inf, math.inf
    for meta in info.metadata:
        if isinstance(meta, at.Ge | at.Gt):
            lo = float(getattr(meta, "ge", getattr(meta, "gt", lo)))
        if isinstance(meta, at.Le | at.Lt):
            hi = float(getattr(meta, "le", getattr(meta, "lt", hi)))
    integer = info.annotation is int
    return lo, hi, integer, info.description or ""


def _spec(model: type[BaseModel], obj: BaseModel, path: str, name: str,
          entity: str) -> ParamSpec:
    lo, hi, integer, desc = field_bounds(model, name)
    value = getattr(obj, name)
    return ParamSpec(path, name, entity, float(value), lo, hi, integer, desc)


def key_params(sc: Scenario) -> list[ParamSpec]:
    """The key parameters of a scenario, at most :data:`MAX_PARAMS`."""
    out: list[ParamSpec] = []
    for c in sc.category:
        out += [_spec(scenario.Category, c, f"category.{c.id}.{f}", f, c.id)
                for f in CATEGORY_FIELDS[c.kind]]
    for i, g in enumerate(sc.firms):
        if sc.category[[c.id for c in sc.category].index(g.category)].has_rd:
            out.append(_spec(scenario.FirmGroup, g, f"firms.{i}.rd_intensity", "rd_intensity",
                             f"{g.category}/{g.region}"))
    for k in sc.culture:
        out += [_spec(scenario.Culture, k, f"culture.{k.id}.{f}", f, k.id)
                for f in CULTURE_FIELDS]
    if sc.culture:
        out.append(_spec(scenario.ConsumerSettings, sc.consumers, "consumers.halo", "halo",
                         "consumers"))
    for z in sc.creator:
        out += [_spec(scenario.Creator, z, f"creator.{z.id}.{f}", f, z.id)
                for f in CREATOR_FIELDS]
    for i, e in enumerate(sc.event):
        if e.kind in EVENT_FIELDS:
            model, fields = EVENT_FIELDS[e.kind]
            out += [_spec(model, e, f"event.{i}.{f}", f, f"{e.kind} #{i}") for f in fields]
    return out[:MAX_PARAMS]


@dataclass(frozen=True)
class EventSwitch:
    """An intervention on the scenario's timeline that the planner can switch on or off."""

    path: str
    kind: str
    index: int
    at: int
    enabled: bool


def event_switches(sc: Scenario) -> list[EventSwitch]:
    """One switch per ``[[event]]`` (``event.<i>.enabled``)."""
    return [EventSwitch(f"event.{i}.enabled", e.kind, i, e.at, e.enabled)
            for i, e in enumerate(sc.event) if "enabled" in type(e).model_fields]


def size_bounds(sc: Scenario) -> dict[str, tuple[int, int, int]]:
    """``{field: (lo, hi, default)}`` of the run size, within the schema and kept modest."""
    p_lo, p_hi, _, _ = field_bounds(scenario.RunSettings, "periods")
    c_lo, c_hi, _, _ = field_bounds(scenario.RunSettings, "consumers")
    periods = (max(int(p_lo), 12), int(min(p_hi, 240)))
    consumers = (max(int(c_lo), 100), int(min(c_hi, 5000)))
    return {
        "periods": (*periods, min(max(sc.scenario.periods, periods[0]), periods[1], 120)),
        "consumers": (*consumers, min(max(sc.scenario.consumers, consumers[0]), 1000)),
    }

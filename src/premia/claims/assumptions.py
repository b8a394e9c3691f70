"""The parameters that ``docs/calibration.md`` states as assumptions: the robustness box.

Each entry names a scenario field (``category.*.fixed_cost`` means that field of every
category), the words of ``docs/calibration.md`` that call it an assumption (a test checks
they are there) and, where the document gives one, its range; otherwise the box spans
±50% of the scenario's value (clipped to the field's allowed range; a value of 0 spans
nothing and is left out).

Left out on purpose: the outside utility v0 and the price weights γ are set from targets
(the share of shoppers who leave without buying, estimated demand elasticities) rather
than chosen freely, and ±50% of a utility level moves a market from empty to saturated;
the policy budgets (media, creator promotion, heritage) are the questions' own design,
kept equal between the arms they compare.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from premia.experiments.design import Range, clean

RELATIVE_SPAN = 0.5
RD = ("technology", "hybrid")
CULTURE = ("culture", "hybrid")


@dataclass(frozen=True)
class Assumption:
    """One assumed parameter (a field pattern), where it is stated, and its range."""

    field: str
    doc: str
    low: float | None = None
    high: float | None = None
    kinds: tuple[str, ...] = ()  # categories of these kinds only (all when empty)


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("consumers.income_elasticity", "elasticity ε = 0.5 (assumption)"),
    Assumption("category.*.defect_rate", "Defects 3%"),
    Assumption("region.*.transport", "transport ¥2 per unit"),
    Assumption("category.*.fixed_cost", "fixed cost ¥0.3 per unit of monthly capacity"),
    Assumption("category.*.entry_subsidy", "the subsidy share"),
    Assumption("category.*.entry_rate", "Entry rates and spreads"),
    Assumption("category.*.entry_spread", "Entry rates and spreads"),
    Assumption("category.*.entry_cost", "sunk costs"),
    Assumption("category.*.capacity_cost", "sunk costs"),
    Assumption("category.*.machine_capital", "machine capital"),
    Assumption("culture.*.heritage_efficiency", "heritage efficiency"),
    Assumption("firms.*.heterogeneity", "firms' heterogeneity"),
    Assumption("category.*.patent_length", "Patents last 24 months", kinds=RD),
    Assumption("category.*.entry_home_share", "the share is", kinds=CULTURE),
    Assumption("category.*.authenticity_loss", "Authenticity loss θ = 0.8", kinds=CULTURE),
    Assumption("culture.*.affinity_home", "Initial affinity 0.7 at home"),
    Assumption("culture.*.affinity_elsewhere", "Initial affinity 0.7 at home and 0.3 elsewhere"),
    Assumption("culture.*.awareness_home", "awareness 0.95 and 0.5"),
    Assumption("culture.*.awareness_elsewhere", "awareness 0.95 and 0.5"),
    Assumption("culture.*.decay", "Forgetting d = 0.001"),
    Assumption("culture.*.habit", "habit h = 0.2"),
    Assumption("culture.*.social", "social influence χ = 0.02"),
    Assumption("culture.*.learning", "μ is an assumption"),
    Assumption("creator.*.audience", "potential audience"),
    Assumption("creator.*.uplift", "an uplift of 0.3"),
    Assumption("creator.*.commission", "a 5% commission"),
    Assumption("creator.*.income_per_follower", "¥0.01 per follower"),
    Assumption("consumers.halo", "η = 0.4 utility per unit affinity"),
    Assumption("category.*.bankruptcy_months", "bankruptcy floors"),
    Assumption("category.*.price_speed", "price-adjustment speeds"),
    Assumption("category.*.capacity_growth", "capacity-growth rates"),
)

LISTS = {"category": "Category", "region": "Region", "culture": "Culture",
         "creator": "Creator", "firms": "FirmGroup"}
SECTIONS = {"consumers": "ConsumerSettings", "scenario": "RunSettings"}


def bounds(section: str, name: str) -> tuple[float, float]:
    """The allowed range of a schema field (``-inf``/``inf`` where open)."""
    from premia import scenario as schema

    model = getattr(schema, LISTS.get(section) or SECTIONS[section])
    info = model.model_fields.get(name)
    lo, hi = float("-inf"), float("inf")
    if info is None:
        return lo, hi
    metadata = list(info.metadata)
    for arg in typing.get_args(info.annotation):
        metadata += list(getattr(arg, "__metadata__", ()))
        for inner in getattr(arg, "__metadata__", ()):
            metadata += list(getattr(inner, "metadata", ()))
    for m in metadata:
        for attr, pick in (("ge", max), ("gt", max), ("le", min), ("lt", min)):
            v = getattr(m, attr, None)
            if v is not None:
                if attr in ("ge", "gt"):
                    lo = pick(lo, float(v))
                else:
                    hi = pick(hi, float(v))
    return lo, hi


def _values(dump: dict[str, Any], a: Assumption) -> list[tuple[str, str, str, Any]]:
    """``(path, section, field, value)`` of every field matching ``a`` in a scenario."""
    pattern = a.field
    parts = pattern.split(".")
    if len(parts) == 2:
        value = dump.get(parts[0], {}).get(parts[1])
        return [] if value is None else [(pattern, parts[0], parts[1], value)]
    section, _, name = parts
    return [(f"{section}.{item.get('id', i)}.{name}", section, name, item[name])
            for i, item in enumerate(dump.get(section, [])) if item.get(name) is not None
            and (not a.kinds or item.get("kind") in a.kinds)]


def box(dumps: list[dict[str, Any]],
        assumptions: tuple[Assumption, ...] = ASSUMPTIONS) -> list[Range]:
    """The ranges of the assumed parameters present in the given scenarios.

    Args:
        dumps: validated scenarios as dicts (``Scenario.model_dump()``), e.g. the files of a
            question's variants; a path present in several takes the first file's value.
        assumptions: the assumed parameters.

    Returns:
        One :class:`~premia.experiments.design.Range` per concrete path, in order.
    """
    out: dict[str, Range] = {}
    for a in assumptions:
        for dump in dumps:
            for path, section, name, value in _values(dump, a):
                if path in out or isinstance(value, bool) or not isinstance(value, int | float):
                    continue
                lo_ok, hi_ok = bounds(section, name)
                low = a.low if a.low is not None else value * (1 - RELATIVE_SPAN)
                high = a.high if a.high is not None else value * (1 + RELATIVE_SPAN)
                low, high = max(min(low, high), lo_ok), min(max(low, high), hi_ok)
                if high > low:
                    out[path] = Range(path, clean(low), clean(high))
    return list(out.values())

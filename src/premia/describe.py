"""A scenario's parameters as one table, with units (``premia show FILE``, ``Scenario.table()``).

Each row is one field: its override path, value, unit, default and meaning (from the
schema). Two derived rows help to match the scale of a scenario (see ``docs/units.md``):
``scenario.weight``, the people each simulated consumer stands for, and per firm group
``effective_capacity``, the capacity with machines:
``capacity × (1 + m·(g − 1))`` with ``m`` the modern share and ``g`` the category's
machine productivity. A firm group's ``capacity`` is its **handmade** capacity.

Example:
    >>> import premia
    >>> table = premia.load_scenario("minimal").table()
    >>> row = table[table.path == "firms.0.effective_capacity"].iloc[0]
    >>> row.value, row.unit
    (25000.0, 'units/month')
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

UNITS: dict[str, str] = {
    # [scenario]
    "periods": "months", "consumers": "simulated consumers", "population": "people",
    "max_firms": "firms", "seed": "",
    # [consumers]
    "income_mean": "yuan/month", "income_sigma": "log sd", "quality_taste_mean": "",
    "quality_taste_sigma": "log sd", "income_elasticity": "", "network_degree": "neighbours",
    "rewiring": "probability", "halo": "utils per unit affinity",
    # [[region]]
    "households": "households", "base_income": "yuan/month per household",
    "wage": "yuan/month per worker", "poverty_line": "yuan/month per household",
    "transport": "yuan per unit sold", "owner_share": "share",
    # [[culture]]
    "capital": "utils", "affinity_home": "share", "affinity_elsewhere": "share",
    "awareness_home": "share", "awareness_elsewhere": "share", "affinity_spread": "sd",
    "learning": "per unit exposure", "social": "per month", "habit": "per purchase",
    "decay": "per month", "threshold": "affinity", "bass_p": "per month",
    "bass_q": "per month", "awareness_decay": "per month",
    "media_efficiency": "per yuan (reach = 1 - exp(-efficiency x yuan/month))",
    # [[category]]
    "purchase_rate": "purchases per consumer per month", "outside_utility": "utils",
    "quality_weight": "utils per quality unit", "culture_weight": "utils per unit of meaning",
    "price_weight": "utils per yuan",
    "hand_quality": "quality units", "machine_quality": "quality units",
    "tech_cost_elasticity": "per technology unit", "authenticity_loss": "share",
    "machine_productivity": "x handmade capacity", "labour_hand": "worker-months/unit",
    "labour_machine": "worker-months/unit", "defect_rate": "share of output",
    "fixed_cost": "yuan/month per unit of monthly capacity", "patent_length": "months",
    "innovation_share": "share", "rd_scale": "yuan", "innovation_lo": "technology units",
    "innovation_hi": "technology units", "price_speed": "per month",
    "target_utilization": "share", "initial_markup": "p/c - 1",
    "entry_home_share": "share", "imitator_right": "share", "imitator_modern_share": "share",
    "bankruptcy_months": "months of fixed cost", "capacity_growth": "per month",
    "growth_utilization": "share",
    # [[firms]]
    "count": "firms", "capacity": "units/month (handmade)", "tech": "technology units",
    "modern_share": "share", "rd_intensity": "share of revenue",
    "interpretation_right": "share", "cash": "yuan", "markup": "p/c - 1",
    # [[creator]]
    "quality": "quality units", "promotion": "yuan/month", "audience": "share of consumers",
    "uplift": "utils", "commission": "share of revenue", "income_per_follower": "yuan/month",
    # [[event]]
    "at": "month", "until": "month", "budget": "yuan/month", "share": "share",
    "length": "months", "factor": "x purchase rate",
    # entry, costs and the public budget
    "entry_cost": "yuan per entrant", "entry_spread": "",
    "capacity_cost": "yuan per unit of monthly capacity",
    "entry_rate": "potential entrants/month", "discount_rate": "per month",
    "entry_horizon": "months", "entry_subsidy": "share of entry cost",
    "hand_materials": "yuan/unit", "machine_materials": "yuan/unit",
    "machine_capital": "yuan per unit of monthly machine capacity",
    "heterogeneity": "log sd", "heritage_efficiency": "utils per yuan",
    "pricing": "", "paid_by": "", "account": "", "target": "",
}
"""Units by field name ('' for dimensionless numbers; ids, names and switches have none)."""

COLUMNS = ["section", "id", "field", "path", "value", "unit", "default", "meaning"]


def _default(info: Any) -> Any:
    if info.default is PydanticUndefined:
        return None if info.default_factory is None else "(computed)"
    return info.default


def _rows(model: BaseModel, section: str, ident: str, path: str) -> list[dict[str, Any]]:
    rows = []
    for name, info in type(model).model_fields.items():
        if name == "id":
            continue
        value = getattr(model, name)
        if isinstance(value, BaseModel | list):
            continue
        rows.append({"section": section, "id": ident, "field": name,
                     "path": f"{path}.{name}", "value": value, "unit": UNITS.get(name, ""),
                     "default": _default(info), "meaning": info.description or ""})
    return rows


def _derived(section: str, ident: str, path: str, value: float, unit: str,
             meaning: str) -> dict[str, Any]:
    return {"section": section, "id": ident, "field": path.rsplit(".", 1)[-1], "path": path,
            "value": value, "unit": unit, "default": None, "meaning": meaning}


def effective_capacity(sc: Any, index: int) -> float:
    """A firm group's capacity with machines, units/month per firm.

    ``capacity × (1 + m·(g − 1))``: ``m`` the group's modern share (by default 1 for
    commodity and technology, 0 for culture, 0.5 for hybrid categories), ``g`` the
    category's machine productivity.
    """
    from premia.model.setup import _default_modern_share

    group = sc.firms[index]
    cat = next(c for c in sc.category if c.id == group.category)
    m = group.modern_share if group.modern_share is not None else _default_modern_share(cat.kind)
    return float(group.capacity * (1.0 + m * (cat.machine_productivity - 1.0)))


def parameter_table(sc: Any) -> pd.DataFrame:
    """Every parameter of a scenario with its unit, default and meaning, plus derived rows.

    Args:
        sc: a validated :class:`~premia.scenario.Scenario`.

    Returns:
        Columns ``section, id, field, path, value, unit, default, meaning``; ``path`` is
        the override path (derived rows have paths too but cannot be overridden).
    """
    rows = _rows(sc.scenario, "scenario", "", "scenario")
    rows.append(_derived("scenario", "", "scenario.weight",
                         sc.scenario.population / sc.scenario.consumers,
                         "people per simulated consumer",
                         "derived: population / consumers (the weight w of each consumer)"))
    rows += _rows(sc.consumers, "consumers", "", "consumers")
    for section in ("region", "culture", "category", "creator"):
        for item in getattr(sc, section):
            rows += _rows(item, section, item.id, f"{section}.{item.id}")
    for i, group in enumerate(sc.firms):
        rows += _rows(group, "firms", str(i), f"firms.{i}")
        rows.append(_derived("firms", str(i), f"firms.{i}.effective_capacity",
                             effective_capacity(sc, i), "units/month",
                             "derived: capacity x (1 + modern share x (machine productivity "
                             "- 1)), per firm"))
    for i, event in enumerate(sc.event):
        rows += _rows(event, "event", str(i), f"event.{i}")
    return pd.DataFrame(rows, columns=COLUMNS)

"""Cross-reference checks of a scenario: every id a field names must exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from premia.scenario import Scenario


def _unique(kind: str, ids: list[str]) -> set[str]:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{kind} id {item!r} is used twice")
        seen.add(item)
    return seen


def _known(where: str, value: str | None, allowed: set[str], what: str) -> None:
    if value is not None and value not in allowed:
        options = ", ".join(sorted(allowed)) or "none defined"
        raise ValueError(f"{where} names unknown {what} {value!r} (known: {options})")


def check_references(sc: Scenario) -> None:
    """Raise ``ValueError`` naming the field when a reference is dangling.

    Args:
        sc: the scenario to check.
    """
    declared = sum(g.count for g in sc.firms)
    if declared > sc.scenario.max_firms:
        raise ValueError(f"scenario.max_firms={sc.scenario.max_firms} is below the "
                         f"{declared} firms the [[firms]] groups declare")
    regions = _unique("region", [r.id for r in sc.region])
    cultures = _unique("culture", [k.id for k in sc.culture])
    categories = _unique("category", [c.id for c in sc.category])
    creators = _unique("creator", [z.id for z in sc.creator])
    for k in sc.culture:
        _known(f"culture.{k.id}.home", k.home, regions, "region")
    for c in sc.category:
        _known(f"category.{c.id}.culture", c.culture, cultures, "culture")
    for i, g in enumerate(sc.firms):
        _known(f"firms.{i}.category", g.category, categories, "category")
        _known(f"firms.{i}.region", g.region, regions, "region")
    accounts = regions | {"national"}
    for z in sc.creator:
        _known(f"creator.{z.id}.account", z.account, accounts, "account")
        _known(f"creator.{z.id}.culture", z.culture, cultures, "culture")
        _known(f"creator.{z.id}.region", z.region, regions, "region")
        for g in z.cooperative:
            if not 0 <= g < len(sc.firms):
                raise ValueError(
                    f"creator.{z.id}.cooperative names firm group {g}, "
                    f"but groups are 0..{len(sc.firms) - 1}"
                )
    _entry_templates(sc)
    if sc.consumers.halo > 0:
        homes: dict[str, list[str]] = {}
        for k in sc.culture:
            homes.setdefault(k.home, []).append(k.id)
        for region, ids in homes.items():
            if len(ids) > 1:
                raise ValueError(f"consumers.halo > 0 needs each region to be home to at most "
                                 f"one culture, but region {region!r} is home to "
                                 f"{', '.join(ids)}")
    kinds = {c.id: c.kind for c in sc.category}
    for i, e in enumerate(sc.event):
        where = f"event.{i}"
        _known(f"{where}.category", getattr(e, "category", None), categories, "category")
        _known(f"{where}.into", getattr(e, "into", None), categories, "category")
        _known(f"{where}.region", getattr(e, "region", None), regions, "region")
        _known(f"{where}.culture", getattr(e, "culture", None), cultures, "culture")
        _known(f"{where}.creator", getattr(e, "creator", None), creators, "creator")
        _known(f"{where}.account", getattr(e, "account", None), accounts, "account")
        if e.kind == "merge_markets":
            if kinds[e.category] not in ("culture", "hybrid"):
                raise ValueError(f"{where}.category must be a culture or hybrid category")
            if kinds[e.into] not in ("commodity", "technology"):
                raise ValueError(f"{where}.into must be a commodity or technology category")


def _entry_templates(sc: Scenario) -> None:
    """Entrants take their practice and technology from the declared firms of their
    category: a category with entry needs at least one [[firms]] group."""
    stocked = {g.category for g in sc.firms}
    for c in sc.category:
        if c.id not in stocked and c.entry_rate > 0:
            raise ValueError(f"category.{c.id} has entry_rate > 0 but no [[firms]] group for "
                             f"entrants to take their practice and technology from")

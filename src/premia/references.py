"""Cross-reference checks of a scenario: every id a field names must exist.

All problems are collected, so a file with several dangling references is reported with
one line per problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from premia.scenario import Scenario


def _unique(kind: str, ids: list[str], problems: list[str]) -> set[str]:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            problems.append(f"{kind} id {item!r} is used twice")
        seen.add(item)
    return seen


def _known(problems: list[str], where: str, value: str | None, allowed: set[str],
           what: str) -> None:
    if value is not None and value not in allowed:
        options = ", ".join(sorted(allowed)) or "none defined"
        problems.append(f"{where} names unknown {what} {value!r} (known: {options})")


def reference_problems(sc: Scenario) -> list[str]:
    """Every dangling reference or clash of ``sc``, one message each (empty: all fine).

    Args:
        sc: the scenario to check.
    """
    problems: list[str] = []
    declared = sum(g.count for g in sc.firms)
    if declared > sc.scenario.max_firms:
        problems.append(f"scenario.max_firms={sc.scenario.max_firms} is below the "
                        f"{declared} firms the [[firms]] groups declare")
    regions = _unique("region", [r.id for r in sc.region], problems)
    cultures = _unique("culture", [k.id for k in sc.culture], problems)
    categories = _unique("category", [c.id for c in sc.category], problems)
    creators = _unique("creator", [z.id for z in sc.creator], problems)
    for k in sc.culture:
        _known(problems, f"culture.{k.id}.home", k.home, regions, "region")
    for c in sc.category:
        _known(problems, f"category.{c.id}.culture", c.culture, cultures, "culture")
    for i, g in enumerate(sc.firms):
        _known(problems, f"firms.{i}.category", g.category, categories, "category")
        _known(problems, f"firms.{i}.region", g.region, regions, "region")
    accounts = regions | {"national"}
    for z in sc.creator:
        _known(problems, f"creator.{z.id}.account", z.account, accounts, "account")
        _known(problems, f"creator.{z.id}.culture", z.culture, cultures, "culture")
        _known(problems, f"creator.{z.id}.region", z.region, regions, "region")
        problems += [f"creator.{z.id}.cooperative names firm group {g}, but groups are "
                     f"0..{len(sc.firms) - 1}" for g in z.cooperative
                     if not 0 <= g < len(sc.firms)]
    if all(g.category in categories for g in sc.firms):  # else the template check misleads
        problems += _entry_templates(sc)
    problems += _halo_homes(sc)
    problems += _event_targets(sc, categories, regions, cultures, creators, accounts)
    return problems


def check_references(sc: Scenario) -> None:
    """Raise ``ValueError`` with one line per dangling reference (see
    :func:`reference_problems`)."""
    problems = reference_problems(sc)
    if problems:
        raise ValueError("\n".join(problems))


def _halo_homes(sc: Scenario) -> list[str]:
    if sc.consumers.halo <= 0:
        return []
    homes: dict[str, list[str]] = {}
    for k in sc.culture:
        homes.setdefault(k.home, []).append(k.id)
    return [f"consumers.halo > 0 needs each region to be home to at most one culture, but "
            f"region {region!r} is home to {', '.join(ids)}"
            for region, ids in homes.items() if len(ids) > 1]


def _event_targets(sc: Scenario, categories: set[str], regions: set[str], cultures: set[str],
                   creators: set[str], accounts: set[str]) -> list[str]:
    problems: list[str] = []
    kinds = {c.id: c.kind for c in sc.category}
    for i, e in enumerate(sc.event):
        where = f"event.{i}"
        before = len(problems)
        _known(problems, f"{where}.category", getattr(e, "category", None), categories,
               "category")
        _known(problems, f"{where}.into", getattr(e, "into", None), categories, "category")
        _known(problems, f"{where}.region", getattr(e, "region", None), regions, "region")
        _known(problems, f"{where}.culture", getattr(e, "culture", None), cultures, "culture")
        _known(problems, f"{where}.creator", getattr(e, "creator", None), creators, "creator")
        _known(problems, f"{where}.account", getattr(e, "account", None), accounts, "account")
        if e.kind == "merge_markets" and len(problems) == before:
            if kinds[e.category] not in ("culture", "hybrid"):
                problems.append(f"{where}.category must be a culture or hybrid category")
            if kinds[e.into] not in ("commodity", "technology"):
                problems.append(f"{where}.into must be a commodity or technology category")
    return problems


def _entry_templates(sc: Scenario) -> list[str]:
    """Entrants take their practice and technology from the declared firms of their
    category: a category with entry needs at least one [[firms]] group."""
    stocked = {g.category for g in sc.firms}
    return [f"category.{c.id} has entry_rate > 0 but no [[firms]] group for entrants to take "
            f"their practice and technology from"
            for c in sc.category if c.id not in stocked and c.entry_rate > 0]

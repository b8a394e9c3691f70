"""The worked example of docs/units.md: scale the minimal scenario from 1 to 10 million people.

Run ``python examples/units_example.py`` (about ten seconds); it prints the Markdown tables
that docs/units.md quotes.
"""

from __future__ import annotations

import premia
from premia.describe import effective_capacity
from premia.metrics import long_run

SEED = 1
BASE = {"event.0.enabled": False}  # the workshops stay handmade (no modernization mandate)


def scaled(factor: float, capacity: bool, households: bool) -> dict[str, float]:
    """Overrides that multiply the population, and optionally capacities and households."""
    sc = premia.load_scenario("minimal")
    out = {**BASE, "scenario.population": sc.scenario.population * factor}
    if capacity:
        out |= {f"firms.{i}.capacity": g.capacity * factor for i, g in enumerate(sc.firms)}
    if households:
        out |= {f"region.{r.id}.households": r.households * factor for r in sc.region}
    return out


def potential(sc: premia.Scenario) -> list[str]:
    """Per category: population x purchase rate against the firms' effective capacity."""
    rows = ["| category | population x purchase rate | firms x effective capacity |",
            "|---|---:|---:|"]
    for c in sc.category:
        cap = sum(g.count * effective_capacity(sc, i) for i, g in enumerate(sc.firms)
                  if g.category == c.id)
        rows.append(f"| {c.id} | {sc.scenario.population * c.purchase_rate:,.0f} | {cap:,.0f} |")
    return rows


def outcomes(label: str, overrides: dict[str, float]) -> str:
    res = premia.simulate(premia.load_scenario("minimal", overrides), seed=SEED)
    cat = long_run(res.categories).groupby("category")
    reg = long_run(res.regions)
    gz = reg[reg.region == "guizhou"]
    goods = cat.overcapacity.mean()["goods"]
    return (f"| {label} | {cat.demand.mean()['goods']:,.0f} | {goods:.2f} "
            f"| {cat.mean_markup.mean()['goods']:.3f} | {cat.mean_markup.mean()['embroidery']:.3f} "
            f"| {gz.artisan_jobs.mean():,.0f} | {gz.poverty_headcount.mean():.3f} |")


def media_reach() -> str:
    rows = ["| population | media budget, yuan/month | media_efficiency | reach |",
            "|---:|---:|---:|---:|"]
    for pop, eff in ((1.0e6, 1.0e-6), (1.0e7, 1.0e-6), (1.0e7, 1.0e-7)):
        over = {"scenario.population": pop, "culture.miao.media_efficiency": eff,
                "event.1.enabled": True, "scenario.periods": 24}
        res = premia.simulate(premia.load_scenario("guizhou", over), seed=SEED)
        sc = res.meta["scenario"]
        budget = sc["event"][1]["budget"]
        cul = res.cultures
        reach = cul[cul.period == cul.period.max()].media_reach.iloc[0]
        rows.append(f"| {pop:,.0f} | {budget:,.0f} | {eff:g} | {reach:.3f} |")
    return "\n".join(rows)


def main() -> None:
    print("\n".join(potential(premia.load_scenario("minimal"))))
    print()
    print("| variant | goods demand, units/month | goods capacity/demand | goods markup "
          "| embroidery markup | guizhou artisan jobs | guizhou poverty |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(outcomes("as shipped (1 million people)", BASE))
    print(outcomes("population x 10", scaled(10, False, False)))
    print(outcomes("population and capacity x 10", scaled(10, True, False)))
    print(outcomes("population, capacity and households x 10", scaled(10, True, True)))
    print()
    print(media_reach())


if __name__ == "__main__":
    main()

"""``premia run``, ``premia validate`` and ``premia scenarios``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from premia.catalog import shipped, title
from premia.cli.common import BadInputError, app, console, guarded, load, progress_bar

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="override PATH=VALUE (repeatable), e.g. scenario.periods=24"),
]


def _summary(res, last: int) -> Table:
    cat = res.categories
    tail = cat[cat.period >= cat.period.max() - last + 1]
    table = Table(title=f"categories, mean of the last {last} periods")
    for col in ("category", "price/cost", "markup", "net margin", "firms alive", "overcapacity"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for name, g in tail.groupby("category", sort=False):
        ratio = float(np.mean(g.price_index / g.cost_index))
        table.add_row(str(name), f"{ratio:.3f}", f"{g.mean_markup.mean():.3f}",
                      f"{g.net_margin.mean():+.3f}", f"{g.firms_alive.iloc[-1]:d}",
                      f"{g.overcapacity.mean():.2f}")
    return table


def _content_summary(res, last: int) -> list[Table]:
    out = []
    cul = res.cultures
    if len(cul):
        t = Table(title="cultures (last period)")
        for col in ("culture", "mean affinity", "accepting share", "aware share"):
            t.add_column(col, justify="right")
        for _, r in cul[cul.period == cul.period.max()].iterrows():
            t.add_row(str(r.culture), f"{r.mean_affinity:.3f}", f"{r.accepting_share:.3f}",
                      f"{r.aware_share:.3f}")
        out.append(t)
    reg = res.regions
    t = Table(title=f"regions, mean of the last {last} periods")
    for col in ("region", "mean income", "poverty", "gini", "artisan jobs", "workshops"):
        t.add_column(col, justify="right")
    tail = reg[reg.period >= reg.period.max() - last + 1]
    for name, g in tail.groupby("region", sort=False):
        t.add_row(str(name), f"{g.mean_income.mean():,.0f}", f"{g.poverty_headcount.mean():.3f}",
                  f"{g.gini.mean():.3f}", f"{g.artisan_jobs.mean():,.0f}",
                  f"{g.workshops_active.iloc[-1]:.0f}")
    out.append(t)
    return out


@app.command()
@guarded
def run(
    file: Annotated[Path, typer.Argument(help="scenario file or shipped scenario name")],
    seed: Annotated[int | None, typer.Option(help="seed (default: the file's)")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option(help="write the run directory here")] = None,
) -> None:
    """Run one scenario, print a summary and optionally save the results."""
    from premia.api import simulate

    if seed is not None and seed < 0:
        raise BadInputError(f"--seed {seed}: a seed must be a non-negative integer")
    sc = load(file, set_)
    with progress_bar(f"running {sc.scenario.name}", sc.scenario.periods) as advance:
        res = simulate(sc, seed=seed, progress=lambda done, total: advance(done))
    last = max(1, min(24, sc.scenario.periods // 4))
    console.print(_summary(res, last))
    for table in _content_summary(res, last):
        console.print(table)
    console.print(f"{sc.scenario.periods} periods in {res.meta['wall_time_s']:.2f} s "
                  f"(seed {res.meta['seed']})")
    if out is not None:
        res.save(out)
        console.print(f"results written to {out}")


@app.command()
@guarded
def validate(
    file: Annotated[Path, typer.Argument(help="scenario file")],
    set_: SetOption = None,
) -> None:
    """Check a scenario file (and its questions) without running it."""
    from premia.questions.schema import check_questions

    sc = load(file, set_)
    check_questions(sc, str(file))
    console.print(f"{file}: valid ({len(sc.category)} categories, {len(sc.region)} regions, "
                  f"{sum(g.count for g in sc.firms)} firms, {sc.scenario.periods} periods)")


@app.command()
def scenarios() -> None:
    """List the shipped scenarios with their titles."""
    table = Table(title="shipped scenarios")
    table.add_column("name")
    table.add_column("title")
    table.add_column("path")
    for name, path in shipped().items():
        table.add_row(name, title(path), str(path))
    console.print(table)

"""``premia run``, ``premia validate`` and ``premia scenarios``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from premia.catalog import shipped, title
from premia.cli.common import (
    app,
    check_seed,
    console,
    err_console,
    guarded,
    load,
    parse_sets,
    progress_bar,
)

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="override PATH=VALUE (repeatable), e.g. scenario.periods=24"),
]


def _fmt(value: float, spec: str) -> str:
    return "–" if value != value else format(value, spec)


def summary_tables(res) -> list[Table | str]:
    """The long-run summary of a run: categories, cultures and regions."""
    from premia.metrics import long_run_text, summary_table

    when = long_run_text(res.categories)
    layout = {
        "categories": ("category", [("price/cost", "price_cost", ".3f"),
                                    ("markup", "markup", ".3f"),
                                    ("net margin", "net_margin", "+.3f"),
                                    ("firms at end", "firms", ".0f"),
                                    ("overcapacity", "overcapacity", ".2f")]),
        "cultures": ("culture", [("mean affinity", "affinity", ".3f"),
                                 ("accepting share", "accepting", ".3f"),
                                 ("aware share", "aware", ".3f")]),
        "regions": ("region", [("mean income", "income", ",.0f"), ("poverty", "poverty", ".3f"),
                               ("gini", "gini", ".3f"), ("artisan jobs", "artisan_jobs", ",.0f"),
                               ("workshops at end", "workshops", ".0f")]),
    }
    out: list[Table | str] = [f"{when}; firms and workshops: last month"]
    for name, (entity, cols) in layout.items():
        frame = summary_table(res, name)
        if frame.empty:
            continue
        table = Table(title=name)
        table.add_column(entity)
        for label, _, _ in cols:
            table.add_column(label, justify="right")
        for _, row in frame.iterrows():
            table.add_row(str(row[entity]), *[_fmt(float(row[c]), f) for _, c, f in cols])
        out.append(table)
    return out


def warn_deaths(res) -> None:
    """One warning line per category whose firms all exited."""
    from premia.metrics import dead_categories, death_warning

    for death in dead_categories(res):
        err_console.print(f"warning: {death_warning(death)}", markup=False, highlight=False,
                          soft_wrap=True)


@app.command()
@guarded
def run(
    file: Annotated[Path, typer.Argument(help="scenario file or shipped scenario name")],
    seed: Annotated[int | None, typer.Option(help="seed (default: the file's)")] = None,
    set_: SetOption = None,
    out: Annotated[Path | None, typer.Option(
        help="write the run directory here (a new path or an earlier run)")] = None,
    no_memory_check: Annotated[bool, typer.Option(
        "--no-memory-check", help="run even if the estimated memory exceeds what is free")
    ] = False,
) -> None:
    """Run one scenario, print a summary and optionally save the results."""
    from premia import memory
    from premia.api import simulate
    from premia.results import check_run_dir

    check_seed(seed)
    if out is not None:
        check_run_dir(out)  # before running: a refused path costs nothing
    sc = load(file, set_)
    if not no_memory_check:
        memory.check(sc, source=str(file))
    with progress_bar(f"running {sc.scenario.name}", sc.scenario.periods) as advance:
        res = simulate(sc, seed=seed, progress=lambda done, total: advance(done),
                       check_memory=False)
    res.meta["overrides"] = parse_sets(set_)
    for item in summary_tables(res):
        console.print(item, markup=False, highlight=False, soft_wrap=isinstance(item, str))
    warn_deaths(res)
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

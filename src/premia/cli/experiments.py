"""``premia sweep``, ``runs``, ``query``, ``sensitivity``, ``phase`` and ``metrics``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from premia.cli.common import (
    BadInputError,
    Workers,
    app,
    check_seed,
    check_sweep_memory,
    console,
    err_console,
    guarded,
    parse_sets,
    progress_bar,
    report_quarantine,
    sweep_failures,
    workers_or_default,
)

F = TypeVar("F", bound=Callable[..., Any])

Sets = Annotated[list[str] | None, typer.Option("--set", help="fixed override PATH=VALUE")]
Ranges = Annotated[list[str] | None, typer.Option("--range", help="PATH=LO:HI (repeatable)")]
Executor = Annotated[str, typer.Option(help="local (process pool), dask or serial")]
Stale = Annotated[str, typer.Option(
    help="finished runs in the store made by other premia code: stop (the default: say "
    "so and run nothing), rerun or keep")]


def bad_input(func: F) -> F:
    """Turn the experiment layer's input errors into :class:`BadInputError` (exit 2)."""
    from premia.experiments.design import DesignError
    from premia.experiments.sensitivity import SensitivityError
    from premia.experiments.store import StoreError
    from premia.metrics import MetricError

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (DesignError, StoreError, MetricError, SensitivityError) as exc:
            raise BadInputError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _check_stale(stale: str) -> None:
    from premia.experiments.sweep import STALE_CHOICES

    if stale not in STALE_CHOICES:
        raise BadInputError(f"--stale {stale!r}: use stop, rerun or keep")


def _check_executor(executor: str) -> None:
    from premia.experiments.executors import EXECUTORS

    if executor not in EXECUTORS:
        raise BadInputError(f"--executor {executor!r}: use one of {', '.join(EXECUTORS)}")


@contextmanager
def run_progress(description: str) -> Iterator[Callable[[int, int, int], None]]:
    """A bar of runs done, failures and ETA; yields ``update(done, failed, total)``."""
    with progress_bar(description, failures=True) as advance:
        yield lambda done, failed, total: advance(done, total=total, failed=failed)


def _ranges(items: list[str] | None) -> dict[str, tuple[float, float]]:
    from premia.experiments.design import parse_range

    return {r.path: (r.low, r.high) for r in map(parse_range, items or [])}


def _counts(store: Any) -> str:
    runs = store.runs()
    counts = runs.status.value_counts().to_dict() if len(runs) else {}
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no runs"


@app.command()
@guarded
@bad_input
def sweep(
    file: Annotated[Path, typer.Argument(help="scenario file or shipped scenario name")],
    store: Annotated[Path, typer.Option(help="store directory (resumes if it exists)")],
    grid: Annotated[list[str] | None, typer.Option(help="PATH=LO:HI:N (repeatable)")] = None,
    values: Annotated[list[str] | None, typer.Option(help="PATH=A,B,C (repeatable)")] = None,
    sample: Annotated[str | None, typer.Option(help="sobol, lhs or random")] = None,
    n: Annotated[int, typer.Option("--n", help="sampled points")] = 16,
    range_: Ranges = None,
    seeds: Annotated[int, typer.Option(min=1, help="replicates per point")] = 1,
    executor: Executor = "local",
    workers: Workers = None,
    scheduler: Annotated[str | None, typer.Option(help="tcp://HOST:PORT (dask)")] = None,
    seed: Annotated[int | None, typer.Option(help="root seed (default: the file's)")] = None,
    common_seeds: Annotated[bool, typer.Option(
        help="the same seeds at every point (common random numbers: sharper comparisons)")
    ] = False,
    retry_failed: Annotated[bool, typer.Option(help="re-run failed runs")] = False,
    allow_failures: Annotated[bool, typer.Option(
        "--allow-failures", help="exit 0 even if some runs failed")] = False,
    no_memory_check: Annotated[bool, typer.Option(
        "--no-memory-check", help="start runs even if their estimated memory exceeds what "
        "is free")] = False,
    stale: Stale = "stop",
    set_: Sets = None,
) -> None:
    """Run a scenario over a grid, value lists and/or a sample, into a run store.

    Exits 1 when runs failed or were lost (unless --allow-failures); the store keeps
    them and the next sweep resumes.
    """
    from premia.catalog import resolve
    from premia.experiments.design import parse_grid, parse_values
    from premia.experiments.sweep import outcome, plan, run_plan
    from premia.results import check_output_dir

    _check_executor(executor)
    _check_stale(stale)
    check_seed(seed)
    check_output_dir(store)
    workers = workers_or_default(workers)
    if range_ and not sample:
        raise BadInputError("--range needs --sample sobol|lhs|random")
    axes = {a.path: a for a in map(parse_grid, grid or [])}
    listed = {a.path: a.values for a in map(parse_values, values or [])}
    p = plan(resolve(file), store, grid=axes, values=listed, sample_method=sample, n=n,
             ranges=_ranges(range_), seeds=seeds, overrides=parse_sets(set_),
             root_seed=seed, common_seeds=common_seeds, workers=workers,
             check_memory=not no_memory_check)
    if not no_memory_check:
        check_sweep_memory(p, workers, str(file))
    seeding = "common seeds" if common_seeds else "seeds"
    with run_progress(f"sweep {len(p.points)} points x {seeds} {seeding}") as update:
        run_plan(p, executor=executor, workers=workers, scheduler=scheduler, progress=update,
                 retry_failed=retry_failed, stale=stale)
    report_quarantine(p.store.quarantined, "set aside and re-ran")
    console.print(f"{store}: {_counts(p.store)}")
    warn_store_deaths(p.store, {t.run_id for t in p.tasks})
    sweep_failures(outcome(p), store, allow_failures)


def warn_store_deaths(store: Any, run_ids: set[str] | None = None) -> None:
    """A warning line per category that died in some of the store's runs."""
    from premia.metrics import store_death_warnings

    for line in store_death_warnings(store, run_ids):
        err_console.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@guarded
@bad_input
def runs(
    store: Annotated[Path, typer.Argument(help="store directory")],
    limit: Annotated[int, typer.Option(help="rows shown")] = 50,
) -> None:
    """List the runs of a store with their parameters, status and timings."""
    from premia.experiments.store import CATALOG_COLUMNS, Store

    st = Store(store)
    st.require()
    report_quarantine(st.quarantine_damaged(), "set aside (the next sweep re-runs them)")
    frame = st.runs()
    params = [c for c in frame.columns if c not in CATALOG_COLUMNS]
    table = Table(title=f"{store}: {_counts(st)}")
    cols = ["run_id", "status", "seed", "replicate", *params, "sim_time_s"]
    for c in cols:
        table.add_column(c, overflow="fold", no_wrap=c in ("run_id", "status", "seed"))
    for _, row in frame.head(limit).iterrows():
        table.add_row(*[_cell(row[c], 3 if c == "sim_time_s" else None) for c in cols])
    console.print(table)
    if len(frame) > limit:
        console.print(f"({len(frame) - limit} more; use --limit or premia query)")
    failed = frame[frame.status.isin(["failed", "lost"])]
    for _, row in failed.head(10).iterrows():
        console.print(f"{row.status} {row.run_id}: {row.error}", soft_wrap=True,
                      markup=False, highlight=False)
    if len(failed) > 10:
        console.print(f"({len(failed) - 10} more failures: premia query {store} "
                      "\"SELECT run_id, error FROM runs WHERE status <> 'done'\")")


def _cell(value: Any, digits: int | None = None) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}" if digits is not None else f"{value:.6g}"
    return str(value)


@app.command()
@guarded
@bad_input
def query(
    store: Annotated[Path, typer.Argument(help="store directory")],
    sql: Annotated[str, typer.Argument(help="DuckDB SQL over runs, firms, categories, ...")],
    csv: Annotated[Path | None, typer.Option(help="write CSV (with header) here")] = None,
    parquet: Annotated[Path | None, typer.Option(help="write Parquet here")] = None,
    limit: Annotated[int, typer.Option(help="rows shown")] = 50,
) -> None:
    """Query all runs of a store with SQL (views: runs, firms, categories, cultures,
    regions, creators; parameters as columns named by their path)."""
    import warnings

    from premia.experiments.store import Store, write_table_atomic
    from premia.results import check_output_file

    for target in (csv, parquet):
        if target is not None:
            check_output_file(target)  # before the query: a refused path costs nothing
    st = Store(store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = st.query_arrow(sql)
    note = st.skipped_warning()
    if note is not None:
        err_console.print(f"warning: {note}", markup=False, highlight=False, soft_wrap=True)
    if csv is not None:
        write_table_atomic(result, csv, "csv")
    if parquet is not None:
        write_table_atomic(result, parquet, "parquet")
    if csv is not None or parquet is not None:
        console.print(f"{result.num_rows} rows written")
        return
    table = Table()
    for c in result.column_names:
        table.add_column(c, overflow="fold")
    for row in result.slice(0, limit).to_pylist():
        table.add_row(*[_cell(v) for v in row.values()])
    console.print(table)
    if result.num_rows > limit:
        console.print(f"({result.num_rows - limit} more rows; use --csv or --parquet)")


@app.command()
@guarded
@bad_input
def sensitivity(
    file: Annotated[Path, typer.Argument(help="scenario file or shipped scenario name")],
    metric: Annotated[str, typer.Option(help="NAME:ARG, see premia metrics")],
    range_: Ranges = None,
    method: Annotated[str, typer.Option(help="sobol or morris")] = "sobol",
    n: Annotated[int, typer.Option("--n", min=1, help="SALib base sample size")] = 16,
    seeds: Annotated[int, typer.Option(min=1, help="replicates per point")] = 1,
    executor: Executor = "local",
    workers: Workers = None,
    out: Annotated[Path | None, typer.Option(help="folder for store, CSV and HTML")] = None,
    stale: Stale = "stop",
    set_: Sets = None,
) -> None:
    """Sobol or Morris sensitivity of a metric to parameter ranges (SALib)."""
    from premia import metrics
    from premia.cli.common import load
    from premia.experiments.sensitivity import METHODS
    from premia.experiments.sensitivity import sensitivity as analyse

    _check_executor(executor)
    _check_stale(stale)
    workers = workers_or_default(workers)
    if method not in METHODS:
        raise BadInputError(f"--method {method!r}: use sobol or morris")
    sc = load(file, set_)
    metrics.check(metric, {"category": [c.id for c in sc.category],
                           "culture": [k.id for k in sc.culture],
                           "region": [r.id for r in sc.region],
                           "creator": [z.id for z in sc.creator]})
    ranges = _ranges(range_)
    if not ranges:
        raise BadInputError("give at least one --range PATH=LO:HI")
    with run_progress(f"{method} sensitivity of {metric}") as update:
        res = analyse(sc, metric, ranges, method=method, n=n, seeds=seeds, executor=executor,
                      workers=workers, out=out, progress=update, stale=stale)
    table = Table(title=f"{method} sensitivity of {metric} ({res.runs} runs)")
    for c in res.indices.columns:
        table.add_column(c, justify="left" if c == "parameter" else "right")
    for _, row in res.indices.iterrows():
        table.add_row(*[str(v) if isinstance(v, str) else f"{v:.4f}" for v in row])
    console.print(table)
    spread = res.spread
    console.print(f"{metric} over the design: mean {spread['mean']:.4g}, sd {spread['sd']:.3g}, "
                  f"min {spread['min']:.4g}, max {spread['max']:.4g}", markup=False,
                  highlight=False)
    console.print(f"units: {res.units}", markup=False, highlight=False)
    for line in res.warnings:
        err_console.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"written: {out / 'indices.csv'}, {out / 'sensitivity.html'}")


@app.command()
@guarded
@bad_input
def phase(
    claim: Annotated[str, typer.Argument(help="claim id (C4) or FILE:QUESTION")],
    x: Annotated[str, typer.Option("--x", help="PATH=LO:HI:N")],
    y: Annotated[str, typer.Option("--y", help="PATH=LO:HI:N")],
    seeds: Annotated[int, typer.Option(min=1, help="seeds per cell")] = 3,
    workers: Workers = None,
    periods: Annotated[int | None, typer.Option(min=1, help="run length override")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder (default: .)")] = None,
) -> None:
    """A question's effect and verdict over a grid of two parameters (heatmap + CSV)."""
    from premia.experiments.design import parse_grid
    from premia.experiments.phase import phase as diagram
    from premia.questions.core import check_overrides
    from premia.questions.find import resolve

    question = resolve(claim)
    workers = workers_or_default(workers)
    ax, ay = parse_grid(x, "--x"), parse_grid(y, "--y")
    if ax.path == ay.path:
        raise BadInputError(f"--x and --y are both {ax.path}")
    check_overrides(question, {ax.path: ax.values[0], ay.path: ay.values[0]})
    target = out or Path(".")
    with run_progress(f"phase diagram of {question.ref}") as update:
        res = diagram(question, ax, ay, seeds=seeds, workers=workers, periods=periods,
                      out=target, progress=lambda done, total: update(done, 0, total))
    counts = res.cells.verdict.value_counts().to_dict()
    console.print(f"{question.ref}: " + ", ".join(f"{n} {v}" for v, n in counts.items())
                  + f"; {int(res.cells.boundary.sum())} boundary cells; written to "
                  f"{target / f'phase-{question.id}.html'} and .csv")


@app.command("metrics")
def list_metrics() -> None:
    """List the named run metrics (NAME:ARG) for sensitivity analysis."""
    from premia.metrics import registry

    table = Table(title="metrics (long run = mean over the second half of the run's periods)")
    table.add_column("metric")
    table.add_column("description")
    for m in registry().values():
        table.add_row(f"{m.name}:" + "/".join(f"<{e}>" for e in m.entity.split("/")),
                      m.description)
    console.print(table)

"""Shared pieces of the command line: the app, error handling and progress bars."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from premia.loading import ScenarioError, load_scenario, one_line
from premia.results import OutputError
from premia.scenario import Scenario

app = typer.Typer(
    name="premia",
    help="Technology premiums and cultural premiums in one agent-based economy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def default_workers() -> int:
    """Worker processes when ``--workers`` is not given: one per core, for every command."""
    return os.cpu_count() or 1


def workers_or_default(workers: int | None) -> int:
    """``--workers`` as given, or :func:`default_workers`; below 1 is bad input."""
    if workers is None:
        return default_workers()
    if workers < 1:
        raise BadInputError(f"--workers {workers}: must be at least 1")
    return workers


Workers = Annotated[int | None, typer.Option(
    help="worker processes (default: one per core)", show_default=False)]
"""The ``--workers`` option of every command that runs many simulations."""


class BadInputError(Exception):
    """Bad input from the user: reported as one line with exit code 2."""


def fail(message: str, code: int = 2) -> None:
    """Print ``error: ...`` on stderr, one line per problem in ``message``, and exit.

    Args:
        message: one problem per line (most messages have one line).
        code: the exit code, 2 for bad input.
    """
    for line in str(message).split("\n") or [""]:
        err_console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=code)


def guarded(func: F) -> F:
    """Turn bad input into ``error: ...`` lines and exit 2.

    Bad input is a :class:`ScenarioError` (including a run too large for memory or one
    that produced non-finite values), a :class:`BadInputError` or an
    :class:`~premia.results.OutputError`. An allocation that fails anyway is reported the
    same way: one line, never a traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ScenarioError, BadInputError, OutputError) as exc:
            fail(str(exc))
        except MemoryError:
            fail("out of memory; use fewer consumers, periods or firms")
        except KeyboardInterrupt:
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def check_seed(seed: int | None, option: str = "--seed") -> None:
    """A seed must fit the generator: 0..2^63-1."""
    if seed is not None and not 0 <= seed < 2**63:
        raise BadInputError(f"{option} {seed}: a seed is an integer in 0..2^63-1")


def parse_sets(sets: list[str] | None) -> dict[str, str]:
    """``["PATH=VALUE", ...]`` -> ``{PATH: VALUE}``, with a clear error for bad items."""
    out: dict[str, str] = {}
    for item in sets or []:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise BadInputError(one_line(f"--set {item!r}: expected PATH=VALUE, e.g. "
                                         "scenario.periods=24"))
        out[path.strip()] = value.strip()
    return out


def load(file: Path, sets: list[str] | None = None) -> Scenario:
    """Load a scenario file (or a shipped scenario's name) with ``--set`` overrides."""
    from premia.catalog import resolve

    return load_scenario(resolve(file), parse_sets(sets))


@contextmanager
def progress_bar(description: str, total: int | None = None, failures: bool = False
                 ) -> Iterator[Callable[..., None]]:
    """A Rich progress bar on stderr (only when stderr is a terminal: in a log or a pipe
    it would leave blank lines around the output).

    Yields ``advance(done, total=None, failed=None)``: ``done`` is the absolute count,
    ``total`` may be given (or changed) on any call, and ``failed`` is shown when the bar
    was made with ``failures=True``.
    """
    shown_failures = [TextColumn("[red]{task.fields[failed]} failed")] if failures else []
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               *shown_failures, TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task(description, total=total, failed=0)

        def advance(done: int, total: int | None = None, failed: int | None = None) -> None:
            fields = {"total": total} if total is not None else {}
            if failed is not None:
                fields["failed"] = failed
            bar.update(task, completed=done, **fields)

        yield advance


# ---- sweeps and stores: memory, damaged runs, failures ---------------------------
def check_sweep_memory(p: Any, workers: int, source: str) -> None:
    """Refuse a sweep whose base scenario cannot run ``workers`` times at once."""
    from premia import memory
    from premia.loading import validate_raw

    memory.check(validate_raw(p.tasks[0].raw, source), min(workers, len(p.tasks)), source)


def report_quarantine(bad: dict[str, str], done: str) -> None:
    """One warning line naming the damaged runs that were set aside."""
    if bad:
        listed = "; ".join(f"{rid} ({why})" for rid, why in list(bad.items())[:3])
        more = f"; and {len(bad) - 3} more" if len(bad) > 3 else ""
        err_console.print(f"warning: {len(bad)} damaged run{'s' * (len(bad) > 1)} {done}: "
                          f"{listed}{more}", markup=False, highlight=False, soft_wrap=True)


def sweep_failures(runs: dict[str, list[dict[str, Any]]], store: Path,
                    allow_failures: bool) -> None:
    """Name the failed and lost runs; exit 1 unless failures are allowed."""
    bad = runs["failed"] + runs["lost"] + runs["missing"]
    if not bad:
        return
    total = sum(len(v) for v in runs.values())
    first = bad[0]
    error = " ".join(str(first.get("error") or first["status"]).split())
    summary = (f"{len(bad)} of {total} runs did not finish ({len(runs['failed'])} failed, "
               f"{len(runs['lost'])} lost); first: {first['run_id']}: {error[:300]}; "
               f"premia runs {store} lists them")
    if allow_failures:
        err_console.print(f"warning: {summary}", markup=False, highlight=False, soft_wrap=True)
        return
    fail(f"{summary} (--allow-failures to accept)", code=1)

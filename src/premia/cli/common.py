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

from premia.loading import ScenarioError, load_scenario
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


def fail(message: str) -> None:
    """Print one line on stderr and exit with code 2."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def guarded(func: F) -> F:
    """Turn :class:`ScenarioError` and :class:`BadInputError` into one line and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ScenarioError, BadInputError) as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def parse_sets(sets: list[str] | None) -> dict[str, str]:
    """``["PATH=VALUE", ...]`` -> ``{PATH: VALUE}``, with a clear error for bad items."""
    out: dict[str, str] = {}
    for item in sets or []:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise BadInputError(f"--set {item!r}: expected PATH=VALUE, e.g. scenario.periods=24")
        out[path.strip()] = value.strip()
    return out


def load(file: Path, sets: list[str] | None = None) -> Scenario:
    """Load a scenario file (or a shipped scenario's name) with ``--set`` overrides."""
    from premia.catalog import resolve

    return load_scenario(resolve(file), parse_sets(sets))


@contextmanager
def progress_bar(description: str, total: int | None = None, failures: bool = False
                 ) -> Iterator[Callable[..., None]]:
    """A Rich progress bar on stderr.

    Yields ``advance(done, total=None, failed=None)``: ``done`` is the absolute count,
    ``total`` may be given (or changed) on any call, and ``failed`` is shown when the bar
    was made with ``failures=True``.
    """
    shown_failures = [TextColumn("[red]{task.fields[failed]} failed")] if failures else []
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               *shown_failures, TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(description, total=total, failed=0)

        def advance(done: int, total: int | None = None, failed: int | None = None) -> None:
            fields = {"total": total} if total is not None else {}
            if failed is not None:
                fields["failed"] = failed
            bar.update(task, completed=done, **fields)

        yield advance

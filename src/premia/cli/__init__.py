"""The ``premia`` command line (Typer + Rich).

Exit codes: 0 success, 2 bad input (one line on stderr, no traceback), 1 anything else.
Each command group lives in its own module and registers itself on the shared Typer app.
"""

from __future__ import annotations

import typer

from premia.cli.common import app

COMMAND_MODULES = ("runs", "checks", "experiments", "reports")


def build() -> typer.Typer:
    """The app with every command group registered (importing a module registers it)."""
    for name in COMMAND_MODULES:
        __import__(f"premia.cli.{name}")
    return app


def main() -> None:
    """Entry point of the ``premia`` script."""
    build()()


__all__ = ["app", "build", "main"]

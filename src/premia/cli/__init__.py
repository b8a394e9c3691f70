"""The ``premia`` command line (Typer + Rich).

Exit codes: 0 success, 2 bad input (one line on stderr, no traceback), 1 anything else.
Each command group lives in its own module and registers itself on the shared Typer app.
"""

from __future__ import annotations

import typer

from premia.cli.common import app, err_console

COMMAND_MODULES = ("runs", "checks", "experiments", "reports", "calibrate")


def build() -> typer.Typer:
    """The app with every command group registered (importing a module registers it)."""
    for name in COMMAND_MODULES:
        __import__(f"premia.cli.{name}")
    return app


def main() -> None:
    """Entry point of the ``premia`` script.

    Usage errors (an unknown command or option, a bad option value, a missing argument)
    are bad input like any other: one line on stderr and exit code 2.
    """
    import sys

    try:  # typer vendors click (pinned in pyproject); plain click otherwise
        from typer._click import exceptions as usage
    except ImportError:  # pragma: no cover
        from click import exceptions as usage

    command = typer.main.get_command(build())
    try:
        code = command.main(prog_name="premia", standalone_mode=False)
    except usage.NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except usage.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "premia"
        message = " ".join(exc.format_message().split())
        fail_line = f"error: {where}: {message} (see {where} --help)"
        err_console.print(fail_line, markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Abort:
        err_console.print("interrupted")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "build", "main"]

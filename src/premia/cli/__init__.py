"""The ``premia`` command line (Typer + Rich).

Exit codes: 0 success, 2 bad input (one line on stderr, no traceback), 1 anything else.
Each command group lives in its own module and registers itself on :data:`app`.
"""

from __future__ import annotations

from premia.cli.common import app


def main() -> None:
    """Entry point of the ``premia`` script."""
    from premia.cli import runs  # noqa: F401  (registers its commands)

    for optional in ("checks", "experiments", "reports"):
        try:
            __import__(f"premia.cli.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"premia.cli.{optional}":
                raise
    app()


__all__ = ["app", "main"]

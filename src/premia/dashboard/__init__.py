"""The interactive dashboard (Streamlit): pick a scenario (shipped, a file given to
``premia dashboard FILE`` or one uploaded in the page), move its key parameters, run it,
compare it with the scenario's baseline, in Chinese or English.

The Streamlit script is :file:`app.py`; its logic lives in :mod:`premia.dashboard.logic`,
:mod:`premia.dashboard.params` and :mod:`premia.dashboard.view`, testable without a browser.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def app_path() -> Path:
    """The Streamlit script of the dashboard."""
    return Path(__file__).with_name("app.py")


def streamlit_command(host: str = "127.0.0.1", port: int = 8501,
                      files: Sequence[str | Path] = ()) -> list[str]:
    """The command that serves the dashboard on ``host:port`` (headless, no telemetry).

    ``files`` are scenario files offered first in the app's scenario picker.
    """
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_path()),
           "--server.address", host, "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if files:
        cmd.append("--")
        for f in files:
            cmd += ["--scenario", str(Path(f).resolve())]
    return cmd


def scenario_files(argv: Sequence[str]) -> list[str]:
    """The ``--scenario FILE`` values among the app's arguments."""
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--scenario"]


__all__ = ["app_path", "scenario_files", "streamlit_command"]

"""The interactive dashboard (Streamlit): pick a scenario, move its key parameters, run it,
compare it with the scenario's baseline, in Chinese or English.

The Streamlit script is :file:`app.py`; its logic lives in :mod:`premia.dashboard.logic`,
:mod:`premia.dashboard.params` and :mod:`premia.dashboard.view`, testable without a browser.
"""

from __future__ import annotations

import sys
from pathlib import Path


def app_path() -> Path:
    """The Streamlit script of the dashboard."""
    return Path(__file__).with_name("app.py")


def streamlit_command(host: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The command that serves the dashboard on ``host:port`` (headless, no telemetry)."""
    return [sys.executable, "-m", "streamlit", "run", str(app_path()),
            "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false"]


__all__ = ["app_path", "streamlit_command"]

"""A user's run from the command line states its long run and the markets that died.

One definition of "long run" (the second half of the run) and a warning naming the month a
category died, in ``premia run``'s summary and in the report of the saved run, as a user
sees them (the installed command). Sweeps and sensitivity are covered in
``tests/test_api_experiments.py``, the dashboard in ``tests/test_dashboard.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def premia(*args: object) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).with_name("premia"))
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={"NUMBA_NUM_THREADS": "1", "PATH": str(Path(exe).parent),
                               "HOME": str(Path.home()), "COLUMNS": "200"})


@pytest.fixture(scope="module")
def dying(tmp_path_factory) -> Path:
    """The minimal economy whose goods makers cannot cover a fixed cost and none enter."""
    text = ((ROOT / "scenarios" / "minimal.toml").read_text()
            .replace("fixed_cost = 0.5\n", "fixed_cost = 50.0\nbankruptcy_months = 0.0\n", 1)
            .replace("entry_rate = 0.5\n", "entry_rate = 0.0\n", 1))
    path = tmp_path_factory.mktemp("dying") / "dying.toml"
    path.write_text(text)
    return path


def test_run_summary_and_its_report_state_the_long_run_and_the_death(dying, tmp_path):
    run_dir = tmp_path / "run"
    done = premia("run", dying, "--set", "scenario.periods=24", "--set",
                  "scenario.consumers=200", "--out", run_dir)
    assert done.returncode == 0, done.stderr
    assert "long run = mean over the second half of the run (months 12-23)" in done.stdout
    said = done.stdout + done.stderr
    assert "warning: category goods died: no firm left from month" in said
    assert "phones died" not in said and "embroidery died" not in said
    done = premia("report", "--run", run_dir, "--lang", "en", "--out", tmp_path / "rep")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "rep" / "run-report.en.html").read_text()
    assert "second half of each run (months 12–23 here)" in page
    assert "goods: every firm exited; no firm from month" in page


def test_a_living_market_gets_no_death_warning(tmp_path):
    done = premia("run", "minimal", "--set", "scenario.periods=24", "--set",
                  "scenario.consumers=200")
    assert done.returncode == 0, done.stderr
    assert "died" not in done.stdout + done.stderr
    assert "second half of the run (months 12-23)" in done.stdout

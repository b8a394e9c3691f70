"""A sweep killed with SIGKILL and re-run ends with exactly the runs of an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
from conftest import MINIMAL

from premia.experiments.store import Store
from premia.results import TABLES

# runs of about 0.3 s each: the test process would have to be starved for seconds on a
# loaded machine before all twelve could finish between two polls
ARGS = ["--grid", "category.phones.patent_length=6:24:4", "--seeds", "3",
        "--set", "scenario.periods=120", "--set", "scenario.consumers=300"]


def premia_sweep(store: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from premia.cli import main; main()", "sweep", str(MINIMAL),
           "--store", str(store), *ARGS, *extra]
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)


def finished(store: Path) -> int:
    return len(list((store / "runs").glob("[0-9a-f]*/record.json")))


def content(store: Path) -> dict[str, dict[str, object]]:
    st = Store(store)
    out = {}
    for rec in st.records():
        d = st.run_dir / rec["run_id"]
        out[rec["run_id"]] = {name: pq.read_table(d / f"{name}.parquet") for name in TABLES}
        out[rec["run_id"]]["status"] = rec["status"]
    return out


def test_killed_sweep_resumes_without_lost_or_doubled_runs(tmp_path):
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    proc = premia_sweep(killed)
    deadline = time.monotonic() + 240
    while finished(killed) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = finished(killed)
    assert 2 <= partial < 12, f"{partial} runs had finished when the sweep was killed"

    again = premia_sweep(killed)
    assert again.wait(timeout=300) == 0, again.stderr.read().decode()
    whole = premia_sweep(clean)
    assert whole.wait(timeout=300) == 0, whole.stderr.read().decode()

    resumed, reference = content(killed), content(clean)
    assert len(reference) == 12
    assert sorted(resumed) == sorted(reference)
    for run_id, tables in reference.items():
        assert resumed[run_id]["status"] == tables["status"] == "done"
        for name in TABLES:
            assert resumed[run_id][name].equals(tables[name]), (run_id, name)
    assert not [p for p in (killed / "runs").iterdir() if p.name.startswith(".")]
    assert sorted(p.name for p in (killed / "runs").iterdir()) == sorted(reference)

"""Sweeps that survive their workers: a dead worker is replaced and its runs run again, lost
runs are re-run on resume, killing the sweep leaves no worker behind, and failures exit 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import MINIMAL
from typer.testing import CliRunner

from premia.cli import build
from premia.experiments.executors import LocalExecutor, WorkerLostError
from premia.experiments.store import Store
from premia.experiments.sweep import sweep
from premia.results import TABLES

runner = CliRunner()
app = build()
ARGS = ["--grid", "category.phones.patent_length=6:24:4", "--seeds", "2",
        "--set", "scenario.periods=36", "--set", "scenario.consumers=1500"]
DESIGN = {"grid": {"category.phones.patent_length": "6:24:4"}, "seeds": 2,
          "overrides": {"scenario.periods": 36, "scenario.consumers": 1500}}


def start_sweep(store: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from premia.cli import main; main()", "sweep", str(MINIMAL),
           "--store", str(store), *ARGS, *extra]
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)


def children(pid: int) -> dict[int, str]:
    """``{pid: command line}`` of the living processes whose parent is ``pid``."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out[int(stat.parent.name)] = cmdline
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def workers_of(pid: int, deadline: float) -> dict[int, str]:
    while time.monotonic() < deadline:
        found = {p: c for p, c in children(pid).items() if "spawn_main" in c}
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("no pool worker appeared")


def finished(store: Path) -> int:
    return len(list((store / "runs").glob("[0-9a-f]*/record.json")))


def contents(store: Path) -> dict[str, dict[str, object]]:
    st = Store(store)
    return {r["run_id"]: {**{n: pq.read_table(st.run_dir / r["run_id"] / f"{n}.parquet")
                             for n in TABLES}, "status": r["status"]} for r in st.records()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, dict[str, object]]:
    path = tmp_path_factory.mktemp("reference") / "s"
    sweep(MINIMAL, store=path, executor="serial", **DESIGN)
    return contents(path)


def test_a_killed_worker_is_replaced_and_no_run_is_lost(tmp_path, reference):
    store = tmp_path / "s"
    proc = start_sweep(store, "--workers", "2")
    deadline = time.monotonic() + 300
    workers = workers_of(proc.pid, deadline)
    while finished(store) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    victim = next(iter(workers))
    assert proc.poll() is None and finished(store) < 8, "the sweep ended before the kill"
    os.kill(victim, signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()
    got = contents(store)
    assert sorted(got) == sorted(reference) and len(got) == 8
    for run_id, tables in reference.items():
        assert got[run_id]["status"] == "done"
        for name in TABLES:
            assert got[run_id][name].equals(tables[name]), (run_id, name)


def test_killing_the_sweep_leaves_no_worker_or_tracker_behind(tmp_path):
    store = tmp_path / "s"
    proc = start_sweep(store, "--workers", "2")
    deadline = time.monotonic() + 300
    workers_of(proc.pid, deadline)
    time.sleep(0.5)
    left = children(proc.pid)
    assert left, "the sweep had no children to leave behind"
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, not its group
    proc.wait()
    until = time.monotonic() + 20
    while any(alive(p) for p in left) and time.monotonic() < until:
        time.sleep(0.1)
    orphans = {p: c for p, c in left.items() if alive(p)}
    for p in orphans:  # do not leave them to the next test
        os.kill(p, signal.SIGKILL)
    assert not orphans, orphans


def self_killing(x: int) -> int:
    """Doubles ``x``, except that 3 kills its own worker process (like the OOM killer)."""
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)
    return 2 * x


def test_a_run_that_always_kills_its_worker_is_given_up_alone():
    with LocalExecutor(workers=2, max_losses=3) as pool:
        out = {item: (res, err) for item, res, err in pool.map_unordered(self_killing,
                                                                         range(8))}
        replacements = pool.replacements
    assert sorted(out) == list(range(8))
    assert {i: r for i, (r, e) in out.items() if e is None} == {i: 2 * i for i in range(8)
                                                                  if i != 3}
    assert isinstance(out[3][1], WorkerLostError) and "3 times" in str(out[3][1])
    assert replacements in (2, 3)  # the third loss needs a new pool only if runs remain


def test_resume_reruns_runs_lost_to_a_dead_worker(tmp_path, reference):
    st = sweep(MINIMAL, store=tmp_path / "s", executor="serial", **DESIGN)
    victims = [r["run_id"] for r in st.records()[:2]]
    for rid, status, error in zip(victims, ["lost", "failed"],
                                  ["worker lost: WorkerLostError: died",
                                   "worker lost: BrokenProcessPool: ..."], strict=True):
        st.write_run({"run_id": rid, "status": status, "error": error, "params": {},
                      "seed": 0}, None)
    assert not (st.run_dir / victims[0] / "firms.parquet").exists()
    calls = []
    sweep(MINIMAL, store=tmp_path / "s", executor="serial",
          progress=lambda d, f, t: calls.append((d, f, t)), **DESIGN)
    assert calls[0] == (6, 0, 8)
    got = contents(tmp_path / "s")
    for rid in victims:
        assert got[rid]["status"] == "done"
        assert all(got[rid][n].equals(reference[rid][n]) for n in TABLES)


def test_a_sweep_with_failed_runs_says_so_and_exits_1(tmp_path):
    args = ["sweep", str(MINIMAL), "--store", str(tmp_path / "s"), "--values",
            "scenario.max_firms=400,1", "--executor", "serial",
            "--set", "scenario.periods=3", "--set", "scenario.consumers=100"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: 1 of 2 runs did not finish")
    assert "max_firms=1 is below" in lines[0] and "--allow-failures" in lines[0]
    again = runner.invoke(app, [*args, "--allow-failures"])
    assert again.exit_code == 0, again.output
    assert again.stderr.startswith("warning: 1 of 2 runs did not finish")


def test_a_sweep_too_large_for_memory_is_refused_before_it_starts(tmp_path):
    result = runner.invoke(app, ["sweep", str(MINIMAL), "--store", str(tmp_path / "s"),
                                 "--values", "scenario.periods=1,2", "--workers", "2",
                                 "--set", "scenario.consumers=5000000",
                                 "--set", "consumers.network_degree=200"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "x 2 workers" in lines[0] and "--no-memory-check" in lines[0]
    assert not (tmp_path / "s" / "runs").exists() or not list((tmp_path / "s" / "runs").iterdir())


def test_a_sweep_seed_beyond_the_generator_is_bad_input(tmp_path):
    result = runner.invoke(app, ["sweep", str(MINIMAL), "--store", str(tmp_path / "s"),
                                 "--seed", str(2**64)])
    assert result.exit_code == 2 and "0..2^63-1" in result.stderr
    run = runner.invoke(app, ["run", "minimal", "--seed", str(2**64)])
    assert run.exit_code == 2 and "0..2^63-1" in run.stderr

"""A store survives a damaged file: checksums, quarantine, re-runs, and queries that skip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import MINIMAL
from typer.testing import CliRunner

from premia.cli import build
from premia.experiments.store import DamagedRunsWarning, Store
from premia.experiments.sweep import sweep
from premia.results import TABLES

runner = CliRunner()
app = build()
DESIGN = {"values": {"category.phones.patent_length": [6, 18]}, "seeds": 2,
          "overrides": {"scenario.periods": 4, "scenario.consumers": 100},
          "executor": "serial"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return sweep(MINIMAL, store=tmp_path_factory.mktemp("pristine") / "s", **DESIGN).path


@pytest.fixture
def store(pristine, tmp_path) -> Store:
    shutil.copytree(pristine, tmp_path / "s")
    return Store(tmp_path / "s")


def tables(st: Store, run_id: str) -> dict[str, object]:
    return {n: pq.read_table(st.run_dir / run_id / f"{n}.parquet") for n in TABLES}


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    path.write_bytes(bytes(data))


def test_records_carry_the_checksums_of_the_files(store):
    rec = store.records()[0]
    assert sorted(rec["files"]) == sorted([f"{n}.parquet" for n in TABLES] + ["run.json"])
    assert all(len(info["sha256"]) == 64 and info["bytes"] > 0 for info in rec["files"].values())
    assert store.damaged() == {}


@pytest.mark.parametrize("damage", [truncate, garble])
def test_query_skips_and_names_a_damaged_run(store, damage):
    victim = store.records()[0]["run_id"]
    damage(store.run_dir / victim / "firms.parquet")
    result = runner.invoke(app, ["query", str(store.path), "SELECT count(*) AS n FROM runs"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and victim in lines[0]
    assert "firms.parquet" in lines[0]
    with pytest.warns(DamagedRunsWarning, match=victim):
        counted = store.query("SELECT count(DISTINCT run_id) AS n FROM firms").n[0]
    assert counted == 3
    with pytest.warns(DamagedRunsWarning):
        status = store.query(f"SELECT status FROM runs WHERE run_id = '{victim}'").status[0]
    assert status == "damaged"


def test_runs_quarantines_and_the_next_sweep_reruns_bit_identically(store):
    victim = store.records()[1]["run_id"]
    before = tables(store, victim)
    truncate(store.run_dir / victim / "firms.parquet")
    result = runner.invoke(app, ["runs", str(store.path)])
    assert result.exit_code == 0, result.output
    assert victim in result.stderr and "set aside" in result.stderr
    assert not (store.run_dir / victim).exists()
    assert [p.name.split("-")[0] for p in (store.path / "quarantine").iterdir()] == [victim]
    calls = []
    sweep(MINIMAL, store=store.path, progress=lambda d, f, t: calls.append((d, f, t)), **DESIGN)
    assert calls[0] == (3, 0, 4) and calls[-1] == (4, 0, 4)
    after = tables(store, victim)
    assert all(after[n].equals(before[n]) for n in TABLES)
    assert store.damaged() == {}


def test_resume_verifies_quarantines_and_reruns(store):
    victim = store.records()[2]["run_id"]
    garble(store.run_dir / victim / "categories.parquet")
    st = sweep(MINIMAL, store=store.path, **DESIGN)
    assert list(st.quarantined) == [victim]
    assert "checksum mismatch" in st.quarantined[victim]
    assert st.damaged() == {} and st.status()[victim] == "done"


def test_an_unreadable_record_is_damaged_and_rerun(store):
    victim = store.records()[3]["run_id"]
    (store.run_dir / victim / "record.json").write_text("{not json")
    assert store.damaged() == {victim: "record.json unreadable"}
    assert len(store.records()) == 3
    st = sweep(MINIMAL, store=store.path, **DESIGN)
    assert st.status()[victim] == "done" and len(st.records()) == 4


def test_records_without_checksums_are_checked_by_their_parquet_footer(store):
    victim = store.records()[0]["run_id"]
    record = store.run_dir / victim / "record.json"
    rec = json.loads(record.read_text())
    del rec["files"]
    record.write_text(json.dumps(rec))
    assert store.damaged() == {}
    truncate(store.run_dir / victim / "regions.parquet")
    assert "regions.parquet unreadable" in store.damaged()[victim]


def test_other_hidden_folders_in_runs_are_left_alone(store):
    mine = store.run_dir / ".git"
    mine.mkdir()
    (mine / "HEAD").write_text("ref")
    notes = store.run_dir / ".notes-about-runs"
    notes.mkdir()
    sweep(MINIMAL, store=store.path, **DESIGN)
    assert (mine / "HEAD").read_text() == "ref" and notes.is_dir()

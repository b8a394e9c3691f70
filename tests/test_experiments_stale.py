"""A store's runs record the premia code that made them; resuming a sweep with other
code stops (or re-runs or keeps them, as asked) instead of mixing two versions."""

from __future__ import annotations

import sys

import pytest
from conftest import MINIMAL
from typer.testing import CliRunner

import premia.cli.experiments  # noqa: F401  (registers the commands)
from premia.cli.common import app
from premia.experiments.integrity import code_digest
from premia.experiments.store import Store, StoreError
from premia.experiments.sweep import StaleRunsError, sweep

SMALL = {"scenario.periods": 6, "scenario.consumers": 200}
# the module itself: the package exports its function ``sweep`` under the same name
sweep_module = sys.modules["premia.experiments.sweep"]
POINTS = {"category.phones.patent_length": [6, 18]}


def _sweep(path, **kw):
    calls = []
    st = sweep(MINIMAL, store=path, values=POINTS, seeds=2, overrides=SMALL,
               executor="serial", progress=lambda d, f, t: calls.append((d, f, t)), **kw)
    return st, calls


def _mtimes(st: Store) -> dict:
    return {p: p.stat().st_mtime_ns for p in st.run_dir.rglob("*")}


@pytest.fixture
def store(tmp_path):
    st, _ = _sweep(tmp_path / "store")
    return st


def test_every_run_records_the_code_that_made_it(store):
    runs = store.runs()
    assert len(runs) == 4 and set(runs.status) == {"done"}
    assert set(runs.code) == {code_digest()} and len(code_digest()) == 64


def test_resuming_with_other_code_stops_and_writes_nothing(store, monkeypatch):
    before = _mtimes(store)
    monkeypatch.setattr(sweep_module, "code_digest", lambda: "another premia")
    with pytest.raises(StaleRunsError, match="4 of this sweep's 4 runs were made by other") \
            as err:
        _sweep(store.path)
    assert isinstance(err.value, StoreError) and "\n" not in str(err.value)
    assert "stale='rerun'" in str(err.value) and "--stale keep" in str(err.value)
    assert _mtimes(store) == before


def test_kept_runs_are_not_run_again(store, monkeypatch):
    before = _mtimes(store)
    monkeypatch.setattr(sweep_module, "code_digest", lambda: "another premia")
    _, calls = _sweep(store.path, stale="keep")
    assert calls == [(4, 0, 4)]
    assert _mtimes(store) == before


def test_rerun_replaces_the_other_codes_runs_and_only_those(store, monkeypatch):
    monkeypatch.setattr(sweep_module, "code_digest", lambda: "another premia")
    st, calls = _sweep(store.path, stale="rerun")
    assert calls[0] == (0, 0, 4) and calls[-1] == (4, 0, 4)
    assert set(st.runs().code) == {"another premia"}
    _, calls = _sweep(store.path)  # now all of this code: a plain resume runs nothing
    assert calls == [(4, 0, 4)]


def test_an_unknown_choice_is_refused(store):
    with pytest.raises(ValueError, match="stale must be one of stop, rerun, keep"):
        _sweep(store.path, stale="maybe")


def test_the_cli_stops_with_one_line_and_exit_2_then_reruns(store, monkeypatch):
    runner = CliRunner()
    args = ["sweep", str(MINIMAL), "--store", str(store.path), "--values",
            "category.phones.patent_length=6,18", "--seeds", "2", "--executor", "serial",
            "--set", "scenario.periods=6", "--set", "scenario.consumers=200"]
    monkeypatch.setattr(sweep_module, "code_digest", lambda: "another premia")
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--stale" in lines[0]
    res = runner.invoke(app, [*args, "--stale", "maybe"])
    assert res.exit_code == 2 and "stop, rerun or keep" in res.stderr
    res = runner.invoke(app, [*args, "--stale", "rerun"])
    assert res.exit_code == 0, res.output
    assert set(Store(store.path).runs().code) == {"another premia"}

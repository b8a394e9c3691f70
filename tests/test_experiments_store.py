"""The run store: failures as data, resuming, atomic writes, queries across runs."""

from __future__ import annotations

import json
import os

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import MINIMAL

from premia.experiments.store import Store, StoreError, write_table_atomic
from premia.experiments.sweep import sweep
from premia.results import TABLES

SMALL = {"scenario.periods": 6, "scenario.consumers": 200}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Three points x 2 seeds; ``scenario.max_firms = 1`` passes the schema but the engine
    rejects it (fewer slots than declared firms), so those runs fail."""
    path = tmp_path_factory.mktemp("store")
    calls = []
    st = sweep(MINIMAL, store=path, values={"scenario.max_firms": [400, 1],
                                            "category.phones.patent_length": [6, 18]},
               seeds=2, overrides=SMALL, executor="serial",
               progress=lambda d, f, t: calls.append((d, f, t)))
    st.calls = calls
    return st


def test_a_run_that_raises_is_stored_as_a_failure_and_the_others_finish(store):
    runs = store.runs()
    assert len(runs) == 8
    failed = runs[runs.status == "failed"]
    done = runs[runs.status == "done"]
    assert set(failed["scenario.max_firms"]) == {1}
    assert set(done["scenario.max_firms"]) == {400}
    assert len(done) == 4 and len(failed) == 4
    assert all("max_firms=1 is below" in e for e in failed.error)
    assert all(not (store.run_dir / r / "firms.parquet").exists() for r in failed.run_id)
    assert store.calls[-1] == (8, 4, 8)
    for r in done.run_id:
        assert store.results(r).meta["scenario"]["scenario"]["max_firms"] == 400


def test_rerunning_the_sweep_resumes_and_runs_nothing(store):
    before = {p: p.stat().st_mtime_ns for p in store.run_dir.rglob("*")}
    calls = []
    sweep(MINIMAL, store=store.path, values={"scenario.max_firms": [400, 1],
                                             "category.phones.patent_length": [6, 18]},
          seeds=2, overrides=SMALL, executor="serial",
          progress=lambda d, f, t: calls.append((d, f, t)))
    assert calls == [(8, 4, 8)]
    assert {p: p.stat().st_mtime_ns for p in store.run_dir.rglob("*")} == before


def test_query_returns_the_rows_of_each_runs_own_tables(store):
    q = store.query("SELECT run_id, period, category, mean_markup, "
                    "\"category.phones.patent_length\" AS L FROM categories "
                    "WHERE category = 'phones' ORDER BY run_id, period")
    done = store.runs().query("status == 'done'")
    assert sorted(q.run_id.unique()) == sorted(done.run_id)
    for run_id, rows in q.groupby("run_id"):
        own = store.results(run_id).categories
        own = own[own.category == "phones"].sort_values("period")
        assert rows.period.tolist() == own.period.tolist()
        assert rows.mean_markup.tolist() == own.mean_markup.tolist()
        assert set(rows.L) == {done.set_index("run_id").loc[run_id,
                                                             "category.phones.patent_length"]}
    n = store.query("SELECT count(*) AS n FROM firms").n[0]
    assert n == sum(store.results(r).tables["firms"].num_rows for r in done.run_id)
    counts = store.query("SELECT status, count(*) AS n FROM runs GROUP BY status ORDER BY 1")
    assert counts.to_dict("list") == {"status": ["done", "failed"], "n": [4, 4]}


def test_bad_sql_and_missing_store_are_one_line_errors(store, tmp_path):
    with pytest.raises(StoreError, match="query failed") as err:
        store.query("SELEC 1")
    assert "\n" not in str(err.value)
    with pytest.raises(StoreError, match=r"such_table"):
        store.query("SELECT * FROM such_table")
    with pytest.raises(StoreError, match="not a premia store"):
        Store(tmp_path / "nothing").query("SELECT 1")


def test_half_written_runs_are_invisible_and_cleaned(store):
    done = store.runs().query("status == 'done'").run_id.iloc[0]
    tmp = store.run_dir / ".tmp-deadbeefdeadbeef-999999999-abcd"
    tmp.mkdir()
    for name in TABLES[:2]:
        (tmp / f"{name}.parquet").write_bytes(b"partial")
    (tmp / "record.json").write_text(json.dumps({"run_id": "deadbeefdeadbeef",
                                                 "status": "done"}))
    assert "deadbeefdeadbeef" not in set(store.runs().run_id)
    assert store.query("SELECT count(DISTINCT run_id) AS n FROM firms").n[0] == 4
    assert store.clean_temporaries() == 1
    assert not tmp.exists()
    assert (store.run_dir / done / "firms.parquet").exists()


def test_table_writes_are_atomic_with_a_header(store, tmp_path):
    table = store.query_arrow("SELECT run_id, seed FROM runs ORDER BY run_id")
    out = write_table_atomic(table, tmp_path / "runs.csv", "csv")
    back = pacsv.read_csv(out)
    assert back.column_names == ["run_id", "seed"]
    assert back.num_rows == 8
    pq_out = write_table_atomic(table, tmp_path / "runs.parquet", "parquet")
    assert pq.read_table(pq_out).equals(table)
    assert sorted(os.listdir(tmp_path)) == ["runs.csv", "runs.parquet"]

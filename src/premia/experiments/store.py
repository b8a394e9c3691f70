"""A store of many runs: Parquet tables per run, one JSON record per run, DuckDB views.

Layout of a store directory::

    STORE/runs/<run_id>/firms.parquet ... creators.parquet   (a finished run's tables)
    STORE/runs/<run_id>/run.json                              (the run's metadata)
    STORE/runs/<run_id>/record.json                           (the catalog record)

A run is written into a temporary sibling (``runs/.tmp-...``) and renamed into place only
when complete, so a killed sweep never leaves a half-written run that looks finished. A
run that raised has a ``record.json`` with ``status = "failed"`` and its error, and no
tables. The catalog is the union of the records: no shared file is rewritten by many
writers, so concurrent workers and crashes cannot corrupt it.

The run id is a hash of the base scenario's content hash, the run's overrides and its
seed: the same run always lands in the same place, which is what makes sweeps resumable.

Example:
    >>> store = Store("sweeps/patents")                     # doctest: +SKIP
    >>> store.runs()[["run_id", "status", "seed"]]          # doctest: +SKIP
    >>> store.query("SELECT run_id, avg(mean_markup) FROM categories "
    ...             "WHERE category = 'phones' GROUP BY run_id")   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from premia.results import TABLES, Results

RECORD = "record.json"
RUNS = "runs"
CATALOG_COLUMNS = ("run_id", "status", "error", "scenario", "scenario_hash", "seed",
                   "replicate", "sim_time_s", "write_time_s", "finished_at", "host", "pid")


class StoreError(ValueError):
    """A store that cannot be read or a query that cannot run (one line)."""


def run_id(scenario_hash: str, overrides: Mapping[str, Any], seed: int) -> str:
    """The id of a run: 16 hex digits of SHA-256 over (scenario hash, overrides, seed).

    Example:
        >>> run_id("abc", {"scenario.periods": 6}, 1) == run_id("abc", {"scenario.periods": 6}, 1)
        True
    """
    text = json.dumps({"scenario": scenario_hash, "overrides": dict(overrides), "seed": int(seed)},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=str), encoding="utf-8")


def _param_column(values: list[Any]) -> pa.Array:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.array(values, pa.bool_())
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.array(values, pa.int64())
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.array([None if v is None else str(v) for v in values], pa.string())


class Store:
    """A directory of runs (see the module docstring for its layout).

    Args:
        path: the store directory; created on the first write.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        from premia.display import store_summary

        return store_summary(self)

    def _repr_html_(self) -> str:
        from premia.display import store_summary_html

        return store_summary_html(self)

    @property
    def run_dir(self) -> Path:
        """The folder holding one sub-folder per run."""
        return self.path / RUNS

    # ---- writing -----------------------------------------------------------------
    def write_run(self, record: dict[str, Any], results: Results | None) -> Path:
        """Write a run's tables (if any) and its record atomically; returns its folder.

        ``record["write_time_s"]`` is set to the time spent writing the tables.

        The folder is complete when it appears: it is built under a temporary name and
        renamed. A finished run already present is replaced only by a complete new one.
        """
        self.run_dir.mkdir(parents=True, exist_ok=True)
        target = self.run_dir / record["run_id"]
        tmp = self.run_dir / f".tmp-{record['run_id']}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        start = time.perf_counter()
        try:
            if results is not None:
                for name in TABLES:
                    pq.write_table(results.tables[name], tmp / f"{name}.parquet")
                _write_json(tmp / "run.json", results.meta)
            record["write_time_s"] = time.perf_counter() - start
            _write_json(tmp / RECORD, record)
            self._commit(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    @staticmethod
    def _commit(tmp: Path, target: Path) -> None:
        try:
            tmp.rename(target)
            return
        except OSError:
            if not target.exists():
                raise
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)

    def clean_temporaries(self) -> int:
        """Remove the temporary folders that killed writers left behind; returns how many.

        Only folders of processes that are no longer alive on this machine are removed.
        """
        removed = 0
        if not self.run_dir.is_dir():
            return 0
        for tmp in self.run_dir.glob(".*"):
            parts = tmp.name.split("-")
            pid = int(parts[2]) if tmp.name.startswith(".tmp-") and parts[2].isdigit() else -1
            if pid > 0 and _alive(pid):
                continue
            shutil.rmtree(tmp, ignore_errors=True)
            removed += 1
        return removed

    # ---- reading -----------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the directory looks like a store (it has a ``runs/`` folder)."""
        return self.run_dir.is_dir()

    def require(self) -> None:
        """Raise :class:`StoreError` unless the directory is a store."""
        if not self.exists():
            raise StoreError(f"{self.path}: not a premia store (no {RUNS}/ folder); "
                             f"create one with premia sweep ... --store {self.path}")

    def records(self) -> list[dict[str, Any]]:
        """The catalog: every run's record, sorted by run id."""
        out = []
        if not self.run_dir.is_dir():
            return out
        for d in sorted(self.run_dir.iterdir()):
            f = d / RECORD
            if d.name.startswith(".") or not f.is_file():
                continue
            try:
                out.append(json.loads(f.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue  # not ours or damaged by hand: ignore rather than fail the catalog
        return out

    def status(self) -> dict[str, str]:
        """``{run_id: status}`` of every recorded run."""
        return {r["run_id"]: r["status"] for r in self.records()}

    def runs_arrow(self) -> pa.Table:
        """The catalog as an Arrow table: fixed columns, then one column per parameter."""
        recs = self.records()
        cols: dict[str, pa.Array] = {}
        for c in CATALOG_COLUMNS:
            vals = [r.get(c) for r in recs]
            cols[c] = _param_column(vals) if recs else pa.array([], pa.string())
        paths = sorted({p for r in recs for p in r.get("params", {})})
        for p in paths:
            cols[p] = _param_column([r.get("params", {}).get(p) for r in recs])
        return pa.table(cols)

    def runs(self) -> pd.DataFrame:
        """The catalog as a DataFrame (one row per run, parameters as columns)."""
        return self.runs_arrow().to_pandas()

    def results(self, run_id: str) -> Results:
        """The :class:`~premia.results.Results` of a finished run."""
        d = self.run_dir / run_id
        if not (d / "run.json").is_file():
            raise StoreError(f"{self.path}: no finished run {run_id!r}")
        return Results.load(d)

    def connect(self) -> Any:
        """A ``duckdb.DuckDBPyConnection`` with the views ``runs`` and one per table.

        Each table view holds every finished run's rows with ``run_id`` first and the
        run's ``seed``, ``replicate`` and parameters (columns named by their override path,
        quote them in SQL: ``"category.phones.patent_length"``) last, so a query needs no
        join with ``runs``; one that joins it must qualify these shared columns
        (``c.seed``, ``r."category.phones.patent_length"``).
        """
        import duckdb

        con = duckdb.connect()
        runs = self.runs_arrow()
        con.register("runs", runs)
        done = [r for r, s in zip(runs["run_id"].to_pylist(), runs["status"].to_pylist(),
                                  strict=True) if s == "done"]
        params = runs.select(["run_id", "seed", "replicate",
                              *runs.column_names[len(CATALOG_COLUMNS):]])
        con.register("_params", params)
        for name in TABLES:
            files = [str(self.run_dir / r / f"{name}.parquet") for r in done]
            if not files:
                con.execute(f"CREATE VIEW {name} AS SELECT NULL::VARCHAR AS run_id WHERE false")
                continue
            listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.execute(
                f"CREATE VIEW {name} AS SELECT t.* EXCLUDE (filename), p.* EXCLUDE (run_id) "
                f"FROM (SELECT regexp_extract(filename, '([0-9a-f]{{16}})[/\\\\][a-z]+"
                f"\\.parquet$', 1) AS run_id, * FROM read_parquet([{listing}], "
                f"filename = true, union_by_name = true)) t JOIN _params p USING (run_id)")
        return con

    def query_arrow(self, sql: str) -> pa.Table:
        """Run DuckDB SQL over the store's views; returns an Arrow table.

        Raises:
            StoreError: the SQL does not run (first line of DuckDB's message).
        """
        import duckdb

        self.require()
        con = self.connect()
        try:
            rel = con.sql(sql)
            return rel.to_arrow_table() if rel is not None else pa.table({})
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"query failed: {first}") from None
        finally:
            con.close()

    def query(self, sql: str) -> pd.DataFrame:
        """Run DuckDB SQL over the store's views; returns a DataFrame.

        Example:
            >>> Store("sweeps/patents").query(
            ...     "SELECT status, count(*) AS n FROM runs GROUP BY status")  # doctest: +SKIP
        """
        return self.query_arrow(sql).to_pandas()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_table_atomic(table: pa.Table, path: str | Path, fmt: str) -> Path:
    """Write ``table`` as ``csv`` (with a header row) or ``parquet``: temp name, then rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if fmt == "csv":
            pacsv.write_csv(table, tmp)
        else:
            pq.write_table(table, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target

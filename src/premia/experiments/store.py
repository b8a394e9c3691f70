"""A store of many runs: Parquet tables per run, one JSON record per run, DuckDB views.

Layout of a store directory::

    STORE/runs/<run_id>/firms.parquet ... creators.parquet   (a finished run's tables)
    STORE/runs/<run_id>/run.json                              (the run's metadata)
    STORE/runs/<run_id>/record.json                           (the catalog record)
    STORE/quarantine/<run_id>-<time>/                         (damaged runs, set aside)

A run is written into a temporary sibling (``runs/.tmp-...``) and renamed into place only
when complete, so a killed sweep never leaves a half-written run that looks finished. A
run that raised has a ``record.json`` with ``status = "failed"`` and its error, and no
tables; a run whose worker process died (killed, out of memory) has ``status = "lost"``
and is re-run by the next sweep. The catalog is the union of the records: no shared file
is rewritten by many writers, so concurrent workers and crashes cannot corrupt it.

Each record lists the run's files with their size and SHA-256 (``files``).
:meth:`Store.damaged` verifies them; :meth:`Store.quarantine` moves damaged runs out of
``runs/`` (so the next sweep re-runs them), and queries skip damaged runs and name them
(:attr:`Store.skipped`) instead of failing.

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
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from premia.experiments.integrity import RECORD, checksums, verify_files
from premia.results import TABLES, OutputError, Results, check_output_file, process_alive

RUNS = "runs"
QUARANTINE = "quarantine"
CATALOG_COLUMNS = ("run_id", "status", "error", "scenario", "scenario_hash", "seed",
                   "replicate", "sim_time_s", "write_time_s", "finished_at", "host", "pid",
                   "code")


class StoreError(ValueError):
    """A store that cannot be read or a query that cannot run (one line)."""


class DamagedRunsWarning(UserWarning):
    """A query skipped runs whose files are damaged (one line naming them)."""


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
        self.skipped: dict[str, str] = {}  # damaged runs the last query left out
        self.quarantined: dict[str, str] = {}  # damaged runs the last sweep set aside

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
                for name, table in results.tables.items():
                    pq.write_table(table, tmp / f"{name}.parquet")
                _write_json(tmp / "run.json", results.meta)
            record["files"] = checksums(tmp)
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
        old = target.with_name(f".old-{target.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)

    def clean_temporaries(self) -> int:
        """Remove the temporary folders that killed writers left behind; returns how many.

        Only premia's own temporaries (``.tmp-RUNID-PID-X`` and ``.old-RUNID-PID-X``) of
        processes that are no longer alive on this machine are removed; any other hidden
        entry is left alone.
        """
        removed = 0
        if not self.run_dir.is_dir():
            return 0
        for tmp in self.run_dir.glob(".*"):
            parts = tmp.name.split("-")
            ours = (len(parts) == 4 and parts[0] in (".tmp", ".old") and len(parts[1]) == 16
                    and parts[2].isdigit())
            if not ours or process_alive(int(parts[2])):
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

    def _folders(self) -> list[Path]:
        if not self.run_dir.is_dir():
            return []
        return [d for d in sorted(self.run_dir.iterdir())
                if not d.name.startswith(".") and (d / RECORD).is_file()]

    @staticmethod
    def _read_record(d: Path) -> dict[str, Any] | None:
        try:
            rec = json.loads((d / RECORD).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        ok = isinstance(rec, dict) and rec.get("run_id") == d.name and "status" in rec
        return rec if ok else None

    def records(self) -> list[dict[str, Any]]:
        """The catalog: every run's record, sorted by run id (unreadable records are left
        out; :meth:`damaged` names them)."""
        return [rec for d in self._folders() if (rec := self._read_record(d)) is not None]

    def damaged(self) -> dict[str, str]:
        """``{run_id: why}`` of every run whose record is unreadable or whose files do not
        match the sizes and checksums in its record."""
        out: dict[str, str] = {}
        for d in self._folders():
            rec = self._read_record(d)
            if rec is None:
                out[d.name] = f"{RECORD} unreadable"
            elif rec["status"] == "done" and (why := verify_files(d, rec)) is not None:
                out[d.name] = why
        return out

    def quarantine(self, run_ids: Iterable[str]) -> list[Path]:
        """Move runs out of ``runs/`` into ``quarantine/`` (the next sweep re-runs them).

        Returns:
            Where each run now lies.
        """
        moved = []
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for rid in run_ids:
            src = self.run_dir / rid
            if not src.is_dir():
                continue
            dest = self.path / QUARANTINE / f"{rid}-{stamp}-{uuid.uuid4().hex[:4]}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            src.rename(dest)
            moved.append(dest)
        return moved

    def quarantine_damaged(self) -> dict[str, str]:
        """Verify every run and quarantine the damaged ones; returns ``{run_id: why}``."""
        bad = self.damaged()
        self.quarantine(bad)
        return bad

    def status(self) -> dict[str, str]:
        """``{run_id: status}`` of every recorded run."""
        return {r["run_id"]: r["status"] for r in self.records()}

    def runs_arrow(self, damaged: Mapping[str, str] | None = None) -> pa.Table:
        """The catalog as an Arrow table: fixed columns, then one column per parameter.

        Runs named in ``damaged`` get ``status = "damaged"`` and the reason as error.
        """
        recs = [dict(r, status="damaged", error=damaged[r["run_id"]])
                if damaged and r["run_id"] in damaged else r for r in self.records()]
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

        Each table view holds every finished, undamaged run's rows with ``run_id`` first
        and the run's ``seed``, ``replicate`` and parameters (columns named by their override
        path, quote them in SQL: ``"category.phones.patent_length"``) last, so a query needs
        no join with ``runs``; one that joins it must qualify these shared columns
        (``c.seed``, ``r."category.phones.patent_length"``). Damaged runs are verified away
        first: they are left out of the table views, shown as ``damaged`` in ``runs`` and
        listed in :attr:`skipped`.

        Raises:
            StoreError: the views cannot be built (one line).
        """
        import duckdb

        self.skipped = self.damaged()
        con = duckdb.connect()
        try:
            self._views(con, self.runs_arrow(self.skipped))
        except duckdb.Error as exc:
            con.close()
            raise StoreError(f"{self.path}: cannot read the runs: {_first_line(exc)}") from None
        return con

    def _views(self, con: Any, runs: pa.Table) -> None:
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

    def skipped_warning(self) -> str | None:
        """One line naming the damaged runs the last query skipped, or ``None``."""
        bad = getattr(self, "skipped", {})
        if not bad:
            return None
        shown = "; ".join(f"{rid} ({why})" for rid, why in list(bad.items())[:3])
        more = f"; and {len(bad) - 3} more" if len(bad) > 3 else ""
        return (f"{self.path}: skipped {len(bad)} damaged run{'s' * (len(bad) > 1)}: "
                f"{shown}{more}; premia runs {self.path} sets them aside and the next sweep "
                f"re-runs them")

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
            table = rel.to_arrow_table() if rel is not None else pa.table({})
        except duckdb.Error as exc:
            raise StoreError(f"query failed: {_first_line(exc)}") from None
        finally:
            con.close()
        note = self.skipped_warning()
        if note is not None:
            warnings.warn(note, DamagedRunsWarning, stacklevel=2)
        return table

    def query(self, sql: str) -> pd.DataFrame:
        """Run DuckDB SQL over the store's views; returns a DataFrame.

        Example:
            >>> Store("sweeps/patents").query(
            ...     "SELECT status, count(*) AS n FROM runs GROUP BY status")  # doctest: +SKIP
        """
        return self.query_arrow(sql).to_pandas()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def write_table_atomic(table: pa.Table, path: str | Path, fmt: str) -> Path:
    """Write ``table`` as ``csv`` (with a header row) or ``parquet``: temp name, then rename.

    Raises:
        OutputError: the path is a folder, a link, under a file, or cannot be written.
    """
    target = check_output_file(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            pacsv.write_csv(table, tmp)
        else:
            pq.write_table(table, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write ({exc.strerror or type(exc).__name__})"
                          ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target

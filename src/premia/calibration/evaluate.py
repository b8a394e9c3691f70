"""Simulated moments at a parameter point: runs on an executor, stored and remembered.

An evaluation of a point runs the scenario with the point's overrides at the same seeds
as every other point (common random numbers), on the local process pool, Dask or in this
process (:mod:`premia.experiments.executors`). Each run is written to a run store
(:class:`premia.experiments.store.Store`) with the statistics of the fit in its record, so
an interrupted fit started again finds every run it already made and repeats none: the
optimizer retraces its path (it is deterministic) from the stored values. The store is a
normal store: ``premia runs`` and ``premia query`` work on it.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from premia.experiments.executors import make_executor, worker_threads
from premia.experiments.integrity import code_digest
from premia.experiments.store import Store, run_id
from premia.experiments.sweep import RunTask, derive_seed
from premia.loading import apply_overrides, integer_paths, scenario_hash, validate_raw

Progress = Callable[[dict[str, int]], None]


@dataclass(frozen=True)
class EvalTask:
    """One run of an evaluation and the statistics to compute on it."""

    run: RunTask
    specs: tuple[str, ...]
    months: int


def _clean(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def execute(task: EvalTask) -> dict[str, Any]:
    """Run, compute the statistics and store the run (a worker's job); returns the record.

    A run that raises is stored as failed (its statistics are missing).
    """
    from premia.api import simulate
    from premia.calibration.statistics import values
    from premia.experiments.executors import init_worker

    t = task.run
    init_worker(t.threads)
    record: dict[str, Any] = {
        "run_id": t.run_id, "scenario": t.raw.get("scenario", {}).get("name"),
        "scenario_hash": t.scenario_hash, "seed": t.seed, "replicate": t.replicate,
        "params": t.params, "host": socket.gethostname(), "pid": os.getpid(),
        "status": "done", "error": None, "statistics": {}, "months": task.months,
        "code": code_digest(),
    }
    start = time.perf_counter()
    results = None
    try:
        sc = validate_raw(apply_overrides(t.raw, t.params, t.source), t.source)
        results = simulate(sc, seed=t.seed)
        stats = values(results, task.specs, task.months)
        record["statistics"] = {s: _clean(v) for s, v in zip(task.specs, stats, strict=True)}
    except Exception as exc:
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        results = None
    record["sim_time_s"] = time.perf_counter() - start if results is not None else None
    record["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    Store(t.store).write_run(record, results)
    return record


class Evaluator:
    """Simulated statistics at parameter points, through an executor and a run store.

    Args:
        raw: the base scenario mapping (fixed overrides applied).
        source: its name for messages.
        store: where runs are written (and found again when a fit resumes).
        specs: the statistics (``NAME:SELECTOR``) in the order of the target moments.
        seeds: runs per point; the same seeds at every point.
        root_seed: the seed the run seeds derive from.
        months: model periods per observation of the data.
        executor, workers, scheduler: as for :func:`premia.sweep`.
        progress: called with the counters after each run: ``simulated`` runs, runs
            reused from an earlier fit (``stored``), ``failed`` runs and ``points``
            evaluated.

    Use it as a context manager (the worker pool lives as long as the ``with`` block).
    """

    def __init__(self, raw: dict[str, Any], source: str, store: str | Path,
                 specs: Sequence[str], seeds: int, root_seed: int, months: int = 12,
                 executor: str = "local", workers: int = 1, scheduler: str | None = None,
                 progress: Progress | None = None) -> None:
        self.raw, self.source = raw, source
        self.store = Store(store)
        self.specs = tuple(specs)
        self.months = int(months)
        self.root = int(root_seed)
        self.seeds = [derive_seed(self.root, None, rep) for rep in range(int(seeds))]
        self.hash = scenario_hash(validate_raw(raw, source))
        self.kind, self.workers, self.scheduler = executor, int(workers), scheduler
        self.progress = progress
        self.counts = {"simulated": 0, "stored": 0, "failed": 0, "points": 0}
        self._cache: dict[str, dict[str, Any]] = {}
        self._earlier: set[str] = set()  # runs an earlier fit left in the store
        self._reused: set[str] = set()
        self._lock = threading.Lock()
        self._pool: Any = None
        self.wall_s = 0.0

    def __enter__(self) -> Evaluator:
        self.store.run_dir.mkdir(parents=True, exist_ok=True)
        self.store.clean_temporaries()
        code = code_digest()  # runs made by other premia code are made again
        for rec in self.store.records():
            if rec.get("scenario_hash") == self.hash and rec.get("code") == code:
                self._cache[rec["run_id"]] = rec
        self._earlier = set(self._cache)
        self._pool = make_executor(self.kind, self.workers, self.scheduler).__enter__()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.__exit__(*exc)
            self._pool = None
        self.wall_s = time.perf_counter() - self._started

    def point(self, values: Mapping[str, float]) -> dict[str, Any]:
        """Overrides of a point, integer fields rounded."""
        ints = integer_paths(self.raw, values)
        return {k: round(v) if k in ints else float(v) for k, v in values.items()}

    def tasks(self, point: Mapping[str, Any], replicates: Sequence[int] | None = None
              ) -> list[EvalTask]:
        """The runs of one point: one per seed of the fit, or per replicate number given
        (replicate r has the seed the r-th seed of a fit with more seeds would have)."""
        threads = worker_threads(self.workers)
        reps = range(len(self.seeds)) if replicates is None else replicates
        seeds = [(r, derive_seed(self.root, None, r)) for r in reps]
        return [EvalTask(RunTask(str(self.store.path), self.raw, self.source, self.hash,
                                 dict(point), rep, seed, run_id(self.hash, point, seed),
                                 threads), self.specs, self.months)
                for rep, seed in seeds]

    def statistics(self, values: Mapping[str, float],
                   replicates: Sequence[int] | None = None) -> np.ndarray:
        """The statistics of every seed at a point: an array (seeds x statistics).

        Runs already in the store are read, not repeated; the others run on the executor.
        A failed run's row is NaN. ``replicates`` picks other seeds than the fit's.
        """
        tasks = self.tasks(self.point(values), replicates)
        todo = [t for t in tasks if t.run.run_id not in self._cache]
        with self._lock:
            self.counts["points"] += 1
            self._reused.update(t.run.run_id for t in tasks if t.run.run_id in self._earlier)
            self.counts["stored"] = len(self._reused)
        self._run(todo)
        return np.array([self._row(t.run.run_id) for t in tasks], dtype=float)

    def prefetch(self, points: Sequence[Mapping[str, float]]) -> None:
        """Run every point's missing runs in one batch (all of them in parallel)."""
        tasks = [t for v in points for t in self.tasks(self.point(v))]
        with self._lock:
            self._reused.update(t.run.run_id for t in tasks if t.run.run_id in self._earlier)
            self.counts["stored"] = len(self._reused)
        todo = {t.run.run_id: t for t in tasks if t.run.run_id not in self._cache}
        self._run(list(todo.values()))

    def _run(self, todo: list[EvalTask]) -> None:
        assert self._pool is not None, "use the Evaluator as a context manager"
        for task, record, error in self._pool.map_unordered(execute, todo):
            if error is not None:
                record = {"run_id": task.run.run_id, "status": "failed",
                          "error": f"worker lost: {type(error).__name__}: {error}",
                          "params": task.run.params, "seed": task.run.seed,
                          "scenario_hash": self.hash, "statistics": {}}
            with self._lock:
                self._cache[task.run.run_id] = record
                self.counts["simulated"] += 1
                self.counts["failed"] += record.get("status") == "failed"
            if self.progress:
                self.progress(dict(self.counts))

    def _row(self, rid: str) -> list[float]:
        rec = self._cache[rid]
        if rec.get("status") != "done":
            return [math.nan] * len(self.specs)
        stats = rec.get("statistics") or {}
        if rec.get("months") != self.months or not all(s in stats for s in self.specs):
            stats = self._recompute(rid, rec)
        return [math.nan if stats.get(s) is None else float(stats[s]) for s in self.specs]

    def _recompute(self, rid: str, rec: dict[str, Any]) -> dict[str, Any]:
        """Statistics a stored run lacks (the moments changed since it ran)."""
        from premia.calibration.statistics import values

        res = self.store.results(rid)
        same = rec.get("months") == self.months
        stats = {**(rec.get("statistics") or {})} if same else {}
        missing = [s for s in self.specs if s not in stats]
        stats.update({s: _clean(v) for s, v in zip(missing, values(res, missing, self.months),
                                                    strict=True)})
        rec.update(statistics=stats, months=self.months)
        return stats

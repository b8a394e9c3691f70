"""Sweeps: run a scenario over a parameter design and replicates, into a :class:`Store`.

Each run is a point of the design (``{override path: value}``) and a replicate number.
Its seed comes from :class:`numpy.random.SeedSequence` fed with the root seed, a hash of
the point and the replicate number, so a run's seed depends only on its parameters and
replicate, never on its position in the sweep (``common_seeds=True`` drops the point from
the seed: common random numbers across points, which sharpens comparisons). Its id
hashes the base scenario, the point and the seed (:func:`premia.experiments.store.run_id`).
Re-running a sweep skips the runs already in the store, once they are known to come from
the same premia code (each run records its digest; runs of other code stop the sweep
unless it is told to run them again or keep them); a run that raises is stored as a
failure with its error and the sweep goes on. A run whose worker process died is not a
failure of the run: the executor runs it again in a new worker, and a run given up after
repeated losses is stored as ``lost``, which the next sweep runs again. Before running, a
sweep verifies the finished runs' checksums and sets damaged runs aside (quarantine), so
they are run again too.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from premia.catalog import resolve
from premia.experiments.design import (
    Axis,
    Range,
    cross,
    factorial,
    parse_grid,
    sample,
)
from premia.experiments.executors import WorkerLostError, make_executor, worker_threads
from premia.experiments.integrity import code_digest, lost
from premia.experiments.store import Store, StoreError, run_id
from premia.loading import (
    apply_overrides,
    integer_paths,
    read_toml,
    scenario_hash,
    validate_raw,
)
from premia.scenario import Scenario

Progress = Callable[[int, int, int], None]
#: What a resumed sweep does with finished runs made by other premia code.
STALE_CHOICES = ("stop", "rerun", "keep")


class StaleRunsError(StoreError):
    """A store holds finished runs of the sweep made by other premia code (one line)."""


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to run one point of a sweep and store it."""

    store: str
    raw: dict[str, Any]
    source: str
    scenario_hash: str
    params: dict[str, Any]
    replicate: int
    seed: int
    run_id: str
    threads: int = 1
    check_memory: bool = True


@dataclass
class Plan:
    """The runs of a sweep, the store they go to and the base scenario."""

    tasks: list[RunTask]
    store: Store
    points: list[dict[str, Any]] = field(default_factory=list)


def derive_seed(root: int, params: Mapping[str, Any] | None, replicate: int) -> int:
    """A run's seed from the root seed, its parameters and its replicate number.

    Example:
        >>> derive_seed(1, {"culture.miao.decay": 0.01}, 0) == derive_seed(
        ...     1, {"culture.miao.decay": 0.01}, 0)
        True
    """
    words: list[int] = [int(root) % 2**63, int(replicate)]
    if params is not None:
        digest = hashlib.sha256(json.dumps(dict(params), sort_keys=True, default=str).encode())
        words += [int.from_bytes(digest.digest()[i:i + 4], "little") for i in range(0, 16, 4)]
    state = np.random.SeedSequence(words).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task in a worker and store it; a run that raises is stored as a failure.

    Returns:
        The run's catalog record.
    """
    from premia.api import simulate
    from premia.experiments.executors import init_worker

    init_worker(task.threads)
    record: dict[str, Any] = {
        "run_id": task.run_id, "scenario": task.raw.get("scenario", {}).get("name"),
        "scenario_hash": task.scenario_hash, "seed": task.seed, "replicate": task.replicate,
        "params": task.params, "host": socket.gethostname(), "pid": os.getpid(),
        "status": "done", "error": None, "code": code_digest(),
    }
    store = Store(task.store)
    start = time.perf_counter()
    try:
        sc = validate_raw(apply_overrides(task.raw, task.params, task.source), task.source)
        results = simulate(sc, seed=task.seed, check_memory=task.check_memory)
    except Exception as exc:
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}", sim_time_s=None)
        results = None
    record["sim_time_s"] = time.perf_counter() - start if results is not None else None
    record["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    store.write_run(record, results)
    return record


def _base(scenario: str | Path | Scenario | Mapping[str, Any],
          overrides: Mapping[str, Any] | None) -> tuple[dict[str, Any], str]:
    if isinstance(scenario, Scenario):
        raw, source = scenario.model_dump(mode="json"), f"<{scenario.scenario.name}>"
    elif isinstance(scenario, Mapping):
        raw, source = dict(scenario), "<scenario>"
    else:
        path = resolve(scenario)
        raw, source = read_toml(path), str(scenario)
    raw = apply_overrides(raw, overrides or {}, source)
    return raw, source


def _axes(grid: Mapping[str, Any] | None, values: Mapping[str, Sequence[Any]] | None
          ) -> list[Axis]:
    axes = []
    for path, spec in (grid or {}).items():
        if isinstance(spec, str):
            axes.append(parse_grid(f"{path}={spec}"))
        elif isinstance(spec, Axis):
            axes.append(spec)
        else:
            lo, hi, n = spec
            axes.append(parse_grid(f"{path}={lo}:{hi}:{n}"))
    axes += [Axis(path, tuple(v)) for path, v in (values or {}).items()]
    return axes


def plan(scenario: str | Path | Scenario | Mapping[str, Any], store: str | Path | Store, *,
         grid: Mapping[str, Any] | None = None,
         values: Mapping[str, Sequence[Any]] | None = None,
         sample_method: str | None = None, n: int = 0,
         ranges: Mapping[str, tuple[float, float]] | None = None,
         points: Sequence[Mapping[str, Any]] | None = None,
         seeds: int = 1, overrides: Mapping[str, Any] | None = None,
         root_seed: int | None = None, common_seeds: bool = False, workers: int = 1,
         check_memory: bool = True) -> Plan:
    """Expand a design into run tasks (checks the scenario and every override path first).

    ``points`` adds explicit points (crossed with the grid like sampled points);
    ``check_memory=False`` lets runs start even when their estimated memory exceeds what
    is free.

    Raises:
        ScenarioError: the scenario or an override path is invalid.
        DesignError: the design is malformed.
    """
    raw, source = _base(scenario, overrides)
    base = validate_raw(raw, source)
    root = base.scenario.seed if root_seed is None else int(root_seed)
    design = factorial(_axes(grid, values))
    if sample_method:
        box = [Range(p, float(lo), float(hi)) for p, (lo, hi) in (ranges or {}).items()]
        design = cross(design, sample(sample_method, n, box, seed=root))
    if points is not None:
        design = cross(design, [dict(p) for p in points])
    design = design or [{}]
    ints = integer_paths(raw, design[0])
    design = [{k: round(v) if k in ints and isinstance(v, float) else v
               for k, v in point.items()} for point in design]
    for point in design[:1]:
        apply_overrides(raw, point, source)  # bad paths are bad input, not failed runs
    if seeds < 1:
        raise ValueError("--seeds must be >= 1")
    st = store if isinstance(store, Store) else Store(store)
    h = scenario_hash(base)
    threads = worker_threads(workers)
    tasks = []
    for point in design:
        for rep in range(seeds):
            seed = derive_seed(root, None if common_seeds else point, rep)
            tasks.append(RunTask(str(st.path), raw, source, h, point, rep, seed,
                                 run_id(h, point, seed), threads, check_memory))
    return Plan(tasks=tasks, store=st, points=design)


def run_plan(p: Plan, *, executor: str = "local", workers: int = 1,
             scheduler: str | None = None, progress: Progress | None = None,
             retry_failed: bool = False, stale: str = "stop") -> Store:
    """Execute the runs of a plan that are not yet in its store.

    Args:
        p: from :func:`plan`.
        executor: ``local``, ``dask`` or ``serial``.
        workers: worker processes.
        scheduler: address of a running Dask scheduler (``dask`` only).
        progress: ``progress(done, failed, total)`` after each run (and once at start).
        retry_failed: also re-run the runs recorded as failed.
        stale: what to do with finished runs made by other premia code (another version,
            or an edited source; each run records :func:`~premia.experiments.integrity.
            code_digest`): ``stop`` raises :class:`StaleRunsError` before running
            anything, ``rerun`` runs them again, ``keep`` keeps them.

    Damaged runs found by verifying the store are quarantined first (their ids are in
    ``store.quarantined``) and run again, like runs lost to a dead worker.
    """
    if stale not in STALE_CHOICES:
        raise ValueError(f"stale must be one of {', '.join(STALE_CHOICES)}, not {stale!r}")
    p.store.run_dir.mkdir(parents=True, exist_ok=True)
    p.store.clean_temporaries()
    p.store.quarantined = p.store.quarantine_damaged()
    records = {r["run_id"]: r for r in p.store.records()}
    finished = {r for r, rec in records.items() if rec["status"] == "done" or (
        rec["status"] == "failed" and not retry_failed and not lost(rec))}
    finished -= _stale_runs(p, records, finished, stale)
    todo = [t for t in p.tasks if t.run_id not in finished]
    unique = list({t.run_id: t for t in todo}.values())
    total = len({t.run_id for t in p.tasks})
    done = total - len(unique)
    failed = sum(1 for t in {t.run_id for t in p.tasks} if t in finished
                 and records[t]["status"] != "done")
    if progress:
        progress(done, failed, total)
    if not unique:
        return p.store
    with make_executor(executor, workers, scheduler) as pool:
        for task, record, error in pool.map_unordered(execute, unique):
            if error is not None:
                record = _crashed(p.store, task, error)
            done += 1
            failed += record["status"] != "done"
            if progress:
                progress(done, failed, total)
    return p.store


def _stale_runs(p: Plan, records: Mapping[str, Mapping[str, Any]], finished: set[str],
                stale: str) -> set[str]:
    """The plan's finished runs made by other premia code, to run again (``rerun``);
    none when they are kept; :class:`StaleRunsError` when ``stale`` is ``stop``."""
    ids = {t.run_id for t in p.tasks}
    code = code_digest()
    other = {r for r in finished & ids if records[r].get("code") != code}
    if not other or stale == "keep":
        return set()
    if stale == "stop":
        raise StaleRunsError(
            f"{p.store.path}: {len(other)} of this sweep's {len(ids)} runs were made by other "
            "premia code (another version or edited source); run them again "
            "(--stale rerun, stale='rerun'), keep them (--stale keep, stale='keep') or use "
            "a new store")
    return other


def outcome(p: Plan) -> dict[str, list[dict[str, Any]]]:
    """The plan's runs in its store, by status (``done``, ``failed``, ``lost``, and
    ``missing`` for runs with no record)."""
    records = {r["run_id"]: r for r in p.store.records()}
    out: dict[str, list[dict[str, Any]]] = {"done": [], "failed": [], "lost": [], "missing": []}
    for rid in dict.fromkeys(t.run_id for t in p.tasks):
        rec = records.get(rid, {"run_id": rid, "status": "missing", "error": None})
        out["lost" if lost(rec) else rec["status"] if rec["status"] in out else "failed"
            ].append(rec)
    return out


def _crashed(store: Store, task: RunTask, error: BaseException) -> dict[str, Any]:
    """Record a run that produced no record of its own: ``lost`` when its worker died,
    ``failed`` when the executor reported another error."""
    dead = isinstance(error, WorkerLostError)
    record = {"run_id": task.run_id, "scenario": task.raw.get("scenario", {}).get("name"),
              "scenario_hash": task.scenario_hash, "seed": task.seed,
              "replicate": task.replicate, "params": task.params,
              "status": "lost" if dead else "failed",
              "error": f"{'worker lost' if dead else 'executor'}: {type(error).__name__}: "
                       f"{error}",
              "sim_time_s": None,
              "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "host": socket.gethostname(), "pid": os.getpid(), "code": code_digest()}
    store.write_run(record, None)
    return record


def sweep(scenario: str | Path | Scenario | Mapping[str, Any], *,
          store: str | Path | Store,
          grid: Mapping[str, Any] | None = None,
          values: Mapping[str, Sequence[Any]] | None = None,
          sample: str | None = None, n: int = 0,
          ranges: Mapping[str, tuple[float, float]] | None = None,
          seeds: int = 1, overrides: Mapping[str, Any] | None = None,
          executor: str = "local", workers: int = 1, scheduler: str | None = None,
          root_seed: int | None = None, common_seeds: bool = False,
          retry_failed: bool = False, progress: Progress | None = None,
          check_memory: bool = True, stale: str = "stop") -> Store:
    """Run a scenario over a parameter design into a store; resumes where it stopped.

    Args:
        scenario: a scenario file, a shipped scenario's name, or a :class:`Scenario`.
        store: the store directory (or a :class:`Store`).
        grid: ``{path: (lo, hi, n)}`` or ``{path: "lo:hi:n"}``: evenly spaced values.
        values: ``{path: [a, b, c]}``: listed values.
        sample: ``"sobol"``, ``"lhs"`` or ``"random"``: ``n`` points in ``ranges``
            (``{path: (lo, hi)}``), crossed with the grid and values.
        seeds: replicates per point.
        overrides: fixed ``{path: value}`` applied to the scenario first.
        executor: ``"local"`` (process pool), ``"dask"`` or ``"serial"``.
        workers: worker processes.
        scheduler: ``tcp://host:port`` of a running Dask scheduler.
        root_seed: the seed all run seeds derive from (default: the scenario's).
        common_seeds: the same seeds at every point (common random numbers).
        retry_failed: re-run runs recorded as failed.
        progress: ``progress(done, failed, total)``.
        check_memory: refuse runs whose estimated memory exceeds what is free (each such
            run is stored as failed with the estimate).
        stale: finished runs in the store made by other premia code: ``stop`` (raise
            :class:`StaleRunsError`), ``rerun`` or ``keep`` (see :func:`run_plan`).

    Returns:
        The :class:`Store` holding the runs.

    Example:
        >>> import premia
        >>> store = premia.sweep("minimal", store="sweeps/patents",      # doctest: +SKIP
        ...     grid={"category.phones.patent_length": (6, 30, 5)}, seeds=3,
        ...     overrides={"scenario.periods": 60}, workers=2)
        >>> store.query("SELECT \\"category.phones.patent_length\\" AS L, "   # doctest: +SKIP
        ...     "avg(mean_markup) FROM categories WHERE category='phones' GROUP BY L")
    """
    p = plan(scenario, store, grid=grid, values=values, sample_method=sample, n=n,
             ranges=ranges, seeds=seeds, overrides=overrides, root_seed=root_seed,
             common_seeds=common_seeds, workers=workers, check_memory=check_memory)
    return run_plan(p, executor=executor, workers=workers, scheduler=scheduler,
                    progress=progress, retry_failed=retry_failed, stale=stale)

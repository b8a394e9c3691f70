"""Where runs execute: in this process, a local process pool, or a Dask cluster.

Every executor offers ``map_unordered(fn, items)``, yielding ``(item, result, error)`` as
runs complete. A run's result never depends on the executor or on the number of workers:
each run seeds its own generator from its own seed. Worker processes run Numba with
``threads = max(1, cpus // workers)`` threads (see :func:`worker_threads`).

- ``local`` (default): :class:`concurrent.futures.ProcessPoolExecutor` with the
  ``spawn`` context set on the executor (no global ``set_start_method``);
- ``dask``: a Dask ``LocalCluster(processes=True)``, or ``Client(scheduler)`` for a
  cluster started elsewhere (``premia sweep ... --executor dask --scheduler
  tcp://host:8786``): the same sweep moves to many machines unchanged, as long as the
  store directory is visible to the workers (a shared file system);
- ``serial``: in this process, one run after another (debugging, notebooks).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

EXECUTORS = ("local", "dask", "serial")

Outcome = tuple[Any, Any, BaseException | None]


def worker_threads(workers: int) -> int:
    """Numba threads per worker: this machine's cores shared among the workers."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def init_worker(threads: int) -> None:
    """Set Numba's thread count in a worker process (results do not depend on it)."""
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


class SerialExecutor:
    """Runs each item in this process, in order."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Outcome]:
        """Yield ``(item, result, None)`` or ``(item, None, error)`` per item."""
        for item in items:
            try:
                yield item, fn(item), None
            except Exception as exc:
                yield item, None, exc


class LocalExecutor:
    """A process pool on this machine (``spawn`` context, one Numba thread share each).

    At most ``2 * workers`` runs are queued at once, so a long sweep holds little memory
    and a kill loses at most the runs in flight.
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, int(workers))
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker, initargs=(worker_threads(self.workers),))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Outcome]:
        """Yield ``(item, result, error)`` as runs complete."""
        assert self._pool is not None, "use the executor as a context manager"
        pending: dict[Future[Any], Any] = {}
        queue = iter(items)
        limit = 2 * self.workers
        while True:
            for item in queue:
                pending[self._pool.submit(fn, item)] = item
                if len(pending) >= limit:
                    break
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                item = pending.pop(fut)
                exc = fut.exception()
                yield item, (None if exc else fut.result()), exc


class DaskExecutor:
    """Dask distributed: a ``LocalCluster(processes=True)`` or a running scheduler.

    Args:
        workers: worker processes of the local cluster (ignored with ``scheduler``).
        scheduler: ``tcp://HOST:PORT`` of a running scheduler, or ``None``.
    """

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        self.workers = max(1, int(workers))
        self.scheduler = scheduler
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskExecutor:
        from distributed import Client, LocalCluster

        if self.scheduler:
            self._client = Client(self.scheduler)
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                         processes=True, dashboard_address=None,
                                         silence_logs=logging.CRITICAL)
            self._client = Client(self._cluster)
        threads = worker_threads(len(self._client.scheduler_info()["workers"]) or 1)
        self._client.run(init_worker, threads)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Outcome]:
        """Yield ``(item, result, error)`` as runs complete."""
        from distributed import as_completed

        items = list(items)
        if not items:
            return
        futures = self._client.map(fn, items, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            item = items[index[fut.key]]
            try:
                yield item, fut.result(), None
            except Exception as exc:
                yield item, None, exc
            fut.release()


def make_executor(kind: str = "local", workers: int = 1, scheduler: str | None = None) -> Any:
    """An executor by name: ``local``, ``dask`` or ``serial``."""
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    if kind == "serial":
        return SerialExecutor(workers)
    raise ValueError(f"--executor {kind!r}: use one of {', '.join(EXECUTORS)}")

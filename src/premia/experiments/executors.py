"""Where runs execute: in this process, a local process pool, or a Dask cluster.

Every executor offers ``map_unordered(fn, items)``, yielding ``(item, result, error)`` as
runs complete. A run's result never depends on the executor or on the number of workers:
each run seeds its own generator from its own seed. Worker processes run Numba with
``threads = max(1, cpus // workers)`` threads (see :func:`worker_threads`).

- ``local`` (default): :class:`concurrent.futures.ProcessPoolExecutor` with the
  ``spawn`` context set on the executor (no global ``set_start_method``). A worker that
  dies (killed, out of memory) breaks the pool: the executor starts a new pool and runs
  again, one at a time, the runs that were in flight; a run whose worker dies
  ``max_losses`` times is given up as :class:`WorkerLostError`. Workers die with the
  process that started them, so killing a sweep leaves no orphaned worker;
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
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

EXECUTORS = ("local", "dask", "serial")
PR_SET_PDEATHSIG = 1  # prctl(2) option: a signal sent to this process when its parent dies

Outcome = tuple[Any, Any, BaseException | None]


class WorkerLostError(RuntimeError):
    """A run's worker process died before the run finished (killed, or out of memory)."""


def worker_threads(workers: int) -> int:
    """Numba threads per worker: this machine's cores shared among the workers."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def init_worker(threads: int) -> None:
    """Set Numba's thread count in a worker process (results do not depend on it)."""
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def die_with_parent(parent: int) -> None:
    """Make this worker process end when the process ``parent`` that started it ends.

    On Linux the kernel sends SIGKILL at the parent's death (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a daemon thread polls the parent id once a second.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="premia-parent-watch", daemon=True).start()


def init_local_worker(threads: int, parent: int) -> None:
    """Initializer of local pool workers: thread count, and end with the parent."""
    die_with_parent(parent)
    init_worker(threads)


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
    and a kill loses at most the runs in flight. A dead worker is replaced with the pool
    (see the module docstring); ``replacements`` counts the new pools.

    Args:
        workers: worker processes.
        max_losses: how many times a run may lose its worker before it is given up.
    """

    def __init__(self, workers: int = 1, max_losses: int = 3) -> None:
        self.workers = max(1, int(workers))
        self.max_losses = max(1, int(max_losses))
        self.replacements = 0
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_local_worker,
            initargs=(worker_threads(self.workers), os.getpid()))

    def __enter__(self) -> LocalExecutor:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _replace(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._start()
        self.replacements += 1

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Outcome]:
        """Yield ``(item, result, error)`` as runs complete.

        Runs in flight when a worker dies are run again, one at a time, in a new pool; a
        run that loses its worker ``max_losses`` times yields a :class:`WorkerLostError`.
        """
        assert self._pool is not None, "use the executor as a context manager"
        queue = deque(enumerate(items))
        again: deque[tuple[int, Any]] = deque()
        losses: dict[int, int] = {}
        pending: dict[Future, tuple[int, Any]] = {}
        broken = False
        while queue or again or pending:
            if broken and not pending:
                self._replace()
                broken = False
            if not broken:
                broken = self._submit(fn, queue, again, pending)
            if not pending:
                continue
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                key, item = pending.pop(fut)
                exc = fut.exception()
                if not isinstance(exc, BrokenProcessPool):
                    yield item, (None if exc else fut.result()), exc
                    continue
                broken = True
                losses[key] = losses.get(key, 0) + 1
                if losses[key] < self.max_losses:
                    again.append((key, item))
                else:
                    yield item, None, WorkerLostError(
                        f"the worker process died {losses[key]} times running this run "
                        "(killed, or out of memory)")

    def _submit(self, fn: Callable[[Any], Any], queue: deque, again: deque,
                pending: dict[Future, tuple[int, Any]]) -> bool:
        """Fill the pool: a run to retry alone, else up to ``2 * workers`` new runs.

        Returns:
            Whether the pool turned out to be broken (the item goes back in line).
        """
        while True:
            if again:
                if pending:
                    return False
                source = again
            elif queue and len(pending) < 2 * self.workers:
                source = queue
            else:
                return False
            key, item = source.popleft()
            try:
                pending[self._pool.submit(fn, item)] = (key, item)  # type: ignore[union-attr]
            except BrokenProcessPool:  # a worker died while idle
                source.appendleft((key, item))
                return True


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
                lost = type(exc).__name__ == "KilledWorker"  # Dask gave up after retries
                yield item, None, WorkerLostError(str(exc)) if lost else exc
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

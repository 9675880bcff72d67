"""Executors: where chunks of runs are computed.

All executors share one contract -- ``map_chunks(run_fn, chunks)`` yields a
:class:`~sim.experiments.records.ChunkOutcome` per chunk, in completion
order -- and one rule: at most ``2 * workers`` chunks are in flight, so
neither the parent nor the cluster ever holds more than a bounded number of
unwritten results (memory stays flat however long the sweep is).  Work is
sent in chunks because each task costs scheduling overhead (about 1 ms on
Dask); a chunk is a list of runs executed back to back by
:func:`~sim.experiments.records.execute_chunk`.

Results do not depend on the executor: a run's outputs are a function of
its params and seed only, and the store sorts rows deterministically.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .records import ChunkOutcome, RunFn, execute_chunk
from .runs import RunSpec

Chunk = Sequence[RunSpec]
FutureT = TypeVar("FutureT")


class ChunkExecutor(Protocol):
    """What :func:`~sim.experiments.engine.run_sweep` needs from an executor."""

    name: str

    @property
    def workers(self) -> int: ...

    def __enter__(self) -> ChunkExecutor: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def map_chunks(self, run_fn: RunFn, chunks: Iterable[Chunk]) -> Iterator[ChunkOutcome]: ...


def available_cpus() -> int:
    """CPUs this process may run on (respects affinity masks, unlike ``os.cpu_count``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _bounded_completion(
    submit: Callable[[Chunk], FutureT],
    wait_first: Callable[[set[FutureT]], tuple[set[FutureT], set[FutureT]]],
    chunks: Iterable[Chunk],
    max_in_flight: int,
) -> Iterator[ChunkOutcome]:
    """Keep ``max_in_flight`` chunks submitted; yield each outcome as soon as it is done.

    A chunk whose task itself failed (worker crash, unpicklable result)
    re-raises here and aborts the sweep; run-level exceptions never get this
    far because :func:`execute_chunk` records them.
    """
    remaining = iter(chunks)
    pending = {submit(chunk) for chunk in _take(remaining, max_in_flight)}
    while pending:
        done, pending = wait_first(pending)
        for future in done:
            pending.update(submit(chunk) for chunk in _take(remaining, 1))
            yield future.result()  # type: ignore[attr-defined]


def _take(iterator: Iterator[Chunk], n: int) -> list[Chunk]:
    return [chunk for _, chunk in zip(range(n), iterator)]


class WorkerLost(RuntimeError):
    """A worker process died mid-chunk: the sweep stops, and what was written stays resumable."""


#: How often a pool worker checks that the sweep that started it is still alive (seconds).
PARENT_CHECK_SECONDS = 0.5


def exit_with_parent(sweep_pid: int) -> None:
    """Pool worker initializer: leave when the sweep's process (``sweep_pid``) is gone.

    A worker whose sweep was killed (``kill -9``, out of memory) would otherwise run its
    chunk to the end and wait for work that never comes, holding its memory for minutes; its
    results could not be written anyway (the sweep writes). The worker's parent is the fork
    server (:class:`ProcessExecutor`), which only exits once its workers have, so the worker
    watches the sweep itself: a daemon thread checks every :data:`PARENT_CHECK_SECONDS`
    and exits when the sweep has."""

    def watch() -> None:
        while _running(sweep_pid):
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)  # no clean-up to do: the sweep owns every file

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not exited (a zombie, exited but not yet reaped by
    its parent, has; Linux's /proc tells them apart, elsewhere existing is all we know)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def worker_modules(run_fn: RunFn) -> list[str]:
    """Modules a worker needs before its first chunk: the engine's chunk runner, the model
    function's module and any it lists in an optional ``worker_modules`` attribute (modules it
    imports only when called)."""
    named = [execute_chunk.__module__, getattr(run_fn, "__module__", None), *getattr(run_fn, "worker_modules", ())]
    return [name for name in dict.fromkeys(named) if name and name != "__main__"]


class SerialExecutor:
    """Runs chunks in this process: the reference for debugging and for determinism checks."""

    name = "serial"
    workers = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def map_chunks(self, run_fn: RunFn, chunks: Iterable[Chunk]) -> Iterator[ChunkOutcome]:
        return (execute_chunk(run_fn, chunk) for chunk in chunks)


class ProcessExecutor:
    """A local pool of worker processes (``concurrent.futures.ProcessPoolExecutor``).

    Workers are forked from multiprocessing's *fork server*, not from the sweep: forking a
    parent that has Arrow or Dask threads can deadlock, while the fork server is a fresh
    single-threaded process. It imports the modules workers need once
    (:func:`worker_modules`), so a worker starts in milliseconds instead of importing NumPy,
    Arrow, SciPy and the model itself (0.45 s on an idle 2-core machine, over 1 s under load:
    the fixed cost that dominated sweeps of a few hundred runs). The fork server lives as long
    as the process that started it, so later sweeps in that process start at once. ``run_fn``
    must be importable (module-level), and scripts must guard their entry point with
    ``if __name__ == "__main__":``, as with *spawn*.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or available_cpus()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        return self._workers

    def __enter__(self) -> ProcessExecutor:
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self._workers, mp_context=multiprocessing.get_context("forkserver"),
            initializer=exit_with_parent, initargs=(os.getpid(),),
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_chunks(self, run_fn: RunFn, chunks: Iterable[Chunk]) -> Iterator[ChunkOutcome]:
        pool = self._require_pool()
        # Read when the fork server starts (the first worker of this process's first pool).
        multiprocessing.get_context("forkserver").set_forkserver_preload(worker_modules(run_fn))

        def wait_first(pending: set[Any]) -> tuple[set[Any], set[Any]]:
            done, not_done = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            return set(done), set(not_done)

        try:
            yield from _bounded_completion(
                lambda chunk: pool.submit(execute_chunk, run_fn, list(chunk)), wait_first, chunks, 2 * self._workers
            )
        except concurrent.futures.process.BrokenProcessPool:
            raise WorkerLost("a worker process died while running a chunk (killed, or out of memory); "
                             "every chunk finished before it is kept") from None

    def _require_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            raise RuntimeError("use the executor as a context manager: `with ProcessExecutor() as ex:`")
        return self._pool


class DaskExecutor:
    """A dask.distributed cluster: an existing scheduler at ``address``, or a private LocalCluster.

    The LocalCluster has ``workers`` single-threaded worker *processes*
    (models are pure Python and hold the GIL), forked from multiprocessing's fork server, as
    :class:`ProcessExecutor`'s are: started by *spawn*, two workers took 1.65 s to start and
    0.45 s to stop under load, against 1.15 s and 0.04 s. Dask's nannies set the fork server's
    preload to Dask's own packages (NumPy and pandas among them), so each worker imports the
    engine and the model on its first chunk, in parallel; preloading those in the fork server
    too was measured no faster on two cores (the fork server imports serially what the workers
    import side by side; docs/performance.md). With an address, the cluster's total thread count
    is used as the worker count.  ``run_fn`` and this package must be importable on the workers.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        if address is not None and workers is not None:
            raise ValueError("workers is only for a private LocalCluster; an existing cluster has its own")
        self._address = address
        self._requested_workers = workers or available_cpus()
        self._client: Any = None
        self._cluster: Any = None

    @property
    def workers(self) -> int:
        if self._client is None:
            return self._requested_workers
        return max(1, sum(self._client.nthreads().values()))

    def __enter__(self) -> DaskExecutor:
        import dask
        from distributed import Client, LocalCluster

        if self._address is None:
            with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
                self._cluster = LocalCluster(
                    n_workers=self._requested_workers,
                    processes=True,
                    threads_per_worker=1,
                    dashboard_address=None,
                )
            self._client = Client(self._cluster)
        else:
            self._client = Client(self._address)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map_chunks(self, run_fn: RunFn, chunks: Iterable[Chunk]) -> Iterator[ChunkOutcome]:
        from distributed import wait

        client = self._client
        if client is None:
            raise RuntimeError("use the executor as a context manager: `with DaskExecutor() as ex:`")

        def wait_first(pending: set[Any]) -> tuple[set[Any], set[Any]]:
            done, not_done = wait(pending, return_when="FIRST_COMPLETED")
            return set(done), set(not_done)

        return _bounded_completion(
            lambda chunk: client.submit(execute_chunk, run_fn, list(chunk), pure=False),
            wait_first,
            chunks,
            2 * self.workers,
        )


def make_executor(executor: str | ChunkExecutor, workers: int | None = None) -> ChunkExecutor:
    """Resolve ``"serial"``, ``"processes"`` or ``"dask"`` (private LocalCluster) to an executor.

    Pass an executor instance, e.g. ``DaskExecutor(address="tcp://host:8786")``,
    to use anything else.
    """
    if not isinstance(executor, str):
        if workers is not None:
            raise ValueError("workers is set on the executor instance, not passed alongside it")
        return executor
    if executor == "serial":
        return SerialExecutor()
    if executor == "processes":
        return ProcessExecutor(workers)
    if executor == "dask":
        return DaskExecutor(workers=workers)
    raise ValueError(f"unknown executor {executor!r}; expected 'serial', 'processes' or 'dask'")

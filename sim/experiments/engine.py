"""``run_sweep``: run a model function over a design, resumably, on any executor.

The engine knows nothing about the model.  It takes :class:`RunSpec` s (see
:func:`~sim.experiments.runs.make_runs`), sends them to an executor in
chunks, writes each finished chunk to the results directory at once (so a
crash loses at most the chunks in flight), and finally consolidates the
shards into ``runs.parquet``.  Because a run's output depends only on its
params and seed, and consolidation sorts by (design_index, replication),
the result is identical whichever executor, worker count, chunk size or
number of interruptions produced it.
"""

from __future__ import annotations

import concurrent.futures
import json
import math
import os
import platform
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..provenance import git_state, now, package_versions
from .executors import ChunkExecutor, available_cpus, make_executor
from .progress import ProgressReporter, make_progress
from .records import ChunkOutcome, RunFn, execute_chunk
from .runs import RunSpec
from .store import ResultStore, read_manifest

_CHUNKS_PER_WORKER = 16
_MAX_AUTO_CHUNK = 200
_BATCHED_CHUNKS_PER_WORKER = 2
_MAX_BATCHED_CHUNK = 250
_ESTIMATE_BATCH = 100


@dataclass(frozen=True)
class SweepResult:
    """Where a sweep's results are and how many runs ended which way."""

    out_dir: Path
    runs_path: Path
    timeseries_path: Path | None
    failures_path: Path
    manifest_path: Path
    n_runs: int
    n_succeeded: int
    n_failed: int
    n_executed: int
    elapsed_seconds: float

    def read_runs(self) -> pd.DataFrame:
        """The consolidated runs table as a DataFrame."""
        return pd.read_parquet(self.runs_path)


def auto_chunk_size(n_runs: int, workers: int, batched: bool = False) -> int:
    """About 16 chunks per worker, at most 200 runs each; for a model with ``run_batch``,
    about 2 chunks per worker, at most 250 runs each.

    Many chunks balance the load at the tail of a sweep and make resume
    lose little; the cap keeps checkpoints frequent for long sweeps.  A
    batched model computes a chunk's runs together (of one design point or
    many), and gains the more the larger the batch, so it gets fewer, larger
    chunks: the reform model's month costs 17 µs a replication in a batch of
    125 and 14 µs in one of 250 (baseline; the cap is about where the gain
    stops, :data:`sim.dynamics.MAX_BATCH_ACTORS`), so a sweep of 1,000 runs on two
    workers runs faster as four chunks of 250 than as eight of 125.
    """
    per_worker, cap = (_BATCHED_CHUNKS_PER_WORKER, _MAX_BATCHED_CHUNK) if batched else (_CHUNKS_PER_WORKER, _MAX_AUTO_CHUNK)
    return max(1, min(cap, math.ceil(n_runs / (workers * per_worker))))


def _chunks(runs: Sequence[RunSpec], size: int) -> Iterator[Sequence[RunSpec]]:
    return (runs[start : start + size] for start in range(0, len(runs), size))


def _check_unique(runs: Sequence[RunSpec]) -> None:
    """Duplicate keys would be run twice and then merged into one row; refuse them up front."""
    if len({spec.key for spec in runs}) != len(runs):
        raise ValueError("runs contain duplicate keys (identical params and seed); deduplicate the design")
    if len({(spec.index, spec.replication) for spec in runs}) != len(runs):
        raise ValueError("runs contain duplicate (index, replication) pairs")


def _select_runs(
    runs: Sequence[RunSpec], done: set[str], failed: set[str], *, resume: bool, retry_failed: bool
) -> list[RunSpec]:
    """Runs to execute now: resume -> neither done nor failed; retry_failed -> failed; both -> not done."""
    return [
        spec
        for spec in runs
        if spec.key not in done and ((resume and spec.key not in failed) or (retry_failed and spec.key in failed))
    ]


def _code_directory(run_fn: RunFn) -> Path:
    """Directory of the model's source (whose git commit describes the results), else the cwd."""
    module = sys.modules.get(getattr(run_fn, "__module__", ""), None)
    source = getattr(module, "__file__", None)
    return Path(source).resolve().parent if source else Path.cwd()


class _Tally:
    """Counts of the design's runs by state, kept with counters so memory stays flat while running.

    Each run executes at most once per session, so: succeeded = done before
    + new successes; failed = failed before and not re-run + new failures.
    ``batch_fallbacks`` counts this session's batches retried run by run.
    """

    def __init__(self, runs: Sequence[RunSpec], todo: Sequence[RunSpec], done: set[str], failed: set[str]) -> None:
        self.n_runs = len(runs)
        design = {spec.key for spec in runs}
        self.succeeded = len(done & design)
        self.failed = len(failed & design) - sum(spec.key in failed for spec in todo)
        self.executed = 0
        self.batch_fallbacks = 0

    def add(self, outcome: ChunkOutcome) -> None:
        self.succeeded += outcome.n_succeeded
        self.failed += len(outcome.failures)
        self.executed += outcome.n_succeeded + len(outcome.failures)
        self.batch_fallbacks += len(outcome.batch_fallbacks)

    def counts(self) -> dict[str, int]:
        pending = self.n_runs - self.succeeded - self.failed
        return {"runs": self.n_runs, "succeeded": self.succeeded, "failed": self.failed, "pending": pending}


def run_sweep(
    runs: Sequence[RunSpec],
    run_fn: RunFn,
    out_dir: str | os.PathLike[str],
    *,
    executor: str | ChunkExecutor = "processes",
    workers: int | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: str | ProgressReporter = "auto",
    metadata: Mapping[str, Any] | None = None,
) -> SweepResult:
    """Run ``run_fn(params, seed)`` for every run and store the results in ``out_dir``.

    ``run_fn`` must be a module-level (picklable) function returning a flat
    dict of scalars, or ``(summary, timeseries_records)``.  A run that
    raises is recorded in ``failures.jsonl`` and the sweep goes on.

    A directory without results runs everything.  One with results is
    refused unless ``resume=True`` (run what is missing; recorded failures
    are not retried), ``retry_failed=True`` (re-run only recorded failures
    that have not succeeded since) or both.  ``runs`` may extend the runs of
    the directory (more replications, more points), never drop one: a design
    that leaves out a run with a stored result is refused, since consolidating
    it would lose that result.  ``metadata`` (JSON-able, e.g. the experiment
    file and scenario hash) is stored in ``manifest.json`` with the executor,
    timings, counts, package versions and git commit; on resume,
    ``metadata=None`` keeps what was stored.  Each call appends a session
    record; one still marked "running" was killed.  A call with nothing to do
    (every run stored and consolidated as ``runs`` files it, the manifest
    complete, the metadata unchanged) writes nothing at all.  A batch that
    fails (see :mod:`~sim.experiments.records`) prints a warning line and is
    counted in the session's ``batch_fallbacks``.
    """
    _check_unique(runs)
    chosen = make_executor(executor, workers)
    reporter = make_progress(progress)
    started = time.monotonic()
    with ResultStore(out_dir) as store:
        done = store.completed_keys()
        failed = store.failure_keys() - done
        fresh = not (done or failed)
        if not (fresh or resume or retry_failed):
            raise FileExistsError(f"{out_dir} already holds results; pass resume=True and/or retry_failed=True")
        _check_nothing_dropped(runs, done, out_dir)
        todo = list(runs) if fresh else _select_runs(runs, done, failed, resume=resume, retry_failed=retry_failed)
        tally = _Tally(runs, todo, done, failed)
        manifest = read_manifest(out_dir)
        if not todo and _finished(manifest, tally, metadata) and store.is_consolidated(runs):
            return _result(store, tally, started)
        session: dict[str, Any] = {
            "executor": chosen.name,
            "started_at": now(),
            "resume": resume,
            "retry_failed": retry_failed,
            "to_execute": len(todo),
            "status": "running",
        }
        if metadata is not None or "metadata" not in manifest:
            manifest["metadata"] = dict(metadata or {})
        manifest.update(environment={**package_versions(), "platform": platform.platform()},
                        **git_state(_code_directory(run_fn)))
        manifest.setdefault("sessions", []).append(session)
        store.write_manifest(manifest)
        try:
            reporter.start(total=len(runs), already_done=len(runs) - len(todo))
            merging: concurrent.futures.Future[Any] | None = None
            with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="consolidate") as background:
                try:  # the bar ends its line before an error message
                    if todo:  # do not start a cluster for nothing
                        with chosen:
                            size = chunk_size or auto_chunk_size(len(todo), chosen.workers,
                                                                 hasattr(run_fn, "run_batch"))
                            session.update(workers=chosen.workers, chunk_size=size)
                            for outcome in chosen.map_chunks(run_fn, _chunks(todo, size)):
                                store.write_chunk(outcome)
                                tally.add(outcome)
                                for message in outcome.batch_fallbacks:
                                    reporter.warn(f"warning: {message}")
                                reporter.advance(outcome.n_succeeded, len(outcome.failures))
                            # Every chunk is written: merge the shards while the workers shut down
                            # (a process pool's take about 0.1 s, a Dask cluster's up to 1 s).
                            merging = background.submit(store.consolidate, runs)
                finally:
                    reporter.finish()
                (merging or background.submit(store.consolidate, runs)).result()
            session["status"] = "complete"
        except BaseException as exc:
            session["status"] = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"failed: {exc!r}"
            raise
        finally:
            manifest["counts"] = tally.counts()
            session.update(finished_at=now(), executed=tally.executed, batch_fallbacks=tally.batch_fallbacks)
            store.write_manifest(manifest)
    return _result(store, tally, started)


def _check_nothing_dropped(runs: Sequence[RunSpec], done: set[str], out_dir: str | os.PathLike[str]) -> None:
    """Refuse a design without some of the runs already stored: consolidating would drop them."""
    missing = len(done - {spec.key for spec in runs})
    if missing:
        raise ValueError(f"{out_dir} holds {missing} stored runs that these runs leave out; a sweep never "
                         "drops results, so give runs that include them (or another directory)")


def _finished(manifest: Mapping[str, Any], tally: _Tally, metadata: Mapping[str, Any] | None) -> bool:
    """Whether the manifest already tells the end of this sweep: its last session complete, its
    counts these, and its metadata what is asked (after a JSON round trip, as stored)."""
    sessions = manifest.get("sessions") or [{}]
    return (sessions[-1].get("status") == "complete" and manifest.get("counts") == tally.counts()
            and (metadata is None or manifest.get("metadata") == json.loads(json.dumps(dict(metadata)))))


def _result(store: ResultStore, tally: _Tally, started: float) -> SweepResult:
    counts = tally.counts()
    return SweepResult(
        out_dir=store.out_dir,
        runs_path=store.runs_path,
        timeseries_path=store.timeseries_path if store.timeseries_path.exists() else None,
        failures_path=store.failures_path,
        manifest_path=store.manifest_path,
        n_runs=counts["runs"],
        n_succeeded=counts["succeeded"],
        n_failed=counts["failed"],
        n_executed=tally.executed,
        elapsed_seconds=time.monotonic() - started,
    )


@dataclass(frozen=True)
class SweepEstimate:
    """Design size and a rough wall-time forecast from a few timed runs."""

    n_runs: int
    n_points: int
    n_replications: int
    timed_runs: int
    seconds_per_run: float
    workers: int

    @property
    def wall_seconds(self) -> float:
        """Ideal parallel time: total run time / workers (ignores start-up and load imbalance)."""
        return self.n_runs * self.seconds_per_run / self.workers

    def __str__(self) -> str:
        return (
            f"{self.n_runs} runs ({self.n_points} points x {self.n_replications} replications); "
            f"{self.seconds_per_run:.3g} s/run over {self.timed_runs} timed runs; "
            f"~{self.wall_seconds / 60:.1f} min on {self.workers} workers"
        )


def estimate_sweep(
    runs: Sequence[RunSpec], run_fn: RunFn, *, workers: int | None = None, sample_size: int = 3
) -> SweepEstimate:
    """Dry run: time ``sample_size`` runs (spread over the design) serially and extrapolate.

    Nothing is written.  Runs are spread over the design because cost often
    varies with the parameters; failing runs are timed too.  A batched model
    (``run_fn.run_batch``) is timed on chunks of the consecutive runs from each
    sampled one (of one design point or several, as the sweep's chunks are), as
    large as the sweep's chunks up to ``_ESTIMATE_BATCH`` runs.
    """
    if not runs:
        raise ValueError("no runs to estimate")
    picks = sorted(set(np.linspace(0, len(runs) - 1, min(sample_size, len(runs))).round().astype(int).tolist()))
    batched = hasattr(run_fn, "run_batch")
    size = min(_ESTIMATE_BATCH, auto_chunk_size(len(runs), workers or available_cpus(), True)) if batched else 1
    chunks = [runs[i:i + size] for i in picks]
    timed = sum(len(chunk) for chunk in chunks)
    started = time.perf_counter()
    for chunk in chunks:
        execute_chunk(run_fn, chunk)
    seconds_per_run = (time.perf_counter() - started) / timed
    return SweepEstimate(
        n_runs=len(runs),
        n_points=len({spec.index for spec in runs}),
        n_replications=len({spec.replication for spec in runs}),
        timed_runs=timed,
        seconds_per_run=seconds_per_run,
        workers=workers or available_cpus(),
    )

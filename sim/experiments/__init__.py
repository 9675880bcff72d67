"""Generic Monte Carlo experiment engine (knows nothing about the SSR model).

Typical use::

    from sim.experiments import design, make_runs, run_sweep

    points = design.cross(design.grid({"x": [0.1, 0.2]}), design.grid({"strategy": ["a", "b"]}))
    runs = make_runs(points, 100, master_seed=2024, salt=scenario_hash)
    result = run_sweep(runs, my_model.run, "results/exp1", executor="processes")

Names are imported lazily: worker processes import
``sim.experiments.records`` through this package, and should not pay for
SALib, SciPy and pandas they never use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    # runs, seeds, keys
    "RunSpec": "runs",
    "make_runs": "runs",
    "replication_seed": "seeds",
    "run_key": "keys",
    "canonical_json": "keys",
    # engine
    "run_sweep": "engine",
    "SweepResult": "engine",
    "estimate_sweep": "engine",
    "SweepEstimate": "engine",
    "auto_chunk_size": "engine",
    # executors
    "ChunkExecutor": "executors",
    "SerialExecutor": "executors",
    "ProcessExecutor": "executors",
    "DaskExecutor": "executors",
    "make_executor": "executors",
    "WorkerLost": "executors",
    # records and store
    "RunFailure": "records",
    "ChunkOutcome": "records",
    "execute_chunk": "records",
    "ResultStore": "store",
    "read_failures": "store",
    "read_manifest": "store",
    # progress
    "ProgressReporter": "progress",
    "BarProgress": "progress",
    "QuietProgress": "progress",
}
_SUBMODULES = {"design", "stats"}

__all__ = [
    "BarProgress",
    "ChunkExecutor",
    "ChunkOutcome",
    "DaskExecutor",
    "ProcessExecutor",
    "ProgressReporter",
    "QuietProgress",
    "ResultStore",
    "RunFailure",
    "RunSpec",
    "SerialExecutor",
    "SweepEstimate",
    "SweepResult",
    "auto_chunk_size",
    "canonical_json",
    "design",
    "estimate_sweep",
    "execute_chunk",
    "make_executor",
    "WorkerLost",
    "make_runs",
    "read_failures",
    "read_manifest",
    "replication_seed",
    "run_key",
    "run_sweep",
    "stats",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from . import design, stats
    from .engine import SweepEstimate, SweepResult, auto_chunk_size, estimate_sweep, run_sweep
    from .executors import ChunkExecutor, DaskExecutor, ProcessExecutor, SerialExecutor, WorkerLost, make_executor
    from .keys import canonical_json, run_key
    from .progress import BarProgress, ProgressReporter, QuietProgress
    from .records import ChunkOutcome, RunFailure, execute_chunk
    from .runs import RunSpec, make_runs
    from .seeds import replication_seed
    from .store import ResultStore, read_failures, read_manifest

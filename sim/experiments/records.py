"""Executing a chunk of runs and turning their outputs into Arrow tables.

This is the code that runs *inside* workers.  It owns the column
conventions of the result files:

* ``runs``: ``design_index, replication, seed, run_key, params_json``, one
  ``param.<dotted.path>`` column per scalar leaf of the params (lists are
  stored as canonical JSON text), then the model's outcome columns.
* ``timeseries``: ``design_index, replication, run_key, ts_row`` (position
  of the record within its run), then the record's fields.

Tables are built in the worker so the parent process only writes files,
which keeps it from becoming the bottleneck for fast models.

A model function may also offer ``run_fn.run_batch(runs)``, taking a list of
``(params, seed)`` pairs and returning one result per pair, in order: a chunk's
runs, of one design point or many, are then computed in one call (a vectorised
model steps them together; issue 15: Sobol designs and calibration particles
are many points with few runs each). The engine requires, and the model must
guarantee, that each result is what ``run_fn(params, seed)`` returns for that
run alone; results then do not depend on how runs are grouped into chunks. If
a batch raises (or returns the wrong number of results), its runs are retried
point by point and then one by one, so only the runs that fail are recorded as
failures; the chunk reports each such fallback, and the engine prints it and
counts it in the manifest, because a batch that always falls back still gives
right numbers, only slowly.
"""

from __future__ import annotations

import json
import traceback
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from .keys import canonical_json
from .runs import RunSpec

Scalar = float | int | str | bool | None
Outcomes = Mapping[str, Scalar]
RunFn = Callable[[Mapping[str, Any], int], Outcomes | tuple[Outcomes, Sequence[Mapping[str, Scalar]]]]

DESIGN_INDEX = "design_index"
REPLICATION = "replication"
SEED = "seed"
RUN_KEY = "run_key"
PARAMS_JSON = "params_json"
TS_ROW = "ts_row"
PARAM_PREFIX = "param."
RUN_ID_COLUMNS = (DESIGN_INDEX, REPLICATION, SEED, RUN_KEY, PARAMS_JSON)
TIMESERIES_ID_COLUMNS = (DESIGN_INDEX, REPLICATION, RUN_KEY, TS_ROW)


@dataclass(frozen=True)
class RunFailure:
    """A run whose model function raised (or returned something unusable): enough to reproduce it."""

    run_key: str
    design_index: int
    replication: int
    seed: int
    params: Mapping[str, Any]
    error: str
    traceback: str

    def to_record(self) -> dict[str, Any]:
        """JSON-able form written as one line of ``failures.jsonl``."""
        return asdict(self)


@dataclass
class ChunkOutcome:
    """What one chunk sends back: successful rows as tables, the failures, and a line for
    each batch that failed and was retried run by run."""

    runs: pa.Table | None
    timeseries: pa.Table | None
    failures: list[RunFailure] = field(default_factory=list)
    batch_fallbacks: list[str] = field(default_factory=list)

    @property
    def n_succeeded(self) -> int:
        return 0 if self.runs is None else self.runs.num_rows


def _as_scalar(value: Any, what: str) -> Scalar:
    """Accept JSON-like scalars (numpy scalars are unwrapped); reject anything Parquet can't hold in a flat column."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{what} must be a scalar (float, int, str, bool or None), got {type(value).__name__}")


def flatten_params(params: Mapping[str, Any], prefix: str = PARAM_PREFIX) -> dict[str, Scalar]:
    """``{"a": {"b": 1}, "c": [1, 2]}`` -> ``{"param.a.b": 1, "param.c": "[1,2]"}``: one column per leaf."""
    flat: dict[str, Scalar] = {}
    for name, value in params.items():
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, f"{prefix}{name}."))
        elif isinstance(value, list):
            flat[f"{prefix}{name}"] = canonical_json(value)
        else:
            flat[f"{prefix}{name}"] = _as_scalar(value, f"parameter {prefix}{name}")
    return flat


def _checked_fields(record: Mapping[str, Any], reserved: Sequence[str], what: str) -> dict[str, Scalar]:
    """Validate a flat record of model output; names may not shadow engine columns or params."""
    fields: dict[str, Scalar] = {}
    for name, value in record.items():
        if not isinstance(name, str) or name in reserved or name.startswith(PARAM_PREFIX):
            raise ValueError(f"{what} name {name!r} is reserved or not a string")
        fields[name] = _as_scalar(value, f"{what} {name!r}")
    return fields


def _split_result(result: Any) -> tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]:
    """A model returns either ``summary`` or ``(summary, timeseries_records)``."""
    if isinstance(result, tuple):
        summary, records = result
        return summary, records
    return result, ()


def _rows(spec: RunSpec, result: Any) -> tuple[dict[str, Scalar], list[dict[str, Scalar]]]:
    """One run's summary row and time-series rows from what the model returned."""
    row: dict[str, Scalar] = {
        DESIGN_INDEX: spec.index,
        REPLICATION: spec.replication,
        SEED: spec.seed,
        RUN_KEY: spec.key,
        PARAMS_JSON: canonical_json(spec.params),
    }
    row.update(flatten_params(spec.params))
    summary, records = _split_result(result)
    row.update(_checked_fields(summary, RUN_ID_COLUMNS, "outcome"))
    ts_rows = []
    for position, record in enumerate(records):
        ts_row: dict[str, Scalar] = {
            DESIGN_INDEX: spec.index,
            REPLICATION: spec.replication,
            RUN_KEY: spec.key,
            TS_ROW: position,
        }
        ts_row.update(_checked_fields(record, TIMESERIES_ID_COLUMNS, "time-series field"))
        ts_rows.append(ts_row)
    return row, ts_rows


def rows_to_table(rows: Sequence[Mapping[str, Scalar]]) -> pa.Table:
    """Column-wise Arrow table from row dicts whose key sets may differ (missing values become null).

    ``pa.Table.from_pylist`` would take the columns from the first row only.
    """
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    columns = {}
    for name in names:
        try:
            columns[name] = pa.array([row.get(name) for row in rows])
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise TypeError(f"column {name!r} has values of incompatible types across runs: {exc}") from exc
    return pa.table(columns)


def _try_batch(run_batch: Callable[..., Any], specs: Sequence[RunSpec]) -> tuple[list[Any] | None, str | None]:
    """The results of ``specs`` from one ``run_batch`` call, or why not (it raised, or returned
    the wrong number of results)."""
    try:
        results = list(run_batch([(json.loads(canonical_json(spec.params)), spec.seed) for spec in specs]))
    except Exception as exc:  # noqa: BLE001 -- reported, then retried in smaller groups, where errors are recorded
        return None, f"{type(exc).__name__}: {exc}"
    if len(results) != len(specs):
        return None, f"run_batch returned {len(results)} results for {len(specs)} runs"
    return results, None


def _batch_results(run_fn: RunFn, specs: Sequence[RunSpec]) -> tuple[list[Any], list[str]]:
    """Results of a chunk's runs from the model's ``run_batch`` (None for each run to run alone),
    and a line for each batch that failed.

    The whole chunk goes in one call: runs of many design points, which a vectorised model
    steps together. If that fails, each design point's runs are tried as a batch of their own,
    and the runs of a point that still fails run alone, so a failure is pinned to its run."""
    run_batch = getattr(run_fn, "run_batch", None)
    alone: list[Any] = [None] * len(specs)
    if run_batch is None or len(specs) < 2:
        return alone, []
    results, reason = _try_batch(run_batch, specs)
    if reason is None:
        return results, []
    groups = [list(group) for _, group in itertools.groupby(range(len(specs)), key=lambda i: specs[i].index)]
    notes = []
    if len(groups) > 1:
        notes.append(f"a batch of {len(specs)} runs of design points {specs[0].index}-{specs[-1].index} failed and "
                     f"was retried point by point: {reason}")
    for group in groups:
        if len(groups) > 1:
            if len(group) < 2:
                continue
            results, reason = _try_batch(run_batch, [specs[i] for i in group])
            if reason is None:
                for position, result in zip(group, results):
                    alone[position] = result
                continue
        notes.append(f"a batch of {len(group)} runs of design point {specs[group[0]].index} failed and was retried "
                     f"run by run: {reason}")
    return alone, notes


def execute_chunk(run_fn: RunFn, specs: Sequence[RunSpec]) -> ChunkOutcome:
    """Run every spec of a chunk; a run that raises becomes a :class:`RunFailure` and the chunk goes on.

    The chunk's runs go to the model's ``run_batch`` when it has one (:func:`_batch_results`)."""
    rows: list[dict[str, Scalar]] = []
    ts_rows: list[dict[str, Scalar]] = []
    failures: list[RunFailure] = []
    results, fallbacks = _batch_results(run_fn, specs)
    for spec, batched in zip(specs, results):
        try:
            # Run alone, the model gets a private copy: it may mutate it without corrupting the design.
            result = batched if batched is not None else run_fn(json.loads(canonical_json(spec.params)), spec.seed)
            row, run_ts_rows = _rows(spec, result)
        except Exception as exc:  # any model error is data to record, not a crash
            failures.append(
                RunFailure(
                    run_key=spec.key,
                    design_index=spec.index,
                    replication=spec.replication,
                    seed=spec.seed,
                    params=spec.params,
                    error=f"{type(exc).__name__}: {exc}",
                    traceback=traceback.format_exc(),
                )
            )
            continue
        rows.append(row)
        ts_rows.extend(run_ts_rows)
    return ChunkOutcome(
        runs=rows_to_table(rows) if rows else None,
        timeseries=rows_to_table(ts_rows) if ts_rows else None,
        failures=failures,
        batch_fallbacks=fallbacks,
    )

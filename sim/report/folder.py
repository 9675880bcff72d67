"""A sweep's results folder as the report reads it: the manifest, the committed runs (from
``runs.parquet`` and, for a sweep that was stopped, the shards not yet consolidated), the time
series joined to their runs' labels, and the failures.

Layout: :mod:`sim.experiments.store`. Anything that is not such a folder, or whose files cannot be
read, is a :class:`ReportError` with a one-line message naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..experiments.store import FAILURES_FILE, MANIFEST_FILE, RUNS_FILE, read_failures, run_files, timeseries_files
from ..fields import HEADLINE_INDICATORS

#: runs.parquet columns the summary and the figures need.
REQUIRED_COLUMNS = ("design_index", "replication", "run_key", "param.scenario", "param.strategy", "months",
                    "reform_success", "success_threshold", "success_sustain_years", "final_reform_index",
                    "conflict_relapse", "coup_attempts", "coup_successes", "reform_index_auc",
                    "years_above_threshold_reform_index", "indicators_succeeded", "years_to_threshold_reform_index",
                    *(f"{kind}_{name}" for name in HEADLINE_INDICATORS
                      for kind in ("success", "final", "years_to_threshold")))


class ReportError(ValueError):
    """A folder that cannot be reported on; the message is one line for the user."""


@dataclass
class SweepResults:
    """What a results folder holds, read once for every figure."""

    folder: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    failures: list[dict[str, Any]]
    finished: bool  # False: the sweep stopped before its plan was done (shards left, or a session not complete)
    timeseries_files: tuple[Path, ...]

    @property
    def metadata(self) -> dict[str, Any]:
        return self.manifest.get("metadata") or {}

    @property
    def experiment(self) -> str:
        return str(self.metadata.get("experiment") or self.folder.name)

    def timeseries(self, labels: list[str]) -> pd.DataFrame | None:
        """The stored series, one row per run and kept month, with the runs' ``labels`` columns
        joined on (design index, replication); None when the sweep kept no series."""
        if not self.timeseries_files:
            return None
        series = _read_parquets(self.timeseries_files).drop_duplicates(["run_key", "ts_row"])
        keys = self.runs[["design_index", "replication", *labels]]
        return series.drop(columns=["run_key"]).merge(keys, on=["design_index", "replication"], how="inner")


def _read_parquets(paths: tuple[Path, ...] | list[Path]) -> pd.DataFrame:
    """Parquet files as one frame (columns unified; a later file may add columns)."""
    tables = []
    for path in paths:
        try:
            tables.append(pq.read_table(path))
        except (OSError, pa.ArrowException) as error:
            raise ReportError(f"{path}: not a readable Parquet file ({error})") from None
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def load_results(folder: str | Path) -> SweepResults:
    """Read a results folder (results/<experiment>/<time>/): finished, interrupted or with failures."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder; give a sweep results folder (results/<experiment>/<time>/)")
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ReportError(f"{folder}: not a sweep results folder (no {MANIFEST_FILE}); give "
                          "results/<experiment>/<time>/ as written by ssr-sim sweep")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{manifest_path}: unreadable ({error})") from None
    if not isinstance(manifest, dict):
        raise ReportError(f"{manifest_path}: not a sweep manifest (a JSON object)")
    sources = run_files(folder)
    shards = [source for source in sources if source.name != RUNS_FILE]
    try:
        failures = read_failures(folder)
    except (OSError, ValueError) as error:
        raise ReportError(f"{folder / FAILURES_FILE}: unreadable ({error})") from None
    if not sources:
        detail = (f"; {len(failures)} failed (first: {failures[0].get('error', 'no message')})"
                  if failures else "")
        raise ReportError(f"{folder}: no finished run to report (no {RUNS_FILE} and no run shards){detail}")
    runs = _read_parquets(sources).drop_duplicates("run_key").sort_values(["design_index", "replication"])
    missing = [column for column in REQUIRED_COLUMNS if column not in runs.columns]
    if missing:
        raise ReportError(f"{sources[0]}: not runs of the reform model: no column {missing[0]!r}"
                          + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    sessions = manifest.get("sessions") or [{}]
    finished = not shards and sessions[-1].get("status") == "complete"
    ts_files = tuple(timeseries_files(folder))
    return SweepResults(folder, manifest, runs.reset_index(drop=True), failures, finished, ts_files)

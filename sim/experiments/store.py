"""The results directory: crash-safe shards while running, one sorted file at the end.

Layout of ``out_dir``::

    shards/runs/part-00000001.parquet        one per completed chunk (its successful runs)
    shards/timeseries/part-00000001.parquet  same chunk's time-series rows, if any
    .lock                                    held (flock) by the sweep writing the directory
    failures.jsonl                           one JSON line per failed run, append-only
    manifest.json                            metadata, environment, counts, session history
    runs.parquet                             consolidated, sorted by (design_index, replication)
    timeseries.parquet                       consolidated, sorted by (design_index, replication, ts_row)

Shards and the lock exist only while a sweep is unfinished: consolidation merges the shards
with the runs already consolidated (so a finished directory can be resumed or extended) and
then deletes them, and the lock file goes when its sweep ends. A finished directory holds the
four files below them. Directories are created with the user's umask.

Crash safety: every file except ``failures.jsonl`` is written to a temporary
name in the same directory, fsynced and ``os.replace``-d into place, so a
reader never sees half a file.  A chunk's time-series shard is written
*before* its runs shard: the runs shard is the commit record, and a
time-series shard without one is an orphan from a crash and is deleted.
``failures.jsonl`` is fsynced after each append; a torn last line (crash
mid-append) is ignored on reading and cut off before appending again.

Consolidation is a two-pass bucket sort, so besides an index of the
design's run keys, memory is bounded by one shard (or one row group of the
runs consolidated before) plus one block of rows however large the sweep:
pass 1 routes every source's rows into per-block
bucket files (blocks are consecutive ranges of the sorted design), pass 2
sorts each bucket and appends it to the output as a row group.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .records import (
    DESIGN_INDEX,
    PARAM_PREFIX,
    PARAMS_JSON,
    REPLICATION,
    RUN_ID_COLUMNS,
    RUN_KEY,
    SEED,
    TIMESERIES_ID_COLUMNS,
    TS_ROW,
    ChunkOutcome,
    RunFailure,
)
from .runs import RunSpec

RUNS_FILE = "runs.parquet"
TIMESERIES_FILE = "timeseries.parquet"
FAILURES_FILE = "failures.jsonl"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
_RUN_SHARDS = Path("shards", "runs")
_TIMESERIES_SHARDS = Path("shards", "timeseries")
_SHARD_NAME = re.compile(r"^part-(\d{8})\.parquet$")
_BLOCK_TARGET_ROWS = 100_000  # rows per consolidation block: bounds its memory (~3 copies of a block)
_ORDER = "__order"
_ID_TYPES = {
    DESIGN_INDEX: pa.int64(),
    REPLICATION: pa.int64(),
    SEED: pa.int64(),
    RUN_KEY: pa.string(),
    PARAMS_JSON: pa.string(),
    TS_ROW: pa.int64(),
}


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` all-or-nothing: temp file in the same directory, fsync, rename, fsync the directory."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable: the directory entry itself must reach the disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, obj: Any) -> None:
    atomic_write(path, lambda handle: handle.write(json.dumps(obj, indent=2, sort_keys=True).encode("utf-8")))


def _shard_numbers(out_dir: Path, subdir: Path) -> set[int]:
    directory = out_dir / subdir
    if not directory.is_dir():
        return set()
    return {int(m.group(1)) for p in directory.iterdir() if (m := _SHARD_NAME.match(p.name))}


def _shards(out_dir: Path, subdir: Path) -> list[Path]:
    """Shards in write order (their number), which decides which copy of a duplicated run is kept."""
    return [out_dir / subdir / f"part-{n:08d}.parquet" for n in sorted(_shard_numbers(out_dir, subdir))]


def run_files(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Files holding committed runs: the runs consolidated before, then the shards in write order
    (read without taking the folder's lock: a report may read a sweep that is still writing)."""
    out_dir = Path(out_dir)
    return [out_dir / RUNS_FILE] * (out_dir / RUNS_FILE).exists() + _shards(out_dir, _RUN_SHARDS)


def timeseries_files(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Files holding committed time-series rows, in the order of :func:`run_files`."""
    out_dir = Path(out_dir)
    return [out_dir / TIMESERIES_FILE] * (out_dir / TIMESERIES_FILE).exists() + _shards(out_dir, _TIMESERIES_SHARDS)


def read_failures(out_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All failure records of a results directory, oldest first (a torn last line is skipped).

    A run that failed and was retried appears once per attempt, and still
    appears after a retry succeeded: it is a log of attempts, and a run is
    still failing only if it has no committed result.
    """
    path = Path(out_dir) / FAILURES_FILE
    if not path.exists():
        return []
    records = []
    lines = path.read_bytes().split(b"\n")
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines) - 1:  # unterminated last line: an append torn by a crash
                continue
            raise
    return records


def read_manifest(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a results directory, or ``{}`` if it has none yet."""
    path = Path(out_dir) / MANIFEST_FILE
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


class FolderLocked(RuntimeError):
    """Another sweep holds the results folder's lock."""


class ResultStore:
    """Reads and writes one results directory; use as a context manager to hold its lock.

    The lock (``flock`` on ``out_dir/.lock``) stops two sweeps from writing
    the same directory; the OS drops it if the process dies, even by SIGKILL.
    The file is deleted when the holder leaves, so a lock taken on a file that
    is no longer (or no longer the same file) at that path is taken again.
    """

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.out_dir = Path(out_dir)
        self._lock_handle: IO[bytes] | None = None
        self._failures_handle: IO[bytes] | None = None
        self._next_shard = 1

    @property
    def runs_path(self) -> Path:
        return self.out_dir / RUNS_FILE

    @property
    def timeseries_path(self) -> Path:
        return self.out_dir / TIMESERIES_FILE

    @property
    def failures_path(self) -> Path:
        return self.out_dir / FAILURES_FILE

    @property
    def manifest_path(self) -> Path:
        return self.out_dir / MANIFEST_FILE

    @property
    def _lock_path(self) -> Path:
        return self.out_dir / LOCK_FILE

    def __enter__(self) -> ResultStore:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._lock_handle = self._take_lock()
        self._remove_crash_debris()
        numbers = _shard_numbers(self.out_dir, _RUN_SHARDS) | _shard_numbers(self.out_dir, _TIMESERIES_SHARDS)
        self._next_shard = 1 + max(numbers, default=0)
        return self

    def _take_lock(self) -> IO[bytes]:
        """Open and flock ``.lock``; again if the file locked was deleted or replaced meanwhile
        (its holder deletes it on leaving, after which a lock on the old file guards nothing)."""
        while True:
            handle = open(self._lock_path, "ab")  # noqa: SIM115 -- held until __exit__
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise FolderLocked(f"another sweep is writing to {self.out_dir}") from None
            try:
                current = os.stat(self._lock_path)
            except FileNotFoundError:
                current = None
            locked = os.fstat(handle.fileno())
            if current is not None and (current.st_dev, current.st_ino) == (locked.st_dev, locked.st_ino):
                return handle
            handle.close()

    def __exit__(self, *exc_info: object) -> None:
        if self._failures_handle is not None:
            self._failures_handle.close()
            self._failures_handle = None
        if self._lock_handle is not None:
            self._lock_path.unlink(missing_ok=True)  # while still held: see _take_lock
            self._lock_handle.close()  # closing releases the flock
            self._lock_handle = None

    def _shards(self, subdir: Path) -> list[Path]:
        return _shards(self.out_dir, subdir)

    def _remove_crash_debris(self) -> None:
        """Delete temp files and time-series shards whose runs shard was never committed."""
        committed = {p.name for p in self._shards(_RUN_SHARDS)}
        for directory in (self.out_dir, self.out_dir / _RUN_SHARDS, self.out_dir / _TIMESERIES_SHARDS):
            for tmp in directory.glob(".*.tmp") if directory.is_dir() else ():
                tmp.unlink()
        for shard in self._shards(_TIMESERIES_SHARDS):
            if shard.name not in committed:
                shard.unlink()

    def _run_sources(self) -> list[Path]:
        return run_files(self.out_dir)

    def completed_keys(self) -> set[str]:
        """Keys of every run with a committed result (reads only the key column of each file)."""
        keys: set[str] = set()
        for source in self._run_sources():
            keys.update(pq.read_table(source, columns=[RUN_KEY]).column(RUN_KEY).to_pylist())
        return keys

    def is_consolidated(self, runs: Sequence[RunSpec]) -> bool:
        """Whether ``runs.parquet`` already holds every committed run, filed at its place in ``runs``
        (no shards wait, and each row's design index and replication are those ``runs`` give it)."""
        if not self.runs_path.exists() or self._shards(_RUN_SHARDS):
            return False
        filed = pq.read_table(self.runs_path, columns=[RUN_KEY, DESIGN_INDEX, REPLICATION])
        places = {spec.key: (spec.index, spec.replication) for spec in runs}
        return all(places.get(key) == (index, replication) for key, index, replication in zip(
            *(filed.column(name).to_pylist() for name in (RUN_KEY, DESIGN_INDEX, REPLICATION))))

    def failure_keys(self) -> set[str]:
        """Keys of runs with a failure record -- including runs that succeeded on a later retry."""
        return {record["run_key"] for record in read_failures(self.out_dir)}

    def write_chunk(self, outcome: ChunkOutcome) -> None:
        """Persist one chunk: time-series shard, then runs shard (the commit), then its failures."""
        if outcome.runs is not None:
            name = f"part-{self._next_shard:08d}.parquet"
            self._next_shard += 1
            for directory in (_RUN_SHARDS, _TIMESERIES_SHARDS):
                (self.out_dir / directory).mkdir(parents=True, exist_ok=True)
            if outcome.timeseries is not None:
                _write_parquet(self.out_dir / _TIMESERIES_SHARDS / name, outcome.timeseries)
            _write_parquet(self.out_dir / _RUN_SHARDS / name, outcome.runs)
        for failure in outcome.failures:
            self._append_failure(failure)

    def _append_failure(self, failure: RunFailure) -> None:
        if self._failures_handle is None:
            _cut_torn_last_line(self.failures_path)
            self._failures_handle = open(self.failures_path, "ab")  # noqa: SIM115 -- kept open for the session, closed in __exit__
        line = json.dumps(failure.to_record(), sort_keys=True, ensure_ascii=False) + "\n"
        self._failures_handle.write(line.encode("utf-8"))
        self._failures_handle.flush()
        os.fsync(self._failures_handle.fileno())

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace ``manifest.json`` atomically."""
        _write_json(self.manifest_path, manifest)

    def consolidate(self, runs: Sequence[RunSpec]) -> tuple[Path, Path | None]:
        """Write ``runs.parquet`` (and ``timeseries.parquet`` if any run produced time series),
        then delete the shards, whose rows it now holds.

        The runs consolidated before are merged with the shards written since.
        Only runs of ``runs`` are included (the caller makes sure no committed
        run is outside it); their ``design_index`` and ``replication`` come from
        ``runs`` (matched by key), so a design that was extended or reordered
        between sessions is filed by its current positions.  A run present in
        several sources is kept once, from the earliest.  The output depends
        only on the set of committed results, not on how they were chunked,
        executed or interrupted.  A crash before the shards are gone leaves
        duplicates only, which the next consolidation drops.
        """
        run_sources = self._run_sources()
        ts_sources = [self.timeseries_path] * self.timeseries_path.exists() + self._shards(_TIMESERIES_SHARDS)
        total_runs = sum(pq.ParquetFile(p).metadata.num_rows for p in run_sources)
        total_ts = sum(pq.ParquetFile(p).metadata.num_rows for p in ts_sources)
        ts_rows_per_run = math.ceil(total_ts / max(1, total_runs))
        positions = _Positions.of(runs, runs_per_block=max(1, _BLOCK_TARGET_ROWS // max(1, ts_rows_per_run)))
        _merge(run_sources, positions, self.runs_path, RUN_ID_COLUMNS, (DESIGN_INDEX, REPLICATION))
        if ts_sources:
            ts_order = (DESIGN_INDEX, REPLICATION, TS_ROW)
            _merge(ts_sources, positions, self.timeseries_path, TIMESERIES_ID_COLUMNS, ts_order)
        shutil.rmtree(self.out_dir / _RUN_SHARDS.parent, ignore_errors=True)
        _fsync_directory(self.out_dir)
        return self.runs_path, self.timeseries_path if ts_sources else None


def _write_parquet(path: Path, table: pa.Table) -> None:
    atomic_write(path, lambda handle: pq.write_table(table, handle))


def _cut_torn_last_line(path: Path) -> None:
    """Truncate an unterminated last line, so the next append starts on a line of its own."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)
            os.fsync(handle.fileno())


@dataclass(frozen=True)
class _Positions:
    """Where each run of the current design goes: its rank in (design_index, replication) order.

    Ranks also define output blocks (``rank // runs_per_block``) for the
    bucket sort.
    """

    rank: dict[str, int]
    design_index: np.ndarray
    replication: np.ndarray
    runs_per_block: int

    @classmethod
    def of(cls, runs: Sequence[RunSpec], runs_per_block: int) -> _Positions:
        ordered = sorted(runs, key=lambda spec: (spec.index, spec.replication))
        return cls(
            rank={spec.key: rank for rank, spec in enumerate(ordered)},
            design_index=np.array([spec.index for spec in ordered], dtype=np.int64),
            replication=np.array([spec.replication for spec in ordered], dtype=np.int64),
            runs_per_block=runs_per_block,
        )

    def ranks(self, keys: pa.ChunkedArray) -> np.ndarray:
        """Rank of each key, -1 for keys not in the design (looked up once per distinct key)."""
        encoded = keys.combine_chunks().dictionary_encode()
        distinct = np.array([self.rank.get(key, -1) for key in encoded.dictionary.to_pylist()], dtype=np.int64)
        return distinct[encoded.indices.to_numpy(zero_copy_only=False)]


def _output_schema(sources: Sequence[Path], id_columns: Sequence[str]) -> pa.Schema:
    """Union of the sources' schemas, types widened (int+float -> float, null -> anything), columns ordered.

    Order: engine id columns, then ``param.*`` sorted, then outcomes sorted --
    a function of the column *set*, so chunking cannot change it.
    """
    base = pa.schema([(name, _ID_TYPES[name]) for name in id_columns])
    try:
        unified = pa.unify_schemas([base, *(pq.read_schema(p) for p in sources)], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise TypeError(f"the model returned incompatible types for one column across runs: {exc}") from exc
    rest = sorted(set(unified.names) - set(id_columns), key=lambda name: (not name.startswith(PARAM_PREFIX), name))
    return pa.schema([unified.field(name) for name in [*id_columns, *rest]])


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Give a shard exactly ``schema``'s columns and types (missing columns become nulls)."""
    # One name lookup for all columns: asking the table by name per column is quadratic in the
    # column count (a 107-column shard of 250 runs took 5 ms: a quarter of a 10,000-run merge).
    present = dict(zip(table.column_names, table.columns))
    columns = [present[f.name].cast(f.type) if f.name in present else pa.nulls(table.num_rows, f.type) for f in schema]
    return pa.table(columns, schema=schema)


def _merge(
    sources: Sequence[Path],
    positions: _Positions,
    out_path: Path,
    id_columns: Sequence[str],
    sort_columns: Sequence[str],
) -> None:
    """Bucket-sort ``sources`` into ``out_path``: keep rows of known runs, sort, drop duplicate rows."""
    schema = _output_schema(sources, id_columns)
    bucket_schema = schema.append(pa.field(_ORDER, pa.int64()))
    scratch = out_path.parent / f".{out_path.stem}-buckets"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        buckets: dict[int, pq.ParquetWriter] = {}
        with contextlib.ExitStack() as closing:
            offset = 0
            for table in _row_groups(sources):
                ranks = positions.ranks(table.column(RUN_KEY))
                order = np.arange(offset, offset + table.num_rows, dtype=np.int64)
                offset += table.num_rows
                known = ranks >= 0
                table, ranks, order = table.filter(pa.array(known)), ranks[known], order[known]
                table = (
                    table.drop_columns([DESIGN_INDEX, REPLICATION])
                    .append_column(DESIGN_INDEX, pa.array(positions.design_index[ranks]))
                    .append_column(REPLICATION, pa.array(positions.replication[ranks]))
                    .append_column(_ORDER, pa.array(order))
                )
                blocks = ranks // positions.runs_per_block
                for block in np.unique(blocks).tolist():
                    if block not in buckets:
                        writer = pq.ParquetWriter(scratch / f"{block}.parquet", bucket_schema)
                        buckets[block] = closing.enter_context(writer)
                    buckets[block].write_table(_conform(table.filter(pa.array(blocks == block)), bucket_schema))

        def write_sorted_blocks(handle: IO[bytes]) -> None:
            with pq.ParquetWriter(handle, schema) as writer:
                for block in sorted(buckets):
                    bucket = pq.read_table(scratch / f"{block}.parquet")
                    bucket = bucket.sort_by([(c, "ascending") for c in (*sort_columns, _ORDER)])
                    writer.write_table(_drop_repeats(bucket, sort_columns).drop_columns([_ORDER]))

        atomic_write(out_path, write_sorted_blocks)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _row_groups(sources: Sequence[Path]) -> Iterator[pa.Table]:
    """Every row group of every source, in order (a consolidated file is read a block at a time)."""
    for source in sources:
        parquet = pq.ParquetFile(source)
        for group in range(parquet.num_row_groups):
            yield parquet.read_row_group(group)


def _drop_repeats(table: pa.Table, columns: Sequence[str]) -> pa.Table:
    """Keep the first of each run of rows that agree on ``columns`` (``table`` sorted by them)."""
    if table.num_rows < 2:
        return table
    changed = None
    for name in columns:
        column = table.column(name)
        differs = pc.not_equal(column.slice(1), column.slice(0, table.num_rows - 1))
        changed = differs if changed is None else pc.or_(changed, differs)
    keep = pa.concat_arrays([pa.array([True]), pa.chunked_array(changed).combine_chunks()])
    return table.filter(keep)

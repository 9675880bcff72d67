"""Run specifications: one design point x one replication, with its CRN seed and key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .keys import normalize_params, run_key
from .seeds import replication_seed


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to execute one run, and everything the store needs to file it.

    ``index`` is the design point's position (the primary sort key of
    ``runs.parquet``); ``key`` identifies the run independently of that
    position, which is what makes resuming an extended design safe.
    """

    index: int
    params: Mapping[str, Any]
    replication: int
    seed: int
    key: str


def make_runs(
    points: Sequence[Mapping[str, Any]],
    replications: int | Iterable[int],
    *,
    master_seed: int,
    salt: str = "",
    replication_params: Callable[[int], Mapping[str, Any]] | None = None,
) -> list[RunSpec]:
    """Cross design points with replications under common random numbers.

    ``replications`` is a count (``range(n)``) or explicit replication
    numbers, e.g. ``range(30, 60)`` to add replications to an existing sweep:
    replication k has the same seed for every point, whatever else is in the
    design.  ``salt`` goes into every key; pass something that changes when
    the model or its fixed inputs change (a scenario content hash), so stale
    results are never mistaken for current ones on resume.  Runs are listed
    point-major, which keeps each result shard to a narrow range of points.

    ``replication_params(k)``, if given, is a mapping of parameters that replication k has at
    every point (e.g. which draw of an uncertain input it uses): it is merged into each run's
    params, so it is part of the run key, of the ``param.*`` columns and of what the model
    function receives. Runs of one replication then share their seed *and* these parameters,
    which keeps comparisons between points paired. Its names may not repeat a point's.
    """
    replication_numbers = list(range(replications)) if isinstance(replications, int) else list(replications)
    if len(set(replication_numbers)) != len(replication_numbers):
        raise ValueError("replication numbers must be distinct")
    seeds = {k: replication_seed(master_seed, k) for k in replication_numbers}
    extra = {k: dict(replication_params(k)) if replication_params is not None else {} for k in replication_numbers}
    added_names = {name for added in extra.values() for name in added}
    runs = []
    for index, point in enumerate(points):
        clash = sorted(added_names & set(point))
        if clash:
            raise ValueError(f"per-replication parameters {clash} are also parameters of design point {index}")
        params = normalize_params(point)
        for k in replication_numbers:
            run_params = normalize_params({**point, **extra[k]}) if extra[k] else params
            runs.append(RunSpec(index, run_params, k, seeds[k], run_key(run_params, seeds[k], salt)))
    return runs

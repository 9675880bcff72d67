"""Experiment files: what to sweep, read from YAML and expanded into runs for the engine.

An experiment names base scenarios, strategies to compare, a parameter design over dotted
scenario paths (grid, Latin hypercube, Sobol, Morris or an explicit list), optionally the
*order* of reform pillars as a design dimension, replications (a count or a precision
target), a master seed, what to keep and, optionally, a posterior over mechanism parameters
from which each replication takes its draw (``parameters``). :func:`expand` turns it into the
engine's design points; :class:`PointRunner` (:func:`runner_for`) is the model function the engine runs. The
engine itself (the package :mod:`sim.experiments`, a different thing from this module about
experiment *files*) knows nothing of any of this.

Scenarios and strategies are resolved once, when the experiment is loaded, and travel with
the model function (not as file paths), so a Dask worker on another machine needs no files
and a run's identity is the content it ran on.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, Strict, field_validator, model_validator

from .fields import (
    HEADLINE_INDICATORS,
    PILLARS,
    Count,
    Month,
    Name,
    PillarName,
    ScenarioError,
    Schema,
    Unit,
)
from .loading import _describe, load_validated
from .scenario import (
    Scenario,
    load_scenario_data,
    resolve_scenario_path,
    scenario_from_dict,
    overriding_members,
    set_dotted,
)
from .strategy import load_strategy_source

DottedPath = str
SeriesName = str

#: The shipped posterior (written by the calibration), used by ``parameters: posterior``.
SHIPPED_POSTERIOR = Path(__file__).resolve().parent.parent / "experiments" / "calibration" / "posterior.csv"
#: The shorthand for the shipped posterior, all its draws.
POSTERIOR_SHORTHAND = "posterior"
#: The run parameter naming the posterior draw (row) a replication uses: ``param.posterior_draw`` in runs.parquet.
POSTERIOR_DRAW = "posterior_draw"
#: A leading column of this name in a posterior file numbers the draws and is ignored.
DRAW_LABEL_COLUMN = "draw"


class ParameterDesign(Schema):
    """Variations of scenario fields, addressed by dotted path (``actors.ministry.political_will``)."""

    kind: Literal["grid", "latin_hypercube", "sobol", "morris", "list"]
    values: dict[DottedPath, list[Any]] | None = Field(None, description="grid: the values of each path")
    bounds: dict[DottedPath, tuple[float, float]] | None = Field(None, description="sampled designs: [low, high]")
    samples: Count | None = Field(None, description="LHS points, Sobol base samples, Morris trajectories")
    points: list[dict[DottedPath, Any]] | None = Field(None, description="list: explicit design points")
    seed: int = Field(0, ge=0, description="seed of the sampled design itself")

    @model_validator(mode="after")
    def _fields_for_kind(self) -> "ParameterDesign":
        needs = {"grid": ("values",), "list": ("points",), "latin_hypercube": ("bounds", "samples"),
                 "sobol": ("bounds", "samples"), "morris": ("bounds", "samples")}[self.kind]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"design: kind '{self.kind}' needs {' and '.join(missing)}")
        for path, (low, high) in (self.bounds or {}).items():
            if not math.isfinite(high - low):
                raise ValueError(f"design.bounds.{path}: [{low}, {high}] must be finite numbers whose difference "
                                 "is finite")
            if not low < high:
                raise ValueError(f"design.bounds.{path}: low ({low}) must be below high ({high})")
        for path, values in (self.values or {}).items():
            if not values:
                raise ValueError(f"design.values.{path}: give at least one value")
            repeated = [value for position, value in enumerate(values) if value in values[:position]]
            if repeated:
                raise ValueError(f"design.values.{path}: {repeated[0]!r} is listed twice; each value once")
        for where, value in [*((f"values.{path}", v) for path, vs in (self.values or {}).items() for v in vs),
                             *((f"points.{k}.{path}", v) for k, point in enumerate(self.points or [])
                               for path, v in point.items())]:
            if _holds_non_finite(value):
                raise ValueError(f"design.{where}: {_describe(value)} is not a finite number or holds one")
        if self.points is not None and not self.points:
            raise ValueError("design.points: give at least one point")
        return self


def _holds_non_finite(value: Any) -> bool:
    """Whether a design value is, or holds (in a list or mapping, keys included), NaN or ±inf."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_holds_non_finite(part) for pair in value.items() for part in pair)
    return isinstance(value, list) and any(_holds_non_finite(part) for part in value)


class Sequencing(Schema):
    """The order of reform pillars as a design dimension: each order becomes a phased strategy.

    Phase k starts at month k x ``phase_months`` and puts ``effort`` on the k-th pillar of the
    order, while pillars already started keep ``sustain_effort`` (begun reforms are not
    abandoned) and every other pillar gets ``background_effort``. With the experiment's
    ``total_effort`` these are priority weights, and the background is what lets a phase
    that focuses on one pillar still spend the whole budget. ``orders``: every permutation
    ("all") or a random sample of that many.
    """

    pillars: list[PillarName] = Field(..., min_length=2, max_length=6)
    orders: Literal["all"] | Count = "all"
    phase_months: Month = 48
    effort: Unit = 1.0
    sustain_effort: Unit = 0.3
    background_effort: Unit = 0.0

    @model_validator(mode="after")
    def _distinct(self) -> "Sequencing":
        if len(set(self.pillars)) != len(self.pillars):
            raise ValueError(f"sequencing.pillars: each pillar once, got {self.pillars}")
        return self


Replications = Annotated[int, Strict(), Field(ge=1, le=1_000_000)]


class Precision(Schema):
    """Add replications until every 95 % CI half-width is below the target (or the cap is hit)."""

    target_half_width: Annotated[float, Strict(), Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 0.02
    compare: Literal["success", "paired_difference"] = "paired_difference"
    initial: Replications = 50
    step: Replications = 50
    max: Replications = 2000

    @model_validator(mode="after")
    def _ordered(self) -> "Precision":
        if self.initial > self.max:
            raise ValueError(f"replications: initial ({self.initial}) exceeds max ({self.max})")
        return self


Draws = Annotated[int, Strict(), Field(ge=1, le=1_000_000)]


class PosteriorDraws(Schema):
    """Each replication's parameters from a posterior: replication k uses draw ``k mod D`` (D draws)
    for every scenario, strategy and design point, so its runs share seed and parameters."""

    posterior: str = Field(..., min_length=1,
                           description="CSV of equally weighted posterior draws, relative to the experiment file: "
                                       "one row per draw, one column per dotted scenario path it sets (e.g. "
                                       "mechanisms.capacity.growth_rate); a leading 'draw' column is ignored")
    draws: Draws | None = Field(None, description="use the file's first N rows (at most its rows); unset: all")


class Outputs(Schema):
    """What to keep besides the run summaries (always kept)."""

    timeseries_stride_months: Annotated[int, Strict(), Field(ge=1, le=2400)] | None = Field(
        None, description="keep every k-th month of the series")
    timeseries: list[SeriesName] = Field(default_factory=lambda: [*HEADLINE_INDICATORS, "reform_index",
                                                                  "political_will", "violence"])


class Experiment(Schema):
    name: Name
    description: str = ""
    scenarios: list[str] = Field(..., min_length=1, max_length=100)
    strategies: list[str] = Field(default_factory=list, max_length=100,
                                  description="strategy names or files; empty: each scenario's own")
    design: ParameterDesign | None = None
    sequencing: Sequencing | None = None
    replications: Replications | Precision = 100
    master_seed: int = Field(..., ge=0)
    total_effort: list[Annotated[float, Strict(), Field(gt=0.0, le=6.0, allow_inf_nan=False)]] | None = Field(
        None, min_length=1, max_length=20,
        description="pillar-efforts a month every strategy spends (equal resources); several values make "
                    "intensity a design dimension; unset: each strategy's own")
    outputs: Outputs = Outputs()
    parameters: Literal["posterior"] | PosteriorDraws | None = Field(
        None, description="mechanism parameters drawn from a posterior, replication k taking draw k mod D: "
                          "'posterior' (the shipped experiments/calibration/posterior.csv, all its draws) or "
                          "{posterior: FILE, draws: N}; unset: every replication uses the scenario's values")

    @field_validator("strategies")
    @classmethod
    def _distinct_strategies(cls, value: list[str]) -> list[str]:
        repeated = [name for position, name in enumerate(value) if name in value[:position]]
        if repeated:
            raise ValueError(f"strategies: '{repeated[0]}' is listed twice; each strategy once")
        return value

    @field_validator("parameters", mode="before")
    @classmethod
    def _shorthand_or_file(cls, value: Any) -> Any:
        """The shorthand or a mapping, each checked as itself (one message for a mistake in either)."""
        if value is None or value == POSTERIOR_SHORTHAND:
            return value
        if isinstance(value, dict):
            return PosteriorDraws.model_validate(value)  # its errors keep their place: parameters.<field>
        raise ValueError(f"parameters = {value!r}: give '{POSTERIOR_SHORTHAND}' (the shipped posterior, "
                         f"experiments/calibration/posterior.csv, all its draws) or a mapping "
                         f"{{posterior: FILE, draws: N}} (FILE relative to the experiment file, N its first rows)")

    @field_validator("replications", mode="before")
    @classmethod
    def _count_or_target(cls, value: Any) -> Any:
        """A count or a precision target, each checked as itself: a mistake in either gets one
        message, not pydantic's verdict on every member of the union."""
        if isinstance(value, dict):
            return Precision.model_validate(value)  # its errors keep their place: replications.<field>
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError(f"replications = {value!r}: give a whole number of replications a point (1 to "
                         f"1000000) or a precision target, a mapping of {', '.join(Precision.model_fields)}")


@dataclass(frozen=True)
class Posterior:
    """Equally weighted posterior draws: draw i sets each dotted scenario path ``paths[j]`` to ``values[i][j]``."""

    file: str
    paths: tuple[DottedPath, ...]
    values: tuple[tuple[float, ...], ...]

    def __len__(self) -> int:
        return len(self.values)

    def draw(self, index: int) -> dict[DottedPath, float]:
        """The values draw ``index`` sets, by path."""
        return dict(zip(self.paths, self.values[index]))

    @property
    def sha256(self) -> str:
        """Digest of the draws used (paths and values as parsed): what decides the runs."""
        return hashlib.sha256(json.dumps([self.paths, self.values]).encode()).hexdigest()


@dataclass(frozen=True)
class Library:
    """The resolved inputs of an experiment: scenario data and strategies, by label, and the
    posterior draws its replications use (None: the scenarios' own values)."""

    scenarios: dict[str, dict[str, Any]]
    strategies: dict[str, dict[str, Any]]
    content_hash: str = field(default="")
    posterior: Posterior | None = None


def load_experiment(path: str | Path) -> tuple[Experiment, Library]:
    """Read and validate an experiment file and every scenario, strategy and posterior it names.

    The content hash (the salt of every run key) covers the scenarios and strategies and, when
    the experiment has ``parameters``, the posterior draws it uses."""
    path = Path(path)
    experiment = load_validated(path, Experiment, "'name', 'scenarios' and 'master_seed'")
    base = path.resolve().parent
    scenarios: dict[str, dict[str, Any]] = {}
    for reference in experiment.scenarios:
        candidate = base / reference
        try:  # a mistake in a named scenario is reported as the experiment file's, and the scenario's
            scenario_path = candidate if candidate.is_file() else resolve_scenario_path(reference)
            data = load_scenario_data(scenario_path)
            scenario = scenario_from_dict(data, scenario_path, scenario_path.resolve().parent)
        except ScenarioError as error:
            raise ScenarioError(f"{path}: scenarios: {error}") from None
        data["strategy"] = scenario.strategy.model_dump(mode="json")
        scenarios[reference] = data
    strategies = {reference: _strategy_data(reference, base, path) for reference in experiment.strategies}
    library = Library(scenarios, strategies)
    _check_design_size(experiment, library, path)
    _check_design_paths(experiment, library, path)
    _check_design_effect(experiment, library, path)
    _check_series(experiment, library, path)
    _check_points(experiment, library, path)
    posterior = _load_posterior(experiment, library, path)
    inputs: list[Any] = [scenarios, strategies] + ([posterior.sha256] if posterior is not None else [])
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    return experiment, Library(scenarios, strategies, digest, posterior)


def read_posterior_csv(file: Path) -> tuple[list[str], list[tuple[float, ...]]]:
    """A posterior CSV's dotted paths (its header, a leading ``draw`` column left out) and its
    draws (a tuple of finite numbers per row); ValueError saying what is wrong with the file."""
    if file.suffix.lower() != ".csv":
        raise ValueError("not a .csv file: give a CSV of posterior draws")
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            table = list(csv.reader(handle, strict=True))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"not a readable CSV ({error})") from None
    if not table or not any(cell.strip() for cell in table[0]):
        raise ValueError("empty: give a header of dotted scenario paths and one row per draw")
    header = [cell.strip() for cell in table[0]]
    skip = 1 if header[0] == DRAW_LABEL_COLUMN else 0
    paths = header[skip:]
    if not paths or any(not p for p in paths) or len(set(paths)) != len(paths):
        raise ValueError(f"header {header}: give each dotted scenario path once (a leading "
                         f"'{DRAW_LABEL_COLUMN}' column is ignored)")
    values: list[tuple[float, ...]] = []
    for line, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            raise ValueError(f"line {line} has {len(row)} fields, the header {len(header)}")
        draw = []
        for dotted, cell in zip(paths, row[skip:]):
            try:
                value = float(cell)
            except ValueError:
                raise ValueError(f"line {line}, {dotted}: {cell!r} is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"line {line}, {dotted}: {cell!r} is not a finite number")
            draw.append(value)
        values.append(tuple(draw))
    if not values:
        raise ValueError("no draws: give at least one row under the header")
    return paths, values


def _load_posterior(experiment: Experiment, library: Library, source: Path) -> Posterior | None:
    """The posterior draws of ``parameters``, validated: a readable CSV with a header of dotted
    scenario paths (and optionally a leading ``draw`` column), at least one row, a finite number
    in every cell, at least ``draws`` rows, and every path one the scenario schema accepts at the
    column's smallest and largest value (probed on the first scenario) and not also a design path."""
    if experiment.parameters is None:
        return None
    if experiment.parameters == POSTERIOR_SHORTHAND:
        file, wanted = SHIPPED_POSTERIOR, None
    else:
        file, wanted = source.resolve().parent / experiment.parameters.posterior, experiment.parameters.draws

    def fail(problem: str) -> ScenarioError:
        return ScenarioError(f"{source}: parameters: posterior file {file}: {problem}")

    if not file.is_file():
        shipped = " (the calibration writes it; until then give {posterior: FILE})" if file == SHIPPED_POSTERIOR else ""
        raise fail(f"no such file{shipped}")
    try:
        paths, values = read_posterior_csv(file)
    except ValueError as error:
        raise fail(str(error)) from None
    if wanted is not None:
        if wanted > len(values):
            raise ScenarioError(f"{source}: parameters.draws = {wanted} but posterior file {file} has "
                                f"{len(values)} draws; allowed: 1 to {len(values)}")
        values = values[:wanted]
    design_paths = _design_paths(experiment.design)
    name, first = next(iter(library.scenarios.items()))
    for j, dotted in enumerate(paths):
        if dotted in design_paths:
            raise fail(f"column '{dotted}' is also a design path; vary a path by the design or by the posterior")
        for probe in sorted({min(draw[j] for draw in values), max(draw[j] for draw in values)}):
            try:
                scenario_from_dict(set_dotted(first, dotted, probe, file), f"scenario {name}")
            except ScenarioError as error:
                raise fail(f"column '{dotted}' does not fit the scenario: {error}") from None
    return Posterior(str(file), tuple(paths), tuple(values))


def _strategy_data(reference: str, base: Path, source: Path) -> dict[str, Any]:
    strategy = load_strategy_source(reference, base, source)
    return strategy.model_dump(mode="json")


def _check_points(experiment: Experiment, library: Library, source: Path) -> None:
    """Every design point must be distinct and give a valid scenario, checked before the first
    run (a sweep that would fail run by run is refused at load, and so by its dry run): each
    strategy and ``total_effort`` on each scenario, then each point with its overrides."""
    points = expand(experiment, library)
    first_seen: dict[str, int] = {}
    for index, point in enumerate(points):
        key = json.dumps(point, sort_keys=True)
        if key in first_seen:
            raise ScenarioError(f"{source}: design points {first_seen[key]} and {index} are the same "
                                f"({_point_text(point)}); a Sobol design over one or two parameters repeats "
                                "points: use a grid or a Latin hypercube, or more parameters")
        first_seen[key] = index
    runner = runner_for(experiment, library)
    checked = set()
    for index, point in enumerate(points):
        combination = (point["scenario"], point["strategy"], point.get("total_effort"))
        if combination not in checked:
            checked.add(combination)
            try:
                runner.scenario({**point, "overrides": {}})
            except ScenarioError as error:
                what = (f"total_effort {point['total_effort']:g} does not fit strategy" if "total_effort" in point
                        else "strategy")
                raise ScenarioError(f"{source}: {what} '{point['strategy']}' on scenario '{point['scenario']}': "
                                    f"{error}") from None
        try:
            runner.scenario(point)
        except ScenarioError as error:
            raise ScenarioError(f"{source}: design point {index} ({_point_text(point)}) is not a valid scenario: "
                                f"{error}") from None


def _point_text(point: Mapping[str, Any]) -> str:
    """A design point in a few words: scenario, strategy and overrides."""
    overrides = ", ".join(f"{path}={value!r}" for path, value in point.get("overrides", {}).items())
    return f"scenario '{point['scenario']}', strategy '{point['strategy']}'" + (f", {overrides}" if overrides else "")


#: The most design points an experiment may expand to (points, before replications), counted
#: before any is built: a larger design is refused with its count (10^6 grid points took 37 s
#: and 2.75 GB just to expand).
MAX_DESIGN_POINTS = 100_000


def design_size(experiment: Experiment, library: Library) -> int:
    """How many points :func:`expand` would build, computed without building them."""
    design = experiment.design
    if design is None:
        overrides = 1
    elif design.kind == "grid":
        overrides = math.prod(len(values) for values in design.values.values())
    elif design.kind == "list":
        overrides = len(design.points)
    elif design.kind == "latin_hypercube":
        overrides = design.samples
    elif design.kind == "sobol":
        overrides = design.samples * (2 * len(design.bounds) + 2)
    else:  # morris: trajectories x (parameters + 1)
        overrides = design.samples * (len(design.bounds) + 1)
    strategies = len(experiment.strategies)
    if experiment.sequencing is not None:
        every = math.factorial(len(experiment.sequencing.pillars))
        orders = experiment.sequencing.orders
        strategies += every if orders == "all" else min(orders, every)
    return len(library.scenarios) * max(strategies, 1) * len(experiment.total_effort or [None]) * overrides


def _check_design_size(experiment: Experiment, library: Library, source: Path) -> None:
    size = design_size(experiment, library)
    if size > MAX_DESIGN_POINTS:
        raise ScenarioError(f"{source}: the design has {size:,} points (scenarios x strategies x total_effort x "
                            f"design); at most {MAX_DESIGN_POINTS:,} are allowed: split it into several experiments")


def _check_design_effect(experiment: Experiment, library: Library, source: Path) -> None:
    """A design dimension that cannot take effect is an error, never a silent no-op: a path
    into the strategy when the experiment replaces each scenario's strategy (``strategies``,
    ``sequencing``) or sets ``total_effort``; a type-level actor value every member overrides."""
    paths = sorted(_design_paths(experiment.design))
    replacing = [name for name, on in (("strategies", bool(experiment.strategies)),
                                       ("sequencing", experiment.sequencing is not None)) if on]
    for dotted in paths:
        if dotted.split(".")[0] == "strategy" and replacing:
            raise ScenarioError(f"{source}: design path '{dotted}' changes nothing: the experiment's "
                                f"{' and '.join(replacing)} replace each scenario's strategy; vary it in a strategy "
                                "file listed under strategies, or list none so each scenario runs its own")
        if dotted == "strategy.total_effort" and experiment.total_effort is not None:
            raise ScenarioError(f"{source}: design path '{dotted}' changes nothing: the experiment's total_effort "
                                "sets it; list the values under total_effort instead")
    for name, data in library.scenarios.items():
        scenario = scenario_from_dict(data, source)
        for dotted in paths:
            parts = dotted.split(".")
            block = getattr(scenario.actors, parts[1], None) if len(parts) == 3 and parts[0] == "actors" else None
            if block is None or parts[2] not in type(block).model_fields or parts[2] == "members":
                continue
            overriding = overriding_members(block, parts[2])
            if not block.members or len(overriding) == len(block.members):
                reason = (f"actors.{parts[1]} has no members" if not block.members else
                          f"every member overrides it ({', '.join(overriding)}): vary "
                          f"actors.{parts[1]}.members.N.{parts[2]} instead")
                raise ScenarioError(f"{source}: design path '{dotted}' changes nothing in scenario '{name}': "
                                    f"{reason}")


def _check_series(experiment: Experiment, library: Library, source: Path) -> None:
    """Time series asked for must be indicators the model records, for every base scenario."""
    from .dynamics import ReformBatch

    if experiment.outputs.timeseries_stride_months is None:
        return
    for name, data in library.scenarios.items():
        available = ReformBatch(scenario_from_dict(data, source), [np.random.default_rng(0)]).indicator_names()
        unknown = [series for series in experiment.outputs.timeseries if series not in available]
        if unknown:
            raise ScenarioError(f"{source}: outputs.timeseries: unknown series {', '.join(map(repr, unknown))} "
                                f"for scenario '{name}'; available: {', '.join(available)}")


def _check_design_paths(experiment: Experiment, library: Library, source: Path) -> None:
    """Every design path must name a field the scenario schema accepts (checked on the first scenario)."""
    design = experiment.design
    if design is None:
        return
    first = next(iter(library.scenarios.values()))
    for dotted in sorted(_design_paths(design)):
        probe = _example_value(design, dotted)
        try:
            scenario_from_dict(set_dotted(first, dotted, probe, source))
        except ScenarioError as error:
            raise ScenarioError(f"{source}: design path '{dotted}' does not fit the scenario: {error}") from None


def _design_paths(design: ParameterDesign | None) -> set[DottedPath]:
    """Every dotted path a design varies."""
    if design is None:
        return set()
    return set(design.values or {}) | set(design.bounds or {}) | {p for point in design.points or [] for p in point}


def _example_value(design: ParameterDesign, dotted: str) -> Any:
    if design.values and dotted in design.values:
        return design.values[dotted][0]
    if design.bounds and dotted in design.bounds:
        return float(np.mean(design.bounds[dotted]))
    return next(point[dotted] for point in design.points or [] if dotted in point)


def order_name(order: Sequence[str]) -> str:
    """The strategy name of a pillar order, readable in runs.parquet: ``order_policing_then_oversight``."""
    return "order_" + "_then_".join(order)


def order_strategy(order: Sequence[str], sequencing: Sequencing) -> dict[str, Any]:
    """A phased strategy that takes up the pillars in ``order``."""
    phases = []
    for k, pillar in enumerate(order):
        effort = {other: sequencing.background_effort for other in PILLARS if sequencing.background_effort > 0}
        effort.update({earlier: sequencing.sustain_effort for earlier in order[:k]})
        effort[pillar] = sequencing.effort
        start = {"after_month": k * sequencing.phase_months, "latest_month": k * sequencing.phase_months}
        phases.append({"name": f"phase_{k + 1}_{pillar}", "start": start, "effort": effort})
    return {"name": order_name(order), "description": " > ".join(order), "phases": phases}


def _pillar_orders(sequencing: Sequencing, master_seed: int) -> list[list[str]]:
    """Every order of the pillars, or ``orders`` distinct ones drawn with the master seed."""
    from .experiments import design

    every = math.factorial(len(sequencing.pillars))
    sample = None if sequencing.orders == "all" or sequencing.orders >= every else sequencing.orders
    return design.permutations(sequencing.pillars, sample=sample, seed=master_seed)


def _override_points(design: ParameterDesign | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The design's override points, and the SALib problem for sampled designs (for analysis)."""
    from .experiments import design as designs

    if design is None:
        return [{}], None
    if design.kind == "grid":
        return designs.grid(design.values), None
    if design.kind == "list":
        return designs.explicit(design.points), None
    bounds = dict(design.bounds)
    if design.kind == "latin_hypercube":
        sampled = designs.latin_hypercube(bounds, design.samples, seed=design.seed)
    elif design.kind == "sobol":
        sampled = designs.sobol(bounds, design.samples, seed=design.seed)
    else:
        sampled = designs.morris(bounds, design.samples, seed=design.seed)
    return list(sampled.points), sampled.problem


#: The strategy label of design points that run each scenario under its own strategy.
OWN_STRATEGY = "(scenario)"


def expand(experiment: Experiment, library: Library) -> list[dict[str, Any]]:
    """Design points: scenario x strategy (named, or one per pillar order) x parameter point.

    A pillar order travels as data, ``{"strategy": "order_a_then_b", "order": ["a", "b"]}``: the
    label is what tables show, the list is what :class:`PointRunner` builds the strategy from.
    The experiment's ``total_effort`` values are one more dimension, ``{"total_effort": T}``.
    """
    from .experiments import design

    overrides, _ = _override_points(experiment.design)
    strategies: list[dict[str, Any]] = [{"strategy": reference} for reference in experiment.strategies]
    if experiment.sequencing is not None:
        strategies += [{"strategy": order_name(order), "order": order}
                       for order in _pillar_orders(experiment.sequencing, experiment.master_seed)]
    intensities = [{"total_effort": total} for total in experiment.total_effort or []]
    return design.cross([{"scenario": scenario} for scenario in library.scenarios],
                        strategies or [{"strategy": OWN_STRATEGY}],
                        *([intensities] if intensities else []),
                        [{"overrides": dict(point)} for point in overrides])


def sampled_problem(experiment: Experiment) -> dict[str, Any] | None:
    """The SALib problem of a sampled design (kept in the manifest for the sensitivity analysis)."""
    return _override_points(experiment.design)[1]


# --- the model function ----------------------------------------------------------------
@dataclass(frozen=True)
class PointRunner:
    """The engine's model function: picklable, carries the resolved inputs with it."""

    library: Library
    sequencing: Sequencing | None
    stride_months: int | None
    series: tuple[str, ...]
    # Validation costs milliseconds; a chunk holds many runs of one point, so cache per copy.
    _cache: dict[str, Scenario] = field(default_factory=dict, compare=False, repr=False)
    #: What :meth:`run_batch` imports when called: a process pool's fork server imports it once
    #: for every worker (:func:`sim.experiments.executors.worker_modules`).
    worker_modules: ClassVar[tuple[str, ...]] = ("sim.dynamics",)

    def __call__(self, params: Mapping[str, Any], seed: int) -> Any:
        return self.run_batch([(params, seed)])[0]

    def run_batch(self, runs: Sequence[tuple[Mapping[str, Any], int]]) -> list[Any]:
        """Runs of any design points, one per (params, seed) pair, through :func:`sim.dynamics.run_seeds`:
        points that share a layout are stepped together (:mod:`sim.batching`), and each run's
        numbers are those it has alone (``ReformModel(scenario, rng=seed)``)."""
        from .dynamics import run_seeds

        scenarios = [self.scenario(params) for params, _ in runs]
        results = run_seeds(scenarios, [seed for _, seed in runs],
                            record=self.series if self.stride_months is not None else ())
        summaries = [{**{k: v for k, v in full.items() if isinstance(v, (bool, int, float, str))},
                      "strategy_name": scenario.strategy.name} for full, scenario in zip(results.summaries, scenarios)]
        if self.stride_months is None:
            return summaries
        return [(summary, [{"month": m, **{name: float(results.series[name][m, row]) for name in self.series}}
                           for m in range(0, summary["months"] + 1, self.stride_months)])
                for row, summary in enumerate(summaries)]

    def scenario(self, params: Mapping[str, Any]) -> Scenario:
        """The validated scenario of one run's params: a design point (as :func:`expand` made it)
        with, when the params name a ``posterior_draw``, that posterior row's values set."""
        key = json.dumps(params, sort_keys=True)
        if key not in self._cache:
            data = self.library.scenarios[params["scenario"]]
            drawn = self.library.posterior.draw(params[POSTERIOR_DRAW]) if POSTERIOR_DRAW in params else {}
            for dotted, value in {**params.get("overrides", {}), **drawn}.items():
                data = set_dotted(data, dotted, value)
            if "order" in params:
                data = {**data, "strategy": order_strategy(params["order"], self.sequencing)}
            elif params["strategy"] != OWN_STRATEGY:
                data = {**data, "strategy": self.library.strategies[params["strategy"]]}
            if "total_effort" in params:
                data = {**data, "strategy": {**data["strategy"], "total_effort": params["total_effort"]}}
            self._cache[key] = scenario_from_dict(data, f"{params['scenario']} [{params['strategy']}]")
        return self._cache[key]


def runner_for(experiment: Experiment, library: Library) -> PointRunner:
    """The model function of an experiment, for the engine."""
    return PointRunner(library, experiment.sequencing, experiment.outputs.timeseries_stride_months,
                       tuple(experiment.outputs.timeseries))


"""A population of synthetic fragile states: the prior over initial conditions, and its draws.

The literature's figures are statistics of populations of real countries (WDR 2011 Box 3.6:
the fastest 20 of a sample; Andrews, Pritchett & Woolcock 2016: 8 of 102 countries), so the
model's figures have to be statistics of a population of simulated countries, not of five
hand-set scenarios. A population prior (``experiments/calibration/population.yaml``) says:

- which base scenarios synthetic countries are drawn from, with their shares (the share of
  post-conflict countries is the share of the ``post_conflict`` base), and which strategy a
  country of each base runs, with its share;
- distributions over initial conditions, each one random variable per country written into
  one or more dotted paths of the base scenario, either set (``mode: set``) or as a factor on
  the base's value (``mode: scale``, which keeps the differences between a base's members).

A drawn country differs from its base only in *values*: never in actor counts, member lists,
pillars or network rules (paths that would add a member or a pillar are refused at load
time), so all countries of one base and strategy share a layout and can be stepped in one
batch. Paths address list items by index, by member ``name``, or all of them with ``*``.

All randomness comes from the one ``numpy.random.Generator`` passed to :func:`draw_countries`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr, model_validator

from ..fields import Name, ScenarioError, Schema
from ..loading import load_validated
from ..scenario import Scenario, load_scenario_data, resolve_scenario_path, scenario_from_dict, set_dotted_in_place
from ..strategy import Strategy, load_strategy_source

#: The shares of a list of alternatives must add up to 1 within this.
SHARE_TOLERANCE = 1e-9


class Base(Schema):
    """A base scenario that supplies a layout, and the strategies its countries run."""

    scenario: str = Field(..., min_length=1, description="a shipped scenario's name or a path (relative to the "
                                                          "prior file)")
    share: float = Field(..., gt=0.0, le=1.0, description="share of the population drawn from this base")
    strategies: dict[Name, float] = Field(..., min_length=1, description="strategy name -> share of this base's "
                                                                         "countries running it")
    reason: str = Field(..., min_length=1)

    def problems(self) -> Iterator[str]:
        """What is wrong with the strategy shares (field paths relative to the base)."""
        if any(not 0.0 < share <= 1.0 for share in self.strategies.values()):
            yield f"strategies: every share must be in (0, 1], got {self.strategies}"
        elif abs(sum(self.strategies.values()) - 1.0) > SHARE_TOLERANCE:
            yield f"strategies: shares must add up to 1, got {sum(self.strategies.values()):g}"


class InitialCondition(Schema):
    """One random variable of a country, written into every path it names."""

    name: Name
    paths: list[str] = Field(..., min_length=1)
    mode: Literal["set", "scale"] = "set"
    distribution: Literal["uniform", "triangular", "log_uniform"] = "uniform"
    low: float
    high: float
    peak: float | None = Field(None, description="the mode of a triangular distribution")
    bases: list[Name] | None = Field(None, description="the bases whose countries it applies to (default: all)")
    reason: str = Field(..., min_length=1)

    def problems(self) -> Iterator[str]:
        """What is wrong with the distribution (field paths relative to the condition)."""
        if not self.low < self.high:
            yield f"low: {self.low:g} must be below high ({self.high:g})"
        if (self.distribution == "triangular") != (self.peak is not None):
            yield "peak: a triangular distribution needs a peak, and only a triangular one takes it"
        elif self.peak is not None and not self.low <= self.peak <= self.high:
            yield f"peak: {self.peak:g} must lie in [low, high] = [{self.low:g}, {self.high:g}]"
        if self.distribution == "log_uniform" and self.low <= 0:
            yield f"low: a log-uniform distribution needs low > 0, got {self.low:g}"

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` draws of this variable."""
        if self.distribution == "uniform":
            return rng.uniform(self.low, self.high, count)
        if self.distribution == "triangular":
            return rng.triangular(self.low, self.peak, self.high, count)
        return np.exp(rng.uniform(np.log(self.low), np.log(self.high), count))


class PopulationPrior(Schema):
    """The prior over synthetic countries (``experiments/calibration/population.yaml``)."""

    description: str = ""
    horizon_years: int = Field(..., ge=1, le=200, description="years every country is simulated")
    horizon_reason: str = Field(..., min_length=1)
    bases: dict[Name, Base] = Field(..., min_length=1)
    initial_conditions: list[InitialCondition] = Field(default_factory=list)
    _templates: dict[str, tuple[dict[str, Any], Path]] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _shares_and_bases(self) -> "PopulationPrior":
        """Checks across fields, each message naming its full field path (pydantic's location of a
        nested validator's error would be lost in the one-line message)."""
        for name, base in self.bases.items():
            for problem in base.problems():
                raise ValueError(f"bases.{name}.{problem}")
        for position, condition in enumerate(self.initial_conditions):
            for problem in condition.problems():
                raise ValueError(f"initial_conditions.{position}.{problem}")
        total = sum(base.share for base in self.bases.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise ValueError(f"bases: shares must add up to 1, got {total:g}")
        for position, condition in enumerate(self.initial_conditions):
            unknown = sorted(set(condition.bases or ()) - set(self.bases))
            if unknown:
                raise ValueError(f"initial_conditions.{position}.bases: {unknown} not among the bases "
                                 f"{sorted(self.bases)}")
        names = [condition.name for condition in self.initial_conditions]
        if len(set(names)) != len(names):
            raise ValueError(f"initial_conditions: names must be unique, got {names}")
        return self

    def applies(self, condition: InitialCondition, base: str) -> bool:
        """Whether ``condition`` is drawn into countries of ``base``."""
        return condition.bases is None or base in condition.bases

    def templates(self) -> dict[str, tuple[dict[str, Any], Path]]:
        """Each base's raw mapping (``extends`` resolved) and the folder its strategies resolve
        from, read on first use and kept: a calibration draws every particle's countries from the
        same files (reading them each time was a sixth of a small evaluation), and a file edited
        while it runs must not change the countries of later particles."""
        if self._templates is None:
            self._templates = {name: _base_data(base) for name, base in self.bases.items()}
        return self._templates


def expand_path(data: Any, dotted: str) -> Iterator[str]:
    """The concrete dotted paths (list items by index) that ``dotted`` names in ``data``.

    A key that is a list item's ``name`` selects that item; ``*`` selects every item of a
    list. The last key need not exist yet (a member may take a value it inherited); every key
    before it must, so a path can never add a member, a pillar or a mapping."""
    keys = dotted.split(".")

    def walk(node: Any, position: int, done: tuple[str, ...]) -> Iterator[str]:
        key = keys[position]
        if position == len(keys) - 1:
            if isinstance(node, dict):
                yield ".".join((*done, key))
                return
            raise KeyError(f"'{'.'.join(done)}' is not a mapping")
        if isinstance(node, list):
            matches = [index for index, item in enumerate(node)
                       if key == "*" or key == str(index) or (isinstance(item, dict) and item.get("name") == key)]
            if not matches:
                raise KeyError(f"no item '{key}' in '{'.'.join(done)}'")
            for index in matches:
                yield from walk(node[index], position + 1, (*done, str(index)))
            return
        if not isinstance(node, dict) or key not in node:
            raise KeyError(f"'{'.'.join((*done, key))}' is not in the scenario")
        yield from walk(node[key], position + 1, (*done, key))

    return walk(data, 0, ())


def _get(data: Any, concrete: str) -> Any:
    node = data
    for key in concrete.split("."):
        node = node[int(key)] if isinstance(node, list) else node.get(key)
        if node is None:
            return None
    return node


def apply_condition(data: dict[str, Any], condition: InitialCondition, value: float) -> dict[str, Any]:
    """A copy of a scenario mapping with one initial condition's value written into its paths.

    ``set`` writes the value; ``scale`` multiplies the base's value by it, and skips a member
    that does not set the field itself (it inherits its type's value, scaled by its own path)."""
    data = copy.deepcopy(data)
    _write_condition(data, condition, value)
    return data


def _write_condition(data: dict[str, Any], condition: InitialCondition, value: float) -> None:
    """:func:`apply_condition` in place (a country copies its base once, then writes every condition)."""
    for dotted in condition.paths:
        for concrete in list(expand_path(data, dotted)):
            current = _get(data, concrete)
            if condition.mode == "set":
                set_dotted_in_place(data, concrete, float(value))
            elif current is not None:
                if not isinstance(current, (int, float)) or isinstance(current, bool):
                    raise KeyError(f"'{concrete}' holds {current!r}, not a number to scale")
                set_dotted_in_place(data, concrete, float(current) * float(value))


def _base_data(base: Base) -> tuple[dict[str, Any], Path]:
    """A base's raw mapping (``extends`` resolved) and the folder its strategies resolve from."""
    path = resolve_scenario_path(base.scenario)
    return load_scenario_data(path), path.resolve().parent


def _country(data: dict[str, Any], prior: PopulationPrior, name: str, strategy: str | Strategy, base_dir: Path,
             source: str) -> Scenario:
    data = {**data, "name": name, "strategy": strategy, "horizon_years": prior.horizon_years}
    return scenario_from_dict(data, source, base_dir)


def _check(prior: PopulationPrior, source: Path) -> None:
    """Every base loads with every strategy, and every initial condition's paths exist in every
    base it applies to and give a valid scenario at both ends of its range."""
    for base_name, base in prior.bases.items():
        try:
            data, base_dir = _base_data(base)
        except ScenarioError as error:
            raise ScenarioError(f"{source}: bases.{base_name}.scenario: {error}") from None
        for strategy in base.strategies:
            try:
                _country(data, prior, base_name, strategy, base_dir, f"base '{base_name}'")
            except ScenarioError as error:
                raise ScenarioError(f"{source}: bases.{base_name}.strategies.{strategy}: {error}") from None
        for position, condition in enumerate(prior.initial_conditions):
            if not prior.applies(condition, base_name):
                continue
            field = f"initial_conditions.{position}"
            for number, dotted in enumerate(condition.paths):
                try:
                    concrete = list(expand_path(data, dotted))
                except KeyError as error:
                    raise ScenarioError(f"{source}: {field}.paths.{number} = {dotted!r}: {error.args[0]} "
                                        f"(base '{base_name}'); a path may only change values") from None
                if condition.mode == "scale" and all(_get(data, path) is None for path in concrete):
                    raise ScenarioError(f"{source}: {field}.paths.{number} = {dotted!r}: the base '{base_name}' "
                                        "sets no value there to scale")
            for end in (condition.low, condition.high):
                try:
                    changed = apply_condition(data, condition, end)
                    _country(changed, prior, base_name, next(iter(base.strategies)), base_dir,
                             f"base '{base_name}' with {condition.name} = {end:g}")
                except KeyError as error:
                    raise ScenarioError(f"{source}: {field} ({condition.name}): {error.args[0]} "
                                        f"(base '{base_name}')") from None
                except ScenarioError as error:
                    raise ScenarioError(f"{source}: {field} ({condition.name}): at {end:g} the base "
                                        f"'{base_name}' is invalid: {error}") from None


def load_population_prior(path: str | Path) -> PopulationPrior:
    """Read and check a population prior; bad input raises ScenarioError naming file and field.

    A base's ``scenario`` that is a relative path is taken relative to the prior file."""
    path = Path(path)
    prior = load_validated(path, PopulationPrior, "'horizon_years', 'horizon_reason', 'bases' and "
                                                  "'initial_conditions'")
    bases = {name: base.model_copy(update={"scenario": str((path.parent / base.scenario).resolve())})
             if Path(base.scenario).suffix and not Path(base.scenario).is_absolute() else base
             for name, base in prior.bases.items()}
    prior = prior.model_copy(update={"bases": bases})
    _check(prior, path)
    return prior


def draw_countries(prior: PopulationPrior, count: int, rng: np.random.Generator) -> list[Scenario]:
    """``count`` synthetic countries drawn independently from the prior, in draw order.

    Each country picks its base by the bases' shares, then its strategy by its base's
    strategy shares, then one value of every initial condition (drawn for every country, used
    where the condition applies to its base, so a country's values do not depend on which
    bases the others drew). A country is named ``<base>_<strategy>_<number>``; its scenario
    reports ``context.post_conflict`` and ``strategy.name`` as its base and strategy set them.
    """
    if count < 0:
        raise ValueError(f"count must be at least 0, got {count}")
    names = list(prior.bases)
    base_of = rng.choice(len(names), size=count, p=[prior.bases[name].share for name in names])
    strategy_draw = rng.random(count)
    values = {condition.name: condition.sample(rng, count) for condition in prior.initial_conditions}
    templates = prior.templates()
    # A strategy file is read and validated once per base, not once per country.
    strategy_models = {(name, strategy): load_strategy_source(strategy, templates[name][1], f"base '{name}'")
                       for name in names for strategy in prior.bases[name].strategies}
    countries = []
    for number in range(count):
        base_name = names[base_of[number]]
        base = prior.bases[base_name]
        strategies = list(base.strategies)
        cumulative = np.cumsum([base.strategies[s] for s in strategies])
        strategy = strategies[min(int(np.searchsorted(cumulative, strategy_draw[number], side="right")),
                                  len(strategies) - 1)]
        template, base_dir = templates[base_name]
        data = copy.deepcopy(template)
        for condition in prior.initial_conditions:
            if prior.applies(condition, base_name):
                _write_condition(data, condition, values[condition.name][number])
        countries.append(_country(data, prior, f"{base_name}_{strategy}_{number}",
                                  strategy_models[base_name, strategy], base_dir,
                                  f"synthetic country {number} (base '{base_name}')"))
    return countries


def draw_population(prior: PopulationPrior, countries: int, rng: np.random.Generator) -> tuple[list[Scenario], list[int]]:
    """``countries`` countries drawn from ``prior`` with ``rng``, then one run seed each from ``rng``:
    the population every calibration tool (screen, pace, ABC particle) evaluates."""
    drawn = draw_countries(prior, countries, rng)
    return drawn, [int(s) for s in rng.integers(0, 2**32, size=countries)]

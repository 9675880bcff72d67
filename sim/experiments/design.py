"""Design generators: pure functions that produce lists of design points.

A design point is a JSON-able ``dict`` of parameters.  Generators here know
nothing about the model; they only build points that
:func:`sim.experiments.engine.make_runs` then crosses with replications.
Sampling designs (Latin hypercube, Sobol/Saltelli, Morris) also return the
SALib ``problem`` dict, because SALib's ``analyze`` functions need the same
problem (and the same row order) to compute sensitivity indices later.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from SALib.sample import latin as _salib_latin
from SALib.sample import morris as _salib_morris
from SALib.sample import sobol as _salib_sobol

from .keys import normalize_params

Point = dict[str, Any]


@dataclass(frozen=True)
class SampledDesign:
    """Points drawn by a SALib sampler plus the ``problem`` needed to analyse them.

    ``points[i]`` corresponds to row ``i`` of the SALib sample matrix; keep
    that order when feeding outcomes back to ``SALib.analyze``.
    """

    points: list[Point]
    problem: dict[str, Any]


def explicit(points: Iterable[Mapping[str, Any]]) -> list[Point]:
    """An explicitly listed design, normalised to plain JSON types (fails early on non-JSON values)."""
    return [normalize_params(point) for point in points]


def cross(*dimensions: Sequence[Mapping[str, Any]]) -> list[Point]:
    """Cartesian product of design dimensions, merging one point from each.

    Later dimensions vary fastest, e.g. ``cross(points, strategies)`` lists
    every strategy for point 0 first.  Dimensions must not share parameter
    names: a silent overwrite would hide a design mistake.
    """
    crossed: list[Point] = []
    for combination in itertools.product(*dimensions):
        merged: Point = {}
        for part in combination:
            clash = merged.keys() & part.keys()
            if clash:
                raise ValueError(f"dimensions share parameter names: {sorted(clash)}")
            merged.update(part)
        crossed.append(merged)
    return crossed


def grid(values: Mapping[str, Sequence[Any]]) -> list[Point]:
    """Full-factorial grid over named value lists (last name varies fastest)."""
    return cross(*([{name: value} for value in options] for name, options in values.items()))


def permutations(items: Sequence[Any], *, sample: int | None = None, seed: int | None = None) -> list[list[Any]]:
    """Orderings of ``items``: all of them, or ``sample`` distinct ones drawn with a seeded Generator.

    Sampling draws uniform random permutations and rejects repeats, so it
    never enumerates n! orderings (fine for large n).  The result, in draw
    order, depends only on ``items``, ``sample`` and ``seed``.  Use the lists
    as values of a dimension, e.g. ``grid({"order": permutations(actions)})``.
    """
    if sample is None:
        return [list(order) for order in itertools.permutations(items)]
    if seed is None:
        raise ValueError("sampling permutations needs a seed, so the design is reproducible")
    if not 0 <= sample <= math.factorial(len(items)):
        raise ValueError(f"cannot draw {sample} distinct permutations of {len(items)} items")
    rng = np.random.default_rng(seed)
    seen: set[tuple[int, ...]] = set()
    drawn: list[list[Any]] = []
    while len(drawn) < sample:
        order = tuple(int(i) for i in rng.permutation(len(items)))
        if order not in seen:
            seen.add(order)
            drawn.append([items[i] for i in order])
    return drawn


def salib_problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    """SALib problem dict for named ``(low, high)`` bounds, in the mapping's order."""
    for name, (low, high) in bounds.items():
        if not low < high:
            raise ValueError(f"bounds of {name!r} must satisfy low < high, got ({low}, {high})")
    return {
        "num_vars": len(bounds),
        "names": list(bounds),
        "bounds": [[float(low), float(high)] for low, high in bounds.values()],
    }


def _sampled(bounds: Mapping[str, tuple[float, float]], draw: Callable[[dict[str, Any]], np.ndarray]) -> SampledDesign:
    """Run a SALib sampler on the problem for ``bounds`` and label the matrix rows by name."""
    problem = salib_problem(bounds)
    matrix = draw(problem)
    points = [dict(zip(problem["names"], (float(x) for x in row))) for row in matrix]
    return SampledDesign(points=points, problem=problem)


def latin_hypercube(bounds: Mapping[str, tuple[float, float]], n: int, *, seed: int) -> SampledDesign:
    """``n`` Latin hypercube points over ``bounds`` (space-filling design for surrogate fitting)."""
    return _sampled(bounds, lambda problem: _salib_latin.sample(problem, n, seed=seed))


def sobol(
    bounds: Mapping[str, tuple[float, float]],
    n: int,
    *,
    seed: int,
    calc_second_order: bool = True,
) -> SampledDesign:
    """Saltelli sample for Sobol' indices: ``n*(2D+2)`` points (``n*(D+2)`` without second order).

    ``n`` should be a power of two (SALib warns otherwise); pass the same
    ``calc_second_order`` to ``SALib.analyze.sobol.analyze``.
    """
    return _sampled(
        bounds,
        lambda problem: _salib_sobol.sample(problem, n, calc_second_order=calc_second_order, seed=seed),
    )


def morris(
    bounds: Mapping[str, tuple[float, float]],
    trajectories: int,
    *,
    seed: int,
    num_levels: int = 4,
) -> SampledDesign:
    """Morris elementary-effects screening design: ``trajectories*(D+1)`` points."""
    return _sampled(
        bounds,
        lambda problem: _salib_morris.sample(problem, trajectories, num_levels=num_levels, seed=seed),
    )

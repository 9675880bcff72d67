"""Design generators: sizes, orders, bounds, seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.experiments import design


@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=4))
def test_grid_size_is_product_of_value_counts(sizes: list[int]) -> None:
    values = {f"p{i}": list(range(size)) for i, size in enumerate(sizes)}
    points = design.grid(values)
    assert len(points) == math.prod(sizes)
    assert len({tuple(sorted(p.items())) for p in points}) == len(points)


def test_grid_last_name_varies_fastest() -> None:
    assert design.grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
    ]


def test_cross_points_strategies_merges_and_rejects_clashing_names() -> None:
    points = design.grid({"x": [0.1, 0.2]})
    strategies = [{"strategy": "a"}, {"strategy": "b"}, {"strategy": "c"}]
    crossed = design.cross(points, strategies)
    assert len(crossed) == 6
    assert crossed[:3] == [{"x": 0.1, "strategy": s} for s in "abc"]
    with pytest.raises(ValueError, match="share parameter names"):
        design.cross(points, [{"x": 1}])


def test_explicit_normalizes_to_json_and_rejects_non_json() -> None:
    assert design.explicit([{"a": (1, 2), "b": np.float64(0.5)}]) == [{"a": [1, 2], "b": 0.5}]
    with pytest.raises(ValueError):
        design.explicit([{"a": float("nan")}])
    with pytest.raises(TypeError):
        design.explicit([{"a": object()}])


def test_all_permutations_of_three_items() -> None:
    orders = design.permutations(["a", "b", "c"])
    assert len(orders) == 6
    assert len({tuple(order) for order in orders}) == 6
    assert all(sorted(order) == ["a", "b", "c"] for order in orders)


def test_sampled_permutations_are_distinct_and_seeded() -> None:
    items = list(range(8))
    first = design.permutations(items, sample=50, seed=3)
    assert len({tuple(order) for order in first}) == 50
    assert all(sorted(order) == items for order in first)
    assert design.permutations(items, sample=50, seed=3) == first
    assert design.permutations(items, sample=50, seed=4) != first


def test_sampling_every_permutation_and_too_many() -> None:
    assert sorted(map(tuple, design.permutations("abc", sample=6, seed=1))) == sorted(
        map(tuple, design.permutations("abc"))
    )
    with pytest.raises(ValueError):
        design.permutations("abc", sample=7, seed=1)
    with pytest.raises(ValueError, match="seed"):
        design.permutations("abc", sample=2)


BOUNDS = {"alpha": (0.0, 1.0), "beta": (10.0, 20.0), "gamma": (-5.0, -1.0)}


def _assert_within_bounds(points: list[dict[str, float]]) -> None:
    for name, (low, high) in BOUNDS.items():
        values = np.array([p[name] for p in points])
        assert np.all((values >= low) & (values <= high)), name


def test_latin_hypercube_shape_bounds_and_strata() -> None:
    sample = design.latin_hypercube(BOUNDS, 20, seed=1)
    assert len(sample.points) == 20
    problem = {"num_vars": 3, "names": ["alpha", "beta", "gamma"], "bounds": [[0.0, 1.0], [10.0, 20.0], [-5.0, -1.0]]}
    assert problem.items() <= sample.problem.items()
    _assert_within_bounds(sample.points)
    for name, (low, high) in BOUNDS.items():  # one point in each of the 20 strata of every dimension
        strata = np.floor((np.array([p[name] for p in sample.points]) - low) / (high - low) * 20).astype(int)
        assert sorted(strata) == list(range(20))
    assert design.latin_hypercube(BOUNDS, 20, seed=1) == sample


def test_sobol_saltelli_shape_and_bounds() -> None:
    assert len(design.sobol(BOUNDS, 16, seed=1).points) == 16 * (2 * 3 + 2)
    first_order_only = design.sobol(BOUNDS, 16, seed=1, calc_second_order=False)
    assert len(first_order_only.points) == 16 * (3 + 2)
    _assert_within_bounds(first_order_only.points)
    assert all(isinstance(v, float) for p in first_order_only.points for v in p.values())


def test_morris_shape_bounds_and_levels() -> None:
    sample = design.morris(BOUNDS, 6, seed=1, num_levels=4)
    assert len(sample.points) == 6 * (3 + 1)
    _assert_within_bounds(sample.points)
    alphas = {round(p["alpha"], 9) for p in sample.points}
    assert alphas <= {0.0, round(1 / 3, 9), round(2 / 3, 9), 1.0}


def test_invalid_bounds_rejected() -> None:
    with pytest.raises(ValueError, match="low < high"):
        design.latin_hypercube({"a": (1.0, 1.0)}, 4, seed=0)

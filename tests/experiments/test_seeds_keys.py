"""Common random numbers and run keys."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from sim.experiments import design, make_runs, replication_seed, run_key


def test_replication_seed_is_the_spawned_child_of_the_master() -> None:
    children = np.random.SeedSequence(2024).spawn(4)
    expected = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    assert [replication_seed(2024, k) for k in range(4)] == expected


def test_seeds_are_distinct_and_depend_on_master() -> None:
    seeds = [replication_seed(1, k) for k in range(1000)]
    assert len(set(seeds)) == 1000
    assert all(0 <= s < 2**63 for s in seeds)
    assert [replication_seed(2, k) for k in range(10)] != seeds[:10]
    with pytest.raises(ValueError):
        replication_seed(1, -1)


def test_replication_k_has_same_seed_at_every_point_and_strategy() -> None:
    points = design.cross(design.grid({"x": [0.0, 0.5, 1.0]}), [{"strategy": s} for s in "abcd"])
    runs = make_runs(points, 5, master_seed=99)
    assert len(runs) == 12 * 5
    for k in range(5):
        assert {run.seed for run in runs if run.replication == k} == {replication_seed(99, k)}
    assert len({run.seed for run in runs}) == 5


def test_adding_replications_keeps_earlier_seeds_and_keys() -> None:
    points = design.grid({"x": [0.0, 1.0]})
    before = make_runs(points, 3, master_seed=5, salt="s")
    after = make_runs(points, 6, master_seed=5, salt="s")
    extra = make_runs(points, range(3, 6), master_seed=5, salt="s")
    assert {(r.index, r.replication): (r.seed, r.key) for r in before}.items() <= {
        (r.index, r.replication): (r.seed, r.key) for r in after
    }.items()
    assert {r.key for r in before} | {r.key for r in extra} == {r.key for r in after}


def test_run_key_is_canonical_and_salted() -> None:
    key = run_key({"b": 1, "a": {"y": [1, 2], "x": 0.5}}, 7)
    assert key == run_key({"a": {"x": np.float64(0.5), "y": (1, 2)}, "b": 1}, 7)
    assert key != run_key({"b": 1, "a": {"y": [1, 2], "x": 0.5}}, 8)
    assert key != run_key({"b": 1, "a": {"y": [1, 2], "x": 0.5}}, 7, salt="scenario-v2")
    assert key != run_key({"b": 1.5, "a": {"y": [1, 2], "x": 0.5}}, 7)


def test_run_key_golden_value() -> None:
    """Pins the hashing scheme: changing it would orphan every stored result."""
    canonical = b'{"params":{"x":1},"salt":"","seed":1}'
    assert hashlib.sha256(canonical).hexdigest() == "9e4d9379ad82e71e2e516c230c6b1c59d46451d0c78dda85463ff879a36cb4cc"
    assert run_key({"x": 1}, 1) == "9e4d9379ad82e71e2e516c230c6b1c59d46451d0c78dda85463ff879a36cb4cc"


def test_make_runs_rejects_repeated_replications() -> None:
    with pytest.raises(ValueError):
        make_runs([{"x": 1}], [0, 0], master_seed=1)


def test_public_api_resolves() -> None:
    import sim.experiments as api

    assert set(api.__all__) == set(api._EXPORTS) | api._SUBMODULES
    for name in api.__all__:
        assert getattr(api, name) is not None

"""Sobol and Morris through the project's own design and analysis code: Ishigami's known indices,
and a stochastic toy model whose share of variance due to chance is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from sim.experiments import design
from sim.report.discovery import prim_box
from sim.report.sensitivity import design_kind, morris_indices, sobol_indices

#: Ishigami (a = 7, b = 0.1) first-order and total indices (SALib.test_functions.Ishigami).
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def matrix(sampled) -> np.ndarray:
    return np.array([list(point.values()) for point in sampled.points])


def test_sobol_recovers_ishigami_within_its_intervals():
    sampled = design.sobol({f"x{i}": (-np.pi, np.pi) for i in (1, 2, 3)}, 1024, seed=1)
    values = Ishigami.evaluate(matrix(sampled))
    replicated = np.repeat(values, 2)  # a deterministic model run twice: chance is exactly 0
    result = sobol_indices(sampled.problem, replicated, np.repeat(np.arange(len(values)), 2))
    table = result.indices
    assert result.chance_share == 0
    assert (abs(table["S1"] - ISHIGAMI_S1) <= table["S1_conf"]).all(), table
    assert (abs(table["ST"] - ISHIGAMI_ST) <= table["ST_conf"]).all(), table


def test_sobol_reports_the_chance_share_of_a_stochastic_model():
    """Y = a + 2b + noise, a, b, c uniform on [0, 1]: Var f = 5/12, noise variance 5/12, so half
    the per-run variance is chance; f's indices are S1 = ST = (0.2, 0.8, 0)."""
    sampled = design.sobol({"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}, 1024, seed=2)
    x = matrix(sampled)
    replications = 4
    noise = np.random.default_rng(0).normal(0.0, np.sqrt(5 / 12), (len(x), replications))
    values = (x[:, 0] + 2 * x[:, 1])[:, None] + noise
    result = sobol_indices(sampled.problem, values.ravel(), np.repeat(np.arange(len(x)), replications))
    table = result.indices.set_index("parameter")
    assert result.chance_share == pytest.approx(0.5, abs=0.03)
    assert result.parameter_variance == pytest.approx(5 / 12, rel=0.1)
    for name, truth in (("a", 0.2), ("b", 0.8), ("c", 0.0)):
        assert abs(table.loc[name, "S1"] - truth) <= table.loc[name, "S1_conf"]
        assert abs(table.loc[name, "ST"] - truth) <= max(table.loc[name, "ST_conf"], 0.05)
    assert table["share_total"].sum() + result.chance_share == pytest.approx(1.0, abs=0.05)


def test_morris_sets_effects_beside_what_chance_alone_gives():
    """Y = 3a + b + noise: a's mu* is three times b's, c's is no more than chance's."""
    sampled = design.morris({"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}, 60, seed=3)
    x = matrix(sampled)
    assert design_kind(x) == "morris"
    replications = 4
    noise = np.random.default_rng(1).normal(0.0, 0.1, (len(x), replications))
    values = (3 * x[:, 0] + x[:, 1])[:, None] + noise
    result = morris_indices(sampled.problem, x, values.ravel(), np.repeat(np.arange(len(x)), replications))
    table = result.indices.set_index("parameter")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0, rel=0.05)
    assert table.loc["b", "mu_star"] == pytest.approx(1.0, rel=0.1)
    expected_chance = np.sqrt(2 * 0.01 / replications) / (4 / 6) * np.sqrt(2 / np.pi)
    assert result.chance_mu_star == pytest.approx(expected_chance, rel=0.1)
    assert table.loc["c", "mu_star"] < 2 * result.chance_mu_star


def test_design_kind_is_read_from_the_points():
    bounds = {"a": (0.0, 1.0), "b": (0.0, 2.0)}
    assert design_kind(matrix(design.sobol(bounds, 8, seed=0))) == "sobol"
    assert design_kind(matrix(design.latin_hypercube(bounds, 24, seed=0))) is None


def test_prim_finds_the_failure_region():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((3000, 3)), columns=["a", "b", "c"])
    failed = (x["a"] > 0.7).to_numpy() | (rng.random(len(x)) < 0.02)
    found = prim_box(x, failed)
    assert list(found.limits.index) == ["a"]
    assert found.limits.loc["a", "min"] == pytest.approx(0.7, abs=0.03)
    assert found.density > 0.9 and found.coverage > 0.8

"""The Morris screen on a tiny design: it runs, returns finite effects for every coefficient and
target, and every point sees the same countries and seeds (common random numbers)."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample

from sim import run_seeds
from sim.calibration.population import draw_countries, load_population_prior
from sim.calibration.priors import Prior
from sim.calibration.screen import (
    ScreenResult, _set_context, best_subsets, collinearity_index, evaluate_point, identifiable_selection, local_sensitivities, main,
    local_report, matching_priors,
    morris_screen, select, sensitivity_matrix,
)
from sim.calibration.targets import load_targets, target_table

PATTERNS = ("mechanisms.security.relapse_hazard", "mechanisms.capacity.growth_rate")


def test_a_tiny_screen_gives_finite_effects_for_every_coefficient_and_target(tiny_files):
    population, targets_file = tiny_files
    prior, targets = load_population_prior(population), load_targets(targets_file)
    result = morris_screen(prior, targets, matching_priors(PATTERNS), trajectories=2, countries=8, seed=3,
                           progress=False)
    effects = result.effects
    assert set(effects["parameter"]) == set(PATTERNS)
    assert set(effects["target"]) == {t.name for t in targets.targets}
    assert np.isfinite(effects["mu_star"]).all() and np.isfinite(effects["sigma"]).all()
    assert result.points == 2 * (len(PATTERNS) + 1) + 1
    assert set(select(effects)) <= set(PATTERNS)
    assert list(result.defaults["target"]) == [t.name for t in targets.targets]


def test_every_point_runs_the_same_countries_and_seeds(tiny_files):
    """Common random numbers: a point is the context's countries run with the context's seeds,
    so the point at the documented defaults reproduces the target table of those runs exactly,
    and evaluating a point twice gives the same statistics bit for bit."""
    population, targets_file = tiny_files
    prior, targets = load_population_prior(population), load_targets(targets_file)
    rng = np.random.default_rng(5)
    countries = draw_countries(prior, 6, rng)
    seeds = [int(s) for s in rng.integers(0, 2**32, size=6)]
    _set_context(countries, seeds, targets)
    expected = target_table(countries, run_seeds(countries, seeds), targets)["model"].to_numpy()
    assert np.array_equal(evaluate_point({}), expected, equal_nan=True)
    point = {"mechanisms.capacity.growth_rate": 0.02}
    assert np.array_equal(evaluate_point(point), evaluate_point(point), equal_nan=True)


def test_the_command_writes_the_report(tiny_files, tmp_path, capsys):
    population, targets_file = tiny_files
    out = tmp_path / "calibration.md"
    assert main(["--trajectories", "2", "--countries", "8", "--seed", "3", "--population", str(population),
                 "--targets", str(targets_file), "--only", *PATTERNS, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## Morris screen" in text and "mechanisms.security.relapse_hazard" in text
    assert "### Identifiability" in text
    assert text in capsys.readouterr().out
    points = pd.read_csv(tmp_path / "calibration.points.csv")
    assert len(points) == 2 * (len(PATTERNS) + 1) and set(PATTERNS) <= set(points.columns)


def test_designs_too_small_to_analyse_are_refused(tiny_files):
    population, targets_file = tiny_files
    prior = load_population_prior(population)
    with pytest.raises(ValueError, match="population size"):
        morris_screen(prior, load_targets(), matching_priors(PATTERNS), trajectories=2, countries=10, seed=0,
                      progress=False)
    with pytest.raises(ValueError, match="two trajectories"):
        morris_screen(prior, load_targets(targets_file), matching_priors(PATTERNS), trajectories=1, countries=8,
                      seed=0, progress=False)


def _linear_screen(slopes: np.ndarray) -> tuple[ScreenResult, SimpleNamespace]:
    """A Morris design over three coefficients whose targets are exactly linear: target i moves by
    ``slopes[i, j]`` tolerances when coefficient j crosses its prior range."""
    priors = [Prior("a", 0.0, 2.0, 1.0, ""), Prior("b", 10.0, 20.0, 15.0, ""), Prior("c", -1.0, 0.0, -0.5, "")]
    targets = SimpleNamespace(targets=[SimpleNamespace(name="fast", role="fit", tolerance=2.0),
                                       SimpleNamespace(name="slow", role="fit", tolerance=0.5),
                                       SimpleNamespace(name="held", role="check", tolerance=1.0)])
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[p.low, p.high] for p in priors]}
    design = morris_sample.sample(problem, 4, num_levels=4, seed=7)
    unit = (design - [p.low for p in priors]) / [p.high - p.low for p in priors]
    tolerances = np.array([2.0, 0.5, 1.0])
    outputs = unit @ slopes.T * tolerances
    effects = pd.DataFrame([{"parameter": p.path, "target": t.name, "role": t.role,
                             "mu_star_per_tolerance": abs(slopes[i, j])}
                            for j, p in enumerate(priors) for i, t in enumerate(targets.targets)])
    result = ScreenResult(effects, pd.DataFrame(), priors, pd.DataFrame(design, columns=["a", "b", "c"]),
                          pd.DataFrame(outputs, columns=["fast", "slow", "held"]), len(design), 0, 0.0, 0.0, 1)
    return result, targets


def test_the_sensitivity_matrix_recovers_a_linear_models_slopes_on_the_fitted_targets():
    slopes = np.array([[1.0, -3.0, 0.2], [0.5, 2.0, 0.0], [9.0, 9.0, 9.0]])
    result, targets = _linear_screen(slopes)
    matrix = sensitivity_matrix(result, targets)
    assert list(matrix.index.get_level_values("target").unique()) == ["fast", "slow"]
    for trajectory in range(4):
        assert np.allclose(matrix.xs(trajectory, level="trajectory").to_numpy(), slopes[:2])


def test_the_collinearity_index_is_one_for_orthogonal_effects_and_infinite_for_a_ridge():
    frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 3.0], "ridge": [2.0, 0.0], "none": [0.0, 0.0],
                          "tilted": [1.0, 1.0]})
    assert collinearity_index(frame, ["a", "b"]) == pytest.approx(1.0)
    assert collinearity_index(frame, ["a", "ridge"]) == math.inf
    assert collinearity_index(frame, ["a", "none"]) == math.inf
    # unit columns at cosine c: eigenvalues 1 ± c, so γ = 1 / √(1 - c)
    assert collinearity_index(frame, ["a", "tilted"]) == pytest.approx(1 / math.sqrt(1 - 1 / math.sqrt(2)))


def test_a_coefficient_on_a_ridge_or_without_effect_does_not_join_the_fitted_set():
    # c moves the fitted targets exactly as a does, at half the size: a perfect ridge with a
    slopes = np.array([[2.0, 0.3, 1.0], [1.0, 0.1, 0.5], [0.0, 0.0, 0.0]])
    result, targets = _linear_screen(slopes)
    table = identifiable_selection(sensitivity_matrix(result, targets)).set_index("parameter")
    assert list(table.index) == ["a", "c", "b"]  # by importance
    assert table.loc["a", "joins"] and table.loc["a", "collinearity_with_chosen"] == pytest.approx(1.0)
    assert not table.loc["c", "joins"] and table.loc["c", "collinearity_with_chosen"] > 1e6
    assert not table.loc["b", "selected_by_effect"] and not table.loc["b", "joins"]


def test_local_sensitivities_are_central_differences_on_one_population(tiny_files):
    population, targets_file = tiny_files
    prior, targets = load_population_prior(population), load_targets(targets_file)
    priors = matching_priors(PATTERNS)
    point = {"mechanisms.capacity.growth_rate": 0.05}
    matrix = local_sensitivities(prior, targets, priors, point, step=0.1, countries=8, seed=3, progress=False)
    fitted = [t for t in targets.targets if t.role == "fit" and t.tolerance > 0]
    assert set(matrix.columns) == set(PATTERNS)
    assert list(matrix.index.get_level_values("target")) == [t.name for t in fitted]
    # by hand: the same population, growth_rate 0.05 -/+ a tenth of its range, relapse_hazard at its default
    rng = np.random.default_rng(3)
    countries = draw_countries(prior, 8, rng)
    seeds = [int(s) for s in rng.integers(0, 2**32, size=8)]
    _set_context(countries, seeds, targets)
    growth = next(p for p in priors if p.path == "mechanisms.capacity.growth_rate")
    hazard = next(p for p in priors if p.path == "mechanisms.security.relapse_hazard")
    width = 0.1 * (growth.high - growth.low)
    low, high = (evaluate_point({hazard.path: hazard.default, growth.path: 0.05 + sign * width}) for sign in (-1, 1))
    names = [t.name for t in targets.targets]
    for t in fitted:
        expected = (high[names.index(t.name)] - low[names.index(t.name)]) / t.tolerance / 0.2
        assert matrix.loc[(0, t.name), growth.path] == pytest.approx(expected, nan_ok=True)


def test_a_local_analysis_refuses_what_it_cannot_do(tiny_files, tmp_path, capsys):
    population, targets_file = tiny_files
    prior, targets = load_population_prior(population), load_targets(targets_file)
    with pytest.raises(ValueError, match="step"):
        local_sensitivities(prior, targets, matching_priors(PATTERNS), {}, step=0.7, countries=8, seed=0)
    with pytest.raises(ValueError, match="not calibratable"):
        local_sensitivities(prior, targets, matching_priors(PATTERNS), {"mechanisms.nothing": 1.0}, step=0.1,
                            countries=8, seed=0)
    common = ["--countries", "8", "--population", str(population), "--targets", str(targets_file),
              "--only", *PATTERNS, "--out", str(tmp_path / "local.md")]
    for bad in (common, [*common, "--at", "mechanisms.capacity.growth_rate=fast"],
                [*common, "--at", "mechanisms.capacity.growth_rate=0.05", "--step", "0"]):
        with pytest.raises(SystemExit) as stopped:
            main(bad)
        assert stopped.value.code == 2
    assert not (tmp_path / "local.md").exists()
    assert main([*common, "--at", "mechanisms.capacity.growth_rate=0.05", "--subset-size", "1"]) == 0
    text = (tmp_path / "local.md").read_text(encoding="utf-8")
    assert "### Local identifiability" in text and "Sets of 1 " in text
    assert "--trajectories is required" in capsys.readouterr().err


def test_the_best_subsets_leave_out_a_collinear_pair_and_rank_by_joint_strength():
    # c is almost parallel to a (cosine 0.99995) and twice its size; b is orthogonal to a
    slopes = np.array([[2.0, 0.0, 4.0], [1.0, 3.0, 2.05], [0.0, 0.0, 0.0]])
    result, targets = _linear_screen(slopes)
    subsets = best_subsets(sensitivity_matrix(result, targets), 2)
    assert [sorted(names) for names in subsets["parameters"]] == [["b", "c"], ["a", "b"]]
    assert subsets.attrs == {"identifiable_sets": 2, "sets": 3}
    assert (subsets["collinearity"] <= 10).all()
    assert subsets["determinant_measure"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="subsets of 4"):
        best_subsets(sensitivity_matrix(result, targets), 4)
    text = local_report(sensitivity_matrix(result, targets), {}, 0.1, 8, 1.0, "command", [1, 2])
    assert "Sets of 1 (" in text and "Sets of 2 (" in text and "| b, c | " in text

"""The Morris screen on a tiny design: it runs, returns finite effects for every coefficient and
target, and every point sees the same countries and seeds (common random numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import run_seeds
from sim.calibration.population import draw_countries, load_population_prior
from sim.calibration.screen import (
    _set_context, evaluate_point, main, matching_priors, morris_screen, select,
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
    assert text in capsys.readouterr().out


def test_designs_too_small_to_analyse_are_refused(tiny_files):
    population, targets_file = tiny_files
    prior = load_population_prior(population)
    with pytest.raises(ValueError, match="population size"):
        morris_screen(prior, load_targets(), matching_priors(PATTERNS), trajectories=2, countries=10, seed=0,
                      progress=False)
    with pytest.raises(ValueError, match="two trajectories"):
        morris_screen(prior, load_targets(targets_file), matching_priors(PATTERNS), trajectories=1, countries=8,
                      seed=0, progress=False)

"""The ABC-SMC calibration: its file's errors, the distance and seeding rules, a tiny calibration
that writes every output, and a resume after an interruption that repeats no finished generation."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.calibration import abc as abc_module
from sim.calibration.abc import (
    CONSTRAINT_PENALTY, TargetDistance, load_calibration, parameter_hash, particle_rng, scaled_miss,
)
from sim.calibration.priors import parameter_priors
from sim.calibration.report import read_posterior_draws, simulate_draws, weighted_quantile
from sim.calibration.run import CalibrationFolderError, calibrate, check_resumable, forecast
from sim.calibration.targets import Target
from sim.fields import ScenarioError

from .conftest import TINY_PARAMETERS, tiny_calibration

# pytest-xdist (--dist loadgroup): one worker runs the tiny calibration once (fixture ``straight_run``).
pytestmark = pytest.mark.xdist_group("tiny_calibration")

SHIPPED = "experiments/calibration.yaml"


def test_the_shipped_calibration_file_loads_and_holds_a_target_out():
    calibration = load_calibration(SHIPPED)
    # The screens kept a few of the calibratable coefficients, each with its schema prior.
    assert set(calibration.priors) < set(parameter_priors()) and 4 <= len(calibration.priors) <= 15
    held = {t.name for t in calibration.held_out}
    assert "T4_renewed_violence_within_5_years" in held
    assert held.isdisjoint(t.name for t in calibration.fitted)
    assert {t.name for t in calibration.constraints} == {"T5d_reform_success_share"}


@pytest.mark.parametrize("changes, message", [
    ({"parameterz": []}, "unknown field 'parameterz'"),
    ({"parameters": ["mechanisms.capacity.growth_rat"]},
     "parameters.0 = 'mechanisms.capacity.growth_rat' is not a calibratable coefficient"),
    ({"parameters": ["mechanisms.capacity.growth_rate", "mechanisms.capacity.growth_rate"]}, "parameters.1"),
    ({"held_out": ["T9"]}, "held_out.0 = 'T9' is not a target"),
    ({"held_out": ["T4_renewed_violence_within_5_years"]}, "has role 'check'"),
    ({"countries_per_particle": 3}, "countries_per_particle = 3 is below the targets' population size (4)"),
    ({"abc": {"population_size": 1}}, "abc.population_size = 1 is out of range"),
    ({"abc": {"max_evaluations": 3}}, "abc.max_evaluations = 3 is below abc.population_size"),
    ({"abc": {"epsilon_quantile": 1.0}}, "abc.epsilon_quantile = 1.0 is out of range"),
    ({"abc": {"kernel_centres": "uniform"}}, "abc.kernel_centres = 'uniform'"),
    ({"population": "nowhere.yaml"}, "population = 'nowhere.yaml': no such file"),
    ({"seed": -1}, "seed = -1 is out of range"),
    ({"fixed": {"mechanisms.capacity.decay_ratte": 0.003}, "fixed_reason": "t"},
     "fixed.mechanisms.capacity.decay_ratte is not a calibratable coefficient"),
    ({"fixed": {"mechanisms.capacity.growth_rate": 0.02}, "fixed_reason": "t"},
     "fixed.mechanisms.capacity.growth_rate is also in parameters"),
    ({"fixed": {"mechanisms.capacity.decay_rate": 0.5}, "fixed_reason": "t"},
     "fixed.mechanisms.capacity.decay_rate = 0.5 is outside its prior (0.001 to 0.006)"),
    ({"fixed": {"mechanisms.capacity.decay_rate": 0.003}}, "fixed_reason is missing"),
    ({"fixed": {"mechanisms.capacity.decay_rate": "fast"}, "fixed_reason": "t"}, "fixed.mechanisms.capacity.decay_rate"),
])
def test_a_bad_calibration_file_is_refused_naming_file_and_field(tmp_path, tiny_files, changes, message):
    path = tiny_calibration(tmp_path, tiny_files, **changes)
    with pytest.raises(ScenarioError) as error:
        load_calibration(path)
    text = str(error.value)
    assert str(path) in text and message in text and "\n" not in text


def test_holding_every_fitted_target_out_is_refused(tmp_path, tiny_files):
    fitted = [t["name"] for t in yaml.safe_load(tiny_files[1].read_text())["targets"] if t["role"] == "fit"]
    with pytest.raises(ScenarioError, match="at least one must be fitted"):
        load_calibration(tiny_calibration(tmp_path, tiny_files, held_out=fitted))


def _target(direction: str, tolerance: float = 2.0, role: str = "fit", name: str = "t") -> Target:
    return Target(name=name, statistic="relapse_share", parameters={"within_years": 10}, published=10.0,
                  tolerance=tolerance, direction=direction, role=role, source="s", reason="r")


@pytest.mark.parametrize("direction, model, miss", [
    ("two_sided", 13.0, 1.5), ("two_sided", 7.0, -1.5), ("at_most", 13.0, 1.5), ("at_most", 7.0, 0.0),
    ("at_least", 13.0, 0.0), ("at_least", 7.0, -1.5),
])
def test_a_miss_is_in_tolerances_and_one_sided_targets_only_count_the_wrong_side(direction, model, miss):
    target = _target(direction)
    assert scaled_miss(target, model, 10.0) == pytest.approx(miss)
    assert (abs(scaled_miss(target, model, 10.0)) <= 1) == target.inside(model)


def test_the_distance_is_the_root_mean_square_miss_plus_a_penalty_for_a_broken_constraint():
    fitted = [_target("two_sided", 2.0, name="a"), _target("two_sided", 4.0, name="b")]
    constraint = _target("at_most", 0.0, role="constraint", name="c")
    distance = TargetDistance(fitted, [constraint])
    observed = {"a": 10.0, "b": 10.0}
    x = {"a": 13.0, "b": 2.0, "c": 10.0}  # misses 1.5 and -2: sqrt((2.25 + 4) / 2)
    assert distance(x, observed) == pytest.approx(math.sqrt(3.125))
    assert distance({**x, "c": 10.5}, observed) == pytest.approx(math.sqrt(3.125) + CONSTRAINT_PENALTY)
    assert distance({**x, "a": math.nan}, observed) == math.inf
    assert TargetDistance(fitted)({**x, "c": 99.0}, observed) == pytest.approx(math.sqrt(3.125))


def test_a_particles_population_depends_on_its_values_the_seed_and_the_stream_only():
    values = {"x.a": 0.1, "x.b": 0.2}
    assert parameter_hash(values) == parameter_hash(dict(reversed(values.items())))
    draw = particle_rng(7, values).random(4)
    assert np.array_equal(draw, particle_rng(7, dict(reversed(values.items()))).random(4))
    assert not np.array_equal(draw, particle_rng(8, values).random(4))
    assert not np.array_equal(draw, particle_rng(7, values, stream=1).random(4))
    assert not np.array_equal(draw, particle_rng(7, {"x.a": np.nextafter(0.1, 1), "x.b": 0.2}).random(4))


def test_simulating_a_particle_twice_gives_the_same_statistics(tiny_calibration_file):
    calibration = load_calibration(tiny_calibration_file)
    simulator = abc_module.ParticleSimulator(calibration)
    values = {TINY_PARAMETERS[0]: 0.02, TINY_PARAMETERS[1]: 0.01}
    first, second = simulator(values), simulator(values)
    assert first.keys() == {t.name for t in calibration.targets.targets}
    assert json.dumps(first) == json.dumps(second)
    other = abc_module.ParticleSimulator(calibration, stream=5)(values)
    assert json.dumps(other) != json.dumps(first)


def test_a_fixed_coefficient_is_held_in_every_particle_as_if_the_particle_set_it(tmp_path, tiny_files):
    """``fixed`` holds a coefficient at a value other than its default: a particle then gets exactly
    the statistics it gets with that value among its own, on the same population (the population
    is drawn from the fitted values alone), and the plan digest changes with the value, not the reason."""
    decay = "mechanisms.capacity.decay_rate"
    values = {TINY_PARAMETERS[0]: 0.05, TINY_PARAMETERS[1]: 0.01}
    plain = load_calibration(tiny_calibration(tmp_path, tiny_files))
    fixed = load_calibration(tiny_calibration(tmp_path, tiny_files, "fixed.yaml", fixed={decay: 0.001},
                                              fixed_reason="test"))
    held = abc_module.ParticleSimulator(fixed).evaluate_many([values])[0]
    population = abc_module.draw_population(plain.prior, 4, abc_module.particle_rng(11, values))
    by_hand = abc_module.populations_statistics([(*population, {**values, decay: 0.001})], plain.targets)[0]
    assert json.dumps(held) == json.dumps({name: s.value for name, s in by_hand.items()})
    assert json.dumps(held) != json.dumps(abc_module.ParticleSimulator(plain)(values))
    reworded = load_calibration(tiny_calibration(tmp_path, tiny_files, "reworded.yaml", fixed={decay: 0.001},
                                                 fixed_reason="other words"))
    moved = load_calibration(tiny_calibration(tmp_path, tiny_files, "moved.yaml", fixed={decay: 0.005},
                                              fixed_reason="test"))
    assert reworded.plan_digest() == fixed.plan_digest() != moved.plan_digest() != plain.plan_digest()


def test_the_posterior_draws_carry_the_held_values_and_a_draw_may_override_them(tmp_path, tiny_files):
    """posterior_draws.csv holds the fixed coefficients as constant columns (a sweep reading it runs
    the model that was fitted); read back, its draws give the calibration's own predictive rows;
    a draw that names a held coefficient runs with its own value (the documented-values check)."""
    decay = "mechanisms.capacity.decay_rate"
    path = tiny_calibration(tmp_path, tiny_files, fixed={decay: 0.006}, fixed_reason="test",
                            abc={"max_generations": 1})
    calibration = load_calibration(path)
    calibrate(calibration, tmp_path / "out", progress=False, command="test")
    draws = pd.read_csv(tmp_path / "out" / "posterior_draws.csv")
    assert list(draws.columns) == ["draw", *TINY_PARAMETERS, decay] and (draws[decay] == 0.006).all()
    values = read_posterior_draws(tmp_path / "out" / "posterior_draws.csv", calibration)
    again = simulate_draws(calibration, values, workers=1, address=None, progress=False)
    stored = pd.read_parquet(tmp_path / "out" / "predictive_draws.parquet")
    names = [t.name for t in calibration.targets.targets]
    assert np.array_equal(again[names].to_numpy(), stored[names].to_numpy(), equal_nan=True)
    overridden = simulate_draws(calibration, [{**values[0], decay: 0.002}], workers=1, address=None, progress=False)
    assert not np.array_equal(overridden[names].to_numpy()[0], again[names].to_numpy()[0], equal_nan=True)


def test_under_common_random_numbers_a_generation_shares_one_population_and_the_next_draws_another(
        tmp_path, tiny_files, monkeypatch):
    """Spies record the state of the generator each evaluation's population is drawn from, and
    the particle it is simulated for (one particle a call: particles_per_batch is 1)."""
    states: list[str] = []
    particles: list[dict] = []
    draw, simulate = abc_module.draw_population, abc_module.populations_statistics

    def draw_spy(prior, countries, rng):
        states.append(json.dumps(rng.bit_generator.state, sort_keys=True))
        return draw(prior, countries, rng)

    def simulate_spy(populations, targets):
        particles.extend(dict(values) for _, _, values in populations)
        return simulate(populations, targets)

    monkeypatch.setattr(abc_module, "draw_population", draw_spy)
    monkeypatch.setattr(abc_module, "populations_statistics", simulate_spy)
    path = tiny_calibration(tmp_path, tiny_files, abc={"max_generations": 3, "common_random_numbers": True})
    calibration = load_calibration(path)
    calibrate(calibration, tmp_path / "out", progress=False, command="test")
    history = abc_module.load_history(tmp_path / "out")
    counts = history.get_all_populations().query("t >= 0")["samples"].tolist()
    assert len(states) == len(particles)
    started = list(zip(particles, states))
    assert len(counts) == 3 and len(started) == sum(counts) + calibration.settings.predictive_draws
    by_generation, first = [], 0
    for count in counts:
        by_generation.append(started[first:first + count])
        first += count
    for generation, calls in enumerate(by_generation):
        assert len({values_key(values) for values, _ in calls}) > 1, "the generation tried one particle only"
        assert {state for _, state in calls} == {json.dumps(abc_module.generation_rng(11, generation).bit_generator.state,
                                                            sort_keys=True)}
    # The posterior predictive draws, last, each simulate a fresh population of their own.
    shared = {state for calls in by_generation for _, state in calls}
    predictive = [state for _, state in started[sum(counts):]]
    assert len(set(predictive)) == len(predictive) and not shared & set(predictive)


def test_equal_kernel_centres_propose_around_every_particle_alike_and_weigh_by_that_mixture():
    """Importance weights that favour one particle: the weighted kernel centres its proposals
    there, the equal one on all particles, with their unweighted covariance, and its density
    (what pyabc divides the prior by) is the equal mixture's."""
    from scipy import stats

    rng = np.random.default_rng(3)
    particles = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    weights = np.full(40, 0.1 / 39)
    weights[0] = 0.9
    equal, weighted = abc_module.perturbation_kernel(2.0, "equal"), abc_module.perturbation_kernel(2.0)
    equal.fit(particles, weights)
    weighted.fit(particles, weights)
    assert np.allclose(equal.cov, 2.0 * np.cov(particles.to_numpy().T))
    assert np.allclose(weighted.cov, 2.0 * np.cov(particles.to_numpy().T, aweights=weights))
    point = particles.iloc[5] + 0.1
    mixture = np.mean([stats.multivariate_normal(row, equal.cov).pdf(point) for row in particles.to_numpy()])
    assert equal.pdf(point) == pytest.approx(mixture, rel=1e-9)
    np.random.seed(0)  # pyabc's kernels draw from numpy's global generator (seeded by seed_pyabc in a run)
    centre, spread = particles.to_numpy().mean(axis=0), np.sqrt(np.diag(equal.cov) / 4000)
    # 4,000 proposals: the equal kernel's mean is the particles' mean within 4 standard errors;
    # the weighted kernel's is near the heavy particle, farther than that.
    assert np.all(np.abs(equal.rvs(4000).to_numpy().mean(axis=0) - centre) < 4 * spread)
    assert np.any(np.abs(weighted.rvs(4000).to_numpy().mean(axis=0) - centre) > 4 * spread)


def test_the_single_normal_kernel_proposes_from_one_normal_at_the_weighted_mean_and_weighs_by_its_density():
    """One normal at the weighted mean, ``scale`` times the weighted covariance: its density is
    that normal's, and 4,000 proposals have its mean (within 4 standard errors) and its spread
    (within 10 %), whatever the weights' sum; reseeded, it proposes the same (numpy's global
    generator, as pyabc's kernels)."""
    from scipy import stats

    rng = np.random.default_rng(4)
    particles = pd.DataFrame(rng.normal(size=(40, 3)) * [1.0, 0.01, 5.0], columns=["a", "b", "c"])
    weights = rng.uniform(0.5, 3.0, size=40)
    kernel = abc_module.perturbation_kernel(1.5, "single")
    kernel.fit(particles, weights)
    mean = np.average(particles.to_numpy(), axis=0, weights=weights)
    cov = 1.5 * np.cov(particles.to_numpy().T, aweights=weights)
    point = particles.iloc[7]
    assert kernel.pdf(point) == pytest.approx(stats.multivariate_normal(mean, cov).pdf(point.to_numpy()), rel=1e-9)
    assert np.allclose(kernel.pdf(particles.iloc[:3]), stats.multivariate_normal(mean, cov).pdf(particles.iloc[:3]))
    np.random.seed(0)
    draws = kernel.rvs(4000).to_numpy()
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4 * np.sqrt(np.diag(cov) / 4000))
    assert np.allclose(draws.std(axis=0), np.sqrt(np.diag(cov)), rtol=0.1)
    np.random.seed(0)
    assert np.array_equal(kernel.rvs(5).to_numpy(), draws[:5])


def test_a_tiny_calibration_runs_with_the_single_normal_kernel(tmp_path, tiny_files):
    """Generations after the prior sample are proposed from the single normal, and their weights
    are the prior over its density, normalised."""
    path = tiny_calibration(tmp_path, tiny_files, abc={"kernel_centres": "single", "kernel_scale": 1.0})
    calibration = load_calibration(path)
    calibrate(calibration, tmp_path / "out", progress=False, command="test")
    history = abc_module.load_history(tmp_path / "out")
    assert history.max_t == 1
    previous, previous_weights = history.get_distribution(m=0, t=0)
    particles, weights = history.get_distribution(m=0, t=1)
    kernel = abc_module.perturbation_kernel(1.0, "single")
    kernel.fit(previous, previous_weights)
    expected = 1.0 / kernel.pdf(particles[previous.columns])  # uniform prior: the same density everywhere
    assert np.allclose(weights, expected / expected.sum())


def values_key(values: dict) -> tuple:
    return tuple(sorted(values.items()))


def test_weighted_quantiles_follow_the_weights_whatever_their_sum():
    assert weighted_quantile([3, 1, 2], [1, 1, 1], 0.5) == 2
    assert weighted_quantile([1, 2, 3], [0.1, 0.1, 0.8], 0.5) > 2.5
    assert weighted_quantile([1, 2, 3], [0.8, 0.1, 0.1], 0.5) < 1.5
    assert weighted_quantile([1, 2, 3], [6, 2, 2], 0.5) == weighted_quantile([1, 2, 3], [0.6, 0.2, 0.2], 0.5)
    assert weighted_quantile([1, 2, 3], [1, 1, 1], 0.05) <= weighted_quantile([1, 2, 3], [1, 1, 1], 0.95)


OUTPUTS = ["posterior.parquet", "diagnostics.csv", "calibration.md", "posterior_marginals.png",
           "posterior_marginals.svg", "posterior_pairs.png", "posterior_pairs.svg", "posterior_predictive.csv",
           "posterior_predictive.md", "posterior_draws.csv", "summary.json", "history.db"]


GENERATIONS = 3


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory, tiny_files):
    """The tiny calibration run straight through (3 generations, one worker)."""
    folder = tmp_path_factory.mktemp("straight")
    path = tiny_calibration(folder, tiny_files, abc={"max_generations": GENERATIONS})
    record = calibrate(load_calibration(path), folder / "out", progress=False, command="test")
    return path, folder / "out", record


def test_a_tiny_calibration_writes_every_output(straight_run):
    path, out, record = straight_run
    for name in OUTPUTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == [*TINY_PARAMETERS, "weight", "generation"]
    assert sorted(posterior["generation"].unique()) == list(range(GENERATIONS))
    for _, generation in posterior.groupby("generation"):
        assert len(generation) == 4 and generation["weight"].sum() == pytest.approx(1.0)
    diagnostics = pd.read_csv(out / "diagnostics.csv")
    assert list(diagnostics["generation"]) == list(range(GENERATIONS))
    assert math.isinf(diagnostics["epsilon"][0]) and np.isfinite(diagnostics["epsilon"][1:]).all()
    # the schedule: epsilon of generation t is the weighted median of generation t - 1's distances
    from sim.calibration.abc import load_history
    history = load_history(out)
    for t in range(1, GENERATIONS):
        previous = history.get_weighted_distances(t=t - 1)
        assert diagnostics["epsilon"][t] == weighted_quantile(previous["distance"], previous["w"], 0.5)
        assert diagnostics["epsilon"][t] < diagnostics["epsilon"][t - 1]
    assert (diagnostics["acceptance_rate"] == diagnostics["accepted"] / diagnostics["evaluations"]).all()
    assert ((diagnostics["effective_sample_size"] >= 1) & (diagnostics["effective_sample_size"] <= 4 + 1e-9)).all()
    assert record["evaluations"] == diagnostics["evaluations"].sum()
    predictive = pd.read_csv(out / "posterior_predictive.csv")
    calibration = load_calibration(path)
    assert set(predictive["target"]) == {t.name for t in calibration.targets.targets}
    assert set(predictive.loc[predictive["role"] == "held out", "target"]) == {t.name for t in calibration.held_out}
    finite = predictive.dropna(subset=["model_median"])
    assert ((finite["model_q05"] <= finite["model_median"]) & (finite["model_median"] <= finite["model_q95"])).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 11 and summary["sha256"] == calibration.hashes and summary["git_commit"]
    assert summary["versions_extra"]["pyabc"].startswith("0.13")
    # Every accepted particle of generation 1 lies within that generation's epsilon (recomputed here).
    from sim.calibration.abc import published_values
    distance = TargetDistance(calibration.fitted, calibration.constraints)
    _, statistics = history.get_weighted_sum_stats_for_model(m=0, t=1)
    assert all(distance(s, published_values(calibration)) <= diagnostics["epsilon"][1] + 1e-12 for s in statistics)


def test_an_interrupted_calibration_resumes_without_repeating_a_finished_generation(straight_run, tmp_path,
                                                                                    monkeypatch):
    """Interrupt the tiny calibration two evaluations into generation 1 (as a kill would: no
    generation 1 in the history, no stop marker), resume it, and check that generation 0 is kept
    as it was, only generations 1 and 2 and the predictive draws are evaluated, and the result
    (particles, weights and every generation's epsilon) equals the run straight through (one
    worker: reproducible)."""
    path, straight, _ = straight_run
    calibration = load_calibration(path)
    out = tmp_path / "out"
    calls = {"count": 0}
    original = abc_module.populations_statistics

    def interrupting(populations, targets):
        calls["count"] += len(populations)
        if calls["count"] == 4 + 2 + 1:  # generation 0 is 4 evaluations
            raise KeyboardInterrupt
        return original(populations, targets)

    monkeypatch.setattr(abc_module, "populations_statistics", interrupting)
    with pytest.raises(KeyboardInterrupt):
        calibrate(calibration, out, progress=False, command="test")
    assert not (out / abc_module.STOPPED_FILE).exists()
    history = abc_module.load_history(out)
    assert history.max_t == 0
    generation_zero = history.get_distribution(m=0, t=0)

    calls["count"] = -10**9  # no more interruptions; count what the resume evaluates
    record = calibrate(calibration, out, resume=True, progress=False, command="test")
    evaluated = calls["count"] + 10**9
    diagnostics = pd.read_csv(out / "diagnostics.csv")
    assert evaluated == diagnostics["evaluations"][1:].sum() + calibration.settings.predictive_draws
    resumed = abc_module.load_history(out)
    pd.testing.assert_frame_equal(resumed.get_distribution(m=0, t=0)[0], generation_zero[0])
    assert record["generations"] == GENERATIONS
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"),
                                  pd.read_parquet(straight / "posterior.parquet"))
    pd.testing.assert_frame_equal(diagnostics.drop(columns="wall_seconds"),
                                  pd.read_csv(straight / "diagnostics.csv").drop(columns="wall_seconds"))

    calls["count"] = 0  # a finished calibration resumed: nothing is evaluated again
    calibrate(calibration, out, resume=True, progress=False, command="test")
    assert calls["count"] == 0


def test_a_stopped_calibration_given_more_budget_resumes_to_the_longer_run(straight_run, tmp_path, tiny_files):
    """Stop the tiny calibration after 2 generations, raise max_generations to 3 (and reword its
    reason: prose is not part of the plan) and resume: only generation 2 and the predictive draws
    are evaluated, and the result equals the 3-generation run straight through. Resumed again
    under the same rules, it runs nothing; a change of plan (the population size, a prior range
    in the schema) is refused, one of speed (particles_per_batch) is not."""
    path, straight, _ = straight_run
    short = tiny_calibration(tmp_path, tiny_files,
                             abc={"max_generations": GENERATIONS - 1})
    out = tmp_path / "out"
    first = calibrate(load_calibration(short), out, progress=False, command="test")
    assert first["generations"] == GENERATIONS - 1 and "max_generations" in first["stop_reason"]
    longer = tiny_calibration(tmp_path, tiny_files, name="longer.yaml",
                              abc={"max_generations": GENERATIONS, "reason": "one more generation"})
    check_resumable(out, load_calibration(longer))
    record = calibrate(load_calibration(longer), out, resume=True, progress=False, command="test")
    assert record["generations"] == GENERATIONS
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"),
                                  pd.read_parquet(straight / "posterior.parquet"))
    pd.testing.assert_frame_equal(pd.read_csv(out / "diagnostics.csv").drop(columns="wall_seconds"),
                                  pd.read_csv(straight / "diagnostics.csv").drop(columns="wall_seconds"))
    evaluations = abc_module.load_history(out).total_nr_simulations
    again = abc_module.run_abc(load_calibration(longer), out, resume=True, progress=False)
    assert again.evaluations_now == 0 and abc_module.load_history(out).total_nr_simulations == evaluations
    with pytest.raises(CalibrationFolderError, match="different files"):
        check_resumable(out, load_calibration(tiny_calibration(tmp_path, tiny_files, name="other.yaml",
                                                               abc={"max_generations": GENERATIONS,
                                                                    "population_size": 5})))
    faster = load_calibration(tiny_calibration(tmp_path, tiny_files, name="faster.yaml",
                                               abc={"max_generations": GENERATIONS, "particles_per_batch": 2}))
    check_resumable(out, faster)  # how fast it runs is not part of the plan
    schema_priors = parameter_priors()
    with pytest.MonkeyPatch.context() as patch:  # a prior range edited in sim/scenario.py since
        patch.setattr(abc_module, "parameter_priors", lambda: [
            prior._replace(high=prior.high / 2) if prior.path == TINY_PARAMETERS[0] else prior
            for prior in schema_priors])
        with pytest.raises(CalibrationFolderError, match="priors changed since"):
            check_resumable(out, load_calibration(longer))


@pytest.mark.parametrize("budget, reason", [
    (6, "budget: 2 evaluations left of max_evaluations, fewer than a generation needs"),
    # 4 left after generation 0, as many as a generation accepts: generation 1 is tried and
    # abandoned when it needs more, i.e. unless every particle is accepted (it is not skipped on a
    # forecast from the last acceptance rate, which overestimates)
    (8, "budget: generation 1 would have needed more than the 4 evaluations left of max_evaluations; abandoned"),
])
def test_a_budget_too_small_for_the_next_generation_stops_the_run(tmp_path, tiny_files, budget, reason):
    path = tiny_calibration(tmp_path, tiny_files, abc={"max_evaluations": budget, "max_generations": 5})
    record = calibrate(load_calibration(path), tmp_path / "out", progress=False, command="test")
    assert record["evaluations"] == 4 and record["generations"] == 1 and record["stop_reason"].startswith(reason)


def test_the_dry_run_times_evaluations_and_keeps_to_the_budget(tiny_calibration_file):
    calibration = load_calibration(tiny_calibration_file)
    cost = forecast(calibration, workers=2, timings=2)
    assert len(cost.timed) == 2 and cost.seconds_per_evaluation > 0
    assert cost.evaluations == 4 + 8 and cost.generations == 2  # 4, then 4 / 0.5
    assert cost.wall_seconds == pytest.approx((12 + 3) * cost.seconds_per_evaluation / 2)
    small = dataclasses.replace(calibration, settings=calibration.settings.model_copy(
        update={"abc": calibration.settings.abc.model_copy(update={"max_evaluations": 10})}))
    assert forecast(small, workers=1, timings=1).evaluations == 4
    batched = dataclasses.replace(calibration, settings=calibration.settings.model_copy(
        update={"abc": calibration.settings.abc.model_copy(update={"particles_per_batch": 2})}))
    cost = forecast(batched, workers=1, timings=1)
    assert cost.particles_per_call == 2 and cost.seconds_per_evaluation == cost.timed[0] / 2


def test_the_posterior_draws_are_last_generation_particles_a_sweep_can_read(straight_run, tmp_path):
    path, out, _ = straight_run
    draws = pd.read_csv(out / "posterior_draws.csv")
    assert list(draws.columns) == ["draw", *TINY_PARAMETERS] and list(draws["draw"]) == [0, 1, 2]
    posterior = pd.read_parquet(out / "posterior.parquet")
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    particles = {tuple(row) for row in last[TINY_PARAMETERS].to_numpy()}
    assert all(tuple(row) in particles for row in draws[TINY_PARAMETERS].to_numpy())  # exact, not rounded
    from sim.experiment_file import load_experiment
    experiment = tmp_path / "uses_posterior.yaml"
    experiment.write_text(f"name: uses_posterior\nscenarios: [baseline]\nstrategies: [adaptive]\nreplications: 3\n"
                          f"master_seed: 1\nparameters: {{posterior: {out / 'posterior_draws.csv'}}}\n", encoding="utf-8")
    _, library = load_experiment(experiment)
    assert [list(draw) for draw in library.posterior.values] == draws[TINY_PARAMETERS].values.tolist()

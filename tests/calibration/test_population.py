"""The population prior: its schema's errors, reproducible draws inside the prior, shared layouts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.batching import layout_key
from sim.calibration.population import PopulationPrior, draw_countries, expand_path, load_population_prior
from sim.fields import ScenarioError
from sim.scenario import ACTOR_TYPES, Scenario, load_scenario, load_scenario_data

SHIPPED_PRIOR = Path(__file__).resolve().parents[2] / "experiments" / "calibration" / "population.yaml"


@pytest.fixture(scope="module")
def prior() -> PopulationPrior:
    return load_population_prior(SHIPPED_PRIOR)


@pytest.fixture(scope="module")
def countries(prior: PopulationPrior) -> list[Scenario]:
    return draw_countries(prior, 300, np.random.default_rng(11))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "population.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _raw() -> dict:
    return yaml.safe_load(SHIPPED_PRIOR.read_text(encoding="utf-8"))


def _edit(change) -> dict:
    data = _raw()
    change(data)
    return data


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.update(horizon_yaers=60), "unknown field 'horizon_yaers'"),
    (lambda d: d["bases"]["baseline"].update(share=0.5), "bases: shares must add up to 1"),
    (lambda d: d["bases"]["baseline"]["strategies"].update(status_quo=0.7), "bases.baseline.strategies"),
    (lambda d: d["bases"]["baseline"].update(strategies={"no_such_strategy": 1.0}),
     "bases.baseline.strategies.no_such_strategy"),
    (lambda d: d["bases"]["baseline"].update(scenario="no_such_scenario"), "bases.baseline.scenario"),
    (lambda d: d["initial_conditions"][0].update(low=0.8), "initial_conditions.0.low"),
    (lambda d: d["initial_conditions"][0].pop("peak"), "initial_conditions.0.peak"),
    (lambda d: d["initial_conditions"][1].update(paths=["actors.ministry.no_such_block.capacity"]),
     "initial_conditions.1.paths.0"),
    (lambda d: d["initial_conditions"][1].update(paths=["actors.donor.members.no_such_donor.budget"]),
     "initial_conditions.1.paths.0"),
    (lambda d: d["initial_conditions"][2].update(paths=["actors.ministry.corruptoin"]),
     "initial_conditions.2.paths.0 = 'actors.ministry.corruptoin': the base 'baseline' sets no value there"),
    (lambda d: d["initial_conditions"][1].update(paths=["actors.ministry.absorptive_capactiy"]),
     "did you mean 'absorptive_capacity'"),
    (lambda d: d["initial_conditions"][3].update(high=1.5), "initial_conditions.3 (political_will): at 1.5"),
    (lambda d: d["initial_conditions"][5].update(bases=["atlantis"]), "initial_conditions.5.bases"),
    (lambda d: d["initial_conditions"][1].update(reason=""), "initial_conditions.1.reason"),
])
def test_schema_errors_name_the_file_and_field(tmp_path, change, expected):
    path = _write(tmp_path, _edit(change))
    with pytest.raises(ScenarioError) as error:
        load_population_prior(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_a_peacekeeping_path_that_only_one_base_has_must_be_restricted_to_it(tmp_path):
    """The un_mission member exists only in post_conflict: without ``bases`` the path fails on baseline."""
    data = _raw()
    position = next(i for i, c in enumerate(data["initial_conditions"]) if c["name"] == "peacekeeping")
    del data["initial_conditions"][position]["bases"]
    with pytest.raises(ScenarioError, match=rf"initial_conditions\.{position}\.paths\.0 .*base 'baseline'"):
        load_population_prior(_write(tmp_path, data))


def test_draws_are_reproducible_from_a_seed(prior):
    def hashes(seed: int) -> list[str]:
        return [country.content_hash() for country in draw_countries(prior, 25, np.random.default_rng(seed))]

    assert hashes(5) == hashes(5)
    assert hashes(5) != hashes(6)


def _value(scenario: Scenario, concrete: str) -> float | None:
    node = scenario.model_dump()
    for key in concrete.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _base_of(country: Scenario) -> str:
    """The base a shipped-prior country was drawn from (the two bases differ in post_conflict)."""
    return "post_conflict" if country.context.post_conflict else "baseline"


def test_draws_stay_inside_the_prior(prior, countries):
    """Every drawn value of a ``set`` condition lies in [low, high]; every ``scale`` condition's
    value divided by the base's lies in [low, high] and is one factor for all its paths."""
    bases = {name: (load_scenario(base.scenario), load_scenario_data(base.scenario))
             for name, base in prior.bases.items()}
    checked = 0
    for country in countries:
        base_name = _base_of(country)
        base, base_data = bases[base_name]
        for condition in prior.initial_conditions:
            if not prior.applies(condition, base_name):
                continue
            values = []
            for dotted in condition.paths:
                for concrete in expand_path(base_data, dotted):
                    drawn = _value(country, concrete)
                    if condition.mode == "set":
                        values.append(drawn)
                    elif _value(base, concrete):
                        values.append(drawn / _value(base, concrete))
            assert values, condition.name
            assert max(values) - min(values) < 1e-9, f"{condition.name}: one draw a country"
            assert condition.low - 1e-9 <= values[0] <= condition.high + 1e-9, (country.name, condition.name)
            checked += 1
    assert checked > 10 * len(countries)


def test_shares_of_bases_and_strategies_follow_the_prior(prior, countries):
    """Shares over 300 countries within 4 binomial standard errors of the prior's."""
    n = len(countries)
    post = np.mean([c.context.post_conflict for c in countries])
    share = prior.bases["post_conflict"].share
    assert abs(post - share) < 4 * math.sqrt(share * (1 - share) / n)
    baseline = [c for c in countries if not c.context.post_conflict]
    status_quo = np.mean([c.strategy.name == "status_quo" for c in baseline])
    expected = prior.bases["baseline"].strategies["status_quo"]
    assert abs(status_quo - expected) < 4 * math.sqrt(expected * (1 - expected) / len(baseline))


def _layout(scenario: Scenario) -> tuple:
    """What a batch needs to be equal across its replications: actors, members, pillars, network."""
    actors = tuple((kind, tuple((m.name, m.count) for m in getattr(scenario.actors, kind).members))
                   for kind in ACTOR_TYPES)
    pillars = tuple((p.name, p.lead, p.pace) for p in scenario.pillars)
    return actors, pillars, scenario.network.model_dump_json(), scenario.context.post_conflict


def test_drawn_countries_share_their_base_scenarios_layout(prior, countries):
    bases = {name: load_scenario(base.scenario) for name, base in prior.bases.items()}
    for country in countries:
        base = bases[_base_of(country)]
        assert country.name.startswith(_base_of(country))
        assert _layout(country) == _layout(base), country.name
        assert country.strategy.name in prior.bases[_base_of(country)].strategies
        assert country.horizon_years == prior.horizon_years
        assert country.mechanisms == base.mechanisms


def test_countries_of_one_base_and_strategy_can_share_a_batch(countries):
    """The batch engine's own test of a shared layout (sim.batching.layout_key): one key per
    base x strategy, however the drawn values differ."""
    keys: dict[tuple[bool, str], set[str]] = {}
    for country in countries:
        keys.setdefault((country.context.post_conflict, country.strategy.name), set()).add(layout_key(country))
    assert len(keys) > 5
    assert all(len(group) == 1 for group in keys.values())


def test_the_pace_table_counts_countries_that_reached_a_threshold_from_far_below(tiny_files):
    """sim.calibration.pace: counts per 102 never fall as the years grow, never exceed the share
    that started far below, and the status quo (no reform effort) reaches no threshold."""
    from sim.calibration.pace import reach_table, simulate

    prior = load_population_prior(tiny_files[0])
    table = reach_table(*simulate(prior, 16, seed=4), years=(3, 6, 12))
    counts = table[["by_3_years_per_102", "by_6_years_per_102", "by_12_years_per_102"]].to_numpy()
    assert (np.diff(counts, axis=1) >= 0).all()
    assert (counts[:, -1] <= 102 * table["start_far_below"].to_numpy() + 1e-9).all()
    assert (table["reached_share_status_quo"] == 0).all()
    faster = reach_table(*simulate(prior, 16, seed=4, values={"mechanisms.capacity.de_facto_rate": 0.04}), years=(12,))
    assert list(faster["indicator"]) == list(table["indicator"])


def test_the_pace_command_prints_every_target_on_the_same_runs(capsys):
    """python -m sim.calibration.pace --targets: the reach table, then every calibration target
    (published against model) and how many fitted ones are inside their tolerance."""
    from sim.calibration.pace import main
    from sim.calibration.targets import load_targets

    assert main(["--countries", "102", "--targets"]) == 0
    printed = capsys.readouterr().out
    targets = load_targets()
    assert all(target.name in printed for target in targets.targets)
    fitted = sum(target.role == "fit" for target in targets.targets)
    assert f"of {fitted}" in printed.splitlines()[-1]

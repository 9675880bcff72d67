"""The measured difficulty of each shipped scenario and the workshop's default scenario."""

from __future__ import annotations

import pytest

from sim.app.difficulty import (DEFAULT_WORKSHOP_SCENARIO, DIFFICULTY_WORDS, SUCCESS_RATES, difficulty,
                                measure_success_rates, reform_rates, where_choices_matter_most)
from sim.app.setup import SHIPPED_SCENARIOS, SHIPPED_STRATEGIES

STALE = "stored success rates are stale: run python -m sim.app.difficulty and paste its table into sim/app/difficulty.py"


def test_the_table_covers_every_shipped_scenario_and_strategy():
    assert set(SUCCESS_RATES) == set(SHIPPED_SCENARIOS)
    assert all(set(rates) == set(SHIPPED_STRATEGIES) for rates in SUCCESS_RATES.values())


def test_the_default_scenarios_stored_rates_are_what_the_model_gives_now():
    """The row that chose the default, measured again (600 runs); the whole table is the slow test below."""
    assert measure_success_rates([DEFAULT_WORKSHOP_SCENARIO]) == {
        DEFAULT_WORKSHOP_SCENARIO: SUCCESS_RATES[DEFAULT_WORKSHOP_SCENARIO]}, STALE


@pytest.mark.slow
def test_every_stored_rate_is_what_the_model_gives_now():
    assert measure_success_rates() == SUCCESS_RATES, STALE   # k/100 exactly, as printed


def test_the_default_is_where_strategies_differ_most_and_some_succeed():
    def spread(scenario):
        rates = reform_rates(SUCCESS_RATES[scenario])
        return max(rates) - min(rates)

    assert all(spread(DEFAULT_WORKSHOP_SCENARIO) >= spread(other) for other in SUCCESS_RATES)
    assert max(reform_rates(SUCCESS_RATES[DEFAULT_WORKSHOP_SCENARIO])) > SUCCESS_RATES[DEFAULT_WORKSHOP_SCENARIO][
        "status_quo"]
    made_up = {"flat": {"a": 0.5, "b": 0.5, "status_quo": 0.0}, "split": {"a": 0.1, "b": 0.4, "status_quo": 0.0}}
    assert where_choices_matter_most(made_up) == "split"


def test_difficulty_names_the_best_strategys_rate_and_the_range():
    made_up = {name: {"a": low, "b": high, "status_quo": 0.0}
               for name, (low, high) in {"none": (0.0, 0.0), "few": (0.15, 0.25), "most": (0.6, 0.8),
                                         "all": (0.94, 0.99)}.items()}
    assert [difficulty(name, made_up) for name in made_up] == [
        "very hard (0 %)", "hard (15–25 %)", "moderate (60–80 %)", "easy (94–99 %)"]
    assert difficulty("my_own_file", made_up) is None


def test_shipped_labels_grow_easier_with_the_best_strategys_rate():
    words = [word for _, word in DIFFICULTY_WORDS]
    by_rate = sorted(SHIPPED_SCENARIOS, key=lambda name: max(reform_rates(SUCCESS_RATES[name])))
    ranks = [words.index(difficulty(name).split(" (")[0]) for name in by_rate]
    assert ranks == sorted(ranks)

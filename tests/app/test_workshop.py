"""Workshop turns, the decision log and the final comparison."""

from __future__ import annotations

import csv
import io

import pytest

from sim import ReformModel
from sim.app.setup import SHIPPED_STRATEGIES, load_base_scenario
from sim.app.workshop import Choice, Workshop, comparison_runs, goal_text, ordinal, outcome, team_scenario


@pytest.fixture(scope="module")
def short_scenario():
    return load_base_scenario("baseline").model_copy(update={"horizon_years": 6})


def test_turns_advance_to_decision_points_and_the_last_runs_to_the_horizon(short_scenario):
    game = Workshop(short_scenario, seed=2, turns=3, comparison_seeds=2)
    game.play_turn([Choice("fund_pillar", "justice"), Choice("back_civil_society")])
    assert game.model.month == 12 and game.turn == 2
    game.play_turn([Choice("tighten_conditionality")])
    game.play_turn([Choice("hold_elections")])
    assert game.finished and game.model.month == short_scenario.steps
    with pytest.raises(ValueError, match="over"):
        game.play_turn([Choice("train_army")])


def test_the_team_starts_with_no_programme(short_scenario):
    model = ReformModel(team_scenario(short_scenario), rng=1)
    assert model.effort.sum() == 0 and len(model.strategy.phases) == 1


@pytest.mark.parametrize("choices, message", [
    ([], "one or two"),
    ([Choice("train_army")] * 3, "one or two"),
    ([Choice("fund_pillar")], "choose one of"),
    ([Choice("coopt_spoiler", "nobody")], "choose one of"),
    ([Choice("nonsense")], "unknown intervention"),
])
def test_bad_picks_are_refused_with_a_message(short_scenario, choices, message):
    game = Workshop(short_scenario, seed=2, turns=2)
    with pytest.raises(ValueError, match=message):
        game.play_turn(choices)
    assert game.turn == 1 and game.model.month == 0


def test_choices_that_would_change_nothing_are_refused_with_the_reason(short_scenario):
    game = Workshop(short_scenario, seed=2, turns=5)
    game.play_turn([Choice("fund_pillar", "justice"), Choice("fund_pillar", "justice")])   # 0 -> 0.5 -> 1.0
    assert game.model.effort[game.model.state.pillar_names.index("justice")] == 1.0
    refused = [  # (choices, what the message must say)
        ([Choice("fund_pillar", "justice")],
         r"refused: Fund a pillar: justice would change nothing \(effort on justice 1.0 -> 1.0\)"),
        ([Choice("fund_pillar", "policing"), Choice("scale_back_pillar", "policing")],
         "refused: Fund a pillar: policing and Scale back a pillar: policing cancel each other out"),
        ([Choice("hold_elections"), Choice("hold_elections")],
         "refused: Hold elections would change nothing after the first choice"),
    ]
    for choices, message in refused:
        with pytest.raises(ValueError, match=message):
            game.play_turn(choices)
    assert game.turn == 2 and game.model.month == 12 and len(game.decisions) == 2   # nothing was played
    game.play_turn([Choice("scale_back_pillar", "justice"), Choice("fund_pillar", "policing")])
    assert game.turn == 3


def test_decision_log_csv_has_one_row_per_intervention_with_team_scenario_and_seed(short_scenario):
    game = Workshop(short_scenario, seed=2, turns=2, team="Blue")
    game.play_turn([Choice("fund_pillar", "policing"), Choice("train_army")])
    game.play_turn([Choice("deploy_peacekeepers")])
    rows = list(csv.DictReader(io.StringIO(game.decision_log_csv())))
    assert [(r["turn"], r["intervention"], r["target"]) for r in rows] == [
        ("1", "Fund a pillar", "policing"), ("1", "Train the army", ""), ("2", "Deploy peacekeepers", "")]
    assert {(r["team"], r["scenario"], r["seed"]) for r in rows} == {("Blue", short_scenario.name, "2")}
    assert float(rows[2]["year"]) == 1.0 and "reform_index_when_chosen" in rows[0]


def test_decision_log_file_is_named_by_team_and_start_time(short_scenario):
    blue, red = Workshop(short_scenario, seed=2, team="Blue / table 3"), Workshop(short_scenario, seed=2, team="Red")
    assert blue.decision_log_filename() == f"decision_log_Blue-table-3_{blue.started:%Y-%m-%d_%H%M}.csv"
    assert red.decision_log_filename() != blue.decision_log_filename()
    with pytest.raises(ValueError, match="name"):
        Workshop(short_scenario, seed=2, team="  ")


def test_the_goal_states_the_scenarios_own_success_rule(short_scenario):
    strict = short_scenario.model_copy(update={"outcomes": short_scenario.outcomes.model_copy(
        update={"threshold": 0.7, "success_sustain_years": 2.0})})
    goal = goal_text(strict)
    assert "at or above 0.7" in goal and "final 2 years" in goal and "every donor gone" in goal
    assert f"ends in year {strict.horizon_years}" in goal and f"years {strict.horizon_years - 2}–" in goal


def test_outcome_sets_the_team_against_every_strategy_on_the_same_seeds(short_scenario):
    game = Workshop(short_scenario, seed=4, turns=2, comparison_seeds=2)
    game.play_turn([Choice("fund_pillar", "integrity")])
    game.play_turn([Choice("fund_pillar", "oversight")])
    runs = comparison_runs(short_scenario, game.seeds)
    assert len(runs) == 2 * len(SHIPPED_STRATEGIES) and set(runs["seed"]) == {4, 5}
    assert comparison_runs(short_scenario, game.seeds) is not runs  # a copy of the cached frame
    result = outcome(game, runs)
    team = result.values["final_mean_de_facto"]
    assert team == game.model.summary()["final_mean_de_facto"]
    others = runs["final_mean_de_facto"]
    expected = 100 * ((others < team).sum() + 0.5 * (others == team).sum()) / len(others)  # ties count half
    assert result.percentiles["final_mean_de_facto"] == pytest.approx(expected)
    assert f"{ordinal(round(expected))} percentile of de facto progress" in result.headline()


def test_the_comparison_runs_are_those_of_the_mesa_model(short_scenario):
    """The one batch of every strategy gives the workshop's comparison the numbers of one ReformModel per
    strategy and seed."""
    runs = comparison_runs(short_scenario, (7,))
    for name in SHIPPED_STRATEGIES:
        row = runs[runs["strategy"] == name].iloc[0]
        alone = ReformModel(short_scenario, strategy=name, rng=7).run().summary()
        assert row["final_mean_de_facto"] == alone["final_mean_de_facto"], name
        assert row["final_reform_index"] == alone["final_reform_index"], name
        assert row["reform_success"] == alone["reform_success"], name


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 72, 100)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "72nd", "100th"]

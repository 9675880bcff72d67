"""Building runs from the app's pickers and lever sliders."""

from __future__ import annotations

import inspect

import pytest

from sim import ScenarioError
from sim.app.setup import SCENARIO_LEVERS, AppModel, apply_levers, lever_value, load_base_scenario
from sim.app.sources import Upload


@pytest.fixture(scope="module")
def post_conflict():
    return load_base_scenario("post_conflict")


def test_levers_start_at_the_scenario_and_untouched_levers_keep_its_identity(post_conflict):
    assert lever_value(post_conflict, SCENARIO_LEVERS[0]) == pytest.approx(0.4)
    same = apply_levers(post_conflict, {lever.key: lever_value(post_conflict, lever) for lever in SCENARIO_LEVERS})
    assert same.content_hash() == post_conflict.content_hash()


def test_a_lever_shifts_every_member_and_keeps_their_differences(post_conflict):
    moved = apply_levers(post_conflict, {"donor_conditionality": lever_value(post_conflict, SCENARIO_LEVERS[3]) + 0.1})
    before = [m.conditionality if m.conditionality is not None else post_conflict.actors.donor.conditionality
              for m in post_conflict.actors.donor.members]
    after = [m.conditionality for m in moved.actors.donor.members]
    assert after == pytest.approx([b + 0.1 for b in before])


def test_peacekeeping_moves_the_total_through_the_main_contributor(post_conflict):
    lever = next(lever for lever in SCENARIO_LEVERS if lever.key == "peacekeeping")
    moved = apply_levers(post_conflict, {"peacekeeping": 0.9})
    assert lever_value(moved, lever) == pytest.approx(0.9)
    assert [m.name for m in moved.actors.donor.members if (m.peacekeeping or 0) > 0] == ["un_mission"]


def test_levers_do_not_apply_to_missing_actors(post_conflict):
    data = post_conflict.model_copy(update={"actors": post_conflict.actors.model_copy(
        update={"spoiler": post_conflict.actors.spoiler.model_copy(update={"members": []})})})
    lever = next(lever for lever in SCENARIO_LEVERS if lever.key == "spoiler_strength")
    assert lever_value(data, lever) is None


def test_app_model_takes_each_lever_as_a_keyword_and_no_scenario_parameter(post_conflict):
    parameters = inspect.signature(AppModel.__init__).parameters
    assert {lever.key for lever in SCENARIO_LEVERS} | {"self", "base_scenario", "rng"} == set(parameters)
    model = AppModel(post_conflict, political_will=0.8, rng=3)
    assert model.lever_settings["political_will"] == 0.8 and model.base_scenario is post_conflict
    assert model.reform_scenario.actors.ministry.members[0].political_will == pytest.approx(0.8)
    assert model.seed == 3


@pytest.mark.parametrize("scenario, strategy, message", [
    ("scenarios/nope.yaml", "", "is not an allowed scenario"),
    ("", "", "choose a scenario"),
    ("baseline", "no_such_strategy", "is not an allowed strategy"),
])
def test_bad_picks_raise_scenario_errors_with_the_reason(scenario, strategy, message):
    with pytest.raises(ScenarioError, match=message):
        load_base_scenario(scenario, strategy)


def test_an_invalid_uploaded_scenario_names_the_field():
    upload = Upload("bad.yaml", b"extends: baseline.yaml\nname: bad\nactors:\n  ministry:\n    political_will: 2.0\n")
    with pytest.raises(ScenarioError, match="upload 'bad.yaml': actors.ministry.political_will = 2.0"):
        load_base_scenario(upload)

"""Scenario files: loading, `extends`, overrides and the quality of error messages."""

from __future__ import annotations

import numpy as np
import pytest

from sim import ScenarioError, load_scenario
from sim.scenario import MinistryBlock, SCENARIO_DIR, load_scenario_data, masked_fields, set_dotted
from sim.state import build_state

from .conftest import SHIPPED_SCENARIOS, write


def child(tmp_path, body: str):
    """A scenario file extending the shipped baseline with ``body``."""
    return write(tmp_path, "x.yaml", f"extends: {SCENARIO_DIR / 'baseline.yaml'}\nname: x\n{body}")


@pytest.mark.parametrize("name", SHIPPED_SCENARIOS)
def test_shipped_scenarios_validate(name):
    scenario = load_scenario(SCENARIO_DIR / f"{name}.yaml")
    assert scenario.name == name


def test_shipped_set_covers_the_issue():
    assert {"baseline", "post_conflict", "captured_state", "donor_surge", "reforming_state"} <= set(SHIPPED_SCENARIOS)


def test_bare_name_finds_shipped_scenario():
    assert load_scenario("baseline").name == "baseline"


def test_extends_merges_mappings_and_keeps_parent_values(tmp_path):
    path = write(tmp_path, "child.yaml", f"""
extends: {SCENARIO_DIR / 'baseline.yaml'}
name: child
actors:
  ministry:
    political_will: 0.9
""")
    child, parent = load_scenario(path), load_scenario("baseline")
    assert child.actors.ministry.political_will == 0.9
    assert child.actors.ministry.capacity == parent.actors.ministry.capacity
    assert [m.name for m in child.actors.ministry.members] == [m.name for m in parent.actors.ministry.members]


def test_post_conflict_extends_baseline_and_adds_ddr():
    scenario = load_scenario("post_conflict")
    assert scenario.context.post_conflict
    assert "ddr" in [p.name for p in scenario.pillars]
    assert any(m.peacekeeping for m in scenario.actors.donor.members)


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_typo_gets_did_you_mean_with_file_and_path(tmp_path):
    path = child(tmp_path, "actors:\n  ministry:\n    corruptoin: 0.5\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value) == f"unknown field 'corruptoin' in {path} at actors.ministry — did you mean 'corruption'?"


def test_out_of_range_names_field_value_and_range(tmp_path):
    path = child(tmp_path, "actors:\n  ministry:\n    political_will: 1.7\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert str(path) in message and "actors.ministry.political_will" in message
    assert "1.7" in message and "[0.0, 1.0]" in message


def test_out_of_range_in_member_override_names_range(tmp_path):
    path = child(tmp_path, "actors:\n  donor:\n    members:\n      - {name: d, budget: -1.0}\n")
    with pytest.raises(ScenarioError, match=r"actors\.donor\.members\.0\.budget = -1\.0 is out of range"):
        load_scenario(path)


def test_malformed_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "bad.yaml", "name: x\nactors:\n  ministry: [unclosed\n  parliament: {}\n")
    with pytest.raises(ScenarioError, match=rf"{path}: line \d+, column \d+: malformed YAML"):
        load_scenario(path)


@pytest.mark.parametrize("text, expected", [
    ("", "file is empty"),
    ("- a\n- b\n", "must be a mapping"),
    ("name: x\n", "actors is required but missing"),
])
def test_structural_problems(tmp_path, text, expected):
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(write(tmp_path, "s.yaml", text))


def test_missing_file():
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario("no/such/file.yaml")


@pytest.mark.parametrize("body, message", [
    ("actors:\n  ministry:\n    capacity: 'high'\n",
     r"actors\.ministry\.capacity = 'high': Input should be a valid number"),
    ("context:\n  initial_violence: .nan\n", "must be a finite number"),
    ("pillars:\n  - {name: justice, lead: parliament_of_x}\n", "'parliament_of_x' is not a ministry"),
    ("strategy: nonsense\n", "strategy 'nonsense' not found; shipped strategies: adaptive"),
    ("strategy:\n  name: mine\n  phases:\n    - {name: p, effort: {polcing: 1.0}}\n",
     r"strategy\.phases\.0\.effort\.polcing"),
], ids=["wrong type", "non-finite", "lead not a ministry", "unknown strategy", "inline strategy error"])
def test_invalid_child_scenarios_are_explained(tmp_path, body, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(child(tmp_path, body))


def test_yaml_is_loaded_safely(tmp_path):
    path = write(tmp_path, "x.yaml", "name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ScenarioError, match="malformed YAML"):
        load_scenario(path)


def test_overrides_by_dotted_path_including_list_items():
    scenario = load_scenario("baseline", {"actors.ministry.members.0.capacity": 0.9, "horizon_years": 3})
    assert scenario.actors.ministry.members[0].capacity == 0.9
    assert scenario.steps == 36


def test_set_dotted_does_not_mutate_its_input():
    data = load_scenario_data("baseline")
    changed = set_dotted(data, "actors.ministry.political_will", 0.99)
    assert changed["actors"]["ministry"]["political_will"] == 0.99
    assert data["actors"]["ministry"]["political_will"] != 0.99


def test_content_hash_identifies_content():
    assert load_scenario("baseline").content_hash() == load_scenario("baseline").content_hash()
    assert load_scenario("baseline").content_hash() != load_scenario("baseline", {"horizon_years": 39}).content_hash()


def test_scenarios_pickle_for_process_pools():
    import pickle

    scenario = load_scenario("post_conflict")
    assert pickle.loads(pickle.dumps(scenario)) == scenario


# --- a ministry's stance is its political will ---------------------------------------------
@pytest.mark.parametrize("body, field", [
    ("actors:\n  ministry:\n    stance: 0.9\n", "actors.ministry.stance"),
    ("actors:\n  ministry:\n    members:\n      - {name: defence}\n      - {name: interior, stance: 0.9}\n"
     "      - {name: justice}\n      - {name: finance}\n", "actors.ministry.members.1.stance"),
], ids=["type level", "member"])
def test_ministry_stance_is_rejected_pointing_to_political_will(tmp_path, body, field):
    path = child(tmp_path, body)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value) == (f"{path}: {field}: a ministry has no separate stance; its initial stance is its "
                                "political will, so set 'political_will' instead")


def test_ministry_stance_override_is_rejected_too():
    with pytest.raises(ScenarioError, match=r"actors\.ministry\.stance: .*set 'political_will' instead"):
        load_scenario("baseline", {"actors.ministry.stance": 0.9})


def test_a_ministrys_initial_stance_is_its_political_will():
    """One field, one meaning: the schema has no ministry stance, and political_will (type
    level, or a member's) is where each ministry's stance starts."""
    assert "stance" not in MinistryBlock.model_fields
    scenario = load_scenario("baseline", {"actors.ministry.political_will": 0.77, "actors.ministry.heterogeneity": 0.0,
                                          "actors.ministry.members.2.political_will": 0.21})
    state = build_state(scenario, np.random.default_rng(0))
    ministries = state.types["ministry"].index
    assert state.stance[ministries].tolist() == [0.77, 0.77, 0.21, 0.77]
    assert state.types["ministry"].leadership_will.tolist() == [0.77, 0.77, 0.21, 0.77]


# --- type-level values that no agent takes ------------------------------------------------
def test_masked_type_level_value_is_reported_with_file_field_and_members(tmp_path):
    path = child(tmp_path, "actors:\n  donor:\n    budget: 2.0\n    members:\n      - {name: a, budget: 1.0}\n"
                           "      - {name: b, budget: 0.5}\n")
    assert masked_fields(load_scenario(path), path) == [
        f"{path}: actors.donor.budget = 2.0 is set but every member overrides it (a, b), so it has no effect"]


def test_type_without_members_that_sets_values_is_reported(tmp_path):
    path = child(tmp_path, "actors:\n  spoiler:\n    strength: 0.6\n    members: []\n")
    warnings = masked_fields(load_scenario(path), path)
    # baseline's spoiler block sets stance and susceptibility; the child adds strength
    assert warnings == [f"{path}: actors.spoiler.{name} = {value} is set but actors.spoiler has no members, so it "
                        "has no effect" for name, value in [("susceptibility", 0.2), ("stance", 0.2), ("strength", 0.6)]]


@pytest.mark.parametrize("body", [
    "actors:\n  donor:\n    budget: 2.0\n    members:\n      - {name: a, budget: 1.0}\n      - {name: b}\n",
    "actors:\n  donor:\n    members:\n      - {name: a, budget: 1.0}\n      - {name: b, budget: 0.5}\n",
], ids=["one member takes the type value", "default, not set in the file"])
def test_values_some_agent_takes_are_not_reported(tmp_path, body):
    path = child(tmp_path, body)
    assert masked_fields(load_scenario(path), path) == []


@pytest.mark.parametrize("name", SHIPPED_SCENARIOS)
def test_shipped_scenarios_set_no_masked_value(name):
    assert masked_fields(load_scenario(name)) == []

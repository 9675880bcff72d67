"""Interventions: through the model (app) or scheduled in a scenario file, one code path.

Each check compares a run with the intervention against its twin without it (same seed, so
the same shocks: interventions draw no random numbers), one month after it acts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import ReformModel, ScenarioError, load_scenario
from sim.app.workshop import Choice, Workshop

from .conftest import write

SEED = 5


@pytest.fixture(scope="module")
def post_conflict():
    return load_scenario("post_conflict")


def twins(scenario, kind, target=None, months=12):
    """(with, without): two runs of one seed, the first given the intervention after ``months``."""
    treated, control = ReformModel(scenario, rng=SEED).run(months), ReformModel(scenario, rng=SEED).run(months)
    treated.intervene(kind, target)
    return treated.run(1), control.run(1)


def test_an_intervention_acts_next_month_and_logs_what_it_did(post_conflict):
    treated, control = twins(post_conflict, "fund_pillar", "justice")
    justice = treated.state.pillar_names.index("justice")
    assert treated.effort[justice] == pytest.approx(min(control.effort[justice] + 0.5, 1.0))
    assert treated.committed_shares == pytest.approx(treated.effort / treated.effort.sum())
    assert (13, "intervention", "fund_pillar: justice: effort on justice 0.1 -> 0.6") in treated.events


def test_scaling_back_lowers_effort_and_the_load_it_brings(post_conflict):
    treated, control = twins(post_conflict, "scale_back_pillar", "ddr")
    ddr = treated.state.pillar_names.index("ddr")
    assert treated.effort[ddr] == pytest.approx(control.effort[ddr] - 0.5)
    assert treated.batch.world.overload.sum() < control.batch.world.overload.sum()


def test_conditionality_moves_only_donors_still_present(post_conflict):
    treated, control = twins(post_conflict, "tighten_conditionality", months=100)  # the UN mission has left
    donor, before = treated.state.types["donor"], control.state.types["donor"]
    active = donor.active
    assert not active.all() and active.any()
    assert donor.conditionality[active] == pytest.approx(np.minimum(before.conditionality[active] + 0.2, 1))
    assert donor.enforcement[active] == pytest.approx(np.minimum(before.enforcement[active] + 0.2, 1))
    assert np.array_equal(donor.conditionality[~active], before.conditionality[~active])


def test_co_opting_weakens_the_spoiler_and_corrupts_its_clients(post_conflict):
    treated, control = twins(post_conflict, "coopt_spoiler", "rebel_faction")
    rebels = treated.state.member_of.index("rebel_faction")
    row = list(treated.state.types["spoiler"].index).index(rebels)
    assert treated.state.types["spoiler"].strength[row] < control.state.types["spoiler"].strength[row]
    assert treated.state.stance[rebels] > control.state.stance[rebels]
    assert treated.state.corruption.sum() > control.state.corruption.sum()


def test_a_total_spoiler_cannot_be_bought(post_conflict):
    treated, control = twins(post_conflict, "coopt_spoiler", "hardline_militia")
    assert "cannot be co-opted" in treated.events[-1][2]
    assert treated.datacollector.get_model_vars_dataframe().equals(control.datacollector.get_model_vars_dataframe())


def test_confronting_an_outside_spoiler_weakens_it_and_raises_violence(post_conflict):
    treated, control = twins(post_conflict, "confront_spoiler", "rebel_faction")
    rebels = list(treated.state.types["spoiler"].index).index(treated.state.member_of.index("rebel_faction"))
    assert treated.state.types["spoiler"].strength[rebels] < control.state.types["spoiler"].strength[rebels]
    assert treated.state.violence > control.state.violence


def test_training_and_peacekeepers_act_through_the_donors(post_conflict):
    treated, control = twins(post_conflict, "train_army")
    donor = treated.state.types["donor"]
    assert np.all(donor.security_assistance > control.state.types["donor"].security_assistance)
    treated, control = twins(post_conflict, "deploy_peacekeepers")
    after, before = treated.state.types["donor"].peacekeeping, control.state.types["donor"].peacekeeping
    mission = int(np.argmax(before))
    assert treated.state.names[treated.state.types["donor"].index[mission]] == "un_mission"
    assert after[mission] == pytest.approx(min(before[mission] + 0.3, 1.0))
    assert np.array_equal(np.delete(after, mission), np.delete(before, mission))
    assert f"un_mission deploys peacekeepers (total {after[mission]:.2f})" in treated.events[-1][2]


def test_no_donors_means_no_peacekeepers_even_with_troops_on_paper(post_conflict):
    scenario = load_scenario("post_conflict", {"mechanisms.donors.enabled": False})
    treated, control = twins(scenario, "deploy_peacekeepers")
    assert "no donor is left" in treated.events[-1][2]
    assert treated.datacollector.get_model_vars_dataframe().equals(control.datacollector.get_model_vars_dataframe())


def test_backing_civil_society_raises_monitoring_not_the_coefficients(post_conflict):
    treated, control = twins(post_conflict, "back_civil_society", months=24)
    treated.run(24), control.run(24)
    assert treated.params == control.params
    civil, before = treated.state.types["civil_society"], control.state.types["civil_society"]
    assert civil.monitoring.mean() > before.monitoring.mean()


def test_elections_are_held_the_month_they_are_called(post_conflict):
    treated, _ = twins(post_conflict, "hold_elections")
    assert treated.events[-1] == (13, "election", "")


def test_interventions_draw_no_random_numbers(post_conflict):
    treated, control = twins(post_conflict, "fund_pillar", "ddr", months=6)
    treated.run(30), control.run(30)
    assert all(np.array_equal(a, b) for a, b in zip(treated.batch._draw(400), control.batch._draw(400)))
    assert treated.rng.bit_generator.state == control.rng.bit_generator.state


def test_a_scheduled_intervention_equals_the_same_decision_in_the_workshop(tmp_path):
    """The workshop's decisions, written into a scenario file, give the same run bit for bit."""
    scenario = load_scenario("post_conflict", {"horizon_years": 6})
    workshop = Workshop(scenario, seed=SEED, turns=3, months_per_turn=12, comparison_seeds=1)
    turns = [[Choice("fund_pillar", "justice"), Choice("coopt_spoiler", "rebel_faction")],
             [Choice("confront_spoiler", "patronage_network"), Choice("back_civil_society")],
             [Choice("deploy_peacekeepers"), Choice("tighten_conditionality")]]
    for choices in turns:
        workshop.play_turn(choices)
    played = workshop.model.datacollector.get_model_vars_dataframe()

    data = workshop.model.reform_scenario.model_dump(mode="json")
    data["interventions"] = [{"kind": c.intervention, "year": float(turn), **({"target": c.target} if c.target else {})}
                             for turn, choices in enumerate(turns) for c in choices]
    path = write(tmp_path, "scheduled.yaml", yaml.safe_dump(data))
    scheduled = ReformModel(load_scenario(path), rng=SEED).run()
    pd.testing.assert_frame_equal(played, scheduled.datacollector.get_model_vars_dataframe(), check_exact=True)
    pd.testing.assert_frame_equal(pd.DataFrame([scheduled.summary()]), pd.DataFrame([workshop.model.summary()]),
                                  check_exact=True)
    assert [e for e in scheduled.events if e[1] == "intervention"] == \
        [e for e in workshop.model.events if e[1] == "intervention"]


def test_a_misnamed_target_is_a_clear_error(post_conflict, tmp_path):
    model = ReformModel(post_conflict, rng=0)
    with pytest.raises(ScenarioError, match="'rebels' is not a spoiler of this scenario.*rebel_faction"):
        model.intervene("coopt_spoiler", "rebels")
    path = write(tmp_path, "bad.yaml", "extends: post_conflict.yaml\nname: bad\n"
                                       "interventions: [{kind: fund_pillar, year: 2, target: ddr_}]\n")
    (tmp_path / "post_conflict.yaml").write_text((load_scenario.__globals__["SCENARIO_DIR"] / "post_conflict.yaml")
                                                 .read_text())
    (tmp_path / "baseline.yaml").write_text((load_scenario.__globals__["SCENARIO_DIR"] / "baseline.yaml").read_text())
    with pytest.raises(ScenarioError, match=r"interventions\.0\.target"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="takes no target"):
        model.intervene("train_army", "army")


def test_an_intervention_in_the_past_is_refused(post_conflict):
    model = ReformModel(post_conflict, rng=0).run(24)
    from sim.scenario import Intervention
    with pytest.raises(ValueError, match="has passed"):
        model.batch.schedule(Intervention(kind="train_army", year=1.0))


def test_a_runs_inputs_are_read_only(baseline):
    """A setting changed after construction would not reach the run (it used to be accepted
    and silently ignored): it is refused instead."""
    model = ReformModel(baseline, rng=0)
    with pytest.raises(AttributeError):
        model.params = baseline.mechanisms
    with pytest.raises(AttributeError):
        model.reform_scenario = baseline
    with pytest.raises(Exception, match="frozen"):
        model.params.corruption.peer_effect = 0.0


def test_extreme_settings_saturate_instead_of_leaving_0_1():
    """Ranges the schema allows but the equations were not written for stay on [0, 1]."""
    scenario = load_scenario("post_conflict", {
        "mechanisms.interventions.confrontation_base": 1.0, "mechanisms.interventions.confrontation_capacity": 1.0,
        "mechanisms.influence.enabled": False, "mechanisms.influence.force_anchor_base": 1.0,
        "mechanisms.influence.force_anchor_integrity": 1.0, "horizon_years": 2})
    model = ReformModel(scenario, rng=1).run(3)
    model.intervene("confront_spoiler", "rebel_faction")
    model.run()
    assert model.state.types["spoiler"].strength.min() >= 0.0
    assert 0.0 <= model.state.stance.min() and model.state.stance.max() <= 1.0


def test_a_sweep_can_vary_when_an_intervention_happens():
    """experiments/cooptation_timing.yaml: each design point's runs are those of a model whose
    scenario schedules that intervention (and differ from the point without it)."""
    from sim.experiment_file import expand, load_experiment, runner_for

    experiment, library = load_experiment("experiments/cooptation_timing.yaml")
    runner = runner_for(experiment, library)
    points = [p for p in expand(experiment, library) if p["strategy"] == "adaptive"]
    finals = []
    for point in points:
        point = {**point, "overrides": {**point["overrides"], "horizon_years": 8}}
        swept = runner.run_batch([(point, 3)])[0]
        scenario = runner.scenario(point)
        alone = ReformModel(scenario, rng=3).run().summary()
        assert swept["final_reform_index"] == alone["final_reform_index"]
        finals.append(swept["final_corruption_control"])
    assert [len(p["overrides"]["interventions"]) for p in points] == [0, 1, 1]
    assert finals[0] != finals[1] and finals[1] != finals[2]

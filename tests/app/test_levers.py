"""Workshop interventions: each moves what it says, and none draws random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from sim import ReformModel, load_scenario
from sim.app import levers


@pytest.fixture
def model():
    return ReformModel(load_scenario("post_conflict"), rng=5).run(12)


def rng_state(model):
    return model.rng.bit_generator.state


def test_fund_and_scale_back_move_effort_and_commitments(model):
    before = rng_state(model)
    ddr = model.state.pillar_names.index("ddr")
    levers.scale_back_pillar(model, "ddr")
    assert model.effort[ddr] == pytest.approx(0.5)
    levers.fund_pillar(model, "justice")
    assert model.committed_shares.sum() == pytest.approx(1.0)
    assert rng_state(model) == before


def test_conditionality_moves_active_donors_only(model):
    donor = model.state.types["donor"]
    donor.values["active"][0] = False
    first, others = donor.conditionality[0], donor.conditionality[1:].copy()
    levers.tighten_conditionality(model)
    assert donor.conditionality[0] == first and np.all(donor.conditionality[1:] >= others)
    levers.relax_conditionality(model)
    assert donor.conditionality[1:] == pytest.approx(others)


def test_co_opting_a_total_spoiler_does_nothing(model):
    strength = model.state.types["spoiler"].strength.copy()
    assert "cannot be co-opted" in levers.coopt_spoiler(model, "hardline_militia")
    assert np.array_equal(model.state.types["spoiler"].strength, strength)
    assert "co-opted" in levers.coopt_spoiler(model, "rebel_faction")
    assert model.state.types["spoiler"].strength[1] < strength[1]


def test_confronting_an_outside_spoiler_weakens_it_and_raises_violence(model):
    violence = model.state.violence
    levers.confront_spoiler(model, "rebel_faction")
    assert model.state.violence > violence


def test_unknown_spoiler_is_a_clear_error(model):
    with pytest.raises(ValueError, match="no spoiler named 'x'"):
        levers.coopt_spoiler(model, "x")


def test_elections_use_the_models_own_election_next_month(model):
    levers.hold_elections(model)
    model.step()
    assert model.events[-1] == (13, "election", "")


def test_peacekeepers_and_training_use_the_donor_mechanisms(model):
    donor = model.state.types["donor"]
    assistance = donor.security_assistance.copy()
    levers.train_army(model)
    assert np.all(donor.security_assistance[donor.active] > assistance[donor.active])
    levers.deploy_peacekeepers(model)
    assert "un_mission deploys" in levers.deploy_peacekeepers(model)


def test_backing_civil_society_raises_donor_support(model):
    support = model.params.civil_society.donor_support
    levers.back_civil_society(model)
    assert model.params.civil_society.donor_support == pytest.approx(support + levers.CIVIL_SOCIETY_SUPPORT_STEP)


def test_no_donors_left_is_reported_not_an_error(model):
    model.state.types["donor"].values["active"][:] = False
    assert "no donor" in levers.deploy_peacekeepers(model)
    assert "no donor" in levers.train_army(model)

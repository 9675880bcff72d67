"""The pure mechanism functions: equations, bounds and the direction of each effect."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sim.mechanisms import capacity, corruption, donors, influence, security, spoilers, will
from sim.mechanisms.common import relax
from sim.scenario import CorruptionParams


def test_friedkin_johnsen_converges_to_closed_form_fixed_point():
    rng = np.random.default_rng(0)
    weights = rng.random((6, 6))
    weights /= weights.sum(axis=1, keepdims=True)
    susceptibility = rng.uniform(0.2, 0.8, 6)
    anchor = rng.random(6)
    stance = rng.random(6)
    for _ in range(500):
        stance = influence.friedkin_johnsen_step(stance, anchor, sp.csr_matrix(weights), susceptibility)
    lam = np.diag(susceptibility)
    expected = np.linalg.solve(np.eye(6) - lam @ weights, (np.eye(6) - lam) @ anchor)
    np.testing.assert_allclose(stance, expected, atol=1e-9)


def test_friedkin_johnsen_keeps_stances_on_unit_interval():
    rng = np.random.default_rng(1)
    weights = sp.csr_matrix(np.full((4, 4), 0.25))
    for _ in range(50):
        out = influence.friedkin_johnsen_step(rng.random(4), rng.random(4), weights, rng.random(4))
        assert np.all((out >= 0) & (out <= 1))


def test_will_anchor_rises_with_pressure_and_falls_with_threat():
    weights = {"donor_pressure": 0.25, "civil_society_pressure": 0.2, "parliament_pressure": 0.15,
               "spoiler_threat": 0.35, "rents_lost": 0.15}
    base = np.array([0.4])
    calm = will.will_anchor(base, np.array([0.0]), 0.0, 0.0, np.array([0.0]), np.array([0.0]), weights)
    pushed = will.will_anchor(base, np.array([0.5]), 0.5, 0.5, np.array([0.0]), np.array([0.0]), weights)
    threatened = will.will_anchor(base, np.array([0.0]), 0.0, 0.0, np.array([0.8]), np.array([0.5]), weights)
    assert pushed[0] > calm[0] > threatened[0]
    assert calm[0] == pytest.approx(0.4)


def _fixed_points(detection: float, capture: float = 0.0) -> list[float]:
    params = CorruptionParams().model_dump()
    grid = np.linspace(0, 1, 4001)
    gap = corruption.corruption_target(grid, detection, np.full_like(grid, capture),
                                       corruption.rent_opportunity(0.0), params) - grid
    crossings = np.flatnonzero(np.sign(gap[:-1]) != np.sign(gap[1:]))
    return [float(grid[i]) for i in crossings]


def test_corruption_is_bistable_at_low_detection_and_monostable_at_high():
    """Collective action (Persson et al. 2013; Hammond 2000): two stable equilibria (plus the
    unstable one between them) when detection is low; only the honest one when it is high."""
    low = _fixed_points(detection=0.15)
    assert len(low) == 3 and low[0] < 0.1 and low[2] > 0.6
    assert len(_fixed_points(detection=0.7)) == 1 and _fixed_points(detection=0.7)[0] < 0.1


def test_detection_risk_rises_with_each_channel():
    base = corruption.detection_risk(0.1, 0.2, 0.3, 0.2, 0.05)
    assert corruption.detection_risk(0.5, 0.2, 0.3, 0.2, 0.05) > base
    assert corruption.detection_risk(0.1, 0.6, 0.3, 0.2, 0.05) > base
    assert corruption.detection_risk(0.1, 0.2, 0.8, 0.2, 0.05) > base
    assert corruption.detection_risk(0.1, 0.2, 0.3, 0.7, 0.05) > base
    assert 0.0 <= corruption.detection_risk(1, 1, 1, 1, 0.05) <= 1.0


def test_diversion_grows_with_corruption_and_is_capped():
    out = corruption.diversion_share(np.array([0.0, 0.5, 1.0]), 1.5)
    assert out[0] == 0 and out[1] == 0.75 and out[2] == 1.0


def test_strain_only_beyond_bandwidth_and_saturating():
    load = np.array([0.5, 2.0, 1000.0])  # bandwidth tau C = 1
    out = capacity.overload(load, np.array([0.2, 0.2, 0.2]), tolerance=5.0)
    assert out[0] == 0.0 and out[1] == pytest.approx(0.5) and 0.99 < out[2] < 1.0


def test_a_ministry_divides_its_bandwidth_instead_of_failing():
    """Beyond bandwidth, the push each pillar gets is scaled so the ministry's total is its bandwidth."""
    load = np.array([0.5, 2.0, 4.0])
    share = capacity.bandwidth_share(load, np.array([0.2, 0.2, 0.2]), tolerance=5.0)
    assert share[0] == 1.0 and share * load == pytest.approx([0.5, 1.0, 1.0])


def test_big_bang_loads_ministries_more_than_a_phase():
    lead = np.array([0, 0, 1, 2])
    form, function = np.full(4, 0.3), np.full(4, 0.1)
    phased = capacity.reform_load(np.array([1.0, 0, 0, 0]), form, function, lead, 3, 0.2)
    big_bang = capacity.reform_load(np.ones(4), form, function, lead, 3, 0.2)
    assert np.all(big_bang > phased)


def test_capability_grows_with_absorbed_investment_and_erodes_under_overload():
    c = np.array([0.3])
    grow = capacity.capability_update(c, np.array([0.4]), np.array([0.2]), np.array([0.0]), 0.02, 0.002, 0.015)
    idle = capacity.capability_update(c, np.array([0.0]), np.array([0.2]), np.array([0.0]), 0.02, 0.002, 0.015)
    overloaded = capacity.capability_update(c, np.array([0.4]), np.array([0.2]), np.array([1.0]), 0.02, 0.002, 0.015)
    assert grow[0] > c[0] > idle[0] and overloaded[0] < grow[0]


def test_capability_growth_needs_authority_and_a_foothold_only_as_far_as_their_weights_say():
    c, absorbed, corruption, strain = np.array([0.2, 0.6]), np.array([0.4, 0.4]), np.array([0.3, 0.3]), np.zeros(2)

    def grown(will, authority_weight=0.0, trap_weight=0.0):
        return capacity.capability_update(c, absorbed, corruption, strain, 0.05, 0.0, 0.0, np.array(will),
                                          authority_weight, trap_weight) - c

    blind = grown([0.2, 0.9])
    # Weights at 0: growth ignores will and is fastest where capability is lowest, bit for bit
    # the update without the two factors.
    np.testing.assert_array_equal(blind, capacity.capability_update(c, absorbed, corruption, strain, 0.05, 0.0, 0.0) - c)
    assert blind[0] > blind[1]
    # Full authority weight: growth in proportion to will.
    np.testing.assert_allclose(grown([0.2, 0.2], authority_weight=1.0), 0.2 * blind)
    np.testing.assert_allclose(grown([0.0, 0.0], authority_weight=1.0), 0.0)
    # Full trap weight: growth in proportion to capability (logistic), so the weakest grow slowest
    # in absolute terms.
    trapped = grown([0.5, 0.5], trap_weight=1.0)
    np.testing.assert_allclose(trapped, blind * c)
    assert trapped[0] < trapped[1]
    # Halfway weights scale growth by 1 - k + k x.
    np.testing.assert_allclose(grown([0.4, 0.4], authority_weight=0.5, trap_weight=0.5),
                               blind * 0.7 * (0.5 + 0.5 * c))


def test_absorbed_investment_saturates_at_absorptive_capacity():
    out = capacity.absorbed_investment(np.array([0.01, 1.0, 100.0]), np.array([0.3, 0.3, 0.3]))
    assert out[0] == pytest.approx(0.01, rel=1e-3) and out[2] == pytest.approx(0.3)


def test_domestic_effort_needs_will_above_the_threshold_and_caps_the_effort_in_force():
    will = np.array([[0.0, 0.3, 0.5, 0.75, 1.0]])
    pushed = capacity.domestic_effort(will, 0.4, 0.5)
    np.testing.assert_array_equal(pushed[0, :3], 0.0)   # at or below the threshold: nothing
    np.testing.assert_allclose(pushed[0, 3:], [0.2, 0.4])  # linear above it, d at full will
    assert np.all(np.diff(capacity.domestic_effort(np.linspace(0, 1, 50)[None], 0.3, 0.4)) >= 0)
    np.testing.assert_array_equal(capacity.domestic_effort(will, 0.0, 0.5), 0.0)  # d = 0: off
    programme = np.array([[0.0, 0.5, 0.9, 1.0, 0.2]])
    in_force = capacity.applied_effort(programme, pushed)
    np.testing.assert_allclose(in_force, [[0.0, 0.5, 0.9, 1.0, 0.6]])
    assert in_force.max() <= 1.0 and np.all(in_force >= programme)


def test_form_ignores_capability_but_function_needs_it():
    args = dict(effort=np.array([1.0]), will=np.array([0.6]), obstruction=np.array([0.0]))
    form = capacity.de_jure_update(np.array([0.2]), mandates=0.5, rate=0.02, **args)
    assert form[0] > 0.2
    common = dict(de_facto=np.array([0.1]), de_jure=np.array([0.5]), effort=np.array([1.0]), will=np.array([0.6]),
                  obstruction=np.array([0.0]), diversion=np.array([0.0]), corruption=np.array([0.0]), rate=0.02,
                  decay=0.004)
    able = capacity.de_facto_update(lead_capacity=np.array([0.6]), **common)
    unable = capacity.de_facto_update(lead_capacity=np.array([0.05]), **common)
    assert able[0] > unable[0] >= 0.1


def test_function_cannot_outrun_form():
    out = capacity.de_facto_update(np.array([0.5]), np.array([0.5]), np.array([1.0]), np.array([1.0]), np.array([1.0]),
                                   np.array([0.0]), np.array([0.0]), np.array([0.0]), 0.5, 0.0)
    assert out[0] == pytest.approx(0.5)


def test_obstruction_follows_rents_and_spoiler_type():
    rents = np.array([[1.0, 0.0]])
    pressure = np.array([0.5, 0.5])
    args = dict(inside=np.array([True]), rents=rents, pressure=pressure, intensity=1.5)
    greedy = spoilers.obstruction(np.array([0.5]), np.array([spoilers.RESOLVE["greedy"]]), **args)
    total = spoilers.obstruction(np.array([0.5]), np.array([spoilers.RESOLVE["total"]]), **args)
    assert total[0] > greedy[0] > 0 and greedy[1] == 0.0
    outside = spoilers.obstruction(np.array([0.5]), np.array([1.0]), np.array([False]), rents, pressure, 1.5)
    assert np.all(outside == 0)


def test_total_spoilers_cannot_be_coopted():
    args = dict(inside=np.array([True, True]), rents_available=0.4, coercion_capacity=0.0,
                cooptation_effort=1.0, growth=0.0, coercion=0.0)
    out = spoilers.strength_update(np.array([0.5, 0.5]), np.array([1.0, 0.0]), np.array([1.0, 1.0]), **args)
    assert out[0] < 0.5 and out[1] == 0.5


def test_sanctions_cut_disbursement_only_when_drawn():
    paid = donors.disbursement(np.array([1.0, 1.0, 1.0]), np.array([True, True, False]), np.array([0.4, 0.4, 0.4]),
                               np.array([1.0, 0.0, 0.0]))
    np.testing.assert_allclose(paid, [0.6, 1.0, 0.0])


def test_one_donor_cannot_fragment_many_uncoordinated_can():
    assert donors.fragmentation_efficiency(np.array([2.0]), np.array([0.0]), np.array([True]), 0.4) == 1.0
    many = donors.fragmentation_efficiency(np.ones(5), np.zeros(5), np.ones(5, bool), 0.4)
    coordinated = donors.fragmentation_efficiency(np.ones(5), np.ones(5), np.ones(5, bool), 0.4)
    assert many < coordinated == 1.0


def test_manipulated_indicators_drift_toward_form():
    honest = donors.observed_function(np.array([0.2]), np.array([0.8]), 0.0, np.zeros(1))
    mimic = donors.observed_function(np.array([0.2]), np.array([0.8]), 0.5, np.zeros(1))
    assert honest[0] == pytest.approx(0.2) and mimic[0] == pytest.approx(0.5)


def test_coup_hazard_rises_with_autonomy_and_past_coups_within_cap():
    low = security.coup_hazard(0.001, 0.2, 0.5, 0.2, 0, 1.0)
    high = security.coup_hazard(0.001, 0.8, 0.5, 0.2, 0, 1.0)
    assert high > low
    assert security.coup_hazard(0.001, 0.8, 0.5, 0.2, 2, 1.0) == security.coup_hazard(0.001, 0.8, 0.5, 0.2, 9, 1.0)


def test_force_autonomy_target_follows_its_ceiling_and_the_restraint_of_oversight_and_professionalism():
    """A* = a0 (1 - k_o F_ov)(1 - k_p P*) + 0.3 T + k_a a: at the documented a0, k_o, k_p the
    former constants 0.6, 0.7, 0.6; a higher ceiling raises it, stronger restraint lowers it, and
    each restraint only acts through its own channel (none without oversight, resp. professionalism)."""
    pillar, corruption = np.array([[0.5, 0.8]]), np.array([[0.2, 0.4]])

    def autonomy(ceiling=0.6, oversight_restraint=0.7, professional_restraint=0.6, oversight=0.5, assistance=0.0):
        return security.force_targets(pillar, corruption, oversight, 0.5, 0.3, 0.4, assistance, np.zeros((1, 2)),
                                      0.1, ceiling, oversight_restraint, professional_restraint)["political_autonomy"]
    professionalism = np.clip((0.15 + 0.85 * pillar) * (1.0 - 0.5 * corruption), 0, 1)
    np.testing.assert_allclose(autonomy(), 0.6 * (1 - 0.7 * 0.5) * (1 - 0.6 * professionalism))
    assert (autonomy(ceiling=0.9) > autonomy()).all() and (autonomy(ceiling=0.3) < autonomy()).all()
    assert (autonomy(oversight_restraint=1.0) < autonomy()).all()
    assert (autonomy(professional_restraint=1.0) < autonomy()).all()
    np.testing.assert_array_equal(autonomy(oversight_restraint=1.0, oversight=0.0), autonomy(oversight=0.0))
    np.testing.assert_array_equal(autonomy(professional_restraint=0.0), 0.6 * (1 - 0.7 * 0.5) * np.ones((1, 2)))


def test_relapse_hazard_fades_with_peace_and_falls_with_peacekeeping_and_institutions():
    protection = {"relapse_ddr_protection": 0.8, "relapse_policing_protection": 0.5,
                  "relapse_governance_protection": 0.6}

    def hazard(peacekeeping=0.0, ddr=0.0, policing=0.0, governance=0.0, years=0.0):
        return security.relapse_hazard(0.005, 0.4, 0.5, peacekeeping, ddr, policing, governance, years, 15.0,
                                       protection)
    early = hazard()
    assert early > hazard(years=10.0) and early > hazard(peacekeeping=1.0)
    assert hazard(ddr=0.5) == pytest.approx(early * 0.6)
    assert hazard(policing=0.5) == pytest.approx(early * 0.75)
    assert hazard(governance=0.5) == pytest.approx(early * 0.7)


def test_relax_stays_on_unit_interval():
    assert relax(np.array([0.9]), np.array([5.0]), 1.0)[0] == 1.0
    assert relax(0.5, 0.0, 0.5) == pytest.approx(0.25)


def test_working_ddr_disarms_outside_spoilers_only():
    args = dict(strength=np.array([0.5, 0.5]), resolve=np.array([1.0, 1.0]), inside=np.array([False, True]),
                threatened=np.array([0.4, 0.4]), intensity=0.6)
    armed = spoilers.spoiler_violence(**args)
    assert spoilers.spoiler_violence(**args, disarmed=0.5) == pytest.approx(0.5 * armed)
    assert spoilers.spoiler_violence(**{**args, "inside": np.array([True, True])}, disarmed=0.0) == 0.0

"""Priors on the mechanism coefficients: every float field has one or says why not, and each
prior contains the default and respects the field's type bounds."""

from __future__ import annotations

import pytest

from sim.calibration.priors import (
    EXCLUDED_BLOCKS, mechanism_fields, parameter_priors, uncalibrated_parameters, with_parameters,
)
from sim.fields import ScenarioError
from sim.model import resolve_scenario
from sim.scenario import Mechanisms


def _type_bounds(info) -> tuple[float, float, bool, bool]:
    """(low, high, low inclusive, high inclusive) from a field's constraints."""
    low, high, low_closed, high_closed = -float("inf"), float("inf"), True, True
    for item in info.metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, low_closed = item.gt, False
        if getattr(item, "le", None) is not None:
            high = item.le
        if getattr(item, "lt", None) is not None:
            high, high_closed = item.lt, False
    return low, high, low_closed, high_closed


def test_every_float_mechanism_field_has_a_prior_or_a_reason_not_to():
    fields = dict(mechanism_fields())
    priors = {p.path for p in parameter_priors()}
    uncalibrated = uncalibrated_parameters()
    assert set(fields) == priors | set(uncalibrated)
    assert not priors & set(uncalibrated), "a field is either calibrated or not"
    assert all(reason.strip() for reason in uncalibrated.values())
    assert all(p.reason.strip() for p in parameter_priors())


def test_no_mechanism_field_escapes_the_listing():
    """Every field of a calibratable block is a float except the on/off switch, so
    :func:`mechanism_fields` (floats only) sees every coefficient."""
    for block, info in Mechanisms.model_fields.items():
        if block in EXCLUDED_BLOCKS:
            continue
        others = {name for name, field in info.annotation.model_fields.items() if field.annotation is not float}
        assert others == {"enabled"}, block


def test_priors_contain_the_default_and_respect_the_type_bounds():
    fields = dict(mechanism_fields())
    for prior in parameter_priors():
        low, high, low_closed, high_closed = _type_bounds(fields[prior.path])
        assert prior.low < prior.high, prior.path
        assert prior.low <= prior.default <= prior.high, prior.path
        assert (prior.low >= low) if low_closed else (prior.low > low), prior.path
        assert (prior.high <= high) if high_closed else (prior.high < high), prior.path


def test_with_parameters_sets_coefficients_and_validates_them():
    scenario = resolve_scenario("baseline", "status_quo")
    changed = with_parameters(scenario, {"mechanisms.security.coup_hazard": 0.001,
                                         "mechanisms.corruption.peer_effect": 3.0})
    assert changed.mechanisms.security.coup_hazard == 0.001
    assert changed.mechanisms.corruption.peer_effect == 3.0
    assert changed.replace(mechanisms=scenario.mechanisms) == scenario
    with pytest.raises(ScenarioError, match="mechanisms.security.coup_hazard"):
        with_parameters(scenario, {"mechanisms.security.coup_hazard": 0.9})

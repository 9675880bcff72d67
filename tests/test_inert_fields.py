"""No inert field (issue 9, item 6): every numeric field of a shipped scenario moves some output.

The screen itself (which fields, how each is moved, what counts as an output, the contexts
where some fields can act) is in :mod:`tests.inert_screen`; ``python -m tests.inert_screen``
prints its table. The default suite screens ``baseline`` and ``post_conflict``, which between
them hold every kind of field the shipped files have (the other three extend baseline and
differ from it in values only); ``-m slow`` screens all five.
"""

from __future__ import annotations

import fnmatch

import pytest

from sim import PILLARS, load_scenario
from sim.scenario import Scenario, set_dotted

from .conftest import SHIPPED_SCENARIOS
from .inert_screen import ALLOWED_INERT, CONTEXTS, Finding, allowance, perturbations, screen, screened_fields

# pytest-xdist (--dist loadgroup): one worker runs the screen once.
pytestmark = pytest.mark.xdist_group("inert_screen")

QUICK = ("baseline", "post_conflict")


@pytest.fixture(scope="module")
def quick_findings() -> list[Finding]:
    return [finding for name in QUICK for finding in screen(name)]


def _unexplained(findings: list[Finding]) -> list[str]:
    return [f"{f.scenario}: {f.path} (screened {f.context}; tried {', '.join(map(repr, f.values))})"
            for f in findings if not f.effect and allowance(f) is None]


def _stale(findings: list[Finding]) -> list[tuple[str, str]]:
    """Allowances for a screened scenario that excuse no inert finding."""
    screened = {f.scenario for f in findings}
    return [(scenarios, field) for scenarios, field in ALLOWED_INERT
            if fnmatch.filter(screened, scenarios)
            and not any(not f.effect and fnmatch.fnmatchcase(f.scenario, scenarios) and fnmatch.fnmatchcase(f.path, field)
                        for f in findings)]


def test_every_field_moves_some_output(quick_findings):
    unexplained = _unexplained(quick_findings)
    assert not unexplained, "fields with no effect on any output:\n" + "\n".join(unexplained)


def test_allow_list_has_no_stale_entry(quick_findings):
    assert not _stale(quick_findings), f"allowed as inert, but not inert: {_stale(quick_findings)}"


@pytest.mark.slow
def test_every_field_of_every_shipped_scenario_moves_some_output():
    findings = [finding for name in SHIPPED_SCENARIOS for finding in screen(name)]
    unexplained = _unexplained(findings)
    assert not unexplained, "fields with no effect on any output:\n" + "\n".join(unexplained)
    assert not _stale(findings)


def test_quick_screen_covers_every_field_path_of_the_shipped_scenarios():
    """The two screened by default hold every field the others have, up to list positions and
    the pillar a spoiler's rent is on."""
    def shapes(name: str) -> set[str]:
        return {".".join("#" if part.isdigit() or part in PILLARS else part for part in f.path.split("."))
                for f in screened_fields(load_scenario(name))}

    assert set().union(*(shapes(n) for n in SHIPPED_SCENARIOS)) == set().union(*(shapes(n) for n in QUICK))


def test_contexts_and_allowances_name_fields_that_exist():
    """A misspelt pattern would silently screen nothing in its context, or excuse nothing."""
    paths = {f.path for name in SHIPPED_SCENARIOS for f in screened_fields(load_scenario(name))}
    patterns = [p for c in CONTEXTS for p in c.fields] + [field for _, field in ALLOWED_INERT]
    assert [p for p in patterns if not fnmatch.filter(paths, p)] == []


def test_screened_fields_include_defaults_and_skip_values_no_agent_takes():
    paths = {f.path for f in screened_fields(load_scenario("baseline"))}
    assert {"network.rules.0.mean_degree", "mechanisms.security.coup_hazard", "context.monitoring_noise",
            "actors.donor.members.0.budget", "actors.spoiler.members.0.rents.integrity", "pillars.4.de_facto",
            "horizon_years", "actors.ministry.political_will", "actors.civil_society.members.0.count"} <= paths
    # every member overrides these; a ministry is one actor; no ministry stance; names are not numbers
    assert not {"actors.security_force.influence", "actors.donor.budget", "actors.ministry.members.0.count",
                "actors.ministry.stance", "actors.spoiler.strength"} & paths
    assert not [p for p in paths if p.startswith(("strategy", "name", "description"))]


@pytest.mark.parametrize("name", SHIPPED_SCENARIOS)
def test_every_perturbation_is_a_different_value_the_schema_accepts(name):
    scenario = load_scenario(name)
    data = scenario.model_dump()
    for item in screened_fields(scenario):
        values = perturbations(item)
        assert values and item.value not in values, item.path
        for value in values:
            assert type(value) is type(item.value) and item.low <= value <= item.high, item.path
            Scenario.model_validate(set_dotted(data, item.path, value))

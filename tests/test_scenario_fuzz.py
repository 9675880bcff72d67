"""Property-based test: mutated scenarios give a clean ScenarioError or a valid, runnable model.

Mutations of the shipped scenarios: wrong types, missing and extra keys, out-of-range and
non-finite numbers, empty and garbage files, deep nesting, odd unicode.
"""

from __future__ import annotations

import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ReformModel, ScenarioError, load_scenario, load_scenario_data, scenario_from_dict
from sim.scenario import SCENARIO_DIR

from .conftest import SHIPPED_SCENARIOS

ODD_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
WEIRD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), ODD_TEXT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -1.0, 1.5, 1e308, 0, "0.5", [], {}]),
    st.lists(st.integers(), max_size=3), st.dictionaries(ODD_TEXT, st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _parent(data, path):
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def mutated_scenarios(draw):
    data = load_scenario_data(SCENARIO_DIR / f"{draw(st.sampled_from(SHIPPED_SCENARIOS))}.yaml")
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        action = draw(st.sampled_from(["replace", "delete", "extra", "nest"]))
        if action == "replace":
            parent[path[-1]] = draw(WEIRD_VALUES)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "extra" and isinstance(parent, dict):
            parent[draw(ODD_TEXT)] = draw(WEIRD_VALUES)
        elif action == "nest":
            value = draw(WEIRD_VALUES)
            for _ in range(draw(st.integers(1, 60))):
                value = {"x": value} if draw(st.booleans()) else [value]
            parent[path[-1]] = value
    return data


def _check(load):
    try:
        scenario = load()
    except ScenarioError as error:
        assert str(error).strip(), "an error message must say something"
        return
    model = ReformModel(scenario.model_copy(update={"horizon_years": 1}), rng=0)
    model.run(2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_scenarios())
def test_mutated_scenario_is_rejected_cleanly_or_runs(data):
    _check(lambda: scenario_from_dict(data, "mutated.yaml", SCENARIO_DIR))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.just(""), ODD_TEXT, st.text(max_size=200),
                      mutated_scenarios().map(lambda d: yaml.safe_dump(d, allow_unicode=True))))
def test_any_file_content_is_rejected_cleanly_or_runs(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    _check(lambda: load_scenario(path))

"""The app's pieces rendered headless with solara.render (no server, no browser)."""

from __future__ import annotations

import time

import ipyvuetify as v
import pytest
import solara

from sim import ReformModel, load_scenario
from sim.app import network_view
from sim.app.charts import ContextChart, IndicatorChart, PillarChart
from sim.app.explore import ExplorePage, model_parameters
from sim.app.setup import AppModel, load_base_scenario
from sim.app.workshop_page import WorkshopPage


@pytest.fixture
def model():
    return ReformModel(load_scenario("post_conflict"), rng=3)


def images(rc) -> list[bytes]:
    import ipywidgets

    return [w.value for w in rc.find(ipywidgets.Image).widgets]


def test_network_layout_is_computed_once_per_model(model, monkeypatch):
    calls = []
    layout = network_view.network_layout
    monkeypatch.setattr(network_view, "network_layout", lambda m: calls.append(m) or layout(m))
    month = solara.reactive(0)

    @solara.component
    def View():
        return network_view.NetworkView(model, month.value)

    _, rc = solara.render(View(), handle_error=False)
    first = images(rc)
    for _ in range(3):
        model.step()
        month.value = model.month
    assert len(calls) == 1
    assert images(rc) != first  # stances recoloured


def test_charts_redraw_after_a_step(model):
    month = solara.reactive(0)

    @solara.component
    def Charts():
        with solara.Column() as column:
            IndicatorChart(model, month.value, ((0, "T1"),))
            PillarChart(model, month.value)
            ContextChart(model, month.value)
        return column

    _, rc = solara.render(Charts(), handle_error=False)
    before = images(rc)
    model.run(24)
    month.value = model.month
    after = images(rc)
    assert len(before) == 3 and all(a != b for a, b in zip(before, after))


def test_model_parameters_give_a_slider_per_applicable_lever():
    model = AppModel(load_base_scenario("baseline"), rng=2)
    params = model_parameters(model)
    assert params["rng"] == 2 and params["base_scenario"] is model.base_scenario
    assert params["political_will"].value == pytest.approx(0.4)


def in_app(page: solara.Element, path: str) -> solara.Element:
    """A page inside Solara's layout (its sidebar is a portal into the layout) and a router."""
    return solara.RoutingProvider(routes=[solara.Route(path.strip("/") or "/")], pathname=path,
                                  children=[solara.AppLayout(children=[page])])


def texts(rc) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children]


def explore():
    _, rc = solara.render(in_app(ExplorePage(), "/"), handle_error=False)
    return rc


def test_explore_steps_the_model_with_mesas_controls():
    rc = explore()
    assert any(t.startswith("Month 0 (year 0.0)") for t in texts(rc))
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert any(t.startswith("Month 1 (year 0.1)") for t in texts(rc))


def test_explore_shows_the_scenario_error_for_a_missing_file():
    rc = explore()
    field = rc.find(v.TextField, label="… or a scenario file (path)").widget
    field.v_model = "no/such/file.yaml"
    field.fire_event("keyup.enter")
    rc.find(v.Alert).assert_single()
    assert "file not found" in str(rc.find(v.Alert).widget.children)


def test_workshop_page_plays_turns_and_ends_on_the_outcome(monkeypatch):
    from sim.app import workshop_page

    short = workshop_page.WorkshopSettings(scenario="baseline", turns=2, comparison_seeds=1)
    monkeypatch.setattr(workshop_page, "WorkshopSettings", lambda: short)
    _, rc = solara.render(in_app(WorkshopPage(), "/workshop"), handle_error=False)
    rc.find(v.Btn, children=["Start workshop"]).widget.click()
    for _ in range(short.turns):
        rc.find(v.Btn, class_="ssr-decide").widget.click()
    deadline = time.monotonic() + 60   # the comparison runs finish in a background task
    while not any("percentile" in str(w.children) for w in rc.find(v.Alert).widgets):
        assert time.monotonic() < deadline, "no outcome screen within 60 s"
        time.sleep(0.1)
    rc.find(v.Btn, children=["New workshop"]).assert_single()

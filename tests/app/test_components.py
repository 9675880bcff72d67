"""The app's pieces rendered headless with solara.render (no server, no browser)."""

from __future__ import annotations

import io
import os
import re
import time

import ipyvuetify as v
import numpy as np
import pytest
import solara
from PIL import Image

from sim import ReformModel, load_scenario
from sim.app import network_view
from sim.app.charts import ContextChart, IndicatorChart, PillarChart
from sim.app.difficulty import DEFAULT_WORKSHOP_SCENARIO, difficulty
from sim.app.explore import DEFAULT_SCENARIO, DEFAULT_SEED, PANELS, ExplorePage, model_parameters
from sim.app.scenario_picker import PICKER_LABEL, SCENARIO_PATH_LABEL, STRATEGY_PATH_LABEL
from sim.app.setup import SHIPPED_SCENARIOS, SHIPPED_STRATEGIES, AppModel, load_base_scenario
from sim.app.sources import not_allowed
from sim.app.workshop_page import WorkshopPage, WorkshopSettings, strategy_table


@pytest.fixture
def model():
    return ReformModel(load_scenario("post_conflict"), rng=3)


def pixels(image: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image)))


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


def test_model_parameters_rebuild_the_same_run_as_reset_does():
    model = AppModel(load_base_scenario("baseline"), political_will=0.55, rng=2)
    params = model_parameters(model)
    assert params["rng"] == 2 and params["base_scenario"] is model.base_scenario
    assert params["political_will"] == pytest.approx(0.55)
    rebuilt = AppModel(**params)   # what Mesa's Reset calls
    assert rebuilt.lever_settings == model.lever_settings and rebuilt.seed == model.seed
    assert rebuilt.reform_scenario.content_hash() == model.reform_scenario.content_hash()


def in_app(page: solara.Element, path: str) -> solara.Element:
    """A page inside Solara's layout (its sidebar is a portal into the layout) and a router."""
    return solara.RoutingProvider(routes=[solara.Route(path.strip("/") or "/")], pathname=path,
                                  children=[solara.AppLayout(children=[page])])


def texts(rc) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children]


def explore():
    _, rc = solara.render(in_app(ExplorePage(), "/"), handle_error=False)
    return rc


def sliders(rc) -> list[v.Slider]:
    return rc.find(v.Slider).widgets


def slider(rc, name: str) -> v.Slider:
    """The slider whose label starts with ``name``."""
    (found,) = [s for s in sliders(rc) if s.label.startswith(name)]
    return found


def assert_every_slider_shows_its_value(rc) -> None:
    """Each slider's label ends with the number it is set to (as rounded for display)."""
    assert sliders(rc)
    for slider in sliders(rc):
        shown = re.search(r"(-?[0-9.]+)( ms)?$", slider.label)
        assert shown, f"slider '{slider.label}' shows no value"
        decimals = len(shown.group(1).partition(".")[2])
        assert float(shown.group(1)) == pytest.approx(slider.v_model, abs=0.5 * 10 ** -decimals), slider.label


def workshop_page(monkeypatch, **settings):
    from sim.app import workshop_page as module

    chosen = WorkshopSettings(**settings)
    monkeypatch.setattr(module, "WorkshopSettings", lambda: chosen)
    _, rc = solara.render(in_app(WorkshopPage(), "/workshop"), handle_error=False)
    return rc, chosen


def test_explore_steps_the_model_with_mesas_controls():
    rc = explore()
    assert any(t.startswith("Month 0 (year 0.0)") for t in texts(rc))
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert any(t.startswith("Month 1 (year 0.1)") for t in texts(rc))


def test_each_step_redraws_every_panel_in_place_as_the_run_stands():
    import ipywidgets

    rc = explore()
    widgets = rc.find(ipywidgets.Image).widgets
    first = images(rc)
    for _ in range(12):
        rc.find(v.Btn, children=["Step"]).widget.click()
    assert any(t.startswith("Month 12 (year 1.0)") for t in texts(rc))
    assert rc.find(ipywidgets.Image).widgets == widgets   # the same widgets, their values set
    shown = images(rc)
    assert len(shown) == len(PANELS) and all(a != b for a, b in zip(first, shown))
    same_run = AppModel(load_base_scenario(DEFAULT_SCENARIO), rng=DEFAULT_SEED)
    same_run.run(12)
    for (draw, _css_class), image in zip(PANELS, shown):   # figures of another model, drawn once at month 12
        assert np.array_equal(pixels(image), pixels(draw(same_run))), draw.__name__


def test_after_reset_the_panels_follow_the_new_run_only():
    rc = explore()
    for _ in range(12):
        rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert any(t.startswith("Month 1 (year 0.1)") for t in texts(rc))
    new_run = AppModel(load_base_scenario(DEFAULT_SCENARIO), rng=DEFAULT_SEED)
    new_run.step()
    for (draw, _css_class), image in zip(PANELS, images(rc)):
        assert np.array_equal(pixels(image), pixels(draw(new_run))), draw.__name__


def alerts(rc) -> list[str]:
    return [str(w.children) for w in rc.find(v.Alert).widgets]


def enter(rc, label: str, entry: str) -> float:
    """Type into a path box and press Enter; the seconds the app took to answer."""
    field = rc.find(v.TextField, label=label).widget
    started = time.monotonic()
    field.v_model = entry
    field.fire_event("keyup.enter")
    return time.monotonic() - started


def test_explore_path_boxes_refuse_anything_but_shipped_files_within_a_second_and_keep_the_run(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    rc = explore()
    run = [t for t in texts(rc) if " · strategy " in t]
    scenarios, strategies = (SCENARIO_PATH_LABEL, "scenario", SHIPPED_SCENARIOS), (STRATEGY_PATH_LABEL, "strategy",
                                                                                   SHIPPED_STRATEGIES)
    for (label, kind, names), entry in [(scenarios, "/etc/passwd"), (scenarios, "../../../../../../etc/passwd"),
                                        (scenarios, "/dev/zero"), (scenarios, str(fifo)), (scenarios, str(tmp_path)),
                                        (strategies, "/etc/hostname")]:
        assert enter(rc, label, entry) < 1.0, entry
        assert alerts(rc) == [str([str(not_allowed(entry, kind, names))])]
        assert [t for t in texts(rc) if " · strategy " in t] == run   # the run is untouched
    enter(rc, SCENARIO_PATH_LABEL, "baseline.yaml")
    assert not alerts(rc) and any(t.startswith("baseline · strategy ") for t in texts(rc))


def test_workshop_path_box_refuses_a_file_outside_the_shipped_folder(monkeypatch):
    rc, _ = workshop_page(monkeypatch, scenario_file="/etc/passwd")
    rc.find(v.Btn, children=["Start workshop"]).widget.click()
    alert = str(rc.find(v.Alert, class_="ssr-error").widget.children)
    assert "'/etc/passwd' is not an allowed scenario: choose a shipped one" in alert
    assert not rc.find(v.Card, class_="ssr-turn-card").widgets


def test_explore_shows_no_mesa_leftovers_and_names_its_controls():
    rc = explore()
    words = " ".join(texts(rc) + [str(w.children) for w in rc.find(v.Tab).widgets]
                     + [s.label for s in sliders(rc)] + [str(w.label) for w in rc.find(v.Checkbox).widgets])
    for leftover in ("Page 0", "Use Threads", "Play Interval", "Render Interval", "Step:", "Model Parameters"):
        assert leftover not in words
    assert rc.find(v.Tab).widgets == [] and rc.find(v.Checkbox).widgets == []
    rc.find(v.Btn, children=["Reset"]).assert_single()


def test_explore_sliders_show_their_values_and_a_moved_lever_applies_on_reset():
    rc = explore()
    assert_every_slider_shows_its_value(rc)
    will = slider(rc, "Political will")
    will.v_model = will.v_model + 0.2
    assert_every_slider_shows_its_value(rc)   # the label follows the slider
    rc.find(v.Btn, children=["Reset"]).widget.click()
    status = next(t for t in texts(rc) if t.startswith("Month 0 "))
    assert f"political will {will.v_model:.2f}" in status


def test_scenario_pickers_name_each_scenarios_difficulty(monkeypatch):
    for rc in (explore(), workshop_page(monkeypatch)[0]):
        picker = rc.find(v.Select, label=PICKER_LABEL).widget
        assert [item["value"] for item in picker.items] == list(SHIPPED_SCENARIOS)
        assert all(item["text"] == f"{item['value']} · {difficulty(item['value'])}" for item in picker.items)
    assert picker.v_model == DEFAULT_WORKSHOP_SCENARIO


def test_workshop_setup_sliders_show_their_values(monkeypatch):
    rc, _ = workshop_page(monkeypatch)
    assert {s.label.split(":")[0] for s in sliders(rc)} == {"Turns", "Years per turn", "Seeds to compare on"}
    assert_every_slider_shows_its_value(rc)
    slider(rc, "Turns").v_model = 13
    assert slider(rc, "Turns").label == "Turns: 13"


def test_workshop_page_plays_turns_shows_the_goal_refuses_a_choice_that_changes_nothing_and_ends(monkeypatch):
    rc, chosen = workshop_page(monkeypatch, scenario="baseline", turns=3, comparison_seeds=1)
    rc.find(v.Btn, children=["Start workshop"]).widget.click()
    threshold = load_base_scenario("baseline").outcomes.threshold
    for turn in (1, 2):   # the first pick starts as "Fund a pillar" on the first pillar: 0 -> 0.5 -> 1.0
        goal = str(rc.find(v.Alert, class_="ssr-goal").widget.children)
        assert f"at or above {threshold:g}" in goal and "donor gone" in goal
        rc.find(v.Btn, class_="ssr-decide").widget.click()
    rc.find(v.Btn, class_="ssr-decide").widget.click()   # funding it again would change nothing
    refusal = str(rc.find(v.Alert, class_="ssr-error").widget.children)
    assert "refused" in refusal and "1.0 -> 1.0" in refusal
    assert any("Turn 3 of 3" in str(w.children) for w in rc.find(v.CardTitle).widgets)
    rc.find(v.Select, class_="ssr-choice-1").widget.v_model = "Back civil society"
    rc.find(v.Btn, class_="ssr-decide").widget.click()
    deadline = time.monotonic() + 60   # the comparison runs finish in a background task
    while not any("percentile" in alert for alert in alerts(rc)):
        assert time.monotonic() < deadline, "no outcome screen within 60 s"
        time.sleep(0.1)
    rc.find(v.Btn, children=["New workshop"]).assert_single()
    assert any(alert.startswith(f"['{chosen.team} — Your path") for alert in alerts(rc))


def test_strategy_table_has_one_header_row_aligned_with_its_values():
    from html.parser import HTMLParser
    import pandas as pd

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows: list[list[tuple[str, str]]] = []

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("th", "td"):
                align = re.search(r"text-align: (\w+)", dict(attrs).get("style", "")).group(1)
                self.rows[-1].append((tag, align))

    comparison = pd.DataFrame({"strategy": ["adaptive", "adaptive", "big_bang", "big_bang"], "seed": [1, 2, 1, 2],
                               "reform_success": [True, False, False, False],
                               "final_mean_de_facto": [0.3, 0.5, 0.1, 0.2], "final_reform_index": [0.6, 0.4, 0.2, 0.3]})
    parser = Cells()
    parser.feed(strategy_table(comparison))
    header, *rows = parser.rows
    assert [tag for tag, _ in header] == ["th"] * 4 and len(rows) == 2
    for row in rows:
        assert [tag for tag, _ in row] == ["td"] * 4
        assert [align for _, align in row] == [align for _, align in header]
    assert "0.50" in strategy_table(comparison) and "0.40" in strategy_table(comparison)  # medians, success rate

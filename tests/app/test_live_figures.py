"""Play redraws only what moves: figures are built once per model and reused month after month,
and what they draw is the run's own series (the app's run is ReformModel's)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from sim import ReformModel
from sim.app.charts import CHART_BUILDERS, live_chart, recorded
from sim.app.live_figure import png_of_pixels
from sim.app.network_view import NetworkFigure, network_figure
from sim.app.setup import AppModel, load_base_scenario

MONTHS = 24


@pytest.fixture
def app_model():
    return AppModel(load_base_scenario("post_conflict"), rng=7)


def pixels(image: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image)))


def test_the_apps_series_are_a_reform_model_runs(app_model):
    alone = ReformModel(load_base_scenario("post_conflict"), rng=7)
    for _ in range(MONTHS):
        app_model.step()
        live_chart(app_model, "indicators").render(app_model)   # drawing must not touch the run
        network_figure(app_model).render(app_model.state.stance)
        alone.step()
    assert app_model.datacollector.model_vars == alone.datacollector.model_vars


def test_each_chart_is_built_once_and_its_lines_carry_the_series_so_far(app_model):
    charts = {name: live_chart(app_model, name) for name in CHART_BUILDERS}
    for chart in charts.values():
        chart.render(app_model)
    figures = {name: chart.frame.figure for name, chart in charts.items()}
    events = len(app_model.events)
    app_model.run(MONTHS)
    assert len(app_model.events) == events, "pick a seed without events in these months"
    years, series = recorded(app_model)
    for name, chart in charts.items():
        assert live_chart(app_model, name) is chart
        chart.render(app_model)
        assert chart.frame.figure is figures[name], name
        for line, column in chart.lines.items():
            assert np.array_equal(line.get_xdata(), years) and list(line.get_ydata()) == series[column]


def test_a_new_event_redraws_the_chart_with_its_mark(app_model):
    chart = live_chart(app_model, "indicators")
    chart.render(app_model)
    first = chart.frame.figure
    while not any(kind in ("phase", "coup", "relapse", "donor_exit") for _, kind, _ in app_model.events[1:]):
        app_model.step()
    chart.render(app_model)
    assert chart.frame.figure is not first


def test_the_network_keeps_its_figure_and_only_the_rings_change(app_model):
    network = network_figure(app_model)
    before = pixels(network.render(app_model.state.stance))
    rings = network.nodes.get_edgecolors().copy()
    positions = network.nodes.get_offsets().copy()
    app_model.run(MONTHS)
    assert network_figure(app_model) is network
    after = pixels(network.render(app_model.state.stance))
    assert not np.array_equal(network.nodes.get_edgecolors(), rings)
    assert np.array_equal(network.nodes.get_offsets(), positions)
    assert before.shape == after.shape and not np.array_equal(before, after)


def test_the_network_is_drawn_again_only_when_a_ring_changes_colour(app_model):
    app_model.run(MONTHS)
    network = network_figure(app_model)
    stance = app_model.state.stance.copy()
    shown = network.render(stance)
    nudged = np.clip(stance + 1e-9, 0.0, 1.0)   # each ring the same of the colour map's 256 colours
    assert network.render(nudged) is shown   # the same bytes: Solara sends nothing
    assert np.array_equal(pixels(shown), pixels(NetworkFigure(app_model).render(nudged)))   # as a fresh drawing
    moved = 1.0 - stance
    assert not np.array_equal(pixels(network.render(moved)), pixels(shown))
    assert np.array_equal(pixels(network.render(moved)), pixels(NetworkFigure(app_model).render(moved)))


def test_a_redraw_mid_collection_draws_the_months_every_series_has(app_model):
    app_model.run(3)
    app_model.datacollector.model_vars["reform_index"].append(0.5)   # as if Play were appending month 4
    years, series = recorded(app_model)
    assert len(years) == 4 and {len(values) for values in series.values()} == {4}
    live_chart(app_model, "indicators").render(app_model)


def test_a_frames_png_holds_the_canvas_pixels_without_alpha(app_model):
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(png_of_pixels(rgba)))
    assert decoded.mode == "RGB" and np.array_equal(np.asarray(decoded), rgba[:, :, :3])
    chart = live_chart(app_model, "pillars")
    frame = pixels(chart.render(app_model))
    assert np.array_equal(frame, np.asarray(chart.frame.canvas.buffer_rgba())[:, :, :3])

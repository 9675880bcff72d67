"""What the charts draw: the labelled success threshold and turn labels that never overlap."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from sim import ReformModel
from sim.app.charts import indicator_figure
from sim.app.setup import load_base_scenario


def labels(figure):
    FigureCanvasAgg(figure)
    renderer = figure.canvas.get_renderer()
    (axes,) = figure.axes
    return axes, renderer, [text for text in axes.texts]


@pytest.mark.parametrize("threshold", [0.6, 0.75])
def test_the_threshold_line_is_labelled_with_the_scenarios_threshold(threshold):
    scenario = load_base_scenario("baseline")
    scenario = scenario.model_copy(update={"outcomes": scenario.outcomes.model_copy(update={"threshold": threshold})})
    axes, renderer, texts = labels(indicator_figure(ReformModel(scenario, rng=1)))
    (label,) = [t for t in texts if t.get_text() == f"success threshold {threshold:g}"]
    assert label.xy[1] == threshold
    line = [ln for ln in axes.get_lines() if list(ln.get_ydata()) == [threshold, threshold]]
    assert line, "no threshold line at the labelled height"


@pytest.mark.parametrize("turns, months_apart", [(10, 12), (20, 12), (8, 60)])
def test_turn_labels_do_not_overlap_and_every_turn_is_marked(turns, months_apart):
    model = ReformModel(load_base_scenario("baseline"), rng=1)
    marks = tuple((turn * months_apart, f"T{turn + 1}") for turn in range(turns))
    axes, renderer, texts = labels(indicator_figure(model, marks))
    turn_labels = [t for t in texts if t.get_text().startswith("T")]
    boxes = [t.get_window_extent(renderer) for t in turn_labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert turn_labels[0].get_text() == "T1"
    triangles = [ln for ln in axes.get_lines() if ln.get_marker() == "^"]
    assert len(triangles) == turns
    if months_apart == 60:   # five years apart there is room for every label
        assert len(turn_labels) == turns

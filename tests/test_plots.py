"""The one-run figure (``plot.png``): a labelled threshold, a legend entry per event kind, marks in
greys no series uses, and elections where the run held them."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.colors import to_hex
import pytest

import sim
from sim import ReformModel
from sim.plots import EVENT_MARKS, run_figure

STAGES = Path(sim.__file__).parent / "stages"
CALLED_ELECTION_MONTH = 31   # hold_elections scheduled after month 30 acts in month 31


@pytest.fixture(scope="module")
def run():
    """post_conflict, seed 3: a relapse, a phase change, donor exits, regular elections, and an
    election called off the regular schedule by an intervention."""
    model = ReformModel("post_conflict", rng=3).run(CALLED_ELECTION_MONTH - 1)
    model.intervene("hold_elections")
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    figure = run_figure(frame, model.events, model.state.pillar_names, model.reform_scenario.outcomes.threshold,
                        "post_conflict · security_first · seed 3")
    yield model, figure
    plt.close(figure)


def _event_marks(axis, kind: str) -> list:
    return [line for line in axis.lines if line.get_gid() == f"event:{kind}"]


def test_threshold_line_is_labelled_with_its_value(run):
    model, figure = run
    headline = figure.axes[0]
    threshold = model.reform_scenario.outcomes.threshold
    label = f"success threshold {threshold:g}"
    assert label in [text.get_text() for text in headline.get_legend().get_texts()]
    line, = [line for line in headline.lines if line.get_label() == label]
    assert set(line.get_ydata()) == {threshold}


def test_one_legend_entry_per_event_kind_recorded(run):
    model, figure = run
    recorded = {kind for _, kind, _ in model.events}
    assert {"election", "intervention", "phase", "donor_exit", "relapse"} <= recorded
    legend, = figure.legends
    labels = [text.get_text() for text in legend.get_texts()]
    assert sorted(labels) == sorted(EVENT_MARKS[kind].label for kind in recorded)


def test_election_marks_are_the_months_elections_were_held(run):
    model, figure = run
    held = sorted({month / 12 for month, kind, _ in model.events if kind == "election"})
    assert CALLED_ELECTION_MONTH / 12 in held and 60 / 12 in held
    for axis in figure.axes:
        marks = _event_marks(axis, "election")
        vertical = [line for line in marks if line.get_marker() == "None"]
        on_top_edge = [line for line in marks if line.get_marker() == EVENT_MARKS["election"].marker]
        assert len(vertical) + len(on_top_edge) == len(marks)
        assert sorted(line.get_xdata()[0] for line in vertical) == held
        assert sorted(line.get_xdata()[0] for line in on_top_edge) == held


def test_event_marks_are_distinct_and_in_colours_no_series_uses(run):
    _, figure = run
    assert len({(mark.linestyle, mark.marker) for mark in EVENT_MARKS.values()}) == len(EVENT_MARKS)
    assert len({mark.marker for mark in EVENT_MARKS.values()}) == len(EVENT_MARKS)
    event_colours = {to_hex(mark.colour) for mark in EVENT_MARKS.values()}
    for axis in figure.axes:
        series = {to_hex(line.get_color()) for line in axis.lines
                  if not str(line.get_gid()).startswith("event:") and not line.get_label().startswith("success threshold")}
        assert series and not series & event_colours


def test_every_kind_the_stages_log_has_a_mark():
    logged = {kind for path in STAGES.glob("*.py")
              for kind in re.findall(r'world\.log\([^,]+,\s*"(\w+)"', path.read_text(encoding="utf-8"))}
    assert logged and logged <= set(EVENT_MARKS)

"""Live charts of a run: headline indicators, de jure vs de facto per pillar, will/trust/violence.

Each chart reads the model's DataCollector lists directly (no DataFrame per frame) and marks
the run's events on the time axis: coup attempts, conflict relapse, donor exits and phase
changes (elections are routine and would clutter it). In a workshop the team's decisions are
marked too, so the timeline of choices sits beside the indicators it moved.

The components draw each chart once per model (:class:`LiveChart`): a new month only extends
its series lines, drawn over the rendered axes, legend and marks (:mod:`sim.app.live_figure`);
the whole chart is drawn again only when a new event is to be marked.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim import HEADLINE_INDICATORS, ReformModel

from .live_figure import LiveFigure, png

EVENT_STYLES = {"coup": ("#c8202a", "coup attempt"), "relapse": ("#000000", "conflict relapse"),
                "donor_exit": ("#f0a020", "donor exit"), "phase": ("#1f5fa8", "phase change")}
DECISION_COLOUR = "#7a3db8"
PILLAR_COLOURS = ("#1f5fa8", "#3a9a4a", "#c8202a", "#8e5ab5", "#f0a020", "#5b4636")
CONTEXT_SERIES = {"political_will": ("political will", "#1f5fa8"), "public_trust": ("public trust", "#3a9a4a"),
                  "violence": ("violence", "#c8202a")}


def recorded(model: ReformModel) -> tuple[np.ndarray, dict[str, list[float]]]:
    """The years recorded so far and every DataCollector series up to them.

    Cut to the shortest series: while Play steps the model in its own thread, a redraw may come
    in the middle of the DataCollector appending this month's values."""
    series = model.datacollector.model_vars
    months = min(len(values) for values in series.values())
    return np.arange(months) / 12.0, {name: values[:months] for name, values in series.items()}


def _new_axes(title: str, model: ReformModel) -> tuple[Figure, Axes]:
    # A fixed layout: constrained layout would draw every frame twice to measure the text.
    figure = Figure(figsize=(6.4, 3.4), dpi=80)
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=10, loc="left")
    axes.set_xlim(0, model.reform_scenario.horizon_years)
    axes.set_ylim(0, 1)
    axes.set_xlabel("year", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.grid(alpha=0.25)
    return figure, axes


def mark_events(axes: Axes, events: Sequence[tuple[int, str, str]]) -> None:
    """A vertical line per event of the marked kinds; one legend entry per kind present."""
    labelled: set[str] = set()
    for month, kind, _detail in events:
        if kind not in EVENT_STYLES:
            continue
        colour, label = EVENT_STYLES[kind]
        axes.axvline(month / 12.0, color=colour, linewidth=1.2, alpha=0.7, linestyle=(0, (4, 2)),
                     label=None if kind in labelled else label)
        labelled.add(kind)


DECISION_FONT_SIZE = 7
CHARACTER_WIDTH = 0.62   # a character's width, in ems, generous for digits and capitals in the default font


def mark_decisions(axes: Axes, decision_months: Sequence[tuple[int, str]]) -> None:
    """Triangles along the bottom at each decision point, numbered by turn.

    Every decision gets a triangle; a label is skipped when it would come within a character's
    width of the last one drawn (turns one year apart on a 40-year axis are closer than "T10"
    is wide)."""
    figure = axes.get_figure()
    axes_inches = axes.get_position().width * figure.get_figwidth()
    low, high = axes.get_xlim()
    years_per_inch = (high - low) / axes_inches
    character = CHARACTER_WIDTH * DECISION_FONT_SIZE / 72 * years_per_inch   # in years
    last_right = -np.inf
    for month, text in sorted(decision_months):
        year = month / 12.0
        axes.plot(year, 0.02, marker="^", color=DECISION_COLOUR, markersize=8, clip_on=False)
        half_width = len(text) * character / 2
        if year - half_width > last_right + character:
            axes.annotate(text, (year, 0.06), fontsize=DECISION_FONT_SIZE, color=DECISION_COLOUR, ha="center")
            last_right = year + half_width


SERIES_GID = "series:"   # gid prefix of a line drawing a DataCollector series: "series:<name>"


def series_gid(name: str) -> str:
    return SERIES_GID + name


def indicator_figure(model: ReformModel, decision_months: Sequence[tuple[int, str]] = ()) -> Figure:
    """The five headline indicators and the reform index, against the success threshold."""
    figure, axes = _new_axes("Headline indicators (WDR 2011)", model)
    years, series = recorded(model)
    for name in HEADLINE_INDICATORS:
        axes.plot(years, series[name], linewidth=1.2, label=name.replace("_", " "), gid=series_gid(name))
    axes.plot(years, series["reform_index"], color="black", linewidth=2.4, label="reform index",
              gid=series_gid("reform_index"))
    threshold = model.reform_scenario.outcomes.threshold
    axes.axhline(threshold, color="grey", linestyle=":", linewidth=1)
    axes.annotate(f"success threshold {threshold:g}", (0.99, threshold), xycoords=("axes fraction", "data"),
                  xytext=(0, 2), textcoords="offset points", ha="right", va="bottom", fontsize=7, color="#444444")
    mark_events(axes, model.events)
    mark_decisions(axes, decision_months)
    axes.legend(fontsize=7, loc="upper left", ncols=2, framealpha=0.8)
    return figure


def pillar_figure(model: ReformModel) -> Figure:
    """De jure (form, dashed) against de facto (function, solid) progress, one colour per pillar."""
    figure, axes = _new_axes("Form (de jure, dashed) vs function (de facto, solid)", model)
    years, series = recorded(model)
    for colour, pillar in zip(PILLAR_COLOURS, model.state.pillar_names):
        axes.plot(years, series[f"de_jure_{pillar}"], color=colour, linewidth=1.1, linestyle="--",
                  gid=series_gid(f"de_jure_{pillar}"))
        axes.plot(years, series[f"de_facto_{pillar}"], color=colour, linewidth=1.8, label=pillar.replace("_", " "),
                  gid=series_gid(f"de_facto_{pillar}"))
    mark_events(axes, model.events)
    axes.legend(fontsize=7, loc="upper left", ncols=2, framealpha=0.8)
    return figure


def context_figure(model: ReformModel, decision_months: Sequence[tuple[int, str]] = ()) -> Figure:
    """Political will, public trust and violence: the politics around the reform."""
    figure, axes = _new_axes("Political will, public trust, violence", model)
    years, series = recorded(model)
    for name, (label, colour) in CONTEXT_SERIES.items():
        axes.plot(years, series[name], color=colour, linewidth=1.6, label=label, gid=series_gid(name))
    mark_events(axes, model.events)
    mark_decisions(axes, decision_months)
    axes.legend(fontsize=7, loc="upper left", ncols=2, framealpha=0.8)
    return figure


ChartBuilder = Callable[[ReformModel, tuple[tuple[int, str], ...]], Figure]


def _marked_events(model: ReformModel) -> int:
    return sum(kind in EVENT_STYLES for _month, kind, _detail in model.events)


class LiveChart:
    """One chart of one model, drawn whole once and then extended month by month.

    :meth:`render` sets each series line's data to the series so far and draws only the lines
    (the legend stays in front) over the kept background; when the run has a new event to mark,
    the chart is built again. It keeps no reference to the model (see :func:`live_chart`)."""

    def __init__(self, build: ChartBuilder, decision_months: tuple[tuple[int, str], ...]) -> None:
        self.build = build
        self.decision_months = decision_months
        self.events_drawn = -1

    def _draw(self, model: ReformModel) -> None:
        figure = self.build(model, self.decision_months)
        (axes,) = figure.axes
        self.lines: dict[Line2D, str] = {line: line.get_gid().removeprefix(SERIES_GID) for line in axes.get_lines()
                                         if (line.get_gid() or "").startswith(SERIES_GID)}
        self.frame = LiveFigure(figure, moving=list(self.lines), in_front=[axes.get_legend()])
        self.events_drawn = _marked_events(model)

    def render(self, model: ReformModel) -> bytes:
        """PNG of the chart at the model's current month."""
        if _marked_events(model) != self.events_drawn:
            self._draw(model)
        years, series = recorded(model)
        for line, name in self.lines.items():
            line.set_data(years, series[name])
        return self.frame.render()


CHART_BUILDERS: dict[str, ChartBuilder] = {
    "indicators": indicator_figure,
    "pillars": lambda model, _decision_months: pillar_figure(model),   # decisions are not marked there
    "context": context_figure,
}
_LIVE_CHARTS: weakref.WeakKeyDictionary[ReformModel, dict[tuple[str, tuple], LiveChart]] = weakref.WeakKeyDictionary()


def live_chart(model: ReformModel, chart: str, decision_months: tuple[tuple[int, str], ...] = ()) -> LiveChart:
    """The model's live chart of this kind (a key of CHART_BUILDERS) with these decision marks, kept as long
    as the model lives (a component cache would not do: panels are remounted when the run changes)."""
    charts = _LIVE_CHARTS.setdefault(model, {})
    key = (chart, decision_months)
    if key not in charts:
        charts[key] = LiveChart(CHART_BUILDERS[chart], decision_months)
    return charts[key]


@solara.component
def IndicatorChart(model: ReformModel, month: int, decision_months: tuple[tuple[int, str], ...] = ()) -> solara.Element:
    image = solara.use_memo(lambda: live_chart(model, "indicators", decision_months).render(model),
                            dependencies=[model, month, decision_months])
    return solara.Image(image, format="png", classes=["ssr-indicators"])


@solara.component
def PillarChart(model: ReformModel, month: int) -> solara.Element:
    image = solara.use_memo(lambda: live_chart(model, "pillars").render(model), dependencies=[model, month])
    return solara.Image(image, format="png", classes=["ssr-pillars"])


@solara.component
def ContextChart(model: ReformModel, month: int, decision_months: tuple[tuple[int, str], ...] = ()) -> solara.Element:
    image = solara.use_memo(lambda: live_chart(model, "context", decision_months).render(model),
                            dependencies=[model, month, decision_months])
    return solara.Image(image, format="png", classes=["ssr-context"])

"""Live charts of a run: headline indicators, de jure vs de facto per pillar, will/trust/violence.

Each chart reads the model's DataCollector lists directly (no DataFrame per frame) and marks
the run's events on the time axis: coup attempts, conflict relapse, donor exits and phase
changes (elections are routine and would clutter it). In a workshop the team's decisions are
marked too, so the timeline of choices sits beside the indicators it moved.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.axes import Axes

from sim import HEADLINE_INDICATORS, ReformModel

EVENT_STYLES = {"coup": ("#c8202a", "coup attempt"), "relapse": ("#000000", "conflict relapse"),
                "donor_exit": ("#f0a020", "donor exit"), "phase": ("#1f5fa8", "phase change")}
DECISION_COLOUR = "#7a3db8"
PILLAR_COLOURS = ("#1f5fa8", "#3a9a4a", "#c8202a", "#8e5ab5", "#f0a020", "#5b4636")
CONTEXT_SERIES = {"political_will": ("political will", "#1f5fa8"), "public_trust": ("public trust", "#3a9a4a"),
                  "violence": ("violence", "#c8202a")}


def _years(model: ReformModel) -> np.ndarray:
    return np.arange(len(model.datacollector.model_vars["reform_index"])) / 12.0


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


def png(figure: Figure) -> bytes:
    """The figure as PNG, lightly compressed: a frame is shown once, speed matters more than bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def indicator_figure(model: ReformModel, decision_months: Sequence[tuple[int, str]] = ()) -> Figure:
    """The five headline indicators and the reform index, against the success threshold."""
    figure, axes = _new_axes("Headline indicators (WDR 2011)", model)
    years, series = _years(model), model.datacollector.model_vars
    for name in HEADLINE_INDICATORS:
        axes.plot(years, series[name], linewidth=1.2, label=name.replace("_", " "))
    axes.plot(years, series["reform_index"], color="black", linewidth=2.4, label="reform index")
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
    years, series = _years(model), model.datacollector.model_vars
    for colour, pillar in zip(PILLAR_COLOURS, model.state.pillar_names):
        axes.plot(years, series[f"de_jure_{pillar}"], color=colour, linewidth=1.1, linestyle="--")
        axes.plot(years, series[f"de_facto_{pillar}"], color=colour, linewidth=1.8, label=pillar.replace("_", " "))
    mark_events(axes, model.events)
    axes.legend(fontsize=7, loc="upper left", ncols=2, framealpha=0.8)
    return figure


def context_figure(model: ReformModel, decision_months: Sequence[tuple[int, str]] = ()) -> Figure:
    """Political will, public trust and violence: the politics around the reform."""
    figure, axes = _new_axes("Political will, public trust, violence", model)
    years, series = _years(model), model.datacollector.model_vars
    for name, (label, colour) in CONTEXT_SERIES.items():
        axes.plot(years, series[name], color=colour, linewidth=1.6, label=label)
    mark_events(axes, model.events)
    mark_decisions(axes, decision_months)
    axes.legend(fontsize=7, loc="upper left", ncols=2, framealpha=0.8)
    return figure


@solara.component
def IndicatorChart(model: ReformModel, month: int, decision_months: tuple[tuple[int, str], ...] = ()) -> solara.Element:
    image = solara.use_memo(lambda: png(indicator_figure(model, decision_months)),
                            dependencies=[model, month, decision_months])
    return solara.Image(image, format="png", classes=["ssr-indicators"])


@solara.component
def PillarChart(model: ReformModel, month: int) -> solara.Element:
    image = solara.use_memo(lambda: png(pillar_figure(model)), dependencies=[model, month])
    return solara.Image(image, format="png", classes=["ssr-pillars"])


@solara.component
def ContextChart(model: ReformModel, month: int, decision_months: tuple[tuple[int, str], ...] = ()) -> solara.Element:
    image = solara.use_memo(lambda: png(context_figure(model, decision_months)),
                            dependencies=[model, month, decision_months])
    return solara.Image(image, format="png", classes=["ssr-context"])

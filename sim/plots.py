"""The figure of one run (``ssr-sim run``'s ``plot.png``): headline indicators against the success
threshold, form vs function per pillar, will/trust/violence/spoilers and donor funding, with the
run's events (``model.events``: elections, phase changes, donor exits, relapse, coups,
interventions) marked on every panel in greys no series uses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import pandas as pd  # noqa: E402

from .fields import HEADLINE_INDICATORS  # noqa: E402
from .report.style import PALETTE, colours  # noqa: E402


class EventMark(NamedTuple):
    """How one kind of event is drawn: a vertical line through every panel and a marker on its top edge."""

    label: str
    colour: str
    linestyle: str | tuple
    marker: str


#: Every kind the stages log (``world.log`` in ``sim/stages``), each in its own grey, line style and
#: marker. Elections are the run's own log (regular ones every ``election_interval_years``, scheduled
#: ones and those an intervention calls), so the marks are the months elections were held.
EVENT_MARKS = {
    "election": EventMark("election", "#8c8c8c", (0, (1, 2)), "v"),
    "phase": EventMark("phase change", "#595959", "-.", "D"),
    "intervention": EventMark("intervention", "#595959", (0, (4, 1.5, 1, 1.5, 1, 1.5)), "P"),
    "donor_exit": EventMark("donor exit", "#404040", (0, (3, 2)), "s"),
    "relapse": EventMark("conflict relapse", "#262626", "-", "X"),
    "coup": EventMark("coup attempt", "#262626", (0, (10, 3)), "*"),
}
THRESHOLD_COLOUR = "#595959"
REFORM_INDEX_COLOUR = PALETTE[-1]  # black, the thickest line: the index success is judged on
TITLE_PAD = 10  # points: room for the event markers on each panel's top edge
SOCIAL_SERIES = ("political_will", "public_trust", "violence", "spoiler_strength")


def _label(name: str) -> str:
    return name.replace("_", " ")


def run_figure(frame: pd.DataFrame, events: Sequence[tuple[int, str, str]], pillars: Sequence[str],
               threshold: float, title: str) -> Figure:
    """A four-panel figure of a run's monthly series (x axis in years), its events marked on every
    panel with one legend entry per kind that occurred, the threshold drawn and labelled."""
    years = frame.index.to_numpy() / 12.0
    horizon = years[-1]
    figure, axes = plt.subplots(2, 2, figsize=(12, 8.6), sharex=True, layout="constrained")
    headline, pillar_axis, social, money = axes.ravel()

    for name, colour in colours(HEADLINE_INDICATORS).items():
        headline.plot(years, frame[name], color=colour, linewidth=1.3, label=_label(name))
    headline.plot(years, frame["reform_index"], color=REFORM_INDEX_COLOUR, linewidth=2.6, label="reform index")
    threshold_label = f"success threshold {threshold:g}"
    headline.axhline(threshold, color=THRESHOLD_COLOUR, linewidth=1.3, label=threshold_label)
    headline.annotate(threshold_label, (0.01, threshold), xycoords=("axes fraction", "data"),
                      xytext=(0, 2), textcoords="offset points", fontsize=8, color=THRESHOLD_COLOUR)
    headline.set_title("Headline indicators (WDR 2011) and their mean, the reform index", pad=TITLE_PAD)

    for pillar, colour in colours(pillars).items():
        pillar_axis.plot(years, frame[f"de_facto_{pillar}"], color=colour, linewidth=1.6, label=_label(pillar))
        pillar_axis.plot(years, frame[f"de_jure_{pillar}"], color=colour, linestyle="--", linewidth=1)
    pillar_axis.set_title("Function (de facto, solid) vs form (de jure, dashed) by pillar", pad=TITLE_PAD)

    for name, colour in colours(SOCIAL_SERIES).items():
        social.plot(years, frame[name], color=colour, linewidth=1.4, label=_label(name))
    social.set_title("Will, trust, violence (0-1); spoilers' total strength", pad=TITLE_PAD)

    money.plot(years, frame["donor_funding"], color=PALETTE[0], linewidth=1.4, label="donor funding")
    money.set_title("Donor funding (budget units a month)", pad=TITLE_PAD)

    headline.set_ylim(-0.02, 1.02)
    pillar_axis.set_ylim(-0.02, 1.02)
    social.set_ylim(-0.02, max(1.0, float(frame[list(SOCIAL_SERIES)].to_numpy().max())) * 1.02)
    money.set_ylim(bottom=0)
    for axis in axes.ravel():
        axis.set_xlim(0, horizon)
        axis.grid(axis="y", alpha=0.3)  # no vertical grid: it would hide election marks at round years
        axis.legend(fontsize=7, loc="best", framealpha=0.85)
    for axis in axes[1]:
        axis.set_xlabel("years since the start of the run")

    kinds = _mark_events(axes.ravel(), events)
    if kinds:
        figure.legend(handles=[_legend_handle(EVENT_MARKS[kind]) for kind in kinds], loc="outside lower center",
                      ncols=len(kinds), fontsize=8, title="events (on every panel)", title_fontsize=8,
                      frameon=False)
    figure.suptitle(f"One run: {title} · {horizon:g} {'year' if horizon == 1 else 'years'}")
    return figure


def _mark_events(panels: Sequence[Axes], events: Sequence[tuple[int, str, str]]) -> list[str]:
    """Draw each event kind's distinct months on every panel (several donors leaving in one month
    are one mark); return the kinds drawn, in the order of ``EVENT_MARKS``. Each mark carries the
    gid ``event:<kind>``."""
    months = {kind: sorted({month for month, logged, _ in events if logged == kind}) for kind in EVENT_MARKS}
    drawn = [kind for kind, when in months.items() if when]
    for kind in drawn:
        mark = EVENT_MARKS[kind]
        for axis in panels:
            for month in months[kind]:
                axis.axvline(month / 12.0, color=mark.colour, linestyle=mark.linestyle, linewidth=1.1,
                             alpha=0.8, gid=f"event:{kind}")
                axis.plot(month / 12.0, 1.0, transform=axis.get_xaxis_transform(), marker=mark.marker,
                          linestyle="none", color=mark.colour, markersize=8, clip_on=False, gid=f"event:{kind}")
    return drawn


def _legend_handle(mark: EventMark) -> Line2D:
    return Line2D([], [], color=mark.colour, linestyle=mark.linestyle, marker=mark.marker, label=mark.label)


def plot_run(frame: pd.DataFrame, events: Sequence[tuple[int, str, str]], pillars: Sequence[str],
             threshold: float, title: str, path: Path) -> Path:
    """Save :func:`run_figure` to ``path`` (PNG)."""
    figure = run_figure(frame, events, pillars, threshold, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

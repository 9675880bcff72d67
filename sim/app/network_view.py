"""The influence network: actors coloured by type, sized by influence, ringed by their stance.

The layout is computed once per model and the figure built and rendered once per model too:
ties and node positions never move during a run, so a redraw only recolours each actor's ring
(its stance toward reform) and draws the actors over the kept image of the rest
(:mod:`sim.app.live_figure`). Actors of a type sit together, each type in a
cluster on a ring (ministries at the centre) with the most influential actors at its
middle, so a room can find "the army" or "the donors" at a glance; a force-directed layout
of 300 actors would be a hairball that moves on every reset.

Above :data:`MAX_DRAWN_ACTORS` actors (``national`` has 10^5) one dot per actor would be an
unreadable smear that takes seconds to draw, so the figure summarises instead: one circle per
actor type, sized by its number of actors and ringed by its mean stance, with a line per pair
of types that have ties, as wide as the log of their number (:func:`type_summary`).
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim import ReformModel
from sim.scenario import ACTOR_TYPES, TIE_TYPES

from .live_figure import LiveFigure

# Type colours stay clear of the red-yellow-green of the stance rings.
TYPE_COLOURS = {"ministry": "#1f4e9a", "security_force": "#7b5b3a", "parliament": "#8e5ab5",
                "civil_society": "#17a2b8", "donor": "#e07b00", "spoiler": "#3c3c3c"}
TYPE_LABELS = {"ministry": "ministry", "security_force": "security force", "parliament": "parliament",
               "civil_society": "civil society", "donor": "donor", "spoiler": "spoiler"}
TIE_STYLES = {"command": ("#333333", "solid"), "oversight": ("#8e5ab5", "dashed"),
              "funding": ("#f0a020", "dotted"), "patronage": ("#c8202a", "solid"),
              "advocacy": ("#3a9a4a", "dashdot"), "threat": ("#c8202a", (0, (1, 2)))}
STANCE_COLOURS = "RdYlGn"   # red: opposes reform, green: supports it
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


#: Most actors drawn one by one; a larger network is summarised by type (see the module docstring).
MAX_DRAWN_ACTORS = 3_000


def type_centre(type_name: str) -> np.ndarray:
    """Where a type's cluster sits: ministries at the centre, the other types on a ring."""
    if type_name == "ministry":
        return np.zeros(2)
    ring = [t for t in ACTOR_TYPES if t != "ministry"]
    angle = 2 * math.pi * ring.index(type_name) / len(ring) + math.pi / 2
    return 3.2 * np.array([math.cos(angle), math.sin(angle)])


def network_layout(model: ReformModel) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Positions (actors x 2): type clusters on a ring, each a sunflower spiral ordered by
    influence; and where to label each cluster."""
    state = model.state
    positions = np.zeros((len(state.names), 2))
    labels: dict[str, np.ndarray] = {}
    for type_name in ACTOR_TYPES:
        members = state.types[type_name].index
        if not len(members):
            continue
        centre = type_centre(type_name)
        order = members[np.argsort(-state.influence[members], kind="stable")]
        spacing = 1.1 / math.sqrt(max(len(members), 4))
        for rank, actor in enumerate(order):
            radius = spacing * math.sqrt(rank + 0.5)
            positions[actor] = centre + radius * np.array([math.cos(rank * GOLDEN_ANGLE),
                                                           math.sin(rank * GOLDEN_ANGLE)])
        labels[type_name] = centre + np.array([0.0, spacing * math.sqrt(len(members)) + 0.35])
    return positions, labels


class NetworkFigure:
    """The network drawn once for a model; :meth:`render` recolours stances and redraws only the actors.

    It keeps no reference to the model, so the per-model cache below can let both go together.
    """

    def __init__(self, model: ReformModel) -> None:
        state = model.state
        self.figure = Figure(figsize=(6.4, 5.2), dpi=80)  # fixed layout: see sim.app.charts
        axes = self.figure.add_axes((0.0, 0.1, 0.86, 0.9))
        axes.set_axis_off()
        axes.set_aspect("equal")
        summarised = len(state.actor_type) > MAX_DRAWN_ACTORS
        if summarised:
            positions, sizes, segments, widths, labels = type_summary(model)
            self.node_stances = _type_mean_stances(model)
        else:
            positions, labels = network_layout(model)
            sizes = 15 + 170 * state.influence / state.influence.max()
            segments, widths = self._tie_segments(model, positions), None
            self.node_stances = lambda stance: stance
        for kind, lines in segments.items():
            if len(lines):
                colour, style = TIE_STYLES[kind]
                axes.add_collection(LineCollection(
                    lines, colors=colour, linestyles=style, zorder=1,
                    linewidths=widths[kind] if widths else 0.6,
                    alpha=0.5 if summarised or len(lines) <= 200 else 0.25))
        self.stance_colours = ScalarMappable(norm=Normalize(0.0, 1.0), cmap=colormaps[STANCE_COLOURS])
        self.figure.colorbar(self.stance_colours, cax=self.figure.add_axes((0.86, 0.3, 0.025, 0.5)),
                             label="stance toward reform" + (" (type mean)" if summarised else ""))
        colours = ([TYPE_COLOURS[t] for t in ACTOR_TYPES if len(state.types[t])] if summarised
                   else [TYPE_COLOURS[ACTOR_TYPES[code]] for code in state.actor_type])
        self.nodes = axes.scatter(positions[:, 0], positions[:, 1], s=sizes, zorder=2, linewidths=2.0, c=colours)
        cluster_labels = []
        for type_name, where in labels.items():
            count = len(state.types[type_name])
            cluster_labels.append(axes.annotate(f"{TYPE_LABELS[type_name]}" + (f" ({count:,})" if count > 1 else ""),
                                                where, ha="center", fontsize=8, color=TYPE_COLOURS[type_name],
                                                fontweight="bold"))
        self.figure.legend(handles=_legend_handles(model), loc="lower center", ncols=3, fontsize=7,
                           frameon=False)
        corners = np.vstack([positions, *labels.values()])
        axes.set_xlim(corners[:, 0].min() - 0.6, corners[:, 0].max() + 0.6)
        axes.set_ylim(corners[:, 1].min() - 0.3, corners[:, 1].max() + 0.3)
        self.frame = LiveFigure(self.figure, moving=[self.nodes], in_front=cluster_labels)
        self.last: tuple[np.ndarray, bytes] | None = None   # the ring colours last drawn, and their PNG

    @staticmethod
    def _tie_segments(model: ReformModel, positions: np.ndarray) -> dict[str, np.ndarray]:
        """Each tie as a segment from its source's position to its target's, by tie type."""
        ties = model.ties
        return {kind: np.stack([positions[ties.source[ties.type == code]], positions[ties.target[ties.type == code]]],
                               axis=1)
                for code, kind in enumerate(TIE_TYPES)}

    def render(self, stance: np.ndarray) -> bytes:
        """PNG of the network with these stances (one per actor).

        The ring colours come from a 256-step colour map, so in about a quarter of the months no
        actor's ring changes colour; then the last PNG is returned, the same bytes object, which
        Solara does not send again (nor does the browser decode it again)."""
        rings = self.stance_colours.to_rgba(self.node_stances(stance))
        if self.last is None or not np.array_equal(rings, self.last[0]):
            self.nodes.set_edgecolors(rings)
            self.last = rings, self.frame.render()
        return self.last[1]


def type_summary(model: ReformModel) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray],
                                                dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A large network by actor type: each present type's position and circle size (area
    proportional to the square root of its actors), its ties as one segment per (source type,
    target type, tie type) present, as wide as 0.5 + log10 of their number, and label positions."""
    state, ties = model.state, model.ties
    present = [t for t in ACTOR_TYPES if len(state.types[t])]
    positions = np.array([type_centre(t) for t in present])
    sizes = np.array([40 + 4 * math.sqrt(len(state.types[t])) for t in present])
    labels = {t: type_centre(t) + np.array([0.0, 0.75]) for t in present}
    code_of = np.array([present.index(t) if t in present else -1 for t in ACTOR_TYPES])
    pair = (ties.type.astype(np.int64) * len(ACTOR_TYPES) + code_of[state.actor_type[ties.source]]) \
        * len(ACTOR_TYPES) + code_of[state.actor_type[ties.target]]
    keys, counts = np.unique(pair, return_counts=True)
    segments: dict[str, list[np.ndarray]] = {kind: [] for kind in TIE_TYPES}
    widths: dict[str, list[float]] = {kind: [] for kind in TIE_TYPES}
    for key, count in zip(keys.tolist(), counts.tolist()):
        rest, target = divmod(key, len(ACTOR_TYPES))
        code, source = divmod(rest, len(ACTOR_TYPES))
        if source != target:  # ties within a type are inside its circle
            segments[TIE_TYPES[code]].append(positions[[source, target]])
            widths[TIE_TYPES[code]].append(0.5 + math.log10(count))
    return (positions, sizes, {k: np.array(v) for k, v in segments.items()},
            {k: np.array(v) for k, v in widths.items()}, labels)


def _type_mean_stances(model: ReformModel):
    """A function from every actor's stance to each present type's influence-weighted mean."""
    state = model.state
    present = [t for t in ACTOR_TYPES if len(state.types[t])]
    return lambda stance: np.array([state.type_mean(t, stance[state.types[t].index]) for t in present])


def _legend_handles(model: ReformModel) -> list[Line2D]:
    """One entry per tie type present, so the key matches the picture (types are labelled in place)."""
    present = [kind for kind, count in model.ties.count_by_type().items() if count]
    return [Line2D([], [], color=TIE_STYLES[t][0], linestyle=TIE_STYLES[t][1], label=f"{t} tie") for t in present]


_FIGURES: weakref.WeakKeyDictionary[ReformModel, NetworkFigure] = weakref.WeakKeyDictionary()


def network_figure(model: ReformModel) -> NetworkFigure:
    """The model's network figure, built on first use and kept as long as the model lives
    (a component cache would not do: the panels are remounted when the scenario or seed changes)."""
    if model not in _FIGURES:
        _FIGURES[model] = NetworkFigure(model)
    return _FIGURES[model]


@solara.component
def NetworkView(model: ReformModel, month: int) -> solara.Element:
    """The network image; ``month`` is passed so the view re-renders after every step."""
    image = solara.use_memo(lambda: network_figure(model).render(model.state.stance), dependencies=[model, month])
    return solara.Image(image, format="png", classes=["ssr-network"])

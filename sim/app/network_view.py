"""The influence network: actors coloured by type, sized by influence, ringed by their stance.

The layout is computed once per model and the figure built and rendered once per model too:
ties and node positions never move during a run, so a redraw only recolours each actor's ring
(its stance toward reform) and draws the actors over the kept image of the rest
(:mod:`sim.app.live_figure`). Actors of a type sit together, each type in a
cluster on a ring (ministries at the centre) with the most influential actors at its
middle, so a room can find "the army" or "the donors" at a glance; a force-directed layout
of 300 actors would be a hairball that moves on every reset.
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
from sim.scenario import ACTOR_TYPES

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


def network_layout(model: ReformModel) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Positions (actors x 2): type clusters on a ring, each a sunflower spiral ordered by
    influence; and where to label each cluster."""
    state = model.state
    positions = np.zeros((len(state.names), 2))
    labels: dict[str, np.ndarray] = {}
    ring = [t for t in ACTOR_TYPES if t != "ministry"]
    for type_name in ACTOR_TYPES:
        members = state.types[type_name].index
        if not len(members):
            continue
        if type_name == "ministry":
            centre = np.zeros(2)
        else:
            angle = 2 * math.pi * ring.index(type_name) / len(ring) + math.pi / 2
            centre = 3.2 * np.array([math.cos(angle), math.sin(angle)])
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
        positions, labels = network_layout(model)
        self.figure = Figure(figsize=(6.4, 5.2), dpi=80)  # fixed layout: see sim.app.charts
        axes = self.figure.add_axes((0.0, 0.1, 0.86, 0.9))
        axes.set_axis_off()
        axes.set_aspect("equal")
        ties: dict[str, list[np.ndarray]] = {kind: [] for kind in TIE_STYLES}
        for source, target, data in model.graph.edges(data=True):
            ties[data["type"]].append(positions[[source, target]])
        for kind, segments in ties.items():
            if segments:
                colour, style = TIE_STYLES[kind]
                axes.add_collection(LineCollection(segments, colors=colour, linestyles=style, linewidths=0.6,
                                                   alpha=0.25 if len(segments) > 200 else 0.5, zorder=1))
        influence = state.influence / state.influence.max()
        self.stance_colours = ScalarMappable(norm=Normalize(0.0, 1.0), cmap=colormaps[STANCE_COLOURS])
        self.figure.colorbar(self.stance_colours, cax=self.figure.add_axes((0.86, 0.3, 0.025, 0.5)),
                             label="stance toward reform")
        self.nodes = axes.scatter(
            positions[:, 0], positions[:, 1], s=15 + 170 * influence, zorder=2, linewidths=2.0,
            c=[TYPE_COLOURS[ACTOR_TYPES[code]] for code in state.actor_type])
        cluster_labels = []
        for type_name, where in labels.items():
            count = len(state.types[type_name])
            cluster_labels.append(axes.annotate(f"{TYPE_LABELS[type_name]}" + (f" ({count})" if count > 1 else ""), where, ha="center",
                          fontsize=8, color=TYPE_COLOURS[type_name], fontweight="bold"))
        self.figure.legend(handles=_legend_handles(model), loc="lower center", ncols=3, fontsize=7,
                           frameon=False)
        corners = np.vstack([positions, *labels.values()])
        axes.set_xlim(corners[:, 0].min() - 0.6, corners[:, 0].max() + 0.6)
        axes.set_ylim(corners[:, 1].min() - 0.3, corners[:, 1].max() + 0.3)
        self.frame = LiveFigure(self.figure, moving=[self.nodes], in_front=cluster_labels)

    def render(self, stance: np.ndarray) -> bytes:
        """PNG of the network with these stances (one per actor)."""
        self.nodes.set_edgecolors(self.stance_colours.to_rgba(stance))
        return self.frame.render()


def _legend_handles(model: ReformModel) -> list[Line2D]:
    """One entry per tie type present, so the key matches the picture (types are labelled in place)."""
    present = sorted({data["type"] for _, _, data in model.graph.edges(data=True)}, key=list(TIE_STYLES).index)
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

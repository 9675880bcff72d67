"""The influence network of a scenario as a static figure: actors coloured by type, ties drawn
in a style per tie type (one draw of the scenario's random ties, seed 0; structural and named
ties are the same in every run)."""

from __future__ import annotations

import networkx as nx
import numpy as np
from matplotlib.lines import Line2D

from ..scenario import ACTOR_TYPES, TIE_TYPES, Scenario
from .style import PALETTE, Chart, new_figure, readable

#: Most actors :func:`network_chart` draws: a spring layout costs the square of the actors per
#: iteration, and more dots than this make no readable figure (sim/report/page.py leaves a note).
MAX_DRAWN_ACTORS = 3_000
#: A line style per tie type, so tie types differ in greyscale too.
TIE_STYLES = ("solid", "dashed", "dotted", "dashdot", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)))


def network_chart(scenario: Scenario, label: str, experiment: str) -> Chart:
    """The network of one run of ``scenario`` (seed 0), laid out by a seeded spring layout."""
    from ..model import ReformModel

    graph = ReformModel(scenario, rng=0).graph
    layout = nx.spring_layout(nx.Graph(graph), seed=1, k=1.6 / np.sqrt(max(1, graph.number_of_nodes())))
    figure, axes = new_figure(1, 1, 8.5, 6.5)
    axis = axes[0][0]
    type_colour = {kind: PALETTE[k % len(PALETTE)] for k, kind in enumerate(ACTOR_TYPES)}
    tie_style = {kind: TIE_STYLES[k % len(TIE_STYLES)] for k, kind in enumerate(TIE_TYPES)}
    tie_colour = {kind: PALETTE[-1 - k % len(PALETTE)] for k, kind in enumerate(TIE_TYPES)}
    present = sorted({data["type"] for _, _, data in graph.edges(data=True)}, key=TIE_TYPES.index)
    for kind in present:
        edges = [(s, t) for s, t, data in graph.edges(data=True) if data["type"] == kind]
        nx.draw_networkx_edges(graph, layout, edgelist=edges, ax=axis, style=tie_style[kind],
                               edge_color=tie_colour[kind], width=1.0, alpha=0.7, arrows=True, arrowsize=6,
                               node_size=120)
    types = [graph.nodes[n]["actor_type"] for n in graph.nodes]
    nx.draw_networkx_nodes(graph, layout, ax=axis, node_size=120, node_color=[type_colour[t] for t in types],
                           edgecolors="black", linewidths=0.5)
    members = {}
    for node in graph.nodes:
        members.setdefault(graph.nodes[node]["member"], node)
    nx.draw_networkx_labels(graph, layout, labels={node: name.replace("_", " ") for name, node in members.items()},
                            font_size=6, ax=axis, verticalalignment="bottom")
    handles = [Line2D([], [], marker="o", ls="", color=type_colour[t], markeredgecolor="black", label=readable(t))
               for t in ACTOR_TYPES if t in types]
    handles += [Line2D([], [], ls=tie_style[k], color=tie_colour[k], label=f"{k} tie") for k in present]
    axis.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axis.set_axis_off()
    counts = {kind: sum(1 for *_, d in graph.edges(data=True) if d["type"] == kind) for kind in present}
    title = (f"{experiment} · {label}: influence network, {graph.number_of_nodes()} actors, "
             f"{graph.number_of_edges()} ties (random ties: seed 0)")
    axis.set_title(title, fontsize=10)
    reading = ("Ties by type: " + ", ".join(f"{n} {k}" for k, n in counts.items())
               + ". Colours are actor types; one label per named member (a member may have several actors).")
    return Chart(f"network_{label}", title, reading, figure)

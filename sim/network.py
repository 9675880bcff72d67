"""The influence network: a typed, weighted ``networkx`` digraph, and the sparse matrices the step uses.

Ties point from the actor who exerts influence to the actor who receives it. Three sources:
structural ties implied by roles (a pillar's lead ministry commands the forces that pillar
governs; a spoiler holds patronage over the ministries leading the pillars where its rents
are), random role-based ties (each rule ties pairs of two actor types with a probability,
drawn from the model's generator), and explicit ties named in the scenario.

Matrices are built once per network: ``A[t][i, j]`` is the weight of the tie of type ``t``
from j to i, so ``A[t] @ x`` aggregates what i receives.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .scenario import ACTOR_TYPES, TIE_TYPES, Scenario
from .state import CORRUPTIBLE, ReformState


@dataclass(frozen=True)
class NetworkMatrices:
    """One network's matrices; in a batch (:func:`stack_matrices`) the sparse ones are
    :class:`BlockOperator` and the arrays carry a leading replication axis."""

    influence: sp.csr_matrix              # row-stochastic, self weight on the diagonal
    peers: sp.csr_matrix                  # row-stochastic over patronage and command ties
    has_peers: np.ndarray                 # rows of ``peers`` that have any tie
    patronage_from_spoilers: sp.csr_matrix  # actors x spoilers, patronage weight
    funding_of_ministries: sp.csr_matrix    # ministries x donors, row-stochastic over each one's funders
    threat_on_civil_society: np.ndarray     # threat received by each civil-society agent, capped at 1


class BlockOperator:
    """R sparse matrices, one per replication's network, applied as one block-diagonal matrix.

    ``operator @ x`` maps (R, n_in) to (R, n_out): each row through its own replication's
    matrix, in one sparse product. The blocks' arrays are concatenated as they are, so every
    row sums the same products in the same order as its matrix alone would.
    """

    def __init__(self, blocks: list[sp.csr_matrix]) -> None:
        rows, columns = blocks[0].shape
        self.replications = len(blocks)
        nonzeros = np.cumsum([0] + [block.nnz for block in blocks])
        self.matrix = sp.csr_matrix((
            np.concatenate([block.data for block in blocks]),
            np.concatenate([block.indices + k * columns for k, block in enumerate(blocks)]),
            np.concatenate([[0]] + [block.indptr[1:] + nonzeros[k] for k, block in enumerate(blocks)]),
        ), shape=(rows * self.replications, columns * self.replications))

    def __matmul__(self, values: np.ndarray) -> np.ndarray:
        return (self.matrix @ np.ascontiguousarray(values, dtype=float).reshape(-1)).reshape(self.replications, -1)


def stack_matrices(networks: list[NetworkMatrices]) -> NetworkMatrices:
    """The matrices of a batch from those of its replications' networks."""
    return NetworkMatrices(
        influence=BlockOperator([n.influence for n in networks]),
        peers=BlockOperator([n.peers for n in networks]),
        has_peers=np.stack([n.has_peers for n in networks]),
        patronage_from_spoilers=BlockOperator([n.patronage_from_spoilers for n in networks]),
        funding_of_ministries=BlockOperator([n.funding_of_ministries for n in networks]),
        threat_on_civil_society=np.stack([n.threat_on_civil_society for n in networks]),
    )


def add_tie(graph: nx.MultiDiGraph, source: int, target: int, tie_type: str, weight: float) -> None:
    """One tie per (source, target, type): a second source of the same tie (a random rule on top
    of a structural tie, a spoiler with rents in two pillars of one ministry) keeps the stronger."""
    if graph.has_edge(source, target, key=tie_type):
        weight = max(weight, graph.edges[source, target, tie_type]["weight"])
    graph.add_edge(source, target, key=tie_type, type=tie_type, weight=weight)


def build_graph(scenario: Scenario, state: ReformState, rng: np.random.Generator) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for index, (name, code) in enumerate(zip(state.names, state.actor_type)):
        graph.add_node(index, name=name, member=state.member_of[index], actor_type=ACTOR_TYPES[code])

    ministries = state.types["ministry"].index
    forces = state.types["security_force"]
    for pillar, lead in enumerate(state.pillar_lead):
        for force in forces.index[forces.pillar == pillar]:
            add_tie(graph, int(ministries[lead]), int(force), "command", 0.6)
    spoilers = state.types["spoiler"]
    for row, spoiler in enumerate(spoilers.index):
        for pillar in np.flatnonzero(state.spoiler_rents[row] > 0):
            lead = int(ministries[state.pillar_lead[pillar]])
            add_tie(graph, int(spoiler), lead, "patronage", float(state.spoiler_rents[row, pillar]))

    for rule in scenario.network.rules:
        sources = state.types[rule.source].index
        targets = state.types[rule.target].index
        if len(sources) == 0 or len(targets) == 0:
            continue
        drawn = rng.random((len(sources), len(targets))) < rule.probability
        for s, t in zip(*np.nonzero(drawn)):
            if sources[s] != targets[t]:
                add_tie(graph, int(sources[s]), int(targets[t]), rule.type, rule.weight)

    by_member: dict[str, list[int]] = {}
    for index, member in enumerate(state.member_of):
        by_member.setdefault(member, []).append(index)
    for tie in scenario.network.ties:
        for source in by_member[tie.source]:
            for target in by_member[tie.target]:
                if source != target:
                    add_tie(graph, source, target, tie.type, tie.weight)
    return graph


def _row_normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)


def build_matrices(graph: nx.MultiDiGraph, state: ReformState, self_weight: float) -> NetworkMatrices:
    n = graph.number_of_nodes()
    rows: dict[str, list[int]] = {t: [] for t in TIE_TYPES}
    cols: dict[str, list[int]] = {t: [] for t in TIE_TYPES}
    weights: dict[str, list[float]] = {t: [] for t in TIE_TYPES}
    for source, target, data in graph.edges(data=True):
        rows[data["type"]].append(target)
        cols[data["type"]].append(source)
        weights[data["type"]].append(data["weight"])
    adjacency = {
        t: sp.csr_matrix((weights[t], (rows[t], cols[t])), shape=(n, n)) for t in TIE_TYPES
    }
    # Influence: who listens to whom, scaled by the speaker's weight; every actor keeps
    # ``self_weight`` on its own current stance (so isolated actors are not undefined).
    received = sum(adjacency.values(), sp.csr_matrix((n, n))) @ sp.diags(state.influence)
    incoming = np.asarray(received.sum(axis=1)).ravel()
    others = _row_normalise(sp.csr_matrix(received)) * (1.0 - self_weight)
    diagonal = np.where(incoming > 0, self_weight, 1.0)
    influence = sp.csr_matrix(others + sp.diags(diagonal))

    donors = state.types["donor"].index
    spoilers = state.types["spoiler"].index
    # Corruption norms pass between officials only: a spoiler's patronage tie carries capture
    # (``patronage_from_spoilers``), not a peer's example.
    officials = sp.diags(state.mask(*CORRUPTIBLE).astype(float))
    funding = _row_normalise(adjacency["funding"][:, donors])
    civil = state.types["civil_society"].index
    peers = _row_normalise(sp.csr_matrix((adjacency["patronage"] + adjacency["command"]) @ officials))
    return NetworkMatrices(
        influence=influence,
        peers=peers,
        has_peers=np.asarray(peers.sum(axis=1)).ravel() > 0,
        patronage_from_spoilers=sp.csr_matrix(adjacency["patronage"][:, spoilers]),
        funding_of_ministries=sp.csr_matrix(funding[state.types["ministry"].index]),
        threat_on_civil_society=np.minimum(np.asarray(adjacency["threat"][civil].sum(axis=1)).ravel(), 1.0),
    )

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

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .scenario import ACTOR_TYPES, TIE_TYPES, Scenario
from .state import CORRUPTIBLE, ReformState


@dataclass(frozen=True)
class NetworkMatrices:
    """The matrices the step uses, for the networks of a batch of R replications: each sparse
    one is a :class:`BlockOperator`, each array has a leading replication axis."""

    influence: BlockOperator                # row-stochastic, self weight on the diagonal
    peers: BlockOperator                    # row-stochastic over patronage and command ties
    has_peers: np.ndarray                   # rows of ``peers`` that have any tie
    patronage_from_spoilers: BlockOperator  # actors x spoilers, patronage weight
    funding_of_ministries: BlockOperator    # ministries x donors, row-stochastic over each one's funders
    threat_on_civil_society: np.ndarray     # threat received by each civil-society agent, capped at 1

    def replication(self, row: int) -> dict[str, sp.csr_matrix | np.ndarray]:
        """One replication's matrices and arrays, by name (for inspection)."""
        return {name: value.block(row) if isinstance(value, BlockOperator) else value[row]
                for name, value in vars(self).items()}


class BlockOperator:
    """R sparse matrices, one per replication's network, held as one block-diagonal matrix.

    ``operator @ x`` maps (R, n_in) to (R, n_out), each row through its own replication's
    block, in one sparse product. A row of the product sums the same terms in the same order
    whatever the number of blocks, so a replication's numbers do not depend on its batch.
    """

    def __init__(self, matrix: sp.csr_matrix, replications: int) -> None:
        self.matrix = matrix
        self.replications = replications

    def __matmul__(self, values: np.ndarray) -> np.ndarray:
        return (self.matrix @ np.ascontiguousarray(values, dtype=float).reshape(-1)).reshape(self.replications, -1)

    def block(self, row: int) -> sp.csr_matrix:
        rows, columns = (size // self.replications for size in self.matrix.shape)
        return self.matrix[row * rows:(row + 1) * rows, row * columns:(row + 1) * columns]


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


def ties(graph: nx.MultiDiGraph) -> list[tuple[int, int, str, float]]:
    """A network's ties as (source, target, type, weight)."""
    return [(source, target, data["type"], data["weight"]) for source, target, data in graph.edges(data=True)]


def build_matrices(networks: Sequence[list[tuple[int, int, str, float]]], state: ReformState,
                   self_weight: float) -> NetworkMatrices:
    """The matrices of R replications' networks (their :func:`ties`), built at once on their
    disjoint union (node i of replication r is r n + i), so every matrix is block diagonal."""
    replications, n = len(networks), len(state.names)
    rows: dict[str, list[int]] = {t: [] for t in TIE_TYPES}
    cols: dict[str, list[int]] = {t: [] for t in TIE_TYPES}
    weights: dict[str, list[float]] = {t: [] for t in TIE_TYPES}
    for replication, network in enumerate(networks):
        offset = replication * n
        for source, target, tie_type, weight in network:
            rows[tie_type].append(target + offset)
            cols[tie_type].append(source + offset)
            weights[tie_type].append(weight)
    size = replications * n
    adjacency = {
        t: sp.csr_matrix((weights[t], (rows[t], cols[t])), shape=(size, size)) for t in TIE_TYPES
    }

    def every(index: np.ndarray) -> np.ndarray:
        """An index into one replication's actors, repeated for every replication."""
        return (np.arange(replications)[:, None] * n + index).ravel()

    # Influence: who listens to whom, scaled by the speaker's weight; every actor keeps
    # ``self_weight`` on its own current stance (so isolated actors are not undefined).
    received = sum(adjacency.values(), sp.csr_matrix((size, size))) @ sp.diags(np.tile(state.influence, replications))
    incoming = np.asarray(received.sum(axis=1)).ravel()
    others = _row_normalise(sp.csr_matrix(received)) * (1.0 - self_weight)
    diagonal = np.where(incoming > 0, self_weight, 1.0)
    influence = sp.csr_matrix(others + sp.diags(diagonal))

    # Corruption norms pass between officials only: a spoiler's patronage tie carries capture
    # (``patronage_from_spoilers``), not a peer's example.
    officials = sp.diags(np.tile(state.mask(*CORRUPTIBLE).astype(float), replications))
    funding = _row_normalise(adjacency["funding"][:, every(state.types["donor"].index)])
    peers = _row_normalise(sp.csr_matrix((adjacency["patronage"] + adjacency["command"]) @ officials))
    threat = adjacency["threat"][every(state.types["civil_society"].index)].sum(axis=1)
    return NetworkMatrices(
        influence=BlockOperator(influence, replications),
        peers=BlockOperator(peers, replications),
        has_peers=(np.asarray(peers.sum(axis=1)).ravel() > 0).reshape(replications, n),
        patronage_from_spoilers=BlockOperator(
            sp.csr_matrix(adjacency["patronage"][:, every(state.types["spoiler"].index)]), replications),
        funding_of_ministries=BlockOperator(
            sp.csr_matrix(funding[every(state.types["ministry"].index)]), replications),
        threat_on_civil_society=np.minimum(np.asarray(threat).ravel(), 1.0).reshape(replications, -1),
    )

"""The influence network: typed, weighted ties held as sparse arrays, and the matrices the step uses.

Ties point from the actor who exerts influence to the actor who receives it. Three sources:
structural ties implied by roles (a pillar's lead ministry commands the forces that pillar
governs; a spoiler holds patronage over the ministries leading the pillars where its rents
are), random role-based ties (each rule gives the expected number of ties of its type each
target agent receives from agents of the source type, :func:`rule_ties`), and explicit ties
named in the scenario.

A network is a :class:`Ties` (parallel arrays, one entry per (source, target, type)), built in
time and memory linear in actors plus ties: no step builds an actors x actors structure or
loops over actors in Python. Matrices are built once per batch of networks: ``A[t][i, j]`` is
the weight of the tie of type ``t`` from j to i, so ``A[t] @ x`` aggregates what i receives.
A ``networkx`` graph is built only when asked (:func:`network_graph`: the app, the report,
inspection).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .scenario import ACTOR_TYPES, TIE_TYPES, Scenario
from .state import CORRUPTIBLE, ReformState, ReplicationState

#: Weight of a lead ministry's command tie to each force its pillar governs.
COMMAND_WEIGHT = 0.6


@dataclass(frozen=True)
class Ties:
    """One network's ties as parallel arrays, at most one per (source, target, type), ordered
    by type, then target, then source."""

    source: np.ndarray  # int64 actor index
    target: np.ndarray  # int64 actor index
    type: np.ndarray    # int8 code into TIE_TYPES
    weight: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.source)

    def count_by_type(self) -> dict[str, int]:
        """Ties of each type (every type, zeros included)."""
        return dict(zip(TIE_TYPES, np.bincount(self.type, minlength=len(TIE_TYPES)).tolist()))


def strongest_ties(replication: np.ndarray, source: np.ndarray, target: np.ndarray, tie_type: np.ndarray,
                   weight: np.ndarray, actors: int, replications: int) -> list[Ties]:
    """Each replication's network: one tie per (source, target, type), ordered by type, then
    target, then source; a second source of the same tie (a random rule on top of a structural
    tie, a spoiler with rents in two pillars of one ministry) keeps the stronger.

    Sorts on (replication, key, weight descending), the key (type n + target) n + source (below
    6 x 10^12 for 10^6 actors, inside int64), and keeps each key's first entry."""
    key = (tie_type.astype(np.int64) * actors + target) * actors + source
    order = np.lexsort((-weight, key, replication))
    key, replication = key[order], replication[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (replication[1:] != replication[:-1])
    keep = order[first]
    bounds = np.searchsorted(replication[first], np.arange(1, replications))
    return [Ties(*parts) for parts in zip(*(np.split(column, bounds) for column in (
        source[keep].astype(np.int64), target[keep].astype(np.int64), tie_type[keep].astype(np.int8),
        weight[keep].astype(float))))]


def bernoulli_pairs(pairs: int, probabilities: Sequence[float],
                    generators: Sequence[np.random.Generator]) -> tuple[np.ndarray, np.ndarray]:
    """For each replication r, the positions in ``range(pairs)`` chosen when each is chosen
    independently with ``probabilities[r]``, drawn from ``generators[r]`` in time and memory
    proportional to the number chosen (not to ``pairs``): (replication, position) arrays,
    replications in order, each one's positions increasing.

    Geometric skipping (Batagelj & Brandes 2005, "Efficient generation of large random
    networks", Phys. Rev. E 71, 036113): the gaps between successive chosen positions are
    independent Geometric(p) variables, so the positions are the running sums of gaps, minus
    one. Gaps are drawn in blocks of the expected count plus four standard deviations; a second
    block is rarely needed. Only the draws are per replication; the running sums of the whole
    batch are one cumulative sum."""
    gaps, counts = [], []
    for probability, generator in zip(probabilities, generators):
        drawn = []
        if pairs > 0 and 0.0 < probability < 1.0:
            expected = pairs * probability
            block = int(expected + 4.0 * math.sqrt(expected) + 16)
            last = -1
            while last < pairs:
                drawn.append(generator.geometric(probability, size=block))
                last += int(drawn[-1].sum())
        elif pairs > 0 and probability >= 1.0:
            drawn.append(np.ones(pairs, dtype=np.int64))
        gaps.extend(drawn)
        counts.append(sum(len(part) for part in drawn))
    replication = np.repeat(np.arange(len(counts)), counts)
    if not len(replication):
        return replication, np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    running = np.concatenate([[0], np.cumsum(np.concatenate(gaps))])  # running[i]: the first i gaps' sum
    position = running[1:] - np.repeat(running[starts], counts) - 1
    chosen = position < pairs
    return replication[chosen], position[chosen]


def rule_ties(sources: np.ndarray, targets: np.ndarray, mean_degrees: Sequence[float], same_type: bool,
              generators: Sequence[np.random.Generator]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(replication, source, target) of one rule's random ties in each replication's network,
    for the rule's mean degree there (``mean_degrees[r]``), drawn from ``generators[r]``.

    Each eligible (source, target) pair is tied independently with probability
    p = min(k / m, 1), where k is the rule's ``mean_degree`` and m the number of sources a target
    can have (the sources, less the target itself when a rule ties a type to itself; no self
    ties). A target's number of such ties is then Binomial(m, p), with mean k whatever the
    scenario's size (m p = k while k <= m; a target tied to every source when k >= m). This is
    the directed random graph G(n, p) of Erdős & Rényi (Gilbert 1959) restricted to the rule's
    pairs, with p scaled as 1/m so the degree stays fixed as m grows (a sparse random graph).
    Pairs are numbered target-major (pair = target row x m + source slot) and drawn by
    :func:`bernoulli_pairs`, so no m x n array is formed."""
    eligible = len(sources) - 1 if same_type else len(sources)
    if eligible <= 0 or len(targets) == 0:
        return (np.zeros(0, dtype=np.int64),) * 3
    replication, chosen = bernoulli_pairs(eligible * len(targets),
                                          [min(degree / eligible, 1.0) for degree in mean_degrees], generators)
    target_row, source_slot = np.divmod(chosen, eligible)
    if same_type:  # slot s of target t is source s, skipping t itself
        source_slot = source_slot + (source_slot >= target_row)
    return replication, sources[source_slot], targets[target_row]


def member_agents(scenario: Scenario) -> dict[str, np.ndarray]:
    """Each member's agents (global indices): members are expanded in type order, then file
    order, into consecutive agents (:func:`sim.state.build_states`)."""
    agents, start = {}, 0
    for type_name in ACTOR_TYPES:
        for member in getattr(scenario.actors, type_name).members:
            agents[member.name] = np.arange(start, start + member.count)
            start += member.count
    return agents


def build_networks(scenarios: Sequence[Scenario], state: ReformState,
                   generators: Sequence[np.random.Generator]) -> list[Ties]:
    """The networks of a batch's replications (``scenarios`` share a layout; ``state`` is the
    batch's): structural ties, each rule's random ties (replication r's drawn from
    ``generators[r]``, rules in order), then the scenario's explicit ties; one per (source,
    target, type), the stronger kept. Structural and explicit ties are where the layout puts
    them, so they are found once for the batch, with each replication's weights."""
    replications = len(scenarios)
    every = np.arange(replications)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, str, np.ndarray]] = []

    def add_everywhere(source: np.ndarray, target: np.ndarray, tie_type: str, weight: np.ndarray) -> None:
        """The same ties in every replication; ``weight`` per tie, or (R, ties) per replication."""
        weight = np.broadcast_to(np.asarray(weight, dtype=float), (replications, len(source)))
        parts.append((np.repeat(every, len(source)), np.tile(source, replications), np.tile(target, replications),
                      tie_type, weight.reshape(-1)))

    ministries = state.types["ministry"].index
    forces = state.types["security_force"]
    add_everywhere(ministries[state.pillar_lead[forces.pillar]], forces.index, "command", COMMAND_WEIGHT)
    spoiler_rows, pillars = np.nonzero(state.spoiler_rents > 0)
    add_everywhere(state.types["spoiler"].index[spoiler_rows], ministries[state.pillar_lead[pillars]], "patronage",
                   state.spoiler_rents[spoiler_rows, pillars])

    for position, rule in enumerate(scenarios[0].network.rules):
        rules = [scenario.network.rules[position] for scenario in scenarios]
        replication, source, target = rule_ties(state.types[rule.source].index, state.types[rule.target].index,
                                                [each.mean_degree for each in rules], rule.source == rule.target,
                                                generators)
        parts.append((replication, source, target, rule.type,
                      np.array([each.weight for each in rules], dtype=float)[replication]))

    agents = member_agents(scenarios[0])
    for position, tie in enumerate(scenarios[0].network.ties):
        sources, targets = agents[tie.source], agents[tie.target]
        source, target = np.repeat(sources, len(targets)), np.tile(targets, len(sources))
        distinct = source != target
        weights = np.array([[scenario.network.ties[position].weight] for scenario in scenarios], dtype=float)
        add_everywhere(source[distinct], target[distinct], tie.type, weights)

    return strongest_ties(
        np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]).astype(np.int64),
        np.concatenate([p[2] for p in parts]).astype(np.int64),
        np.concatenate([np.full(len(p[0]), TIE_TYPES.index(p[3]), dtype=np.int8) for p in parts]),
        np.concatenate([p[4] for p in parts]), len(state.actor_type), replications)


def build_ties(scenario: Scenario, state: ReformState | ReplicationState, rng: np.random.Generator) -> Ties:
    """One run's network (:func:`build_networks` for a batch of one)."""
    return build_networks([scenario], state, [rng])[0]


def network_graph(state: ReformState, ties: Ties) -> nx.MultiDiGraph:
    """The network as a ``networkx`` multigraph keyed by tie type, for the app and inspection
    (built on demand: the step never uses it). Nodes carry ``name``, ``member`` and
    ``actor_type``; edges ``type`` and ``weight``."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((index, {"name": name, "member": member, "actor_type": ACTOR_TYPES[code]})
                         for index, (name, member, code) in enumerate(zip(state.names, state.member_of,
                                                                           state.actor_type.tolist())))
    graph.add_edges_from((source, target, TIE_TYPES[code], {"type": TIE_TYPES[code], "weight": weight})
                         for source, target, code, weight in zip(ties.source.tolist(), ties.target.tolist(),
                                                                 ties.type.tolist(), ties.weight.tolist()))
    return graph


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


def _row_normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)


def build_matrices(networks: Sequence[Ties], state: ReformState, self_weight: float) -> NetworkMatrices:
    """The matrices of R replications' networks, built at once on their disjoint union (node i
    of replication r is r n + i), so every matrix is block diagonal."""
    replications, n = len(networks), len(state.actor_type)
    offset = np.repeat(np.arange(replications, dtype=np.int64) * n, [len(network) for network in networks])
    source = np.concatenate([network.source for network in networks]) + offset
    target = np.concatenate([network.target for network in networks]) + offset
    tie_type = np.concatenate([network.type for network in networks])
    weight = np.concatenate([network.weight for network in networks])
    size = replications * n
    adjacency = {}
    for code, name in enumerate(TIE_TYPES):
        of_type = tie_type == code
        adjacency[name] = sp.csr_matrix((weight[of_type], (target[of_type], source[of_type])), shape=(size, size))

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

"""The memory a run or a batch of a scenario will take, stated before it runs.

``ssr-sim validate`` and ``ssr-sim sweep --dry-run`` print :func:`estimate_memory`'s
statement. The estimate is

    peak ≈ B + R (a N + b T) + 8 (M + 1) S R

with N the agents, T the expected ties of one replication (:meth:`sim.scenario.Scenario.expected_tie_count`),
R the replications stepped together, S the monthly series recorded and M the months; every
term is linear because every structure a run holds is (docs/performance.md, "Network scale").

How the constants were found. Each structure's size was counted, then the constants were
fitted to the peak resident memory (``VmHWM``) of 40-year runs of ``scenarios/national.yaml``
scaled to 10^3, 10^5 and 3 x 10^5 agents, and to 10^5 agents with every rule's degree tripled
(which separates a from b), one fresh process each:

- B = 160 MB: the interpreter with numpy, scipy, networkx, pandas, pydantic and Mesa imported
  (157 MB measured; a 10^3-agent run peaks at 160-162 MB);
- a = 380 B per agent and replication: some 35 float64 state and world arrays (280 B) and the
  agent's name and member in Python lists (about 100 B); a single run (``ssr-sim run``, the app:
  :class:`sim.model.ReformModel`) adds its Mesa agent, 400 B (measured: 38 MB more at 10^5
  agents than the same run as a bare batch);
- b = 115 B per tie and replication, at the peak, while the matrices are built: the tie arrays
  (25 B) and the sort that keeps one tie per (source, target, type) (24 B), and the CSR
  matrices, 12 B a stored entry, of the typed adjacencies, their sum, the influence and peer
  matrices (tripling the degree at 10^5 agents added 644,000 ties and 69 MB: 112 B a tie).

``benchmarks/bench_network.py`` prints estimate and measurement side by side at each size.
Below about 10^4 agents B dominates, and B itself varies by tens of MB with library versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .dynamics import MAX_BATCH_ACTORS, SUMMARY_SERIES
from .scenario import Scenario

MIB = 1024 * 1024
#: B: resident memory of a process that has imported the model's libraries.
BASE_BYTES = 160 * MIB
#: a, per agent and replication: state and world arrays, names; and a Mesa agent in a single run.
BYTES_PER_AGENT = 380
BYTES_PER_MESA_AGENT = 400
#: b, per tie and replication, at the peak (building the matrices).
BYTES_PER_TIE = 115


#: Monthly series a single run records (every indicator, as ``ssr-sim run`` and the app do): about
#: 15 model-level ones, 3 per pillar and some 50 per-type means; rounded up.
SINGLE_RUN_SERIES = 100


class MemoryEstimate(NamedTuple):
    """An estimate of peak resident memory, with what it is made of."""

    total_bytes: float
    agents: int
    ties: float
    replications: int


def estimate_memory(scenario: Scenario, replications: int = 1, *, recorded_series: int = len(SUMMARY_SERIES),
                    single_run: bool = False) -> MemoryEstimate:
    """Peak memory of ``replications`` of ``scenario`` stepped together (see the module docstring).

    ``recorded_series`` is the number of monthly series kept; ``single_run`` adds the Mesa
    agents of a :class:`sim.model.ReformModel` (``ssr-sim run``, the app)."""
    agents, ties = scenario.actor_count(), scenario.expected_tie_count()
    per_agent = BYTES_PER_AGENT + (BYTES_PER_MESA_AGENT if single_run else 0)
    recorded = 8 * (scenario.steps + 1) * recorded_series * replications
    total = BASE_BYTES + replications * (per_agent * agents + BYTES_PER_TIE * ties) + recorded
    return MemoryEstimate(total, agents, ties, replications)


def sweep_replications(scenario: Scenario) -> int:
    """Replications of ``scenario`` a sweep steps together at most (:func:`sim.dynamics.run_seeds`)."""
    return max(1, MAX_BATCH_ACTORS // max(scenario.actor_count(), 1))


def memory_statement(scenario: Scenario, record: Sequence[str] = ()) -> str:
    """One line: the peak memory of a single run and of a sweep's batch of ``scenario``
    (recording ``record`` beyond the summary's series), and what the estimate counts."""
    run = estimate_memory(scenario, single_run=True, recorded_series=SINGLE_RUN_SERIES)
    batch = estimate_memory(scenario, sweep_replications(scenario),
                            recorded_series=len(set(SUMMARY_SERIES) | set(record)))
    return (f"memory: about {readable_size(run.total_bytes)} for a run (ssr-sim run, the app) and "
            f"{readable_size(batch.total_bytes)} per process in a sweep ({batch.replications} "
            f"replication{'s' if batch.replications != 1 else ''} a batch); estimated from "
            f"{run.agents:,} agents and about {run.ties:,.0f} expected ties a replication (sim/footprint.py)")


def readable_size(size: float) -> str:
    """Bytes as MB, or GB from 10 GB."""
    return f"{size / MIB:,.0f} MB" if size < 10 * 1024 * MIB else f"{size / (1024 * MIB):,.1f} GB"

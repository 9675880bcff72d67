"""Common random numbers (CRN) for replications.

Replication ``k`` gets the same seed at every design point and for every
strategy, so differences between strategies are not drowned in noise from
different random streams (paired comparisons then have much narrower
confidence intervals).  Each replication's seed is derived *independently*
from ``SeedSequence(entropy=master, spawn_key=(k,))`` -- the same child that
``SeedSequence(master).spawn(...)`` would give as its k-th element -- so
adding replications later never changes the seeds of earlier ones.
"""

from __future__ import annotations

import numpy as np


def replication_seed(master_seed: int, replication: int) -> int:
    """Seed of replication ``replication`` under ``master_seed`` (a non-negative int < 2**63).

    63 bits keep the seed inside a signed 64-bit Parquet column while leaving
    collisions between replications practically impossible.
    """
    if replication < 0:
        raise ValueError(f"replication must be >= 0, got {replication}")
    sequence = np.random.SeedSequence(entropy=master_seed, spawn_key=(replication,))
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


"""A sweep slow enough to be SIGKILLed midway; run as a script by the crash test.

Usage: ``python kill_target.py OUT_DIR``
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.experiments import RunSpec, design, make_runs, run_sweep


def crash_test_runs() -> list[RunSpec]:
    """400 runs; ``sleep`` makes each take ~10 ms in ``slow_toy_run`` (``toy_run`` ignores it)."""
    points = design.grid({"x": [i / 10 for i in range(-10, 30)], "sleep": [0.01]})
    return make_runs(points, 10, master_seed=7)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from toy_model import slow_toy_run

    run_sweep(
        crash_test_runs(),
        slow_toy_run,
        sys.argv[1],
        executor="processes",
        workers=2,
        chunk_size=5,
        progress="quiet",
    )

"""``python -m sim ARGV``, then this process's peak resident memory written to the file named by
``SSR_SIM_PEAK_FILE`` (in KiB).

Why not ``ru_maxrss`` from ``wait4``: Linux carries the forking parent's high-water mark into
a child's ``maxrss`` at exec, so every child of a large pytest process reports at least that
process's size. ``VmHWM`` in /proc/self/status belongs to the memory map exec created, so it
counts what this process itself used."""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path


def _record_peak() -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(os.environ["SSR_SIM_PEAK_FILE"]).write_text(line.split()[1])


atexit.register(_record_peak)
sys.argv = ["sim", *sys.argv[1:]]
runpy.run_module("sim", run_name="__main__", alter_sys=True)

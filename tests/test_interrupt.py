"""Ctrl-C at any moment of a command gives one line and exit status 130, never a traceback:
while the modules load (issue 14) as well as during the work."""

from __future__ import annotations

import importlib.abc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim import launch

ROOT = Path(__file__).resolve().parents[1]


class _InterruptingFinder(importlib.abc.MetaPathFinder):
    """Raises KeyboardInterrupt when ``sim.cli`` is imported, as Ctrl-C during its imports would."""

    def find_spec(self, name, path=None, target=None):
        if name == "sim.cli":
            raise KeyboardInterrupt
        return None


def test_ctrl_c_while_the_command_line_loads_is_one_line(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "sim.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_InterruptingFinder(), *sys.meta_path])
    assert launch.main() == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_importing_the_package_loads_nothing_heavy():
    """What makes the handler above reachable: ``import sim`` (run by the entry point before
    its handler) leaves numpy, pandas and Mesa unloaded."""
    probe = "import sys, sim; print(sorted(m for m in ('numpy', 'pandas', 'mesa', 'pydantic') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _mapped(pid: int, library: str) -> bool:
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc to see when numpy is loading")
@pytest.mark.parametrize("argv", [["-m", "sim"], ["-c", "import sys; from sim.launch import main; sys.exit(main())"]],
                         ids=["python -m sim", "console script"])
def test_sigint_early_in_a_real_process(argv, tmp_path):
    """A real SIGINT once numpy's library is mapped (the command line is loading, or a short run
    has begun): exit 130 and the one line, whichever moment it met."""
    # SIGINT at its default in the child, as in a terminal: a shell's background job (pytest run
    # with '&') starts with SIGINT ignored, and a child that inherits that never sees Ctrl-C.
    process = subprocess.Popen([sys.executable, *argv, "run", "baseline", "--years", "60", "--no-plot", "--quiet",
                                "--out", str(tmp_path / "run")], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 30
    while not _mapped(process.pid, "numpy") and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert err == "interrupted\n"
    assert not (tmp_path / "run").exists()  # a run stopped before it finished leaves no folder

"""The committed corpus of hostile and edge-case inputs (issue 14), each through the CLI in a
subprocess: ``validate`` (and, for a file that must run, ``run --years 1``) for ``scenario_*.yaml``,
``sweep --dry-run`` for ``experiment_*.yaml``, all three for paths that are not YAML files
(``/etc/passwd``, ``../..``, a directory, ``/dev/zero``, a FIFO).

Each process must end within :data:`TIMEOUT_SECONDS` with peak resident memory (its own
``VmHWM``, recorded by ``measured.py`` at exit) of at most :data:`MAX_RSS_BYTES`, and keep :func:`oracle.verdict`'s
promise. The first line of every corpus file says what it must get: ``# expect: ok`` (exit 0,
e.g. a scenario with no donors must validate *and* run a year) or ``# expect: refused`` (exit 2).
The processes run two at a time, started by one module-scoped fixture; each case is its own test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from .oracle import verdict

# pytest-xdist (--dist loadgroup): the corpus's processes run once, in one worker (fixture ``outcomes``).
pytestmark = pytest.mark.xdist_group("fuzz_corpus")

CORPUS = Path(__file__).resolve().parent / "corpus"
REPO = CORPUS.parents[2]
#: Long enough for a slow day of the shared machine, short enough to catch a hang: on 2 December
#: 2026 importing the CLI alone took 2.5 s and ``sweep --dry-run`` of the small grid (it times five
#: 40-year runs) 7.8 s on an idle machine, so 10 s failed with three processes on two cores.
TIMEOUT_SECONDS = 30.0
MAX_RSS_BYTES = 500 * 1024 * 1024
#: Processes at a time (each mostly waits on imports; the machine has two cores, shared).
PARALLEL = 3


@dataclass(frozen=True)
class Outcome:
    status: int
    stderr: str
    seconds: float
    peak_rss_bytes: int
    timed_out: bool


def run_cli(argv: list[str], cwd: Path) -> Outcome:
    """``python -m sim ARGV``, killed after :data:`TIMEOUT_SECONDS`; its peak RSS as it recorded it
    (``measured.py``: ``ru_maxrss`` would include this test process's own size)."""
    killed = threading.Event()
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as peak:
        process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("measured.py")), *argv], cwd=cwd,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                   start_new_session=True, env={**os.environ, "SSR_SIM_PEAK_FILE": peak.name})

        def kill() -> None:
            killed.set()
            os.killpg(process.pid, 9)  # the process and any workers it started

        timer = threading.Timer(TIMEOUT_SECONDS, kill)
        started = time.perf_counter()
        timer.start()
        try:
            _, status, _ = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", errors="replace")
        recorded = Path(peak.name).read_text().strip()
    return Outcome(process.returncode, stderr, seconds, int(recorded or 0) * 1024, killed.is_set())


def _expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    expected = first.removeprefix("# expect:").split("--")[0].strip()
    assert first.startswith("# expect:") and expected in {"ok", "refused"}, f"{path.name}: bad header {first!r}"
    return expected


def _corpus_cases() -> list[tuple[str, list[str], str]]:
    """(case id, argv, expectation) for every corpus file."""
    cases = []
    for path in sorted(CORPUS.glob("*.yaml")):
        expected = _expectation(path)
        if path.name.startswith("scenario_"):
            cases.append((f"validate {path.name}", ["validate", str(path)], expected))
            if expected == "ok":
                cases.append((f"run {path.name}", ["run", str(path), "--years", "1", "--quiet", "--out", "{out}"],
                              "ok"))
        elif path.name.startswith("experiment_"):
            cases.append((f"sweep {path.name}", ["sweep", str(path), "--dry-run", "--workers", "1"], expected))
        else:
            raise AssertionError(f"{path.name}: corpus files are named scenario_*.yaml or experiment_*.yaml")
    return cases


HOSTILE_PATHS = {"etc_passwd": "/etc/passwd", "up_two": "../..", "directory": "{tmp}", "dev_zero": "/dev/zero",
                 "fifo": "{tmp}/pipe"}
PATH_COMMANDS = {"validate": ["validate", "{path}"],
                 "sweep": ["sweep", "{path}", "--dry-run"]}
CASES = _corpus_cases() + [(f"{command} {name}", [arg.replace("{path}", path) for arg in argv], "refused")
                           for name, path in HOSTILE_PATHS.items() for command, argv in PATH_COMMANDS.items()]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    tmp = tmp_path_factory.mktemp("corpus")
    os.mkfifo(tmp / "pipe")

    def one(case: tuple[str, list[str], str]) -> tuple[str, Outcome]:
        name, argv, _ = case
        out = tmp / "out" / name.replace(" ", "_")
        return name, run_cli([arg.replace("{out}", str(out)).replace("{tmp}", str(tmp)) for arg in argv], REPO)

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(pool.map(one, CASES))


def test_the_corpus_covers_issue_14s_cases() -> None:
    names = {path.stem for path in CORPUS.glob("*.yaml")}
    for case in ["scenario_alias_bomb", "experiment_alias_bomb", "scenario_donor_no_members",
                 "scenario_spoiler_no_members", "scenario_ten_thousand_actors", "experiment_sobol_one_parameter",
                 "experiment_sobol_two_parameters", "experiment_grid_duplicate_values", "experiment_strategy_twice",
                 "experiment_target_half_width_zero", "experiment_stride_zero", "experiment_empty_list_design",
                 "experiment_grid_nan", "experiment_grid_inf", "experiment_grid_huge",
                 "experiment_later_grid_value_invalid", "experiment_second_scenario_invalid",
                 "scenario_extends_nul", "scenario_huge_strategy_name", "scenario_extends_dev_zero",
                 "scenario_duplicate_keys", "experiment_duplicate_keys", "experiment_strategy_path_with_strategies"]:
        assert case in names, case


@pytest.mark.parametrize("name, argv, expected", CASES, ids=[case[0] for case in CASES])
def test_corpus_input_is_refused_in_one_line_or_completes(outcomes, name, argv, expected) -> None:
    outcome = outcomes[name]
    assert not outcome.timed_out, f"{name}: still running after {TIMEOUT_SECONDS} s"
    assert 0 < outcome.peak_rss_bytes <= MAX_RSS_BYTES, f"{name}: peak RSS {outcome.peak_rss_bytes / 2**20:.0f} MB"
    problem = verdict(outcome.status, outcome.stderr)
    assert problem is None, f"{name}: {problem}"
    assert outcome.status == (0 if expected == "ok" else 2), f"{name}: expected {expected}:\n{outcome.stderr}"

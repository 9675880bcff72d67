"""Generated inputs for the CLI, checked in-process (``sim.cli.main``) for speed.

What is generated: the shipped scenarios and experiments with up to four mutations each (a value
replaced by a wrong type, an out-of-range number, NaN, ±inf, ±1e308, an odd or 10,000-character
string, an empty or 3,000-item list, a 200-deep nesting; a key deleted; an unknown key added),
written as YAML files; and command lines for ``run``, ``validate``, ``sweep --dry-run``,
``summarize`` and ``list`` made of their flags with odd values. What must hold (``oracle.verdict``):
exit 0, or exit 2 with exactly one line on stderr, never a traceback; and the validation promise:
a scenario file that ``validate`` accepts runs a year (``run --years 1`` exits 0), an experiment
whose ``sweep --dry-run`` is accepted runs (as a serial sweep of one replication, when it has at
most a dozen design points). Memory and time limits are checked on the committed corpus
(``test_corpus.py``), in subprocesses.

Default run: a few dozen inputs, under a minute. The long fuzz (``slow``)::

    .venv/bin/pytest tests/fuzz -m slow -s

runs :data:`LONG_EXAMPLES` inputs per target (scenario files, experiment files, flags) and prints
how many each tried; about ten minutes on two shared cores.
"""

from __future__ import annotations

import contextlib
import copy
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.scenario import SCENARIO_DIR, load_scenario_data
from sim.sweep import plan

from ..conftest import SHIPPED_SCENARIOS
from ..test_scenario_fuzz import ODD_TEXT, WEIRD_VALUES, _parent, _paths
from .oracle import verdict

REPO = SCENARIO_DIR.parent
SHIPPED_EXPERIMENTS = sorted(p for p in (REPO / "experiments").glob("*.yaml") if p.name != "calibration.yaml")
QUICK_EXAMPLES = {"scenario": 25, "experiment": 12, "flags": 30}
LONG_EXAMPLES = 2000
#: The largest design a generated experiment that the dry run accepts is also swept for.
SWEPT_POINTS = 12

HOSTILE_VALUES = st.one_of(
    WEIRD_VALUES,
    st.sampled_from([1e308, -1e308, 5e-324, 2**63, -(2**63), "s" * 10_000, "\0", "../..", "/dev/zero",
                     "/etc/passwd", "ministère\u202e", [0.5] * 3_000, [{}] * 50]),
)


def _nested(value: Any, depth: int) -> Any:
    for level in range(depth):
        value = {"x": value} if level % 2 else [value]
    return value


@st.composite
def mutated(draw, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (a fresh copy) with one to four mutations anywhere in it; drawn values are copied
    (``sampled_from`` hands out the same list each time, and a later mutation may edit it)."""
    data = yaml.safe_load(yaml.safe_dump(base))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from([p for p in _paths(data) if p]))
        parent = _parent(data, path)
        action = draw(st.sampled_from(["replace", "replace", "delete", "extra", "nest"]))
        if action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(HOSTILE_VALUES))
        elif action == "delete":
            del parent[path[-1]]
        elif action == "extra" and isinstance(parent, dict):
            parent[draw(ODD_TEXT)] = copy.deepcopy(draw(HOSTILE_VALUES))
        elif action == "nest":
            parent[path[-1]] = _nested(copy.deepcopy(draw(HOSTILE_VALUES)), draw(st.sampled_from([1, 5, 60, 200])))
        if not data:
            break
    return data


def cli(*argv: str) -> tuple[int, str]:
    """``ssr-sim ARGV`` in this process: the exit status and what went to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(list(argv))
    return status, err.getvalue()


def _dump(data: Any, path: Path) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, width=10**9), encoding="utf-8")
    return path


def _fuzz(examples: int, strategy: st.SearchStrategy, check) -> None:
    """``check`` on ``examples`` generated inputs; prints how many it tried (seen with ``-s``)."""
    tried = 0

    def counted(value: Any) -> None:
        nonlocal tried
        tried += 1
        check(value)

    settings(max_examples=examples, deadline=None, database=None,
             suppress_health_check=list(HealthCheck))(given(strategy)(counted))()
    print(f"\n{check.__name__}: {tried} generated inputs tried, none failed")


SIZES = [pytest.param("quick", id="quick"), pytest.param("long", id="long", marks=pytest.mark.slow)]


def _examples(size: str, target: str) -> int:
    return QUICK_EXAMPLES[target] if size == "quick" else LONG_EXAMPLES


# --- scenario files ----------------------------------------------------------------------
SCENARIOS = st.sampled_from(SHIPPED_SCENARIOS).flatmap(
    lambda name: mutated(load_scenario_data(SCENARIO_DIR / f"{name}.yaml")))


def check_scenario_file(data: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _dump(data, Path(tmp) / "scenario.yaml")
        status, err = cli("validate", str(path))
        assert verdict(status, err) is None, verdict(status, err)
        if status == 0:  # the validation promise
            status, err = cli("run", str(path), "--years", "1", "--no-plot", "--quiet", "--out", f"{tmp}/out")
            assert status == 0, f"validated but does not run a year:\n{err}"


@pytest.mark.parametrize("size", SIZES)
def test_generated_scenario_file_is_refused_in_one_line_or_runs(size: str) -> None:
    _fuzz(_examples(size, "scenario"), SCENARIOS, check_scenario_file)


# --- experiment files --------------------------------------------------------------------
#: Every generated experiment's scenarios are two-year versions of the shipped ones (a dry run
#: times a few runs: this keeps it fast), unless a mutation names others.
SHORT = {name: {"extends": str(SCENARIO_DIR / f"{name}.yaml"), "name": f"{name}_short", "horizon_years": 2}
         for name in SHIPPED_SCENARIOS}


def _small(experiment: dict[str, Any]) -> dict[str, Any]:
    return {**experiment, "scenarios": [f"{name}.yaml" for name in experiment["scenarios"]], "replications": 1}


EXPERIMENTS = st.sampled_from(SHIPPED_EXPERIMENTS).flatmap(
    lambda path: mutated(_small(yaml.safe_load(path.read_text(encoding="utf-8")))))


def check_experiment_file(data: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, short in SHORT.items():
            _dump(short, Path(tmp) / f"{name}.yaml")
        path = _dump(data, Path(tmp) / "experiment.yaml")
        status, err = cli("sweep", str(path), "--dry-run", "--workers", "1")
        assert verdict(status, err) is None, verdict(status, err)
        if status == 0 and len(plan(path, 1).points) <= SWEPT_POINTS:  # what the dry run accepts runs
            status, err = cli("sweep", str(path), "--replications", "1", "--executor", "serial", "--quiet",
                              "--out", f"{tmp}/out")
            assert status == 0, f"the dry run accepted it but the sweep fails:\n{err}"


@pytest.mark.parametrize("size", SIZES)
def test_generated_experiment_file_is_refused_in_one_line_or_runs(size: str) -> None:
    _fuzz(_examples(size, "experiment"), EXPERIMENTS, check_experiment_file)


# --- command-line flags ------------------------------------------------------------------
FLAG_VALUES = st.one_of(
    st.sampled_from(["0", "1", "2", "-1", "200", "201", "1e3", "nan", "inf", "x", "", "=", "a=b", "0x10",
                     str(10**30), "baseline", "adaptive", "nope", "/dev/zero", "/etc/passwd", "../..", ".", "\t",
                     "actors.ministry.political_will=0.7", "actors.ministry.political_will=.nan",
                     "actors.ministry.political_will=[1, 2]", "actors..x=1", "horizon_years=1",
                     "actors.ministry.members.0.capacity=0.5", "actors.ministry.members.99.capacity=0.5",
                     "strategy=big_bang", "strategy.total_effort=1e308", "a=&a [*a]", "s" * 10_000]),
    ODD_TEXT,
)
FLAGS = {
    "run": ["--seed", "--strategy", "--set", "--years", "--out", "--no-plot", "--quiet", "--bogus"],
    "validate": ["--bogus"],
    "sweep": ["--resume", "--extend", "--retry-failed", "--out", "--replications", "--workers", "--executor",
              "--address", "--quiet", "--bogus"],
    "summarize": ["--bogus"],
    "list": ["--bogus"],
}
SWITCHES = {"--no-plot", "--quiet", "--retry-failed"}


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from([*FLAGS, "frobnicate", ""]))
    positional = {"run": ["baseline", "post_conflict", str(SCENARIO_DIR / "baseline.yaml")],
                  "validate": [str(SCENARIO_DIR / "baseline.yaml"), str(SCENARIO_DIR / "donor_surge.yaml")],
                  "sweep": ["{experiment}"], "summarize": ["."]}.get(command, [])
    argv = [command, *draw(st.lists(st.sampled_from(positional) | FLAG_VALUES if positional else FLAG_VALUES,
                                    max_size=1))]
    for flag in draw(st.lists(st.sampled_from(FLAGS.get(command, ["--bogus"])), max_size=4)):
        argv += [flag] if flag in SWITCHES else [flag, draw(FLAG_VALUES)]
    if command == "run" and draw(st.booleans()):
        argv += ["--years", "1"]  # mostly short runs; --years may still be given twice (argparse: the last)
    if command == "sweep":
        argv.append("--dry-run")  # never a real sweep: that would take minutes
    return argv


TINY_EXPERIMENT = {"name": "tiny", "scenarios": ["short.yaml"], "master_seed": 1, "replications": 1,
                   "strategies": ["adaptive", "big_bang"]}


def check_command_line(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):  # relative --out, results/ land here
        _dump({**SHORT["baseline"], "name": "short"}, Path(tmp) / "short.yaml")
        experiment = _dump(TINY_EXPERIMENT, Path(tmp) / "tiny.yaml")
        argv = [arg.replace("{experiment}", str(experiment)) for arg in argv]
        status, err = cli(*argv)
        assert verdict(status, err) is None, f"{argv}: {verdict(status, err)}"


@pytest.mark.parametrize("size", SIZES)
def test_generated_command_line_is_refused_in_one_line_or_completes(size: str) -> None:
    _fuzz(_examples(size, "flags"), command_lines(), check_command_line)


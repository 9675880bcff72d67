"""Defects the fuzz found, each pinned by the smallest input that showed it: all are now one line
on stderr with exit 2 (see ``oracle.verdict``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import MAX_ACTORS, SCENARIO_DIR

from .oracle import verdict
from .test_generated import cli

BASELINE = f"extends: {SCENARIO_DIR / 'baseline.yaml'}\nname: x\n"
EXPERIMENT = "name: e\nscenarios: [baseline]\nmaster_seed: 1\nreplications: 1\n"


@pytest.mark.parametrize("argv, says", [
    (["run", "baseline", "--years", "0"], "ssr-sim run: argument --years: must be at least 1, got 0 (see ssr-sim run --help)"),
    (["run", "baseline", "--bogus"], "unrecognized arguments: --bogus"),
    (["sweep"], "the following arguments are required: file"),
])
def test_a_bad_flag_is_one_line_without_the_usage(argv: list[str], says: str) -> None:
    status, err = cli(*argv)
    assert verdict(status, err) is None and status == 2 and says in err, err


@pytest.mark.parametrize("command, name, text, says", [
    # several problems in a file: the first in full, the others' fields named (was a line each)
    ("validate", "s.yaml", "name: x\nhorizon_years: 0\ncontext: {initial_violence: 3}\n",
     "horizon_years = 0 is out of range; allowed: [1, 200] (and 4 more problems: context.initial_violence, "
     "actors, pillars, strategy)"),
    # a misspelt required key: the typo first, not "missing" (its did-you-mean is the news)
    ("sweep", "e.yaml", EXPERIMENT.replace("master_seed", "master_sed"),
     "unknown field 'master_sed' in {path} at top level — did you mean 'master_seed'? (and 1 more problem: "
     "master_seed)"),
    # an unknown key that looks like pydantic's name for a union member (was IndexError, a traceback)
    ("sweep", "e.yaml", EXPERIMENT + '"[": null\n', "unknown field '[' in {path} at top level"),
    ("validate", "s.yaml", BASELINE + '"function-x": 1\n', "unknown field 'function-x' in {path} at top level"),
    # a key with a line break in it (was printed raw: two lines)
    ("validate", "s.yaml", BASELINE + '"a\\rb": 1\n', r"unknown field 'a\rb'"),
    ("validate", "s.yaml", BASELINE + '"\\x85": 1\n', r"unknown field '\x85'"),
    # a 10,000-character strategy name (was OSError: File name too long, a traceback)
    ("validate", "s.yaml", BASELINE + f"strategy: {'s' * 10_000}\n", "strategy 'sssss"),
    ("sweep", "e.yaml", EXPERIMENT + f"strategies: [{'s' * 10_000}]\n", "not found; shipped strategies"),
    # bounds of +-1e308: their difference overflows (was a SALib RuntimeWarning line and a
    # message about Sobol designs for a Latin hypercube)
    ("sweep", "e.yaml", EXPERIMENT + "design: {kind: latin_hypercube, samples: 3, "
                                     "bounds: {actors.parliament.independence: [-1.0e+308, 1.0e+308]}}\n",
     "design.bounds.actors.parliament.independence: [-1e+308, 1e+308] must be finite numbers whose difference"),
    # a non-finite number inside a design value (was a traceback from the run key's JSON)
    ("sweep", "e.yaml", EXPERIMENT + "design: {kind: list, points: [{interventions: []}, {interventions: [.inf]}]}\n",
     "design.points.1.interventions: [inf] is not a finite number or holds one"),
    # more agents than MAX_ACTORS (a million: ties by expected degree keep a run linear in agents, issue 12)
    ("validate", "s.yaml", BASELINE + f"actors: {{civil_society: {{members: [{{name: n, count: {MAX_ACTORS}}}]}}}}\n",
     f"agents in all; allowed at most {MAX_ACTORS}"),
])
def test_found_input_is_refused_in_one_line(tmp_path: Path, command: str, name: str, text: str, says: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    status, err = cli(command, str(path), *(["--dry-run"] if command == "sweep" else []))
    assert verdict(status, err) is None and status == 2, err
    assert says.replace("{path}", str(path)) in err and str(path) in err, err


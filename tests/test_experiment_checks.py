"""Experiment files a dry run must refuse (issue 14, defects 3 and 5): a sweep the dry run
accepts runs; a design dimension that cannot take effect is an error, never a silent no-op."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sim.cli import main

HEAD = "name: checks\nscenarios: [baseline]\nmaster_seed: 1\nreplications: 2\n"


@pytest.mark.parametrize("body, message", [
    # defect 3: the listed strategy replaces the scenario's, so a path into it changes nothing
    ("strategies: [big_bang]\ndesign: {kind: grid, values: {strategy.phases.0.effort.justice: [0.0, 1.0]}}\n",
     "design path 'strategy.phases.0.effort.justice' changes nothing: the experiment's strategies replace"),
    ("total_effort: [2.0]\ndesign: {kind: grid, values: {strategy.total_effort: [1.0, 2.0]}}\n",
     "design path 'strategy.total_effort' changes nothing: the experiment's total_effort sets it"),
    # defect 5: sweeps that used to fail only after the dry run said yes
    ("design: {kind: sobol, samples: 4, bounds: {actors.ministry.capacity: [0.1, 0.5]}}\n",
     "are the same"),
    ("design: {kind: grid, values: {actors.parliament.independence: [0.2, 0.2]}}\n", "0.2 is listed twice"),
    ("strategies: [adaptive, adaptive]\n", "strategies: 'adaptive' is listed twice"),
    ("design: {kind: grid, values: {actors.parliament.independence: [0.2, .nan]}}\n", "nan is not a finite number"),
    ("design: {kind: grid, values: {actors.parliament.independence: [0.2, .inf]}}\n", "inf is not a finite number"),
    ("design: {kind: list, points: []}\n", "design.points"),
    ("design: {kind: grid, values: {actors.parliament.independence: [0.2, 0.5, 1.5]}}\n",
     "design point 2 (scenario 'baseline', strategy '(scenario)', actors.parliament.independence=1.5) is not a valid"),
    ("outputs: {timeseries_stride_months: 0}\n", "timeseries_stride_months"),
])
def test_refused_at_load_with_one_line(tmp_path: Path, capsys, body: str, message: str) -> None:
    path = tmp_path / "checks.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    assert main(["sweep", str(path), "--dry-run"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and message in error[0] and str(path) in error[0], error


def test_a_type_level_value_every_member_overrides_is_refused(tmp_path: Path, capsys) -> None:
    """It reaches no agent: a sweep over it would give identical rows."""
    members = ", ".join(f"{{name: {name}, capacity: 0.3}}" for name in ("defence", "interior", "justice", "finance"))
    (tmp_path / "country.yaml").write_text(f"extends: {Path('scenarios/baseline.yaml').resolve()}\nname: country\n"
                                           f"actors: {{ministry: {{members: [{members}]}}}}\n", encoding="utf-8")
    path = tmp_path / "checks.yaml"
    path.write_text(HEAD.replace("[baseline]", "[country.yaml]")
                    + "design: {kind: grid, values: {actors.ministry.capacity: [0.2, 0.6]}}\n", encoding="utf-8")
    assert main(["sweep", str(path), "--dry-run"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "design path 'actors.ministry.capacity' changes nothing in scenario 'country.yaml': " \
        "every member overrides it (defence, interior, justice, finance)" in error[0], error


def test_a_zero_precision_target_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "checks.yaml"
    path.write_text(HEAD.replace("replications: 2\n", "replications: {target_half_width: 0}\n"), encoding="utf-8")
    assert main(["sweep", str(path), "--dry-run"]) == 2
    assert "target_half_width" in capsys.readouterr().err


def test_a_huge_design_is_counted_not_built(tmp_path: Path, capsys) -> None:
    values = "[" + ", ".join(f"{k / 2000:.4f}" for k in range(1000)) + "]"
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + f"design: {{kind: grid, values: {{actors.parliament.independence: {values}, "
                           f"actors.civil_society.trust: {values}}}}}\n", encoding="utf-8")
    started = time.perf_counter()
    assert main(["sweep", str(path), "--dry-run"]) == 2
    assert time.perf_counter() - started < 10
    assert "the design has 1,000,000 points" in capsys.readouterr().err

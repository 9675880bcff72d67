"""Hostile input files (issue 14): refused quickly, with one line naming the file, before
anything expands or reads them at length."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim import ScenarioError, load_scenario
from sim.experiment_file import load_experiment
from sim.loading import MAX_EXPANDED_NODES, MAX_FILE_BYTES, parse_yaml, read_yaml


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The 'billion laughs': each level lists ``width`` aliases of the one before."""
    lines = ["name: bomb", "l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    lines.append(f"description: *l{levels - 1}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_in_well_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match=rf"{path}: refused: its aliases expand to more than"):
        load_scenario(path)
    assert time.perf_counter() - started < 1.0
    assert len(path.read_bytes()) < 600


def test_aliases_that_stay_small_are_still_yaml(tmp_path: Path) -> None:
    assert parse_yaml("a: &a [1, 2]\nb: *a\nc: {<<: {x: 1}, x: 2}\n", "t") == {"a": [1, 2], "b": [1, 2], "c": {"x": 2}}
    limit_edge = "a: &a [" + ", ".join(["0"] * 990) + "]\nb: [" + ", ".join(["*a"] * 990) + "]\n"
    assert len(parse_yaml(limit_edge, "t")["b"]) == 990  # 982,083 values: just inside the limit
    assert MAX_EXPANDED_NODES == 1_000_000


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(ScenarioError, match="t: refused: an alias refers to a value that contains it"):
        parse_yaml("a: &a [1, *a]\n", "t")


def test_duplicate_keys_are_refused_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text("name: x\nhorizon_years: 10\nhorizon_years: 20\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"twice.yaml: line 3, column 1: .*duplicate key 'horizon_years' "
                                            r"\(first on line 2\)"):
        read_yaml(path)
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text("name: e\nscenarios: [baseline]\nmaster_seed: 1\nmaster_seed: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="duplicate key 'master_seed'"):
        load_experiment(experiment)


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp, "a directory; give a YAML file"),
    (lambda tmp: Path("/dev/zero"), "not a regular file"),
    (lambda tmp: (os.mkfifo(tmp / "pipe"), tmp / "pipe")[1], "not a regular file"),
])
def test_anything_but_a_regular_file_is_refused_without_reading_it(tmp_path: Path, make, message) -> None:
    path = make(tmp_path)
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match=message):
        read_yaml(path)
    assert time.perf_counter() - started < 1.0  # a FIFO would block a reader forever


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "large.yaml"
    path.write_bytes(b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(ScenarioError, match=f"a file may hold at most {MAX_FILE_BYTES:,} bytes"):
        read_yaml(path)


def test_extends_with_a_nul_byte_or_a_device_is_one_line(tmp_path: Path) -> None:
    for parent in ["bad\\0name.yaml", "/dev/zero"]:
        path = tmp_path / "child.yaml"
        path.write_text(f'extends: "{parent}"\nname: child\n', encoding="utf-8")
        result = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr

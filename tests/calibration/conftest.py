"""Fixtures shared by the calibration tests: a tiny population and targets, and a tiny calibration file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.calibration.screen import POPULATION_FILE
from sim.calibration.targets import TARGETS_FILE


@pytest.fixture(scope="session")
def tiny_files(tmp_path_factory) -> tuple[Path, Path]:
    """An 8-year population half post-conflict, half reforming, and the shipped targets scaled
    down to populations of 4 (fastest 2, the Big Stuck read at year 5)."""
    folder = tmp_path_factory.mktemp("tiny")
    prior = yaml.safe_load(POPULATION_FILE.read_text(encoding="utf-8"))
    prior["horizon_years"] = 8
    prior["bases"]["baseline"].update(share=0.5, strategies={"status_quo": 0.5, "adaptive": 0.5})
    prior["bases"]["post_conflict"].update(share=0.5, strategies={"status_quo": 0.5, "adaptive": 0.5})
    targets = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))
    targets["population_size"] = 4
    for target in targets["targets"]:
        parameters = target["parameters"]
        if parameters.get("fastest") == 20:
            parameters["fastest"] = 2
        if "year" in parameters:
            parameters["year"] = 5
    (folder / "population.yaml").write_text(yaml.safe_dump(prior), encoding="utf-8")
    (folder / "targets.yaml").write_text(yaml.safe_dump(targets), encoding="utf-8")
    return folder / "population.yaml", folder / "targets.yaml"


#: Two coefficients the tiny targets respond to (T2 and T3), as in the screen's tests.
TINY_PARAMETERS = ["mechanisms.capacity.growth_rate", "mechanisms.security.relapse_hazard"]


def tiny_calibration(folder: Path, tiny: tuple[Path, Path], name: str = "calibration.yaml", **changes) -> Path:
    """Write a tiny calibration file (2 coefficients, 4 countries a particle, 4 particles, 2
    generations) into ``folder``; ``changes`` replace top-level fields, ``abc`` merges."""
    population, targets = tiny
    data = {"population": str(population), "targets": str(targets), "parameters": TINY_PARAMETERS,
            "parameters_reason": "test", "countries_per_particle": 4, "countries_reason": "test",
            "abc": {"population_size": 4, "max_generations": 2, "max_evaluations": 60, "reason": "test"},
            "predictive_draws": 3, "seed": 11, "held_out": [], "held_out_reason": "test"}
    data["abc"].update(changes.pop("abc", {}))
    data.update(changes)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture()
def tiny_calibration_file(tmp_path, tiny_files) -> Path:
    return tiny_calibration(tmp_path, tiny_files)

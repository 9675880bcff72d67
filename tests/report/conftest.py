"""Small sweeps built in-process once per session and shared by the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

GRID = """
name: tiny_grid
scenarios: [baseline]
strategies: [status_quo, adaptive]
design:
  kind: grid
  values:
    horizon_years: [12]
    actors.ministry.political_will: [0.3, 0.8]
    actors.ministry.corruption: [0.3, 0.7]
replications: 6
master_seed: 3
outputs:
  timeseries_stride_months: 12
"""

SOBOL = """
name: tiny_sobol
scenarios: [baseline]
strategies: [adaptive]
design:
  kind: sobol
  samples: 8
  seed: 1
  bounds:
    actors.ministry.political_will: [0.2, 0.9]
    actors.ministry.corruption: [0.2, 0.8]
    actors.civil_society.monitoring: [0.05, 0.6]
replications: 2
master_seed: 4
"""


def sweep(folder: Path, text: str) -> Path:
    """Run an experiment file's text serially into ``folder/out``."""
    experiment = folder / "experiment.yaml"
    experiment.write_text(text, encoding="utf-8")
    out = folder / "out"
    assert main(["sweep", str(experiment), "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def grid_folder(tmp_path_factory) -> Path:
    """Two strategies on a 2 x 2 grid, 6 replications, 12-year runs with yearly series."""
    return sweep(tmp_path_factory.mktemp("grid"), GRID)


@pytest.fixture(scope="session")
def sobol_folder(tmp_path_factory) -> Path:
    """A Saltelli design over three parameters (64 points), 2 replications a point."""
    return sweep(tmp_path_factory.mktemp("sobol"), SOBOL)

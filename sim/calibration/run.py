"""``ssr-sim calibrate``: a calibration folder from a calibration file, new or resumed, and the
dry run that states its cost.

The dry run times a few simulator calls here, each of ``particles_per_batch`` particles as the
run makes them (countries drawn on the dry-run seed stream at parameter values drawn from the
prior, so it runs what the calibration runs), and forecasts:

- evaluations: generation 0 costs ``population_size`` (the prior sample, all accepted); under a
  quantile schedule the acceptance rate of generation t falls roughly geometrically, assumed
  here as ``epsilon_quantile``^t (an assumption, stated in the output: real rates depend on the
  model and the data), so generation t costs ``population_size / epsilon_quantile^t``; the total
  over ``max_generations`` is capped by ``max_evaluations``, which the run never exceeds;
- wall time: evaluations x seconds per evaluation / workers (parallel efficiency taken as 1:
  each evaluation is seconds of work, pyabc's overheads are milliseconds), plus the
  posterior-predictive draws (taken at the same cost a draw, although they run one a call: an
  underestimate of well under a minute for the shipped file's 40).
"""

from __future__ import annotations

import json
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..fields import ScenarioError
from .abc import (
    DRY_RUN_STREAM, HISTORY_FILE, Calibration, ParticleSimulator, load_calibration, run_abc,
)
from .report import write_outputs

PLAN_FILE = "plan.json"


class CalibrationFolderError(ScenarioError):
    """A folder given to --resume that is not a calibration of this file; the message is for the user."""


@dataclass(frozen=True)
class Forecast:
    """The dry run's figures."""

    seconds_per_evaluation: float
    timed: list[float]                  # seconds of each timed call
    particles_per_call: int
    evaluations: int
    budget: int
    generations: int
    predictive: int
    workers: int

    @property
    def wall_seconds(self) -> float:
        return (self.evaluations + self.predictive) * self.seconds_per_evaluation / self.workers

    @property
    def budget_wall_seconds(self) -> float:
        return (self.budget + self.predictive) * self.seconds_per_evaluation / self.workers

    def text(self, calibration: Calibration) -> str:
        settings = calibration.settings
        return "\n".join([
            f"{calibration.path}: {len(calibration.priors)} coefficients ({', '.join(calibration.names)}), "
            f"{len(calibration.fitted)} fitted targets, {len(calibration.held_out)} held out, "
            f"{settings.countries_per_particle} countries a particle",
            f"timed {len(self.timed)} calls of {self.particles_per_call} particle(s) here: "
            f"{', '.join(f'{s:.1f}' for s in self.timed)} s (the first includes warm-up); "
            f"{self.seconds_per_evaluation:.1f} s an evaluation (median)",
            f"expected: {self.evaluations} evaluations in {self.generations} generation(s) of "
            f"{settings.abc.population_size} (assuming acceptance falls as {settings.abc.epsilon_quantile:g}^t) + "
            f"{self.predictive} predictive draws on {self.workers} worker(s): about "
            f"{self.wall_seconds / 60:.0f} min",
            f"at most: {self.budget} evaluations (max_evaluations) + {self.predictive} draws: "
            f"{self.budget_wall_seconds / 60:.0f} min",
        ])


def forecast(calibration: Calibration, workers: int, timings: int = 3) -> Forecast:
    """Time ``timings`` simulator calls (of ``particles_per_batch`` particles each) in this process
    and forecast the calibration's cost."""
    settings = calibration.settings
    abc = settings.abc
    rng = np.random.default_rng([settings.seed, DRY_RUN_STREAM])
    simulator = ParticleSimulator(calibration, DRY_RUN_STREAM)
    timed = []
    for _ in range(timings):
        particles = [{p.path: float(rng.uniform(p.low, p.high)) for p in calibration.priors}
                     for _ in range(abc.particles_per_batch)]
        started = time.perf_counter()
        simulator.evaluate_many(particles)
        timed.append(time.perf_counter() - started)
    per_evaluation = statistics.median(timed) / abc.particles_per_batch
    total, generations = 0, 0
    for t in range(abc.max_generations):
        cost = int(np.ceil(abc.population_size / abc.epsilon_quantile**t))
        if total + cost > abc.max_evaluations:
            break
        total += cost
        generations += 1
    return Forecast(per_evaluation, timed, abc.particles_per_batch, total, abc.max_evaluations, generations, settings.predictive_draws, workers)


def _write_plan(out: Path, calibration: Calibration) -> None:
    (out / PLAN_FILE).write_text(json.dumps({"calibration": str(calibration.path), "plan_sha256":
                                             calibration.plan_digest(), "sha256": calibration.hashes}, indent=2),
                                 encoding="utf-8")


def check_resumable(out: Path, calibration: Calibration) -> None:
    """``out`` holds a calibration of this plan (:meth:`Calibration.plan_digest`: the same files but for
    stopping rules and prose)."""
    plan = out / PLAN_FILE
    if not plan.is_file() or not (out / HISTORY_FILE).is_file():
        raise CalibrationFolderError(f"not a calibration folder (no {PLAN_FILE} and {HISTORY_FILE})")
    recorded = json.loads(plan.read_text(encoding="utf-8"))
    if recorded.get("plan_sha256") != calibration.plan_digest():
        changed = [k for k, v in calibration.hashes.items() if recorded.get("sha256", {}).get(k) != v] or ["plan"]
        raise CalibrationFolderError(f"was calibrated from different files ({', '.join(changed)} changed since); "
                                     f"resume with the files it was started from ({recorded.get('calibration')})")


def calibrate(calibration: Calibration, out: Path, *, resume: bool = False, workers: int = 1,
              address: str | None = None, progress: bool = True, observed: Mapping[str, float] | None = None,
              truth: Mapping[str, float] | None = None, enforce_constraints: bool = True,
              command: str | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run or resume the calibration in ``out`` and write every output; returns summary.json's content."""
    if resume:
        check_resumable(out, calibration)
    else:
        out.mkdir(parents=True, exist_ok=True)
        _write_plan(out, calibration)
    run = run_abc(calibration, out, workers=workers, address=address, resume=resume, observed=observed,
                  enforce_constraints=enforce_constraints, progress=progress)
    if resume and run.generations_before:
        log(f"resumed {out}: {run.generations_before} generation(s) were done, now {run.generations_after}")
    return write_outputs(calibration, out, run, workers=workers, address=address, progress=progress,
                         command=command or shlex.join(sys.argv), observed=observed, truth=truth)


__all__ = ["CalibrationFolderError", "Forecast", "calibrate", "check_resumable", "forecast", "load_calibration"]

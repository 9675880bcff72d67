"""Recovery on synthetic data: does the calibration pipeline find parameter values it was given?

    python -m sim.calibration.recovery [experiments/calibration.yaml] [--out DIR]
        [--resume DIR] [--figure docs/calibration_recovery.png] [--workers N]

1. True values: for each calibrated coefficient, ``low + u (high - low)`` with ``u`` uniform on
   [0.2, 0.8] from ``default_rng([seed, TRUTH_STREAM])`` (inside the prior, away from its edges,
   where a 90 % interval is cut by the prior's bound).
2. Synthetic observed targets: the target statistics of one population simulated at the true
   values on the truth stream (:class:`sim.calibration.abc.ParticleSimulator`), the same way a
   particle is simulated, in place of the published values.
3. The calibration file's ABC-SMC, with its budget cut to :data:`RECOVERY_ABC` so that it runs
   in about half an hour on 2 cores, fits the fitted targets to those values (constraints left
   out: they are published patterns, which a synthetic world need not meet).
4. Checks, each one a calibrated posterior fails rarely:
   - coverage: at least :func:`minimum_inside` of the true values inside their 90 % posterior
     intervals. Not all of them: for a posterior that is exactly right each true value is inside
     with probability 0.9, so all n are with probability 0.9^n (0.48 for 7); the count inside is
     about Binomial(n, 0.9), and the check fails when it falls below what such a posterior gives
     with probability 0.99 (4 of 7, 9 of 13);
   - learning: the posterior medians lie nearer the truth than the prior's medians do, summed
     over the coefficients in units of each prior's range. Not every interval narrower than the
     prior's: a coefficient the targets do not inform keeps its prior's width in a correct
     posterior (docs/calibration.md: most of round 14's thirteen did).

This proves the pipeline (simulator, seeding, distance, SMC, posterior summaries), not the fit
to the literature. ``tests/calibration/test_recovery.py`` (marked slow) runs the same function.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import textwrap
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..provenance import stamped_folder
from .abc import TRUTH_STREAM, Calibration, ParticleSimulator, load_calibration
from .report import BLACK, BLUE, ORANGE, VERMILLION, posterior_summary
from .run import calibrate

CALIBRATION_FILE = Path(__file__).resolve().parents[2] / "experiments" / "calibration.yaml"
#: The reduced ABC of the recovery (the calibration file's other settings are kept).
RECOVERY_ABC = {"max_evaluations": 1200, "minimum_epsilon": 0.0}
RECOVERY_PREDICTIVE_DRAWS = 10
#: True values lie this far inside the prior range (as shares of it).
TRUTH_RANGE = (0.2, 0.8)
#: Coverage of the posterior intervals the recovery reads, and the false-alarm rate its coverage check allows.
INTERVAL_COVERAGE = 0.9
FALSE_ALARM = 0.01


def minimum_inside(coefficients: int, coverage: float = INTERVAL_COVERAGE, false_alarm: float = FALSE_ALARM) -> int:
    """The fewest true values inside their intervals a correct posterior gives with probability
    at least ``1 - false_alarm``: the largest k with P(Binomial(coefficients, coverage) < k) <=
    false_alarm (treating the coefficients as independent)."""
    from scipy.stats import binom

    return max(k for k in range(coefficients + 1) if binom.cdf(k - 1, coefficients, coverage) <= false_alarm)


class Recovery(NamedTuple):
    """The truth, the posterior summary with the checks, and the calibration folder."""

    truth: dict[str, float]
    table: pd.DataFrame
    out: Path
    seconds: float
    evaluations: int
    generations: int

    @property
    def inside(self) -> int:
        return int(self.table["inside_90"].sum())

    @property
    def learnt(self) -> bool:
        """Step 4's second check."""
        return bool(self.table["posterior_error"].sum() < self.table["prior_error"].sum())

    @property
    def recovered(self) -> bool:
        return self.inside >= minimum_inside(len(self.table)) and self.learnt


def reduced(calibration: Calibration) -> Calibration:
    """The calibration with the recovery's ABC settings and predictive draws."""
    settings = calibration.settings.model_copy(update={
        "abc": calibration.settings.abc.model_copy(update=RECOVERY_ABC),
        "predictive_draws": RECOVERY_PREDICTIVE_DRAWS})
    return dataclasses.replace(calibration, settings=settings)


def true_values(calibration: Calibration) -> dict[str, float]:
    """Step 1 of the module docstring."""
    rng = np.random.default_rng([calibration.settings.seed, TRUTH_STREAM])
    return {p.path: p.low + float(rng.uniform(*TRUTH_RANGE)) * (p.high - p.low) for p in calibration.priors}


def synthetic_observations(calibration: Calibration, truth: dict[str, float]) -> dict[str, float]:
    """Step 2 of the module docstring."""
    return ParticleSimulator(calibration, TRUTH_STREAM)(truth)


def recover(calibration: Calibration, out: Path, *, workers: int = 1, progress: bool = True,
            resume: bool = False) -> Recovery:
    """Steps 1-4 of the module docstring; the calibration folder goes to ``out`` (``resume``:
    continue the one there)."""
    started = time.perf_counter()
    calibration = reduced(calibration)
    truth = true_values(calibration)
    observed = synthetic_observations(calibration, truth)
    record = calibrate(calibration, out, resume=resume, workers=workers, progress=progress, observed=observed,
                       truth=truth, enforce_constraints=False, command="python -m sim.calibration.recovery")
    last = pd.read_parquet(out / "posterior.parquet").query(f"generation == {record['posterior_generation']}")
    table = posterior_summary(calibration, last.reset_index(drop=True))
    table["truth"] = table["parameter"].map(truth)
    table["inside_90"] = (table["q05"] <= table["truth"]) & (table["truth"] <= table["q95"])
    span = table["prior_high"] - table["prior_low"]
    table["posterior_error"] = (table["median"] - table["truth"]).abs() / span
    table["prior_error"] = ((table["prior_low"] + table["prior_high"]) / 2 - table["truth"]).abs() / span
    return Recovery(truth, table, out, time.perf_counter() - started, record["evaluations"], record["generations"])


def plot_recovery(recovery: Recovery, path: Path, title: str) -> None:
    """Each coefficient on its prior range scaled to [0, 1]: the 90 % posterior interval (bar),
    the posterior median (dot), the true value (cross) and the prior's 90 % interval (band)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = recovery.table
    span = table["prior_high"] - table["prior_low"]
    scale = {column: (table[column] - table["prior_low"]) / span for column in ("q05", "q95", "median", "truth")}
    rows = np.arange(len(table))[::-1]
    figure, axis = plt.subplots(figsize=(8, 0.55 * len(table) + 1.6))
    axis.axvspan(0.05, 0.95, color=ORANGE, alpha=0.15, label="prior 90 % interval")
    axis.hlines(rows, scale["q05"], scale["q95"], color=BLUE, linewidth=5, label="posterior 90 % interval")
    axis.plot(scale["median"], rows, "o", color=BLACK, markersize=5, label="posterior median")
    axis.plot(scale["truth"], rows, "x", color=VERMILLION, markersize=10, mew=2.5, label="true value")
    axis.set_yticks(rows, [p.removeprefix("mechanisms.") for p in table["parameter"]], fontsize=8)
    axis.set_xlim(0, 1)
    axis.set_xlabel("position in the prior range (0 = low, 1 = high)")
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, fontsize=8, frameon=False)
    axis.set_title(textwrap.fill(title, 100), fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.calibration.recovery", description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, nargs="?", default=CALIBRATION_FILE)
    parser.add_argument("--out", type=Path, help="calibration folder (default results/recovery/<time>/)")
    parser.add_argument("--resume", type=Path, metavar="DIR", help="continue the recovery in DIR")
    parser.add_argument("--figure", type=Path, help="also write the recovery figure here (e.g. docs/calibration_recovery.png)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers: must be at least 1, got {args.workers}")
    from ..fields import ScenarioError

    try:
        calibration = load_calibration(args.file)
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = args.resume or args.out or stamped_folder(Path("results") / "recovery")
    recovery = recover(calibration, out, workers=args.workers, progress=not args.quiet, resume=args.resume is not None)
    settings = reduced(calibration).settings
    title = (f"Recovery: {len(recovery.truth)} coefficients, {recovery.generations} generations x "
             f"{settings.abc.population_size} particles, {recovery.evaluations} evaluations of "
             f"{settings.countries_per_particle} countries, seed {settings.seed}: "
             f"{recovery.inside}/{len(recovery.table)} inside the 90 % interval (at least "
             f"{minimum_inside(len(recovery.table))} needed), medians {recovery.table['posterior_error'].sum():.2f} "
             f"prior ranges from the truth in all (the prior's: {recovery.table['prior_error'].sum():.2f}), "
             f"{int((recovery.table['width_vs_prior'] < 1).sum())}/{len(recovery.table)} narrower than the prior")
    if args.figure:
        plot_recovery(recovery, args.figure, title)
    print(title)
    print(recovery.table.to_markdown(index=False, floatfmt=".4g"))
    print(f"{recovery.seconds:.0f} s; folder {out}/" + (f"; figure {args.figure}" if args.figure else ""))
    return 0 if recovery.recovered else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Recovery on synthetic data: does the calibration pipeline find parameter values it was given?

    python -m sim.calibration.recovery [experiments/calibration.yaml] [--out DIR]
        [--resume DIR] [--figure docs/calibration_recovery.png] [--workers N]

1. True values: for each calibrated coefficient, ``low + u (high - low)`` with ``u`` uniform on
   [0.2, 0.8] from ``default_rng([seed, TRUTH_STREAM])`` (inside the prior, away from its edges,
   where a 90 % interval is cut by the prior's bound).
2. Synthetic observed targets: the target statistics of one population simulated at the true
   values on the truth stream (:func:`sim.calibration.abc.simulate_targets`), the same way a
   particle is simulated, in place of the published values.
3. The calibration file's ABC-SMC, reduced to :data:`RECOVERY_ABC` so that it runs in about 20
   minutes on 2 cores, fits the fitted targets to those values (constraints left out: they are
   published patterns, which a synthetic world need not meet).
4. Checks: each true value inside its 90 % posterior interval, and each interval narrower than
   the prior's 90 % interval (the data taught the fit something about every coefficient).

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
from .abc import TRUTH_STREAM, Calibration, load_calibration, particle_rng, simulate_targets
from .report import BLACK, BLUE, ORANGE, VERMILLION, posterior_summary
from .run import calibrate

CALIBRATION_FILE = Path(__file__).resolve().parents[2] / "experiments" / "calibration.yaml"
#: The reduced ABC of the recovery (the calibration file's other settings are kept).
RECOVERY_ABC = {"population_size": 40, "max_generations": 4, "max_evaluations": 360, "minimum_epsilon": 0.0}
RECOVERY_PREDICTIVE_DRAWS = 10
#: True values lie this far inside the prior range (as shares of it).
TRUTH_RANGE = (0.2, 0.8)


class Recovery(NamedTuple):
    """The truth, the posterior summary with the checks, and the calibration folder."""

    truth: dict[str, float]
    table: pd.DataFrame
    out: Path
    seconds: float
    evaluations: int
    generations: int

    @property
    def recovered(self) -> bool:
        return bool(self.table["inside_90"].all() and (self.table["width_vs_prior"] < 1).all())


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
    settings = calibration.settings
    return simulate_targets(calibration.prior, calibration.targets, truth, settings.countries_per_particle,
                            particle_rng(settings.seed, truth, TRUTH_STREAM))


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
             f"{int(recovery.table['inside_90'].sum())}/{len(recovery.table)} inside the 90 % interval, "
             f"{int((recovery.table['width_vs_prior'] < 1).sum())}/{len(recovery.table)} narrower than the prior")
    if args.figure:
        plot_recovery(recovery, args.figure, title)
    print(title)
    print(recovery.table.to_markdown(index=False, floatfmt=".4g"))
    print(f"{recovery.seconds:.0f} s; folder {out}/" + (f"; figure {args.figure}" if args.figure else ""))
    return 0 if recovery.recovered else 1


if __name__ == "__main__":
    raise SystemExit(main())

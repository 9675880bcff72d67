"""Sensitivity of a sweep's outcomes to its sampled parameters: Sobol first-order and total
indices with their CIs (Saltelli design, SALib's estimators), and Morris elementary effects
(mu*, sigma), both aware that the model is stochastic.

Each design point is replicated (m runs, seeds differ), so a run's outcome is Y = f(x) + e, with
f(x) its expected value at parameters x and e chance. By the law of total variance the per-run
variance splits into Var f(X) (the parameters) and E Var(Y | X) = W (chance), estimated by the
method of moments over the replicated points (:func:`sim.experiments.stats.variance_components`).
The indices are those of f, estimated from the point means Ybar = f(x) + noise of variance
W/m: SALib's estimators on Ybar have an unbiased first-order numerator, while the sample
variance and the total-effect (Jansen) numerator each carry the noise W/m, which is taken out
here. Reported beside the parameters: the chance share W / (Var f + W), and each index as a
share of the per-run variance. A Sobol index computed on single noisy runs would count chance as
interaction. For Morris, the level chance alone gives mu* and sigma (noise in both ends of an
elementary effect) is drawn beside the parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol

from ..experiments.stats import variance_components
from .folder import SweepResults
from .style import PALETTE, Chart, new_figure, readable

#: The outcomes whose sensitivity is reported, with their labels.
OUTPUTS = {"reform_success": "reform success (0/1)", "reform_index_auc": "mean reform index over the run",
           "final_reform_index": "final reform index"}
#: The Morris design's levels (sim.experiments.design.morris's default, which experiment files use).
MORRIS_LEVELS = 4
BLOCK = ["param.scenario", "param.strategy"]


def design_kind(matrix: np.ndarray) -> str | None:
    """"sobol" for a Saltelli design (blocks of 2D + 2 rows: A, AB_1..AB_D, BA_1..BA_D, B, where
    AB_i is A with column i from B), "morris" for trajectories (blocks of D + 1 rows, each moving
    one parameter), None for anything else; read from the points themselves."""
    points, dimensions = matrix.shape
    step = 2 * dimensions + 2
    if points % step == 0 and points >= step:
        blocks = matrix.reshape(-1, step, dimensions)
        a, b = blocks[:, 0], blocks[:, -1]
        expected = np.repeat(a[:, None, :], dimensions, axis=1)
        index = np.arange(dimensions)
        expected[:, index, index] = b[:, index]
        if np.allclose(blocks[:, 1:dimensions + 1], expected):
            return "sobol"
    step = dimensions + 1
    if points % step == 0 and points >= step:
        moves = np.abs(np.diff(matrix.reshape(-1, step, dimensions), axis=1)) > 1e-12
        if (moves.sum(axis=2) == 1).all() and (moves.sum(axis=1) == 1).all():
            return "morris"
    return None


@dataclass(frozen=True)
class ReplicatedOutput:
    """One outcome over a replicated design: per-point means (design order) and the chance in them."""

    means: np.ndarray  # (points,)
    within: float      # W, the per-run variance due to chance (NaN when no point is replicated)
    noise: float       # variance of a point mean due to chance: W x mean(1/m_i) (NaN when W is)


def replicated_output(values: np.ndarray, points: np.ndarray) -> ReplicatedOutput:
    """Point means (points numbered 0..P-1 in design order) and the chance variance W of the runs."""
    points = np.asarray(points)
    counts = np.bincount(points)
    means = np.bincount(points, weights=np.asarray(values, dtype=float)) / counts
    within = variance_components(values, points).within
    return ReplicatedOutput(means, within, within * float(np.mean(1.0 / counts)))


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of the expected outcome f, and the split of the per-run variance."""

    indices: pd.DataFrame  # parameter, S1, S1_conf, ST, ST_conf, share_first, share_total
    parameter_variance: float  # Var f(X)
    chance_variance: float     # W

    @property
    def chance_share(self) -> float:
        """W / (Var f + W): the share of the per-run variance due to chance (NaN when unknown)."""
        total = self.parameter_variance + self.chance_variance
        return self.chance_variance / total if np.isfinite(total) and total > 0 else math.nan


def sobol_indices(problem: dict[str, Any], values: np.ndarray, points: np.ndarray, *,
                  seed: int = 0, resamples: int = 200) -> SobolResult:
    """First-order (S1) and total (ST) Sobol indices, with 95 % bootstrap half-widths (``_conf``),
    of the expected outcome at each point of a Saltelli design (second-order layout), from the
    runs' ``values`` and their ``points`` (0..P-1 in design order). Without replication (W
    unknown) the indices are SALib's on the point values and the chance share is NaN."""
    output = replicated_output(values, points)
    dimensions = problem["num_vars"]
    step = 2 * dimensions + 2
    analysed = salib_sobol.analyze(problem, output.means, calc_second_order=True, num_resamples=resamples,
                                   conf_level=0.95, seed=seed + 1)
    base = np.r_[output.means[0::step], output.means[step - 1::step]]
    observed = float(np.var(base))
    noise = output.noise if np.isfinite(output.noise) else 0.0
    parameters = max(observed - noise, 0.0)
    if parameters > 0:
        scale = observed / parameters
        first, total = analysed["S1"] * scale, (analysed["ST"] * observed - noise) / parameters
    else:  # the point means vary no more than chance makes them: no parameter effect to apportion
        scale, first, total = math.nan, np.full(dimensions, math.nan), np.full(dimensions, math.nan)
    per_run = parameters + (output.within if np.isfinite(output.within) else 0.0)
    indices = pd.DataFrame({"parameter": problem["names"], "S1": first, "S1_conf": analysed["S1_conf"] * scale,
                            "ST": total, "ST_conf": analysed["ST_conf"] * scale,
                            "share_first": first * parameters / per_run, "share_total": total * parameters / per_run})
    return SobolResult(indices, parameters, output.within)


@dataclass(frozen=True)
class MorrisResult:
    """Morris statistics of the point means, and what chance alone would give them."""

    indices: pd.DataFrame  # parameter, mu, mu_star, mu_star_conf, sigma
    chance_mu_star: float  # E|effect| of pure noise: sqrt(2 noise) / delta x sqrt(2 / pi)
    chance_sigma: float    # sd of an elementary effect of pure noise: sqrt(2 noise) / delta


def morris_indices(problem: dict[str, Any], matrix: np.ndarray, values: np.ndarray, points: np.ndarray, *,
                   seed: int = 0, resamples: int = 200) -> MorrisResult:
    """mu (mean effect), mu* (mean absolute effect, with its 95 % bootstrap half-width) and sigma
    of each parameter's elementary effects, on the point means of a Morris design (``matrix``, the
    points in design order, in the parameters' units); effects are per step of the unit-scaled
    parameter (delta = levels / (2 (levels − 1)))."""
    output = replicated_output(values, points)
    analysed = salib_morris.analyze(problem, matrix, output.means, num_resamples=resamples, conf_level=0.95,
                                    num_levels=MORRIS_LEVELS, seed=seed + 1)
    delta = MORRIS_LEVELS / (2.0 * (MORRIS_LEVELS - 1))
    spread = math.sqrt(2.0 * output.noise) / delta if np.isfinite(output.noise) else math.nan
    indices = pd.DataFrame({"parameter": problem["names"], "mu": analysed["mu"], "mu_star": analysed["mu_star"],
                            "mu_star_conf": analysed["mu_star_conf"], "sigma": analysed["sigma"]})
    return MorrisResult(indices, spread * math.sqrt(2.0 / math.pi), spread)


def _blocks(results: SweepResults, kind: str):
    """(scenario, strategy, problem, matrix, runs) for every block of the sweep whose design is ``kind``."""
    problem = results.metadata.get("sobol_problem")
    if not problem:
        return
    columns = [f"param.overrides.{name}" for name in problem["names"]]
    if any(column not in results.runs.columns for column in columns):
        return
    for (scenario, strategy), runs in results.runs.groupby(BLOCK, sort=False):
        order = np.sort(runs["design_index"].unique())
        matrix = runs.drop_duplicates("design_index").set_index("design_index").loc[order, columns].to_numpy(float)
        if design_kind(matrix) == kind:
            position = np.searchsorted(order, runs["design_index"].to_numpy())
            yield scenario, strategy, problem, matrix, runs.assign(point=position)


def sobol_charts(results: SweepResults) -> list[Chart]:
    """A figure per Saltelli-designed block: per outcome, S1 and ST as shares of the per-run variance, and chance."""
    charts = []
    for scenario, strategy, problem, matrix, runs in _blocks(results, "sobol"):
        figure, axes = new_figure(1, len(OUTPUTS), 4.2, 0.32 * problem["num_vars"] + 1.6, sharey=True)
        rows, chance = [], {}
        names = [readable(n) for n in problem["names"]] + ["chance (seeds)"]
        for axis, (output, label) in zip(axes[0], OUTPUTS.items()):
            result = sobol_indices(problem, runs[output].to_numpy(float), runs["point"].to_numpy())
            table = result.indices
            factor = result.parameter_variance / (result.parameter_variance + result.chance_variance) \
                if np.isfinite(result.chance_share) else 1.0
            y = np.arange(len(names))[::-1]
            axis.barh(y[:-1] + 0.18, table["share_first"], height=0.36, color=PALETTE[0],
                      xerr=table["S1_conf"] * factor, capsize=2, label="first order")
            axis.barh(y[:-1] - 0.18, table["share_total"], height=0.36, color=PALETTE[1],
                      xerr=table["ST_conf"] * factor, capsize=2, label="total")
            axis.barh(y[-1], result.chance_share, height=0.5, color="#777777", label="chance")
            axis.set_yticks(y, names, fontsize=7)
            axis.set_xlim(0, 1)
            axis.set_xlabel("share of per-run variance")
            axis.set_title(label, fontsize=9)
            axis.grid(axis="x", alpha=0.3)
            chance[label] = result.chance_share
            rows.append(table.assign(output=output, chance_share=result.chance_share))
        axes[0][0].legend(fontsize=7, loc="lower right")
        base = len(matrix) // (2 * problem["num_vars"] + 2)
        replications = int(runs.groupby("point").size().min())
        title = (f"{results.experiment} · {scenario} · {strategy}: Sobol indices, {base} base samples × "
                 f"{2 * problem['num_vars'] + 2} points, {replications} runs a point")
        figure.suptitle(title, fontsize=10)
        numbers = pd.concat(rows, ignore_index=True)
        top = numbers[numbers["output"] == "reform_index_auc"].nlargest(1, "ST")
        reading = ("Chance (the seeds) is " + ", ".join(f"{v:.0%} of the variance of {k}" for k, v in chance.items())
                   + (f"; the parameter with the largest total effect on the mean reform index is "
                      f"{readable(top['parameter'].iloc[0])} (ST {top['ST'].iloc[0]:.2f} of the parameters' share)."
                      if len(top) else "."))
        charts.append(Chart(f"sobol_{scenario}_{strategy}", title, reading, figure, numbers))
    return charts


def morris_charts(results: SweepResults) -> list[Chart]:
    """A figure per Morris-designed block: mu* against sigma per outcome, with the level chance alone gives."""
    charts = []
    for scenario, strategy, problem, matrix, runs in _blocks(results, "morris"):
        figure, axes = new_figure(1, len(OUTPUTS), 3.8, 3.4)
        rows, above = [], {}
        for axis, (output, label) in zip(axes[0], OUTPUTS.items()):
            result = morris_indices(problem, matrix, runs[output].to_numpy(float), runs["point"].to_numpy())
            table = result.indices
            axis.errorbar(table["mu_star"], table["sigma"], xerr=table["mu_star_conf"], fmt="o", color=PALETTE[0],
                          ms=4, capsize=2)
            for _, row in table.iterrows():
                axis.annotate(readable(row["parameter"]), (row["mu_star"], row["sigma"]), fontsize=6,
                              xytext=(3, 2), textcoords="offset points")
            if np.isfinite(result.chance_mu_star):
                axis.axvline(result.chance_mu_star, color=PALETTE[5], ls="--", lw=1, label="μ* of chance alone")
                axis.axhline(result.chance_sigma, color=PALETTE[5], ls=":", lw=1, label="σ of chance alone")
            axis.set_xlabel("μ* (mean |elementary effect|)")
            axis.set_ylabel("σ (spread of effects)")
            axis.set_title(label, fontsize=9)
            axis.grid(alpha=0.3)
            above[label] = int((table["mu_star"] - table["mu_star_conf"] > result.chance_mu_star).sum())
            rows.append(table.assign(output=output, chance_mu_star=result.chance_mu_star,
                                     chance_sigma=result.chance_sigma))
        axes[0][0].legend(fontsize=6, loc="upper left")
        trajectories = len(matrix) // (problem["num_vars"] + 1)
        replications = int(runs.groupby("point").size().min())
        title = (f"{results.experiment} · {scenario} · {strategy}: Morris screening, {trajectories} trajectories, "
                 f"{replications} runs a point")
        figure.suptitle(title, fontsize=10)
        reading = ("Parameters whose μ* stands clear of chance (its CI above the dashed line): "
                   + ", ".join(f"{n} of {problem['num_vars']} for {k}" for k, n in above.items()) + ".")
        charts.append(Chart(f"morris_{scenario}_{strategy}", title, reading, figure,
                            pd.concat(rows, ignore_index=True)))
    return charts

"""What a calibration folder holds once its ABC-SMC has stopped, written from its history.

- ``posterior.parquet``: every generation's particles (one column per calibrated coefficient,
  ``weight``, ``generation``); the posterior is the last generation (``summary.json`` names it),
  the earlier ones are the SMC's intermediate populations, kept for a referee;
- ``diagnostics.csv``: epsilon, evaluations, acceptance rate and effective sample size
  (Kish: (Σw)²/Σw²) per generation;
- ``posterior_marginals.png``/``.svg`` and ``posterior_pairs.png``/``.svg``: weighted histograms
  against the uniform prior, and pairwise scatter of the last generation (Okabe-Ito colours);
- ``posterior_predictive.csv``/``.md``: ``predictive_draws`` particles resampled from the
  posterior by weight and simulated again on fresh populations (:data:`sim.calibration.abc.PREDICTIVE_STREAM`),
  every target (fitted, held out, constraint) with the published value, the model's median
  and 90 % interval, whether the median is inside the tolerance and the share of draws inside;
- ``posterior_draws.csv``: those draws' coefficients (a ``draw`` column, then one column per
  dotted path), the equally weighted sample a sweep reads with ``parameters: {posterior: FILE}``;
  the shipped ``experiments/calibration/posterior.csv`` is a copy of a calibration's;
- ``calibration.md``: the report; ``summary.json``: provenance (seed, file digests, package
  versions, git commit) and the posterior summary.

Weighted quantiles are pyabc's (:func:`weighted_quantile`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..provenance import package_versions, provenance
from .abc import PREDICTIVE_STREAM, Calibration, ParticleSimulator, RunReport, generation_table, load_history

#: Okabe & Ito (2008) colour-blind-safe palette: blue, orange, vermillion, black.
BLUE, ORANGE, VERMILLION, BLACK = "#0072B2", "#E69F00", "#D55E00", "#000000"
#: The posterior interval reported everywhere.
INTERVAL = (0.05, 0.95)
PREDICTIVE_DRAWS_FILE = "predictive_draws.parquet"
#: Equally weighted posterior draws as a sweep reads them; ``experiments/calibration/posterior.csv`` is a copy.
POSTERIOR_DRAWS_FILE = "posterior_draws.csv"


def weighted_quantile(values: Sequence[float], weights: Sequence[float], q: float) -> float:
    """The q-quantile of weighted points, as pyabc computes it (``pyabc.weighted_statistics``:
    linear interpolation between the points placed at their cumulative weight minus half their
    own), after normalising the weights to sum 1: the same rule as the epsilon schedule's."""
    from pyabc.weighted_statistics import weighted_quantile as pyabc_weighted_quantile

    weights = np.asarray(weights, dtype=float)
    return float(pyabc_weighted_quantile(points=np.asarray(values, dtype=float), weights=weights / weights.sum(),
                                         alpha=q))


def posterior_frame(history) -> pd.DataFrame:
    """Every generation's particles: coefficient columns, ``weight``, ``generation``."""
    frames = []
    for t in range(history.max_t + 1):
        particles, weights = history.get_distribution(m=0, t=t)
        particles = particles.reset_index(drop=True)
        particles.columns.name = None
        frames.append(particles.assign(weight=weights, generation=t))
    return pd.concat(frames, ignore_index=True)


def posterior_summary(calibration: Calibration, last: pd.DataFrame) -> pd.DataFrame:
    """Per coefficient: prior range and default, posterior median and 90 % interval, and the
    interval's width as a share of the prior's 90 % width (below 1: the data narrowed it)."""
    rows = []
    for prior in calibration.priors:
        low, high = (weighted_quantile(last[prior.path], last["weight"], q) for q in INTERVAL)
        rows.append({"parameter": prior.path, "prior_low": prior.low, "prior_high": prior.high,
                     "default": prior.default, "median": weighted_quantile(last[prior.path], last["weight"], 0.5),
                     "q05": low, "q95": high,
                     "width_vs_prior": (high - low) / ((INTERVAL[1] - INTERVAL[0]) * (prior.high - prior.low))})
    return pd.DataFrame(rows)


def _evaluate(job: tuple[ParticleSimulator, dict[str, float]]) -> dict[str, float]:
    simulator, values = job
    return simulator(values)


def map_particles(simulators: Sequence[ParticleSimulator], values: Sequence[dict[str, float]], *, workers: int,
                  address: str | None, progress: bool, desc: str) -> list[dict[str, float]]:
    """Evaluate each (simulator, θ) pair: here, on ``workers`` forked processes, or on a Dask cluster."""
    from tqdm import tqdm

    jobs = list(zip(simulators, values))
    bar = tqdm(total=len(jobs), desc=desc, unit="draw", disable=not progress)
    try:
        if address is not None:
            from distributed import Client, as_completed

            with Client(address) as client:
                futures = client.map(_evaluate, jobs, pure=False)
                index = {future.key: position for position, future in enumerate(futures)}
                results: list[Any] = [None] * len(jobs)
                for future in as_completed(futures):
                    results[index[future.key]] = future.result()
                    bar.update()
                return results
        if workers > 1:
            import multiprocessing

            # forkserver, not fork: the caller may have threads (pyarrow's, a pool's), and forking
            # a multi-threaded process can deadlock the child (Python 3.12 warns of it).
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
                results = []
                for result in pool.map(_evaluate, jobs):
                    results.append(result)
                    bar.update()
                return results
        results = []
        for job in jobs:
            results.append(_evaluate(job))
            bar.update()
        return results
    finally:
        bar.close()


def simulate_draws(calibration: Calibration, values: Sequence[Mapping[str, float]], *, workers: int,
                   address: str | None, progress: bool) -> pd.DataFrame:
    """Draw k (coefficients ``values[k]``) simulated on a fresh population of countries, stream
    PREDICTIVE_STREAM + 1 + k: one row per draw with its coefficients, every target statistic and
    ``draw``. The same draws give the same rows, whether they come from a calibration folder or
    from the shipped ``experiments/calibration/posterior.csv``."""
    names = [*calibration.names, *calibration.settings.fixed]
    values = [{name: float(draw[name]) for name in names if name in draw} for draw in values]
    simulators = [ParticleSimulator(calibration, PREDICTIVE_STREAM + 1 + k) for k in range(len(values))]
    results = map_particles(simulators, values, workers=workers, address=address, progress=progress,
                            desc="posterior predictive")
    return pd.DataFrame([{**v, **r, "draw": k} for k, (v, r) in enumerate(zip(values, results))])


def predictive_draws(calibration: Calibration, last: pd.DataFrame, *, workers: int, address: str | None,
                     progress: bool) -> pd.DataFrame:
    """``predictive_draws`` particles resampled from the last generation by weight (generator
    ``default_rng([seed, PREDICTIVE_STREAM])``), simulated by :func:`simulate_draws`."""
    count = calibration.settings.predictive_draws
    rng = np.random.default_rng([calibration.settings.seed, PREDICTIVE_STREAM])
    chosen = rng.choice(len(last), size=count, p=(last["weight"] / last["weight"].sum()).to_numpy())
    return simulate_draws(calibration, [last.iloc[i] for i in chosen], workers=workers, address=address,
                          progress=progress)


def central_values(draws: pd.DataFrame, names: Sequence[str]) -> dict[str, float]:
    """The values the shipped scenarios take for calibrated coefficients: the median of the equally
    weighted posterior draws, to three significant digits (closer than the posterior's width
    warrants, and readable as a schema default)."""
    return {name: float(f"{float(np.median(draws[name])):.3g}") for name in names}


def read_posterior_draws(path: Path, calibration: Calibration) -> list[dict[str, float]]:
    """The draws of a ``posterior_draws.csv`` (or the shipped copy) for ``calibration``'s
    coefficients, read as sweeps read it (:func:`sim.experiment_file.read_posterior_csv`);
    ValueError naming the file when it is unreadable or its columns are not exactly them."""
    from ..experiment_file import read_posterior_csv

    try:
        columns, values = read_posterior_csv(path)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    allowed = (sorted(calibration.names), sorted([*calibration.names, *calibration.settings.fixed]))
    if sorted(columns) not in allowed:
        raise ValueError(f"{path}: columns {columns} are not the coefficients of {calibration.path} "
                         f"({calibration.names}, with or without its fixed ones)")
    return [dict(zip(columns, draw)) for draw in values]


def predictive_table(calibration: Calibration, draws: pd.DataFrame,
                     observed: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Every target: role in this fit (fitted, held out, constraint), published (or synthetic
    observed) value, model median and 90 % interval over the predictive draws, tolerance, whether
    the median meets the target and the share of draws that do."""
    held = {t.name for t in calibration.held_out}
    rows = []
    for target in calibration.targets.targets:
        values = draws[target.name].to_numpy(dtype=float)
        value = observed[target.name] if observed is not None and target.role != "constraint" else target.published
        judged = target.model_copy(update={"published": float(value)})
        finite = values[np.isfinite(values)]
        median = float(np.median(finite)) if finite.size else math.nan
        rows.append({"target": target.name,
                     "role": "held out" if target.name in held else ("fitted" if target.role == "fit" else target.role),
                     "published": float(value), "model_median": median,
                     "model_q05": float(np.quantile(finite, INTERVAL[0])) if finite.size else math.nan,
                     "model_q95": float(np.quantile(finite, INTERVAL[1])) if finite.size else math.nan,
                     "tolerance": target.tolerance, "direction": target.direction,
                     "inside": judged.inside(median),
                     "share_of_draws_inside": float(np.mean([judged.inside(v) for v in values]))})
    order = {"fitted": 0, "held out": 1, "constraint": 2}
    return pd.DataFrame(rows).sort_values("role", key=lambda r: r.map(order), kind="stable").reset_index(drop=True)


def _short(path: str) -> str:
    return path.removeprefix("mechanisms.")


def plot_marginals(calibration: Calibration, last: pd.DataFrame, title: str, stem: Path,
                   truth: Mapping[str, float] | None = None) -> None:
    """Weighted histogram of each coefficient's posterior over its prior range, with the uniform
    prior density, the 90 % interval, the documented default and (recovery) the true value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = len(calibration.priors)
    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows + 0.6), squeeze=False)
    for axis, prior in zip(axes.flat, calibration.priors):
        axis.hist(last[prior.path], bins=20, range=(prior.low, prior.high), weights=last["weight"], density=True,
                  color=BLUE, alpha=0.75, label="posterior")
        axis.hlines(1 / (prior.high - prior.low), prior.low, prior.high, color=ORANGE, linewidth=2, label="prior")
        low, high = (weighted_quantile(last[prior.path], last["weight"], q) for q in INTERVAL)
        axis.axvspan(low, high, color=BLUE, alpha=0.12, label="90 % interval")
        axis.axvline(prior.default, color=BLACK, linestyle="--", linewidth=1, label="documented default")
        if truth is not None:
            axis.axvline(truth[prior.path], color=VERMILLION, linewidth=2, label="true value")
        axis.set_xlim(prior.low, prior.high)
        axis.set_title(_short(prior.path), fontsize=9)
        axis.tick_params(labelsize=8)
    for axis in list(axes.flat)[count:]:
        axis.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout(rect=(0, 0.06, 1, 0.92))
    for suffix in (".png", ".svg"):
        figure.savefig(stem.with_suffix(suffix), dpi=130)
    plt.close(figure)


def plot_pairs(calibration: Calibration, last: pd.DataFrame, title: str, stem: Path,
               truth: Mapping[str, float] | None = None) -> None:
    """Pairwise scatter of the last generation (marker area proportional to weight) below the
    diagonal, weighted histograms on it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    priors = calibration.priors
    count = len(priors)
    side = max(2.2 * count + 0.8, 7.0)  # wide enough for the two-line title
    figure, axes = plt.subplots(count, count, figsize=(side, side), squeeze=False)
    sizes = 8 + 120 * last["weight"] / last["weight"].max()
    for row, y in enumerate(priors):
        for column, x in enumerate(priors):
            axis = axes[row][column]
            if column > row:
                axis.axis("off")
                continue
            if row == column:
                axis.hist(last[x.path], bins=15, range=(x.low, x.high), weights=last["weight"], color=BLUE, alpha=0.75)
                axis.set_yticks([])
            else:
                axis.scatter(last[x.path], last[y.path], s=sizes, color=BLUE, alpha=0.5, linewidths=0)
                axis.set_ylim(y.low, y.high)
                if truth is not None:
                    axis.plot(truth[x.path], truth[y.path], marker="x", color=VERMILLION, markersize=9, mew=2)
            axis.set_xlim(x.low, x.high)
            axis.tick_params(labelsize=6)
            if row == count - 1:
                axis.set_xlabel(_short(x.path), fontsize=7)
            if column == 0 and row > 0:
                axis.set_ylabel(_short(y.path), fontsize=7)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    for suffix in (".png", ".svg"):
        figure.savefig(stem.with_suffix(suffix), dpi=110)
    plt.close(figure)


def _markdown(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False, floatfmt=".4g")


def write_outputs(calibration: Calibration, out: Path, run: RunReport, *, workers: int, address: str | None,
                  progress: bool, command: str, observed: Mapping[str, float] | None = None,
                  truth: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Write every output of a stopped calibration into ``out``; returns summary.json's content."""
    started = time.perf_counter()
    history = load_history(out)
    diagnostics = generation_table(history)
    diagnostics.to_csv(out / "diagnostics.csv", index=False)
    particles = posterior_frame(history)
    particles.to_parquet(out / "posterior.parquet", index=False)
    final = int(history.max_t)
    last = particles[particles["generation"] == final].reset_index(drop=True)
    summary = posterior_summary(calibration, last)
    evaluations = int(history.total_nr_simulations)
    settings = calibration.settings
    what = (("recovery on synthetic data, " if observed is not None else "")
            + f"{calibration.path.name}: {len(calibration.priors)} coefficients, {final + 1} generations x "
            f"{settings.abc.population_size} particles, {evaluations} evaluations of "
            f"{settings.countries_per_particle} countries, seed {settings.seed}")
    plot_marginals(calibration, last, f"Posterior marginals\n{what}", out / "posterior_marginals", truth)
    plot_pairs(calibration, last, f"Posterior pairs\n{what}", out / "posterior_pairs", truth)

    cached = out / PREDICTIVE_DRAWS_FILE
    draws = pd.read_parquet(cached) if cached.is_file() else None
    if (draws is None or len(draws) != settings.predictive_draws
            or not (draws["posterior_generation"] == final).all()):
        predictive_started = time.perf_counter()
        draws = predictive_draws(calibration, last, workers=workers, address=address, progress=progress)
        draws["posterior_generation"] = final
        draws.to_parquet(cached, index=False)
        predictive_seconds = time.perf_counter() - predictive_started
    else:
        predictive_seconds = 0.0
    # The predictive draws' coefficients are the posterior in the form sweeps read
    # (``parameters: {posterior: FILE}``): equally weighted draws, one row each, with the held
    # (``fixed``) coefficients as constant columns, so that a sweep runs the model that was fitted.
    (draws.assign(**settings.fixed)[["draw", *calibration.names, *settings.fixed]]
     .to_csv(out / POSTERIOR_DRAWS_FILE, index=False))
    predictive = predictive_table(calibration, draws, observed)
    predictive.to_csv(out / "posterior_predictive.csv", index=False)
    (out / "posterior_predictive.md").write_text(_markdown(predictive) + "\n", encoding="utf-8")

    record = provenance(
        command=command, seed=settings.seed, files={"calibration": str(calibration.path)},
        sha256=calibration.hashes, plan_sha256=calibration.plan_digest(),
        versions_extra=package_versions(("pyabc", "SALib", "dask", "distributed", "matplotlib", "tqdm")),
        settings=settings.model_dump(), fitted=[t.name for t in calibration.fitted],
        held_out=[t.name for t in calibration.held_out], constraints=[t.name for t in calibration.constraints],
        seeding=("particle: default_rng([seed, stream, sha256(theta)[:8]]); pyabc: numpy/random global state "
                 "seeded with SeedSequence([seed, generation]) before each generation (reproducible with one "
                 "worker; pyabc reseeds parallel workers from the OS)"),
        workers=workers, address=address, posterior_generation=final, generations=final + 1,
        evaluations=evaluations, stop_reason=run.stop_reason,
        seconds={"abc_this_invocation": round(run.seconds, 1), "predictive": round(predictive_seconds, 1),
                 "abc_all_generations": round(float(diagnostics["wall_seconds"].sum()), 1)},
        posterior=summary.to_dict(orient="records"),
        observed=dict(observed) if observed is not None else "published values of the targets file",
        truth=dict(truth) if truth is not None else None)
    (out / "summary.json").write_text(json.dumps(record, indent=2, default=float), encoding="utf-8")
    central = central_values(draws, calibration.names)
    (out / "calibration.md").write_text(_report(calibration, record, diagnostics, summary, predictive, central),
                                        encoding="utf-8")
    record["seconds"]["outputs"] = round(time.perf_counter() - started, 1)
    return record


def _report(calibration: Calibration, record: dict[str, Any], diagnostics: pd.DataFrame, summary: pd.DataFrame,
            predictive: pd.DataFrame, central: Mapping[str, float]) -> str:
    settings = calibration.settings
    fitted = predictive[predictive["role"] == "fitted"]
    held = predictive[predictive["role"] == "held out"]
    constraints = predictive[predictive["role"] == "constraint"]
    lines = [f"# Calibration: {calibration.path.name}", "",
             f"`{record['command']}` · seed {settings.seed} · git {record.get('git_commit')} · "
             f"pyabc {record['versions_extra'].get('pyabc')} · {record['created']}", "",
             f"{len(calibration.priors)} coefficients, uniform priors from `sim/scenario.py`; "
             + (f"held at the calibration file's values: {', '.join(f'`{n}` = {v:g}' for n, v in settings.fixed.items())}; "
                if settings.fixed else "")
             + f"every other coefficient at its documented default. {settings.countries_per_particle} synthetic countries a particle. "
             f"ABC-SMC: {settings.abc.population_size} particles a generation, epsilon the "
             f"{settings.abc.epsilon_quantile:g}-quantile of the previous generation's distances (generation 0: the "
             f"prior), distance the root mean square of the fitted targets' misses in tolerances "
             f"(`sim/calibration/abc.py`). Stopped: {record['stop_reason']}.", "",
             f"Fitted: {', '.join(record['fitted'])}. Held out (checks): {', '.join(record['held_out'])}. "
             f"Constraints: {', '.join(record['constraints']) or 'none'}.", "",
             "## Diagnostics per generation", "", _markdown(diagnostics), "",
             "## Posterior (last generation)", "",
             "`width_vs_prior`: the 90 % interval's width over the prior's 90 % width.", "", _markdown(summary), "",
             "![marginals](posterior_marginals.png)", "", "![pairs](posterior_pairs.png)", "",
             "## To ship this posterior", "",
             f"Copy `{POSTERIOR_DRAWS_FILE}` to `experiments/calibration/posterior.csv` and set these defaults in "
             "`sim/scenario.py` (the median of its draws, three significant digits; "
             "`tests/calibration/test_shipped_posterior.py` checks that they agree):", "",
             *(f"- `{name}`: {value:g}" for name, value in central.items()),
             *(f"- `{name}`: {value:g} (held, `fixed`)" for name, value in settings.fixed.items()), "",
             f"## Posterior predictive ({settings.predictive_draws} draws, each a fresh population)", "",
             f"Fitted targets inside their tolerance (median): {int(fitted['inside'].sum())} of {len(fitted)}; "
             f"held-out checks: {int(held['inside'].sum())} of {len(held)}; constraints met: "
             f"{int(constraints['inside'].sum())} of {len(constraints)}.", "", _markdown(predictive), ""]
    return "\n".join(lines)

"""Sweeps of the reform model: run an experiment file on the engine, and summarise its results.

:func:`run_experiment` expands an experiment into runs (common random numbers: replication k
has one seed for every scenario, strategy and design point and, with ``parameters``, one
posterior draw, k mod D), hands them to the generic engine
and, for a precision target, keeps adding replications until every compared interval is
narrow enough. :func:`summarize` turns ``runs.parquet`` into the tables planners read.

A sweep's plan (its replications: a count, or a precision target and the stage it has
reached) is recorded in its folder's manifest. :func:`resumed_plan` is that plan, to finish
exactly; :func:`extended_plan` is a larger one, asked for explicitly, over the same design.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .experiment_file import (
    POSTERIOR_DRAW,
    Experiment,
    Library,
    Precision,
    expand,
    load_experiment,
    runner_for,
    sampled_problem,
)
from .experiments import SweepResult, estimate_sweep, make_runs, read_manifest, run_sweep
from .footprint import memory_statement
from .experiments import stats
from .experiments.store import atomic_write
from .fields import HEADLINE_INDICATORS
from .outcomes import success_rule_text

SUCCESS = "reform_success"
#: Outcome column with each run's length in months (its horizon; /12 for years).
RUN_MONTHS_COLUMN = "months"
#: Manifest metadata of a precision target: the replications a point of its current stage runs to.
STAGE = "stage_replications"
#: The runs.parquet column of each run's posterior draw: not a design point, pooled over in every table.
DRAW_COLUMN = f"param.{POSTERIOR_DRAW}"
#: A difference survives parameter uncertainty when its paired CI excludes 0 and at least this
#: share of posterior draws, chance-corrected, has its sign.
SURVIVAL_SHARE = 0.9


class SweepFolderError(ValueError):
    """A results folder that cannot be resumed or extended as asked; the message is for the user."""


@dataclass(frozen=True)
class SweepPlan:
    experiment: Experiment
    library: Library
    points: list[dict[str, Any]]
    metadata: dict[str, Any]

    def runs(self, replications: int | range):
        return make_runs(self.points, replications, master_seed=self.experiment.master_seed,
                         salt=self.library.content_hash, replication_params=self.replication_params())

    def replication_params(self) -> Callable[[int], Mapping[str, Any]] | None:
        """Replication k's posterior draw, ``k mod D`` (D draws), the same at every point; None without a posterior."""
        posterior = self.library.posterior
        if posterior is None:
            return None
        return lambda k: {POSTERIOR_DRAW: k % len(posterior)}


def plan(path: str | Path, replications: int | None = None) -> SweepPlan:
    """Load an experiment file and everything it names; ``replications`` overrides the file's."""
    experiment, library = load_experiment(path)
    if replications is not None:
        experiment = experiment.model_copy(update={"replications": replications})
    points = expand(experiment, library)
    text = Path(path).read_bytes()
    metadata = {
        "experiment": experiment.name,
        "experiment_file": str(path),
        "experiment_sha256": hashlib.sha256(text).hexdigest(),
        "inputs_sha256": library.content_hash,
        "master_seed": experiment.master_seed,
        "replications": experiment.replications if isinstance(experiment.replications, int)
        else experiment.replications.model_dump(),
        "points": len(points),
        "scenarios": list(library.scenarios),
        "sobol_problem": sampled_problem(experiment),
        "design_sha256": _design_digest(experiment, library),
    }
    if library.posterior is not None:
        metadata["posterior"] = {"file": library.posterior.file, "draws": len(library.posterior),
                                 "paths": list(library.posterior.paths), "sha256": library.posterior.sha256}
    return SweepPlan(experiment, library, points, metadata)


def _design_digest(experiment: Experiment, library: Library) -> str:
    """What decides each replication's runs (design, seed, inputs, outputs kept): the experiment
    without its name, description and replications, and the content of what it names (the
    library's content hash: scenarios, strategies and the posterior draws used, so a changed
    posterior file is a different design). An experiment without ``parameters`` digests as
    it did before the field existed."""
    design = experiment.model_dump(mode="json", exclude={"name", "description", "replications"})
    if design["parameters"] is None:
        del design["parameters"]
    return hashlib.sha256(json.dumps([design, library.content_hash], sort_keys=True).encode()).hexdigest()


def describe_replications(replications: int | Precision) -> str:
    """A plan's replications in words: "100 replications a point", or its precision target."""
    if isinstance(replications, int):
        return f"{replications} replications a point"
    return (f"a precision target (half-width {replications.target_half_width}, {replications.compare}, "
            f"{replications.initial} to {replications.max} replications a point)")


def _manifest_of_same_design(sweep: SweepPlan, folder: Path) -> dict[str, Any]:
    """The folder's manifest, once ``sweep`` is known to have the design the folder was started
    with (by the recorded digest; for folders from before the digest was recorded, by the
    experiment file's and its inputs' hashes). Replications may differ."""
    try:
        manifest = read_manifest(folder)
    except (OSError, ValueError) as error:
        raise SweepFolderError(f"{folder}/manifest.json: unreadable ({error})") from None
    recorded = manifest.get("metadata") or {}
    if "replications" not in recorded:
        raise SweepFolderError(f"{folder}/manifest.json: records no sweep plan (metadata.replications)")
    keys = ["design_sha256"] if "design_sha256" in recorded else ["experiment_sha256", "inputs_sha256"]
    if any(recorded.get(key) != sweep.metadata[key] for key in keys):
        raise SweepFolderError(f"{sweep.metadata['experiment_file']} does not describe the sweep in {folder}: its "
                               f"design, seed, scenarios, strategies or posterior draws differ from those recorded in "
                               f"manifest.json (use the files the sweep was started with, or start a new sweep)")
    return manifest


def _as_replications(value: Any, folder: Path) -> int | Precision:
    """Replications as recorded in a manifest, validated by the experiment schema."""
    if isinstance(value, dict):
        try:
            return Precision.model_validate(value)
        except ValueError:
            pass
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise SweepFolderError(f"{folder}/manifest.json: metadata.replications = {value!r} is not a sweep plan")


def _replications_held(manifest: dict[str, Any], replications: int | Precision) -> int:
    """Replications a point of the folder's plan so far: its count, or its precision stage (in a
    manifest from before stages were recorded: the runs of its last session over its points)."""
    if isinstance(replications, int):
        return replications
    metadata = manifest["metadata"]
    if STAGE in metadata:
        return int(metadata[STAGE])
    return max(replications.initial, int(manifest.get("counts", {}).get("runs", 0)) // max(1, metadata["points"]))


def resumed_plan(path: str | Path, folder: Path) -> SweepPlan:
    """The plan recorded in ``folder``, to finish exactly: its replications (and precision stage)
    and its metadata as stored, whatever the experiment file now asks for; the file must
    describe the same design."""
    current = plan(path)
    manifest = _manifest_of_same_design(current, folder)
    replications = _as_replications(manifest["metadata"]["replications"], folder)
    metadata = dict(manifest["metadata"])
    if isinstance(replications, Precision):
        metadata[STAGE] = _replications_held(manifest, replications)
    return SweepPlan(current.experiment.model_copy(update={"replications": replications}), current.library,
                     current.points, metadata)


def extended_plan(path: str | Path, folder: Path, replications: int | None = None) -> SweepPlan:
    """A larger plan for ``folder``: ``replications`` a point, or the experiment file's own
    replications; never fewer than the folder holds, and never its plan unchanged. The plan it
    replaces is kept in the metadata's ``earlier_plans``."""
    extended = plan(path, replications)
    manifest = _manifest_of_same_design(extended, folder)
    recorded = manifest["metadata"]
    held = _replications_held(manifest, _as_replications(recorded["replications"], folder))
    target = extended.experiment.replications
    if extended.metadata["replications"] == recorded["replications"]:
        raise SweepFolderError(f"its plan is already {describe_replications(target)}: nothing to extend")
    most = target if isinstance(target, int) else target.max
    if most < held:
        raise SweepFolderError(f"it already holds {held} replications a point, more than "
                               f"{describe_replications(target)}; an extension only adds replications")
    metadata = {**extended.metadata,
                "earlier_plans": [*recorded.get("earlier_plans", []), recorded["replications"]]}
    if isinstance(target, Precision):
        metadata[STAGE] = max(target.initial, held)
    return SweepPlan(extended.experiment, extended.library, extended.points, metadata)


def estimate(sweep: SweepPlan, workers: int | None) -> str:
    """Design size and a time forecast from a few timed runs, before anything is launched."""
    replications = sweep.experiment.replications
    count = replications if isinstance(replications, int) else replications.initial
    forecast = estimate_sweep(sweep.runs(count), runner_for(sweep.experiment, sweep.library), workers=workers)
    text = str(forecast)
    if isinstance(replications, Precision):
        most = len(sweep.points) * replications.max
        text += (f"\nprecision target: half-width ≤ {replications.target_half_width} "
                 f"({replications.compare}); up to {replications.max} replications "
                 f"({most} runs, ~{most * forecast.seconds_per_run / forecast.workers / 60:.1f} min at most)")
    return text


def sweep_memory(sweep: SweepPlan) -> str:
    """The memory statement (:func:`sim.footprint.memory_statement`) of the sweep's largest
    scenario, at the first design point that uses it."""
    runner = runner_for(sweep.experiment, sweep.library)
    first = {point["scenario"]: point for point in reversed(sweep.points)}
    largest = max((runner.scenario(point) for point in first.values()), key=lambda scenario: scenario.actor_count())
    record = sweep.experiment.outputs.timeseries if sweep.experiment.outputs.timeseries_stride_months else ()
    return f"largest scenario '{largest.name}': {memory_statement(largest, tuple(record))}"


def run_experiment(sweep: SweepPlan, out_dir: Path, *, executor: str = "processes", workers: int | None = None,
                   address: str | None = None, resume: bool = False, retry_failed: bool = False,
                   progress: str = "auto") -> SweepResult:
    """Run a sweep's plan into ``out_dir`` (``resume``: a folder that holds part of it, as from
    :func:`resumed_plan` or :func:`extended_plan`); with a precision target, add replications
    stage by stage until it is met. Each stage is recorded in the manifest before it runs, so a
    resumed sweep goes through the stages an uninterrupted one would."""
    from .experiments import DaskExecutor

    runner = runner_for(sweep.experiment, sweep.library)
    chosen = DaskExecutor(address=address, workers=workers) if executor == "dask" else executor
    options = dict(executor=chosen, workers=None if executor == "dask" else workers, progress=progress)
    replications = sweep.experiment.replications
    if isinstance(replications, int):
        return run_sweep(sweep.runs(replications), runner, out_dir, resume=resume, retry_failed=retry_failed,
                         metadata=sweep.metadata, **options)
    draws = len(sweep.library.posterior) if sweep.library.posterior is not None else 1
    first = count = sweep.metadata.get(STAGE, stage_replications(replications.initial, draws, replications.max))
    while True:
        result = run_sweep(sweep.runs(count), runner, out_dir, resume=resume or count > first,
                           retry_failed=retry_failed, metadata={**sweep.metadata, STAGE: count}, **options)
        check = precision(result.read_runs(), replications)
        if check.met or count >= replications.max:
            return result
        count = stage_replications(count + max(replications.step, check.additional_replications), draws,
                                   replications.max)


def stage_replications(wanted: int, draws: int, cap: int) -> int:
    """A precision stage's replications: ``wanted`` rounded up to a multiple of the posterior's
    ``draws`` (1 without a posterior), so that every draw runs equally often and none weighs more
    in the pooled tables, and at most ``cap`` (which wins where it is not such a multiple)."""
    return min(-(-wanted // draws) * draws, cap)


def precision(runs: pd.DataFrame, target: Precision) -> stats.PrecisionCheck:
    """The worst interval over every scenario and design point (strategies compared within each,
    paired on the replication, which fixes seed and posterior draw; draws are pooled)."""
    return max((point.check for point in precision_by_point(runs, target)), key=lambda c: c.worst_half_width)


@dataclass(frozen=True)
class PointPrecision:
    """One scenario and design point's precision check, with its labels and replications."""

    labels: dict[str, Any]
    check: stats.PrecisionCheck
    replications: int  # runs of its most-run strategy


def precision_by_point(runs: pd.DataFrame, target: Precision) -> list[PointPrecision]:
    """Each scenario and design point's precision check: the widest of its intervals (paired
    differences between strategies, or each strategy's success when it has one strategy or the
    target compares success)."""
    points = _point_columns(runs)
    checks = []
    for key, subset in runs.groupby(points, dropna=False, sort=True):
        paired = target.compare == "paired_difference" and subset["param.strategy"].nunique() > 1
        check = stats.precision_check(subset, group="param.strategy", success=SUCCESS,
                                      target_half_width=target.target_half_width, paired_differences=paired,
                                      max_replications=target.max)
        checks.append(PointPrecision(dict(zip(points, key if isinstance(key, tuple) else (key,))), check,
                                     int(subset["param.strategy"].value_counts().max())))
    return checks


def _point_columns(runs: pd.DataFrame) -> list[str]:
    """Scenario, the intensity (an experiment's ``total_effort``) and the design's override
    columns: what identifies a point apart from the strategy. The posterior draw
    (:data:`DRAW_COLUMN`) is not a point: tables pool over it."""
    intensity = ["param.total_effort"] if "param.total_effort" in runs.columns else []
    return ["param.scenario", *intensity] + sorted(c for c in runs.columns if c.startswith("param.overrides."))


# --- summary -------------------------------------------------------------------------------
def _rate(flags: pd.Series, name: str) -> dict[str, float]:
    """Share of runs with a flag set, with its Wilson 95 % CI (``name``, ``name_ci_low``, ``name_ci_high``)."""
    successes, n = int(flags.sum()), len(flags)
    low, high = stats.wilson_ci(successes, n)
    return {name: successes / n, f"{name}_ci_low": low, f"{name}_ci_high": high}


def _mean(values: pd.Series, name: str, seed: int) -> dict[str, float]:
    """Mean with its percentile-bootstrap 95 % CI (``name_mean``, ``name_mean_ci_low``, ``..._high``).

    A bootstrap needs at least two runs; a one-replication trial gets no interval (NaN).
    """
    data = values.to_numpy(dtype=float)
    low, high = stats.bootstrap_mean_ci(data, seed=seed) if len(data) >= 2 else (np.nan, np.nan)
    return {f"{name}_mean": float(data.mean()), f"{name}_mean_ci_low": low, f"{name}_mean_ci_high": high}


#: Graded outcomes summarised by their mean (run-level definitions in :func:`sim.outcomes.summarise`),
#: with the decimals summary.md shows of each.
GRADED = {"reform_index_auc": 3, "years_above_threshold_reform_index": 1, "indicators_succeeded": 2}


def _group_summary(group: pd.DataFrame, seed: int) -> dict[str, Any]:
    row: dict[str, Any] = {"runs": len(group), **_rate(group[SUCCESS], "success")}
    row.update(_mean(group["final_reform_index"], "reform_index", seed))
    index = group["final_reform_index"].to_numpy(dtype=float)
    for q in (0.1, 0.5, 0.9):
        row[f"reform_index_q{int(q * 100)}"] = float(np.quantile(index, q))
    row["reform_index_median_ci_low"], row["reform_index_median_ci_high"] = (
        stats.bootstrap_quantile_ci(index, 0.5, seed=seed) if len(index) >= 2 else (np.nan, np.nan))
    for name in GRADED:
        row.update(_mean(group[name], name, seed))
    for name in HEADLINE_INDICATORS:
        row.update(_rate(group[f"success_{name}"], f"success_{name}"))
    horizon_years = float(group[RUN_MONTHS_COLUMN].max()) / 12.0
    for name in ("reform_index", *HEADLINE_INDICATORS):
        durations, observed = stats.censor_at_horizon(group[f"years_to_threshold_{name}"].to_numpy(float),
                                                      horizon_years)
        row[f"median_years_to_threshold_{name}"] = stats.km_median(durations, observed)
        row[f"final_{name}_mean"] = float(group[f"final_{name}"].mean())
    row.update(relapse_rates(group))
    row["coup_attempt_rate"] = float((group["coup_attempts"] > 0).mean())
    row["coup_success_rate"] = float((group["coup_successes"] > 0).mean())
    return row


#: The early window relapse is reported in besides the whole horizon: the literature's "within a
#: decade" (Collier, Hoeffler & Söderbom 2008: about 40 % of post-conflict episodes revert).
RELAPSE_EARLY_YEARS = 10


def relapse_rates(group: pd.DataFrame) -> dict[str, float]:
    """Share of runs whose conflict relapsed within :data:`RELAPSE_EARLY_YEARS` years
    (``relapse_within_10_years``; NaN when a run is shorter, or when the runs record no
    ``relapse_year``) and within the whole horizon (``relapse_within_horizon``)."""
    early = np.nan
    if "relapse_year" in group.columns and group[RUN_MONTHS_COLUMN].min() >= 12 * RELAPSE_EARLY_YEARS:
        early = float((group["relapse_year"].to_numpy(float) <= RELAPSE_EARLY_YEARS).mean())
    return {f"relapse_within_{RELAPSE_EARLY_YEARS}_years": early,
            "relapse_within_horizon": float(group["conflict_relapse"].mean())}


#: comparisons.csv names of the cluster columns of :func:`stats.pairwise_comparisons`, clusters being posterior draws.
DRAW_STATISTICS = {"clusters": "draws", "cluster_size": "runs_per_draw", "clusters_favouring": "draws_favouring",
                   "clusters_favouring_normal": "draws_favouring_corrected",
                   "between_cluster_variance": "between_draw_variance",
                   "within_cluster_variance": "within_draw_variance", "between_share": "parameter_share"}


def survives_parameter_uncertainty(paired_low: float, paired_high: float, draws_favouring_corrected: float) -> bool:
    """A difference survives parameter uncertainty when its paired 95 % CI (over every replication,
    posterior draws included) excludes 0 and the chance-corrected share of draws with its sign is at
    least :data:`SURVIVAL_SHARE`. An unknown share (one run per draw) does not establish survival."""
    excludes_zero = paired_low > 0 or paired_high < 0
    return bool(excludes_zero and draws_favouring_corrected >= SURVIVAL_SHARE)


def summary_tables(runs: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per scenario × strategy (× design point) statistics, and paired strategy comparisons.

    With posterior draws (:data:`DRAW_COLUMN`), each comparison also splits its paired difference
    by draw (:data:`DRAW_STATISTICS`) and says whether it survives parameter uncertainty."""
    points = _point_columns(runs)
    rows = []
    for key, group in runs.groupby(points + ["param.strategy"], dropna=False, sort=True):
        labels = dict(zip(points + ["param.strategy"], key if isinstance(key, tuple) else (key,)))
        rows.append({**labels, **_group_summary(group, seed)})
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby(points, dropna=False)["success"].rank(method="min", ascending=False).astype(int)
    comparisons = []
    for key, subset in runs.groupby(points, dropna=False, sort=True):
        if subset["param.strategy"].nunique() < 2:
            continue
        draws = DRAW_COLUMN if DRAW_COLUMN in runs.columns else None
        pairs = stats.pairwise_comparisons(subset, group="param.strategy", success=SUCCESS, cluster=draws)
        if draws is not None:
            pairs = pairs.rename(columns=DRAW_STATISTICS)
            pairs["survives_parameter_uncertainty"] = [
                survives_parameter_uncertainty(*row) for row in
                zip(pairs["paired_low"], pairs["paired_high"], pairs["draws_favouring_corrected"])]
        labels = dict(zip(points, key if isinstance(key, tuple) else (key,)))
        comparisons.append(pairs.assign(**labels))
    paired = pd.concat(comparisons, ignore_index=True) if comparisons else pd.DataFrame()
    return table, paired


#: How a Kaplan-Meier median that the runs never reach is written in summary.md and summary.csv.
NOT_REACHED = "not reached within the horizon"


def horizon_text(runs: pd.DataFrame) -> str:
    """The runs' horizon in years ("40", or "2 or 40" when a design varied it)."""
    return " or ".join(f"{value:g}" for value in sorted(set(runs[RUN_MONTHS_COLUMN] / 12.0)))


def definitions(runs: pd.DataFrame) -> list[str]:
    """Paragraphs saying what the summary's columns measure, with the success rule, threshold and
    horizon as the runs applied them: success and the graded outcomes first, then the horizon,
    years to threshold and its censoring, rank and ties, relapse."""
    rule = success_rule_text(runs["success_threshold"], runs["success_sustain_years"])
    threshold = " or ".join(f"{value:g}" for value in sorted(set(runs["success_threshold"])))
    horizon = horizon_text(runs)
    return [
        f"**Success** (`success`, and per headline indicator below): the reform index, or that indicator, "
        f"{rule}. **Graded outcomes**: `reform_index_auc` is the mean reform index over the run (area under its "
        f"monthly curve divided by the horizon: how far and how soon), `years_above_threshold` the years the "
        f"reform index spent at or above the threshold in any stretch, `indicators_succeeded` how many of the "
        f"five headline indicators succeeded (0-5). Rates have Wilson 95 % CIs, means percentile-bootstrap "
        f"95 % CIs (in brackets).",
        f"**Horizon**: every run lasts {horizon} years; a rate is over the whole horizon unless its name says "
        f"otherwise. **Years to threshold**: the first month the reform index (or an indicator) is at or above "
        f"{threshold}, in years from the start. Its median is the Kaplan-Meier estimate: a run that never gets "
        f"there is *censored* at the horizon (it took longer, by an unknown amount), not counted as reaching it "
        f"at the horizon; when fewer than half the runs get there the median is \"{NOT_REACHED}\".",
        "**Rank**: 1 is the highest success probability among the strategies at the same scenario (and design "
        "point); strategies with equal probabilities share the best rank of their tie (method 'min'), so several "
        "can be rank 1, all of them when none succeeds. A rank ignores sampling error: strategies whose "
        "intervals overlap are told apart only by the paired comparisons.",
        f"**Relapse**: the share of runs whose conflict relapsed within the first {RELAPSE_EARLY_YEARS} years "
        f"(`relapse_within_{RELAPSE_EARLY_YEARS}_years`, the window of the ~40 % within a decade of Collier, "
        f"Hoeffler & Söderbom 2008) and within the whole horizon of {horizon} years (`relapse_within_horizon`); "
        "`coup_success_rate` is the share of runs with at least one successful coup.",
    ]


def _with_ci(table: pd.DataFrame, column: str, digits: int) -> list[str]:
    """``column`` and its ``_ci_low``/``_ci_high`` as one cell per row, "0.412 [0.391, 0.433]"."""
    return [f"{value:.{digits}f}" + (f" [{low:.{digits}f}, {high:.{digits}f}]" if np.isfinite(low) else "")
            for value, low, high in zip(table[column], table[f"{column}_ci_low"], table[f"{column}_ci_high"])]


def _years_or_not_reached(values: pd.Series) -> list[str]:
    """Kaplan-Meier medians as text: one decimal, or :data:`NOT_REACHED` for inf."""
    return [f"{v:.1f}" if np.isfinite(v) else NOT_REACHED for v in values]


def table_for_csv(table: pd.DataFrame) -> pd.DataFrame:
    """summary.csv's form of :func:`summary_tables`' first table: medians never reached (inf) are
    written :data:`NOT_REACHED`, not ``inf``."""
    shown = table.copy()
    for column in [c for c in table.columns if c.startswith("median_years_to_threshold_")]:
        shown[column] = [v if np.isfinite(v) else NOT_REACHED for v in table[column]]
    return shown


@dataclass(frozen=True)
class Section:
    """A part of summary.md (and of the report built on it): a heading, paragraphs of Markdown,
    and a table (cells already text, or numbers shown with ``floatfmt``)."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    table: pd.DataFrame | None = None
    floatfmt: str = ".3f"
    notes: tuple[str, ...] = ()  # paragraphs after the table


@dataclass(frozen=True)
class PrecisionVerdict:
    """Whether a sweep's precision target was met: the target, and each scenario and design
    point's widest interval against it (:func:`precision_by_point`)."""

    target: Precision
    points: pd.DataFrame  # labels, worst interval, its half-width, met, missed_by, replications

    @property
    def met(self) -> bool:
        return bool(self.points["met"].all())

    def text(self) -> str:
        """The verdict in a sentence or two."""
        kind = ("paired difference in success between strategies" if self.target.compare == "paired_difference"
                else "strategy's success probability")
        goal = (f"the 95 % CI of every {kind} at most ±{self.target.target_half_width:g} "
                f"(up to {self.target.max:,} replications a point)")
        worst = self.points.loc[self.points["half_width"].idxmax()]
        if self.met:
            return f"**Precision target met**: {goal}; the widest is ±{worst['half_width']:.4f} ({worst['worst']})."
        missed = self.points[~self.points["met"]]
        capped = (missed["replications"] >= self.target.max).all()
        return (f"**Precision target not met** at {len(missed)} of {len(self.points)} points: {goal}. The widest "
                f"is ±{worst['half_width']:.4f} ({worst['worst']}), {worst['missed_by']:.4f} more than the target, "
                + (f"at the cap of {self.target.max:,} replications a point." if capped else
                   "before the cap: the sweep stopped early (resume it to finish the plan)."))


def precision_verdict(runs: pd.DataFrame, target: Precision) -> PrecisionVerdict:
    """Each scenario and design point's widest interval against the target, and by how much it missed."""
    rows = [{**{k.removeprefix("param."): v for k, v in point.labels.items()}, "worst": point.check.worst,
             "half_width": point.check.worst_half_width, "target": target.target_half_width, "met": point.check.met,
             "missed_by": max(0.0, point.check.worst_half_width - target.target_half_width),
             "replications": point.replications} for point in precision_by_point(runs, target)]
    return PrecisionVerdict(target, pd.DataFrame(rows))


def summary_sections(table: pd.DataFrame, paired: pd.DataFrame, runs: pd.DataFrame, failures: int,
                     verdict: PrecisionVerdict | None = None) -> list[Section]:
    """summary.md as sections: definitions, precision, the tables of :func:`summary_tables`, the
    paired comparisons and, with posterior draws, parameter uncertainty."""
    shown = table.rename(columns=lambda c: c.removeprefix("param."))
    for column in [c for c in shown.columns if c.startswith("median_years_to_threshold_")]:
        shown[column] = _years_or_not_reached(shown[column])
    horizon = horizon_text(runs)
    shown = shown.rename(columns={"relapse_within_horizon": f"relapse_within_{horizon}_years"}
                         if " " not in horizon else {})
    labels = [c for c in shown.columns if c in ("scenario", "total_effort", "strategy") or c.startswith("overrides.")]
    relapse = [c for c in shown.columns if c.startswith("relapse_within_")]
    columns = [c for c in shown.columns if c in ("scenario", "total_effort", "strategy", "rank", "runs", "success",
                                                 "success_ci_low", "success_ci_high", "reform_index_mean",
                                                 "median_years_to_threshold_reform_index", *relapse,
                                                 "coup_success_rate") or c.startswith("overrides.")]
    graded = shown[labels].assign(**{name.removesuffix("_reform_index"): _with_ci(shown, f"{name}_mean", digits)
                                     for name, digits in GRADED.items()})
    per_indicator = shown[labels].assign(**{name: _with_ci(shown, f"success_{name}", 2)
                                            for name in HEADLINE_INDICATORS})
    intro = definitions(runs)
    sections = [Section("Sweep summary", (*intro, f"{len(runs)} runs, {failures} failed."))]
    if verdict is not None:
        sections.append(Section("Precision", (verdict.text(),), verdict.points, ".4f"))
    sections += [Section("Success probability by scenario and strategy (Wilson 95 % CI; median years to "
                         "threshold by Kaplan-Meier, runs that never reach it censored at the horizon)",
                         table=shown[columns]),
                 Section("Graded outcomes (mean per run, bootstrap 95 % CI)", table=graded),
                 Section("Success per headline indicator (share of runs, Wilson 95 % CI)", table=per_indicator)]
    if not paired.empty:
        compact = paired.rename(columns=lambda c: c.removeprefix("param."))
        compact["paired_width"] = compact["paired_high"] - compact["paired_low"]
        compact["unpaired_width"] = compact["unpaired_high"] - compact["unpaired_low"]
        keep = [c for c in compact.columns if c in ("scenario", "total_effort", "a", "b", "n_pairs", "difference",
                                                    "paired_low", "paired_high", "unpaired_low", "unpaired_high",
                                                    "paired_width", "unpaired_width") or c.startswith("overrides.")]
        sections.append(Section("Paired strategy comparisons (common random numbers)",
                                ("Difference in success probability a − b with the paired 95 % CI (Newcombe) and, "
                                 "for contrast, the CI an unpaired design with the same runs would give.",),
                                compact[keep]))
        if DRAW_COLUMN in runs.columns:
            sections += _parameter_uncertainty_sections(compact)
    return sections


def markdown(sections: list[Section]) -> str:
    """Sections as Markdown: the first heading is the document's title (#), the others ##."""
    lines: list[str] = []
    for number, section in enumerate(sections):
        lines += [f"{'#' if number == 0 else '##'} {section.heading}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.table is not None:
            lines += [section.table.to_markdown(index=False, floatfmt=section.floatfmt), ""]
        for paragraph in section.notes:
            lines += [paragraph, ""]
    return "\n".join(lines)


def _parameter_uncertainty_sections(compact: pd.DataFrame) -> list[Section]:
    """summary.md's section on the comparisons of a posterior sweep: what the draw statistics
    mean, their table, and which differences survive parameter uncertainty."""
    labels = [c for c in compact.columns if c in ("scenario", "total_effort") or c.startswith("overrides.")]
    shown = compact[labels + ["a", "b", "difference", "paired_low", "paired_high", "draws", "runs_per_draw"]].copy()
    for column in ("draws_favouring", "draws_favouring_corrected", "parameter_share"):
        shown[column] = [f"{value:.3f}" if np.isfinite(value) else "n/a" for value in compact[column]]
    excludes_zero = (compact["paired_low"] > 0) | (compact["paired_high"] < 0)
    shown["survives"] = np.where(compact["survives_parameter_uncertainty"], "yes",
                                 np.where(excludes_zero & compact["draws_favouring_corrected"].isna(), "not known",
                                          "no"))
    paragraphs = [
        "Replication k used posterior draw k mod D (D draws) for every strategy, so each comparison is paired "
        "on seed and parameters. `difference` and its paired 95 % CI (`paired_low`, `paired_high`) are over "
        "all replications: each replication, its draw and its seed, is one sample, so the spread between draws "
        "is part of what the interval resamples. The interval includes parameter uncertainty: it is the "
        "interval of the difference averaged over the posterior, not of the difference under one parameter "
        "set. With d = success_a − success_b the paired difference of a run, `draws` (D) and `runs_per_draw` "
        "(m, replications per draw; the fewest when the replications are not a multiple of D):",
        "- `draws_favouring`: the share of draws whose mean d over their m replications has the sign of the "
        "overall difference (chance within a draw pulls it towards one half);\n"
        "- `draws_favouring_corrected` = Φ(|μ| / √B), μ the overall difference: the share of draws whose "
        "expected difference has that sign, assuming normally distributed per-draw effects;\n"
        "- the variance of d splits by the law of total variance, Var(d) = B + W: W (chance, the seeds) is the "
        "mean over draws of the within-draw sample variance of d, B (parameters) = max(0, variance over draws "
        "of the per-draw mean of d − W/m), and `parameter_share` = B / (B + W) (method of moments; with "
        "unequal runs per draw, its size-weighted form; comparisons.csv has B and W as "
        "`between_draw_variance` and `within_draw_variance`).",
        f"A difference **survives parameter uncertainty** when its paired CI excludes 0 and "
        f"`draws_favouring_corrected` ≥ {SURVIVAL_SHARE}."]
    if compact["within_draw_variance"].isna().any():
        paragraphs.append("With one replication per draw the within-draw variance W cannot be estimated, so B, "
                          "`parameter_share` and `draws_favouring_corrected` are n/a and survival is not known: "
                          "run at least two replications per draw (replications ≥ 2 × draws).")
    surviving = compact[compact["survives_parameter_uncertainty"].astype(bool)]
    if surviving.empty:
        notes = ["No difference survives parameter uncertainty."]
    else:
        notes = ["Differences that survive parameter uncertainty:", "\n".join(
            f"- {', '.join(f'{c} {row[c]}' for c in labels)}: {row['a']} − {row['b']} = {row['difference']:+.3f} "
            f"[{row['paired_low']:.3f}, {row['paired_high']:.3f}], {row['draws_favouring_corrected']:.2f} of draws"
            for _, row in surviving.iterrows())]
    return [Section("Parameter uncertainty (posterior draws)", tuple(paragraphs), shown, notes=tuple(notes))]


def summarize(results_dir: Path, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Read a results folder; write summary.csv, comparisons.csv and summary.md; return them."""
    from .experiments import read_failures

    runs = pd.read_parquet(results_dir / "runs.parquet")
    table, paired = summary_tables(runs, seed)
    target = recorded_target(read_manifest(results_dir))
    verdict = precision_verdict(runs, target) if target is not None else None
    text = markdown(summary_sections(table, paired, runs, len(read_failures(results_dir)), verdict))
    _write_if_changed(results_dir / "summary.csv", table_for_csv(table).to_csv(index=False))
    _write_if_changed(results_dir / "comparisons.csv", paired.to_csv(index=False))
    _write_if_changed(results_dir / "summary.md", text)
    return table, paired, text


def recorded_target(manifest: Mapping[str, Any]) -> Precision | None:
    """The precision target a results folder's manifest records as its plan; None for a fixed
    replication count (or a manifest that records no valid target)."""
    replications = (manifest.get("metadata") or {}).get("replications")
    if not isinstance(replications, dict):
        return None
    try:
        return Precision.model_validate(replications)
    except ValueError:
        return None


def _write_if_changed(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, or leave it alone when it holds that already
    (summaries are a function of the runs: a folder summarised again is not rewritten)."""
    data = text.encode("utf-8")
    if not (path.exists() and path.read_bytes() == data):
        atomic_write(path, lambda handle: handle.write(data))

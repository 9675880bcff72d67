"""Sweeps whose replications draw mechanism parameters from a posterior (`parameters:` in an
experiment file), and the summaries that say how much of each strategy difference is parameter
uncertainty."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

import sim.experiment_file as experiment_file_module
from sim import ScenarioError
from sim.cli import main
from sim.experiment_file import expand, load_experiment
from sim.experiments import make_runs
from sim.model import ReformModel
from sim.scenario import load_scenario
from sim.sweep import (
    SURVIVAL_SHARE,
    plan,
    precision,
    stage_replications,
    summarize,
    summary_tables,
    survives_parameter_uncertainty,
)

from .test_sweep import TINY, graded_runs

SERIAL = ["--executor", "serial", "--quiet"]
GROWTH, ADJUSTMENT = "mechanisms.capacity.growth_rate", "mechanisms.corruption.adjustment_rate"
#: Four equally weighted draws of two mechanism coefficients (the baseline has 0.015 and 0.006).
DRAWS = [(0.008, 0.003), (0.015, 0.006), (0.025, 0.009), (0.040, 0.012)]

POSTERIOR_TINY = """
name: posterior_tiny
scenarios: [baseline]
strategies: [security_first, adaptive]
design:
  kind: list
  points:
    - {horizon_years: 3, actors.ministry.political_will: 0.6}
replications: 8
master_seed: 3
parameters: {posterior: posterior.csv}
"""


def write_posterior(folder: Path, draws=DRAWS, name: str = "posterior.csv", label: bool = True) -> Path:
    """A posterior CSV: an optional leading draw column, then one column per dotted path."""
    lines = [("draw," if label else "") + f"{GROWTH},{ADJUSTMENT}"]
    lines += [(f"{i}," if label else "") + ",".join(str(v) for v in draw) for i, draw in enumerate(draws)]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_experiment(folder: Path, text: str = POSTERIOR_TINY) -> Path:
    path = folder / "posterior_tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the experiment file ---------------------------------------------------------------------
def test_a_posterior_file_is_read_whole_or_its_first_rows(tmp_path):
    write_posterior(tmp_path)
    _, library = load_experiment(write_experiment(tmp_path))
    assert library.posterior.paths == (GROWTH, ADJUSTMENT)  # the draw column is not a path
    assert library.posterior.values == tuple(DRAWS)
    assert library.posterior.draw(2) == {GROWTH: 0.025, ADJUSTMENT: 0.009}
    _, first_two = load_experiment(write_experiment(
        tmp_path, POSTERIOR_TINY.replace("{posterior: posterior.csv}", "{posterior: posterior.csv, draws: 2}")))
    assert first_two.posterior.values == tuple(DRAWS[:2])
    write_posterior(tmp_path, label=False)  # no draw column: every column is a path
    assert load_experiment(write_experiment(tmp_path))[1].posterior.values == tuple(DRAWS)


def test_the_shorthand_names_the_shipped_posterior(tmp_path, monkeypatch):
    text = POSTERIOR_TINY.replace("{posterior: posterior.csv}", "posterior")
    missing = tmp_path / "shipped" / "posterior.csv"
    monkeypatch.setattr(experiment_file_module, "SHIPPED_POSTERIOR", missing)
    with pytest.raises(ScenarioError, match="no such file .the calibration writes it"):
        load_experiment(write_experiment(tmp_path, text))
    missing.parent.mkdir()
    write_posterior(missing.parent)
    experiment, library = load_experiment(write_experiment(tmp_path, text))
    assert experiment.parameters == "posterior" and len(library.posterior) == len(DRAWS)


BAD_POSTERIORS = [
    # (what the experiment says, what the posterior file holds, words the message must contain)
    ("parameters: posteriors", None, "parameters = 'posteriors': give 'posterior'"),
    ("parameters: {posterior: elsewhere.csv}", None, "no such file"),
    ("parameters: {posterior: posterior.csv, draw: 2}", None, "unknown field 'draw' in"),
    (None, "draw,mechanisms.capacity.growth_rat\n0,0.01\n",
     "column 'mechanisms.capacity.growth_rat' does not fit the scenario"),
    (None, f"draw,{GROWTH}\n0,0.01\n1,nan\n", f"line 3, {GROWTH}: 'nan' is not a finite number"),
    (None, f"draw,{GROWTH}\n0,0.01\n1,fast\n", f"line 3, {GROWTH}: 'fast' is not a number"),
    (None, f"draw,{GROWTH}\n0,0.01\n1,-0.5\n", f"column '{GROWTH}' does not fit the scenario"),
    (None, f"draw,{GROWTH}\n", "no draws"),
    (None, "draw,actors.ministry.political_will\n0,0.5\n", "is also a design path"),
    ("parameters: {posterior: posterior.csv, draws: 5}", "", "parameters.draws = 5 but posterior file"),
]


@pytest.mark.parametrize("parameters, content, words", BAD_POSTERIORS, ids=[w[:30] for *_, w in BAD_POSTERIORS])
def test_bad_parameters_are_one_line_naming_the_file_and_field(tmp_path, capsys, parameters, content, words):
    posterior = write_posterior(tmp_path)
    if content:
        posterior.write_text(content, encoding="utf-8")
    text = POSTERIOR_TINY if parameters is None else POSTERIOR_TINY.replace(
        "parameters: {posterior: posterior.csv}", parameters)
    path = write_experiment(tmp_path, text)
    with pytest.raises(ScenarioError) as raised:
        load_experiment(path)
    message = str(raised.value)
    assert "\n" not in message and words in message, message
    assert str(path) in message and "parameters" in message
    if content is not None or "no such file" in words:  # a problem of the posterior file names it
        assert f"posterior file {tmp_path}" in message
    assert main(["sweep", str(path), "--dry-run"]) == 2
    assert words in capsys.readouterr().err


# --- the runs --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def posterior_sweep(tmp_path_factory) -> Path:
    """The tiny posterior sweep, run once: 2 strategies x 8 replications over 4 draws."""
    folder = tmp_path_factory.mktemp("posterior")
    write_posterior(folder)
    assert main(["sweep", str(write_experiment(folder)), *SERIAL, "--out", str(folder / "out")]) == 0
    return folder


def test_replication_k_uses_draw_k_mod_d_for_every_strategy(posterior_sweep):
    runs = pd.read_parquet(posterior_sweep / "out" / "runs.parquet")
    assert len(runs) == 2 * 8
    assert (runs["param.posterior_draw"] == runs["replication"] % len(DRAWS)).all()
    per_replication = runs.groupby("replication").agg(strategies=("param.strategy", "nunique"),
                                                      seeds=("seed", "nunique"), draws=("param.posterior_draw",
                                                                                        "nunique"))
    assert (per_replication == [2, 1, 1]).all().all()  # both strategies, one seed, one draw
    assert (runs.groupby("param.posterior_draw").size() == 2 * 8 // len(DRAWS)).all()  # balanced
    manifest = json.loads((posterior_sweep / "out" / "manifest.json").read_text())
    recorded = manifest["metadata"]["posterior"]
    assert recorded["draws"] == len(DRAWS) and recorded["paths"] == [GROWTH, ADJUSTMENT]
    assert recorded["sha256"] == load_experiment(posterior_sweep / "posterior_tiny.yaml")[1].posterior.sha256


def test_each_run_is_the_model_with_its_draw_applied(posterior_sweep):
    """Every run's outcomes equal ReformModel on the scenario with the draw's values set, with the
    run's seed; and the draws matter (without them some run's numbers differ)."""
    runs = pd.read_parquet(posterior_sweep / "out" / "runs.parquet")
    differs = 0
    for _, run in runs.iterrows():
        point = {"horizon_years": 3, "actors.ministry.political_will": 0.6}
        drawn = dict(zip((GROWTH, ADJUSTMENT), DRAWS[run["param.posterior_draw"]]))
        scenario = load_scenario("baseline", {**point, **drawn})
        alone = ReformModel(scenario, strategy=run["param.strategy"], rng=int(run["seed"])).run().summary()
        for name in ("final_reform_index", "reform_success", "reform_index_auc", "coup_attempts",
                     "final_corruption_control", "final_bureaucratic_quality"):
            assert run[name] == alone[name], (run["replication"], run["param.strategy"], name)
        without = ReformModel(load_scenario("baseline", point), strategy=run["param.strategy"],
                              rng=int(run["seed"])).run().summary()
        differs += without["final_reform_index"] != alone["final_reform_index"]
    assert differs >= len(runs) // 2


def test_an_experiment_without_parameters_runs_as_before(tmp_path):
    """No `parameters`: the run keys are make_runs' without replication_params and the salt is the
    content hash of scenarios and strategies as it was computed before posteriors existed; the
    design digest is that of the experiment without the new field; no posterior column or
    metadata (tests/experiments/test_replication_params.py pins make_runs' keys to recorded values)."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    sweep = plan(path)
    experiment, library = sweep.experiment, sweep.library
    assert library.posterior is None and "posterior" not in sweep.metadata
    salt = hashlib.sha256(json.dumps([library.scenarios, library.strategies], sort_keys=True,
                                     default=str).encode()).hexdigest()
    assert library.content_hash == salt
    design = experiment.model_dump(mode="json", exclude={"name", "description", "replications", "parameters"})
    assert sweep.metadata["design_sha256"] == hashlib.sha256(json.dumps([design, salt], sort_keys=True)
                                                             .encode()).hexdigest()
    before = make_runs(expand(experiment, library), 3, master_seed=1, salt=salt)
    assert [(r.key, r.params, r.seed) for r in sweep.runs(3)] == [(r.key, r.params, r.seed) for r in before]
    assert main(["sweep", str(path), *SERIAL, "--out", str(tmp_path / "out")]) == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert "param.posterior_draw" not in runs.columns
    assert set(runs["run_key"]) == {r.key for r in before}
    assert "Parameter uncertainty" not in (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")


def test_a_changed_posterior_cannot_resume_or_extend_a_sweep(tmp_path, capsys):
    posterior = write_posterior(tmp_path)
    path, out = write_experiment(tmp_path), tmp_path / "out"
    assert main(["sweep", str(path), *SERIAL, "--replications", "4", "--out", str(out)]) == 0
    assert main(["sweep", str(path), *SERIAL, "--resume", str(out)]) == 0  # the same posterior: fine
    write_posterior(tmp_path, [DRAWS[0], DRAWS[1], (0.026, 0.009), DRAWS[3]])
    for flag in (["--resume", str(out)], ["--extend", str(out), "--replications", "8"]):
        assert main(["sweep", str(path), *SERIAL, *flag]) == 2
        assert "posterior draws differ from those recorded" in capsys.readouterr().err
    assert posterior.exists() and len(pd.read_parquet(out / "runs.parquet")) == 2 * 4


def test_rows_beyond_the_draws_used_do_not_change_the_sweep(tmp_path):
    """The digest covers the draws used: with `draws: 4`, a fifth row appended later leaves the
    sweep resumable (its runs would be the same)."""
    write_posterior(tmp_path)
    path = write_experiment(tmp_path, POSTERIOR_TINY.replace("{posterior: posterior.csv}",
                                                             "{posterior: posterior.csv, draws: 4}"))
    out = tmp_path / "out"
    assert main(["sweep", str(path), *SERIAL, "--replications", "4", "--out", str(out)]) == 0
    write_posterior(tmp_path, [*DRAWS, (0.05, 0.02)])
    assert main(["sweep", str(path), *SERIAL, "--resume", str(out)]) == 0


# --- the summaries ---------------------------------------------------------------------------
def test_summarize_on_a_posterior_sweep_writes_the_draw_columns_and_section(posterior_sweep):
    out = posterior_sweep / "out"
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2  # one row per strategy: the draws are pooled, not design points
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert {"draws", "runs_per_draw", "draws_favouring", "draws_favouring_corrected", "between_draw_variance",
            "within_draw_variance", "parameter_share", "survives_parameter_uncertainty"} <= set(comparisons.columns)
    assert len(comparisons) == 1 and comparisons.loc[0, "n_pairs"] == 8
    assert comparisons.loc[0, "draws"] == 4 and comparisons.loc[0, "runs_per_draw"] == 2
    text = (out / "summary.md").read_text(encoding="utf-8")
    section = text[text.index("## Parameter uncertainty (posterior draws)"):]
    assert "includes parameter uncertainty" in section and "law of total variance" in section
    assert f"`draws_favouring_corrected` ≥ {SURVIVAL_SHARE}" in section
    assert "normally distributed per-draw effects" in section


def constructed_posterior_runs(per_draw_a: list[list[int]], per_draw_b: list[list[int]]) -> pd.DataFrame:
    """graded_runs' frame with success set replication by replication: draw c's replications
    are c, c + D, c + 2D, ... (k mod D), strategy 'strong' succeeding as per_draw_a[c], 'weak' as per_draw_b[c]."""
    draws, per_draw = len(per_draw_a), len(per_draw_a[0])
    replications = draws * per_draw
    frame = graded_runs(runs_per_strategy=replications)
    frame["param.posterior_draw"] = frame["replication"] % draws
    success = {}
    for strategy, table in (("strong", per_draw_a), ("weak", per_draw_b)):
        for c in range(draws):
            for j, flag in enumerate(table[c]):
                success[(strategy, c + j * draws)] = bool(flag)
    frame["reform_success"] = [success[(s, r)] for s, r in zip(frame["param.strategy"], frame["replication"])]
    return frame


# Per-draw successes of 'strong' and 'weak' (4 draws, 6 replications each). Per-draw mean
# differences: 4/6, 3/6, 1/6, -1/6: three of four draws favour 'strong', which wins overall.
STRONG = [[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
WEAK = [[1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]]


def test_comparisons_split_the_difference_by_draw_as_stated():
    """On a constructed frame: draws_favouring counts draws, and B, W and the corrected share
    follow the balanced method-of-moments equations written out here."""
    runs = constructed_posterior_runs(STRONG, WEAK)
    _, paired = summary_tables(runs)
    row = paired.iloc[0]
    assert (row["a"], row["b"], row["draws"], row["runs_per_draw"]) == ("strong", "weak", 4, 6)
    assert row["draws_favouring"] == 0.75
    d = np.array(STRONG, dtype=float) - np.array(WEAK, dtype=float)  # draws x replications
    within = d.var(axis=1, ddof=1).mean()
    between = max(0.0, d.mean(axis=1).var(ddof=1) - within / 6)
    assert row["difference"] == pytest.approx(d.mean())
    assert row["within_draw_variance"] == pytest.approx(within)
    assert row["between_draw_variance"] == pytest.approx(between)
    assert row["parameter_share"] == pytest.approx(between / (between + within))
    assert row["draws_favouring_corrected"] == pytest.approx(scipy_stats.norm.cdf(d.mean() / math.sqrt(between)))
    assert row["survives_parameter_uncertainty"] == survives_parameter_uncertainty(
        row["paired_low"], row["paired_high"], row["draws_favouring_corrected"])


def test_summary_md_lists_what_survives(tmp_path):
    """The same successes (12 of 24 against none, so the same paired CI, clear of 0) survive when
    every draw shares the difference and do not when two draws carry all of it and two none
    (B = 1/3, Phi(0.5 / sqrt(1/3)) = 0.81 of draws)."""
    steady = constructed_posterior_runs([[1, 1, 1, 0, 0, 0]] * 4, [[0] * 6] * 4)
    split = constructed_posterior_runs([[1] * 6, [1] * 6, [0] * 6, [0] * 6], [[0] * 6] * 4)
    intervals = []
    for frame, survives in ((steady, True), (split, False)):
        _, paired = summary_tables(frame)
        row = paired.iloc[0]
        intervals.append((row["paired_low"], row["paired_high"]))
        assert row["paired_low"] > 0 and bool(row["survives_parameter_uncertainty"]) is survives
        frame.to_parquet(tmp_path / "runs.parquet")
        _, _, text = summarize(tmp_path)
        section = text[text.index("## Parameter uncertainty"):]
        if survives:
            assert row["between_draw_variance"] == 0 and row["draws_favouring_corrected"] == 1
            assert "Differences that survive parameter uncertainty:" in section
            assert "- scenario baseline: strong − weak = +0.500" in section
        else:
            assert row["between_draw_variance"] == pytest.approx(1 / 3) and row["within_draw_variance"] == 0
            assert row["draws_favouring_corrected"] == pytest.approx(scipy_stats.norm.cdf(0.5 / math.sqrt(1 / 3)))
            assert "No difference survives parameter uncertainty." in section
    assert intervals[0] == intervals[1]


def test_one_replication_per_draw_leaves_the_split_unknown_and_says_why(tmp_path):
    runs = constructed_posterior_runs([[1], [1], [0], [1]], [[0], [0], [0], [1]])
    runs.to_parquet(tmp_path / "runs.parquet")
    _, paired, text = summarize(tmp_path)
    row = paired.iloc[0]
    assert row["runs_per_draw"] == 1 and row["draws_favouring"] == 0.5
    assert math.isnan(row["within_draw_variance"]) and math.isnan(row["parameter_share"])
    assert math.isnan(row["draws_favouring_corrected"]) and not row["survives_parameter_uncertainty"]
    assert "With one replication per draw the within-draw variance W cannot be estimated" in text


@pytest.mark.parametrize("low, high, share, survives", [
    (0.01, 0.20, 0.95, True),
    (-0.30, -0.10, SURVIVAL_SHARE, True),  # the threshold itself is enough, on either side
    (-0.01, 0.20, 0.99, False),  # the CI reaches 0
    (0.01, 0.20, 0.89, False),  # too few draws share the sign
    (0.01, 0.20, math.nan, False),  # unknown share: not established
])
def test_survival_rule(low, high, share, survives):
    assert survives_parameter_uncertainty(low, high, share) is survives


def test_precision_pools_the_draws_and_pairs_on_the_replication():
    """The posterior draw is not a design point: the precision check of a posterior sweep is the
    one of the same runs without the draw column."""
    runs = constructed_posterior_runs(STRONG, WEAK)
    target = experiment_file_module.Precision(target_half_width=0.05)
    assert precision(runs, target) == precision(runs.drop(columns="param.posterior_draw"), target)


@pytest.mark.parametrize("wanted, draws, cap, stage", [
    (5, 4, 100, 8), (8, 4, 100, 8), (9, 4, 10, 10),  # the cap wins where it is not a multiple
    (7, 1, 100, 7),  # no posterior: as wanted
])
def test_a_precision_stage_is_a_multiple_of_the_draws(wanted, draws, cap, stage):
    assert stage_replications(wanted, draws, cap) == stage


def test_a_precision_sweep_runs_every_draw_equally_often(tmp_path):
    """Asked for 5 replications first with 4 draws, the sweep runs 8 (met at once: a target of
    the whole unit interval), each draw twice per strategy, rather than one draw twice and three
    once."""
    write_posterior(tmp_path)
    text = POSTERIOR_TINY.replace("replications: 8",
                                  "replications: {target_half_width: 1.0, initial: 5, step: 3, max: 30}")
    assert main(["sweep", str(write_experiment(tmp_path, text)), *SERIAL, "--out", str(tmp_path / "out")]) == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    per_draw = runs.groupby(["param.strategy", "param.posterior_draw"]).size()
    assert len(per_draw) == 2 * len(DRAWS) and (per_draw == 2).all()

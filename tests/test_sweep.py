"""Experiment files and `ssr-sim sweep` / `summarize` on the reform model."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client

from sim import ScenarioError
from sim.cli import main
from sim.experiment_file import expand, load_experiment, runner_for
from sim.experiments.stats import wilson_ci
from sim.fields import HEADLINE_INDICATORS
from sim.sweep import summarize, summary_tables

#: The shipped sweeps (experiments/calibration.yaml is the input of `ssr-sim calibrate`, not a sweep).
EXPERIMENTS = sorted(path for path in Path("experiments").glob("*.yaml") if path.name != "calibration.yaml")

TINY = """
name: tiny
scenarios: [baseline]
strategies: [security_first, adaptive]
design:
  kind: list
  points:
    - {horizon_years: 2, actors.ministry.political_will: 0.3}
    - {horizon_years: 2, actors.ministry.political_will: 0.7}
replications: 3
master_seed: 1
"""


def experiment_file(tmp_path: Path, text: str = TINY) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_shipped_experiments_load_and_expand(path):
    experiment, library = load_experiment(path)
    points = expand(experiment, library)
    assert points and all(p["scenario"] in library.scenarios for p in points)
    assert len(library.content_hash) == 64


def test_sequencing_experiment_crosses_scenarios_and_strategies():
    experiment, library = load_experiment("experiments/sequencing.yaml")
    assert len(expand(experiment, library)) == 3 * 6  # scenarios x strategies (status quo included)


def test_pillar_orders_become_phased_strategies(tmp_path):
    """Each order is a design point carrying the order as data, labelled readably; the runner
    builds the phased strategy from the list (a label is never parsed back)."""
    text = TINY.replace("strategies: [security_first, adaptive]",
                        "strategies: []\nsequencing: {pillars: [policing, oversight, integrity], phase_months: 24}")
    experiment, library = load_experiment(experiment_file(tmp_path, text))
    points = expand(experiment, library)
    assert len({p["strategy"] for p in points}) == 6
    point = next(p for p in points if p["strategy"] == "order_policing_then_oversight_then_integrity")
    assert point["order"] == ["policing", "oversight", "integrity"]
    strategy = runner_for(experiment, library).scenario(point).strategy
    assert strategy.name == "order_policing_then_oversight_then_integrity"
    assert [p.start.after_month for p in strategy.phases] == [0, 24, 48]
    assert strategy.phases[2].effort == {"policing": 0.3, "oversight": 0.3, "integrity": 1.0}


def test_pillar_orders_sit_beside_named_strategies_in_the_results(tmp_path):
    text = TINY.replace("strategies: [security_first, adaptive]",
                        "strategies: [adaptive]\nsequencing: {pillars: [policing, oversight], phase_months: 12}")
    out = tmp_path / "orders"
    assert main(["sweep", str(experiment_file(tmp_path, text)), "--executor", "serial", "--quiet",
                 "--out", str(out)]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    orders = runs.groupby("param.strategy")["param.order"].unique().to_dict()
    assert sorted(orders) == ["adaptive", "order_oversight_then_policing", "order_policing_then_oversight"]
    assert pd.isna(orders["adaptive"]).all()  # a named strategy has no order
    assert list(orders["order_policing_then_oversight"]) == ['["policing","oversight"]']
    assert list(orders["order_oversight_then_policing"]) == ['["oversight","policing"]']
    assert (runs["param.strategy"] == runs["strategy_name"]).all()
    assert len(pd.read_csv(out / "comparisons.csv")) == 2 * 3  # every pair of the three, at both design points


def test_sampled_order_subset_is_seeded(tmp_path):
    text = TINY.replace("strategies: [security_first, adaptive]",
                        "sequencing: {pillars: [policing, oversight, integrity, justice], orders: 5}")
    first = expand(*load_experiment(experiment_file(tmp_path, text)))
    second = expand(*load_experiment(experiment_file(tmp_path, text)))
    orders = {tuple(p["order"]) for p in first if "order" in p}
    assert len(orders) == 5 and first == second
    other_seed = expand(*load_experiment(experiment_file(tmp_path, text.replace("master_seed: 1", "master_seed: 2"))))
    assert {tuple(p["order"]) for p in other_seed} != orders


def test_a_batch_of_seeds_gives_each_seed_its_own_numbers(tmp_path):
    """PointRunner.run_batch (through run_seeds) returns, seed by seed, what the seed gives alone,
    with the kept series every stride_months up to the run's last month."""
    text = TINY + "outputs: {timeseries_stride_months: 12, timeseries: [reform_index, violence]}\n"
    runner = runner_for(*load_experiment(experiment_file(tmp_path, text)))
    point = {"scenario": "baseline", "strategy": "adaptive", "overrides": {"horizon_years": 2}}
    batch = runner.run_batch([(point, seed) for seed in (5, 6, 7)])
    assert batch == [runner(point, seed) for seed in (5, 6, 7)]
    summary, series = batch[0]
    assert summary["strategy_name"] == "adaptive" and summary["months"] == 24
    assert [row["month"] for row in series] == [0, 12, 24] and set(series[0]) == {"month", "reform_index", "violence"}
    assert batch[0] != batch[1]


@pytest.mark.parametrize("change, message", [
    (("master_seed: 1", "master_sed: 1"), "unknown field 'master_sed'"),
    (("kind: list", "kind: grdi"), "design.kind = 'grdi' is not allowed"),
    (("scenarios: [baseline]", "scenarios: [atlantis]"), "scenarios: atlantis: no such file, nor a shipped scenario"),
    (("strategies: [security_first, adaptive]", "strategies: [securty_first]"), "strategy 'securty_first' not found"),
    (("actors.ministry.political_will: 0.3}", "actors.ministry.politcal_will: 0.3}"),
     "design path 'actors.ministry.politcal_will' does not fit the scenario"),
    (("replications: 3", "replications: 0"), "replications"),
    (("master_seed: 1", "master_seed: 1\noutputs: {timeseries_stride_months: 12, timeseries: [reform_idx]}"),
     "outputs.timeseries: unknown series 'reform_idx' for scenario 'baseline'"),
])
def test_bad_experiment_files_are_explained(tmp_path, change, message, capsys):
    path = experiment_file(tmp_path, TINY.replace(*change))
    with pytest.raises(ScenarioError, match=message):
        load_experiment(path)
    assert main(["sweep", str(path), "--executor", "serial", "--quiet", "--out", str(tmp_path / "o")]) == 2
    assert message.split("'")[0] in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_sweep_writes_results_and_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(experiment_file(tmp_path)), "--executor", "serial", "--out", str(out)]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 2 * 3 and runs["run_key"].is_unique
    # common random numbers: replication k has one seed for every strategy and point
    assert (runs.groupby("replication")["seed"].nunique() == 1).all()
    for name in ("manifest.json", "summary.csv", "comparisons.csv", "summary.md"):
        assert (out / name).is_file()
    captured = capsys.readouterr()
    assert "Paired strategy comparisons" in captured.out
    assert captured.err == ""  # stderr is not a terminal here: no progress bar
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 4 and summary["success_ci_low"].le(summary["success"]).all()


def test_same_numbers_serial_and_processes(tmp_path):
    path = experiment_file(tmp_path)
    for executor in ("serial", "processes"):
        assert main(["sweep", str(path), "--executor", executor, "--workers", "2", "--quiet",
                     "--out", str(tmp_path / executor)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "serial" / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "processes" / "runs.parquet"))


def test_sweep_on_an_existing_dask_cluster_gives_the_same_numbers(tmp_path):
    """`--executor dask --address`: a scheduler and two worker processes started apart from the
    sweep, as on a cluster; the table equals the serial one (other chunks, other batches)."""
    scheduler_file = tmp_path / "scheduler.json"
    common = ["--scheduler-file", str(scheduler_file)]
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", "0",
                                  "--no-dashboard", *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--nworkers", "2",
                                    "--nthreads", "1", "--no-dashboard", *common],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        address = json.loads(scheduler_file.read_text())["address"]
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        path = experiment_file(tmp_path)
        assert main(["sweep", str(path), "--executor", "dask", "--address", address, "--quiet",
                     "--out", str(tmp_path / "dask")]) == 0
        assert main(["sweep", str(path), "--executor", "serial", "--quiet", "--out", str(tmp_path / "serial")]) == 0
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "serial" / "runs.parquet"),
                                      pd.read_parquet(tmp_path / "dask" / "runs.parquet"))
        assert json.loads((tmp_path / "dask" / "manifest.json").read_text())["sessions"][0]["executor"] == "dask"
    finally:
        for process in (workers, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


def test_replications_flag_and_precision_target(tmp_path):
    path = experiment_file(tmp_path, TINY.replace("replications: 3", "replications: {target_half_width: 0.01, "
                                                                      "initial: 2, step: 2, max: 4}"))
    assert main(["sweep", str(path), "--executor", "serial", "--quiet", "--out", str(tmp_path / "p")]) == 0
    assert len(pd.read_parquet(tmp_path / "p" / "runs.parquet")) == 4 * 4  # grew to the cap
    assert main(["sweep", str(path), "--replications", "1", "--executor", "serial", "--quiet",
                 "--out", str(tmp_path / "r")]) == 0
    assert len(pd.read_parquet(tmp_path / "r" / "runs.parquet")) == 4


def test_dry_run_estimates_without_writing(tmp_path, capsys):
    assert main(["sweep", str(experiment_file(tmp_path)), "--dry-run", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "12 runs (4 points x 3 replications)" in out and "min on 2 workers" in out
    assert "memory: about " in out and " MB per process in a sweep (" in out  # issue 12: memory stated


def test_existing_results_are_never_overwritten(tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["sweep", str(experiment_file(tmp_path)), "--executor", "serial", "--out", str(out)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("argv, message", [
    (["--resume", "nowhere"], "not a sweep results folder"),
    (["--retry-failed"], "--retry-failed needs --resume"),
    (["--workers", "0"], "must be at least 1"),
    (["--replications", "0"], "argument --replications: must be at least 1"),
    (["--executor", "threads"], "invalid choice"),
])
def test_bad_sweep_flags(tmp_path, argv, message, capsys):
    assert main(["sweep", str(experiment_file(tmp_path)), *argv]) == 2
    assert message in capsys.readouterr().err


def test_summarize_command(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["sweep", str(experiment_file(tmp_path)), "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    (out / "summary.md").unlink()
    assert main(["summarize", str(out)]) == 0
    assert (out / "summary.md").is_file() and "Success probability" in capsys.readouterr().out
    assert main(["summarize", str(tmp_path)]) == 2


@pytest.mark.slow   # 1,800 forty-year runs: a statistical property of the shipped experiment
def test_shipped_sequencing_experiment_pairs_tighter_than_unpaired(tmp_path, capsys):
    """Common random numbers pay off on the shipped experiment: the paired CI of a difference is
    never materially wider than the unpaired one (Newcombe's paired interval can be a hair wider
    when rare successes barely correlate, hence 1 %), and clearly narrower where both strategies
    sometimes succeed and sometimes fail; the summary prints both."""
    out = tmp_path / "sequencing"
    assert main(["sweep", "experiments/sequencing.yaml", "--replications", "100", "--workers", "2", "--quiet",
                 "--out", str(out)]) == 0
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert len(comparisons) == 3 * 15  # every pair of six strategies in each of three scenarios
    paired = comparisons["paired_high"] - comparisons["paired_low"]
    unpaired = comparisons["unpaired_high"] - comparisons["unpaired_low"]
    assert (paired <= 1.01 * unpaired).all(), comparisons
    mixed = comparisons[comparisons[["p_a", "p_b"]].gt(0).all(axis=1) & comparisons[["p_a", "p_b"]].lt(1).all(axis=1)]
    assert len(mixed) >= 1, "no two strategies with mixed outcomes: the check shows nothing"
    assert (paired[mixed.index] < 0.95 * unpaired[mixed.index]).any(), mixed
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "paired_width" in summary and "unpaired_width" in summary


def graded_runs(runs_per_strategy: int = 40, threshold: float = 0.6) -> pd.DataFrame:
    """A runs.parquet-like frame of two strategies whose graded outcomes are set, not simulated:
    'strong' succeeds on the first three indicators in every other run, 'weak' never does."""
    rng = np.random.default_rng(0)
    rows = []
    for strategy, scale in (("strong", 1.0), ("weak", 0.0)):
        for replication in range(runs_per_strategy):
            flags = {name: bool(scale and i < 3 and replication % 2 == 0) for i, name in enumerate(HEADLINE_INDICATORS)}
            index = float(rng.uniform(0.2, 0.4) + 0.3 * scale)
            rows.append({"param.scenario": "baseline", "param.strategy": strategy, "replication": replication,
                         "months": 480, "success_threshold": threshold, "success_sustain_years": 5.0,
                         "reform_success": bool(scale and replication % 4 == 0), "final_reform_index": index,
                         "years_to_threshold_reform_index": np.nan,
                         "reform_index_auc": index - 0.1, "years_above_threshold_reform_index": 12.0 * scale,
                         "indicators_succeeded": sum(flags.values()),
                         **{f"success_{name}": flag for name, flag in flags.items()},
                         **{f"final_{name}": index for name in HEADLINE_INDICATORS},
                         **{f"years_to_threshold_{name}": np.nan for name in HEADLINE_INDICATORS},
                         "conflict_relapse": False, "coup_attempts": 0, "coup_successes": 0})
    return pd.DataFrame(rows)


def test_summary_tables_carry_graded_outcomes_with_intervals():
    runs = graded_runs()
    table, _ = summary_tables(runs)
    for strategy, row in table.set_index("param.strategy").iterrows():
        group = runs[runs["param.strategy"] == strategy]
        for name in HEADLINE_INDICATORS:
            successes = int(group[f"success_{name}"].sum())
            assert row[f"success_{name}"] == successes / len(group)
            assert (row[f"success_{name}_ci_low"], row[f"success_{name}_ci_high"]) == wilson_ci(successes, len(group))
        for name in ("reform_index_auc", "years_above_threshold_reform_index", "indicators_succeeded"):
            assert row[f"{name}_mean"] == pytest.approx(group[name].mean())
            assert row[f"{name}_mean_ci_low"] <= row[f"{name}_mean"] <= row[f"{name}_mean_ci_high"]
    strong, weak = table.set_index("param.strategy").loc["strong"], table.set_index("param.strategy").loc["weak"]
    assert strong["success_military_out_of_politics"] == 0.5 and strong["success_rule_of_law"] == 0.0
    assert strong["indicators_succeeded_mean"] == 1.5 and weak["indicators_succeeded_mean"] == 0.0
    assert strong["reform_index_auc_mean_ci_low"] > weak["reform_index_auc_mean_ci_high"]  # 0.3 apart by design
    assert strong["reform_index_auc_mean_ci_high"] - strong["reform_index_auc_mean_ci_low"] < 0.1


def test_summary_md_defines_success_and_shows_the_graded_tables(tmp_path):
    """The rule is stated as the runs applied it (a design varying the threshold shows both values);
    per-indicator success sits in its own table, one cell per indicator, so the first stays readable."""
    runs = pd.concat([graded_runs(threshold=0.6), graded_runs(threshold=0.5).assign(
        **{"param.scenario": "other"})], ignore_index=True)
    runs.to_parquet(tmp_path / "runs.parquet")
    _, _, text = summarize(tmp_path)
    intro = text.split("\n\n")[1]
    assert "at or above 0.5 or 0.6 in every month of the run's final 5 years" in intro
    assert "every donor gone at least 5 years before the end" in intro and "reform_index_auc" in intro
    graded = text[text.index("## Graded outcomes"):text.index("## Success per headline indicator")]
    assert "| reform_index_auc " in graded and "| years_above_threshold " in graded
    indicators = text[text.index("## Success per headline indicator"):text.index("## Paired strategy comparisons")]
    header = next(line for line in indicators.splitlines() if line.startswith("| scenario"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == ["scenario", "strategy", *HEADLINE_INDICATORS]
    strong = next(line for line in indicators.splitlines() if "| strong" in line and "| baseline" in line)
    low, high = wilson_ci(20, 40)
    assert f"0.50 [{low:.2f}, {high:.2f}]" in strong and "0.00 [0.00, " in strong
    written = pd.read_csv(tmp_path / "summary.csv")
    assert {"reform_index_auc_mean", "success_rule_of_law_ci_high", "indicators_succeeded_mean"} <= set(written.columns)


def test_intensity_is_a_design_dimension_and_orders_spend_the_whole_budget(tmp_path):
    """experiment total_effort: every point's strategy spends that total every month, pillar
    orders included (their background weight lets a one-pillar phase spend it)."""
    path = tmp_path / "intensity.yaml"
    path.write_text("name: intensity\nscenarios: [baseline]\nstrategies: [governance_first]\n"
                    "sequencing: {pillars: [oversight, policing], phase_months: 12, background_effort: 0.1}\n"
                    "total_effort: [1.2, 3.0]\nreplications: 2\nmaster_seed: 1\n", encoding="utf-8")
    experiment, library = load_experiment(path)
    points = expand(experiment, library)
    assert sorted({(p["strategy"], p["total_effort"]) for p in points}) == [
        ("governance_first", 1.2), ("governance_first", 3.0), ("order_oversight_then_policing", 1.2),
        ("order_oversight_then_policing", 3.0), ("order_policing_then_oversight", 1.2),
        ("order_policing_then_oversight", 3.0)]
    runner = runner_for(experiment, library)
    for point in points:
        scenario = runner.scenario({**point, "overrides": {"horizon_years": 3}})
        pillars = [p.name for p in scenario.pillars]
        for phase in range(len(scenario.strategy.phases)):
            assert scenario.strategy.effort_vector(phase, pillars).sum() == pytest.approx(point["total_effort"])


def test_a_total_a_strategy_cannot_spend_is_refused_when_the_experiment_loads(tmp_path, capsys):
    path = tmp_path / "heavy.yaml"
    path.write_text("name: heavy\nscenarios: [baseline]\nsequencing: {pillars: [oversight, policing]}\n"
                    "total_effort: [2.0]\nreplications: 2\nmaster_seed: 1\n", encoding="utf-8")
    assert main(["sweep", str(path), "--dry-run"]) == 2
    error = capsys.readouterr().err
    assert "total_effort 2 does not fit strategy 'order_oversight_then_policing'" in error
    assert "can spend at most 1 pillar-efforts" in error

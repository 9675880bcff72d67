"""The numbers behind the report's figures are the summary's (and the stored series')."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.report.comparison import forest_data
from sim.report.fan import fan_data
from sim.report.folder import load_results
from sim.report.grid import grid_data, grid_parameters
from sim.report.survival import km_reached
from sim.sweep import summary_tables


@pytest.fixture(scope="module")
def summarised(grid_folder):
    results = load_results(grid_folder)
    table, paired = summary_tables(results.runs)
    return results, table, paired


def test_forest_points_are_the_summary_success_probabilities(summarised):
    results, table, paired = summarised
    data = forest_data(table, paired, "status_quo")
    merged = data.merge(table, on=[c for c in table.columns if c.startswith("param.")], suffixes=("", "_summary"))
    assert len(merged) == len(table)
    for column in ("success", "success_ci_low", "success_ci_high"):
        assert (merged[column] == merged[f"{column}_summary"]).all()
    adaptive = data[data["param.strategy"] == "adaptive"]
    pairs = paired[(paired["a"] == "adaptive") & (paired["b"] == "status_quo")]
    assert sorted(adaptive["difference"]) == pytest.approx(sorted(pairs["difference"]))
    assert data.loc[data["param.strategy"] == "status_quo", "difference"].isna().all()


def test_fan_median_is_the_median_of_the_stored_series(grid_folder):
    results = load_results(grid_folder)
    series = pd.read_parquet(grid_folder / "timeseries.parquet").merge(
        pd.read_parquet(grid_folder / "runs.parquet")[["design_index", "replication", "param.scenario",
                                                        "param.strategy"]], on=["design_index", "replication"])
    fan = fan_data(results.timeseries(["param.scenario", "param.strategy"]))
    for strategy in ("adaptive", "status_quo"):
        cell = series[series["param.strategy"] == strategy]
        expected = cell.groupby("month")["reform_index"].median()
        shown = fan[(fan["param.strategy"] == strategy) & (fan["indicator"] == "reform_index")].set_index("month")
        assert shown["q50"].to_numpy() == pytest.approx(expected.loc[shown.index].to_numpy())
        assert (shown["q05"] <= shown["q25"]).all() and (shown["q75"] <= shown["q95"]).all()
        assert cell.groupby("design_index")["replication"].nunique().min() == 6  # every run's series is in


def test_heatmap_cells_are_the_summary_success(summarised):
    results, table, _ = summarised
    x, y = [c for c in grid_parameters(results.runs) if "ministry" in c]
    cells = grid_data(results.runs, x, y)
    merged = cells.merge(table, on=["param.scenario", "param.strategy", x, y])
    assert len(merged) == len(cells) == 8
    assert (merged["success_x"] == merged["success_y"]).all()


def test_kaplan_meier_curve_crosses_one_half_at_the_summary_median(summarised):
    results, table, _ = summarised
    for _, row in table.iterrows():
        group = results.runs[(results.runs["param.strategy"] == row["param.strategy"])
                             & (results.runs["param.overrides.actors.ministry.political_will"]
                                == row["param.overrides.actors.ministry.political_will"])
                             & (results.runs["param.overrides.actors.ministry.corruption"]
                                == row["param.overrides.actors.ministry.corruption"])]
        curve = km_reached(group["years_to_threshold_reform_index"].to_numpy(float), 12.0)
        reached = curve[curve["reached"] >= 0.5 - 1e-10]
        median = row["median_years_to_threshold_reform_index"]
        assert (reached["years"].iloc[0] if len(reached) else np.inf) == pytest.approx(median)

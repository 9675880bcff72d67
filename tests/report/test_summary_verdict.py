"""summary.md's precision verdict and relapse windows, on the shared small sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiment_file import Precision
from sim.experiments.stats import compare_paired
from sim.sweep import precision_verdict, summary_tables


def test_precision_verdict_says_by_how_much_each_point_missed(grid_folder):
    runs = pd.read_parquet(grid_folder / "runs.parquet")
    target = Precision(target_half_width=0.05, initial=6, step=6, max=6)
    verdict = precision_verdict(runs, target)
    assert len(verdict.points) == 4 and not verdict.met
    for _, row in verdict.points.iterrows():
        point = runs[(runs["param.overrides.actors.ministry.political_will"] == row["overrides.actors.ministry.political_will"])
                     & (runs["param.overrides.actors.ministry.corruption"] == row["overrides.actors.ministry.corruption"])]
        a, b = (point[point["param.strategy"] == s].sort_values("replication")["reform_success"] for s in
                ("adaptive", "status_quo"))
        low, high = compare_paired(a.to_numpy(), b.to_numpy()).paired_ci
        assert row["half_width"] == pytest.approx((high - low) / 2)
        assert row["missed_by"] == pytest.approx(max(0.0, row["half_width"] - 0.05))
    assert "not met" in verdict.text() and "at the cap of 6 replications" in verdict.text()
    assert precision_verdict(runs, Precision(target_half_width=1.0, initial=6, max=6)).met


def test_relapse_is_reported_at_ten_years_and_at_the_horizon(grid_folder):
    runs = pd.read_parquet(grid_folder / "runs.parquet")
    table, _ = summary_tables(runs)
    for _, row in table.iterrows():
        group = runs[(runs["param.strategy"] == row["param.strategy"])
                     & (runs["param.overrides.actors.ministry.political_will"]
                        == row["param.overrides.actors.ministry.political_will"])
                     & (runs["param.overrides.actors.ministry.corruption"]
                        == row["param.overrides.actors.ministry.corruption"])]
        assert row["relapse_within_10_years"] == np.mean(group["relapse_year"].to_numpy(float) <= 10)
        assert row["relapse_within_horizon"] == group["conflict_relapse"].mean()
    text = (grid_folder / "summary.md").read_text(encoding="utf-8")
    assert "relapse_within_10_years" in text and "relapse_within_12_years" in text

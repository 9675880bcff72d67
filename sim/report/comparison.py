"""Strategy comparison: each strategy's success probability with its Wilson 95 % CI (a forest
plot), beside its paired difference from a reference strategy (status quo by default) with the
paired Newcombe 95 % CI, one row block per scenario (and design point). The numbers are the
summary's (:func:`sim.sweep.summary_tables`); with posterior draws, each difference is labelled
with the share of draws in which it holds (chance-corrected)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .folder import SweepResults
from .style import PALETTE, Chart, new_figure, readable

#: The reference strategy when none is named and the sweep ran it: the counterfactual.
DEFAULT_REFERENCE = "status_quo"
#: Beyond this many scenario x design-point blocks a forest plot is unreadable (grids have heatmaps).
MAX_BLOCKS = 12


def point_labels(table: pd.DataFrame) -> list[str]:
    """The columns that identify a block of the summary table apart from the strategy."""
    return [c for c in table.columns
            if c in ("param.scenario", "param.total_effort") or c.startswith("param.overrides.")]


def choose_reference(strategies: list[str], requested: str | None) -> str:
    """The requested reference, else the status quo when it ran, else the first strategy."""
    if requested is not None:
        return requested
    return DEFAULT_REFERENCE if DEFAULT_REFERENCE in strategies else strategies[0]


def forest_data(table: pd.DataFrame, paired: pd.DataFrame, reference: str) -> pd.DataFrame:
    """One row per block and strategy: ``success`` with ``success_ci_low/high`` (the summary's),
    and ``difference`` = success − the reference's success in the same block with its paired CI
    ``difference_low/high`` (NaN for the reference itself); ``draws_favouring_corrected`` when the
    sweep drew parameters from a posterior."""
    labels = point_labels(table)
    rows = table[[*labels, "param.strategy", "success", "success_ci_low", "success_ci_high"]].copy()
    rows["difference"] = rows["difference_low"] = rows["difference_high"] = np.nan
    if paired.empty:
        return rows
    as_b = paired[paired["b"] == reference].assign(strategy=lambda f: f["a"], sign=1.0)
    as_a = paired[paired["a"] == reference].assign(strategy=lambda f: f["b"], sign=-1.0)
    both = pd.concat([as_b, as_a], ignore_index=True)
    both["difference"] = both["sign"] * both["difference"]
    low = np.where(both["sign"] > 0, both["paired_low"], -both["paired_high"])
    high = np.where(both["sign"] > 0, both["paired_high"], -both["paired_low"])
    both["difference_low"], both["difference_high"] = low, high
    extra = ["draws_favouring_corrected"] if "draws_favouring_corrected" in both.columns else []
    keyed = both[[*labels, "strategy", "difference", "difference_low", "difference_high", *extra]].rename(
        columns={"strategy": "param.strategy"})
    return rows.drop(columns=["difference", "difference_low", "difference_high"]).merge(
        keyed, on=[*labels, "param.strategy"], how="left")


def _block_name(row: pd.Series, labels: list[str]) -> str:
    return " · ".join(f"{readable(c)} {row[c]:g}" if isinstance(row[c], float) else str(row[c]) for c in labels)


def forest_charts(results: SweepResults, table: pd.DataFrame, paired: pd.DataFrame,
                  reference: str) -> tuple[list[Chart], str | None]:
    """The forest plot and paired differences, or no chart and the reason."""
    data = forest_data(table, paired, reference)
    labels = point_labels(table)
    blocks = data[labels].drop_duplicates()
    if len(blocks) > MAX_BLOCKS:
        return [], (f"No forest plot: the design has {len(blocks)} scenario and design-point blocks (at most "
                    f"{MAX_BLOCKS} fit one figure); see the summary tables and the heatmaps.")
    strategies = list(pd.unique(data["param.strategy"]))
    y_labels, positions, y = [], [], 0.0
    rows = []
    for _, block in blocks.iterrows():
        mask = np.logical_and.reduce([data[c] == block[c] for c in labels])
        for strategy in strategies:
            match = data[mask & (data["param.strategy"] == strategy)]
            if match.empty:
                continue
            rows.append((y, match.iloc[0]))
            y_labels.append(f"{_block_name(block, labels)} · {strategy}" if len(blocks) > 1 else strategy)
            positions.append(y)
            y -= 1
        y -= 0.6
    figure, axes = new_figure(1, 2, 4.6, max(2.4, 0.28 * len(rows) + 1.2), sharey=True)
    left, right = axes[0]
    for y, row in rows:
        colour = PALETTE[strategies.index(row["param.strategy"]) % len(PALETTE)]
        left.errorbar(row["success"], y, xerr=[[row["success"] - row["success_ci_low"]],
                                               [row["success_ci_high"] - row["success"]]],
                      fmt="o", color=colour, capsize=2, ms=4)
        if np.isfinite(row["difference"]):
            right.errorbar(row["difference"], y, xerr=[[row["difference"] - row["difference_low"]],
                                                       [row["difference_high"] - row["difference"]]],
                           fmt="s", color=colour, capsize=2, ms=4)
            if "draws_favouring_corrected" in row and np.isfinite(row["draws_favouring_corrected"]):
                right.annotate(f"{row['draws_favouring_corrected']:.0%} of draws", (row["difference_high"], y),
                               xytext=(4, 0), textcoords="offset points", va="center", fontsize=6)
    left.set_yticks(positions, y_labels, fontsize=7)
    left.set_xlim(-0.02, 1.02)
    left.set_xlabel("success probability (95 % Wilson CI)")
    right.axvline(0, color="#555555", lw=1)
    right.set_xlabel(f"difference from {reference} (paired 95 % CI)")
    for axis in (left, right):
        axis.grid(axis="x", alpha=0.3)
    replications = int(results.runs.groupby(["design_index"]).size().max())
    title = f"{results.experiment}: success by strategy and paired difference from {reference}, " \
            f"{replications:,} replications a point"
    figure.suptitle(title, fontsize=10)
    others = data[(data["param.strategy"] != reference) & data["difference"].notna()]
    clear = others[(others["difference_low"] > 0) | (others["difference_high"] < 0)]
    largest = clear.loc[clear["difference"].abs().idxmax()] if len(clear) else None
    reading = (f"{len(clear)} of {len(others)} differences from {reference} have a paired 95 % CI that excludes 0"
               + (f"; the largest: {largest['param.strategy']} {largest['difference']:+.3f} "
                  f"[{largest['difference_low']:+.3f}, {largest['difference_high']:+.3f}]" if len(clear) else "")
               + ".")
    return [Chart("forest", title, reading, figure)], None

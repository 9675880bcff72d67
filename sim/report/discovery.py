"""Scenario discovery: which combinations of the sweep's varied parameters lead to failure
(a run whose reform did not succeed). Two views of the same runs, one figure per scenario and
strategy:

- PRIM (Friedman & Fisher 1999) as implemented in the ``PRIM`` package (Project Platypus, a
  port of the EMA Workbench's algorithm): the peeling trajectory's coverage/density trade-off
  (coverage: the share of all failures inside the box; density: the share of runs in the box
  that fail) and the chosen box (:func:`prim_box`);
- a shallow regression tree (scikit-learn) of the failure share, depth :data:`TREE_DEPTH`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeRegressor, plot_tree

from .folder import SweepResults
from .style import PALETTE, SHARE_MAP, Chart, new_figure, readable

#: The chosen PRIM box is the densest that still holds this share of all failures.
MIN_COVERAGE = 0.5
#: Of the boxes within this much of the best density, the one restricting the fewest parameters is chosen.
DENSITY_SLACK = 0.05
#: A box restriction with a quasi-p value at least this is dropped as not significant.
MAX_QUASI_P = 0.05
TREE_DEPTH = 3
#: Scenario discovery needs this many distinct design points, and at least two varied parameters.
MIN_POINTS = 20
#: At most this many scenario x strategy blocks get a figure each.
MAX_BLOCKS = 6


def uncertain_parameters(runs: pd.DataFrame) -> list[str]:
    """Numeric design columns that take more than one value."""
    return [c for c in runs.columns if c.startswith("param.overrides.")
            and pd.api.types.is_numeric_dtype(runs[c]) and runs[c].nunique() > 1]


@dataclass(frozen=True)
class PrimResult:
    """PRIM's peeling trajectory and the box chosen from it."""

    trajectory: pd.DataFrame  # coverage, density, mass, restricted (parameters) per peeled box
    chosen: int               # the trajectory's box the chosen box was made from
    coverage: float           # of the chosen box, once insignificant restrictions are dropped
    density: float
    limits: pd.DataFrame      # min, max and quasi-p value of each parameter the box restricts


def prim_box(x: pd.DataFrame, failed: np.ndarray) -> PrimResult:
    """Peel towards failures (PRIM, peeling and pasting steps of 5 %); of the boxes that still
    cover :data:`MIN_COVERAGE` of the failures, choose among those within :data:`DENSITY_SLACK` of
    the best density the one that restricts the fewest parameters (simpler to read), then drop each
    restriction whose quasi-p value is :data:`MAX_QUASI_P` or more (a restriction chance alone
    would often produce; Bryant & Lempert 2010)."""
    import prim

    logging.getLogger("prim").setLevel(logging.WARNING)
    finder = prim.Prim(x.reset_index(drop=True), np.asarray(failed, dtype=bool), threshold=0.5,
                       threshold_type=">")
    box = finder.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True).rename(columns={"res dim": "restricted"})
    eligible = trajectory[trajectory["coverage"] >= MIN_COVERAGE]
    if len(eligible):
        near_best = eligible[eligible["density"] >= eligible["density"].max() - DENSITY_SLACK]
        chosen = int(near_best.sort_values(["restricted", "density"], ascending=[True, False]).index[0])
    else:
        chosen = 0
    box.select(chosen)
    for name in box.limits.index[box.limits["qp values"] >= MAX_QUASI_P]:
        box.drop_restriction(name)
    limits = box.limits.rename(columns={"qp values": "quasi_p"})
    return PrimResult(trajectory, chosen, float(box.coverage), float(box.density), limits)


def failure_tree(x: pd.DataFrame, failed: np.ndarray) -> DecisionTreeRegressor:
    """A regression tree of the failure share (depth :data:`TREE_DEPTH`, leaves of at least 5 % of runs)."""
    tree = DecisionTreeRegressor(max_depth=TREE_DEPTH, min_samples_leaf=max(1, len(x) // 20), random_state=0)
    return tree.fit(x.to_numpy(float), np.asarray(failed, dtype=float))


def discovery_charts(results: SweepResults) -> tuple[list[Chart], str | None]:
    """The PRIM and tree figures per block, or no chart and the reason."""
    runs = results.runs
    parameters = uncertain_parameters(runs)
    if len(parameters) < 2 or runs["design_index"].nunique() < MIN_POINTS:
        return [], (f"No scenario discovery: it needs at least two varied numeric parameters and {MIN_POINTS} "
                    f"design points (this sweep varies {len(parameters)} over {runs['design_index'].nunique()}).")
    charts = []
    for (scenario, strategy), block in list(runs.groupby(["param.scenario", "param.strategy"], sort=False))[
            :MAX_BLOCKS]:
        failed = ~block["reform_success"].to_numpy(bool)
        if failed.all() or not failed.any():
            continue
        x = block[parameters].rename(columns=readable)
        found = prim_box(x, failed)
        trajectory, limits = found.trajectory, found.limits
        tree = failure_tree(x, failed)
        figure, axes = new_figure(1, 3, 4.2, 4.4, gridspec_kw={"width_ratios": [1, 1, 3.0]})
        tradeoff, box_axis, tree_axis = axes[0]
        points = tradeoff.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["restricted"],
                                  cmap=SHARE_MAP, s=14)
        figure.colorbar(points, ax=tradeoff, label="restricted parameters")
        tradeoff.scatter([found.coverage], [found.density], s=90, facecolors="none", edgecolors=PALETTE[5],
                         linewidths=2, label="chosen box")
        tradeoff.set_xlabel("coverage (share of failures in the box)")
        tradeoff.set_ylabel("density (share of box runs failing)")
        tradeoff.legend(fontsize=7)
        tradeoff.grid(alpha=0.3)
        low, high = x.min(), x.max()
        names = list(x.columns)
        for k, name in enumerate(names):
            span = high[name] - low[name]
            lo, hi = (limits.loc[name, "min"], limits.loc[name, "max"]) if name in limits.index else (low[name],
                                                                                                    high[name])
            restricted = name in limits.index
            box_axis.barh(k, (hi - lo) / span, left=(lo - low[name]) / span, color=PALETTE[5] if restricted
                          else "#BBBBBB", height=0.5)
            if restricted:
                box_axis.text(1.02, k, f"{lo:.3g}–{hi:.3g}", va="center", fontsize=6)
        box_axis.set_yticks(range(len(names)), names, fontsize=7)
        box_axis.set_xlim(0, 1.35)
        box_axis.set_xlabel("range of each parameter (0 = low, 1 = high)")
        box_axis.set_title("chosen box (orange: restricted)", fontsize=8)
        plot_tree(tree, feature_names=names, ax=tree_axis, filled=True, impurity=False, proportion=True,
                  precision=2, fontsize=5, rounded=True)
        tree_axis.set_title("regression tree: value = share of runs failing", fontsize=8)
        title = (f"{results.experiment} · {scenario} · {strategy}: where reform fails, {len(block):,} runs "
                 f"({failed.mean():.0%} fail)")
        figure.suptitle(title, fontsize=10)
        described = "; ".join(f"{name} {limits.loc[name, 'min']:.3g}–{limits.loc[name, 'max']:.3g}"
                              for name in limits.index)
        reading = (f"PRIM's chosen box ({described or 'no restriction'}) holds {found.coverage:.0%} of the "
                   f"failures, and {found.density:.0%} of its runs fail against {failed.mean():.0%} overall.")
        charts.append(Chart(f"discovery_{scenario}_{strategy}", title, reading, figure,
                            limits.reset_index(names="parameter")))
    return charts, None

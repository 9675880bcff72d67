"""Grids: success probability over two varied parameters as a heatmap, with the 50 % contour,
a panel per scenario and strategy. Each cell is the share of runs that succeeded at that pair
of values (pooled over any other varied parameter, which the title names)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .folder import SweepResults
from .style import SHARE_MAP, Chart, new_figure, readable

#: At most this many pairs of varied parameters get a heatmap each.
MAX_PAIRS = 3
#: A grid needs at least this many values of each parameter to be drawn as a heatmap.
MIN_LEVELS = 2
#: A parameter with more distinct values than this is sampled, not a grid level.
MAX_LEVELS = 12


def grid_parameters(runs: pd.DataFrame) -> list[str]:
    """Design columns varied over a few numeric levels, in the runs' column order, when the design
    crosses them fully (a grid: every combination of their levels is a point); else none."""
    found = [c for c in runs.columns if c.startswith("param.overrides.") and pd.api.types.is_numeric_dtype(runs[c])
             and MIN_LEVELS <= runs[c].nunique() <= MAX_LEVELS]
    if not found:
        return []
    combinations = len(runs[found].drop_duplicates())
    levels = int(np.prod([runs[c].nunique() for c in found]))
    return found if combinations == levels else []


def grid_data(runs: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Share of successful runs per scenario, strategy and (x, y) cell, with its run count."""
    return (runs.groupby(["param.scenario", "param.strategy", x, y], sort=True)["reform_success"]
            .agg(success="mean", runs="size").reset_index())


def grid_charts(results: SweepResults) -> list[Chart]:
    """A heatmap figure per pair of grid parameters (none when fewer than two were varied)."""
    runs = results.runs
    parameters = grid_parameters(runs)
    charts = []
    for x, y in list(itertools.combinations(parameters, 2))[:MAX_PAIRS]:
        data = grid_data(runs, x, y)
        panels = data[["param.scenario", "param.strategy"]].drop_duplicates()
        columns = min(3, len(panels))
        rows = -(-len(panels) // columns)
        figure, axes = new_figure(rows, columns, 3.4, 2.9)
        xs, ys = np.sort(data[x].unique()), np.sort(data[y].unique())
        crossings = []
        for axis, (_, panel) in zip(axes.ravel(), panels.iterrows()):
            cell = data[(data["param.scenario"] == panel["param.scenario"])
                        & (data["param.strategy"] == panel["param.strategy"])]
            matrix = cell.pivot(index=y, columns=x, values="success").reindex(index=ys, columns=xs).to_numpy()
            image = axis.imshow(matrix, origin="lower", cmap=SHARE_MAP, vmin=0, vmax=1, aspect="auto",
                                extent=(-0.5, len(xs) - 0.5, -0.5, len(ys) - 0.5))
            for (row, column), value in np.ndenumerate(matrix):
                if np.isfinite(value):
                    axis.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=6,
                              color="white" if value < 0.55 else "black")
            if np.nanmin(matrix) < 0.5 < np.nanmax(matrix) and min(matrix.shape) >= 2:
                axis.contour(np.arange(len(xs)), np.arange(len(ys)), matrix, levels=[0.5], colors="#D55E00",
                             linewidths=2)
                crossings.append(panel["param.strategy"])
            axis.set_xticks(range(len(xs)), [f"{v:g}" for v in xs], fontsize=7)
            axis.set_yticks(range(len(ys)), [f"{v:g}" for v in ys], fontsize=7)
            axis.set_xlabel(readable(x), fontsize=8)
            if axis in axes[:, 0]:
                axis.set_ylabel(readable(y), fontsize=8)
            axis.set_title(f"{panel['param.scenario']} · {panel['param.strategy']}", fontsize=9)
        for axis in axes.ravel()[len(panels):]:
            axis.set_visible(False)
        figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="success probability")
        others = [readable(c) for c in parameters if c not in (x, y)]
        replications = int(data["runs"].min())
        title = (f"{results.experiment}: success over {readable(x)} × {readable(y)}\nat least {replications:,} runs "
                 f"a cell" + (f", pooled over {', '.join(others)}" if others else "") + "; orange line: 50 % success")
        figure.suptitle(title, fontsize=10)
        reading = (f"The 50 % contour (orange) separates where success is more likely than not; it crosses the "
                   f"grid for {', '.join(crossings)}." if crossings else
                   "No panel crosses 50 % success, so there is no contour: success is "
                   + ("below" if np.nanmax(data['success']) < 0.5 else "above") + " one half everywhere on the grid.")
        charts.append(Chart(f"grid_{x.split('.')[-1]}_{y.split('.')[-1]}", title, reading, figure))
    return charts

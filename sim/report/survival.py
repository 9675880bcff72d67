"""Time to threshold: Kaplan-Meier curves of the share of runs that have reached the threshold
by each year, per strategy, for the reform index and each headline indicator (one figure per
scenario, pooled over design points). Runs that never reach it are censored at the horizon.
The published pace of the fastest reformers (WDR 2011 Box 3.6, Pritchett & de Weijer 2010:
mean years of the fastest 20 countries and of the fastest one, as recorded in
``experiments/calibration/targets.yaml``) is drawn as reference marks on each indicator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..experiments.stats import censor_at_horizon, km_survival
from .fan import INDICATORS
from .folder import SweepResults
from .style import Chart, colours, new_figure, readable, styles

#: Where the published pace is recorded (the calibration's targets, T1).
TARGETS_FILE = Path(__file__).resolve().parents[2] / "experiments" / "calibration" / "targets.yaml"


def km_reached(years_to_threshold: np.ndarray, horizon_years: float) -> pd.DataFrame:
    """Kaplan-Meier estimate of the share of runs at the threshold by each year (1 − S(t)),
    NaN years (never reached) censored at the horizon; a step at every event time, from year 0."""
    survival = km_survival(*censor_at_horizon(years_to_threshold, horizon_years))
    if survival is None:
        return pd.DataFrame({"years": [0.0, horizon_years], "reached": [0.0, 0.0]})
    years = np.concatenate([[0.0], survival.quantiles, [horizon_years]])
    reached = np.concatenate([[0.0], 1.0 - survival.probabilities, [1.0 - survival.probabilities[-1]]])
    return pd.DataFrame({"years": years, "reached": reached})


def published_pace(path: Path = TARGETS_FILE) -> pd.DataFrame:
    """The WDR 2011 Box 3.6 years per indicator: ``indicator``, ``fastest`` (20 or 1), ``years``."""
    targets = yaml.safe_load(path.read_text(encoding="utf-8"))["targets"]
    rows = [{"indicator": t["parameters"]["indicator"], "fastest": int(t["parameters"]["fastest"]),
             "years": float(t["published"])} for t in targets if t.get("statistic") == "fastest_mean"]
    return pd.DataFrame(rows)


def km_charts(results: SweepResults) -> list[Chart]:
    """One figure per scenario: a panel per indicator, a curve per strategy."""
    runs = results.runs
    strategies = list(pd.unique(runs["param.strategy"]))
    colour, style = colours(strategies), styles(strategies)
    pace = published_pace()
    charts = []
    for scenario, group in runs.groupby("param.scenario", sort=False):
        horizon = float(group["months"].max()) / 12.0
        figure, axes = new_figure(2, 3, 3.4, 2.5, sharex=True, sharey=True)
        reached_at_horizon = {}
        for axis, indicator in zip(axes.ravel(), INDICATORS):
            for strategy in strategies:
                subset = group[group["param.strategy"] == strategy]
                if subset.empty:
                    continue
                curve = km_reached(subset[f"years_to_threshold_{indicator}"].to_numpy(float), horizon)
                axis.step(curve["years"], curve["reached"], where="post", color=colour[strategy],
                          ls=style[strategy], lw=1.4, label=strategy)
                if indicator == "reform_index":
                    reached_at_horizon[strategy] = float(curve["reached"].iloc[-1])
            for _, mark in pace[pace["indicator"] == indicator].iterrows():
                axis.axvline(mark["years"], color="#555555", lw=1, ls="--" if mark["fastest"] > 1 else ":",
                             label=("WDR 2011: fastest 20 (mean)" if mark["fastest"] > 1 else
                                    "WDR 2011: fastest country"))
            axis.set_title(readable(indicator), fontsize=9)
            axis.set_ylim(0, 1)
            axis.set_xlim(0, horizon)
            axis.grid(alpha=0.25)
        for axis in axes[1]:
            axis.set_xlabel("years")
        for axis in axes[:, 0]:
            axis.set_ylabel("share of runs at threshold")
        handles, names = axes[0][1].get_legend_handles_labels()
        figure.legend(handles, names, fontsize=7, loc="lower center", ncol=min(4, len(names)),
                      bbox_to_anchor=(0.5, -0.06))
        threshold = " or ".join(f"{t:g}" for t in sorted(set(group["success_threshold"])))
        title = (f"{results.experiment} · {scenario}: time to threshold {threshold} (Kaplan-Meier, censored at "
                 f"{horizon:g} years), {len(group):,} runs")
        figure.suptitle(title, fontsize=10)
        reading = ("Share of runs whose reform index reached the threshold within the horizon: "
                   + ", ".join(f"{s} {v:.0%}" for s, v in reached_at_horizon.items())
                   + ". Dashed and dotted marks: the published pace of the fastest reformers (from far below the "
                     "threshold; WDR 2011 Box 3.6).")
        charts.append(Chart(f"time_to_threshold_{scenario}", title, reading, figure))
    return charts

"""Fan charts: each headline indicator (and the reform index) over time, the median run with
its 50 % and 90 % bands, a column per strategy and a row per indicator, one figure per scenario.

The bands are quantiles over every stored run of a scenario and strategy, at each kept month
(pooled over design points when the design has several)."""

from __future__ import annotations

import pandas as pd

from ..fields import HEADLINE_INDICATORS
from .folder import SweepResults
from .style import PALETTE, Chart, new_figure, readable

#: The quantiles a fan chart draws: the 90 % band, the 50 % band and the median.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
INDICATORS = ("reform_index", *HEADLINE_INDICATORS)
GROUP = ["param.scenario", "param.strategy"]


def fan_data(series: pd.DataFrame, indicators: tuple[str, ...] = INDICATORS) -> pd.DataFrame:
    """Quantiles of each indicator per scenario, strategy and month: one row per (scenario,
    strategy, indicator, month), columns ``q05`` ... ``q95`` and ``years`` (month / 12)."""
    kept = [name for name in indicators if name in series.columns]
    grouped = series.groupby([*GROUP, "month"], sort=True)[kept].quantile(list(QUANTILES))
    grouped.index = grouped.index.set_names([*GROUP, "month", "quantile"])
    long = grouped.stack().rename("value").reset_index().rename(columns={"level_4": "indicator"})
    wide = long.pivot_table(index=[*GROUP, "indicator", "month"], columns="quantile", values="value").reset_index()
    wide.columns = [f"q{int(round(c * 100)):02d}" if isinstance(c, float) else c for c in wide.columns]
    wide["years"] = wide["month"] / 12.0
    return wide


def fan_charts(results: SweepResults, threshold: float) -> list[Chart]:
    """One figure per scenario (none when the sweep kept no time series)."""
    series = results.timeseries(GROUP)
    if series is None:
        return []
    data = fan_data(series)
    strategies = list(pd.unique(results.runs["param.strategy"]))
    points = results.runs.groupby(GROUP)["design_index"].nunique().groupby(level=0).max()
    charts = []
    for scenario, block in data.groupby("param.scenario", sort=False):
        indicators = [name for name in INDICATORS if name in set(block["indicator"])]
        shown = [s for s in strategies if s in set(block["param.strategy"])]
        figure, axes = new_figure(len(indicators), len(shown), 2.6, 1.7, sharex=True, sharey=True)
        for column, strategy in enumerate(shown):
            for row, indicator in enumerate(indicators):
                axis = axes[row][column]
                cell = block[(block["param.strategy"] == strategy) & (block["indicator"] == indicator)]
                axis.fill_between(cell["years"], cell["q05"], cell["q95"], color=PALETTE[0], alpha=0.18, lw=0,
                                  label="90 % of runs")
                axis.fill_between(cell["years"], cell["q25"], cell["q75"], color=PALETTE[0], alpha=0.38, lw=0,
                                  label="50 % of runs")
                axis.plot(cell["years"], cell["q50"], color=PALETTE[0], lw=1.5, label="median run")
                axis.axhline(threshold, color="#555555", ls=":", lw=1, label=f"threshold {threshold:g}")
                axis.set_ylim(0, 1)
                axis.grid(alpha=0.25)
                if row == 0:
                    axis.set_title(strategy, fontsize=9)
                if column == 0:
                    axis.set_ylabel(readable(indicator), fontsize=7)
                if row == len(indicators) - 1:
                    axis.set_xlabel("years")
        axes[0][-1].legend(fontsize=6, loc="upper left")
        runs = int((results.runs["param.scenario"] == scenario).sum())
        pooled = f", pooled over {points[scenario]} design points" if points[scenario] > 1 else ""
        title = f"{results.experiment} · {scenario}: indicators over time, {runs:,} runs{pooled}"
        figure.suptitle(title, fontsize=10)
        last = block[block["month"] == block["month"].max()]
        final = last[last["indicator"] == "reform_index"].set_index("param.strategy")["q50"]
        best = final.idxmax() if len(final) else None
        reading = (f"Median run's final reform index by strategy: "
                   + ", ".join(f"{s} {final[s]:.2f}" for s in shown if s in final)
                   + (f"; highest under {best}." if best is not None else ".")
                   + " Shaded: the middle 50 % and 90 % of runs.")
        charts.append(Chart(f"fan_{scenario}", title, reading, figure))
    return charts


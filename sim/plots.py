"""Plots of one run: headline indicators, form vs function per pillar, will/trust/violence, events."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .fields import HEADLINE_INDICATORS  # noqa: E402

EVENT_STYLE = {"coup": ("tab:red", "coup"), "relapse": ("black", "relapse"),
               "donor_exit": ("tab:purple", "donor exit"), "phase": ("tab:green", "phase")}


def plot_run(frame: pd.DataFrame, events: Sequence[tuple[int, str, str]], pillars: Sequence[str],
             threshold: float, title: str, path: Path) -> Path:
    """Save a four-panel figure of a run's time series (x axis in years) to ``path``."""
    years = frame.index.to_numpy() / 12.0
    figure, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
    headline, pillar_axis, social, money = axes.ravel()
    for name in (*HEADLINE_INDICATORS, "reform_index"):
        headline.plot(years, frame[name], label=name.replace("_", " "),
                      linewidth=2.5 if name == "reform_index" else 1.2)
    headline.axhline(threshold, color="grey", linestyle=":", linewidth=1)
    headline.set_title("Headline indicators")
    for pillar in pillars:
        line, = pillar_axis.plot(years, frame[f"de_facto_{pillar}"], label=pillar.replace("_", " "))
        pillar_axis.plot(years, frame[f"de_jure_{pillar}"], color=line.get_color(), linestyle="--", linewidth=1)
    pillar_axis.set_title("De facto (solid) vs de jure (dashed) by pillar")
    for name in ("political_will", "public_trust", "violence", "spoiler_strength"):
        social.plot(years, frame[name], label=name.replace("_", " "))
    social.set_title("Will, trust, violence, spoilers")
    money.plot(years, frame["donor_funding"], label="donor funding (budget units)", color="tab:purple")
    money.set_title("Donor funding")
    for axis in (headline, pillar_axis, social):
        axis.set_ylim(-0.02, 1.02)
    seen: set[str] = set()
    for month, kind, _ in events:
        if kind in EVENT_STYLE:
            colour, label = EVENT_STYLE[kind]
            for axis in axes.ravel():
                axis.axvline(month / 12.0, color=colour, alpha=0.35, linewidth=1,
                             label=label if axis is money and kind not in seen else None)
            seen.add(kind)
    for axis in axes.ravel():
        axis.legend(fontsize=7, loc="best")
        axis.grid(alpha=0.3)
    for axis in axes[1]:
        axis.set_xlabel("years")
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

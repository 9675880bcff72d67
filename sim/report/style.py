"""What every report figure shares: a colour-blind-safe palette, the figure record, saving as PNG and SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
import pandas as pd  # noqa: E402

#: Okabe & Ito (2008), distinguishable under the common colour-vision deficiencies; black last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: Line styles cycled beside the colours, so a series reads in greyscale too.
LINE_STYLES = ("-", "--", "-.", ":")
#: Sequential colour map for shares (perceptually uniform and colour-blind safe).
SHARE_MAP = "cividis"


def colours(labels: Sequence[str]) -> dict[str, str]:
    """A palette colour per label, in the order given (cycled past eight)."""
    return {label: PALETTE[k % len(PALETTE)] for k, label in enumerate(labels)}


def styles(labels: Sequence[str]) -> dict[str, str]:
    """A line style per label, changing once the palette has been used up and at every label past it."""
    return {label: LINE_STYLES[(k // len(PALETTE) + k) % len(LINE_STYLES)] for k, label in enumerate(labels)}


def readable(name: str) -> str:
    """A column or path as a label: ``actors.ministry.political_will`` -> ``ministry political will``."""
    parts = name.removeprefix("param.").removeprefix("overrides.").split(".")
    kept = parts[1:] if parts[0] in ("actors", "mechanisms", "context") and len(parts) > 1 else parts
    return " ".join(kept).replace("_", " ")


@dataclass
class Chart:
    """A report figure: its file stem, title, one-line reading, the matplotlib figure and,
    where a reader needs the exact values (sensitivity indices, a PRIM box), its numbers."""

    name: str
    title: str
    reading: str
    figure: Figure
    table: pd.DataFrame | None = None


def save(chart: Chart, folder: Path) -> tuple[Path, Path]:
    """Write the chart as ``folder/<name>.png`` and ``.svg``, close it, and return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{chart.name}.png", folder / f"{chart.name}.svg"
    chart.figure.savefig(png, dpi=110, bbox_inches="tight")
    chart.figure.savefig(svg, bbox_inches="tight")
    plt.close(chart.figure)
    return png, svg


def new_figure(rows: int, columns: int, width: float, height: float, **options) -> tuple[Figure, object]:
    """A figure of ``rows`` x ``columns`` panels, each about ``width`` x ``height`` inches."""
    return plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False,
                        layout="constrained", **options)

"""Figures and the self-contained report of a sweep's results folder (``ssr-sim report``).

One module per figure family, each with a function that computes the numbers behind its
figure (a DataFrame, importable for notebooks) and one that draws them:

- :mod:`.folder`: reading a results folder (finished, interrupted, with failures);
- :mod:`.fan`: fan charts of the headline indicators over time;
- :mod:`.comparison`: success per strategy (forest plot) and paired differences from a reference;
- :mod:`.survival`: Kaplan-Meier time to threshold beside the published pace of the fastest reformers;
- :mod:`.grid`: success over two varied parameters with the 50 % contour;
- :mod:`.sensitivity`: Sobol indices and Morris screening, with the share of variance due to chance;
- :mod:`.discovery`: scenario discovery (PRIM box, shallow decision tree);
- :mod:`.network`: the scenario's influence network;
- :mod:`.page`: ``report.html`` (self-contained) and ``report.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Names loaded on first use, so importing one figure module does not import every other.
_EXPORTS = {"ReportError": "folder", "SweepResults": "folder", "load_results": "folder", "build_report": "page"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from .folder import ReportError, SweepResults, load_results
    from .page import build_report

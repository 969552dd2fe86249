"""Chart widgets (pyqtgraph PlotWidget subclasses, no global state).

StressChart ("stressChart"), HeatmapChart ("heatmapChart"), MrBreakdownChart ("mrBreakdownChart") and
MarginCurveChart ("marginCurveChart"). Each creates its items once, updates them in place, keeps fixed view ranges
computed from the data, and offers ``apply_theme(theme)``, ``export_png(path, width, height)``, ``clear()`` and a
crosshair readout (``chart.crosshair``).

The chart classes load on first use (PEP 562): the compute worker imports the numpy-only ``charts.contour``, and
that must not import pyqtgraph (about half a second of a cold start, issue 16) nor do so off the GUI thread.
"""

from __future__ import annotations

import importlib
from typing import Any

_CLASSES = {"MrBreakdownChart": "breakdown", "HeatmapChart": "heatmap", "MarginCurveChart": "margin_curve",
            "StressChart": "stress"}

__all__ = ["HeatmapChart", "MarginCurveChart", "MrBreakdownChart", "StressChart"]


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    cls = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = cls
    return cls


def __dir__() -> list[str]:
    return sorted([*globals(), *_CLASSES])

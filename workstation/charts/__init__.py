"""Chart widgets (pyqtgraph PlotWidget subclasses, no global state).

StressChart ("stressChart"), HeatmapChart ("heatmapChart"), MrBreakdownChart ("mrBreakdownChart") and
MarginCurveChart ("marginCurveChart"). Each creates its items once, updates them in place, keeps fixed view ranges
computed from the data, and offers ``apply_theme(theme)``, ``export_png(path, width, height)``, ``clear()`` and a
crosshair readout (``chart.crosshair``).
"""

from .breakdown import MrBreakdownChart
from .heatmap import HeatmapChart
from .margin_curve import MarginCurveChart
from .stress import StressChart

__all__ = ["HeatmapChart", "MarginCurveChart", "MrBreakdownChart", "StressChart"]

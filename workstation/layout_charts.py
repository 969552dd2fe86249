"""The chart docks' charts, built after the first painted result (issue 16: cold start <= 1.0 s).

pyqtgraph's import (its ``Qt`` shim reads every attribute of QtCore/QtGui/QtWidgets, so PySide6 creates every class
and enum it would otherwise create lazily) and the four plots were about half of the time from process launch to
the first painted result. The window is therefore shown with an empty pane of the chart's size in each chart dock
(``layout.pending_chart_pane``: nothing moves when the chart replaces it); the summary and the risk-unit table show
the first result; right after that result has been painted the charts are built, and what arrived for them
meanwhile (the MMR breakdown of the result, the margin curve, the selected unit's charts) is shown at once.

``DeferredCharts`` is a mixin of ``MainWindow``: ``build_charts()`` builds them now (idempotent; a caller that needs
them at once may call it), ``charts_ready()`` says whether they are built, ``chartsReady`` is emitted once built.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer

from workstation.layout import CHARTS, make_chart

log = logging.getLogger("workstation.main_window")

# A window never painted (hidden, e.g. in a test) or a result never painted still gets its charts: after this long
# from the window's construction, or this long after the first result was shown.
FALLBACK_AFTER_START_MS = 2000
FALLBACK_AFTER_RESULT_MS = 150


class _AfterPaint(QObject):
    """Watches the window's update requests (Qt paints every dirty widget of a window while it handles one): the
    first one that follows the first result (or that comes with no portfolio open) schedules the build for the
    next turn of the event loop, i.e. once that paint is done."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        w = self.window
        if event.type() == QEvent.Type.UpdateRequest and (w.result is not None or w.holder.doc is None):
            obj.removeEventFilter(self)
            QTimer.singleShot(0, w.build_charts)
        return False


class DeferredCharts:
    """Mixin of ``MainWindow``: the charts after the first painted result (see the module's docstring)."""

    def _init_deferred_charts(self) -> None:
        """Called at the end of the window's construction (the docks hold the empty panes)."""
        self._charts_built = False
        self._pending_curve: Any = None         # the last margin curve that arrived before the charts
        self._pending_unit: Any = None          # the last unit charts (UnitCharts, result, live) likewise
        self._charts_watch = _AfterPaint(self)
        self.installEventFilter(self._charts_watch)
        self._charts_timer = QTimer(self)
        self._charts_timer.setObjectName("chartsBuildTimer")
        self._charts_timer.setSingleShot(True)
        self._charts_timer.timeout.connect(self.build_charts)
        self._charts_timer.start(FALLBACK_AFTER_START_MS)
        self.resultShown.connect(self._result_before_charts)

    def charts_ready(self) -> bool:
        return self._charts_built

    def charts_wanted(self) -> bool:
        """Whether chart data is worth computing: the charts are built (and some exist) or are still to come."""
        return bool(self.charts) or not self._charts_built

    def _result_before_charts(self, _result: Any) -> None:
        if not self._charts_built and self._charts_timer.remainingTime() > FALLBACK_AFTER_RESULT_MS:
            self._charts_timer.start(FALLBACK_AFTER_RESULT_MS)

    def stop_chart_timers(self) -> None:
        self._charts_timer.stop()

    def build_charts(self) -> None:
        """Build the four charts into their docks (once), theme them and show what arrived for them meanwhile."""
        if self._charts_built:
            return
        self._charts_built = True
        self._charts_timer.stop()
        self.removeEventFilter(self._charts_watch)
        try:
            self.resultShown.disconnect(self._result_before_charts)
        except (RuntimeError, TypeError):  # pragma: no cover - already disconnected
            pass
        for (cls_name, _dock_name, title), dock in zip(CHARTS, self.chart_docks):
            widget, ok = make_chart(cls_name, title)
            if ok:
                self.charts[cls_name] = widget
            pane = dock.widget()
            dock.setWidget(widget)
            if pane is not None:
                pane.deleteLater()
        for c in self.charts.values():
            try:
                c.apply_theme(self.themes.theme)
            except Exception as exc:  # noqa: BLE001 - as in MainWindow._apply_theme
                log.error("chart %s: apply_theme failed: %s", type(c).__name__, exc)
        self._replay_charts()
        self.chartsReady.emit()

    def _replay_charts(self) -> None:
        """Show in the new charts what the window showed, or would have shown, before they existed."""
        curve, unit = self._pending_curve, self._pending_unit
        self._pending_curve = self._pending_unit = None
        if self.holder.doc is None:
            for c in self.charts.values():
                c.clear("No portfolio open")
            return
        r = self.result
        if r is None:
            return
        breakdown = self.charts.get("MrBreakdownChart")
        if breakdown is not None:
            breakdown.show_result(r)
        chart = self.charts.get("MarginCurveChart")
        if chart is not None and curve is not None:
            chart.show_curve(curve.shocks, curve.mmr, curve.margin_ratio, curve.liq_shock)
        if unit is not None:
            self._show_unit_charts(*unit)
        elif not r.units:
            reason = self._no_unit_reason(r)
            for name in ("StressChart", "HeatmapChart"):
                if reason is not None and name in self.charts:
                    self.charts[name].clear(reason)
        # else the unit charts' job, asked for with the result, has not answered yet: they land when it does

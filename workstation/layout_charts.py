"""The chart docks' charts, built after the first painted result (issue 16: cold start <= 1.0 s).

pyqtgraph's import (its ``Qt`` shim reads every attribute of QtCore/QtGui/QtWidgets, so PySide6 creates every class
and enum it would otherwise create lazily) and the four plots were about half of the time from process launch to
the first painted result. The window is therefore shown with an empty pane of the chart's size in each chart dock
(``layout.pending_chart_pane``: nothing moves when the chart replaces it); the summary and the risk-unit table show
the first result; right after that result has been painted the charts are built, one piece per turn of the event
loop (pyqtgraph's import, then each chart: the window answers between them), and what arrived for them
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
            QTimer.singleShot(0, w._chart_step)
        return False


class DeferredCharts:
    """Mixin of ``MainWindow``: the charts after the first painted result (see the module's docstring)."""

    def _init_deferred_charts(self) -> None:
        """Called at the end of the window's construction (the docks hold the empty panes)."""
        self._charts_built = False
        self._pending_curve: Any = None         # the last margin curve that arrived before the charts
        self._pending_unit: Any = None          # the last unit charts (UnitCharts, result, live) likewise
        self._chart_parts: dict[str, Any] = {}  # charts built so far, not yet in self.charts (see _chart_step)
        self._chart_next = 0                    # the next step of the build
        self._chart_steps_stopped = False
        self._charts_watch = _AfterPaint(self)
        self.installEventFilter(self._charts_watch)
        self._charts_timer = QTimer(self)
        self._charts_timer.setObjectName("chartsBuildTimer")
        self._charts_timer.setSingleShot(True)
        self._charts_timer.timeout.connect(self.build_charts)   # at once: nobody is waiting for the window
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
        """The window is closing: no fallback build, and a build under way stops."""
        self._charts_timer.stop()
        self._chart_steps_stopped = True

    def build_charts(self) -> None:
        """Build the charts into their docks now (the ones not built yet), theme them and show what arrived for
        them meanwhile; once. A caller that needs the charts at once may call it."""
        while not self._charts_built and not self._chart_steps_stopped:
            self._chart_step()

    def _chart_step(self) -> None:
        """One piece of the build per turn of the event loop, so that the window repaints and answers between
        them: pyqtgraph's import, then one chart at a time (created and themed, not shown), then all of them at once
        into their docks and ``self.charts`` with what arrived meanwhile. Until that last step the window's code
        sees no chart."""
        if self._charts_built or self._chart_steps_stopped:
            return
        parts = self._chart_parts
        step = self._chart_next
        self._chart_next = step + 1
        if step == 0:
            self._charts_timer.stop()
            self.removeEventFilter(self._charts_watch)
            import workstation.charts  # noqa: F401 - pyqtgraph: the longest piece, on its own
        elif step <= len(CHARTS):
            cls_name, _dock_name, title = CHARTS[step - 1]
            widget, ok = make_chart(cls_name, title)
            parts[cls_name] = (widget, ok)
            if ok:
                try:
                    widget.apply_theme(self.themes.theme)
                except Exception as exc:  # noqa: BLE001 - as in MainWindow._apply_theme
                    log.error("chart %s: apply_theme failed: %s", type(widget).__name__, exc)
        else:
            self._finish_charts(parts)
            return
        if not self._charts_built:
            QTimer.singleShot(0, self._chart_step)

    def _finish_charts(self, parts: dict[str, Any]) -> None:
        """All charts into their docks and shown their data in one turn, before any of them is laid out or painted
        empty (an axis sized for empty ticks would keep that width: the charts would not look as before)."""
        self._charts_built = True
        try:
            self.resultShown.disconnect(self._result_before_charts)
        except (RuntimeError, TypeError):  # pragma: no cover - already disconnected
            pass
        for (cls_name, _dock_name, _title), dock in zip(CHARTS, self.chart_docks):
            widget, ok = parts[cls_name]
            if ok:
                self.charts[cls_name] = widget
            pane = dock.widget()
            dock.setWidget(widget)
            if pane is not None:
                pane.deleteLater()
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

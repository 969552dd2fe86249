"""The charts' crosshair: lines and a readout snapped to the nearest data point, at most 60 updates a second."""

from __future__ import annotations

import weakref
from typing import Any, Callable

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ._base import CROSSHAIR_RATE_HZ, LABEL_FONT_PT, cosmetic_pen, qcolor


SnapResult = tuple[float, float, str]   # x, y of the snapped point (data units) and the readout HTML


class Crosshair:
    """Vertical + horizontal line and a text readout snapped to the nearest data point.

    Mouse moves arrive through a ``pg.SignalProxy`` limited to ~60 Hz. ``snap(x, y)`` (data units) returns the
    snapped point and the readout HTML, or None to hide the crosshair. Hidden when the mouse leaves the view.

    No reference cycle back to the chart: ``snap`` is held through a ``WeakMethod`` and the crosshair is a plain
    object. A chart in a cycle is freed by the cyclic GC, which clears the Python side of its legend LabelItems in
    arbitrary order while Qt still lays them out ("Error calling Python override of QGraphicsWidget::sizeHint");
    see tests/ui/test_charts.py::test_teardown_after_export_is_clean.
    """

    def __init__(self, widget: pg.PlotWidget, snap: Callable[[float, float], SnapResult | None],
                 viewbox: pg.ViewBox | None = None) -> None:
        self._snap_ref = weakref.WeakMethod(snap) if hasattr(snap, "__self__") else (lambda: snap)
        self.viewbox = viewbox or widget.getPlotItem().getViewBox()
        self.vline = pg.InfiniteLine(angle=90, movable=False)
        self.hline = pg.InfiniteLine(angle=0, movable=False)
        self.label = pg.TextItem(anchor=(0, 1))
        font = QtGui.QFont()
        font.setPointSize(LABEL_FONT_PT)
        self.label.setFont(font)
        for item in (self.vline, self.hline, self.label):
            item.setZValue(1000)
            self.viewbox.addItem(item, ignoreBounds=True)
            item.hide()
        self.point: tuple[float, float] | None = None
        self._proxy = pg.SignalProxy(widget.scene().sigMouseMoved, rateLimit=CROSSHAIR_RATE_HZ,
                                     slot=self._on_proxy)

    # pyqtgraph's SignalProxy delivers a tuple of the original signal's arguments
    def _on_proxy(self, args: tuple) -> None:
        self.update_at_scene(args[0])

    def update_at_scene(self, scene_pos: QtCore.QPointF) -> None:
        vb = self.viewbox
        if not vb.sceneBoundingRect().contains(scene_pos):
            self.hide()
            return
        p = vb.mapSceneToView(scene_pos)
        snap = self._snap_ref()
        result = snap(p.x(), p.y()) if snap is not None else None
        if result is None:
            self.hide()
            return
        x, y, html = result
        self.point = (x, y)
        self.vline.setPos(x)
        self.hline.setPos(y)
        self.label.setHtml(html)
        (x0, x1), (y0, y1) = vb.viewRange()
        # keep the readout inside the view: it grows towards the centre
        ax = 1.0 if x > (x0 + x1) / 2 else 0.0
        ay = 0.0 if y > (y0 + y1) / 2 else 1.0
        self.label.setAnchor((ax, ay))
        self.label.setPos(x, y)
        for item in (self.vline, self.hline, self.label):
            item.show()

    def hide(self) -> None:
        self.point = None
        for item in (self.vline, self.hline, self.label):
            item.hide()

    def is_visible(self) -> bool:
        return self.label.isVisible()

    def text(self) -> str:
        return self.label.textItem.toPlainText()

    def apply_theme(self, theme: Any) -> None:
        pen = cosmetic_pen(theme.muted, QtCore.Qt.PenStyle.DashLine)
        self.vline.setPen(pen)
        self.hline.setPen(pen)
        self.label.fill = pg.mkBrush(qcolor(theme.surface, 230))
        self.label.border = pg.mkPen(cosmetic_pen(theme.grid))
        self.label.setColor(qcolor(theme.foreground))
        self.label.update()

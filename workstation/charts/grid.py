"""Grid lines at an axis's ticks, drawn by one light item under the data instead of by the axes.

pyqtgraph draws a grid by extending an ``AxisItem``'s ticks across the view. The axis's bounding rectangle then
covers the whole plot, so every change of any curve repaints the axis: all its tick labels and grid lines are
replayed (and regenerated when the range moved), several times per frame across the charts. During a spot-in-use
drag that was the largest single cost of a frame (see bench/README.md). Here the axes draw only their own strip and
this item, a child of the ViewBox in its pixel coordinates, draws the lines: a few ``drawLines`` calls, recomputed
lazily at the next paint after the view range or size changed.

Tick positions come from the axis's own ``tickValues`` (or its fixed ``setTicks`` levels) at the axis's length, and
the line alpha follows pyqtgraph's grid rule, so the lines sit exactly on the ticks and look as before. The lines are
drawn opaque, in the colour the translucent line would have on the chart's solid background: Qt's raster engine
draws a translucent 1-px line 30 to 60 times slower than an opaque one (measured: 0.65 ms against 20 us for eleven
300-px lines), which made the grid the costliest item of a chart repaint.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

Z_GRID = -1e5          # above the ViewBox background (-1e6), below every data item


def tick_levels(axis: pg.AxisItem, lo: float, hi: float, length_px: float) -> list[np.ndarray]:
    """Tick values of each level (major first) that ``axis`` draws over ``[lo, hi]`` at ``length_px`` pixels."""
    fixed = getattr(axis, "_tickLevels", None)          # set by AxisItem.setTicks
    if fixed is not None:
        return [np.array([v for v, _text in level], dtype=float) for level in fixed]
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi == lo or length_px <= 0:
        return []
    return [np.asarray(values, dtype=float) for _spacing, values in axis.tickValues(lo, hi, length_px)]


def level_alpha(grid_alpha: int, level: int, n_ticks: int, length_px: float) -> int:
    """pyqtgraph's grid-line alpha: fainter for minor levels and for dense ticks (AxisItem.generateDrawSpecs)."""
    alpha = 255.0 / (level + 1) * grid_alpha / 255.0 * float(np.clip(0.05 * length_px / (n_ticks + 1), 0.0, 1.0))
    return int(alpha)


def blend(colour: QtGui.QColor, background: QtGui.QColor, alpha: float) -> QtGui.QColor:
    """The opaque colour of ``colour`` at opacity ``alpha`` (0..1) over ``background``."""
    a = min(max(alpha, 0.0), 1.0)
    return QtGui.QColor.fromRgbF(background.redF() + (colour.redF() - background.redF()) * a,
                                 background.greenF() + (colour.greenF() - background.greenF()) * a,
                                 background.blueF() + (colour.blueF() - background.blueF()) * a)


class GridLines(QtWidgets.QGraphicsObject):
    """Vertical lines at the ticks of ``x_axis`` and horizontal lines at the ticks of ``y_axis`` (either None)."""

    def __init__(self, viewbox: pg.ViewBox, x_axis: pg.AxisItem | None, y_axis: pg.AxisItem | None,
                 alpha: float = 0.25, colour: str = "#6b7480", background: str = "#ffffff") -> None:
        super().__init__()
        self._vb = viewbox
        self._axes = {"x": x_axis, "y": y_axis}
        self._alpha = int(min(max(alpha, 0.0), 1.0) * 255)
        self._colour = QtGui.QColor(colour)
        self._background = QtGui.QColor(background)
        self._show = {"x": x_axis is not None, "y": y_axis is not None}
        self._lines: list[tuple[QtGui.QPen, list[QtCore.QLineF]]] | None = None
        self.setParentItem(viewbox)          # ViewBox pixel coordinates: not transformed with the data
        self.setZValue(Z_GRID)
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, False)
        viewbox.sigRangeChanged.connect(self._invalidate)
        viewbox.sigResized.connect(self._on_resized)

    # -- configuration -------------------------------------------------------------------------------------------
    def set_axes(self, x: bool, y: bool) -> None:
        """Show the lines of the x and/or y axis (the axes given at construction)."""
        self._show = {"x": x, "y": y}
        self._invalidate()

    def set_colour(self, colour: str, background: str) -> None:
        """Line colour, and the solid background the lines are blended onto."""
        self._colour = QtGui.QColor(colour)
        self._background = QtGui.QColor(background)
        self._invalidate()

    # -- QGraphicsItem -------------------------------------------------------------------------------------------
    def boundingRect(self) -> QtCore.QRectF:
        return self._vb.rect()

    def paint(self, painter: QtGui.QPainter, option: Any, widget: Any = None) -> None:
        if self._lines is None:
            self._lines = self._build()
        for pen, lines in self._lines:
            painter.setPen(pen)
            painter.drawLines(lines)

    # -- internals -----------------------------------------------------------------------------------------------
    def _on_resized(self, *_args: Any) -> None:
        self.prepareGeometryChange()
        self._invalidate()

    def _invalidate(self, *_args: Any) -> None:
        self._lines = None
        self.update()

    def _build(self) -> list[tuple[QtGui.QPen, list[QtCore.QLineF]]]:
        show = self._show
        rect = self._vb.rect()
        width, height = rect.width(), rect.height()
        (x0, x1), (y0, y1) = self._vb.viewRange()
        out: list[tuple[QtGui.QPen, list[QtCore.QLineF]]] = []
        for key, lo, hi, size in (("x", x0, x1, width), ("y", y0, y1, height)):
            axis = self._axes[key]
            if axis is None or not show[key] or size <= 0 or hi == lo:
                continue
            # AxisItem measures its length from one pixel before to one pixel after its span
            levels = tick_levels(axis, lo, hi, size + 2.0)
            for level, values in enumerate(levels):
                if values.size == 0:
                    continue
                colour = blend(self._colour, self._background,
                               level_alpha(self._alpha, level, values.size, size + 2.0) / 255.0)
                pen = QtGui.QPen(colour)
                pen.setWidth(1)
                pen.setCosmetic(True)
                if key == "x":
                    px = (values - lo) / (hi - lo) * width
                    px = px[(px >= 0) & (px <= width)]
                    lines = [QtCore.QLineF(p, 0.0, p, height) for p in px.tolist()]
                else:
                    py = height - (values - lo) / (hi - lo) * height
                    py = py[(py >= 0) & (py <= height)]
                    lines = [QtCore.QLineF(0.0, p, width, p) for p in py.tolist()]
                out.append((pen, lines))
        return out

    # inspection (tests) ----------------------------------------------------------------------------------------
    def line_positions(self) -> dict[str, list[float]]:
        """Pixel positions of the drawn lines, per axis ("x": vertical lines' x, "y": horizontal lines' y)."""
        if self._lines is None:
            self._lines = self._build()
        out: dict[str, list[float]] = {"x": [], "y": []}
        for _pen, lines in self._lines:
            for line in lines:
                if line.x1() == line.x2():
                    out["x"].append(line.x1())
                else:
                    out["y"].append(line.y1())
        return out

"""Point markers that change every frame, drawn by one light item instead of several ``ScatterPlotItem``s.

A ``ScatterPlotItem`` pays about 0.3 ms of Python per paint whatever its size (view-rect culling, a transform of
its points through numpy, the fragment atlas) and as much again per ``setData``. The stress chart redraws three of
them, for 24 points in all, at every step of a spot-in-use drag: about a tenth of the frame (measured by hiding
them). ``MarkerLayer`` keeps a few named groups of points, each point with one of a few styles, and draws them at a
fixed pixel size (like pyqtgraph's pxMode) with pyqtgraph's own symbol shapes, each style rendered once into a
pixmap and stamped at every point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6 import QtCore, QtGui, QtWidgets


@dataclass(frozen=True)
class MarkerStyle:
    """A symbol of pyqtgraph's ``Symbols`` ("o", "d", "star"...), its size in pixels, outline and fill."""

    symbol: str
    size: float
    pen: QtGui.QPen
    brush: QtGui.QBrush


class MarkerLayer(QtWidgets.QGraphicsObject):
    """Named groups of markers over a ViewBox; ``set_group`` replaces a group's points, ``data`` reads them back."""

    MAX_SPRITES = 64       # pre-rendered styles kept (a theme change brings new styles; the old ones go at the cap)

    def __init__(self, viewbox: pg.ViewBox, z: float = 6.0) -> None:
        super().__init__()
        self._vb = viewbox
        self._groups: dict[str, tuple[np.ndarray, np.ndarray, tuple[MarkerStyle, ...]]] = {}
        self._sprites: dict[tuple[int, float], tuple[MarkerStyle, QtGui.QPixmap, float]] = {}
        viewbox.addItem(self, ignoreBounds=True)    # data coordinates, stacked by z with the plot's other items
        self.setZValue(z)
        viewbox.sigRangeChanged.connect(self._moved)
        viewbox.sigResized.connect(self._moved)

    def set_group(self, name: str, x: Sequence[float], y: Sequence[float],
                  styles: MarkerStyle | Sequence[MarkerStyle]) -> None:
        """Points of group ``name`` with one style for all or one per point."""
        xs, ys = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
        if xs.shape != ys.shape:
            raise ValueError(f"marker group {name!r}: {xs.size} x values for {ys.size} y values")
        per_point = (styles,) * xs.size if isinstance(styles, MarkerStyle) else tuple(styles)
        if len(per_point) != xs.size:
            raise ValueError(f"marker group {name!r}: {len(per_point)} styles for {xs.size} points")
        self._groups[name] = (xs, ys, per_point)
        self.update()

    def data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        xs, ys, _styles = self._groups.get(name, (np.empty(0), np.empty(0), ()))
        return xs, ys

    def styles(self, name: str) -> tuple[MarkerStyle, ...]:
        return self._groups.get(name, (None, None, ()))[2]

    # -- QGraphicsItem -------------------------------------------------------------------------------------------
    def boundingRect(self) -> QtCore.QRectF:
        return self._vb.viewRect()       # the visible data rectangle: markers are clipped to the view anyway

    def paint(self, painter: QtGui.QPainter, option: Any, widget: Any = None) -> None:
        base = painter.transform()       # data -> device (affine: the ViewBox only scales and translates)
        m11, m12, m21, m22, dx, dy = base.m11(), base.m12(), base.m21(), base.m22(), base.dx(), base.dy()
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        painter.resetTransform()
        for xs, ys, styles in self._groups.values():
            if xs.size == 0:
                continue
            px = (m11 * xs + m21 * ys + dx).tolist()
            py = (m12 * xs + m22 * ys + dy).tolist()
            for cx, cy, style in zip(px, py, styles):
                if cx != cx or cy != cy:      # NaN: not drawn
                    continue
                image, half = self._sprite(style, dpr)
                painter.drawPixmap(QtCore.QPointF(cx - half, cy - half), image)
        painter.setTransform(base)

    def _sprite(self, style: MarkerStyle, dpr: float) -> tuple[QtGui.QPixmap, float]:
        """The symbol drawn once (antialiased) into a pixmap, then stamped at each point like pyqtgraph's atlas."""
        key = (id(style), dpr)
        hit = self._sprites.get(key)
        if hit is not None and hit[0] is style:
            return hit[1], hit[2]
        side = int(np.ceil(style.size + 2.0 * max(style.pen.widthF(), 1.0) + 2.0))
        image = QtGui.QPixmap(int(np.ceil(side * dpr)), int(np.ceil(side * dpr)))
        image.setDevicePixelRatio(dpr)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(image)
        try:
            p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            p.translate(side / 2.0, side / 2.0)
            p.scale(style.size, style.size)
            p.setPen(style.pen)
            p.setBrush(style.brush)
            p.drawPath(Symbols[style.symbol])
        finally:
            p.end()
        if len(self._sprites) >= self.MAX_SPRITES:        # styles of earlier themes: drop them all, rebuild as drawn
            self._sprites.clear()
        self._sprites[key] = (style, image, side / 2.0)
        return image, side / 2.0

    # -- internals -----------------------------------------------------------------------------------------------
    def _moved(self, *_args: Any) -> None:
        self.prepareGeometryChange()          # the bounding rectangle is the view's
        self.update()


def marker_pen(colour: str) -> QtGui.QPen:
    """A 1-px outline that stays 1 px when the symbol is scaled to its pixel size."""
    pen = QtGui.QPen(QtGui.QColor(colour))
    pen.setWidthF(1.0)
    pen.setCosmetic(True)
    return pen

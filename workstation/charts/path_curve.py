"""A line through points drawn by one native ``QGraphicsPathItem``: Qt bounds and paints it in C++.

The live charts redraw their lines at every step of a drag. A ``pg.PlotCurveItem`` runs its update and paint
through Python each time (finite checks, data bounds by nanmin / nanmax twice per paint, pixel padding from the
view's pixel vectors, the path rebuilt inside the paint). This item builds the same path with pyqtgraph's own
``arrayToQPath`` (same points, same ``connect`` rule) once per ``setData`` and hands it to Qt, and paints it with
the same 1-px cosmetic pen and, like ``PlotCurveItem`` with pyqtgraph's default ``antialias=False``, without
antialiasing, also in exports that turn it on: the pixels are those of the ``PlotCurveItem`` (tested).

It keeps the small part of ``PlotCurveItem``'s interface that the charts, their legends and the tests use:
``setData(x, y, connect=...)``, ``getData()``, ``setPen``, ``opts['pen']`` / ``opts['name']`` (a legend's
sample draws from ``opts``) and ``name()``. Fill, shadow pens, symbols and log modes are not supported.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets


class PathCurve(QtWidgets.QGraphicsPathItem):
    """``setData`` replaces the line; ``connect`` is pyqtgraph's ("all", "finite", "pairs" or a bool mask)."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.opts: dict[str, Any] = {"name": name, "pen": QtGui.QPen(), "antialias": False, "fillLevel": None,
                                     "symbol": None}
        self._x = np.empty(0)
        self._y = np.empty(0)

    def name(self) -> str | None:
        return self.opts["name"]

    def setPen(self, pen: QtGui.QPen) -> None:  # noqa: N802 - Qt's name
        self.opts["pen"] = QtGui.QPen(pen)
        super().setPen(pen)

    def setData(self, x: Any, y: Any, connect: Any = "all", **_ignored: Any) -> None:  # noqa: N802
        """The line through (x, y); keyword arguments of ``PlotCurveItem.setData`` not listed here are ignored
        (``skipFiniteCheck``: the path rule ``connect`` already says how non-finite points are treated)."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x.shape != y.shape:
            raise ValueError(f"PathCurve.setData: x {x.shape} and y {y.shape} differ")
        self._x, self._y = x, y
        self.setPath(pg.arrayToQPath(x, y, connect=connect) if x.size > 1 else QtGui.QPainterPath())

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802 - PlotCurveItem's name
        return self._x, self._y

    def paint(self, painter: QtGui.QPainter, option: Any, widget: Any = None) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)     # as PlotCurveItem's default
        super().paint(painter, option, widget)

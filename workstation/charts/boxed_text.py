"""A ``pg.TextItem`` whose box (fill and border) is drawn as a plain rectangle.

pyqtgraph's ``TextItem.paint`` draws the box as an antialiased polygon; the raster engine fills that through its
antialiasing rasteriser, which cost about 2 ms of every repaint of the stress chart (cProfile of a what-if drag:
``drawPolygon``, the largest single call of the chart's paint). The box is axis-aligned in device pixels (the item
ignores the view's transform), so a non-antialiased rectangle on whole pixels draws the same box.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore


class BoxedText(pg.TextItem):
    """``pg.TextItem`` with a cheap box; everything else as pyqtgraph's."""

    def paint(self, p, *args):  # noqa: ANN001 - Qt override
        s = self.scene()
        if s is not self._lastScene:          # as TextItem.paint: follow the scene's transform updates
            if self._lastScene is not None:
                self._lastScene.sigPrepareForPaint.disconnect(self.updateTransform)
            self._lastScene = s
            if s is not None:
                s.sigPrepareForPaint.connect(self.updateTransform)
            self.updateTransform()
            p.setTransform(self.sceneTransform())
        if self.border.style() != QtCore.Qt.PenStyle.NoPen or self.fill.style() != QtCore.Qt.BrushStyle.NoBrush:
            p.setPen(self.border)
            p.setBrush(self.fill)
            p.setRenderHint(p.RenderHint.Antialiasing, False)
            rect = self.textItem.mapRectToParent(self.textItem.boundingRect()).toAlignedRect()
            p.drawRect(rect.adjusted(0, 0, -1, -1))      # a cosmetic 1-px border inside the text's own box

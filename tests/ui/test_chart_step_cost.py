"""What a live chart update skips (issue 16, the charts' part of a drag step) without changing what is shown.

- The heatmap's zero contour is one native path item holding exactly the traced points, drawn as the
  ``pg.PlotCurveItem`` it replaces drew them (pixel for pixel: compared against that item in one scene).
- The heatmap re-places its image only when the cell rectangle or the grid's shape changes, and the image then
  covers exactly the cells' rectangle (worked out by hand below), also when a grid of another shape comes with the
  same rectangle.
All data is made by hand in this file; no timing is asserted.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest.importorskip("pytestqt")

import pyqtgraph as pg  # noqa: E402
from PySide6 import QtGui  # noqa: E402

from workstation.charts import HeatmapChart  # noqa: E402
from workstation.charts.contour import zero_contour  # noqa: E402


def _image_rect(chart: HeatmapChart) -> tuple[float, float, float, float]:
    r = chart.image.mapRectToParent(chart.image.boundingRect())
    return (r.left(), r.top(), r.width(), r.height())


def test_heatmap_image_placed_again_only_when_rectangle_or_shape_changes(qtbot, monkeypatch):
    chart = HeatmapChart()
    qtbot.addWidget(chart)
    calls = []
    real = chart.image.setRect
    monkeypatch.setattr(chart.image, "setRect", lambda *a: (calls.append(a), real(*a)))
    # 5 moves -0.2..0.2 (step 0.1) and 3 vol shifts -0.1..0.1 (step 0.1): cells centred on the values, so the image
    # spans x from -0.25 to 0.25 (width 0.5) and y from -0.15 to 0.15 (height 0.3)
    moves, vols = np.linspace(-0.2, 0.2, 5), np.linspace(-0.1, 0.1, 3)
    grid = np.arange(15.0).reshape(3, 5) - 7.0
    chart.show_grid(moves, vols, grid)
    assert len(calls) == 1
    assert _image_rect(chart) == pytest.approx((-0.25, -0.15, 0.5, 0.3))
    chart.show_grid(moves, vols, grid * 2.0, live=True)       # a drag step: new P&L, same cells
    assert len(calls) == 1
    assert chart.image.image.tolist() == (grid * 2.0).tolist()
    assert _image_rect(chart) == pytest.approx((-0.25, -0.15, 0.5, 0.3))
    # 3 moves -1/6..1/6 (step 1/6): the same rectangle (-1/6 - 1/12 = -0.25, width 3/6 = 0.5), another shape
    moves3 = np.array([-1.0 / 6.0, 0.0, 1.0 / 6.0])
    chart.show_grid(moves3, vols, np.ones((3, 3)))
    assert len(calls) == 2
    assert _image_rect(chart) == pytest.approx((-0.25, -0.15, 0.5, 0.3))
    # after clear(), the next grid is placed again even with the same rectangle and shape
    chart.clear()
    chart.show_grid(moves3, vols, np.ones((3, 3)))
    assert len(calls) == 3
    assert _image_rect(chart) == pytest.approx((-0.25, -0.15, 0.5, 0.3))


def _grab(chart: HeatmapChart) -> bytes:
    image = chart.render_image(600, 400)
    return bytes(image.constBits())[: image.sizeInBytes()]


def test_heatmap_contour_drawn_as_the_curve_item_drew_it(qtbot):
    chart = HeatmapChart()
    qtbot.addWidget(chart)
    moves, vols = np.linspace(-0.5, 0.5, 41), np.linspace(-0.3, 0.3, 13)
    grid = -3e5 * moves[None, :] ** 2 + 2e5 * vols[:, None] + 1e4      # zero where 3e5 m^2 = 2e5 v + 1e4
    chart.show_grid(moves, vols, grid)
    x, y, connect = zero_contour(grid)
    assert x.size > 10
    got_x, got_y = chart.zero_contour.getData()
    assert got_x.tolist() == x.tolist() and got_y.tolist() == y.tolist()
    # the contour's points lie where the grid's P&L is zero: a point on row r (a whole row index) between columns
    # c and c + 1 has 3e5 m^2 = 2e5 v_r + 1e4 at its move m, interpolated linearly between the cells' moves
    rows = y == np.round(y)
    m = moves[0] + x[rows] * (moves[1] - moves[0])
    v = vols[y[rows].astype(int)]
    assert np.allclose(-3e5 * m ** 2 + 2e5 * v + 1e4, 0.0, atol=3e5 * (moves[1] - moves[0]) ** 2)
    ours = _grab(chart)
    # the same line drawn by the item it replaces, in the same place, ours hidden
    curve = pg.PlotCurveItem()
    curve.setParentItem(chart.image)
    curve.setZValue(chart.zero_contour.zValue())
    curve.setPos(chart.zero_contour.pos())
    curve.setPen(QtGui.QPen(chart.zero_contour.pen()))
    curve.setData(x, y, connect=connect)
    chart.zero_contour.hide()
    assert _grab(chart) == ours
    curve.hide()
    assert _grab(chart) != ours          # the comparison sees the line at all


def test_stress_curves_drawn_as_plot_curve_items_drew_them(qtbot):
    """The three vol-state lines are native path items holding the shown P&L, named in the legend, and drawn pixel
    for pixel as the ``pg.PlotCurveItem``s they replace (each put in its place with the same pen and data)."""
    from test_charts import make_unit

    from workstation.charts import StressChart
    chart = StressChart()
    qtbot.addWidget(chart)
    moves = np.linspace(-0.3, 0.3, 61)
    pnl = np.vstack([-8000.0 * moves ** 2 * k - 300.0 * k for k in (0.8, 1.0, 1.3)])
    chart.show_unit(moves, pnl, make_unit(), live=True)
    assert [label.text for _sample, label in chart.legend.items][:3] == ["vol down", "vol same", "vol up"]
    for i, state in enumerate(("down", "same", "up")):
        x, y = chart.curves[state].getData()
        assert x.tolist() == moves.tolist() and y.tolist() == pnl[i].tolist()
    _grab(chart)              # the first export at a new size moves the worst-case label to fit it: settle that
    ours = _grab(chart)
    vb = chart.getPlotItem().getViewBox()
    for i, state in enumerate(("down", "same", "up")):
        curve = pg.PlotCurveItem()
        vb.addItem(curve, ignoreBounds=True)
        curve.setZValue(chart.curves[state].zValue())
        curve.setPen(QtGui.QPen(chart.curves[state].pen()))
        curve.setData(moves, pnl[i])
        chart.curves[state].setPath(QtGui.QPainterPath())    # ours drawn empty (hidden, its legend sample changes)
    assert _grab(chart) == ours

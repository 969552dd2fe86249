"""The heatmap's zero contour: marching squares by hand, against pyqtgraph's own isocurve, and on the chart."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pg = pytest.importorskip("pyqtgraph")

from PySide6 import QtCore  # noqa: E402

from workstation.charts import HeatmapChart  # noqa: E402
from workstation.charts.contour import zero_contour, zero_contour_segments  # noqa: E402


def segment_set(points: np.ndarray) -> list[tuple]:
    pairs = (points[k:k + 2] for k in range(0, len(points), 2))
    return sorted(tuple(sorted((round(float(x), 9), round(float(y), 9)) for x, y in pair)) for pair in pairs)


def test_one_cell_by_hand():
    # z rises from -1 (column 0) to 3 (column 1): zero a quarter of the way, x = 0.25, on both rows
    pts, _ids = zero_contour_segments(np.array([[-1.0, 3.0], [-1.0, 3.0]]))
    assert segment_set(pts) == [((0.25, 0.0), (0.25, 1.0))]


@pytest.mark.parametrize("z, want", [
    # centre (mean of the corners) 0: not negative, the side of b and d -> the line cuts off a and c
    ([[-1.0, 1.0], [1.0, -1.0]], [((0.0, 0.5), (0.5, 0.0)), ((0.5, 1.0), (1.0, 0.5))]),
    # centre -0.5: a's side -> a and c joined, the line cuts off b (bottom 0.5, right 0.25) and d (top, left)
    ([[-1.0, 1.0], [1.0, -3.0]], [((0.0, 0.5), (0.25, 1.0)), ((0.5, 0.0), (1.0, 0.25))]),
])
def test_saddle_by_hand(z, want):
    pts, _ids = zero_contour_segments(np.array(z))
    assert segment_set(pts) == want


def has_saddle(z: np.ndarray) -> bool:
    a, b, d, c = z[:-1, :-1] < 0, z[:-1, 1:] < 0, z[1:, :-1] < 0, z[1:, 1:] < 0
    return bool(((a == c) & (b == d) & (a != b)).any())


def test_matches_pyqtgraph_isocurve_without_saddles():
    """pyqtgraph.functions.isocurve is an independent marching-squares implementation (pixel centres at +0.5;
    it resolves saddles by a fixed table, so only saddle-free grids are compared)."""
    rng = np.random.default_rng(7)
    compared = 0
    for _ in range(400):
        z = rng.normal(size=(int(rng.integers(2, 9)), int(rng.integers(2, 9)))).cumsum(axis=1)
        if has_saddle(z):
            continue
        compared += 1
        mine, _ids = zero_contour_segments(z)
        ref = [p for seg in pg.functions.isocurve(z.T, 0.0, connected=False) for p in seg]
        assert segment_set(mine + 0.5) == segment_set(np.array(ref).reshape(-1, 2) if ref else np.empty((0, 2)))
    assert compared > 100


def test_polylines_join_the_segments():
    rng = np.random.default_rng(11)
    for _ in range(200):
        z = rng.normal(size=(6, 7)).cumsum(axis=int(rng.integers(0, 2)))
        pts, _ids = zero_contour_segments(z)
        x, y, connect = zero_contour(z)
        joined = np.array([[(x[k], y[k]), (x[k + 1], y[k + 1])] for k in range(len(x) - 1) if connect[k]])
        assert segment_set(joined.reshape(-1, 2) if len(joined) else np.empty((0, 2))) == segment_set(pts)
        assert len(x) == 0 or not connect[-1]
        # every polyline is one piece: its segment count is its point count - 1
        assert len(x) - int(np.count_nonzero(~connect)) == len(pts) // 2


def test_closed_loop_is_one_polyline():
    g = np.linspace(-2.0, 2.0, 9)
    z = g[None, :] ** 2 + g[:, None] ** 2 - 1.5          # a circle of radius sqrt(1.5) around the centre
    x, y, connect = zero_contour(z)
    assert np.count_nonzero(~connect) == 1                 # one polyline ...
    assert (x[0], y[0]) == pytest.approx((x[-1], y[-1]))   # ... that closes on itself


def test_non_finite_cells_give_no_line():
    z = np.array([[-1.0, 1.0, 1.0], [-1.0, np.nan, 1.0]])
    pts, _ids = zero_contour_segments(z)
    assert len(pts) == 0                                   # both cells touch the NaN corner
    assert zero_contour(np.full((3, 3), 5.0))[0].size == 0


def test_heatmap_contour_passes_through_the_zero_of_the_grid(qtbot):
    """P&L = 1000 x move, whatever the vol: the zero line is the vertical line move = 0, in the chart's own axis
    units (an extra half-cell shift of the line, as before, puts it at +0.005)."""
    chart = HeatmapChart()
    qtbot.addWidget(chart)
    moves = np.linspace(-0.2, 0.2, 41)
    vols = np.linspace(-0.3, 0.3, 13)
    grid = np.tile(1000.0 * moves, (vols.size, 1))
    grid[:, 20] = -1e-9                                   # the zero column just negative: crossing right at move 0
    chart.show_grid(moves, vols, grid)
    x, y = chart.zero_contour.getData()
    assert len(x) >= 2
    vb = chart.getPlotItem().getViewBox()
    view = [vb.mapFromItemToView(chart.zero_contour, QtCore.QPointF(float(a), float(b))) for a, b in zip(x, y)]
    assert [p.x() for p in view] == pytest.approx([0.0] * len(view), abs=1e-6)
    assert min(p.y() for p in view) == pytest.approx(-0.3) and max(p.y() for p in view) == pytest.approx(0.3)

"""Chart widgets: numbers first (item data, view ranges, levels, bar heights), then identity of items across updates,
PNG export size, theme recolouring of the grab, and the crosshair readout after a simulated mouse move.

All data is made by hand in this file; nothing comes from the engine.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest.importorskip("pytestqt")

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

from engine.result import MarginResult, ScenarioOutcome, UnitResult  # noqa: E402
from workstation.charts import HeatmapChart, MarginCurveChart, MrBreakdownChart, StressChart  # noqa: E402
from workstation.charts._base import nice_ceil  # noqa: E402
from workstation.charts.format import (fmt_compact, fmt_number, fmt_pct, fmt_ratio, fmt_usd,  # noqa: E402
                                       fmt_vol_pts)
from workstation.theme import DARK, LIGHT  # noqa: E402

MINUS = "\u2212"

# ---------------------------------------------------------------------------------------------------- hand-made data

MR1_MOVES = np.array([-0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12])
# a short straddle: P&L falls with |move|; vol up hurts, vol down helps. Worst: vol up at +12 % = -1164.
MR1_PNL = np.array([
    [-610.0, -240.0, 90.0, 180.0, 80.0, -260.0, -650.0],     # vol down
    [-820.0, -410.0, -60.0, 0.0, -70.0, -430.0, -870.0],     # vol same
    [-1100.0, -700.0, -390.0, -300.0, -400.0, -720.0, -1164.0],  # vol up
])
MR6_MOVES = np.array([-0.3, 0.3])
MR6_PNL = np.array([-2900.0, -3050.0])


def make_unit(name: str = "BTC-USD", mr: dict[str, float] | None = None, scale: float = 1.0) -> UnitResult:
    mr = mr or {"mr1": 1164.0, "mr2": 120.0, "mr3": 300.0, "mr4": 80.0, "mr5": 10.0, "mr6": 1067.5, "mr7": 200.0,
                "mr8": 0.0, "mr9": 40.0}
    pnl = MR1_PNL * scale
    k = np.unravel_index(np.argmin(pnl), pnl.shape)
    final = ScenarioOutcome(float(pnl[k]), float(MR1_MOVES[k[1]]), ("down", "same", "up")[k[0]])
    return UnitResult(risk_unit=name, ccy=name.split("-")[0], delta=0.0, gamma=-10.0, vega=-30.0, theta=20.0,
                      upl=0.0, mr=dict(mr), mmr=0.0, imr=0.0, mr1_moves=MR1_MOVES.copy(), mr1_pnl=pnl,
                      mr1_final=final, mr6_moves=MR6_MOVES.copy(), mr6_pnl=MR6_PNL * scale,
                      mr6_final=ScenarioOutcome(float((MR6_PNL * scale).min()), 0.3), spot_in_use=0.0,
                      max_spot_in_use=0.0, assumed=(), assumed_params={}, positions=())


def make_curves(scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    moves = np.linspace(-0.3, 0.3, 61)
    base = -9000.0 * moves ** 2 * scale
    return moves, np.vstack([base + 150.0, base, base - 300.0])


def make_result(units: tuple[UnitResult, ...], acct_lv: str = "4") -> MarginResult:
    return MarginResult(acct_lv=acct_lv, rules="okx-2025-01", ts=dt.datetime(2026, 1, 1), eq=1e5, adj_eq=1e5,
                        upl=0.0, total_imr=0.0, total_mmr=0.0, deriv_mmr=0.0, borrow_mmr=0.0, liq_cost=0.0,
                        margin_ratio=10.0, assets=(), units=units, positions=())


def scene_point(chart, x: float, y: float, viewbox=None) -> QtCore.QPointF:
    vb = viewbox or chart.getPlotItem().getViewBox()
    return vb.mapViewToScene(QtCore.QPointF(x, y))


def show(qtbot, chart, w: int = 900, h: int = 560):
    qtbot.addWidget(chart)
    chart.resize(w, h)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def settle(qtbot, chart) -> None:
    """Let pending layout/resize events land so that view -> scene mapping is the one the mouse will see."""
    vb = chart.getPlotItem().getViewBox()
    last: list = [None]

    def stable() -> bool:
        QtWidgets.QApplication.processEvents()
        now = (vb.sceneBoundingRect(), tuple(map(tuple, vb.viewRange())))
        same = now == last[0]
        last[0] = now
        return same

    qtbot.waitUntil(stable, timeout=2000)


def hover(qtbot, chart, x: float, y: float) -> None:
    settle(qtbot, chart)
    chart.scene().sigMouseMoved.emit(scene_point(chart, x, y))
    qtbot.waitUntil(chart.crosshair.is_visible, timeout=2000)


def changed_fraction(a: QtGui.QImage, b: QtGui.QImage) -> float:
    def arr(img: QtGui.QImage) -> np.ndarray:
        img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
        return np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine())[
            :, : img.width() * 4].copy()
    return float(np.mean(np.any(arr(a).reshape(a.height(), a.width(), 4) != arr(b).reshape(b.height(), b.width(), 4),
                                axis=2)))


# ----------------------------------------------------------------------------------------------------------- format


def test_format_helpers():
    assert fmt_usd(-1164) == f"{MINUS}1,164 USD"
    assert fmt_usd(1234567.891, 2) == "1,234,567.89 USD"
    assert fmt_usd(float("nan")) == "\u2014"
    assert fmt_number(-0.4) == "0"              # no "-0"
    assert fmt_compact(1234) == "1.2k"
    assert fmt_compact(-3.4e6) == f"{MINUS}3.4M"
    assert fmt_compact(2000) == "2k"
    assert fmt_compact(999_960) == "1M"
    assert fmt_compact(560) == "560"
    assert fmt_compact(1.5) == "1.5"                 # small tick steps keep their decimals
    assert fmt_compact(0.004) == "0"
    assert fmt_pct(0.12) == "+12 %"
    assert fmt_pct(-0.055, 1) == f"{MINUS}5.5 %"
    assert fmt_pct(0.0) == "0 %"
    assert fmt_ratio(float("inf")) == "\u221e"
    assert fmt_ratio(1.2345) == "1.23"
    assert fmt_vol_pts(10) == "+10 pts"


# ----------------------------------------------------------------------------------------------------------- stress


@pytest.mark.parametrize("x, want", [(730.0, 800.0), (7190.0, 8000.0), (1.0, 1.0), (1.01, 1.2), (1000.0, 1000.0),
                                     (0.0031, 0.004), (95_000.0, 100_000.0), (2.6e6, 3e6), (1.2, 1.2)])
def test_nice_ceil(x, want):
    assert nice_ceil(x) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("x", [0.0, -1.0, float("nan"), float("inf")])
def test_nice_ceil_refuses(x):
    with pytest.raises(ValueError):
        nice_ceil(x)


def test_stress_chart_numbers(qtbot):
    chart = StressChart()
    qtbot.addWidget(chart)
    assert chart.objectName() == "stressChart"
    unit = make_unit()
    moves, pnl = make_curves()
    chart.show_unit(moves, pnl, unit)

    for i, state in enumerate(("down", "same", "up")):
        x, y = chart.curves[state].getData()
        np.testing.assert_array_equal(x, moves)
        np.testing.assert_array_equal(y, pnl[i])
    gx, gy = chart.markers.data("grid")
    assert len(gx) == 21
    np.testing.assert_array_equal(gx, np.tile(MR1_MOVES, 3))
    np.testing.assert_array_equal(gy, MR1_PNL.ravel())
    mx, my = chart.markers.data("mr6")
    np.testing.assert_array_equal(mx, MR6_MOVES)
    np.testing.assert_array_equal(my, MR6_PNL)
    assert chart.worst_position() == (0.12, -1164.0)
    assert chart.worst_label.textItem.toPlainText() == f"MR1 worst: {MINUS}1,164 USD at +12 %, vol up"
    assert chart.zero_line.value() == 0.0

    (x0, x1), (y0, y1) = chart.view_range()
    lo_x, hi_x = -0.3, 0.3
    lo_y, hi_y = min(pnl.min(), MR6_PNL.min()), max(pnl.max(), 0.0)
    assert x0 < lo_x and x1 > hi_x                                       # margin on both sides
    assert x0 > lo_x - 0.1 and x1 < hi_x + 0.1                           # ... but not auto-ranged far away
    assert y0 < lo_y and y1 > hi_y
    assert (y1 - y0) < 2 * (hi_y - lo_y)


def test_stress_chart_reuses_items(qtbot):
    chart = StressChart()
    qtbot.addWidget(chart)
    chart.show_unit(*make_curves(), make_unit())
    pi = chart.getPlotItem()
    items_before = list(pi.items)
    ids = {k: id(v) for k, v in chart.curves.items()}
    scatter_ids = (id(chart.markers), id(chart.worst_label))
    legend_rows = len(chart.legend.items)

    moves, pnl = make_curves(scale=2.0)
    unit2 = make_unit("ETH-USD", scale=2.0)
    chart.show_unit(moves, pnl, unit2)
    assert list(pi.items) == items_before                              # nothing added or removed
    assert {k: id(v) for k, v in chart.curves.items()} == ids
    assert (id(chart.markers), id(chart.worst_label)) == scatter_ids
    assert len(chart.legend.items) == legend_rows
    np.testing.assert_array_equal(chart.curves["up"].getData()[1], pnl[2])
    assert chart.worst_position() == (0.12, -2328.0)
    assert (chart.view_range()[1][0]) < 2 * MR6_PNL.min()

    chart.clear()
    assert list(pi.items) == items_before
    cleared_x = chart.curves["same"].getData()[0]
    assert cleared_x is None or len(cleared_x) == 0
    assert not chart.worst_label.isVisible()


@pytest.mark.parametrize("size", [(1000, 600), (380, 260)])
def test_stress_worst_label_inside_view(qtbot, size):
    chart = show(qtbot, StressChart(), *size)
    chart.show_unit(*make_curves(), make_unit())
    settle(qtbot, chart)
    vb_rect = chart.getPlotItem().getViewBox().sceneBoundingRect()
    label_rect = chart.worst_label.sceneBoundingRect()
    assert vb_rect.contains(label_rect), (vb_rect, label_rect)
    text = chart.worst_label.textItem.toPlainText()
    assert text.replace("\n", " ") == f"MR1 worst: {MINUS}1,164 USD at +12 %, vol up"
    assert ("\n" in text) == (size[0] < 500)                # wrapped only when narrow


def test_stress_chart_rejects_bad_shapes(qtbot):
    chart = StressChart()
    qtbot.addWidget(chart)
    moves, pnl = make_curves()
    with pytest.raises(ValueError):
        chart.show_unit(moves, pnl[:2], make_unit())


def test_stress_crosshair_snaps_and_hides(qtbot):
    chart = show(qtbot, StressChart())
    moves, pnl = make_curves()
    chart.show_unit(moves, pnl, make_unit())
    k = 45                                       # moves[45] = +0.15
    step = moves[1] - moves[0]
    hover(qtbot, chart, moves[k] + 0.3 * step, pnl[2, k] - 5.0)     # near the vol-up curve, off the grid point
    assert chart.crosshair.vline.value() == pytest.approx(moves[k])
    assert chart.crosshair.hline.value() == pytest.approx(pnl[2, k])    # follows the nearest vol state
    text = chart.crosshair.text()
    assert "move +15.0 %" in text
    for i, state in enumerate(("down", "same", "up")):
        assert f"vol {state}: {fmt_usd(pnl[i, k])}" in text

    chart.scene().sigMouseMoved.emit(QtCore.QPointF(1.0, 1.0))           # outside the view box
    qtbot.waitUntil(lambda: not chart.crosshair.is_visible(), timeout=2000)

    hover(qtbot, chart, moves[k], pnl[2, k])
    chart.leaveEvent(QtCore.QEvent(QtCore.QEvent.Type.Leave))
    assert not chart.crosshair.is_visible()


# ---------------------------------------------------------------------------------------------------------- heatmap


def make_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    moves = np.linspace(-0.2, 0.2, 41)
    vols = np.linspace(-0.3, 0.3, 13)
    grid = 200.0 - 12000.0 * moves[None, :] ** 2 - 1500.0 * vols[:, None]   # max +650, min -730
    return moves, vols, grid


def test_heatmap_numbers_and_identity(qtbot):
    chart = HeatmapChart()
    qtbot.addWidget(chart)
    assert chart.objectName() == "heatmapChart"
    moves, vols, grid = make_grid()
    chart.show_grid(moves, vols, grid)
    assert float(np.abs(grid).max()) == pytest.approx(730.0)
    assert chart.levels() == pytest.approx((-800.0, 800.0))         # 730 rounded up to the ladder: 800
    assert chart.colorbar.levels() == pytest.approx((-800.0, 800.0))
    np.testing.assert_array_equal(chart.image.image, grid)
    # pixels centred on the grid values: cell width 0.01 in move, 0.05 in vol
    rect = chart.image.mapRectToParent(chart.image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((-0.205, 0.205))
    assert (rect.top(), rect.bottom()) == pytest.approx((-0.325, 0.325))
    (x0, x1), (y0, y1) = chart.view_range()
    assert (x0, x1) == pytest.approx((-0.205, 0.205))
    assert (y0, y1) == pytest.approx((-0.325, 0.325))

    image_id, bar_id, contour_id = id(chart.image), id(chart.colorbar), id(chart.zero_contour)
    items = list(chart.getPlotItem().items)
    chart.show_grid(moves, vols, grid * 3.0 - 5000.0)                  # all losses: levels still symmetric
    lo, hi = chart.levels()
    assert float(np.abs(grid * 3.0 - 5000.0).max()) == pytest.approx(7190.0)
    assert (lo, hi) == pytest.approx((-8000.0, 8000.0))
    assert (id(chart.image), id(chart.colorbar), id(chart.zero_contour)) == (image_id, bar_id, contour_id)
    assert list(chart.getPlotItem().items) == items

    with pytest.raises(ValueError):
        chart.show_grid(moves, vols, grid.T)


def test_heatmap_colormap_losses_red(qtbot):
    chart = HeatmapChart()
    qtbot.addWidget(chart)
    cmap = chart.colorbar.colorMap()
    lo = cmap.map(0.0, mode=cmap.QCOLOR)
    hi = cmap.map(1.0, mode=cmap.QCOLOR)
    assert lo.red() > lo.blue() and hi.blue() > hi.red()                 # CET-D1 reversed: losses red


def test_heatmap_crosshair_readout(qtbot):
    chart = show(qtbot, HeatmapChart())
    moves, vols, grid = make_grid()
    chart.show_grid(moves, vols, grid)
    i, j = 30, 9                                                         # +10 %, +15 vol points
    hover(qtbot, chart, moves[i] + 0.003, vols[j] - 0.01)
    assert chart.crosshair.point == pytest.approx((moves[i], vols[j]))
    text = chart.crosshair.text()
    assert "move +10.0 %" in text and "vol +15.0 pts" in text
    assert fmt_usd(grid[j, i]) in text


# -------------------------------------------------------------------------------------------------------- breakdown


UNIT_A = {"mr1": 1000.0, "mr2": 300.0, "mr3": 200.0, "mr4": 50.0, "mr5": 5.0, "mr6": 900.0, "mr7": 100.0,
          "mr8": 0.0, "mr9": 20.0}                 # core MR1 1000, sum 1275
UNIT_B = {"mr1": 100.0, "mr2": 400.0, "mr3": 0.0, "mr4": 10.0, "mr5": 0.0, "mr6": 250.0, "mr7": 50.0,
          "mr8": 0.0, "mr9": 0.0}                  # core MR2 400, sum 410
UNIT_C = {"mr1": 20.0, "mr2": 5.0, "mr3": 10.0, "mr4": 5.0, "mr5": 0.0, "mr6": 60.0, "mr7": 300.0,
          "mr8": 0.0, "mr9": 0.0}                  # core MR6 60, sum 75 < MR7 300: floor


def test_breakdown_heights_and_floor(qtbot):
    chart = MrBreakdownChart()
    qtbot.addWidget(chart)
    assert chart.objectName() == "mrBreakdownChart"
    result = make_result((make_unit("BTC-USD", UNIT_A), make_unit("ETH-USD", UNIT_B), make_unit("SOL-USD", UNIT_C)))
    chart.show_result(result)
    h = chart.heights()
    np.testing.assert_allclose(h["core"], [1000.0, 400.0, 60.0])
    np.testing.assert_allclose(h["mr3"], [200.0, 0.0, 10.0])
    np.testing.assert_allclose(chart.stack_totals(), [1275.0, 410.0, 75.0])
    np.testing.assert_allclose(chart.component("mr3")[2], [1000.0, 400.0, 60.0])       # stacked on the core
    np.testing.assert_allclose(chart.component("mr9")[2], [1255.0, 410.0, 75.0])
    np.testing.assert_array_equal(chart.component("core")[0], [0.0, 1.0, 2.0])
    # drawn by one item: 5 components x 3 units, each bar in its component's colour
    assert len(chart.stack.opts["height"]) == 15
    assert [b.color().name() for b in chart.stack.opts["brushes"][::3]] == [
        chart._colours(chart.theme)[k] for k in ("core", "mr3", "mr4", "mr5", "mr9")]
    assert chart.unit_names() == ["BTC-USD", "ETH-USD", "SOL-USD"]
    ticks = chart.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == ["BTC-USD", "ETH-USD", "SOL-USD"]
    assert [chart._dominant_labels[i].textItem.toPlainText() for i in range(2)] == ["MR1", "MR2"]
    # MR7 shown only where it is the floor (unit C)
    np.testing.assert_array_equal(chart.mr7_floor.opts["x"], [2.0])
    np.testing.assert_array_equal(chart.mr7_floor.opts["height"], [300.0])
    # the totals share one style (largest 1,275: thousands, one decimal): 300 reads 0.3k
    assert chart._total_labels[2].textItem.toPlainText() == "MMR 0.3k (MR7)"
    (x0, x1), (y0, y1) = chart.view_range()
    assert x0 < -0.3 and x1 > 2.3 and y1 > 1275.0 and y0 <= 0.0


def test_breakdown_reuses_items_when_unit_count_changes(qtbot):
    chart = MrBreakdownChart()
    qtbot.addWidget(chart)
    chart.show_result(make_result((make_unit("BTC-USD", UNIT_A), make_unit("ETH-USD", UNIT_B),
                                   make_unit("SOL-USD", UNIT_C))))
    stack_id = id(chart.stack)
    floor_id = id(chart.mr7_floor)
    pool = [id(t) for t in chart._total_labels]
    chart.show_result(make_result((make_unit("ETH-USD", UNIT_B),)))
    assert id(chart.stack) == stack_id and id(chart.mr7_floor) == floor_id
    assert len(chart.stack.opts["height"]) == 5                            # 5 components x 1 unit
    assert [id(t) for t in chart._total_labels] == pool                  # pool kept, extra labels hidden
    assert [t.isVisible() for t in chart._total_labels] == [True, False, False]
    np.testing.assert_allclose(chart.stack_totals(), [410.0])
    assert len(chart.mr7_floor.opts["x"]) == 0

    chart.show_result(make_result((), acct_lv="3"))                     # multi-currency: no risk units
    assert chart.is_empty()
    assert chart.empty_text.isVisible()
    assert "No positions" in chart.empty_text.textItem.toPlainText()      # MC: families; none here
    assert len(chart.stack.opts["x"]) == 0
    assert not any(t.isVisible() for t in chart._total_labels)
    chart.show_result(make_result((make_unit("BTC-USD", UNIT_A),)))
    assert not chart.empty_text.isVisible()
    np.testing.assert_allclose(chart.stack_totals(), [1275.0])


def test_breakdown_crosshair(qtbot):
    chart = show(qtbot, MrBreakdownChart())
    chart.show_result(make_result((make_unit("BTC-USD", UNIT_A), make_unit("ETH-USD", UNIT_B))))
    hover(qtbot, chart, 1.2, 100.0)
    text = chart.crosshair.text()
    assert text.startswith("ETH-USD")
    assert "= MR2: 400 USD" in text and "MMR: 410 USD" in text
    assert chart.crosshair.point == pytest.approx((1.0, 410.0))


# ----------------------------------------------------------------------------------------------------- margin curve


def make_margin_curve():
    shocks = np.round(np.linspace(-1.0, 1.0, 201), 6)
    mmr = 1000.0 + 20000.0 * shocks ** 2
    eq = 6000.0 - 30000.0 * np.abs(shocks)
    with np.errstate(divide="ignore"):
        ratio = eq / mmr
    ratio[100] = np.inf              # pretend nothing needs margin at the origin ... would hide the marker; undo below
    ratio[100] = 6.0
    ratio[:5] = np.nan               # undefined at the far left
    ratio[-3:] = np.inf
    return shocks, mmr, ratio, (-0.16, 0.16)


def test_margin_curve_numbers(qtbot):
    chart = MarginCurveChart()
    qtbot.addWidget(chart)
    assert chart.objectName() == "marginCurveChart"
    shocks, mmr, ratio, liq = make_margin_curve()
    chart.show_curve(shocks, mmr, ratio, liq)
    x, y = chart.mmr_curve.getData()
    np.testing.assert_array_equal(x, shocks)
    np.testing.assert_array_equal(y, mmr)
    rx, ry = chart.ratio_curve.getData()
    np.testing.assert_array_equal(rx, shocks)
    ok = np.isfinite(ratio) & (ratio > 0)
    np.testing.assert_allclose(ry[ok], np.clip(np.log10(ratio[ok]), -3, 5))
    assert np.isnan(ry[~ok]).all()                       # nan, inf and negative ratios are gaps
    assert chart.liquidation_positions() == [pytest.approx(-0.16), pytest.approx(0.16)]
    assert chart.liq_lines[0].label.textItem.toPlainText() == f"Liquidation down\n{MINUS}16.0 %"
    cx, cy = chart.current_mmr.getData()
    assert (cx[0], cy[0]) == (0.0, 1000.0)
    (x0, x1), (y0, y1) = chart.view_range()
    assert x0 < -1.0 and x1 > 1.0 and y0 < 1000.0 and y1 > 21000.0
    r0, r1 = chart.ratio_range()
    assert r0 < 0.0 < r1                                  # the ratio = 1 line (log 0) is in view
    assert chart.ratio_one.value() == 0.0

    items = list(chart.getPlotItem().items) + list(chart.ratio_view.addedItems)
    chart.show_curve(shocks, mmr * 2, ratio / 2, (None, 0.5))
    assert list(chart.getPlotItem().items) + list(chart.ratio_view.addedItems) == items
    assert chart.liquidation_positions() == [None, pytest.approx(0.5)]
    chart.show_curve(shocks, mmr, ratio, None)
    assert chart.liquidation_positions() == [None, None]


def test_margin_curve_crosshair(qtbot):
    chart = show(qtbot, MarginCurveChart())
    shocks, mmr, ratio, liq = make_margin_curve()
    chart.show_curve(shocks, mmr, ratio, liq)
    hover(qtbot, chart, -0.502, 5000.0)
    text = chart.crosshair.text()
    assert f"move {MINUS}50.0 %" in text
    assert f"MMR: {fmt_usd(mmr[50])}" in text                      # 6,000 USD
    assert f"margin ratio: {fmt_ratio(ratio[50])}" in text
    assert "liquidation" in text                                    # ratio < 1 there


# ------------------------------------------------------------------------------------------ export and theme, all four


def _filled(kind: str):
    if kind == "stress":
        chart = StressChart()
        chart.show_unit(*make_curves(), make_unit())
    elif kind == "heatmap":
        chart = HeatmapChart()
        chart.show_grid(*make_grid())
    elif kind == "breakdown":
        chart = MrBreakdownChart()
        chart.show_result(make_result((make_unit("BTC-USD", UNIT_A), make_unit("ETH-USD", UNIT_B))))
    else:
        chart = MarginCurveChart()
        shocks, mmr, ratio, liq = make_margin_curve()
        chart.show_curve(shocks, mmr, ratio, liq)
    return chart


KINDS = ("stress", "heatmap", "breakdown", "margin")


@pytest.mark.parametrize("kind", KINDS)
def test_export_png_size(qtbot, tmp_path, kind):
    chart = _filled(kind)
    qtbot.addWidget(chart)
    chart.resize(500, 300)
    size_before = chart.size()
    path = chart.export_png(tmp_path / f"{kind}.png")
    img = QtGui.QImage(path)
    assert (img.width(), img.height()) == (1200, 700)
    small = QtGui.QImage(chart.export_png(tmp_path / f"{kind}-small.png", width=640, height=400))
    assert (small.width(), small.height()) == (640, 400)
    assert chart.size() == size_before
    # something was drawn besides the background
    assert changed_fraction(img, _blank(1200, 700, chart.theme.background)) > 0.02


def _blank(w: int, h: int, colour: str) -> QtGui.QImage:
    img = QtGui.QImage(w, h, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtGui.QColor(colour))
    return img


@pytest.mark.parametrize("kind", KINDS)
def test_apply_theme_recolours_grab(qtbot, kind):
    chart = _filled(kind)
    qtbot.addWidget(chart)
    chart.apply_theme(LIGHT)
    light = chart.render_image(600, 400)
    assert light.pixelColor(2, 2).name() == LIGHT.background
    chart.apply_theme(DARK)
    dark = chart.render_image(600, 400)
    assert dark.pixelColor(2, 2).name() == DARK.background
    assert changed_fraction(light, dark) > 0.3
    assert chart.theme is DARK


def test_apply_theme_recolours_items(qtbot):
    chart = StressChart()
    qtbot.addWidget(chart)
    chart.show_unit(*make_curves(), make_unit())
    chart.apply_theme(DARK)
    assert chart.curves["up"].opts["pen"].color().name() == DARK.vol_up
    assert chart.curves["down"].opts["pen"].color().name() == DARK.vol_down
    assert chart.curves["same"].opts["pen"].width() <= 1
    styles = chart.markers.styles("grid")
    assert styles[0].brush.color().name() == DARK.vol_down and styles[-1].brush.color().name() == DARK.vol_up
    assert chart.getPlotItem().getAxis("left").textPen().color().name() == DARK.foreground


@pytest.mark.parametrize("kind", KINDS)
def test_teardown_after_export_is_clean(capfd, tmp_path, kind):
    """Charts rendered and then dropped must not make Qt call into deleted Python items on teardown."""
    import gc

    for _ in range(3):
        chart = _filled(kind)
        chart.export_png(tmp_path / "t.png", 400, 300)
        del chart
        gc.collect()
    err = capfd.readouterr().err
    assert "Error calling Python override" not in err
    assert "already deleted" not in err


def test_non_finite_inputs_do_not_warn_or_break(qtbot, tmp_path):
    """NaN/inf from the engine (undefined scenarios) are gaps, never warnings (filterwarnings = error)."""
    stress = StressChart()
    qtbot.addWidget(stress)
    moves, pnl = make_curves()
    pnl = pnl.copy()
    pnl[1, 10:14] = np.nan
    stress.show_unit(moves, pnl, make_unit())
    (y0, y1) = stress.view_range()[1]
    assert np.isfinite(y0) and np.isfinite(y1)

    heat = HeatmapChart()
    qtbot.addWidget(heat)
    mv, vs, grid = make_grid()
    grid = grid.copy()
    grid[0, :5] = np.nan
    heat.show_grid(mv, vs, grid)
    assert heat.levels() == pytest.approx((-800.0, 800.0))          # the NaN cells are left out

    curve = MarginCurveChart()
    qtbot.addWidget(curve)
    shocks = np.linspace(-1, 1, 21)
    curve.show_curve(shocks, np.full(21, 100.0), np.full(21, np.inf), None)   # nothing needs margin anywhere
    assert np.isnan(curve.ratio_curve.getData()[1]).all()
    assert curve.current_ratio.getData()[0].size == 0
    for chart in (stress, heat, curve):
        chart.export_png(tmp_path / f"{chart.objectName()}.png", 300, 200)


def _colour_counts(img: QtGui.QImage, colours: list[str], tol: int = 12) -> list[int]:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
    rgb = a.reshape(img.height(), img.width(), 4)[:, :, 2::-1].astype(int)          # BGRA -> RGB
    out = []
    for c in colours:
        q = QtGui.QColor(c)
        d = np.abs(rgb - np.array([q.red(), q.green(), q.blue()])).max(axis=2)
        out.append(int((d <= tol).sum()))
    return out


def test_renders_show_the_data_in_theme_colours(qtbot):
    """The PNG really shows the data: each vol curve's colour is drawn, and the stacked bars' pixel heights are in
    the ratio of the hand-made MMR totals."""
    stress = StressChart()
    qtbot.addWidget(stress)
    stress.apply_theme(LIGHT)
    stress.show_unit(*make_curves(), make_unit())
    counts = _colour_counts(stress.render_image(800, 500), [LIGHT.vol_down, LIGHT.vol_same, LIGHT.vol_up])
    assert min(counts) > 150, counts

    bars = MrBreakdownChart()
    qtbot.addWidget(bars)
    bars.apply_theme(LIGHT)
    a, b = dict(UNIT_A, mr2=0.0, mr6=0.0), dict(UNIT_B, mr1=0.0, mr6=0.0)     # core = MR1 1000 vs MR2 400
    bars.show_result(make_result((make_unit("BTC-USD", a), make_unit("ETH-USD", b))))
    img = bars.render_image(800, 500).convertToFormat(QtGui.QImage.Format.Format_RGB32)
    accent = QtGui.QColor(LIGHT.accent)
    row = int(img.height() * 0.8)                   # a row crossing both core bars near their base
    runs, begin = [], None
    for px in range(img.width() + 1):
        on = px < img.width() and img.pixelColor(px, row) == accent
        if on and begin is None:
            begin = px
        if not on and begin is not None:
            runs.append((begin, px - 1))
            begin = None
    assert len(runs) == 2, runs
    heights = []
    for left, _right in runs:
        col = left + 3                              # near the bar's edge, away from the "MR1" label text
        ys = [y for y in range(img.height()) if img.pixelColor(col, y) == accent]
        heights.append(max(ys) - min(ys) + 1)
    assert heights[0] / heights[1] == pytest.approx(1000.0 / 400.0, rel=0.03)


# ------------------------------------------------------------------------------------------------------ grid lines


def axis_tick_pixels(axis, vb) -> list[float]:
    """Where the axis itself draws its tick marks (from its own draw specs), in the ViewBox's pixel coordinates."""
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        _axis_spec, tick_specs, _text_specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    horizontal = axis.orientation in ("bottom", "top")
    out = []
    for _pen, p1, _p2 in tick_specs:
        p = axis.mapToItem(vb, QtCore.QPointF(p1))
        out.append(p.x() if horizontal else p.y())
    return sorted(out)


@pytest.mark.parametrize("kind", ["stress", "curve"])
def test_grid_lines_sit_on_the_axis_ticks(qtbot, kind):
    if kind == "stress":
        chart = show(qtbot, StressChart())
        chart.show_unit(*make_curves(), make_unit())
    else:
        chart = show(qtbot, MarginCurveChart())
        chart.show_curve(*make_margin_curve())
    settle(qtbot, chart)
    pi = chart.getPlotItem()
    vb = pi.getViewBox()
    lines = chart.grid_lines.line_positions()
    want_x = axis_tick_pixels(pi.getAxis("bottom"), vb)
    want_y = axis_tick_pixels(pi.getAxis("left"), vb)
    assert len(want_x) >= 3 and len(want_y) >= 3
    np.testing.assert_allclose(sorted(lines["x"]), want_x, atol=0.5)
    np.testing.assert_allclose(sorted(lines["y"]), want_y, atol=0.5)


def test_axes_do_not_repaint_when_only_the_data_changes(qtbot, monkeypatch):
    """The grid is drawn under the data, not by the axes: a curve changing inside an unchanged view range leaves
    the axes alone (an AxisItem drawing a grid covers the plot and repainted with every data change)."""
    chart = show(qtbot, StressChart())
    moves, pnl = make_curves()
    unit = make_unit()
    chart.show_unit(moves, pnl, unit)
    settle(qtbot, chart)
    pi = chart.getPlotItem()
    painted: list[str] = []
    for name in ("left", "bottom"):
        axis = pi.getAxis(name)
        assert axis.grid is False
        monkeypatch.setattr(axis, "paint", lambda *a, _n=name, _orig=axis.paint: (painted.append(_n), _orig(*a)))
    view_before = chart.view_range()
    middle = pnl * 0.0 + pnl.mean()                       # flat curves well inside the current range
    for i, state in enumerate(("down", "same", "up")):
        chart.curves[state].setData(moves, middle[i])
    for _ in range(5):                                    # let the scene repaint what changed, as in the app
        QtWidgets.QApplication.processEvents()
        qtbot.wait(10)
    assert chart.view_range() == view_before
    assert painted == []


def test_breakdown_grid_follows_the_empty_state(qtbot):
    chart = show(qtbot, MrBreakdownChart())
    chart.show_result(make_result((make_unit("BTC-USD", UNIT_A),)))
    settle(qtbot, chart)
    assert chart.grid_lines.line_positions()["y"]
    assert chart.grid_lines.line_positions()["x"] == []      # categories: no vertical lines
    chart.show_result(make_result((), acct_lv="3"))
    assert chart.grid_lines.line_positions()["y"] == []
    chart.show_result(make_result((make_unit("BTC-USD", UNIT_A),)))
    assert chart.grid_lines.line_positions()["y"]


def test_stress_live_updates_hold_the_pnl_axis(qtbot):
    chart = StressChart()
    qtbot.addWidget(chart)
    moves, pnl = make_curves()
    chart.show_unit(moves, pnl, make_unit())                                   # committed: fitted to the data
    fitted = chart.view_range()[1]
    chart.show_unit(moves, pnl * 0.9, make_unit(scale=0.9), live=True)         # inside, fills most of it: held
    assert chart.view_range()[1] == fitted
    chart.show_unit(moves, pnl * 3.0, make_unit(scale=3.0), live=True)         # leaves it: a new, roomier range
    y0, y1 = chart.view_range()[1]
    lo = min(pnl.min(), MR6_PNL.min()) * 3.0
    assert y0 < lo and (y1 - y0) > 3.0 * (fitted[1] - fitted[0])
    chart.show_unit(moves, pnl * 0.2, make_unit(scale=0.2), live=True)         # fills under half of it: refitted
    assert (chart.view_range()[1][1] - chart.view_range()[1][0]) < (y1 - y0) / 2
    chart.show_unit(moves, pnl * 0.9, make_unit(scale=0.9))                    # committed again: exact fit
    held = chart.view_range()[1]
    fresh = StressChart()
    qtbot.addWidget(fresh)
    fresh.show_unit(moves, pnl * 0.9, make_unit(scale=0.9))
    assert held == fresh.view_range()[1]


def test_breakdown_live_updates_hold_the_margin_axis(qtbot):
    chart = MrBreakdownChart()
    qtbot.addWidget(chart)
    chart.show_result(make_result((make_unit("BTC-USD", UNIT_A),)))
    top = chart.view_range()[1][1]
    smaller = {k: v * 0.8 for k, v in UNIT_A.items()}
    chart.show_result(make_result((make_unit("BTC-USD", smaller),)), live=True)
    assert chart.view_range()[1][1] == top
    chart.show_result(make_result((make_unit("BTC-USD", smaller),)))
    assert chart.view_range()[1][1] < top


def test_grid_lines_are_opaque_blends_of_the_line_colour_over_the_background(qtbot):
    """Translucent 1-px lines take Qt's slow raster path (30-60x an opaque one): the grid is pre-blended."""
    from workstation.charts.grid import blend
    c = blend(QtGui.QColor("#000000"), QtGui.QColor("#ffffff"), 0.25)     # a quarter of black over white
    assert (c.red(), c.green(), c.blue(), c.alpha()) == (191, 191, 191, 255)
    c = blend(QtGui.QColor("#6b7480"), QtGui.QColor("#ffffff"), 1.0)
    assert c.name() == "#6b7480"
    chart = show(qtbot, StressChart())
    chart.show_unit(*make_curves(), make_unit())
    settle(qtbot, chart)
    grid = chart.grid_lines
    grid.line_positions()                                                  # builds the lines
    pens = [pen for pen, _lines in grid._lines]
    assert pens and all(p.color().alpha() == 255 for p in pens)
    chart.apply_theme(DARK)
    grid.line_positions()
    dark_bg = QtGui.QColor(DARK.background)
    for pen, _lines in grid._lines:          # between the background and the muted colour of the dark theme
        assert abs(pen.color().lightnessF() - dark_bg.lightnessF()) < abs(
            QtGui.QColor(DARK.muted).lightnessF() - dark_bg.lightnessF())


def test_heatmap_live_updates_hold_the_colour_scale(qtbot):
    chart = HeatmapChart()
    qtbot.addWidget(chart)
    moves, vols, grid = make_grid()                                   # max |P&L| 730
    chart.show_grid(moves, vols, grid)
    assert chart.levels() == pytest.approx((-800.0, 800.0))
    chart.show_grid(moves, vols, grid * 0.6, live=True)               # 438: inside [400, 800] -> kept
    assert chart.levels() == pytest.approx((-800.0, 800.0))
    chart.show_grid(moves, vols, grid * 1.5, live=True)               # 1095 leaves it: nice_ceil(1.5 x 1095) = 2000
    assert chart.levels() == pytest.approx((-2000.0, 2000.0))
    chart.show_grid(moves, vols, grid * 1.5)                          # committed: nice_ceil(1095) = 1200
    assert chart.levels() == pytest.approx((-1200.0, 1200.0))


def test_stress_markers_are_drawn_where_their_data_are(qtbot):
    """The MR1 worst star, the MR6 diamonds and the MR1 grid points are on screen at their data positions, in
    their fill colours (centre pixel of each marker in a grab of the shown widget)."""
    chart = show(qtbot, StressChart(), 900, 560)
    chart.apply_theme(LIGHT)
    chart.show_unit(*make_curves(), make_unit())
    settle(qtbot, chart)
    image = chart.grab().toImage()
    vb = chart.getPlotItem().getViewBox()

    def pixel(x: float, y: float) -> str:
        p = chart.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, y)))
        return image.pixelColor(p.x(), p.y()).name()

    assert pixel(0.12, -1164.0) == LIGHT.negative                        # MR1 worst: +12 %, vol up
    assert pixel(-0.3, -2900.0) == LIGHT.warning                         # MR6 extremes
    assert pixel(0.3, -3050.0) == LIGHT.warning
    assert pixel(-0.12, -610.0) == LIGHT.vol_down                        # MR1 grid, one point per vol state
    assert pixel(0.0, 0.0) == LIGHT.vol_same
    assert pixel(-0.08, -700.0) == LIGHT.vol_up


def test_marker_layer_refuses_mismatched_groups(qtbot):
    from workstation.charts.markers import MarkerStyle, marker_pen
    chart = StressChart()
    qtbot.addWidget(chart)
    style = MarkerStyle("o", 7, marker_pen("#000000"), QtGui.QBrush(QtGui.QColor("#ff0000")))
    with pytest.raises(ValueError, match="2 x values for 1 y"):
        chart.markers.set_group("g", [1.0, 2.0], [1.0], style)
    with pytest.raises(ValueError, match="1 styles for 2 points"):
        chart.markers.set_group("g", [1.0, 2.0], [1.0, 2.0], [style])


def test_heatmap_marks_the_current_state(qtbot):
    chart = show(qtbot, HeatmapChart(), 700, 500)
    chart.apply_theme(LIGHT)
    moves, vols, grid = make_grid()
    chart.show_grid(moves, vols, grid)
    settle(qtbot, chart)
    assert [list(a) for a in chart.markers.data("current")] == [[0.0], [0.0]]
    image = chart.grab().toImage()
    vb = chart.getPlotItem().getViewBox()
    p = chart.mapFromScene(vb.mapViewToScene(QtCore.QPointF(0.0, 0.0)))
    ink = min(LIGHT.background, LIGHT.foreground, key=lambda c: QtGui.QColor(c).lightnessF())
    assert image.pixelColor(p.x(), p.y()).name() == ink                      # the centre of the "+"
    chart.show_grid(moves + 0.5, vols, grid)                                  # (0, 0) outside the grid: no marker
    assert chart.markers.data("current")[0].size == 0


def test_held_range_grows_on_the_side_the_data_left_it(qtbot):
    chart = StressChart()
    qtbot.addWidget(chart)
    assert chart._held_y(0.0, 100.0, live=False) == (0.0, 100.0)          # committed: exact
    assert chart._held_y(10.0, 90.0, live=True) == (0.0, 100.0)           # inside, fills 80 %: kept
    # out at the top: the bottom stays, the top gets half the data's span (140) of room: 150 + 70
    assert chart._held_y(10.0, 150.0, live=True) == pytest.approx((0.0, 220.0))
    # back inside but filling 90 / 220 < half: refitted with 10 % of the span on each side
    assert chart._held_y(10.0, 100.0, live=True) == pytest.approx((1.0, 109.0))

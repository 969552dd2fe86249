"""Chart labels never overlap: the margin curve's two liquidation labels in a quarter of a 1280x720 window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication


@pytest.mark.parametrize("size", [(215, 190), (215, 140), (400, 300)])
@pytest.mark.parametrize("liq", [(-0.05, 0.03), (-0.3, 0.3), (-0.9, 0.02)])
def test_liquidation_labels_never_overlap(qtbot, size, liq):
    from workstation.charts.margin_curve import MarginCurveChart

    chart = MarginCurveChart()
    qtbot.addWidget(chart)
    s = np.linspace(-1, 1, 201)
    chart.show_curve(s, 1e4 * (1 + s ** 2), 50 * (1 - s), liq)
    chart.resize(*size)
    chart.show()
    qtbot.waitExposed(chart)
    for _ in range(3):
        QApplication.processEvents()
    down, up = (line.label for line in chart.liq_lines)
    assert down.isVisible() and up.isVisible()
    a, b = down.sceneBoundingRect(), up.sceneBoundingRect()
    assert not a.intersects(b), f"labels overlap: {a} and {b}"
    view = chart.getPlotItem().getViewBox().sceneBoundingRect()
    assert view.top() <= b.top() and b.bottom() <= view.bottom()           # the moved label stays in the view
    for label in (down, up):                                                # and each still names its move
        assert "%" in label.textItem.toPlainText()


def test_six_family_breakdown_names_and_totals_do_not_run_together(qtbot):
    """Multi-currency breakdown with six bars in a 215-pixel chart: no two bar names, no two totals overlap."""
    from types import SimpleNamespace as NS

    from workstation.charts.breakdown import MrBreakdownChart

    mmr = {"BTC": 1500.0, "XRP": 772.1, "LTC": 651.8, "ETH": 651.1, "DOGE": 328.3}
    positions = [NS(family=f"{c}-USDT", inst_id=f"{c}-USDT-SWAP", inst_type="SWAP", mmr=v, imr=2 * v)
                 for c, v in mmr.items()]
    result = NS(units=(), acct_lv="3", positions=positions, borrow_mmr=4746.0)
    chart = MrBreakdownChart()
    qtbot.addWidget(chart)
    chart.resize(215, 190)
    chart.show()
    qtbot.waitExposed(chart)
    chart.show_result(result)
    for _ in range(3):
        QApplication.processEvents()
    assert chart.unit_names() == ["BTC", "XRP", "LTC", "ETH", "DOGE", "MR8"]
    axis = chart.getPlotItem().getAxis("bottom")
    fm = QFontMetricsF(axis.style.get("tickFont") or axis.font())
    ticks = axis._tickLevels[0]
    slot = chart.getPlotItem().getViewBox().width() / 6
    # too narrow for one line: every other name on a second line, so each name has two slots (elided if need be)
    assert [t.startswith("\n") for _x, t in ticks] == [False, True] * 3
    for _x, text in ticks:
        assert fm.horizontalAdvance(text.strip()) <= 2 * slot, f"{text!r} wider than two {slot:.0f}-pixel slots"
    assert [t.strip() for _x, t in ticks] == ["BTC", "XRP", "LTC", "ETH", "DOGE", "MR8"]   # short names stay whole
    totals = [lbl for lbl in chart._total_labels[:6] if lbl.isVisible()]
    assert len(totals) == 6
    rects = [lbl.sceneBoundingRect() for lbl in totals]
    for i in range(5):
        assert not rects[i].intersects(rects[i + 1]), f"totals {i} and {i + 1} overlap"
    view = chart.getPlotItem().getViewBox().sceneBoundingRect()
    assert all(view.top() <= r.top() for r in rects)             # upright totals fit under the top of the view

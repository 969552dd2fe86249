"""The multi-currency breakdown at 1280x720 on the real resized window: bar names of up to four characters ("MR8",
"DOGE") are never elided (they read "M\u2026" and "D\u2026"), and a name on the second line is drawn inside the chart."""

from __future__ import annotations

from PySide6.QtGui import QFontMetricsF

from test_layout_fit import _resize_like_a_user
from test_main_window import open_portfolio


def test_short_bar_names_stay_whole_at_1280x720(qtbot, window):
    open_portfolio(qtbot, window, "Multi-currency borrow book")          # acctLv 3, with borrowing (MR8)
    _resize_like_a_user(qtbot, window, 1280, 720)
    chart = window.charts["MrBreakdownChart"]
    assert chart.isVisible()
    names = chart.unit_names()
    assert "MR8" in names and any(len(n) == 4 for n in names)
    axis = chart.getPlotItem().getAxis("bottom")
    ticks = [text for _x, text in axis._tickLevels[0]]
    shown = [t.strip() for t in ticks]
    for name, text in zip(names, shown):
        if len(name) <= 4:
            assert text == name, f"{name!r} shown as {text!r}"
    assert not any("\u2026" in t for t, n in zip(shown, names) if len(n) <= 4)
    # each name within the room it has: one slot, or two when every other name stands on a second line
    fm = QFontMetricsF(axis.style.get("tickFont") or axis.font())
    staggered = any(t.startswith("\n") for t in ticks)
    room = chart.getPlotItem().getViewBox().width() / len(names) * (2 if staggered else 1)
    for text in shown:
        assert fm.horizontalAdvance(text) <= room, f"{text!r}: {fm.horizontalAdvance(text):.0f} px in {room:.0f}"
    # the axis is tall enough for its lines, and inside the chart widget (nothing cut at the bottom)
    lines = 2 if staggered else 1
    assert axis.height() >= lines * fm.lineSpacing()
    bottom = axis.mapRectToScene(axis.boundingRect()).bottom()
    assert bottom <= chart.sceneRect().bottom() + 0.5 and bottom <= chart.height()


def test_bar_totals_share_one_number_style(qtbot):
    """The totals over the bars are written like a table column: "1.5k" stood beside "772.1"."""
    from types import SimpleNamespace as NS

    from workstation.charts.breakdown import MrBreakdownChart

    mmr = {"BTC": 1500.0, "XRP": 772.1, "LTC": 651.8}
    positions = [NS(family=f"{c}-USDT", inst_id=f"{c}-USDT-SWAP", inst_type="SWAP", mmr=v, imr=2 * v)
                 for c, v in mmr.items()]
    chart = MrBreakdownChart()
    qtbot.addWidget(chart)
    chart.show_result(NS(units=(), acct_lv="3", positions=positions, borrow_mmr=4746.0))
    totals = [lbl.textItem.toPlainText() for lbl in chart._total_labels[:4]]
    # largest 4,746 (>= 1,000, below 100k): every bar in thousands with one decimal
    assert totals == ["1.5k", "0.8k", "0.7k", "4.7k"]
    chart.show_result(NS(units=(), acct_lv="3", positions=positions, borrow_mmr=2.5e6))   # millions, one decimal
    assert [lbl.textItem.toPlainText() for lbl in chart._total_labels[:4]] == ["0.0M", "0.0M", "0.0M", "2.5M"]
    chart.show_result(NS(units=(), acct_lv="3", positions=positions[1:], borrow_mmr=0.0))
    assert [lbl.textItem.toPlainText() for lbl in chart._total_labels[:2]] == ["772", "652"]    # below 1,000

"""The unit table's "Max spot" cell says why the maximum is what it is, in the spot-in-use control's words
(``widgets.spot_in_use.max_reason``), above all for a zero maximum (rules spec 11.12: min(coin available, the
derivatives' net short delta), 0 when the derivatives are not net short or there is no coin)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from conftest import WAIT_MS
from test_main_window import open_portfolio


def _tip(model, unit: str) -> str:
    row = model.row_of_unit(unit)
    return model.index(row, model.column_index("maxSpotInUse")).data(Qt.ItemDataRole.ToolTipRole)


def test_zero_maximum_gives_its_reason_in_the_cell_and_the_control(qtbot, window):
    # Directional delta-one book: BTC derivatives net long (3 BTC held), ETH net short with no ETH held
    open_portfolio(qtbot, window, "Directional delta-one book")
    view = window.findChild(QTableView, "riskUnitTable")
    model = view.model()
    eth, btc = _tip(model, "ETH"), _tip(model, "BTC")
    assert "max 0 ETH: no ETH balance to hedge with" in eth
    assert "max 0 BTC: the derivatives of BTC are not net short" in btc
    view.selectRow(model.row_of_unit("ETH"))                 # the control shows the same words
    qtbot.waitUntil(lambda: window.spot_control.ccy == "ETH", timeout=WAIT_MS)
    assert window.spot_control.max_label.text() == "max 0 ETH"
    reason = window.spot_control.reason_label
    assert reason.isVisibleTo(window) and reason.text() == "max 0 ETH: no ETH balance to hedge with"
    assert reason.text() in eth


def test_positive_maximum_names_the_coin_held_and_the_short_delta(qtbot):
    from db.demo import demo_market, demo_portfolios
    from engine import compute
    from workstation.models.tables import RiskUnitModel

    book = next(p for p in demo_portfolios() if p.name == "Multi-currency borrow book")
    result = compute(book, demo_market(), mode="pm")
    model = RiskUnitModel()
    model.set_units(result.units, book.asset_amounts(), result.assets)
    unit = result.unit("ETH")
    # 150 ETH held; the ETH derivatives are short 60 ETH of delta, so the maximum is min(150, 60) = 60
    assert book.asset_amounts()["ETH"] == 150 and abs(unit.max_spot_in_use - 60) < 1e-6
    tip = _tip(model, "ETH")
    assert "Max spot: 60 coin" in tip                          # the exact figure, in coin
    assert "the smaller of the ETH held (150 ETH)" in tip
    short = re.search(r"net short delta \(([\d.,]+) ETH\)", tip)
    assert short is not None and abs(float(short.group(1).replace(",", "")) - 60) < 0.01, tip


def test_a_zero_maximum_reason_keeps_the_window_within_1280x720(qtbot, window):
    """The reason beside the controls held the window 1,569 px wide at 1280x720 (Directional book, BTC unit)."""
    from test_layout_fit import _resize_like_a_user, _visible_rows

    open_portfolio(qtbot, window, "Directional delta-one book")
    _resize_like_a_user(qtbot, window, 1280, 720)
    assert window.width() == 1280 and window.height() == 720
    reason = window.spot_control.reason_label
    assert reason.isVisibleTo(window) and reason.text().startswith("max 0 BTC: ")
    assert reason.heightForWidth(reason.width()) <= reason.height()            # the whole sentence shows
    assert _visible_rows(window.findChild(QTableView, "riskUnitTable")) >= 3.0
    # the breakdown's totals stand inside the chart (upright "MMR 68,748" ran out of its top)
    chart = window.charts["MrBreakdownChart"]
    view = chart.getPlotItem().getViewBox().sceneBoundingRect()
    for label in chart._total_labels[:3]:
        assert label.isVisible() and view.top() <= label.sceneBoundingRect().top() + 0.5


def test_without_risk_units_the_control_says_why_instead_of_asking_for_one(qtbot, window):
    """Multi-currency mode has no risk units: the control said "select a risk unit", which no selection answers."""
    open_portfolio(qtbot, window, "Multi-currency borrow book")             # acctLv 3: multi-currency
    qtbot.waitUntil(lambda: window.result is not None and not window.result.units, timeout=WAIT_MS)
    ctl = window.spot_control
    assert ctl.max_label.text() == "no risk units in this account mode"
    assert not ctl.slider.isEnabled() and not ctl.entry.isEnabled()

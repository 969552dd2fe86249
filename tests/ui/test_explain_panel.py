"""The explain detail panel (issue 13): the selected unit's positions with their contributions and "MMR if closed",
computed on the compute service's worker; the margin-ratio tooltip shows the liquidation cost and adds up."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QTableView, QTableWidget

from conftest import WAIT_MS, wait_settled
from engine.explain import explain


def _open(qtbot, window, name: str) -> None:
    lst = window.findChild(QListWidget, "portfolioList")
    lst.setCurrentItem(lst.findItems(name, Qt.MatchFlag.MatchExactly)[0])
    wait_settled(qtbot, window)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_panel_lists_the_units_positions_with_mmr_if_closed(qtbot, window):
    _open(qtbot, window, "BTC delta-neutral options book")
    table = window.findChild(QTableWidget, "explainPositions")
    qtbot.waitUntil(lambda: table.rowCount() > 0 and window.explain_panel.unit == "BTC", timeout=WAIT_MS)
    doc = window.holder.doc
    expected = explain(doc.portfolio, doc.valuation_market(), hedge=False).unit("BTC").positions()
    shown = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert set(shown) == {row["instId"] for row in expected}
    col = 2                                                   # "MMR if closed $"
    assert table.horizontalHeaderItem(col).text().startswith("MMR if closed")
    for row in expected:
        assert _number(table.item(shown[row["instId"]], col).text()) == pytest.approx(row["mmrIfClosed"], abs=0.5)
    lines = window.findChild(type(window.explain_panel.lines), "explainLines").toPlainText()
    assert "MR1 = loss at index" in lines and "liquidation cost" in lines
    assert window.findChild(QTableWidget, "explainHedges").rowCount() > 0


def test_selecting_another_unit_explains_it(qtbot, window):
    _open(qtbot, window, "Directional delta-one book")
    view = window.findChild(QTableView, "riskUnitTable")
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "ETH")
    view.selectRow(row)
    qtbot.waitUntil(lambda: window.explain_panel.unit == "ETH", timeout=WAIT_MS)
    table = window.findChild(QTableWidget, "explainPositions")
    assert any(table.item(r, 0).text().startswith("ETH-") for r in range(table.rowCount()))


def test_margin_ratio_tooltip_adds_up_with_the_liquidation_cost(qtbot, window):
    _open(qtbot, window, "Multi-currency borrow book")
    r = window.result
    tip = window.summary.values["marginRatio"].toolTip()
    assert "MMR + liquidation cost" in tip
    m = re.search(r"= ([-\d,.]+) / \(([-\d,.]+) \+ ([-\d,.]+)\)", tip)
    assert m is not None, tip
    adj, mmr, liq = (_number(x) for x in m.groups())
    assert liq == pytest.approx(r.liq_cost, abs=0.006)
    assert adj / (mmr + liq) == pytest.approx(r.margin_ratio, rel=1e-3)

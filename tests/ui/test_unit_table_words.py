"""The risk-unit table says what it covers: the unit's delta leaves out the coin held outside spot in use (the
tooltip gives that coin and the coin's whole delta), and outside portfolio margin the empty grid says why."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from conftest import wait_settled
from test_main_window import open_portfolio
from test_mc_charts import mc_db, mc_window  # noqa: F401 - fixtures


def test_unit_delta_tooltip_gives_the_coin_outside_spot_in_use(qtbot, window):
    open_portfolio(qtbot, window, "BTC cash-and-carry")
    wait_settled(qtbot, window)
    doc = window.holder.doc
    view = window.findChild(QTableView, "riskUnitTable")
    model = view.model()
    unit = window.result.units[0]
    held = doc.portfolio.asset_amounts()["BTC"]
    assert 0 < unit.spot_in_use < held                          # part of the BTC joins the unit, the rest does not
    outside = held - unit.spot_in_use
    index = doc.market.index["BTC-USD"]
    tip = model.index(0, model.column_index("delta")).data(Qt.ItemDataRole.ToolTipRole)
    assert "derivatives plus the spot in use" in tip
    assert f"Not in the unit: {outside:,.6f}".rstrip("0") in tip
    assert f"({outside * index:,.0f} USD of delta)" in tip
    assert f"BTC delta with it: {unit.delta + outside * index:,.0f} USD" in tip
    header_tip = model.headerData(model.column_index("delta"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Coin held outside spot in use" in header_tip


def test_unit_table_empty_in_mc_says_why_inside_the_grid(qtbot, mc_window):  # noqa: F811
    w = mc_window
    open_portfolio(qtbot, w, "Options book MC")
    assert w.result.acct_lv == "3" and not w.result.units
    hint = w.unit_empty
    assert hint.label.isVisibleTo(w) and "Multi-currency mode has no risk units" in hint.text()
    view = w.findChild(QTableView, "riskUnitTable")
    assert view.viewport().rect().contains(hint.label.geometry())
    assert w.unit_note.text() == ""                             # said once, in the grid
    open_portfolio(qtbot, w, "BTC cash-and-carry")              # portfolio margin: rows, no words over them
    assert w.result.units and hint.text() == "" and not hint.label.isVisibleTo(w)


def test_every_price_column_names_its_unit():
    """A price column says its unit in its header, or its rows name it in a "Px unit" column (positions: option
    marks in coin beside futures in USD); the market panel's what-if prices read "What-if USD"."""
    from workstation.models.columns import fmt_price
    from workstation.models.tables import IndexModel, PositionModel, RiskUnitModel

    for model in (IndexModel(), PositionModel(), RiskUnitModel()):
        keys = [c.key for c in model.columns]
        for col in model.columns:
            if col.fmt is fmt_price:
                assert "USD" in col.header or "$" in col.header or "pxUnit" in keys, f"{col.key}: {col.header!r}"
    assert [c.header for c in IndexModel().columns] == ["Index", "USD", "What-if USD"]


def test_compare_view_names_figures_with_units(qtbot):
    """The side-by-side view's figure names: MMR / IMR upper case like the MRs, the unit table says USD, and a
    currency's equity names its coin (it read "ETH  mmr" and "BTC  equity (coin)")."""
    from workstation.widgets.compare_view import CompareView

    view = CompareView(["Now (no what-if)"], ["okx-2025-01"])
    qtbot.addWidget(view)
    unit = {"riskUnit": "ETH", "mr1": 10.0, "mmr": 20.0, "imr": 30.0, "delta": 5.0}
    side = {"riskUnitData": [unit], "assets": [{"ccy": "BTC", "eq": 1.5, "eqUsd": 150000.0, "disEq": 140000.0}]}
    view.show_results(side, side)
    labels = [view.units.item(r, 0).text() for r in range(view.units.rowCount())]
    assert {"ETH  MR1", "ETH  MMR", "ETH  IMR", "ETH  Delta"} <= set(labels)
    assert view.units.horizontalHeaderItem(0).text() == "Unit / figure (USD)"
    assert [view.currencies.item(r, 0).text() for r in range(3)] == ["BTC  equity BTC", "BTC  equity $",
                                                                     "BTC  discounted $"]

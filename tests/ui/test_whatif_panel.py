"""What-if on every axis (issue 15 item 1): the controls, the scenario they make, and the window using it."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QListWidget  # noqa: E402

from conftest import WAIT_MS, wait_settled  # noqa: E402
from engine.scenario import Scenario, VolShift, apply_scenario  # noqa: E402
from workstation.widgets.whatif_panel import (STEPS, Axis, WhatIfPanel, axes_for, scenario_from_values,  # noqa: E402
                                              values_from_scenario)

INDEX = Axis("index:BTC", "BTC index", -50.0, 50.0, " %", 3, 0.01)


def test_slider_is_fine_near_zero_and_coarse_at_the_ends():
    # value = 50 % x (p / 1000)^2: one single step (10 positions) from the middle is 50 x 1e-4 = 0.005 %,
    # the last step before the end (990 -> 1000) is 50 x (1 - 0.98) = 1.0 %
    assert INDEX.to_display(10) == pytest.approx(0.005, abs=1e-9)
    assert INDEX.to_display(STEPS) - INDEX.to_display(990) == pytest.approx(0.995, abs=0.01)
    assert INDEX.to_display(-500) == pytest.approx(-12.5)
    for v in (-50.0, -12.5, -0.02, 0.0, 3.0, 50.0):
        assert INDEX.to_display(INDEX.to_position(v)) == pytest.approx(v, abs=0.01 + abs(v) * 0.004)
    stable = Axis("stable:USDT", "USDT", 0.8, 1.2, "", 4, 1.0, 1.0)
    assert stable.to_display(0) == 1.0 and stable.to_display(STEPS) == pytest.approx(1.2)


def test_controls_make_the_scenario_written_by_hand():
    axes = axes_for(["BTC", "ETH"], ["BTC"], {"USDT": 0.9998})
    values = {"index:BTC": -10.0, "vol:BTC": 5.0, "volShort:BTC": 2.0, "volLong:BTC": -1.0, "days": 1.5,
              "stable:USDT": 0.99, "index:ETH": 0.0}
    s = scenario_from_values("mine", values, axes)
    assert s == Scenario("mine", index={"BTC": -0.10}, vol={"BTC": VolShift((0.07, 0.04), (7.0, 365.0))},
                         stable={"USDT": 0.99}, days=1.5)
    back, exact = values_from_scenario(s, axes)
    assert exact and back["index:BTC"] == pytest.approx(-10.0) and back["volShort:BTC"] == pytest.approx(7.0)
    # untouched controls (a stablecoin left at its current level) add nothing
    assert scenario_from_values("x", {"stable:USDT": 0.9998}, axes).is_identity


def test_panel_emits_one_scenario_per_change_and_undoes(qtbot):
    panel = WhatIfPanel()
    qtbot.addWidget(panel)
    panel.set_axes(axes_for(["BTC"], ["BTC"], {}))
    seen: list = []
    panel.scenarioChanged.connect(seen.append)
    panel.set_value("vol:BTC", 4.0)
    assert seen[-1] == Scenario("what-if", vol={"BTC": 0.04})
    slider = panel._slider["vol:BTC"]
    assert slider.value() == round(1000 * (4.0 / 30.0) ** 0.5)       # the slider follows the typed value
    qtbot.wait(80)
    panel.set_value("days", 0.25)
    qtbot.waitUntil(lambda: seen[-1] is not None and seen[-1].days == 0.25, timeout=2000)
    panel.undo()
    assert seen[-1] == Scenario("what-if", vol={"BTC": 0.04})
    panel.undo()
    assert seen[-1] is None and panel._spin["vol:BTC"].value() == 0.0


def test_library_scenario_with_other_tenors_applies_exactly(qtbot):
    panel = WhatIfPanel()
    qtbot.addWidget(panel)
    panel.set_axes(axes_for(["BTC"], ["BTC"], {}))
    seen: list = []
    panel.scenarioChanged.connect(seen.append)
    odd = Scenario("term", vol={"BTC": VolShift((0.1, 0.0), (30.0, 90.0))})
    panel.apply_scenario(odd)
    assert seen[-1] == odd                                   # exactly, though the controls cannot show it
    assert "approximately" in panel.state_label.text()
    panel.set_value("index:BTC", -1.0)                       # touching a control makes it the controls' what-if
    assert seen[-1] != odd and seen[-1].index == (("BTC", -0.01),)


def _open(qtbot, window, name):
    lst = window.findChild(QListWidget, "portfolioList")
    lst.setCurrentItem(lst.findItems(name, Qt.MatchFlag.MatchExactly)[0])
    wait_settled(qtbot, window)


def test_window_values_the_book_under_a_vol_shift_and_time_roll(qtbot, window):
    from engine import compute
    _open(qtbot, window, "ETH straddle")
    doc = window.holder.doc
    mmr_before = window.result.total_mmr
    panel = window.market_panel.whatif
    with qtbot.waitSignal(window.resultShown, timeout=WAIT_MS):
        panel.set_value("vol:ETH", 5.0)
    qtbot.wait(100)
    panel.set_value("days", 2.0)
    wait_settled(qtbot, window)
    expected = compute(*apply_scenario(doc.portfolio, doc.market, Scenario("what-if", vol={"ETH": 0.05}, days=2.0)),
                       liq_shock=False)
    assert window.result.total_mmr == pytest.approx(expected.total_mmr, rel=1e-12)
    assert window.result.total_mmr != pytest.approx(mmr_before)
    assert "vol ETH +5.00 pts" in window.summary.note.text() and "2 d later" in window.summary.note.text()
    assert window.undo_stack.count() == 0                    # a what-if is not an edit of the book
    panel.reset()
    wait_settled(qtbot, window)
    assert window.result.total_mmr == pytest.approx(mmr_before, rel=1e-12)


def test_named_whatif_is_saved_with_the_portfolio_and_reapplied(qtbot, window, demo_db):
    from db.store import Store
    _open(qtbot, window, "ETH straddle")
    panel = window.market_panel.whatif
    panel.set_value("index:ETH", -20.0)
    wait_settled(qtbot, window)
    shocked = window.result.total_mmr
    panel.save_as("crash")
    assert [s.name for s in window.holder.saved_whatifs()] == ["crash"]
    _open(qtbot, window, "BTC cash-and-carry")
    assert window.holder.doc.scenario is None                 # another book: no what-if carried over
    _open(qtbot, window, "ETH straddle")
    items = [panel.choice.itemText(i) for i in range(panel.choice.count())]
    assert items[1] == "saved: crash" and any(t.startswith("library: ") for t in items)
    panel.choice.setCurrentIndex(1)
    panel.apply_chosen()
    wait_settled(qtbot, window)
    assert window.result.total_mmr == pytest.approx(shocked, rel=1e-12)
    panel.undo()
    wait_settled(qtbot, window)
    assert window.holder.doc.scenario is None
    window.close()
    with Store(demo_db) as store:                              # stored in the database, with the portfolio's name
        assert "crash" in (store.get_meta("whatifs:ETH straddle") or "")


def _cell(table, label: str, col: int):
    for r in range(table.rowCount()):
        if table.item(r, 0).text() == label:
            return table.item(r, col).data(Qt.ItemDataRole.UserRole), table.item(r, 3).text()
    raise AssertionError(f"{label!r} not in {table.objectName()}")


def test_compare_side_by_side_now_vs_whatif_and_pm_vs_mc(qtbot, window):
    from engine import compute
    _open(qtbot, window, "ETH straddle")
    doc = window.holder.doc
    panel = window.market_panel.whatif
    panel.set_value("index:ETH", -15.0)
    wait_settled(qtbot, window)
    window.open_compare_view()
    view = window.compare_view
    qtbot.waitUntil(lambda: view.account.rowCount() > 0, timeout=WAIT_MS)
    now = compute(doc.portfolio, doc.market, liq_shock=False)
    whatif = compute(*apply_scenario(doc.portfolio, doc.market, Scenario("w", index={"ETH": -0.15})), liq_shock=False)
    a, b = _cell(view.account, "Total MMR $", 1)[0], _cell(view.account, "Total MMR $", 2)[0]
    assert (a, b) == (pytest.approx(now.total_mmr, rel=1e-12), pytest.approx(whatif.total_mmr, rel=1e-12))
    unit = now.units[0]
    got, diff = _cell(view.units, f"{unit.risk_unit}  MR1", 1)
    assert got == pytest.approx(unit.mr["mr1"], rel=1e-12) and diff != "\u2014"
    # PM vs MC of the book now
    view.left.state.setCurrentIndex(0)
    view.right.state.setCurrentIndex(0)
    view.left.mode.setCurrentIndex(view.left.mode.findData("pm"))
    view.right.mode.setCurrentIndex(view.right.mode.findData("mc"))
    view.account.setRowCount(0)
    view.request()
    qtbot.waitUntil(lambda: view.account.rowCount() > 0, timeout=WAIT_MS)
    mc = compute(doc.portfolio, doc.market, "mc", liq_shock=False)
    assert _cell(view.account, "Total MMR $", 2)[0] == pytest.approx(mc.total_mmr, rel=1e-12)
    assert _cell(view.account, "Total MMR $", 1)[0] == pytest.approx(now.total_mmr, rel=1e-12)
    view.close()


def test_margin_curve_follows_a_drag_coarse_then_full_at_release(qtbot, window):
    _open(qtbot, window, "ETH straddle")
    chart = window.charts["MarginCurveChart"]
    curves: list = []
    window.compute.finished.connect(lambda ch, pl: curves.append(pl) if ch == "curve" else None)
    slider = window.market_panel.whatif._slider["index:ETH"]
    slider.setSliderDown(True)
    slider.setValue(-300)                                    # -50 % x 0.09 = -4.5 %
    qtbot.waitUntil(lambda: any(not c.exact for c in curves), timeout=WAIT_MS)
    live = next(c for c in curves if not c.exact)
    assert live.shocks.size == 41                            # every 5th of the 201 shocks while dragging
    qtbot.waitUntil(lambda: chart._shocks.size == 41, timeout=WAIT_MS)
    slider.setSliderDown(False)                              # release: the full, exact curve
    qtbot.waitUntil(lambda: curves[-1].exact and chart._shocks.size == 201, timeout=WAIT_MS)
    assert window.holder.doc.scenario.index == (("ETH", -0.045),)
    wait_settled(qtbot, window)

"""A what-if drag (issue 16): each step's dashboard and unit charts come together from the worker, the margin curve
follows a held slider even though every step supersedes it, and the drag ends with the engine's full-path figures.

References are computed here through the engine's full path (``apply_scenario`` -> ``compute``), not through the
window's fast path. No timing is asserted.
"""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QListWidget  # noqa: E402

from conftest import WAIT_MS, wait_settled  # noqa: E402
from engine.scenario import Scenario, apply_scenario  # noqa: E402


def _open(qtbot, window, name):
    lst = window.findChild(QListWidget, "portfolioList")
    lst.setCurrentItem(lst.findItems(name, Qt.MatchFlag.MatchExactly)[0])
    wait_settled(qtbot, window)


def _full_path(doc, scenario):
    from engine import compute
    return compute(*apply_scenario(doc.portfolio, doc.market, scenario), liq_shock=False).to_dict()


def _figures(d: dict) -> dict:
    """The result without what depends on how it was asked for (sources; the liquidation moves come with the curve)."""
    d = dict(d)
    d.pop("liqShock", None)
    d.get("extra", {}).pop("sources", None) if isinstance(d.get("extra"), dict) else None
    d.pop("sources", None)
    return d


def test_a_drag_shows_each_step_with_its_charts_and_ends_on_the_full_path_result(qtbot, window):
    _open(qtbot, window, "BTC delta-neutral options book")
    doc = window.holder.doc
    panel = window.market_panel.whatif
    slider = panel._slider["index:BTC"]
    stress = window.charts["StressChart"]
    shown: list = []
    window.resultShown.connect(shown.append)
    slider.setSliderDown(True)
    for position in (-100, -250, -400):
        before = len(shown)
        qtbot.wait(70)                                          # past the panel's 60 ms throttle
        slider.setValue(position)
        qtbot.waitUntil(lambda: len(shown) > before and window.holder.doc.scenario is not None
                        and not window.compute.is_busy("main"), timeout=WAIT_MS)
        move = panel.axes[0].to_display(position) * 0.01 if panel.axes[0].key == "index:BTC" else None
        scenario = window.holder.doc.scenario
        assert scenario.index_move("BTC") == pytest.approx(move)
        # the step's dashboard is the engine's full-path result for that value, figure for figure
        assert _figures(window.result.to_dict()) == _figures(_full_path(doc, scenario))
        # and the stress chart came with it, on the live grid (every 2nd move of 101)
        assert list(stress.curves.values())[1].getData()[0].size == 51
    slider.setSliderDown(False)                                 # release: full grids, book tables, full curve
    wait_settled(qtbot, window)
    scenario = window.holder.doc.scenario
    assert scenario.index == (("BTC", panel.axes[0].to_display(-400) * 0.01),)
    assert _figures(window.result.to_dict()) == _figures(_full_path(doc, scenario))
    qtbot.waitUntil(lambda: list(stress.curves.values())[1].getData()[0].size == 101, timeout=WAIT_MS)
    # the positions table (not refreshed during the drag) shows the final what-if's per-position figures
    from engine import compute
    full = compute(*apply_scenario(doc.portfolio, doc.market, scenario), liq_shock=False)
    expected = {p.inst_id: p.delta for u in full.units for p in u.positions}
    rows = window.editor.positions.rows()
    assert rows and all(r.result is not None and r.result.delta == expected[r.inst_id] for r in rows)


def test_the_margin_curve_shows_while_the_slider_is_held(qtbot, window, monkeypatch):
    """Steps quicker than a curve: each supersedes the curve request before it finishes, yet a (preview) curve
    lands on the chart while the slider is still down. The live curve (computed in the child process) is slowed
    to 0.3 s (the desk book's takes longer than a step; the demo book's would finish within one), so that every
    request is superseded."""
    import time

    from workstation.services.curve_process import CurveProcess
    real = CurveProcess.curve

    def slow_curve(self, *args, **kwargs):
        time.sleep(0.3)
        return real(self, *args, **kwargs)
    monkeypatch.setattr(CurveProcess, "curve", slow_curve)
    _open(qtbot, window, "ETH straddle")
    chart = window.charts["MarginCurveChart"]
    curves: list = []
    window.compute.finished.connect(lambda ch, pl: curves.append(pl) if ch == "curve" else None)
    slider = window.market_panel.whatif._slider["index:ETH"]
    slider.setSliderDown(True)
    position = -50
    while not any(not c.exact for c in curves):
        position -= 15
        slider.setValue(position)
        qtbot.wait(65)
        assert position > -1000, "no margin curve arrived during the drag"
    assert slider.isSliderDown()
    qtbot.waitUntil(lambda: chart._shocks.size == 41, timeout=WAIT_MS)
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: curves[-1].exact and chart._shocks.size == 201, timeout=WAIT_MS)
    wait_settled(qtbot, window)


def test_a_superseded_result_is_shown_only_when_asked_and_newer_than_the_screen(qtbot):
    from workstation.services.compute import ComputeService

    svc = ComputeService()
    seen: list = []
    svc.finished.connect(lambda ch, r: seen.append((ch, r)))
    gates = {k: threading.Event() for k in ("a", "b", "c")}
    started = {k: threading.Event() for k in ("a", "b", "c")}

    def job(name):
        def run():
            started[name].set()
            gates[name].wait(10)
            return name
        return run

    svc.submit("curve", job("a"), show_superseded=True)
    assert started["a"].wait(5)
    svc.submit("curve", job("b"), show_superseded=True)     # supersedes a while a runs
    gates["a"].set()
    qtbot.waitUntil(lambda: seen == [("curve", "a")], timeout=5000)   # a shown although superseded
    assert svc.is_busy("curve")                                        # b is still outstanding
    assert started["b"].wait(5)
    svc.submit("curve", job("c"))                            # a plain request supersedes b
    gates["b"].set()
    assert started["c"].wait(5)
    gates["c"].set()
    qtbot.waitUntil(lambda: not svc.is_busy(), timeout=5000)
    assert seen == [("curve", "a"), ("curve", "b"), ("curve", "c")]

    # without show_superseded a superseded result is dropped; and cancel drops a superseded one too
    seen.clear()
    for k in gates:
        gates[k].clear()
        started[k].clear()
    svc.submit("curve", job("a"))
    assert started["a"].wait(5)
    svc.submit("curve", job("b"), show_superseded=True)
    gates["a"].set()
    assert started["b"].wait(5)
    svc.cancel("curve")
    gates["b"].set()
    svc.submit("curve", lambda: "d")
    qtbot.waitUntil(lambda: not svc.is_busy(), timeout=5000)
    assert seen == [("curve", "d")]
    svc.shutdown()


def test_a_paced_channel_starts_its_newest_request_no_sooner_than_the_pace(qtbot):
    """The live curve's pacing: a burst of requests while one runs computes the first and the newest only, and the
    newest starts no sooner than the pace after the first started (a lower bound: a slow machine only widens it)."""
    import time

    from workstation.services.compute import ComputeService

    svc = ComputeService()
    seen: list = []
    starts: dict[str, float] = {}
    svc.finished.connect(lambda ch, r: seen.append(r))

    def job(name):
        def run():
            starts[name] = time.monotonic()
            return name
        return run

    for k in range(5):
        svc.submit("curve", job(f"r{k}"), show_superseded=True, pace_s=0.4)
    qtbot.waitUntil(lambda: not svc.is_busy(), timeout=5000)
    assert seen[-1] == "r4" and set(starts) <= {"r0", "r4"}
    if "r0" in starts:
        assert starts["r4"] - starts["r0"] >= 0.4
    svc.shutdown()


def test_a_multi_currency_drag_step_brings_the_underlying_charts(qtbot, window):
    """Multi-currency mode has no risk units: a held slider's step brings the selected underlying's P&L charts
    (live grids) with the result, and the result is the full path's."""
    _open(qtbot, window, "Multi-currency borrow book")
    assert window.prepared.mode == "mc"
    doc = window.holder.doc
    panel = window.market_panel.whatif
    key = next(a.key for a in panel.axes if a.key.startswith("index:"))
    slider = panel._slider[key]
    stress = window.charts["StressChart"]
    shown: list = []
    window.resultShown.connect(shown.append)
    slider.setSliderDown(True)
    slider.setValue(-300)
    qtbot.waitUntil(lambda: bool(shown) and not window.compute.is_busy("main"), timeout=WAIT_MS)
    assert _figures(window.result.to_dict()) == _figures(_full_path(doc, window.holder.doc.scenario))
    qtbot.waitUntil(lambda: list(stress.curves.values())[1].getData()[0] is not None
                    and list(stress.curves.values())[1].getData()[0].size == 51, timeout=WAIT_MS)
    slider.setSliderDown(False)
    wait_settled(qtbot, window)
    qtbot.waitUntil(lambda: list(stress.curves.values())[1].getData()[0].size == 101, timeout=WAIT_MS)

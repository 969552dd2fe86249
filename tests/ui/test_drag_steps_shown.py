"""A held what-if slider whose steps take longer than the hand moves (issue 16): each step's result is still shown
when it arrives, though a newer step superseded it (latest wins would drop every one and freeze the dashboard until
the hand stops); and the panel's throttle sends at most one what-if per interval, a trailing edge included.

No timing is asserted: the slow step is made slow on purpose, and the throttle is driven by hand.
"""

from __future__ import annotations

import time

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QListWidget  # noqa: E402

from conftest import wait_settled  # noqa: E402


def _open(qtbot, window, name):
    lst = window.findChild(QListWidget, "portfolioList")
    lst.setCurrentItem(lst.findItems(name, Qt.MatchFlag.MatchExactly)[0])
    wait_settled(qtbot, window)


def test_steps_slower_than_the_hand_are_shown_while_the_slider_is_held(qtbot, window, monkeypatch):
    from workstation.services import jobs
    real = jobs.compute_main

    def slow(*args, **kwargs):                  # every step outlives the next move of the slider
        time.sleep(0.25)
        return real(*args, **kwargs)
    _open(qtbot, window, "BTC delta-neutral options book")
    monkeypatch.setattr(jobs, "compute_main", slow)
    shown: list = []
    window.resultShown.connect(lambda r: shown.append(window.market_panel.whatif.dragging()))
    slider = window.market_panel.whatif._slider["index:BTC"]
    slider.setSliderDown(True)
    position = -20
    while sum(shown) < 2:                       # results shown while the slider is down
        position -= 10
        assert position > -600, "no step was shown while the slider moved"
        slider.setValue(position)
        qtbot.wait(30)                          # the hand moves again long before the step is done
    slider.setSliderDown(False)
    wait_settled(qtbot, window)
    scenario = window.holder.doc.scenario
    assert scenario is not None and scenario.index_move("BTC") == pytest.approx(
        window.market_panel.whatif.axes[0].to_display(position) * 0.01)


def test_the_throttle_sends_one_what_if_per_interval_a_trailing_edge_included(qtbot, window):
    panel = window.market_panel.whatif
    sent: list = []
    panel.scenarioChanged.connect(sent.append)
    slider = panel._slider["index:BTC"]
    slider.setSliderDown(True)
    slider.setValue(-30)                        # leading edge: sent at once, the interval starts
    assert len(sent) == 1 and panel._timer.isActive()
    slider.setValue(-40)                        # within the interval: kept for its end
    assert len(sent) == 1
    panel._timer.stop()                         # the interval ends (its timeout, by hand): the trailing edge
    panel._emit_pending()
    assert len(sent) == 2 and panel._timer.isActive()   # ... starts the next interval
    slider.setValue(-50)                        # so a move just after it waits (it went at once before)
    assert len(sent) == 2
    panel._timer.stop()
    panel._emit_pending()
    assert len(sent) == 3 and sent[-1].index_move("BTC") == pytest.approx(panel.axes[0].to_display(-50) * 0.01)
    slider.setSliderDown(False)
    wait_settled(qtbot, window)


def _service_with_blocked_main(monkeypatch, gate_max_s):
    import threading

    from workstation.services import compute
    monkeypatch.setattr(compute, "GATE_MAX_S", gate_max_s)
    svc = compute.ComputeService()
    release, main_started, curve_started = threading.Event(), threading.Event(), threading.Event()

    def main():
        main_started.set()
        release.wait(20)
        return "main"
    svc.submit("main", main)
    assert main_started.wait(5)
    svc.submit("curve", lambda: curve_started.set() or "curve")
    return svc, release, curve_started


def test_a_curve_starts_after_the_running_step(qtbot, monkeypatch):
    """The curve's lane waits while a "main" result is running (the step has the first claim on the cores), and
    starts when it is done, woken by the slow lane (the cap on the wait set far out of reach here)."""
    svc, release, curve_started = _service_with_blocked_main(monkeypatch, 60.0)
    seen: list = []
    svc.finished.connect(lambda ch, r: seen.append(r))
    assert not curve_started.wait(0.3)           # held by the running step
    release.set()
    assert curve_started.wait(10)                # well before the 60 s cap: woken when the step finished
    qtbot.waitUntil(lambda: not svc.is_busy(), timeout=5000)
    assert seen == ["main", "curve"]
    svc.shutdown()


def test_a_curve_is_never_starved_by_steps_back_to_back(qtbot, monkeypatch):
    svc, release, curve_started = _service_with_blocked_main(monkeypatch, 0.2)
    try:
        assert curve_started.wait(10)            # the step still running: the curve went after the cap
    finally:
        release.set()
    qtbot.waitUntil(lambda: not svc.is_busy(), timeout=5000)
    svc.shutdown()

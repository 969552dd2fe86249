"""The first result is computed on a thread while Qt loads and the window is built (issue 16, cold start), and it
is the result the window's own job would have shown."""

from __future__ import annotations

import threading

from conftest import wait_settled


def _spy(monkeypatch) -> list[tuple[str, object, object, object]]:
    from workstation.services import jobs
    calls: list[tuple[str, object, object, object]] = []
    real = jobs.compute_main

    def compute_main(portfolio, market, scenario=None, live_unit=None):
        calls.append((threading.current_thread().name, portfolio.name, scenario, live_unit))
        return real(portfolio, market, scenario, live_unit)
    monkeypatch.setattr(jobs, "compute_main", compute_main)
    return calls


def test_the_first_result_comes_from_the_thread_started_before_the_window(qtbot, demo_db, monkeypatch):
    from workstation import settings
    from workstation.app import create_main_window
    from workstation.services import jobs

    settings.write("last_portfolio", "ETH straddle")        # not the first of the list: the remembered one
    calls = _spy(monkeypatch)
    w = create_main_window(demo_db, restore_layout=False)
    qtbot.addWidget(w)
    w.show()
    wait_settled(qtbot, w)
    assert w.holder.doc.name == "ETH straddle"
    assert calls[0] == ("riskws-first-result", "ETH straddle", None, None)
    assert len([c for c in calls if c[1] == "ETH straddle"]) == 1            # not computed a second time

    doc = w.holder.doc
    again = jobs.compute_main(doc.portfolio, doc.market).result     # what the window's own job computes
    fields = ("adj_eq", "eq", "upl", "total_imr", "total_mmr", "margin_ratio", "avail_eq", "warnings")
    assert [getattr(w.result, f) for f in fields] == [getattr(again, f) for f in fields]
    assert [(u.risk_unit, u.mmr, u.imr) for u in w.result.units] == [(u.risk_unit, u.mmr, u.imr) for u in again.units]
    assert w.result.extra["sources"] == again.extra["sources"]

    # the next result (another portfolio) is the window's own job, on its worker
    w.select_portfolio("BTC cash-and-carry")
    wait_settled(qtbot, w)
    assert calls[-1][0].startswith("riskws-compute") or calls[-1][0] != "riskws-first-result"
    assert calls[-1][1] == "BTC cash-and-carry"
    w.close()


def test_without_the_thread_the_window_computes_its_first_result_itself(qtbot, demo_db, monkeypatch):
    from workstation.app import create_main_window

    monkeypatch.setenv("RISKWS_NO_READ_AHEAD", "1")
    calls = _spy(monkeypatch)
    w = create_main_window(demo_db, restore_layout=False)
    qtbot.addWidget(w)
    w.show()
    wait_settled(qtbot, w)
    assert calls and all(c[0] != "riskws-first-result" for c in calls)
    w.close()


def test_the_first_result_is_painted_without_waiting_for_the_charts_repaint_batch(qtbot, demo_db, monkeypatch):
    """Before the charts exist there is no chart scene to batch: a result's repaint is not held (held, the first
    result was painted only once every other queued result had been handled: ~0.35 s later, then the charts)."""
    from workstation.app import create_main_window
    from workstation.widgets.repaint_batch import RepaintBatch

    holds: list[bool] = []
    real = RepaintBatch.hold

    def hold(self):
        holds.append(self.window.charts_ready())
        real(self)
    monkeypatch.setattr(RepaintBatch, "hold", hold)
    w = create_main_window(demo_db, restore_layout=False)
    qtbot.addWidget(w)
    w.show_error = lambda title, message: None
    w.resize(1280, 720)
    w.show()
    wait_settled(qtbot, w)
    assert w.result is not None and w.charts_ready()
    assert False not in holds
    w.close()

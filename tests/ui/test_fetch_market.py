"""Market ▸ Fetch from OKX under a local server playing OKX: progress dialog off the GUI thread, Cancel stores
nothing, a completed fetch is stored and the open book valued on it; the panel says source and age in words."""

from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug import Response

sys.path.insert(0, str(Path(__file__).parents[1] / "okx"))
import okx_fake  # noqa: E402

from conftest import WAIT_MS, wait_settled  # noqa: E402


def test_fetch_stores_and_values_the_open_book(qtbot, window, httpserver):
    from engine import load_portfolio
    url = okx_fake.serve(httpserver)
    book = load_portfolio({"name": "perps", "acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "100000"}],
                           "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1000"}]})
    window.store.save_portfolio(book)          # the demo books hold 2025 expiries: expired on today's market
    window.refresh_portfolio_list()
    window.select_portfolio("perps")
    wait_settled(qtbot, window)
    before = {m.name for m in window.store.list_markets()}
    assert "SYNTHETIC demo data" in window.market_panel.source_label.text()
    assert window.market_panel.source_label.property("level") == "warning"
    dlg = window.fetch_market(["BTC-USD", "BTC-USDT", "ETH-USD", "ETH-USDT"], base_url=url)
    assert dlg.isVisible() and dlg._thread is not threading.current_thread()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT_MS)
    assert dlg.result is not None, dlg.error
    added = {m.name for m in window.store.list_markets()} - before
    assert len(added) == 1
    name = added.pop()
    assert window.store.portfolio_market_name(window.holder.doc.name) == name
    wait_settled(qtbot, window)
    assert window.holder.doc.market.source == "okx"
    assert window.market_panel.source_label.text() == "OKX, just now"
    assert window.market_panel.source_label.property("level") == ""
    assert window.store.market_responses(name) is not None
    # 1000 contracts x 0.001 BTC (OKX's ctVal from the fetch; the shipped catalogue says 0.01) x 91050.1 x 0.9995
    assert window.result.unit("BTC").cash_delta == pytest.approx(1000 * 0.001 * 91050.1 * 0.9995, rel=1e-9)


def test_cancel_stores_nothing(qtbot, window, httpserver):
    release = threading.Event()

    def slow(request):
        release.wait(10)
        return Response("{}", status=503)
    import re
    httpserver.expect_request(re.compile(".*")).respond_with_handler(slow)
    before = [m.name for m in window.store.list_markets()]
    dlg = window.fetch_market(["BTC-USD"], base_url=httpserver.url_for("").rstrip("/"))
    qtbot.waitUntil(lambda: len(httpserver.log) >= 0 and dlg.isVisible(), timeout=WAIT_MS)
    dlg.cancel()
    release.set()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT_MS)
    dlg._thread.join(10)
    assert dlg.result is None and dlg.cancelled
    assert [m.name for m in window.store.list_markets()] == before
    assert "cancelled" in window.statusBar().currentMessage()


def test_age_in_words():
    from workstation.okx.age import describe_source
    now = datetime(2026, 11, 27, 14, 17, tzinfo=timezone.utc)
    assert describe_source("okx", now - timedelta(minutes=14), now) == "OKX, 14 min ago"
    assert describe_source("recorded", now - timedelta(days=3), now) == "recorded OKX data, 3 days ago"
    assert describe_source("synthetic", now, now) == "SYNTHETIC demo data"
    assert describe_source(None, "2025-02-06T08:00:00Z", now) == "snapshot file, 2025-02-06 08:00 UTC"


def test_importing_okx_positions_offers_a_fresh_fetch(qtbot, window, monkeypatch):
    started = []
    monkeypatch.setattr(window, "fetch_market", lambda *a, **k: started.append(a))
    fixture = Path(__file__).parents[1] / "fixtures" / "okx-positions.json"
    window.import_file(str(fixture))
    box = window.fresh_market_offer
    assert box.isVisible() and not box.isModal()
    from PySide6.QtWidgets import QMessageBox
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT_MS)
    assert started == [()]
    wait_settled(qtbot, window)

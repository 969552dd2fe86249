"""Issue 11 remainders in the window: the market panel's age ticks by itself, and the result's ``sources`` (where
contract specifications and tiers came from) reach the GUI like the command line's."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import wait_settled  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 27, 14, 0, 0, tzinfo=timezone.utc)


def _okx_market(fetched: datetime):
    from db.demo import demo_market
    return replace(demo_market(), source="okx", fetched_at=fetched)


def test_the_age_of_a_fetched_snapshot_ticks_each_minute_without_a_recompute(qtbot):
    from workstation.widgets.market_panel import MarketPanel

    panel = MarketPanel()
    qtbot.addWidget(panel)
    clock = {"now": T0}
    panel.now = lambda: clock["now"]
    panel.set_market(_okx_market(T0 - timedelta(minutes=14)), {}, "okx-test")
    assert panel.source_label.text() == "OKX, 14 min ago"
    assert panel.age_timer.isActive() and panel.age_timer.interval() == 60_000
    resets: list[int] = []
    panel.model.modelReset.connect(lambda: resets.append(1))
    panel.model.dataChanged.connect(lambda *a: resets.append(1))
    clock["now"] = T0 + timedelta(seconds=60)
    panel.age_timer.timeout.emit()             # what the timer does once a minute
    assert panel.source_label.text() == "OKX, 15 min ago"
    clock["now"] = T0 + timedelta(hours=2)
    panel.age_timer.timeout.emit()
    assert panel.source_label.text() == "OKX, 2 h ago"
    assert resets == []                        # only the words changed: no table refill, no recompute
    panel.stop_timers()
    assert not panel.age_timer.isActive()


def test_synthetic_and_file_snapshots_do_not_tick(qtbot):
    from db.demo import demo_market
    from workstation.widgets.market_panel import MarketPanel

    panel = MarketPanel()
    qtbot.addWidget(panel)
    panel.set_market(demo_market(), {}, "demo")
    assert "SYNTHETIC demo data" in panel.source_label.text()
    assert not panel.age_timer.isActive()
    panel.set_market(_okx_market(T0), {}, "okx")
    assert panel.age_timer.isActive()
    panel.set_market(None, {})
    assert not panel.age_timer.isActive() and panel.source_label.text() == ""


def test_gui_results_carry_sources_and_the_panel_shows_them(qtbot, window):
    from engine import api

    wait_settled(qtbot, window)
    doc = window.holder.doc
    sources = window.result.extra.get("sources")
    assert sources is not None
    # the same words the command line prints for this book and market (engine.compute adds them there)
    assert sources == api.compute(doc.portfolio, doc.valuation_market(), liq_shock=False).extra["sources"]
    as_of = json.loads((REPO / "resources" / "instruments.json").read_text())["asOf"]
    tip = window.market_panel.source_label.toolTip()
    assert f"contract specifications: shipped table of {as_of}" in tip   # the demo snapshot lists no instruments
    assert "collateral discount tiers: shipped table" in tip

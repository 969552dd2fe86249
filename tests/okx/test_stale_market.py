"""A book valued on a market snapshot older than its positions' data says so once, plainly (issue 11).

OKX's positions and balance answers carry ``uTime``/``cTime`` (epoch ms); the imported book keeps the newest as its
``ts`` (portfolio file and database), and ``margin``/``graph``/``export --format result`` warn on stderr when the
market is older. Times below are written out by hand from the fixtures' epoch milliseconds.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from db.store import Store
from engine.importers import import_file
from workstation.cli import main

FIX = Path(__file__).resolve().parents[1] / "fixtures"
DEMO_MARKET = Path(__file__).resolve().parents[2] / "resources" / "demo" / "market-2025-02-06.json"
NOV_27 = 1795788180000          # 2026-11-27 14:03:00 UTC in epoch ms


def test_imported_okx_positions_carry_their_newest_update_time(tmp_path: Path, capsys) -> None:
    book = import_file(FIX / "okx-positions.json")   # every uTime is 1738828800000
    assert book.portfolio.ts == datetime(2025, 2, 6, 8, 0, tzinfo=timezone.utc)
    doc = json.loads((FIX / "okx-positions.json").read_text())
    doc["data"][1]["uTime"] = str(NOV_27)             # one position updated later: the newest time wins
    f = tmp_path / "pos.json"
    f.write_text(json.dumps(doc))
    db = tmp_path / "b.db"
    assert main(["import", str(f), "--name", "desk", "--db", str(db)]) == 0
    with Store(db, create=False) as store:             # stored and read back (schema: portfolios.data_ts)
        assert store.load_portfolio("desk").ts == datetime(2026, 11, 27, 14, 3, tzinfo=timezone.utc)
    out = tmp_path / "desk.json"
    assert main(["export", "desk", "--out", str(out), "--db", str(db)]) == 0
    assert json.loads(out.read_text())["ts"] == "2026-11-27T14:03:00Z"


def _book(tmp_path: Path, ts: str | None) -> Path:
    doc = {"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "10000"}],
           "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "10"}]}
    if ts is not None:
        doc["ts"] = ts
    f = tmp_path / "book.json"
    f.write_text(json.dumps(doc))
    return f


def test_margin_on_an_older_snapshot_warns_once(tmp_path: Path, capsys) -> None:
    book = _book(tmp_path, "2026-11-27T14:03:00Z")
    assert main(["margin", str(book), "--market", str(DEMO_MARKET), "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)                           # stdout stays the result JSON
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("riskws: warning: ")
    # 2025-02-06 08:00 to 2026-11-27 14:03: 659 days and 6 h 3 min
    assert "2025-02-06 08:00 UTC" in err[0] and "2026-11-27 14:03 UTC" in err[0] and "659 days" in err[0]
    assert "SYNTHETIC" in err[0] and "older than the book's data" in err[0] and "riskws market fetch" in err[0]


def test_no_warning_when_the_snapshot_is_as_new_or_the_book_has_no_time(tmp_path: Path, capsys) -> None:
    for ts in ("2025-02-06T08:00:00Z", "2025-02-01T00:00:00Z", None):
        book = _book(tmp_path, ts)
        assert main(["margin", str(book), "--market", str(DEMO_MARKET)]) == 0
        assert capsys.readouterr().err == ""


def test_the_window_says_so_in_the_summary(qtbot, tmp_path: Path) -> None:
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from dataclasses import replace

    from db.demo import ensure_demo
    from engine import load_portfolio
    from workstation.app import create_main_window

    db = tmp_path / "w.db"
    with Store(db) as store:
        ensure_demo(store)
        book = load_portfolio(json.loads(_book(tmp_path, "2026-11-27T14:03:00Z").read_text()))
        store.save_portfolio(replace(book, name="today"))
    window = create_main_window(db, restore_layout=False)
    qtbot.addWidget(window)
    try:
        window.select_portfolio("today")
        qtbot.waitUntil(lambda: window.result is not None and not window.compute.is_busy(), timeout=20_000)
        note = window.summary.note.text()
        assert note.count("older than the book's data") == 1 and "2026-11-27 14:03 UTC" in note
        assert "Fetch from OKX" in note
        window.select_portfolio([n for n in window.portfolio_names() if n != "today"][0])
        qtbot.waitUntil(lambda: window.holder.doc.name != "today" and not window.compute.is_busy(), timeout=20_000)
        qtbot.waitUntil(lambda: "older than" not in window.summary.note.text(), timeout=20_000)
    finally:
        window.shutdown() if hasattr(window, "shutdown") else None
        window.close()

"""File > Import through the window (every format of docs/IMPORTS.md) and the one-window-per-database lock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)")]

from conftest import wait_settled

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _collect_warnings(window) -> list[tuple[str, tuple[str, ...]]]:
    shown: list[tuple[str, tuple[str, ...]]] = []
    window.show_warnings = lambda title, text, lines: shown.append((text, tuple(lines)))
    return shown


@pytest.mark.parametrize("fixture, kind, n_positions", [("okx-positions.json", "okx-positions", 4),
                                                         ("ccxt-positions.json", "ccxt-positions", 5)])
def test_import_okx_and_ccxt_positions_lists_the_book_and_shows_the_warnings(qtbot, window, demo_db, tmp_path,
                                                                              fixture, kind, n_positions):
    from db.store import Store

    src = tmp_path / fixture
    shutil.copy(FIXTURES / fixture, src)
    shown = _collect_warnings(window)
    window.import_file(str(src))
    wait_settled(qtbot, window)
    name = src.stem
    assert not window.errors
    assert name in window.portfolio_names()
    assert window.portfolio_list.currentItem().text() == name
    assert window.holder.doc.name == name and len(window.holder.doc.portfolio.positions) == n_positions
    # The importer's warnings (skipped rows, assumed account mode) reach the user, one line each.
    assert len(shown) == 1
    text, lines = shown[0]
    assert kind in text and any("acctLv" in x for x in lines) and any("skipped" in x for x in lines)
    assert "warning" in window.statusBar().currentMessage()
    with Store(demo_db) as store:
        assert len(store.load_portfolio(name).positions) == n_positions


def test_import_csv_and_a_market_snapshot(qtbot, window, demo_db, tmp_path):
    from db.store import Store

    src = tmp_path / "desk.csv"
    shutil.copy(FIXTURES / "book.csv", src)
    _collect_warnings(window)
    window.import_file(str(src))
    wait_settled(qtbot, window)
    assert not window.errors and window.holder.doc.name == "desk"
    market = tmp_path / "snap.json"
    shutil.copy(next(Path(__file__).resolve().parents[2].glob("resources/demo/market-*.json")), market)
    window.import_file(str(market))                 # NotABookError(kind="market") -> the market import path
    assert not window.errors
    with Store(demo_db) as store:
        assert store.has_market("snap") and not store.has_portfolio("snap")


HOSTILE = {
    "okx-error.json": (FIXTURES / "okx-error.json").read_text(encoding="utf-8"),
    "spot-symbol.json": '[{"symbol": "BTC/USDT", "contracts": 1, "side": "long"}]',
    "huge.csv": "instId,pos\nBTC-USDT-SWAP,1e400\n",
    "binary.json": "\x00\x01\x02PK\x03\x04",
    "nested.json": "[" * 5000 + "]" * 5000,
    "borrow-unknown.json": '{"code": "0", "data": [{"details": [{"ccy": "ZZZQ", "cashBal": "-5"}]}]}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_changes_nothing(qtbot, window, demo_db, tmp_path, name):
    from db.store import Store

    bad = tmp_path / name
    bad.write_text(HOSTILE[name], encoding="utf-8")
    shown = _collect_warnings(window)
    doc_before, listed = window.holder.doc.state, window.portfolio_names()
    with Store(demo_db) as store:
        before = [(s.name, store.load_portfolio(s.name)) for s in store.list_portfolios()]
        markets = [m.name for m in store.list_markets()]
    window.import_file(str(bad))
    assert len(window.errors) == 1 and name in window.errors[0], window.errors
    assert "\n" not in window.errors[0]
    assert not shown
    assert window.holder.doc.state == doc_before and window.portfolio_names() == listed
    assert window.undo_stack.count() == 0
    with Store(demo_db) as store:
        assert [(s.name, store.load_portfolio(s.name)) for s in store.list_portfolios()] == before
        assert [m.name for m in store.list_markets()] == markets


def test_a_second_window_on_the_same_database_is_refused(qtbot, qapp, demo_db, monkeypatch):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from db.store import acquire_instance_lock
    from workstation import app as app_mod
    from workstation.main_window import MainWindow

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text, *a: shown.append(text)))
    built: list[object] = []
    monkeypatch.setattr(app_mod, "create_main_window", lambda *a, **k: built.append(1))
    held = acquire_instance_lock(demo_db)
    try:
        assert app_mod.main(demo_db) == 1
    finally:
        held.release()
    assert not built
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    assert len(shown) == 1 and "is open in another riskws window (pid" in shown[0] and str(demo_db) in shown[0]
    # Released on the way out: the lock can be taken again.
    acquire_instance_lock(demo_db).release()

"""Item 2 of issue 17: the workstation never saves a stale book over one another program stored meanwhile.

The store keeps a revision per portfolio (schema v3) and refuses a save based on another revision; the window
then reloads the stored book and says so. The other program is a real `riskws import` process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from db.errors import RevisionConflict
from db.store import Store
from engine.portfolio import Asset, Portfolio, Position

REPO = Path(__file__).resolve().parents[2]
NAME = "BTC cash-and-carry"


def book(name: str, n: int) -> Portfolio:
    return Portfolio(name=name, assets=(Asset("USDT", 1000.0),),
                     positions=tuple(Position(f"BTC-USD-250328-{1000 + 10 * i}-C", 1.0, None) for i in range(n)))


def test_store_refuses_a_save_based_on_an_old_revision(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as a, Store(tmp_path / "r.db") as b:
        r1 = a.save_portfolio(book("x", 2))
        loaded, seen = a.load_portfolio_revision("x")
        assert seen == r1
        r2 = b.save_portfolio(book("x", 5))          # another process saves in between
        assert r2 > r1
        with pytest.raises(RevisionConflict, match="another program"):
            a.save_portfolio(book("x", 1), expected_revision=seen)
        assert len(b.load_portfolio("x").positions) == 5   # nothing written
        b.delete_portfolio("x")
        b.save_portfolio(book("x", 3))                  # deleted and imported again: a new revision, never r1
        assert b.portfolio_revision("x") not in (r1, r2)
        with pytest.raises(RevisionConflict):
            a.save_portfolio(book("x", 1), expected_revision=r2)
        assert a.save_portfolio(book("x", 4), expected_revision=a.portfolio_revision("x")) > r2


def test_window_reloads_instead_of_overwriting_a_command_line_import(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QListWidget, QTableView

    from db.demo import ensure_demo
    from workstation.app import create_main_window

    db = tmp_path / "demo.db"
    with Store(db) as store:
        ensure_demo(store)
    w = create_main_window(db, restore_layout=False)
    qtbot.addWidget(w)
    w.show_error = lambda title, message: None
    w.show()
    try:
        qtbot.waitUntil(lambda: w.result is not None and not w.compute.is_busy(), timeout=30_000)
        lst = w.findChild(QListWidget, "portfolioList")
        lst.setCurrentItem(lst.findItems(NAME, Qt.MatchFlag.MatchExactly)[0])
        qtbot.waitUntil(lambda: w.holder.doc is not None and w.holder.doc.name == NAME, timeout=30_000)
        stale_n = len(w.holder.doc.portfolio.positions)

        # `riskws import big.json --name NAME` from another process while the window has the book open
        big = tmp_path / "big.json"
        big.write_text(json.dumps({"simAsset": [{"ccy": "BTC", "amt": "10"}],
                                   "simPos": [{"instId": f"BTC-USD-250328-{1000 + 10 * i}-C", "pos": "1"}
                                              for i in range(300)]}), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "workstation.cli", "import", str(big), "--db", str(db),
                               "--name", NAME], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "replaced" in done.stdout, done.stderr

        messages: list[str] = []
        w.holder.reloaded.connect(lambda name, m: messages.append(m))
        model = w.findChild(QTableView, "positionsTable").model()
        col = model.column_index("pos")
        assert not model.setData(model.index(0, col), "7")   # one cell edit in the stale window
        with Store(db) as store:
            assert len(store.load_portfolio(NAME).positions) == 300  # the import survived
        assert len(messages) == 1 and "reloaded" in messages[0] and "another program" in messages[0]
        assert "reloaded" in w.statusBar().currentMessage()
        assert "reloaded" in w.editor.error.text()
        assert len(w.holder.doc.portfolio.positions) == 300 != stale_n   # the window shows the stored book
        qtbot.waitUntil(lambda: w.undo_stack.count() == 0, timeout=5_000)  # no undo step back to the stale book
        # the next edit is based on the reloaded revision and is saved
        assert model.setData(model.index(0, col), "7")
        with Store(db) as store:
            stored = store.load_portfolio(NAME).positions
        assert len(stored) == 300 and stored[0].pos == 7.0
        # undo after another import: the undo step would save the stale book; it is refused the same way
        assert w.undo_stack.count() == 1
        done = subprocess.run([sys.executable, "-m", "workstation.cli", "import", str(big), "--db", str(db),
                               "--name", NAME], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        w.act_undo.trigger()
        with Store(db) as store:
            assert [p.pos for p in store.load_portfolio(NAME).positions[:1]] == [1.0]  # the import, not the undo
        assert len(messages) == 2 and "reloaded" in messages[1]
        qtbot.waitUntil(lambda: w.undo_stack.count() == 0, timeout=5_000)
        assert w.holder.doc.portfolio.positions[0].pos == 1.0
        qtbot.waitUntil(lambda: not w.compute.is_busy(), timeout=30_000)
    finally:
        w.close()

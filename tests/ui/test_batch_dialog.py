"""The batch dialog: runs every stored portfolio under a scenario set off the GUI thread, sorts, exports."""

from __future__ import annotations

import csv
import threading

import pytest
from PySide6.QtCore import Qt

WAIT_MS = 20_000


def in_process_runner(calls: list):
    """run_batch's contract without a cluster (the Dask path is covered by tests/batch): rows in this process."""
    def run(refs, market, scenarios, modes, rules, floor, progress):
        from workstation.batch.runner import run_local
        calls.append(threading.get_ident() == threading.main_thread().ident)
        rows = []
        for i, ref in enumerate(refs):
            rows += run_local([ref], market, scenarios, modes, rules, floor)
            progress(i + 1, len(refs))
        return rows
    return run


def test_batch_dialog_runs_sorts_and_exports(qtbot, demo_db, tmp_path):
    from db.store import Store
    from engine import compute
    from engine.scenario import apply_scenario, shipped_scenario_sets
    from workstation.widgets.batch_dialog import BatchDialog

    store = Store(demo_db)
    try:
        market = store.load_market(store.list_markets()[0].name)
        calls: list = []
        dlg = BatchDialog(store, market, runner=in_process_runner(calls))
        qtbot.addWidget(dlg)
        dlg.set_box.setCurrentIndex(dlg.set_box.findData("historical"))
        dlg.run_button.click()
        qtbot.waitUntil(lambda: bool(dlg.rows) and dlg.run_button.isEnabled(), timeout=WAIT_MS * 3)
        assert calls == [False]                                   # not on the GUI thread
        n_books = len(store.list_portfolios())
        assert dlg.model.rowCount() == n_books * 4 and dlg.progress.value() == n_books

        # sort by marginRatio, ascending: the first row is the lowest ratio of the batch
        col = [dlg.model.headerData(c, Qt.Orientation.Horizontal) for c in range(dlg.model.columnCount())].index("marginRatio")
        dlg.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
        ratios = [r["marginRatio"] for r in dlg.rows if r["marginRatio"] is not None]
        first = dlg.proxy.index(0, col).data(Qt.ItemDataRole.UserRole + 1)
        assert first == min(ratios)

        # that row equals engine.compute on the shocked book
        book_col = 0
        scen_col = 1
        book = dlg.proxy.index(0, book_col).data()
        scen = shipped_scenario_sets()["historical"].get(dlg.proxy.index(0, scen_col).data())
        q, n = apply_scenario(store.load_portfolio(book), market, scen)
        assert compute(q, n, liq_shock=False).margin_ratio == pytest.approx(first, rel=1e-12)

        out = dlg.export(str(tmp_path / "batch.csv"))
        with open(out, newline="") as fh:
            assert len(list(csv.DictReader(fh))) == n_books * 4
        dlg.close()
    finally:
        store.close()

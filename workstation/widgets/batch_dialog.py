"""Batch what-if over the stored portfolios: choose scenarios, run (Dask, off the GUI thread), sort, export.

The batch does not go through the compute service: it lasts minutes, and the service's latest-wins lanes serve the
open book's interactive figures, which must not wait behind it. The work itself runs in Dask worker processes;
the dialog's ``_BatchThread`` only submits and waits, reporting progress through queued signals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QSortFilterProxyModel, Qt, QThread, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QComboBox, QDialog, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QTableView, QVBoxLayout)

from workstation.batch.table import columns, write_table

Runner = Callable[..., list]     # run_batch's signature: (refs, market, scenarios, modes, rules, floor, progress=)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
TEXT_COLUMNS = frozenset({"book", "scenario", "mode", "rules", "error", "warnings", "breach", "liquidation"})


def dask_runner(refs, market, scenarios, modes, rules, floor, progress) -> list[dict]:
    from workstation.batch.runner import run_batch, scheduler_address
    return run_batch(refs, market, scenarios, modes, rules, floor, scheduler=scheduler_address(None), progress=progress)


class _BatchThread(QThread):
    progressed = Signal(int, int)
    finished_rows = Signal(object)
    failed = Signal(str)

    def __init__(self, runner: Runner, args: tuple) -> None:
        super().__init__()
        self.setObjectName("riskws-batch")
        self._runner, self._args = runner, args

    def run(self) -> None:
        try:
            rows = self._runner(*self._args, progress=self.progressed.emit)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            self.failed.emit(" ".join(str(exc).split()) or type(exc).__name__)
        else:
            self.finished_rows.emit(rows)


class BatchDialog(QDialog):
    """Every stored portfolio under the chosen scenario set, on the market in use."""

    def __init__(self, store, market, parent=None, runner: Runner = dask_runner) -> None:
        super().__init__(parent)
        from engine.scenario import scenario_sets
        from workstation.scenario_dirs import user_scenario_dirs
        self.setObjectName("batchDialog")
        self.setWindowTitle("Batch what-if over stored portfolios")
        self.resize(1100, 600)
        self._store, self._market, self._runner = store, market, runner
        self._sets = scenario_sets(user_scenario_dirs())
        self._thread: _BatchThread | None = None
        self.rows: list[dict] = []

        self.set_box = QComboBox(objectName="batchScenarioSet")
        for name, st in self._sets.items():
            self.set_box.addItem(f"{name} ({len(st.scenarios)})", name)
        self.mode_box = QComboBox(objectName="batchMode")
        for text, data in (("each book's mode", None), ("portfolio margin", "pm"), ("multi-currency", "mc"),
                           ("both", "both")):
            self.mode_box.addItem(text, data)
        self.floor_box = QDoubleSpinBox(objectName="batchRatioFloor", minimum=0.0, maximum=1000.0, value=3.0,
                                        singleStep=0.5, decimals=2)
        form = QFormLayout()
        form.addRow("Scenarios", self.set_box)
        form.addRow("Mode", self.mode_box)
        form.addRow("Breach below margin ratio", self.floor_box)

        self.progress = QProgressBar(objectName="batchProgress", minimum=0, maximum=1, value=0)
        self.status = QLabel("", objectName="batchStatus")
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(objectName="batchTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.run_button = QPushButton("Run", objectName="batchRun")
        self.export_button = QPushButton("Export\u2026", objectName="batchExport", enabled=False)
        close = QPushButton("Close")
        self.run_button.clicked.connect(self.start)
        self.export_button.clicked.connect(lambda: self.export())
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for w in (self.run_button, self.export_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def start(self) -> None:
        """Collect the stored books (here: the database belongs to the GUI thread) and run the batch off it."""
        from engine import InputError, portfolio_to_dict
        from workstation.batch.books import BookRef
        from workstation.batch.runner import check_scenarios
        if self._thread is not None:
            return
        scenarios = self._sets[self.set_box.currentData()].scenarios
        mode = self.mode_box.currentData()
        modes = ["pm", "mc"] if mode == "both" else [mode]
        try:
            check_scenarios(self._market, scenarios)
        except InputError as exc:
            self.status.setText(str(exc))
            return
        refs = []
        for s in self._store.list_portfolios():
            try:
                refs.append(BookRef(label=s.name, doc=portfolio_to_dict(self._store.load_portfolio(s.name))))
            except Exception as exc:  # noqa: BLE001 - a book that cannot be read is its row
                refs.append(BookRef(label=s.name, error=f"{s.name}: {exc}"))
        self.progress.setRange(0, max(len(refs), 1))
        self.progress.setValue(0)
        self.status.setText(f"Running {len(refs)} books x {len(scenarios)} scenarios\u2026")
        self.run_button.setEnabled(False)
        args = (refs, self._market, scenarios, modes, [None], self.floor_box.value())
        self._thread = _BatchThread(self._runner, args)
        self._thread.progressed.connect(self._on_progress)
        self._thread.finished_rows.connect(self._on_rows)
        self._thread.failed.connect(self._on_failed)
        self._thread.finished.connect(self._on_thread_done)
        self._thread.start()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_rows(self, rows: list) -> None:
        self.rows = rows
        self._fill(rows)
        n_err = sum(1 for r in rows if r["error"])
        n_breach = sum(1 for r in rows if r.get("breach"))
        self.status.setText(f"{len(rows)} rows, {n_breach} breaches, {n_err} errors")
        self.export_button.setEnabled(bool(rows))

    def _on_failed(self, message: str) -> None:
        self.status.setText(f"Batch failed: {message}")

    def _on_thread_done(self) -> None:
        self._thread = None
        self.run_button.setEnabled(True)

    def _fill(self, rows: Sequence[dict]) -> None:
        cols = columns(rows)
        self.model.clear()
        self.model.setHorizontalHeaderLabels(cols)
        for r in rows:
            items = []
            for c in cols:
                v = r.get(c)
                text = "" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v))
                it = QStandardItem(text)
                it.setEditable(False)
                # numbers sort as numbers; a missing ratio (nothing needs margin) sorts after every number
                numeric = c not in TEXT_COLUMNS
                it.setData(float(v) if numeric and isinstance(v, (int, float)) and not isinstance(v, bool) else
                           (float("inf") if numeric and v is None else text), SORT_ROLE)
                if isinstance(v, float):
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                items.append(it)
            self.model.appendRow(items)
        self.table.resizeColumnsToContents()

    def export(self, path: str | None = None) -> Path | None:
        if not self.rows:
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export batch results", "batch.csv",
                                                  "CSV (*.csv);;Parquet (*.parquet)")
            if not path:
                return None
        p = Path(path)
        if p.suffix.lower() not in (".csv", ".parquet"):
            p = p.with_suffix(".csv")
        try:
            write_table(self.rows, p)
        except OSError as exc:
            self.status.setText(f"{p}: {exc.strerror or exc}")
            return None
        self.status.setText(f"Wrote {len(self.rows)} rows to {p}")
        return p

    def done(self, result: int) -> None:
        """Closing is refused while a batch runs (its thread must not outlive the dialog)."""
        if self._thread is not None:
            self.status.setText("The batch is still running; close when it has finished")
            return
        super().done(result)

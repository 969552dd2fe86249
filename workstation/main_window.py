"""The main window: portfolio browser, book editor, account summary, risk-unit dashboard, charts, market panel.

Data flow (one direction): a user edit -> an undo command -> ``DocumentHolder.apply`` (saves, then emits
``changed``) -> the window refreshes the book tables and asks the compute service for a new result -> the result
arrives on the GUI thread -> summary, dashboard and charts update. The window itself never computes margin.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QUndoGroup, QUndoStack
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QInputDialog, QLabel, QMainWindow,
                               QMessageBox, QSplitter, QVBoxLayout, QWidget)

from engine.catalogue import instrument_ids_for_completion
from engine.result import MarginResult
from workstation import settings
from workstation.actions import WindowActions
from workstation.controllers.account_mode import AccountModeSwitch
from workstation.controllers.book_edits import BookEdits
from workstation.controllers.market_fetch import MarketFetcher
from workstation.controllers.portfolios import PortfolioBrowser
from workstation.controllers.reconcile import ReconcileActions
from workstation.controllers.results import ResultsView
from workstation.controllers.whatif import WhatIfView
from workstation.layout_charts import DeferredCharts
from workstation.layout_tables import ColumnFitter, EmptyHint
from workstation.layout import WindowLayout, app_icon, layout_widgets  # noqa: F401 - layout_widgets re-exported
from workstation.models.tables import RiskUnitModel
from workstation.services.compute import ComputeService
from workstation.services.document import DocumentHolder
from workstation.theme import LIGHT, ThemeManager
from workstation.widgets.book_editor import BookEditor, make_table
from workstation.widgets.dialogs import CompareDialog
from workstation.widgets.layout_barrier import LayoutBarrier
from workstation.widgets.spot_in_use import SpotInUseControl
from workstation.widgets.summary import AccountSummary

log = logging.getLogger(__name__)


class MainWindow(PortfolioBrowser, BookEdits, MarketFetcher, ResultsView, WhatIfView, AccountModeSwitch,
                 ReconcileActions, DeferredCharts, WindowLayout, WindowActions, QMainWindow):
    resultShown = Signal(object)          # MarginResult shown (committed or preview)
    chartsReady = Signal()                # the charts are built (after the first painted result: layout_charts.py)
    computationSettled = Signal()         # no computation outstanding any more
    compareReady = Signal(object)         # the CompareDialog just opened

    BUSY_INDICATOR_DELAY_MS = 250

    UNIT_NOTE_PM = ("\u2020 italic: the figure rests on a rule parameter tagged 'assumed' (hover for its name).  "
                    "Select a unit for its charts and spot in use.")
    UNIT_NOTE_FUTURES = ("Spot and futures mode has no risk units: each settlement currency margins its own "
                         "positions (IMR / MMR in the Positions table; per-currency figures in the switch dialog "
                         "and riskws margin --mode futures).")
    UNIT_NOTE_SPOT = "Spot mode: balances only, nothing needs margin."
    UNIT_EMPTY_PM = ("No risk units: the book holds no derivatives (a spot balance alone forms no unit). Add a "
                     "position to see its unit here.")
    UNIT_NOTE_MC = ("Multi-currency mode has no risk units: the margin of each position is in the Positions table "
                    "(IMR / MMR (MC) columns).")

    def __init__(self, store, theme_manager: ThemeManager | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("riskws \u2014 portfolio-margin risk workstation")
        self.store = store
        self.themes = theme_manager or ThemeManager(LIGHT, self)
        self.holder = DocumentHolder(store, self)
        # One undo history per portfolio (kept while the window is open); the group's actions follow the open one.
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[str, QUndoStack] = {}
        self._no_stack = QUndoStack(self)
        self.undo_group.addStack(self._no_stack)
        self.undo_group.setActiveStack(self._no_stack)
        self.compute = ComputeService(self)
        self.prepared: Any = None
        self.result: MarginResult | None = None
        self.spots: dict[str, float | None] = {}
        self.selected_unit = ""
        self.selected_underlying = ""          # multi-currency mode: whose P&L the stress and heatmap charts show
        self.compare_dialog: CompareDialog | None = None
        self.compare_view: Any = None            # the side-by-side view (controllers/whatif.py), when open
        self._pending_compare: dict[str, Any] | None = None
        self._snapshot_label = ""
        self._resize_book_columns = False
        self.owns_store = False            # set by workstation.app when the window opened the store itself
        self._store_closed = False
        self._market_at_open: tuple[str, Any] | None = None
        self._whatif_library: list[tuple[str, Any]] | None = None     # the scenario library, read once

        self._build_central()
        self._build_docks()
        self._init_deferred_charts()
        self._build_actions()
        self._build_menus_and_toolbar()
        self.statusBar().setObjectName("statusBar")
        self.busy_label = QLabel("")
        self.busy_label.setProperty("role", "muted")
        # fixed size: its text flips on every computation, and a label that may change size asks the whole
        # window for a new layout (a full repaint on each step of a spot-in-use drag)
        self.busy_label.setFixedSize(self.busy_label.fontMetrics().horizontalAdvance("Computing\u2026") + 16,
                                     self.busy_label.sizeHint().height())
        self.statusBar().addPermanentWidget(self.busy_label)
        # "Computing..." only for computations still running after a moment: a drag preview returns within a few
        # milliseconds, and flashing the label on and off cost two extra repaint passes per step
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(self.BUSY_INDICATOR_DELAY_MS)
        self._busy_timer.timeout.connect(lambda: self.busy_label.setText("Computing\u2026"))

        self.holder.changed.connect(self._on_document_changed)
        self.holder.failed.connect(lambda m: self.status(f"Not applied: {m}", error=True))
        self.holder.reloaded.connect(self._on_reloaded_after_conflict)
        self.compute.finished.connect(self._on_computed)
        self.compute.failed.connect(self._on_compute_failed)
        self.compute.busyChanged.connect(self._on_busy)
        self.themes.themeChanged.connect(self._apply_theme)
        self.undo_group.indexChanged.connect(lambda _i: self._update_actions())

        if self.themes.sheet_pending:
            # the style sheet once, on the whole window (issue 16, cold start): every widget added under an
            # application style sheet is polished again (~0.1 s of CPU for this window). A combo box keeps the
            # minimum size it first computes (Qt's AdjustToContentsOnFirstShow); built under the sheet, the empty
            # ones (the what-if choice, filled when a book opens) computed theirs empty: so they do here
            self.themes.apply()
            for combo in self.findChildren(QComboBox):
                combo.minimumSizeHint()
        self.setWindowIcon(app_icon())
        self.resize(1600, 1000)
        self._default_state = self.saveState()
        self._apply_theme(self.themes.theme)
        self.refresh_portfolio_list()
        self._update_actions()

    # ------------------------------------------------------------------------------------------------ building
    def _build_central(self) -> None:
        central = QWidget()
        central.setObjectName("centralPane")
        lay = QVBoxLayout(central)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)

        self.summary = AccountSummary()
        # the summary's and the spot-in-use control's texts change on every drag step: the window is laid out again
        # only when their size hints change (widgets/layout_barrier.py)
        lay.addWidget(LayoutBarrier(self.summary))

        self.unit_model = RiskUnitModel(self)
        self.unit_view = make_table("riskUnitTable", self.unit_model, editable=False)
        self.unit_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.unit_view.horizontalHeader().setMinimumSectionSize(40)
        self.unit_columns = ColumnFitter(self.unit_view)     # headers and figures never cut (layout_tables.py)
        self.unit_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.unit_view.customContextMenuRequested.connect(self._unit_context_menu)
        self.unit_view.selectionModel().selectionChanged.connect(self._on_unit_selected)
        self.unit_empty = EmptyHint(self.unit_view)           # why the grid is empty, in words, inside it
        self.unit_note = QLabel(self.UNIT_NOTE_PM)
        self.unit_note.setProperty("role", "muted")

        self.spot_control = SpotInUseControl()
        self.spot_control.previewRequested.connect(self._preview_spot)
        self.spot_control.previewCancelled.connect(self._cancel_preview)
        self.spot_control.committed.connect(self._commit_spot)
        self.spot_control.inputRejected.connect(lambda m: self.status(m, error=True))

        dash = QWidget()
        dl = QVBoxLayout(dash)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.setSpacing(4)
        dl.addWidget(self.unit_view, 1)
        dl.addWidget(self.unit_note)
        dl.addWidget(LayoutBarrier(self.spot_control))

        self.editor = BookEditor()
        self.editor.positions.on_edit = self._edit_positions
        self.editor.assets.on_edit = self._edit_assets
        self.editor.addPositionRequested.connect(self.add_position)
        self.editor.addBalanceRequested.connect(self.add_balance)
        self.editor.removeRequested.connect(self.remove_selected_rows)
        self.editor.refused.connect(lambda m: self.status(f"Not stored: {m}", error=True))
        self.editor.positions_view.selectionModel().currentRowChanged.connect(self._select_underlying_of_position)

        self.central_split = QSplitter(Qt.Orientation.Vertical)
        self.central_split.setObjectName("centralSplit")
        self.central_split.addWidget(dash)
        self.central_split.addWidget(self.editor)
        self.central_split.setStretchFactor(0, 1)
        self.central_split.setStretchFactor(1, 1)
        self.central_split.setChildrenCollapsible(False)
        lay.addWidget(self.central_split, 1)
        self.setCentralWidget(central)

    # ----------------------------------------------------------------------------------------------- utilities
    def status(self, message: str, *, error: bool = False, timeout: int = 8000) -> None:
        self.statusBar().showMessage(message, 0 if error else timeout)
        (log.warning if error else log.info)("%s", message)

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getText(self, title, label, text=text)
        return value.strip() if ok else None

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_open_path(self, title: str, filter_: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, title, settings.read("last_dir"), filter_)
        return path or None

    def ask_save_path(self, title: str, suggested: str, filter_: str) -> str | None:
        start = str(Path(settings.read("last_dir") or Path.home()) / suggested)
        path, _ = QFileDialog.getSaveFileName(self, title, start, filter_)
        return path or None

    def show_error(self, title: str, message: str) -> None:
        self.status(message, error=True)
        QMessageBox.warning(self, title, message)

    def show_warnings(self, title: str, text: str, lines: Sequence[str]) -> None:
        """Things done on the user's behalf (e.g. an import's skipped rows): a non-blocking message box."""
        for line in lines:
            log.warning("%s", line)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text + "\n\n" + "\n".join(f"\u2022 {x}" for x in lines),
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("importWarnings")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _remember_dir(self, path: str) -> None:
        try:
            settings.write("last_dir", str(Path(path).parent))
        except OSError:
            pass

    # ---------------------------------------------------------------------------------------------- the document
    def _on_document_changed(self, reason: str) -> None:
        doc = self.holder.doc
        if doc is None:
            self.compute.cancel("main")
            self.compute.cancel("preview")
            self.compute.cancel("unit")
            self.compute.cancel("curve")
            self.prepared = self.result = None
            self._pending_curve = self._pending_unit = None
            self.editor.positions.set_book((), {}, None)
            self.editor.assets.set_book((), {})
            self.unit_model.set_units(())
            self.market_panel.set_market(None, {})
            self.summary.clear("No portfolio open")
            self.spot_control.set_unit(None)
            for c in self.charts.values():
                c.clear("No portfolio open")
            self.setWindowTitle("riskws \u2014 portfolio-margin risk workstation")
            self._update_actions()
            return
        if reason == "open":
            self.compute.cancel("curve")                   # a live curve of the previous book must not land
            self._load_whatifs()
            if self._pending_compare is not None:          # a comparison of the previous portfolio
                self.compute.cancel("compare")
                self._pending_compare = None
            self._market_at_open = (doc.name, doc.market)
            self.result = None
            self.prepared = None
            self.selected_unit = ""
            self.selected_underlying = ""
            try:
                self._snapshot_label = self.store.portfolio_market_name(doc.name) or "newest"
            except Exception:  # noqa: BLE001 - the label is cosmetic
                self._snapshot_label = ""
        if reason == "whatif":
            # a what-if step: the worker starts on it first, the window's own widgets are updated meanwhile
            self.recompute()
        opened = self._opened_market(doc)
        edited = doc.market is not opened and doc.market != opened     # a what-if step: the same object
        self.market_panel.set_market(doc.market, doc.whatif,
                                     self._snapshot_label + (" (edited, not saved)" if edited else ""))
        self._sync_selectors()
        if reason != "whatif":               # a what-if leaves the book as it is; its figures come with the result
            self._refresh_book_tables()
        if reason == "open":
            self._resize_book_columns = True
        self.setWindowTitle(f"{doc.name} \u2014 riskws")
        self._update_actions()
        if reason != "whatif":
            self.recompute()

    def _on_reloaded_after_conflict(self, name: str, message: str) -> None:
        """Another program saved the open portfolio: its undo history holds states older than the stored book, so
        it goes (later: this may run inside an undo command); the status bar says what happened."""
        stack = self._stacks.get(name)
        if stack is not None:
            QTimer.singleShot(0, stack.clear)
        self.status(message, error=True)

    def _opened_market(self, doc: Any) -> Any:
        """The market the open portfolio was opened (or last saved) with, to tell whether it has been edited."""
        opened = self._market_at_open
        if opened is not None and opened[0] == doc.name:
            return opened[1]
        return doc.market

    def _refresh_book_tables(self) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        r = self.result
        pos_results = {p.inst_id: p for p in (r.positions if r else ())}
        if r is not None:
            for u in r.units:
                for p in u.positions:
                    pos_results.setdefault(p.inst_id, p)
        self.editor.positions.set_book(doc.portfolio.positions, pos_results, doc.market.ts)
        self.editor.assets.set_book(doc.portfolio.assets, {a.ccy: a for a in (r.assets if r else ())})
        ids = set(instrument_ids_for_completion()) | set(doc.market.mark_px) | set(doc.market.mark_vol)
        ids |= {p.inst_id for p in doc.portfolio.positions}
        self.editor.position_delegate.set_completions(sorted(ids))

    # -------------------------------------------------------------------------------------------- spot in use
    # -------------------------------------------------------------------------------------------- what-if
    def _on_whatif(self, moves: dict) -> None:
        self.holder.set_whatif(moves)

    # ------------------------------------------------------------------------------------------------ theme
    def toggle_theme(self) -> None:
        t = self.themes.toggle()
        try:
            settings.write("theme", t.name)
        except OSError:
            pass
        self.status(f"{t.name.capitalize()} theme")

    def _apply_theme(self, theme: Any) -> None:
        for m in (self.unit_model, self.editor.positions, self.editor.assets, self.market_panel.model):
            m.set_theme(theme)
        for c in self.charts.values():
            try:
                c.apply_theme(theme)
            except Exception as exc:  # noqa: BLE001 - a chart must not break the theme switch
                log.error("chart %s: apply_theme failed: %s", type(c).__name__, exc)
        self.act_theme.setText("Light theme" if theme.name == "dark" else "Dark theme")

    # ------------------------------------------------------------------------------------------------ lifetime
    def shutdown(self) -> None:
        """Stop the worker and the timers (idempotent). Called on close."""
        self.spot_control.stop_timers()
        self.market_panel.stop_timers()
        self._busy_timer.stop()
        self.stop_layout_timers()
        self.stop_chart_timers()
        first = getattr(self, "first_result", None)
        if first is not None:                    # its thread ends with the first result (first_result.py)
            first.join(30.0)
        self.compute.shutdown()
        self.statusBar().clearMessage()          # stops the status bar's message timer

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.shutdown()
        if self.owns_store and not self._store_closed:
            self._store_closed = True
            self.store.close()
        super().closeEvent(event)


__all__ = ["MainWindow", "layout_widgets"]

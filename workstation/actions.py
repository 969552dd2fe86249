"""The window's actions, menus, toolbar and shortcuts (built once; enabled or disabled by ``_update_actions``).

``WindowActions`` is a mixin of ``MainWindow``: the actions' slots are the window's methods, and each action
keeps the objectName the tests and the settings file know it by (``actionUndo``, ``actionImport``...).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar

from workstation.widgets.dialogs import show_shortcuts

MODE_LABELS = (("4", "Portfolio margin (PM)"), ("3", "Multi-currency (MC)"), ("2", "Spot and futures"),
               ("1", "Spot"))

log = logging.getLogger("workstation.main_window")


class WindowActions:
    """Builds ``act_*`` (QAction), the File/Edit/View/Help menus and the toolbar with the mode and rules selectors."""

    def _action(self, text: str, slot: Callable, shortcut: Any = None, tip: str = "", name: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.setObjectName(name or ("action" + "".join(w.capitalize() for w in text.replace("\u2026", "").split())))
        a.triggered.connect(lambda _checked=False: slot())
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        self.act_undo = self.undo_group.createUndoAction(self, "Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_undo.setObjectName("actionUndo")
        self.act_redo = self.undo_group.createRedoAction(self, "Redo")
        self.act_redo.setShortcut(QKeySequence.StandardKey.Redo)
        self.act_redo.setObjectName("actionRedo")
        self.act_new = self._action("New portfolio\u2026", self.new_portfolio, QKeySequence.StandardKey.New,
                                    "Create an empty portfolio")
        self.act_duplicate = self._action("Duplicate portfolio\u2026", self.duplicate_portfolio, "Ctrl+D")
        self.act_rename = self._action("Rename portfolio\u2026", self.rename_portfolio, "F2")
        # F2 also edits a table cell: rename only while the portfolio list has the focus.
        self.removeAction(self.act_rename)
        self.act_rename.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.act_delete_portfolio = self._action("Delete portfolio\u2026", self.delete_portfolio, "Ctrl+Shift+Del")
        self.act_import = self._action("Import\u2026", self.import_file, QKeySequence.StandardKey.Open,
                                       "Import a book (portfolio file, OKX or ccxt positions, CSV) or a market snapshot")
        self.act_export = self._action("Export portfolio\u2026", self.export_portfolio, "Ctrl+E",
                                       "Write the open portfolio as a JSON file (formats.md §1)")
        self.act_export_csv = self._action("Export dashboard CSV\u2026", self.export_dashboard_csv, "Ctrl+Shift+E",
                                           "Write the risk-unit dashboard as CSV")
        from workstation.controllers.reports import export_all_tables, write_risk_report
        self.act_report = self._action("Risk report\u2026", lambda: write_risk_report(self), "Ctrl+P",
                                       "Write a risk report of the open portfolio (PDF or HTML): summary, units, "
                                       "positions, the four charts, rule set, market age, assumed parameters")
        self.act_export_tables = self._action("Export all tables (CSV)\u2026", lambda: export_all_tables(self), None,
                                              "Write the risk units, positions and balances as CSV files "
                                              "(rounded values, units in the headers)")
        self.act_save_market = self._action("Save market snapshot as\u2026", self.save_market_snapshot, None,
                                            "Store the market in use (with your index edits) as a named snapshot "
                                            "and value this portfolio against it")
        self.act_fetch_market = self._action("Fetch from OKX\u2026", lambda: self.fetch_market(), None,
                                             "Take today's market from OKX's public API (no key), store it and "
                                             "value the open portfolio on it")
        self.act_batch = self._action("Batch what-if over stored portfolios\u2026", self.open_batch_dialog, None,
                                      "Every stored portfolio under a set of named scenarios (Dask), sortable, "
                                      "exportable")
        self.act_reconcile = self._action("Reconcile with OKX\u2026", self.reconcile_with_okx, None,
                                          "OKX's figures (an observation, or balance + positions responses) beside "
                                          "riskws's, with differences", name="actionReconcile")
        self.act_add_rules = self._action("Add rule set\u2026", self.add_rule_set, None,
                                          "Install a rule-set file (e.g. calibrated with riskws calibrate) and add it "
                                          "to the Rule set selector", name="actionAddRuleSet")
        self.act_refresh = self._action("Refresh", self.refresh, QKeySequence.StandardKey.Refresh,
                                        "Recompute the open portfolio")
        if self.act_refresh.shortcut().isEmpty():
            self.act_refresh.setShortcut(QKeySequence("F5"))
        self.act_theme = self._action("Toggle dark theme", self.toggle_theme, "Ctrl+T")
        self.act_remove = self._action("Delete", self.delete_selected, QKeySequence.StandardKey.Delete,
                                       "Remove the selected positions or balances (or the portfolio, in the list)")
        self.act_reset_layout = self._action("Reset layout", self.reset_layout)
        self.act_auto_spot = self._action("Spot in use back to automatic", self.spot_back_to_automatic, "Ctrl+Shift+A")
        self.act_shortcuts = self._action("Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents)
        self.act_quit = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)
        for a in (self.act_undo, self.act_redo):
            self.addAction(a)
        for a in (self.act_new, self.act_duplicate, self.act_rename, self.act_delete_portfolio, self.act_import,
                  self.act_export):
            self.portfolio_list.addAction(a)

    def _build_menus_and_toolbar(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        for a in (self.act_new, self.act_duplicate, self.act_rename, self.act_delete_portfolio, None, self.act_import,
                  self.act_export, self.act_export_csv, self.act_export_tables, self.act_report, self.act_save_market,
                  None, self.act_batch, None, self.act_reconcile, self.act_add_rules, None, self.act_quit):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu("&Edit")
        for a in (self.act_undo, self.act_redo, None, self.act_remove, self.act_auto_spot):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu("&Market")
        m.addAction(self.act_fetch_market)
        m.addAction(self.act_save_market)
        m = mb.addMenu("&View")
        m.addAction(self.act_refresh)
        m.addAction(self.act_theme)
        m.addSeparator()
        for d in (self.portfolio_dock, self.market_dock, *self.chart_docks, self.explain_dock):
            m.addAction(d.toggleViewAction())
        m.addSeparator()
        m.addAction(self.act_reset_layout)
        m = mb.addMenu("&Help")
        m.addAction(self.act_shortcuts)

        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        self.addToolBar(tb)
        # Toolbar twins of Undo/Redo with a fixed label (the menu actions carry the command's text).
        self.tb_undo = QAction("Undo", self)
        self.tb_undo.setObjectName("toolbarUndo")
        self.tb_undo.triggered.connect(lambda: self.undo_group.undo())
        self.tb_redo = QAction("Redo", self)
        self.tb_redo.setObjectName("toolbarRedo")
        self.tb_redo.triggered.connect(lambda: self.undo_group.redo())
        self.undo_group.canUndoChanged.connect(self.tb_undo.setEnabled)
        self.undo_group.canRedoChanged.connect(self.tb_redo.setEnabled)
        self.undo_group.undoTextChanged.connect(lambda t: self.tb_undo.setToolTip(f"Undo {t}" if t else "Undo"))
        self.undo_group.redoTextChanged.connect(lambda t: self.tb_redo.setToolTip(f"Redo {t}" if t else "Redo"))
        self.tb_undo.setEnabled(False)
        self.tb_redo.setEnabled(False)
        for a in (self.act_new, self.act_import, self.act_export, self.act_report, None, self.tb_undo, self.tb_redo,
                  None, self.act_refresh):
            tb.addSeparator() if a is None else tb.addAction(a)
        tb.addSeparator()
        tb.addWidget(QLabel(" Account mode "))
        self.mode_selector = QComboBox()
        self.mode_selector.setObjectName("accountModeSelector")
        for code, label in MODE_LABELS:
            self.mode_selector.addItem(label, code)
        self.mode_selector.setToolTip("Simulate an account-mode switch (shows before/after; applied on confirmation)")
        self.mode_selector.activated.connect(self._on_mode_selected)
        tb.addWidget(self.mode_selector)
        tb.addWidget(QLabel("  Rule set "))
        self.rules_selector = QComboBox()
        self.rules_selector.setObjectName("rulesSelector")
        self.rules_selector.setToolTip("Versioned OKX margin parameters; changing shows before/after first")
        try:
            from engine.params import available_rule_sets, default_rule_set_id
            for rid in available_rule_sets():
                self.rules_selector.addItem(rid, rid)
            self._default_rules = default_rule_set_id()
        except Exception as exc:  # noqa: BLE001 - the window still opens; the selector says why it is empty
            log.error("rule sets unavailable: %s", exc)
            self._default_rules = ""
            self.rules_selector.setToolTip(f"Rule sets unavailable: {exc}")
        self.rules_selector.activated.connect(self._on_rules_selected)
        tb.addWidget(self.rules_selector)
        tb.addSeparator()
        tb.addAction(self.act_theme)

    def _update_actions(self) -> None:
        has_doc = self.holder.doc is not None
        selected = self.portfolio_list.currentItem() is not None
        for a in (self.act_duplicate, self.act_rename, self.act_delete_portfolio, self.act_export):
            a.setEnabled(selected)
        for a in (self.act_refresh, self.act_export_csv, self.act_remove, self.act_save_market, self.act_report,
                  self.act_export_tables):
            a.setEnabled(has_doc)
        self.act_auto_spot.setEnabled(has_doc and self.spot_control.auto_button.isEnabled())
        self.mode_selector.setEnabled(has_doc and self._pending_compare is None)
        self.rules_selector.setEnabled(has_doc and self._pending_compare is None and self.rules_selector.count() > 0)
        self.editor.setEnabled(has_doc)

    def open_batch_dialog(self) -> None:
        """The batch dialog on the market in use (else the newest stored snapshot)."""
        from workstation.widgets.batch_dialog import BatchDialog
        doc = self.holder.doc
        market = doc.market if doc is not None else None
        if market is None:
            markets = self.store.list_markets()
            if not markets:
                self.status("Batch: no market snapshot stored: import one first", error=True)
                return
            market = self.store.load_market(markets[0].name)
        self.batch_dialog = BatchDialog(self.store, market, self)
        self.batch_dialog.show()

    def show_shortcuts(self) -> None:
        rows = []
        for a in (self.act_undo, self.act_redo, self.act_new, self.act_import, self.act_export, self.act_export_csv,
                  self.act_report, self.act_refresh, self.act_theme, self.act_remove, self.act_duplicate, self.act_rename,
                  self.act_delete_portfolio, self.act_auto_spot, self.act_shortcuts, self.act_quit):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts())
            if keys:
                where = " (in the portfolio list)" if a is self.act_rename else ""
                rows.append((a.text().replace("&", "") + where, keys))
        rows.append(("Edit a cell", "F2 / double-click / type"))
        rows.append(("Spot in use", "drag, or arrow keys on the slider"))
        show_shortcuts(self, rows)

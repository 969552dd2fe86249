"""The portfolio browser: list, open, new/duplicate/rename/delete, import/export, per-portfolio undo histories.

Every store write is one call (or one ``store.transaction()``); a refused write is shown and changes nothing.
File > Import reads any format of docs/IMPORTS.md through ``engine.importers`` and shows its warnings.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QListWidgetItem

from engine.errors import InputError
from engine.importers import NotABookError
from engine.importers import import_file as import_book
from engine.portfolio import Portfolio, portfolio_to_dict
from workstation import settings


class PortfolioBrowser:
    """Mixin of ``MainWindow``: the ``portfolioList`` dock's actions and the store writes behind them."""

    IMPORT_FILTER = "Portfolio or market files (*.json *.csv);;All files (*)"

    def refresh_portfolio_list(self, select: str | None = None) -> None:
        current = select or (self.holder.doc.name if self.holder.doc else None)
        self.portfolio_list.blockSignals(True)
        self.portfolio_list.clear()
        for s in self.store.list_portfolios():
            mode = {"4": "PM", "3": "MC", "2": "spot and futures", "1": "spot"}.get(s.acct_lv, s.acct_lv)
            item = QListWidgetItem(s.name)
            item.setData(Qt.ItemDataRole.UserRole, s.name)
            item.setToolTip(f"{s.name}\n{mode}, {s.n_positions} positions, rules {s.rules or 'newest'}\n"
                            f"market {s.market or 'newest snapshot'}\nsaved {s.updated_at}")
            self.portfolio_list.addItem(item)
        self.portfolio_list.blockSignals(False)
        if current:
            self.select_portfolio(current, open_it=self.holder.doc is None or self.holder.doc.name != current)
        self._update_actions()

    def portfolio_names(self) -> list[str]:
        return [self.portfolio_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.portfolio_list.count())]

    def select_portfolio(self, name: str, open_it: bool = True) -> bool:
        for i in range(self.portfolio_list.count()):
            item = self.portfolio_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                if not open_it:
                    self.portfolio_list.blockSignals(True)
                self.portfolio_list.setCurrentItem(item, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self.portfolio_list.blockSignals(False)
                return True
        return False

    def _on_portfolio_selected(self, current: QListWidgetItem | None, _previous: Any = None) -> None:
        if current is None:
            return
        name = current.data(Qt.ItemDataRole.UserRole)
        if self.holder.doc is not None and self.holder.doc.name == name:
            return
        self.open_portfolio(name)

    def open_portfolio(self, name: str) -> bool:
        try:
            self.holder.open(name)
        except (InputError, LookupError, Exception) as exc:  # noqa: BLE001 - a bad row must not kill the window
            self.show_error("Cannot open portfolio", f"{name}: {exc}")
            return False
        self.undo_group.setActiveStack(self._stack_for(name))
        try:
            settings.write("last_portfolio", name)
        except OSError:
            pass
        self.status(f"Opened {name}")
        return True

    @property
    def undo_stack(self) -> QUndoStack:
        """The undo history of the open portfolio (an empty one when none is open)."""
        return self.undo_group.activeStack() or self._no_stack

    def _stack_for(self, name: str) -> QUndoStack:
        stack = self._stacks.get(name)
        if stack is None:
            stack = QUndoStack(self)
            stack.setObjectName(f"undo:{name}")
            self.undo_group.addStack(stack)
            self._stacks[name] = stack
        return stack

    def _drop_stack(self, name: str) -> None:
        stack = self._stacks.pop(name, None)
        if stack is not None:
            if self.undo_group.activeStack() is stack:
                self.undo_group.setActiveStack(self._no_stack)
            self.undo_group.removeStack(stack)
            stack.deleteLater()

    def _unique_name(self, base: str) -> str:
        names = set(self.portfolio_names())
        if base not in names:
            return base
        k = 2
        while f"{base} ({k})" in names:
            k += 1
        return f"{base} ({k})"

    def _selected_name(self) -> str | None:
        item = self.portfolio_list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def new_portfolio(self) -> None:
        name = self.ask_text("New portfolio", "Name:", self._unique_name("New portfolio"))
        if not name:
            return
        if self.store.has_portfolio(name):
            self.show_error("New portfolio", f"a portfolio named {name!r} already exists")
            return
        rules = self._default_rules or None
        try:
            self.store.save_portfolio(Portfolio(name=name, acct_lv="4", rules=rules))
        except Exception as exc:  # noqa: BLE001
            self.show_error("New portfolio", str(exc))
            return
        self.refresh_portfolio_list()
        self.select_portfolio(name)
        self.status(f"Created {name}")

    def duplicate_portfolio(self) -> None:
        name = self._selected_name()
        if not name:
            return
        new = self.ask_text("Duplicate portfolio", f"Name of the copy of {name}:", self._unique_name(f"{name} copy"))
        if not new:
            return
        try:
            self.store.duplicate_portfolio(name, new)
        except Exception as exc:  # noqa: BLE001 - NameTakenError, StoreError: shown, nothing changed
            self.show_error("Duplicate portfolio", str(exc))
            return
        self.refresh_portfolio_list()
        self.select_portfolio(new)
        self.status(f"Duplicated {name} as {new}")

    def rename_portfolio(self) -> None:
        name = self._selected_name()
        if not name:
            return
        new = self.ask_text("Rename portfolio", f"New name of {name}:", name)
        if not new or new == name:
            return
        try:
            self.store.rename_portfolio(name, new)
        except Exception as exc:  # noqa: BLE001
            self.show_error("Rename portfolio", str(exc))
            return
        if self.holder.doc is not None and self.holder.doc.name == name:
            self.holder.renamed(new)
            if self._market_at_open is not None and self._market_at_open[0] == name:
                self._market_at_open = (new, self._market_at_open[1])
        self._drop_stack(name)                 # its commands name the old portfolio
        if self.holder.doc is not None and self.holder.doc.name == new:
            self.undo_group.setActiveStack(self._stack_for(new))
        self.refresh_portfolio_list(select=new)
        self.status(f"Renamed {name} to {new}")

    def delete_portfolio(self) -> None:
        name = self._selected_name()
        if not name:
            return
        if not self.confirm("Delete portfolio", f"Delete the portfolio {name!r} from the database?\n"
                                                "This cannot be undone."):
            return
        try:
            self.store.delete_portfolio(name)
        except Exception as exc:  # noqa: BLE001
            self.show_error("Delete portfolio", str(exc))
            return
        row = self.portfolio_list.currentRow()
        if self.holder.doc is not None and self.holder.doc.name == name:
            self.holder.close()
        self._drop_stack(name)
        self.refresh_portfolio_list()
        if self.portfolio_list.count():
            self.portfolio_list.setCurrentRow(min(row, self.portfolio_list.count() - 1))
        self.status(f"Deleted {name}")

    def import_file(self, path: str | None = None) -> None:
        """Import a book of any supported format (docs/IMPORTS.md), or a market snapshot, from ``path``.

        A refused file changes nothing; what the importer ignored or changed on the way is shown, not dropped.
        """
        path = path or self.ask_open_path("Import portfolio or market snapshot", self.IMPORT_FILTER)
        if not path:
            return
        self._remember_dir(path)
        try:
            book = import_book(path)
        except NotABookError as exc:
            if exc.kind == "market":
                self._import_market(path)
            else:
                self.show_error("Import", str(exc))
            return
        except InputError as exc:
            self.show_error("Import", str(exc))
            return
        p = book.portfolio
        name = p.name or Path(path).stem
        if self.store.has_portfolio(name):
            name = self.ask_text("Import", f"A portfolio named {name!r} exists. Import as:", self._unique_name(name))
            if not name:
                return
            if self.store.has_portfolio(name):
                self.show_error("Import", f"a portfolio named {name!r} already exists; nothing imported")
                return
        try:
            self.store.save_portfolio(replace(p, name=name))
        except Exception as exc:  # noqa: BLE001
            self.show_error("Import", str(exc))
            return
        self.refresh_portfolio_list()
        self.select_portfolio(name)
        n = len(book.warnings)
        self.status(f"Imported {name} from {path} ({book.source_kind})"
                    + (f"; {n} warning{'s' if n != 1 else ''}" if n else ""))
        if book.warnings:
            self.show_warnings("Import", f"Imported {name!r} from {Path(path).name} ({book.source_kind}) with "
                               f"{n} warning{'s' if n != 1 else ''}:", book.warnings)
        offer = getattr(self, "offer_fresh_market", None)
        if offer is not None:
            offer(book.source_kind)

    def _import_market(self, path: str) -> None:
        from engine.market import load_market
        try:
            m = load_market(path)
        except InputError as exc:
            self.show_error("Import", str(exc))
            return
        name = Path(path).stem
        try:
            self.store.save_market(name, m)
        except Exception as exc:  # noqa: BLE001
            self.show_error("Import", str(exc))
            return
        self.status(f"Imported market snapshot {name!r}; portfolios without a linked snapshot use the newest")
        if self.holder.doc is not None:
            self.holder.open(self.holder.doc.name)
            self.undo_stack.clear()            # its commands hold the previous snapshot

    def export_portfolio(self) -> None:
        name = self._selected_name()
        if not name:
            return
        path = self.ask_save_path("Export portfolio", f"{name}.json", "JSON files (*.json)")
        if not path:
            return
        self._remember_dir(path)
        try:
            p = self.store.load_portfolio(name)
            Path(path).write_text(json.dumps(portfolio_to_dict(p), indent=2) + "\n", encoding="utf-8")
        except Exception as exc:  # noqa: BLE001
            self.show_error("Export", f"{path}: {exc}")
            return
        self.status(f"Exported {name} to {path}")

    def save_market_snapshot(self, name: str | None = None) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        name = name or self.ask_text("Save market snapshot", "Snapshot name:", f"{doc.name} market")
        if not name:
            return
        if self.store.has_market(name) and not self.confirm("Save market snapshot",
                                                             f"Replace the snapshot {name!r}?"):
            return
        try:
            with self.store.transaction():
                self.store.save_market(name, doc.market)
                self.store.save_portfolio(replace(doc.portfolio, name=doc.name), market_name=name)
        except Exception as exc:  # noqa: BLE001 - shown; the transaction left the database as it was
            self.show_error("Save market snapshot", str(exc))
            return
        self._snapshot_label = name
        self._market_at_open = (doc.name, doc.market)
        self.market_panel.set_market(doc.market, doc.whatif, name)
        self.refresh_portfolio_list()
        self.status(f"Saved the market as {name!r}; {doc.name} is valued against it")

    def export_dashboard_csv(self, path: str | None = None) -> None:
        if self.result is None:
            self.status("Nothing to export yet: no result", error=True)
            return
        name = self.holder.doc.name if self.holder.doc else "dashboard"
        path = path or self.ask_save_path("Export dashboard", f"{name} risk units.csv", "CSV files (*.csv)")
        if not path:
            return
        self._remember_dir(path)
        try:
            n = self.unit_model.write_csv(path)
        except OSError as exc:
            self.show_error("Export", f"{path}: {exc.strerror or exc}")
            return
        self.status(f"Wrote {n} risk units to {path}")

"""Edits of the open book (add, remove, best hedge, market edits), each applied through the document holder and
recorded as one undo step. A mixin of ``MainWindow``: it uses the window's ``holder``, ``undo_stack``, ``editor``,
``status`` and ``show_error``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import QTableView

from engine.catalogue import known_currencies
from engine.portfolio import Asset
from workstation.models.columns import fmt_amount
from workstation.services.document import DocState
from workstation.undo import MERGE_MARKET_INDEX, StateCommand
from workstation.widgets.dialogs import BalanceDialog, PositionDialog


class BookEdits:
    """Mixin of ``MainWindow``: the book's edits as undo steps."""

    def push_state(self, after: DocState, text: str, *, merge_id: int = -1, merge_key: object = None) -> None:
        """Apply ``after`` (saved first; raises when refused) and record it as one undo step."""
        doc = self.holder.doc
        if doc is None:
            raise RuntimeError("no portfolio is open")
        before = doc.state
        if after == before:
            return
        self.holder.apply(after)
        self.undo_stack.push(StateCommand(self.holder, doc.name, before, after, text, merge_id=merge_id,
                                          merge_key=merge_key, applied=True))
        self.status(text)

    def _edit_positions(self, positions: tuple, text: str) -> None:
        doc = self.holder.doc
        self.push_state(replace(doc.state, portfolio=replace(doc.portfolio, positions=positions)), text)

    def _edit_assets(self, assets: tuple, text: str) -> None:
        doc = self.holder.doc
        self.push_state(replace(doc.state, portfolio=replace(doc.portfolio, assets=assets)), text)

    def _edit_market(self, market, text: str) -> None:
        doc = self.holder.doc
        self.push_state(replace(doc.state, market=market), f"Market: {text}", merge_id=MERGE_MARKET_INDEX,
                        merge_key=("market-edit", self.undo_stack.index()))

    def add_position(self) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        from engine.fill import fill_cash
        market = doc.market
        dlg = PositionDialog(self.editor.position_delegate._completions.stringList(),
                             self.editor.positions.check_instrument, self, fill=lambda p: fill_cash(p, market))
        dlg.setObjectName("positionDialog")
        if dlg.exec() and dlg.value is not None:
            self.add_position_as(dlg.value, dlg.fill_cash)

    def add_position_as(self, p: Any, fill: Any = None) -> None:
        """Add position ``p``; with ``fill`` (engine.fill.FillCash) its premium and fee go to the settlement
        currency's balance in the same undo step, as on a fill."""
        doc = self.holder.doc
        if doc is None:
            return
        from engine.fill import with_fill
        text = f"Add {p.inst_id} {fmt_amount(p.pos)}" + ("" if fill is None or fill.cash == 0
                                                          else f" as a fill ({fill.ccy} {fill.cash:+,.8g})")
        try:
            self.push_state(replace(doc.state, portfolio=with_fill(doc.portfolio, p, fill)), text)
        except Exception as exc:  # noqa: BLE001
            self.show_error("Add position", str(exc))

    def apply_hedge(self, inst_id: str, size: float, is_spot: bool) -> None:
        """A best hedge from the explain panel: a spot hedge sets the unit's spot in use; a contract hedge is a
        what-if trade booked as a fill at the mark (``engine.fill.with_trade``: fee charged, a held position's
        P&L settled), one undo step. Not rounded to the lot size: the snapshot carries no ``lotSz``."""
        doc = self.holder.doc
        if doc is None or size == 0:
            return
        if is_spot:
            self._commit_spot(inst_id, size, -1 - self.undo_stack.index())   # its own undo step, never merged
            return
        from engine.fill import with_trade
        from engine.portfolio import Position
        try:
            portfolio, fill = with_trade(doc.portfolio, Position(inst_id, size), doc.market)
            text = f"Best hedge: trade {inst_id} {fmt_amount(size)} as a fill ({fill.ccy} {fill.cash:+,.8g})"
            self.push_state(replace(doc.state, portfolio=portfolio), text)
        except Exception as exc:  # noqa: BLE001
            self.show_error("Apply hedge", str(exc))

    def add_balance(self) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        dlg = BalanceDialog(sorted(known_currencies()), [a.ccy for a in doc.portfolio.assets], self)
        dlg.setObjectName("balanceDialog")
        if dlg.exec() and dlg.value is not None:
            a: Asset = dlg.value
            try:
                self._edit_assets(doc.portfolio.assets + (a,), f"Add balance {fmt_amount(a.amt)} {a.ccy}")
            except Exception as exc:  # noqa: BLE001
                self.show_error("Add balance", str(exc))

    def remove_selected_rows(self, view: QTableView | None = None) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        view = view or self.editor.current_view()
        rows = self.editor.selected_rows(view)
        if not rows:
            self.status("Select the rows to remove first")
            return
        try:
            if view is self.editor.positions_view:
                gone = {self.editor.positions.row_object(r).inst_id for r in rows}
                keep = tuple(p for p in doc.portfolio.positions if p.inst_id not in gone)
                self._edit_positions(keep, f"Remove {', '.join(sorted(gone))}")
            else:
                gone = {self.editor.assets.row_object(r).ccy for r in rows}
                keep = tuple(a for a in doc.portfolio.assets if a.ccy not in gone)
                spot = tuple(s for s in doc.portfolio.spot_in_use if s.ccy not in gone)
                self.push_state(replace(doc.state, portfolio=replace(doc.portfolio, assets=keep, spot_in_use=spot)),
                                f"Remove balance {', '.join(sorted(gone))}")
        except Exception as exc:  # noqa: BLE001
            self.show_error("Remove", str(exc))

    def delete_selected(self) -> None:
        focus = self.focusWidget()
        if focus is self.portfolio_list:
            self.delete_portfolio()
        elif focus is self.editor.assets_view:
            self.remove_selected_rows(self.editor.assets_view)
        else:
            self.remove_selected_rows(self.editor.positions_view)

"""The open portfolio: the book, the market snapshot it is valued against and the transient what-if moves.

Every user edit goes through :meth:`Document.apply` (called by undo commands, never directly by widgets), which
persists the portfolio to the store *before* taking it as current: if the store refuses, nothing changes.
Market edits stay with the open document (the shared snapshot in the database is not rewritten).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from PySide6.QtCore import QObject, Signal

from engine.market import Market
from engine.portfolio import Portfolio


@dataclass(frozen=True)
class DocState:
    """What an undo command restores: the book and the market it is valued against."""

    portfolio: Portfolio
    market: Market


@dataclass
class Document:
    name: str
    state: DocState
    whatif: dict[str, float] = field(default_factory=dict)   # ccy -> relative index move, not persisted

    @property
    def portfolio(self) -> Portfolio:
        return self.state.portfolio

    @property
    def market(self) -> Market:
        return self.state.market

    def valuation_market(self) -> Market:
        """The market with the what-if index moves applied."""
        moves = {c: m for c, m in self.whatif.items() if m}
        return self.state.market.shifted(moves) if moves else self.state.market


class DocumentHolder(QObject):
    """Owns the open :class:`Document` and writes portfolio changes through to the store."""

    changed = Signal(str)        # what changed: "open", "portfolio", "market", "whatif", "closed"
    failed = Signal(str)         # an undo/redo the store refused

    def __init__(self, store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.doc: Document | None = None

    def open(self, name: str) -> Document:
        portfolio = self.store.load_portfolio(name)
        market = self.store.market_for_portfolio(name)
        if market is None:
            raise LookupError(f"the database holds no market snapshot to value {name!r} against; import one first")
        if portfolio.name != name:
            portfolio = replace(portfolio, name=name)
        self.doc = Document(name, DocState(portfolio, market))
        self.changed.emit("open")
        return self.doc

    def close(self) -> None:
        self.doc = None
        self.changed.emit("closed")

    def apply(self, state: DocState) -> None:
        """Make ``state`` current; the portfolio is saved first so a refused write changes nothing."""
        doc = self.doc
        if doc is None:
            raise RuntimeError("no portfolio is open")
        old = doc.state
        if state.portfolio != old.portfolio:
            self.store.save_portfolio(replace(state.portfolio, name=doc.name))
        doc.state = state
        self.changed.emit("portfolio" if state.portfolio != old.portfolio else "market")

    def set_whatif(self, moves: Mapping[str, float]) -> None:
        if self.doc is None:
            return
        self.doc.whatif = {c: float(m) for c, m in moves.items() if m}
        self.changed.emit("whatif")

    def renamed(self, new_name: str) -> None:
        if self.doc is not None:
            self.doc.name = new_name
            self.doc.state = replace(self.doc.state, portfolio=replace(self.doc.state.portfolio, name=new_name))

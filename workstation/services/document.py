"""The open portfolio: the book, the market snapshot it is valued against and the transient what-if moves.

Every user edit goes through :meth:`Document.apply` (called by undo commands, never directly by widgets), which
persists the portfolio to the store *before* taking it as current: if the store refuses, nothing changes.
Market edits stay with the open document (the shared snapshot in the database is not rewritten).

Lost updates: the document remembers the revision of the portfolio it loaded and saves only over that revision.
When another program (``riskws import``, a second process) saved the portfolio meanwhile, the store refuses the
save; the holder then reloads the stored version, emits ``reloaded`` with a message saying so, and raises the
conflict, so the edit is neither saved nor put on the undo stack. The window never overwrites a newer version.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

from PySide6.QtCore import QObject, Signal

from db.errors import RevisionConflict
from engine.market import Market
from engine.portfolio import Portfolio
from engine.scenario import Scenario


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
    scenario: Scenario | None = None                         # the whole what-if (index moves included), or None
    revision: int | None = None                              # the stored revision the book was loaded at

    @property
    def portfolio(self) -> Portfolio:
        return self.state.portfolio

    @property
    def market(self) -> Market:
        return self.state.market

    def valuation(self) -> tuple[Portfolio, Market]:
        """The book and market to value: the what-if scenario applied (``engine.scenario.apply_scenario``), or
        the index moves alone, or the book as it is."""
        if self.scenario is not None and not self.scenario.is_identity:
            from engine.scenario import apply_scenario
            applied = apply_scenario(self.state.portfolio, self.state.market, self.scenario)
            return applied.portfolio, applied.market
        return self.state.portfolio, self.valuation_market()

    def valuation_inputs(self) -> tuple[Portfolio, Market, Scenario | None]:
        """What ``valuation`` applies, unapplied: (portfolio, market, scenario or None). The compute worker applies
        the scenario (``engine.whatif_fast``), so a what-if step costs the GUI thread nothing; without a scenario
        the market carries the index moves alone (or none)."""
        if self.scenario is not None and not self.scenario.is_identity:
            return self.state.portfolio, self.state.market, self.scenario
        return self.state.portfolio, self.valuation_market(), None

    def valuation_market(self) -> Market:
        """The market with the what-if index moves applied."""
        moves = {c: m for c, m in self.whatif.items() if m}
        return self.state.market.shifted(moves) if moves else self.state.market


class DocumentHolder(QObject):
    """Owns the open :class:`Document` and writes portfolio changes through to the store."""

    changed = Signal(str)        # what changed: "open", "portfolio", "market", "whatif", "closed"
    failed = Signal(str)         # an undo/redo the store refused
    reloaded = Signal(str, str)  # (portfolio name, message): another program saved it; the stored one was reloaded

    def __init__(self, store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.doc: Document | None = None
        # the first open may take its book read ahead on a thread (workstation/first_result.py): name -> book|None
        self.read_ahead: Callable[[str], tuple[Portfolio, int, Market] | None] | None = None

    def open(self, name: str) -> Document:
        ahead, self.read_ahead = self.read_ahead, None
        book = ahead(name) if ahead is not None else None
        if book is not None:
            portfolio, revision, market = book
        else:
            portfolio, revision = self.store.load_portfolio_revision(name)
            market = self.store.market_for_portfolio(name)
        if market is None:
            raise LookupError(f"the database holds no market snapshot to value {name!r} against; import one first")
        if portfolio.name != name:
            portfolio = replace(portfolio, name=name)
        self.doc = Document(name, DocState(portfolio, market), revision=revision)
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
            try:
                doc.revision = self.store.save_portfolio(replace(state.portfolio, name=doc.name),
                                                         expected_revision=doc.revision)
            except RevisionConflict as exc:
                message = self._reload_after_conflict(doc, exc)
                raise RevisionConflict(message, exc.name, exc.expected, exc.found) from None
        doc.state = state
        self.changed.emit("portfolio" if state.portfolio != old.portfolio else "market")

    def _reload_after_conflict(self, doc: Document, exc: RevisionConflict) -> str:
        """Another program saved (or removed) the portfolio: show the stored version, never overwrite it."""
        if exc.found is None:
            message = (f"{doc.name!r} was deleted or renamed by another program; your edit was not saved "
                       f"and the portfolio was closed")
            self.close()
        else:
            try:
                self.open(doc.name)
            except Exception:  # noqa: BLE001 - e.g. its market snapshot went too: close rather than show stale data
                self.close()
            n = len(self.doc.portfolio.positions) if self.doc is not None else 0
            message = (f"{doc.name!r} was changed by another program (revision {exc.found}, {n} positions); your "
                       f"edit was not saved and the stored version was reloaded")
        self.reloaded.emit(doc.name, message)
        return message

    def set_whatif(self, moves: Mapping[str, float]) -> None:
        if self.doc is None:
            return
        self.doc.whatif = {c: float(m) for c, m in moves.items() if m}
        self.doc.scenario = None
        self.changed.emit("whatif")

    def set_scenario(self, scenario: Scenario | None) -> None:
        """The what-if as a whole (None: none); ``whatif`` keeps its index moves for the index table."""
        if self.doc is None:
            return
        self.doc.scenario = None if scenario is None or scenario.is_identity else scenario
        cryptos = {k[:-4] for k in self.doc.market.index if k.endswith("-USD")}
        moves = {c: scenario.index_move(c) for c in cryptos} if self.doc.scenario is not None else {}
        self.doc.whatif = {c: m for c, m in moves.items() if m}
        self.changed.emit("whatif")

    def saved_whatifs(self, name: str | None = None) -> list[Scenario]:
        """Named what-ifs saved with a portfolio (``db.whatifs``: they follow a rename, a duplicate and a delete)."""
        from db import whatifs
        from engine.scenario import scenario_from_dict
        key = name if name is not None else (self.doc.name if self.doc is not None else None)
        if key is None:
            return []
        try:
            return [scenario_from_dict(d, f"saved what-if {i}") for i, d in enumerate(whatifs.load(self.store.db, key))]
        except (ValueError, TypeError):
            return []

    def save_whatif(self, scenario: Scenario) -> list[Scenario]:
        """Save (or replace, by name) a named what-if with the open portfolio; returns the saved list."""
        if self.doc is None:
            return []
        return self._store_whatifs([s for s in self.saved_whatifs() if s.name != scenario.name] + [scenario])

    def delete_whatif(self, name: str) -> list[Scenario]:
        if self.doc is None:
            return []
        return self._store_whatifs([s for s in self.saved_whatifs() if s.name != name])

    def _store_whatifs(self, saved: list[Scenario]) -> list[Scenario]:
        from db import whatifs
        with self.store.transaction():
            whatifs.store_list(self.store.db, self.doc.name, [s.to_dict() for s in saved])
        return saved

    def renamed(self, new_name: str) -> None:
        if self.doc is not None:
            self.doc.name = new_name
            self.doc.state = replace(self.doc.state, portfolio=replace(self.doc.state.portfolio, name=new_name))

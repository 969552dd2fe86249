"""Market ▸ Fetch from OKX: today's market into the database, and the open book valued on it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from workstation.widgets.fetch_dialog import FetchDialog


class MarketFetcher:
    """Window mixin: ``fetch_market`` opens the progress dialog; ``_fetch_finished`` stores what it brought."""

    fetch_dialog: FetchDialog | None = None

    def fetch_market(self, families: list[str] | None = None, base_url: str | None = None) -> FetchDialog:
        """Start a fetch (families: those of the stored portfolios plus BTC and ETH) with a non-blocking dialog."""
        from workstation.commands.market import stored_inst_ids
        from workstation.okx.fetch import default_families
        if families is None:
            families = default_families(stored_inst_ids(self.store.path))
        dlg = FetchDialog(families, base_url, self)
        dlg.finished.connect(lambda _code, d=dlg: self._fetch_finished(d))
        self.fetch_dialog = dlg
        dlg.open()
        return dlg

    def _fetch_finished(self, dlg: FetchDialog) -> None:
        if dlg.result is None:
            if dlg.error:
                self.show_error("Fetch from OKX", dlg.error + "\n\nNothing was stored.")
            else:
                self.status("Fetch from OKX cancelled; nothing was stored")
            return
        market, raw, outcome = dlg.result
        name = "okx-" + outcome.snapshot["fetchedAt"][:16].replace("T", "-").replace(":", "")
        doc = self.holder.doc
        try:
            with self.store.transaction():
                self.store.save_market(name, market, raw)
                if doc is not None:
                    self.store.save_portfolio(replace(doc.portfolio, name=doc.name), market_name=name)
        except Exception as exc:  # noqa: BLE001 - shown; the transaction left the database as it was
            self.show_error("Fetch from OKX", str(exc))
            return
        self.refresh_portfolio_list()
        if doc is not None:
            self.holder.open(doc.name)
            self.undo_stack.clear()            # its commands hold the previous snapshot
        self.status(f"Fetched {name}: {len(market.instruments)} instruments, {outcome.requests} requests in "
                    f"{outcome.seconds:.1f} s" + (f"; {doc.name} is valued on it" if doc is not None else ""))

    def offer_fresh_market(self, source_kind: str) -> Any:
        """After importing OKX positions: offer to value the book on a fresh fetch instead of an old snapshot."""
        if "okx" not in source_kind:
            return None
        from PySide6.QtWidgets import QMessageBox
        box = QMessageBox(QMessageBox.Icon.Question, "Value on today's market?",
                          "The imported OKX positions carry OKX's own mark prices, but the book is valued on the "
                          "stored snapshot. Fetch today's market from OKX (public data, no key) and value the book "
                          "on it?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("freshMarketOffer")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda code: self.fetch_market() if code == QMessageBox.StandardButton.Yes else None)
        self.fresh_market_offer = box
        from PySide6.QtCore import Qt
        box.setWindowModality(Qt.WindowModality.NonModal)   # the import is done whatever the answer
        box.show()
        return box

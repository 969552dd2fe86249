"""Mixin of ``MainWindow``: "Reconcile with OKX..." (an OKX answer beside riskws's figures, computed on the compute
service's "reconcile" channel) and "Add rule set..." (a calibrated rule set installed and put in the selector)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the dialog (and engine.reconcile under it) is imported when first shown, not at start-up
    from workstation.widgets.reconcile_view import ReconcileDialog

OKX_FILTER = "OKX answers (*.json);;All files (*)"


def _reconcile_job(path: str, portfolio: Any, market: Any, label: str):
    """Worker side: an observation with its own book and market; other answers use the open portfolio's."""
    from engine.reconcile import read_answer
    from engine.reconcile.run import reconcile_answer

    answer = read_answer(path, require_market=False)
    book = None if answer.portfolio is not None else portfolio
    use_market = None if answer.market is not None else market
    return reconcile_answer(answer, book=book, book_label=label, market=use_market,
                            market_label=f"the market of {label}")


class ReconcileActions:
    reconcile_dialog: ReconcileDialog | None = None

    def reconcile_with_okx(self) -> None:
        path = self.ask_open_path("Reconcile with OKX: an observation or OKX responses", OKX_FILTER)
        if path:
            self._remember_dir(path)
            self.start_reconcile(path)

    def start_reconcile(self, path: str) -> None:
        doc = self.holder.doc
        portfolio = doc.portfolio if doc is not None else None
        market = doc.valuation_market() if doc is not None else None
        label = f"portfolio {doc.name!r}" if doc is not None else "the open portfolio"
        self.status("Reconciling with OKX\u2026")
        self.compute.submit("reconcile", lambda: _reconcile_job(path, portfolio, market, label))

    def _reconcile_done(self, rec: Any) -> None:
        if self.reconcile_dialog is None:
            from workstation.widgets.reconcile_view import ReconcileDialog
            self.reconcile_dialog = ReconcileDialog(self.themes.theme, self)
        self.reconcile_dialog.show_reconciliation(rec)
        self.reconcile_dialog.show()
        self.reconcile_dialog.raise_()
        self.status(f"Reconciled {len(rec.rows)} figures with OKX: {len(rec.flagged)} beyond tolerance")

    def _reconcile_failed(self, message: str) -> None:
        self.show_error("Reconcile with OKX", message)

    def add_rule_set(self) -> None:
        path = self.ask_open_path("Add a rule set (e.g. from riskws calibrate)", "Rule sets (*.json);;All files (*)")
        if path:
            self._remember_dir(path)
            self.install_rule_set_file(path)

    def install_rule_set_file(self, path: str) -> str | None:
        """Install a rule-set file and put its id in the rules selector; the id, or None after an error."""
        from engine.errors import InputError
        from engine.params import install_rule_set
        try:
            rs = install_rule_set(path)
        except InputError as exc:
            self.show_error("Add rule set", str(exc))
            return None
        if self.rules_selector.findData(rs.id) < 0:
            self.rules_selector.addItem(rs.id, rs.id)
        self.status(f"Rule set {rs.id} added: choose it in the Rule set selector")
        self._update_actions()
        return rs.id

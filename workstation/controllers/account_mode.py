"""The account-mode and rule-set switch: compute before/after in the worker, show it, apply only on confirmation.

Flow: a selector is activated -> ``_start_compare`` (selectors disabled while pending) -> the "compare" channel
returns a ``jobs.Comparison`` -> ``CompareDialog`` -> ``_compare_done`` pushes one undo step, or keeps the current
mode / rules; the selectors always end showing the open portfolio's setting.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from engine.modes import MODE_NAMES
from engine.portfolio import ACCT_LEVELS
from workstation.services import jobs
from workstation.widgets.dialogs import CompareDialog


class AccountModeSwitch:
    """Mixin of ``MainWindow``: the ``accountModeSelector`` and ``rulesSelector`` flows."""

    def _sync_selectors(self) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        i = self.mode_selector.findData(doc.portfolio.acct_lv)
        self.mode_selector.setCurrentIndex(max(i, 0))
        rid = doc.portfolio.rules or self._default_rules
        j = self.rules_selector.findData(rid)
        if j >= 0:
            self.rules_selector.setCurrentIndex(j)

    def _on_mode_selected(self, index: int) -> None:
        doc = self.holder.doc
        code = self.mode_selector.itemData(index)
        if doc is None or code == doc.portfolio.acct_lv:
            return
        to = ACCT_LEVELS[code]
        portfolio, market = doc.valuation()
        self._start_compare({"kind": "mode", "code": code, "name": doc.name},
                            lambda: jobs.compare_mode(portfolio, market, to))

    def _on_rules_selected(self, index: int) -> None:
        doc = self.holder.doc
        rid = self.rules_selector.itemData(index)
        current = doc.portfolio.rules or self._default_rules if doc else None
        if doc is None or rid == current:
            return
        portfolio, market = doc.valuation()
        self._start_compare({"kind": "rules", "rules": rid, "name": doc.name},
                            lambda: jobs.compare_rule_sets(portfolio, market, current, rid))

    def _start_compare(self, pending: dict, fn: Callable[[], Any]) -> None:
        self._pending_compare = pending
        self._update_actions()
        self.status("Comparing before and after\u2026")
        self.compute.submit("compare", fn)

    def _compare_failed(self, message: str) -> None:
        self._pending_compare = None
        self._sync_selectors()
        self._update_actions()
        self.show_error("Cannot compare", message)

    def _open_compare(self, cmp: jobs.Comparison) -> None:
        doc = self.holder.doc
        pending = self._pending_compare
        if doc is None or pending is None or pending.get("name") != doc.name:
            self._pending_compare = None
            self._sync_selectors()
            self._update_actions()
            return
        if cmp.kind == "mode":
            src = MODE_NAMES[ACCT_LEVELS.get(doc.portfolio.acct_lv, "pm")]
            title = f"Switch account mode: {src} \u2192 {MODE_NAMES[cmp.target]}"
            labels = ("Now", "After switch")
        else:
            title = f"Change rule set: {doc.portfolio.rules or self._default_rules} \u2192 {cmp.target}"
            labels = ("Now", "New rules")
        dlg = CompareDialog(title, labels[0], labels[1], cmp.before, cmp.after, s_code=cmp.s_code,
                            reasons=cmp.reasons, theme=self.themes.theme, allowed=cmp.allowed, parent=self)
        self.compare_dialog = dlg
        dlg.finished.connect(lambda result, c=cmp: self._compare_done(result, c))
        dlg.open()
        self.compareReady.emit(dlg)

    def _compare_done(self, result: int, cmp: jobs.Comparison) -> None:
        pending, self._pending_compare = self._pending_compare, None
        dlg, self.compare_dialog = self.compare_dialog, None
        if dlg is not None:
            dlg.deleteLater()
        doc = self.holder.doc
        if result and doc is not None and pending is not None:
            try:
                if cmp.kind == "mode":
                    p = replace(doc.portfolio, acct_lv=pending["code"])
                    text = f"Account mode: {MODE_NAMES[ACCT_LEVELS[pending['code']]]}"
                else:
                    p = replace(doc.portfolio, rules=pending["rules"])
                    text = f"Rule set: {pending['rules']}"
                self.push_state(replace(doc.state, portfolio=p), text)
            except Exception as exc:  # noqa: BLE001
                self.show_error("Not applied", str(exc))
        else:
            self.status("Kept the current " + ("account mode" if cmp.kind == "mode" else "rule set"))
        self._sync_selectors()
        self._update_actions()

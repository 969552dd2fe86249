"""What-if of the open portfolio (issue 15 item 1): the panel's scenario to the document, named what-ifs saved
with the portfolio, the scenario library listed. A mixin of ``MainWindow``."""

from __future__ import annotations

from typing import Any


class WhatIfView:
    """Mixin of ``MainWindow``: wires ``market_panel.whatif`` to the document holder."""

    def _on_scenario(self, scenario: Any) -> None:
        self.holder.set_scenario(scenario)

    def _save_whatif(self, name: str, scenario: Any) -> None:
        try:
            saved = self.holder.save_whatif(scenario)
        except Exception as exc:  # noqa: BLE001 - a store that refuses: say so, keep the what-if applied
            self.status(f"What-if not saved: {exc}", error=True)
            return
        self.market_panel.whatif.set_saved(saved)
        self.status(f"What-if {name!r} saved with {self.holder.doc.name!r}" if self.holder.doc else "")

    def _delete_whatif(self, name: str) -> None:
        try:
            self.market_panel.whatif.set_saved(self.holder.delete_whatif(name))
        except Exception as exc:  # noqa: BLE001
            self.status(f"What-if not deleted: {exc}", error=True)
            return
        self.status(f"What-if {name!r} deleted")

    def _load_whatifs(self) -> None:
        """A newly opened portfolio: no what-if applied, its saved what-ifs and the scenario library listed."""
        panel = self.market_panel.whatif
        panel.clear()
        if self._whatif_library is None:
            from engine.scenario import scenario_sets, shipped_scenario_sets
            from workstation.scenario_dirs import user_scenario_dirs
            try:                                   # the shipped library and the user's own scenario files
                sets = scenario_sets(user_scenario_dirs())
            except Exception as exc:  # noqa: BLE001 - a broken user file must not stop the window: say so
                self.status(f"Scenario library: {exc}; showing the shipped scenarios only", error=True)
                sets = shipped_scenario_sets()
            self._whatif_library = [(f"{st.name}/{sc.name}", sc) for st in sets.values() for sc in st.scenarios]
        try:
            saved = self.holder.saved_whatifs()
        except Exception:  # noqa: BLE001
            saved = []
        panel.set_saved(saved, self._whatif_library)

    # ------------------------------------------------------------------------------- compare side by side
    NOW = "Now (no what-if)"
    CURRENT = "What-if (current)"

    def open_compare_view(self) -> None:
        """Two states of the open book side by side (issue 15 item 2): now, the current what-if, saved what-ifs,
        each in any account mode and rule set."""
        from workstation.widgets.compare_view import CompareView
        doc = self.holder.doc
        if doc is None:
            return
        saved = self.holder.saved_whatifs()
        states = [self.NOW] + ([self.CURRENT] if doc.scenario is not None else []) + [f"saved: {s.name}" for s in saved]
        rule_sets = [self.rules_selector.itemData(i) for i in range(self.rules_selector.count())]
        theme = self.themes.theme
        view = CompareView(states, rule_sets, negative=theme.negative, positive=theme.positive, parent=self)
        view.compareRequested.connect(self._compare_sides)
        view.finished.connect(lambda _r: setattr(self, "compare_view", None))
        self.compare_view = view
        view.show()
        view.request()

    def _side_scenario(self, state: str) -> Any:
        doc = self.holder.doc
        if state == self.CURRENT:
            return doc.scenario
        if state.startswith("saved: "):
            name = state[len("saved: "):]
            return next((s for s in self.holder.saved_whatifs() if s.name == name), None)
        return None

    def _compare_sides(self, left: dict, right: dict) -> None:
        doc = self.holder.doc
        if doc is None:
            return
        portfolio, market = doc.portfolio, doc.market
        sides = [(self._side_scenario(s["state"]), s["mode"] or None, s["rules"] or None) for s in (left, right)]
        self.compute.submit("sides", lambda: compute_sides(portfolio, market, sides))

    def _show_sides(self, payload: Any) -> None:
        view = getattr(self, "compare_view", None)
        if view is not None:
            view.show_results(*payload)

    def _sides_failed(self, message: str) -> None:
        view = getattr(self, "compare_view", None)
        if view is not None:
            view.failed(message)


def compute_sides(portfolio: Any, market: Any, sides: list) -> tuple[dict, dict, list[str]]:
    """Worker job: both sides' results (formats.md §3 dicts) and the scenario warnings (settled expiries)."""
    from engine import compute
    from engine.scenario import apply_scenario
    out, notes = [], []
    for scenario, mode, rules in sides:
        p, m = portfolio, market
        if scenario is not None and not scenario.is_identity:
            applied = apply_scenario(portfolio, market, scenario)
            p, m = applied.portfolio, applied.market
            notes += list(applied.warnings)
        out.append(compute(p, m, mode, rules, liq_shock=False).to_dict())
    return out[0], out[1], list(dict.fromkeys(notes))

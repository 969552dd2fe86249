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
            try:
                from engine.scenario import shipped_scenario_sets
                self._whatif_library = [(f"{st.name}/{sc.name}", sc) for st in shipped_scenario_sets().values()
                                        for sc in st.scenarios]
            except Exception:  # noqa: BLE001 - a broken library file must not stop the window
                self._whatif_library = []
        try:
            saved = self.holder.saved_whatifs()
        except Exception:  # noqa: BLE001
            saved = []
        panel.set_saved(saved, self._whatif_library)

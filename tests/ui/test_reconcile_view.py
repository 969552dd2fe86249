"""The Reconcile view and calibrated rule sets in the workstation, driven offscreen through the real window."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QTableWidget

from tests.ui.conftest import WAIT_MS

FIX = Path(__file__).resolve().parents[1] / "fixtures"
DEMO_MARKET = Path(__file__).resolve().parents[2] / "resources" / "demo" / "market-2025-02-06.json"


def _dialog(qtbot, window):
    qtbot.waitUntil(lambda: window.reconcile_dialog is not None and window.reconcile_dialog.isVisible()
                    and not window.compute.is_busy("reconcile"), timeout=WAIT_MS)
    return window.reconcile_dialog


def test_reconcile_golden_observation(qtbot, window) -> None:
    window.start_reconcile(str(FIX / "okx-observation-7-1.json"))
    dlg = _dialog(qtbot, window)
    table = dlg.findChild(QTableWidget, "reconcileTable")
    assert table.rowCount() == len(dlg.rec.rows) >= 90
    assert "0 beyond tolerance" in dlg.head.text()
    names = [table.item(i, 0).text() for i in range(table.rowCount())]
    assert "unit BTC mr1" in names and "marginRatio" in names
    dlg.only_flagged.setChecked(True)
    assert table.rowCount() == 0
    assert not window.errors


def test_reconcile_account_responses_against_the_open_portfolio_market(qtbot, window) -> None:
    window.start_reconcile(str(FIX / "okx-positions-and-balance.json"))
    dlg = _dialog(qtbot, window)
    table = dlg.findChild(QTableWidget, "reconcileTable")
    rows = {table.item(i, 0).text(): i for i in range(table.rowCount())}
    ratio = [n for n in rows if n.startswith("marginRatio")][0]
    assert table.item(rows[ratio], 1).text() == "37.8"            # OKX's figure, as in the response
    assert ratio.endswith("\u2020") and "mr1.volShock" in table.item(rows[ratio], 5).text()
    dlg.only_flagged.setChecked(True)
    assert 0 < table.rowCount() < len(rows)


def test_bad_file_is_one_message(qtbot, window, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"code": "51000", "msg": "Parameter error", "data": []}')
    window.start_reconcile(str(bad))
    qtbot.waitUntil(lambda: bool(window.errors), timeout=WAIT_MS)
    assert "51000" in window.errors[-1]
    assert window.result is not None                   # the dashboard was left alone


def test_add_calibrated_rule_set(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    from engine.params import load_rule_set, rule_set_doc
    monkeypatch.setenv("RISKWS_RULES_DIR", str(tmp_path / "rules"))
    doc = rule_set_doc(load_rule_set("okx-2025-01"))
    doc["id"] = "okx-2025-01-desk"
    doc["mr2"]["horizonDays"].update(value=1.4, provenance="calibrated")
    path = tmp_path / "desk.json"
    path.write_text(json.dumps(doc))
    assert window.install_rule_set_file(str(path)) == "okx-2025-01-desk"
    selector = window.findChild(QComboBox, "rulesSelector")
    assert selector.findData("okx-2025-01-desk") >= 0
    doc["id"] = "okx-2025-01"
    path.write_text(json.dumps(doc))
    assert window.install_rule_set_file(str(path)) is None and "shipped" in window.errors[-1]

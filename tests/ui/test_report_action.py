"""The window's one-click risk report and CSV exports of every table (rounded, spreadsheet-friendly)."""

from __future__ import annotations

import csv
import re

import pytest

from conftest import wait_settled
from test_main_window import open_portfolio

from workstation.controllers.reports import export_all_tables, write_risk_report
from workstation.report_content import SECTIONS


def test_risk_report_action_writes_every_section_with_the_window_charts(qtbot, window, tmp_path):
    open_portfolio(qtbot, window, "BTC delta-neutral options book")
    qtbot.waitUntil(lambda: window.charts["StressChart"].curves["same"].getData()[0] is not None)
    wait_settled(qtbot, window)
    assert window.act_report.isEnabled()
    out = tmp_path / "desk.html"
    assert write_risk_report(window, str(out)) == str(out)
    text = out.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in text
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 4
    assert "BTC-USD-250214-100000-C" in text and "risk unit BTC" in text
    pdf = tmp_path / "desk.pdf"
    assert write_risk_report(window, str(pdf)) == str(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_export_all_tables_rounded_and_plain(qtbot, window, tmp_path):
    open_portfolio(qtbot, window, "BTC delta-neutral options book")
    written = export_all_tables(window, str(tmp_path / "Book risk units.csv"))
    assert [p.rsplit("/", 1)[-1] for p in written] == ["Book risk units.csv", "Book positions.csv",
                                                       "Book balances.csv"]
    for path in written:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert len(rows) >= 2
        for row in rows[1:]:
            for cell in row:
                assert "e-" not in cell.lower() and "e+" not in cell.lower(), (path, cell)
                assert cell not in ("-0", "-0.0", "-0.00"), (path, cell)
                if re.fullmatch(r"-?\d+\.\d+", cell):                       # rounded, not full float precision
                    assert len(cell.lstrip("-").replace(".", "").lstrip("0")) <= 14, (path, cell)
                    assert len(cell.split(".")[1]) <= 12, (path, cell)
    with open(written[0], newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    mmr = rows[1][header.index("MMR (USD)")]
    assert re.fullmatch(r"\d+\.\d{2}", mmr)                                # USD to the cent
    assert float(mmr) == pytest.approx(window.result.units[0].mmr, abs=0.005)

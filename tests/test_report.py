"""riskws report: a PDF (Qt's own writer) and an HTML file with every section, read back; bad input exits 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workstation.cli import main
from workstation.report_content import SECTIONS, amount, mark_unit, money, price

pypdf = pytest.importorskip("pypdf")

ROOT = Path(__file__).resolve().parents[1]
MARKET = ROOT / "resources/demo/market-2025-02-06.json"
OPTIONS = ROOT / "resources/demo/portfolios/1-btc-delta-neutral-options.json"


def _pdf_text(path: Path) -> tuple[str, int]:
    reader = pypdf.PdfReader(str(path))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    return text, images


def _margin_json(capsys, *extra: str) -> dict:
    assert main(["margin", str(OPTIONS), "--market", str(MARKET), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_pdf_report_has_every_section_the_figures_and_four_charts(qapp, tmp_path, capsys):
    out = tmp_path / "morning.pdf"
    assert main(["report", str(OPTIONS), "--market", str(MARKET), "--out", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    text, images = _pdf_text(out)
    for section in SECTIONS:
        assert section in text, section
    assert images == 4                                            # the four charts, drawn offscreen
    capsys.readouterr()
    doc = _margin_json(capsys)                                    # the same book through `riskws margin`
    assert f"Total MMR (USD) {money(float(doc['totalMmr']))}" in text
    assert f"Adjusted equity (USD) {money(float(doc['adjEq']))}" in text
    for pos in json.loads(OPTIONS.read_text())["simPos"]:
        assert pos["instId"] in text                              # every position of the file, in full
    assert "okx-2025-01" in text and str(MARKET.name) in text and "days old" in text
    assert "mr1.volShockPoints" in text                           # an assumed parameter the MR1 rests on


def test_html_report_in_multi_currency_mode_has_all_four_charts(qapp, tmp_path):
    out = tmp_path / "mc.html"
    assert main(["report", str(OPTIONS), "--market", str(MARKET), "--out", str(out), "--mode", "mc"]) == 0
    text = out.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in text
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 4      # stress and heatmap too: by underlying
    assert "Multi-currency margin" in text and "BTC positions and balance" in text


def test_report_bad_out_is_exit_2_and_writes_nothing(qapp, tmp_path, capsys):
    out = tmp_path / "report.txt"
    assert main(["report", str(OPTIONS), "--market", str(MARKET), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and ".pdf or .html" in err[0]
    assert not out.exists()


@pytest.mark.parametrize("value,unit,text", [
    (0.0001634, "BTC", "0.0001634 BTC"),          # an option mark: never "1.634e-04"
    (96850.2, "USD", "96,850.2 USD"),
    (2.41234, "USDT", "2.4123 USDT"),
])
def test_prices_carry_units_and_no_scientific_notation(value, unit, text):
    assert price(value, unit) == text


def test_no_negative_zero():
    assert money(-0.0004) == "0" and money(-0.004, 2) == "0.00" and amount(-1e-9) == "0"


def test_mark_units():
    assert mark_unit("BTC-USD-250328-100000-C", "OPTION") == "BTC"
    assert mark_unit("BTC-USDT-SWAP", "SWAP") == "USDT"
    assert mark_unit("BTC-USD-250328", "FUTURES") == "USD"

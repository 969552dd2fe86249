"""Item 4 of issue 17: `riskws margin` (and graph/switch, which read the book the same way) refuses a JSON object
that is not a portfolio, saying what it looks like and which command takes it. Before: exit 0, totalMmr 0.00."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from workstation.cli import main

REPO = Path(__file__).resolve().parents[2]
MARKET = REPO / "resources" / "demo" / "market-2025-02-06.json"
FIXTURES = REPO / "tests" / "fixtures"

CASES = {
    "empty object": ({}, "empty JSON object"),
    "market snapshot": (json.loads(MARKET.read_text(encoding="utf-8")), "market snapshot, not a portfolio: give it as --market"),
    "okx positions response": (json.loads((FIXTURES / "okx-positions.json").read_text(encoding="utf-8")),
                               "OKX API response, not a portfolio file: riskws import"),
    "okx combined": (json.loads((FIXTURES / "okx-positions-and-balance.json").read_text(encoding="utf-8")),
                     "riskws import"),
    "margin result": ({"acctLv": "4", "totalMmr": 0.0, "riskUnitData": []}, "margin result"),
    "unknown object": ({"foo": 1, "bar": [2]}, "no simPos or simAsset (top-level fields: bar, foo)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["margin", "graph"])
def test_margin_refuses_an_object_that_is_not_a_portfolio(tmp_path: Path, capsys, case: str, command: str) -> None:
    doc, words = CASES[case]
    f = tmp_path / "book.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    status = main([command, str(f), "--market", str(MARKET)])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert status == 2
    assert out == ""
    assert len(lines) == 1 and lines[0].startswith(f"riskws: error: {f}: ")
    assert words in lines[0]


def test_an_empty_book_still_computes(tmp_path: Path, capsys) -> None:
    f = tmp_path / "empty.json"
    f.write_text('{"simPos": []}', encoding="utf-8")
    assert main(["margin", str(f), "--market", str(MARKET)]) == 0

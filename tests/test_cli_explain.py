"""``riskws explain`` (formats.md §7): JSON and table on a demo book; bad input is one line on stderr, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from engine.resources import resource_path
from workstation import cli

DEMO = Path(str(resource_path("demo")))
BOOK = DEMO / "portfolios" / "1-btc-delta-neutral-options.json"
MARKET = DEMO / "market-2025-02-06.json"


def test_json_is_the_result_with_explanations(capsys) -> None:
    assert cli.main(["explain", str(BOOK), "--market", str(MARKET), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (unit,) = doc["riskUnitData"]
    assert unit["riskUnit"] == "BTC" and unit["mmr"] > 0
    ids = {p["instId"] for p in unit["positions"]}
    assert {"BTC-USD-SWAP", "BTC-USD-250328-110000-C"} <= ids
    assert all(set(p) >= {"mr1Pnl", "mr6Pnl", "mr4", "mr7", "mr9", "mmrIfClosed"} for p in unit["positions"])
    assert unit["bestHedge"] and unit["explain"]["mmr"].startswith("MMR = ")
    assert "liquidation cost" in doc["explainMarginRatio"]


def test_table_names_every_position_and_the_best_hedge(capsys) -> None:
    assert cli.main(["explain", str(BOOK), "--market", str(MARKET)]) == 0
    out = capsys.readouterr().out
    assert "MMR if closed" in out and "BTC-USD-250328-110000-C" in out and "best hedge" in out
    assert "MR1 = loss at index" in out


def test_bad_portfolio_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "abc"}]}))
    assert cli.main(["explain", str(bad), "--market", str(MARKET)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("riskws: error: ") and "pos" in err[0]


def test_multi_currency_book_is_explained_as_portfolio_margin(tmp_path: Path, capsys) -> None:
    mc = tmp_path / "mc.json"
    mc.write_text(json.dumps({"acctLv": "3", "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}],
                              "simAsset": [{"ccy": "USDT", "amt": "1000"}]}))
    # explain works on risk units: a multi-currency file is explained as portfolio margin (the mode is explicit)
    assert cli.main(["explain", str(mc), "--market", str(MARKET), "--json"]) == 0

"""``riskws margin``: the liquidation search by default only up to a book size, forced or skipped by a flag.

The size limit (50,000 positions by default) is set low here through RISKWS_LIQUIDATION_MAX_POSITIONS so a
2-position book stands for a big one. When the search is skipped the result says so (``liqShock`` null and
``liqShockSkipped`` with the reason); when it runs, its moves are those of ``compute`` (the engine's own test
checks them against the plain search).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import api, load_market, load_portfolio
from workstation.cli import main

ROOT = Path(__file__).resolve().parents[2]
MARKET = ROOT / "resources" / "demo" / "market-2025-02-06.json"
STRADDLE = {"name": "short straddle", "acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "30000"}],
            "simPos": [{"instId": "ETH-USD-250328-2700-C", "pos": "-300"},
                       {"instId": "ETH-USD-250328-2700-P", "pos": "-300"}]}


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A short straddle liquidated within +-100 % on both sides (tests/engine/test_curve_parallel.py)."""
    path = tmp_path_factory.mktemp("liq") / "straddle.json"
    path.write_text(json.dumps(STRADDLE))
    return path


@pytest.fixture(scope="module")
def expected(book):
    liq = api.compute(load_portfolio(book), load_market(MARKET)).liq_shock
    assert liq is not None and None not in liq
    return {"down": liq[0], "up": liq[1]}


def margin_json(capsys, book: Path, *extra: str) -> dict:
    assert main(["margin", str(book), "--market", str(MARKET), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_small_book_searches_by_default(capsys, book, expected, monkeypatch):
    monkeypatch.delenv("RISKWS_LIQUIDATION_MAX_POSITIONS", raising=False)
    doc = margin_json(capsys, book)
    assert doc["liqShock"] == expected and "liqShockSkipped" not in doc


def test_book_above_the_limit_is_not_searched_and_says_why(capsys, book, monkeypatch):
    n = len(load_portfolio(book).positions)
    monkeypatch.setenv("RISKWS_LIQUIDATION_MAX_POSITIONS", str(n - 1))
    doc = margin_json(capsys, book)
    assert doc["liqShock"] is None
    assert doc["liqShockSkipped"]["positions"] == n and doc["liqShockSkipped"]["limit"] == n - 1
    assert "--liquidation" in doc["liqShockSkipped"]["reason"]
    assert main(["margin", str(book), "--market", str(MARKET)]) == 0
    assert f"liquidation at index move: not searched ({n:,} positions, more than the {n - 1:,}" in capsys.readouterr().out


def test_flag_forces_or_skips(capsys, book, expected, monkeypatch):
    monkeypatch.setenv("RISKWS_LIQUIDATION_MAX_POSITIONS", "1")
    assert margin_json(capsys, book, "--liquidation")["liqShock"] == expected
    monkeypatch.delenv("RISKWS_LIQUIDATION_MAX_POSITIONS")
    doc = margin_json(capsys, book, "--no-liquidation")
    assert doc["liqShock"] is None and doc["liqShockSkipped"]["reason"] == "--no-liquidation"


def test_a_bad_limit_is_one_line_and_exit_2(capsys, book, monkeypatch):
    monkeypatch.setenv("RISKWS_LIQUIDATION_MAX_POSITIONS", "lots")
    assert main(["margin", str(book), "--market", str(MARKET)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "RISKWS_LIQUIDATION_MAX_POSITIONS" in err[0] and "whole number" in err[0]

"""Account-mode switch precheck (rules spec 5, 11.14): one book per sCode, expected figures by hand.

Tier rows used (resources/tiers/okx-tiers-2025-01.json, checked in test_mc_margin): BTC-USDT SWAP tier 1
{maxSz 1000, mmr 0.004, maxLever 100}, tier 2 {maxSz 2000, mmr 0.006, maxLever 75}. Rules okx-2025-01: pmMinAdjEq
10,000 USD. Switch thresholds: margin ratio 1, available equity 0.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine import load_market, load_portfolio
from engine.switch import switch_mode

MARKET = {"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0, "USDC-USD": 1.0},
          "markPx": {"BTC-USDT-SWAP": 100000.0, "BTC-USD-SWAP": 100000.0}}


def _switch(portfolio: dict, to: str):
    return switch_mode(load_portfolio(portfolio), load_market(MARKET), to)


def test_scode_0_pm_to_mc_with_leverage_preset():
    r = _switch({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "100000"}],
                 "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "500"}], "lever": {"BTC-USDT": "20"}}, "mc")
    d = r.to_dict()
    assert d["sCode"] == "0" and d["reasons"] == []
    # after (MC) by hand: notional 500 x 0.01 x 100,000 = 500,000; imr /20 = 25,000; mmr x 0.4 % = 2,000
    assert d["mgnAft"]["acctAvailEq"] == pytest.approx(100000 - 25000)
    assert d["mgnAft"]["mgnRatio"] == pytest.approx(100000 / 2000)
    assert d["mgnBf"]["acctAvailEq"] == pytest.approx(r.before.adj_eq - r.before.total_imr)
    assert d["from"]["acctLv"] == "4" and d["to"]["acctLv"] == "3"
    pos = d["positionDiff"][0]
    assert pos["instId"] == "BTC-USDT-SWAP" and pos["aft"]["imr"] == pytest.approx(25000.0)
    assert pos["bf"]["riskUnit"] == "BTC" and pos["bf"]["unitMmr"] == pytest.approx(r.before.units[0].mmr)
    unit = next(u for u in d["unitDiff"] if u["riskUnit"] == "BTC")
    assert unit["aft"]["mmr"] == pytest.approx(2000.0)
    assert unit["mmrDiff"] == pytest.approx(2000.0 - r.before.units[0].mmr)
    json.dumps(d, allow_nan=False)


def test_scode_1_asset_validation_below_the_pm_minimum():
    # MC -> PM with 5,000 USDT: adjusted equity 5,000 < 10,000 (pmMinAdjEq) -> OKX unmatchedInfoCheck asset_validation
    r = _switch({"acctLv": "3", "simAsset": [{"ccy": "USDT", "amt": "5000"}],
                 "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}], "lever": {"BTC-USDT": "10"}}, "pm")
    d = r.to_dict()
    assert d["sCode"] == "1"
    assert d["unmatchedInfoCheck"][0]["type"] == "asset_validation"
    assert d["unmatchedInfoCheck"][0]["totalAsset"] == pytest.approx(5000.0)
    assert "5,000.00" in d["reasons"][0] and "10,000" in d["reasons"][0]
    # the same book with 10,000 USDT passes
    ok = _switch({"acctLv": "3", "simAsset": [{"ccy": "USDT", "amt": "10000"}],
                  "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}], "lever": {"BTC-USDT": "10"}}, "pm")
    assert ok.s_code == "0"


def test_scode_3_leverage_not_preset_names_the_families():
    r = _switch({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "1000000"}],
                 "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "100"}, {"instId": "BTC-USD-SWAP", "pos": "-1000"}],
                 "lever": {"BTC-USDT": "10"}}, "mc")
    d = r.to_dict()
    assert d["sCode"] == "3"
    assert len(d["reasons"]) == 1 and "BTC-USD" in d["reasons"][0] and "BTC-USDT" not in d["reasons"][0]
    assert d["checks"][0]["instFamilies"] == ["BTC-USD"]
    # the projection still exists, at the default leverage 10: 1000 x 100 USD / 10 = 10,000 for the inverse perp
    inv = next(p for p in r.after.positions if p.inst_id == "BTC-USD-SWAP")
    assert inv.lever == 10 and inv.imr == pytest.approx(10000.0)


def test_scode_4_position_above_max_size_at_the_preset_leverage():
    # 1500 contracts at 100x: only tier 1 (maxSz 1000) allows 100x -> fails; at 75x tier 2 (maxSz 2000) allows it
    book = {"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "1000000"}],
            "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1500"}], "lever": {"BTC-USDT": "100"}}
    d = _switch(book, "mc").to_dict()
    assert d["sCode"] == "4"
    assert d["posTierCheck"] == [{"instFamily": "BTC-USDT", "instType": "SWAP", "pos": 1500.0, "lever": 100.0,
                                  "maxSz": 1000.0}]
    assert "1,500" in d["reasons"][0] and "1,000" in d["reasons"][0] and "BTC-USDT" in d["reasons"][0]
    assert _switch({**book, "lever": {"BTC-USDT": "75"}}, "mc").s_code == "0"


def test_scode_4_projected_margin_ratio_at_or_below_one():
    # MC: notional 1000 x 0.01 x 100,000 = 1,000,000; mmr 0.4 % = 4,000; adjEq 3,000 -> ratio 0.75 (no liq cost)
    d = _switch({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "3000"}],
                 "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1000"}], "lever": {"BTC-USDT": "100"}}, "mc").to_dict()
    assert d["sCode"] == "4"
    ratio = next(c for c in d["checks"] if c["type"] == "margin_ratio")
    assert ratio["mgnRatio"] == pytest.approx(3000 / 4000)
    assert d["mgnAft"]["mgnRatio"] == pytest.approx(0.75)
    assert any("0.7500" in r for r in d["reasons"])


def test_scode_4_projected_available_equity_negative_only():
    # adjEq 8,000; imr 1,000,000 / 100 = 10,000 -> availEq -2,000; mmr 4,000 -> ratio 2 (passes)
    d = _switch({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "8000"}],
                 "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1000"}], "lever": {"BTC-USDT": "100"}}, "mc").to_dict()
    assert d["sCode"] == "4"
    assert [c["type"] for c in d["checks"]] == ["avail_eq"]
    assert d["mgnAft"]["acctAvailEq"] == pytest.approx(-2000.0)
    assert d["mgnAft"]["mgnRatio"] == pytest.approx(2.0)


def test_first_failing_code_wins_but_every_reason_is_listed():
    # no leverage (3) and, at the default 10x, fine tiers; 50 USDT of equity -> margin check (4) too
    d = _switch({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "50"}],
                 "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "100"}]}, "mc").to_dict()
    assert d["sCode"] == "3"
    assert {c["sCode"] for c in d["checks"]} == {"3", "4"}
    assert len(d["reasons"]) == len(d["checks"]) >= 2


def test_demo_books_switch_both_ways(demo_portfolios, demo_market):
    for p in demo_portfolios.values():
        for to in ("pm", "mc"):
            d = switch_mode(p, demo_market, to).to_dict()
            assert d["sCode"] in ("0", "1", "3", "4")
            for key in ("sCode", "reasons", "mgnBf", "mgnAft", "from", "to", "unitDiff", "positionDiff"):
                assert key in d
            json.dumps(d, allow_nan=False)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "workstation.cli", *args], capture_output=True, text=True)


def test_cli_switch_json_table_and_bad_input(tmp_path):
    pf = tmp_path / "book.json"
    pf.write_text(json.dumps({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "100000"}],
                              "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "500"}]}))
    mk = tmp_path / "market.json"
    mk.write_text(json.dumps(MARKET))
    out = _cli("switch", str(pf), "--market", str(mk), "--to", "mc", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["sCode"] == "3" and set(d["mgnAft"]) >= {"acctAvailEq", "mgnRatio"}
    table = _cli("switch", str(pf), "--market", str(mk), "--to", "mc")
    assert table.returncode == 0 and "sCode 3" in table.stdout and "BTC-USDT" in table.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"simPos": [{"instId": "BTC-XYZ-SWAP", "pos": "1"}]}))
    err = _cli("switch", str(bad), "--market", str(mk), "--to", "mc")
    assert err.returncode == 2 and len(err.stderr.strip().splitlines()) == 1 and "bad.json" in err.stderr
    assert _cli("switch", str(pf), "--market", str(mk), "--to", "9").returncode == 2

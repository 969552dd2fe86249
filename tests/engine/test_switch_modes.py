"""The twelve account-mode switches (spot 1, futures 2, mc 3, pm 4) with OKX's precheck semantics.

Expected codes and reasons come from the books' own contents (which families lack a leverage, which positions
exist, which balances are negative) and from hand calculations written out below, not from the engine.
"""

from __future__ import annotations

import json
from dataclasses import replace
from itertools import permutations

import pytest

from engine import load_market, load_portfolio
from engine.catalogue import parse_inst_id
from engine.switch import switch_mode

MODES = ("spot", "futures", "mc", "pm")
MARKET = {"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0},
          "markPx": {"BTC-USDT-SWAP": 100000.0, "BTC-USD-SWAP": 100000.0}}


def _families(p) -> list[str]:
    return sorted({parse_inst_id(q.inst_id).family for q in p.positions if parse_inst_id(q.inst_id).kind != "option"})


def test_all_twelve_switches_run_for_every_demo_book(demo_portfolios, demo_market):
    for p in demo_portfolios.values():
        for src, to in permutations(MODES, 2):
            book = replace(p, acct_lv={"spot": "1", "futures": "2", "mc": "3", "pm": "4"}[src])
            d = switch_mode(book, demo_market, to).to_dict()
            assert d["fromMode"] == src and d["toMode"] == to and d["sCode"] in ("0", "1", "3", "4")
            assert (d["sCode"] == "0") == (d["checks"] == [])
            if to == "spot":    # every demo book holds derivatives: refused, all of them named
                assert d["sCode"] == "1" and d["unmatchedInfoCheck"][0]["type"] == "all_positions"
                assert d["unmatchedInfoCheck"][0]["posList"] == [q.inst_id for q in p.positions]
            if to == "futures":
                assert [c["ccy"] for c in d["mgnAft"]["details"]] == [c["ccy"] for c in d["to"]["details"]]
            json.dumps(d, allow_nan=False)


def test_futures_to_pm_and_back_directional_book(demo_portfolios, demo_market):
    p = demo_portfolios["Directional delta-one book"]
    fams = _families(p)
    # 2 -> 4 (leverage preset as a futures-mode account has it): adjusted equity far above 10,000 USD -> pass
    fut = replace(p, acct_lv="2", lever=tuple((f, 10.0) for f in fams))
    there = switch_mode(fut, demo_market, "pm")
    assert there.s_code == "0" and there.reasons == ()
    assert there.before.acct_lv == "2" and there.after.acct_lv == "4"
    # 4 -> 2 without a preset leverage: sCode 3 naming exactly the book's SWAP/FUTURES families
    back = switch_mode(p, demo_market, "futures")
    assert back.s_code == "3"
    assert back.checks[0].detail["instFamilies"] == fams == ["BTC-USD", "BTC-USDT", "ETH-USDT", "SOL-USD", "SOL-USDT"]
    # and the SOL margin check: SOL-USD-SWAP -15,000 ct x 10 USD face, avgPx 196.8, mark 198.39; no SOL balance.
    # SOL equity = P&L = -150,000 x (1/196.8 - 1/198.39) SOL; MMR = 150,000 x 0.4 % (tier 1) / 198.35 (SOL index)
    sol_eq = -150_000 * (1 / 196.8 - 1 / 198.39)
    sol_mmr = 150_000 * 0.004 / 198.35
    ratio = next(c for c in back.checks if c.type == "margin_ratio")
    assert ratio.detail["ccy"] == "SOL" and ratio.detail["mgnRatio"] == pytest.approx(sol_eq / sol_mmr, rel=1e-9)
    assert "SOL margin ratio" in ratio.reason and "each currency margins its own positions" in ratio.reason
    sol = next(d for d in back.to_dict()["mgnAft"]["details"] if d["ccy"] == "SOL")
    assert sol["mgnRatio"] == pytest.approx(sol_eq / sol_mmr, rel=1e-9)
    # the same 4 -> 2 with leverage preset still fails the SOL margin check: sCode 4
    again = switch_mode(replace(p, lever=fut.lever), demo_market, "2")
    assert again.s_code == "4" and {c.type for c in again.checks} == {"margin_ratio", "avail_eq"}


def test_mc_borrowing_book_to_futures_must_repay(demo_portfolios, demo_market):
    p = demo_portfolios["Multi-currency borrow book"]
    borrowed = [a.ccy for a in p.assets if a.amt < 0]
    d = switch_mode(p, demo_market, "futures").to_dict()
    assert d["sCode"] == "1"
    repay = next(c for c in d["unmatchedInfoCheck"] if c["type"] == "repay_borrowings")
    assert repay["ccyList"] == borrowed and all(c in d["reasons"][0] for c in borrowed)
    assert d["curAcctLv"] == "3" and d["acctLv"] == "2"


def test_spot_switch_refused_with_every_derivative_named():
    book = load_portfolio({"acctLv": "2", "simAsset": [{"ccy": "USDT", "amt": "50000"}],
                           "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "12"}, {"instId": "BTC-USD-SWAP", "pos": "-3"}],
                           "lever": {"BTC-USDT": "10", "BTC-USD": "10"}})
    r = switch_mode(book, load_market(MARKET), "1")
    assert r.s_code == "1" and len(r.checks) == 1
    assert r.reasons[0] == ("all positions: spot mode (acctLv 1) holds no derivatives; close these 2 first: "
                            "BTC-USDT-SWAP (pos 12), BTC-USD-SWAP (pos -3)")
    # without the positions the same account switches to spot: its balance, nothing needs margin
    flat = switch_mode(replace(book, positions=()), load_market(MARKET), "spot")
    assert flat.s_code == "0" and flat.after.eq == pytest.approx(50000.0) and flat.after.margin_ratio is None


def test_isolated_position_blocks_a_switch_and_is_named():
    book = load_portfolio({"acctLv": "2", "simAsset": [{"ccy": "USDT", "amt": "50000"}],
                           "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "10", "mgnMode": "isolated", "margin": "1000"}],
                           "lever": {"BTC-USDT": "10"}})
    r = switch_mode(book, load_market(MARKET), "mc")
    assert r.s_code == "1" and r.checks[0].type == "isolated_contract"
    assert "BTC-USDT-SWAP (pos 10)" in r.reasons[0] and "assumed" in r.reasons[0]


def test_futures_per_currency_margin_check_by_hand():
    # PM book: 100 USDT and 1 BTC; BTC-USDT-SWAP 100 ct (1 BTC, notional 100,000 USDT, lever 10 preset).
    # In futures mode the USDT side alone carries it: availEq 100 - 10,000 < 0 and ratio 100 / 400 = 0.25 <= 1
    book = load_portfolio({"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "100"}, {"ccy": "BTC", "amt": "1"}],
                           "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "100"}], "lever": {"BTC-USDT": "10"}})
    r = switch_mode(book, load_market(MARKET), "futures")
    assert r.s_code == "4"
    by_type = {c.type: c.detail for c in r.checks}
    assert by_type["margin_ratio"] == {"ccy": "USDT", "mgnRatio": pytest.approx(0.25), "threshold": 1.0}
    assert by_type["avail_eq"]["availEq"] == pytest.approx(100 - 10_000)
    # the same book to multi-currency passes: BTC collateral (discounted) covers the USDT perpetual
    assert switch_mode(book, load_market(MARKET), "mc").s_code == "0"


def test_cli_futures_mode_tables(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    book, market = demo / "portfolios" / "5-directional-delta-one.json", demo / "market-2025-02-06.json"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "workstation.cli", *args], capture_output=True, text=True,
                              timeout=300)

    margin = run("margin", str(book), "--market", str(market), "--mode", "futures")
    assert margin.returncode == 0, margin.stderr
    assert margin.stdout.startswith("spot and futures mode")
    assert [ln.split()[0] for ln in margin.stdout.splitlines() if ln.startswith("  SOL ")] == ["SOL"]
    switch = run("switch", str(book), "--market", str(market), "--to", "2", "--json")
    assert switch.returncode == 0, switch.stderr
    d = json.loads(switch.stdout)
    assert d["sCode"] == "3" and d["curAcctLv"] == "4" and d["acctLv"] == "2"
    assert {c["ccy"] for c in d["currencyDiff"]} == {"BTC", "SOL", "USDT"}

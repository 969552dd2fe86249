"""Spot and futures mode (acctLv 2): each settlement currency margins its own positions. Figures by hand.

Tier rows used (resources/tiers/okx-tiers-2025-01.json, tier 1): BTC-USDT SWAP mmr 0.004; BTC-USD FUTURES mmr 0.004;
BTC-USD OPTION optMgnFactor 1.0. Option formulas (rules spec 4.4, BTC): a 0.1, b 0.15, c 0.03. Contracts
(resources/instruments.json): BTC-USDT-SWAP 0.01 BTC; BTC-USD futures 100 USD face; BTC-USD options 0.01 BTC.
Close fee rate 0 (resources/modes.json futures.closeFeeRate, assumed).
"""

from __future__ import annotations

import math

import pytest

from engine import compute, load_market, load_portfolio
from engine.errors import InputError

INDEX = 100_000.0
F = 102_000.0          # mark of BTC-USD-250318 = the option's forward (same expiry)
K = 110_000.0
VOL = 0.5
T = 40.0 / 365.0       # 2025-02-06 08:00 -> 2025-03-18 08:00
MARKET = {"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": INDEX, "USDT-USD": 1.0},
          "markPx": {"BTC-USDT-SWAP": 100_000.0, "BTC-USD-250318": F},
          "markVol": {"BTC-USD-250318-110000-C": VOL}}


def _black76_call(f: float, k: float, vol: float, t: float) -> float:
    """Undiscounted Black-76 call, written out (N via math.erf)."""
    sd = vol * math.sqrt(t)
    d1 = (math.log(f / k) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    n = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731
    return f * n(d1) - k * n(d2)


BOOK = {"acctLv": "2",
        "simAsset": [{"ccy": "USDT", "amt": "20000"}, {"ccy": "BTC", "amt": "1"}],
        "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "100", "avgPx": "99000"},
                   {"instId": "BTC-USD-250318", "pos": "-100", "avgPx": "104000"},
                   {"instId": "BTC-USD-250318-110000-C", "pos": "-10"}],
        "lever": {"BTC-USDT": "10", "BTC-USD": "5"}}


def _details(result) -> dict:
    return {d["ccy"]: d for d in result.to_dict()["details"]}


def test_mode_2_per_currency_figures_by_hand():
    r = compute(load_portfolio(BOOK), load_market(MARKET), liq_shock=False)
    assert r.acct_lv == "2"
    d = _details(r)
    # USDT: perpetual 100 ct x 0.01 BTC = 1 BTC at 100,000 -> notional 100,000 USDT; lever 10 -> IMR 10,000;
    # MMR 0.4 % -> 400; P&L 1 x (100,000 - 99,000) = 1,000; crossEq 20,000 + 1,000 = 21,000
    u = d["USDT"]
    assert u["crossEq"] == pytest.approx(21_000.0)
    assert u["imr"] == pytest.approx(10_000.0) and u["mmr"] == pytest.approx(400.0)
    assert u["availEq"] == pytest.approx(11_000.0)
    assert u["mgnRatio"] == pytest.approx(21_000.0 / 400.0)
    # BTC: future -100 ct x 100 USD = 10,000 USD face; IMR 10,000 / 5 = 2,000 USD = 0.02 BTC at the index;
    # MMR 0.4 % = 40 USD = 0.0004 BTC; P&L -10,000 x (1/104,000 - 1/102,000) BTC
    fut_upl = -10_000.0 * (1.0 / 104_000.0 - 1.0 / 102_000.0)
    # short call 10 ct x 0.01 = 0.1 BTC; mark in BTC = Black-76 / index; OTM = (110,000 - 102,000) / 102,000 = 0.0784
    # -> max(0.1, 0.15 - 0.0784) = 0.1; IMR = 0.1 x (0.1 x 1.0 + mark); MMR (call) = 0.1 x (0.03 x 1.0 + mark)
    mark = _black76_call(F, K, VOL, T) / INDEX
    b = d["BTC"]
    assert b["crossEq"] == pytest.approx(1.0 + fut_upl - 0.1 * mark, rel=1e-9)
    assert b["imr"] == pytest.approx(0.02 + 0.1 * (0.1 + mark), rel=1e-9)
    assert b["mmr"] == pytest.approx(0.0004 + 0.1 * (0.03 + mark), rel=1e-9)
    assert b["mgnRatio"] == pytest.approx((1.0 + fut_upl - 0.1 * mark) / (0.0004 + 0.1 * (0.03 + mark)), rel=1e-9)
    assert b["positions"] == ["BTC-USD-250318", "BTC-USD-250318-110000-C"]
    assert u["positions"] == ["BTC-USDT-SWAP"]
    # no cross-currency collateral: the account ratio is the weaker currency's, totals are the USD sums
    assert r.margin_ratio == pytest.approx(min(b["mgnRatio"], u["mgnRatio"]))
    assert r.total_mmr == pytest.approx(400.0 + (0.0004 + 0.1 * (0.03 + mark)) * INDEX, rel=1e-9)
    assert r.borrow_mmr == 0.0


def test_a_currency_is_not_helped_by_another():
    # 1 USDT of balance against the same perpetual: USDT ratio (1 + 1,000) / 400 whatever BTC the account holds
    book = dict(BOOK, simAsset=[{"ccy": "USDT", "amt": "1"}, {"ccy": "BTC", "amt": "100"}])
    d = _details(compute(load_portfolio(book), load_market(MARKET), liq_shock=False))
    assert d["USDT"]["mgnRatio"] == pytest.approx(1_001.0 / 400.0)
    assert d["USDT"]["availEq"] == pytest.approx(1_001.0 - 10_000.0)


def test_isolated_position_has_its_own_margin_and_ratio():
    book = {"acctLv": "2", "simAsset": [{"ccy": "USDT", "amt": "20000"}],
            "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "100", "avgPx": "99000", "mgnMode": "isolated",
                        "margin": "2000"}]}
    r = compute(load_portfolio(book), load_market(MARKET), liq_shock=False)
    u = _details(r)["USDT"]
    # isoEq = margin 2,000 + P&L 1,000; the cross side holds nothing: crossEq 20,000, no cross MMR
    assert u["isoEq"] == pytest.approx(3_000.0) and u["crossEq"] == pytest.approx(20_000.0)
    assert u["eq"] == pytest.approx(23_000.0) and u["mmr"] == 0.0 and u["mgnRatio"] is None
    p = r.to_dict()["positions"][0]
    assert p["mgnMode"] == "isolated" and p["margin"] == pytest.approx(2_000.0)
    assert p["mgnRatio"] == pytest.approx(3_000.0 / 400.0)
    assert r.margin_ratio == pytest.approx(7.5)


def test_isolated_position_without_its_margin_is_one_clear_error():
    book = {"acctLv": "2", "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1", "mgnMode": "isolated"}]}
    with pytest.raises(InputError, match=r"simPos\[0\]\.margin: isolated position BTC-USDT-SWAP needs its margin"):
        load_portfolio(book)
    with pytest.raises(InputError, match=r"simPos\[0\]\.mgnMode: expected \"cross\" or \"isolated\""):
        load_portfolio({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1", "mgnMode": "hedge"}]})


def test_spot_mode_refuses_derivatives_naming_them():
    with pytest.raises(InputError, match=r"spot mode \(acctLv 1\) holds no derivatives; the book has 3: "
                                         r"BTC-USDT-SWAP \(pos 100\), BTC-USD-250318 \(pos -100\), "
                                         r"BTC-USD-250318-110000-C \(pos -10\)"):
        compute(load_portfolio(BOOK), load_market(MARKET), mode="spot")
    spot = compute(load_portfolio({"acctLv": "1", "simAsset": [{"ccy": "BTC", "amt": "2"}, {"ccy": "USDT", "amt": "5"}]}),
                   load_market(MARKET), liq_shock=False)
    assert spot.acct_lv == "1" and spot.eq == pytest.approx(200_005.0) and spot.total_mmr == 0.0
    assert spot.margin_ratio is None


def test_okx_isolated_position_keeps_its_margin_through_import_and_file():
    from engine import portfolio_to_dict
    from engine.importers.core import import_doc

    resp = {"code": "0", "msg": "", "data": [
        {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "pos": "100", "posSide": "net", "mgnMode": "isolated",
         "margin": "2000", "avgPx": "99000"},
        {"instId": "BTC-USD-250318", "instType": "FUTURES", "pos": "-100", "posSide": "net", "mgnMode": "isolated",
         "margin": ""}]}
    book = import_doc(resp, "okx.json")
    iso, no_margin = book.portfolio.positions
    assert (iso.mgn_mode, iso.margin) == ("isolated", 2000.0)
    assert no_margin.mgn_mode == "cross" and any("without its margin" in w for w in book.warnings)
    doc = portfolio_to_dict(book.portfolio)
    assert doc["simPos"][0]["mgnMode"] == "isolated" and doc["simPos"][0]["margin"] == "2000"
    assert load_portfolio(doc).positions[0] == iso

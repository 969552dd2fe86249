"""The engine reads a snapshot's world (formats.md 2.1): contract specifications, coins the shipped catalogue lacks,
position tiers and discount tiers from the snapshot; the shipped tables only as the fallback. Reference figures are
worked out by hand in each test."""

from __future__ import annotations

import pytest

from engine import compute, load_market, load_portfolio
from engine.collateral import discount_table_for
from engine.errors import InputError
from engine.market import market_to_dict

BASE = {"ts": "2026-11-27T14:00:00Z", "index": {"BTC-USD": 91000.5, "USDT-USD": 0.9995, "TON-USD": 5.4321},
        "markPx": {"BTC-USDT-SWAP": 91050.1, "TON-USDT-SWAP": 5.44}}
TON = {"instType": "SWAP", "instFamily": "TON-USDT", "ctType": "linear", "ctVal": "10", "ctMult": "1",
       "ctValCcy": "TON", "settleCcy": "USDT", "expTime": "", "stk": "", "optType": ""}


def _market(**extra):
    return load_market({**BASE, "source": "okx", "fetchedAt": "2026-11-27T14:00:01.5Z", **extra})


def _book(*pos, assets=(("USDT", 100000),), lv="4"):
    return load_portfolio({"acctLv": lv, "simAsset": [{"ccy": c, "amt": a} for c, a in assets],
                           "simPos": [{"instId": i, "pos": p} for i, p in pos]})


def test_unknown_coin_needs_the_snapshot_to_bring_it():
    with pytest.raises(InputError, match=r"index\.TONQ-USD: expected a key CCY-USD with a known currency"):
        load_market({"ts": "2026-11-27T14:00:00Z", "index": {"TONQ-USD": 5.0}})
    m = _market(instruments={"TON-USDT-SWAP": TON})
    assert m.index["TON-USD"] == 5.4321 and m.instruments["TON-USDT-SWAP"].ctVal == 10.0


def test_round_trip_keeps_every_new_field():
    doc = {**BASE, "source": "okx", "fetchedAt": "2026-11-27T14:00:01.500Z",
           "markPx": {**BASE["markPx"], "BTC-USD-261225-100000-C": 0.0123},
           "fwdPx": {"BTC-USD-261225-100000-C": 92100.5}, "markVol": {"BTC-USD-261225-100000-C": 0.55},
           "instruments": {"TON-USDT-SWAP": TON},
           "positionTiers": {"TON-USDT": [{"instType": "SWAP", "tier": "1", "minSz": "0", "maxSz": "2000", "mmr": "0.02",
                                           "imr": "0.05", "maxLever": "20", "optMgnFactor": ""}]},
           "discountTiers": {"BTC": [{"tier": 1, "minAmt": 0, "maxAmt": None, "discountRate": 0.98,
                                      "liqPenaltyRate": 0.02}]},
           "interestRates": {"USDT": "0.0001"}}
    out = market_to_dict(load_market(doc))
    assert out["source"] == "okx" and out["fetchedAt"] == "2026-11-27T14:00:01.500Z"
    assert out["markPx"]["BTC-USD-261225-100000-C"] == 0.0123 and out["fwdPx"] == doc["fwdPx"]
    assert out["instruments"]["TON-USDT-SWAP"] == {"instType": "SWAP", "instFamily": "TON-USDT", "ctType": "linear",
                                                   "ctVal": 10.0, "ctMult": 1.0, "ctValCcy": "TON",
                                                   "settleCcy": "USDT", "expTime": None, "stk": None, "optType": None}
    assert out["positionTiers"]["TON-USDT"][0]["mmr"] == 0.02 and out["positionTiers"]["TON-USDT"][0]["optMgnFactor"] is None
    assert out["interestRates"] == {"USDT": 0.0001}
    assert market_to_dict(load_market(out)) == out


@pytest.mark.parametrize("field, value, message", [
    ("instruments", {"TON-USDT-SWAP": {**TON, "instType": "FUTURES"}}, "does not match the id"),
    ("instruments", {"TON-USDT-SWAP": {**TON, "ctVal": ""}}, "instruments.TON-USDT-SWAP.ctVal: missing"),
    ("instruments", {"TON-USDT-SWAP": {**TON, "ctVal": "-1"}}, "must not be negative"),
    ("discountTiers", {"BTC": [{"minAmt": 5, "maxAmt": None, "discountRate": 0.9}]}, "contiguous from 0"),
    ("discountTiers", {"BTC": [{"minAmt": 0, "maxAmt": None, "discountRate": 1.5}]}, "above 1"),
    ("source", "bloomberg", "source: expected one of okx, recorded, synthetic"),
    ("fwdPx", {"BTC-USDT-SWAP": 1.0}, "only options carry a forward"),
])
def test_bad_snapshot_fields_name_the_field(field, value, message):
    with pytest.raises(InputError, match=message):
        load_market({**BASE, "instruments": {"TON-USDT-SWAP": TON}, field: value})


def test_snapshot_specs_win_over_the_catalogue_and_do_not_leak_between_snapshots():
    spec = {"instType": "SWAP", "instFamily": "BTC-USDT", "ctType": "linear", "ctVal": "0.001", "ctMult": "1",
            "ctValCcy": "BTC", "settleCcy": "USDT"}
    book = _book(("BTC-USDT-SWAP", 1000))
    fetched = compute(book, _market(instruments={"BTC-USDT-SWAP": spec}), liq_shock=False)
    shipped = compute(book, load_market(BASE), liq_shock=False)
    # 1000 contracts x 0.001 BTC x 91050.1 USDT x 0.9995 USD/USDT; the shipped catalogue's 0.01 BTC gives ten times it
    # (OKX's cash delta at the mark: `cashDelta`; `delta` is the scenario slope at the index, docs/ENGINE.md)
    assert fetched.unit("BTC").cash_delta == pytest.approx(1000 * 0.001 * 91050.1 * 0.9995, rel=1e-12)
    assert shipped.unit("BTC").cash_delta == pytest.approx(1000 * 0.01 * 91050.1 * 0.9995, rel=1e-12)
    assert fetched.extra["sources"]["instruments"].startswith("snapshot (okx) of 2026-11-27T14:00:01.5")
    assert shipped.extra["sources"]["instruments"] == "shipped table of 2025-02-06"


def test_unknown_coin_is_group_c_and_multi_currency_uses_snapshot_tiers():
    tiers = {"TON-USDT": [{"instType": "SWAP", "tier": 1, "minSz": 0, "maxSz": 2000, "mmr": 0.02, "imr": 0.05,
                           "maxLever": 20},
                          {"instType": "SWAP", "tier": 2, "minSz": 2000, "maxSz": 4000, "mmr": 0.03, "imr": 0.0666,
                           "maxLever": 15}]}
    m = _market(instruments={"TON-USDT-SWAP": TON}, positionTiers=tiers)
    mc = compute(_book(("TON-USDT-SWAP", 100), lv="3"), m, liq_shock=False)
    notional = 100 * 10 * 5.44 * 0.9995                     # contracts x TON per contract x USDT mark x USD/USDT
    pos = mc.positions[0]
    assert pos.notional_usd == pytest.approx(notional, rel=1e-12)
    assert pos.mmr == pytest.approx(notional * 0.02, rel=1e-12)   # tier 1 of the snapshot (100 <= 2000 contracts)
    assert pos.tier == 1
    assert mc.extra["sources"]["positionTiers"].startswith("snapshot (okx)")
    pm = compute(_book(("TON-USDT-SWAP", 100)), m, liq_shock=False)
    from engine.params import load_rule_set
    assert load_rule_set(None).group_of("TON") == "C"
    mr6_move = load_rule_set(None).get("mr6.move")["C"]
    assert pm.unit("TON").mr.get("mr6") is not None and mr6_move == 0.5


def test_discount_tiers_from_the_snapshot_replace_the_shipped_ones():
    tiers = {"BTC": [{"tier": 1, "minAmt": 0, "maxAmt": 20, "discountRate": 0.98},
                     {"tier": 2, "minAmt": 20, "maxAmt": 25, "discountRate": 0.9775},
                     {"tier": 3, "minAmt": 25, "maxAmt": None, "discountRate": 0.95}]}
    table = discount_table_for(_market(discountTiers=tiers))
    # 30 BTC: 20 x 0.98 + 5 x 0.9775 + 5 x 0.95 = 29.2375 BTC of collateral, at the index
    assert table.discounted_usd("BTC", 30.0, 91000.5) == pytest.approx(29.2375 * 91000.5, rel=1e-12)
    assert table.assumed["BTC"] is False
    res = compute(_book(assets=(("BTC", 30),)), _market(discountTiers=tiers), liq_shock=False)
    assert res.extra["sources"]["discountTiers"].startswith("snapshot (okx)")


def test_coin_margined_and_usdc_families_of_an_unknown_coin():
    inverse = {"instType": "SWAP", "instFamily": "TON-USD", "ctType": "inverse", "ctVal": "10", "ctMult": "1",
               "ctValCcy": "USD", "settleCcy": "TON"}
    usdc = {"instType": "SWAP", "instFamily": "TON-USDC", "ctType": "linear", "ctVal": "1", "ctMult": "1",
            "ctValCcy": "TON", "settleCcy": "USDC"}
    m = load_market({**BASE, "index": {**BASE["index"], "USDC-USD": 1.0001},
                     "markPx": {"TON-USD-SWAP": 5.45, "TON-USDC-SWAP": 5.43},
                     "instruments": {"TON-USD-SWAP": inverse, "TON-USDC-SWAP": usdc}})
    res = compute(_book(("TON-USD-SWAP", -100), ("TON-USDC-SWAP", 50)), m, liq_shock=False)
    rows = {p.inst_id: p for p in res.unit("TON").positions}
    # inverse: -100 contracts x 10 USD face, worth (face / mark) TON each, at the TON index: -1000 x 5.4321 / 5.45
    assert rows["TON-USD-SWAP"].cash_delta == pytest.approx(-1000 * 5.4321 / 5.45, rel=1e-12)   # OKX's, at the mark
    # USDC-margined: 50 contracts x 1 TON x 5.43 USDC x 1.0001 USD per USDC
    assert rows["TON-USDC-SWAP"].cash_delta == pytest.approx(50 * 1 * 5.43 * 1.0001, rel=1e-12)

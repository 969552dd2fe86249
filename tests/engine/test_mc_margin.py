"""Multi-currency margin mode (acctLv 3), rules spec 4.1-4.4 and 11.13.

Every expected number below is computed by hand in the test from (a) the tier rows transcribed here from
resources/tiers/okx-tiers-2025-01.json (and checked against the file, so a changed table fails loudly), (b) the spec's
formulas and examples, (c) QuantLib's Black formula for option prices. No expected value was copied from running
the engine.
"""

from __future__ import annotations

import json
import math

import pytest
import QuantLib as ql

from engine import InputError, compute, load_market, load_portfolio
from engine.mc import load_tier_table, prepare_mc, evaluate_mc, tier_table_from_dict
from engine.params import load_rule_set

TS = "2025-02-06T08:00:00Z"
T_0328 = 50.0 / 365.0          # 2025-02-06 08:00 -> 2025-03-28 08:00 UTC, ACT/365

# Tier rows transcribed from resources/tiers/okx-tiers-2025-01.json: (tier, minSz, maxSz, mmr, imr, maxLever)
BTC_USDT_SWAP = [(1, 0, 1000, 0.004, 0.01, 100), (2, 1000, 2000, 0.006, 1 / 75, 75), (3, 2000, 4000, 0.01, 0.02, 50)]
BTC_USDT_FUTURES = BTC_USDT_SWAP
BTC_USD_SWAP = [(1, 0, 10000, 0.004, 0.01, 100), (2, 10000, 20000, 0.006, 1 / 75, 75), (3, 20000, 40000, 0.01, 0.02, 50)]
# OPTION rows: (tier, minSz, maxSz, optMgnFactor)
BTC_USD_OPTION = [(1, 0, 5000, 1.0), (2, 5000, 10000, 1.1), (3, 10000, 20000, 1.25)]


def _market(**over) -> dict:
    doc = {"ts": TS,
           "index": {"BTC-USD": 98000.0, "ETH-USD": 2500.0, "USDT-USD": 0.999, "USDC-USD": 1.0, "LTC-USD": 70.0},
           "markPx": {"BTC-USDT-SWAP": 100000.0, "BTC-USD-SWAP": 98100.0, "BTC-USD-250328": 100000.0,
                      "BTC-USDT-250328": 100100.0, "BTC-USDT-250627": 102000.0},
           "markVol": {}, "atmVol": {"BTC": 0.5}}
    doc.update(over)
    return doc


def _mc(portfolio: dict, market: dict | None = None, **kw):
    return compute(load_portfolio({"acctLv": "3", **portfolio}), load_market(market or _market()), mode="mc",
                   liq_shock=False, **kw)


def _pos(result, inst_id):
    return next(p for p in result.positions if p.inst_id == inst_id)


def test_tier_rows_used_below_are_the_shipped_rows():
    t = load_tier_table("okx-tiers-2025-01")
    for fam, typ, rows in (("BTC-USDT", "SWAP", BTC_USDT_SWAP), ("BTC-USDT", "FUTURES", BTC_USDT_FUTURES),
                           ("BTC-USD", "SWAP", BTC_USD_SWAP)):
        got = t.rows(fam, typ)
        for (tier, lo, hi, mmr, imr, lev), row in zip(rows, got):
            assert (row.tier, row.min_sz, row.max_sz, row.max_lever) == (tier, lo, hi, lev)
            assert row.mmr == pytest.approx(mmr, rel=1e-12) and row.imr == pytest.approx(imr, rel=1e-8)
    for (tier, lo, hi, f), row in zip(BTC_USD_OPTION, t.rows("BTC-USD", "OPTION")):
        assert (row.tier, row.min_sz, row.max_sz, row.opt_mgn_factor) == (tier, lo, hi, f)
    # spec 4.2: the two documented tier-1 rows, tagged documented; the rest assumed
    btc, eth = t.rows("BTC-USDT", "SWAP")[0], t.rows("ETH-USDT", "SWAP")[0]
    assert (btc.mmr, btc.imr, btc.max_lever, btc.max_sz, btc.provenance) == (0.004, 0.01, 100, 1000, "documented")
    assert (eth.mmr, eth.imr, eth.max_lever, eth.max_sz, eth.provenance) == (0.004, 0.01, 100, 5000, "documented")
    assert t.rows("BTC-USDT", "SWAP")[1].provenance == "assumed"
    # the ADA-USDT growth rule (S22): tier 4 = tier 3 + 3000 contracts, mmr +0.5 %, imr +0.5 %, maxLever floor(1/imr)
    ada = t.rows("ADA-USDT", "SWAP")
    assert (ada[3].min_sz, ada[3].max_sz) == (6000, 9000)
    assert ada[3].mmr == pytest.approx(0.015) and ada[3].imr == pytest.approx(0.030)
    assert ada[3].max_lever == math.floor(1 / 0.030) == 33 and ada[3].provenance == "assumed"
    # every contract type the shipped catalogue lists has tiers (BTC-USD_UM lists futures only)
    from engine.catalogue import catalogue
    for fam, kinds in catalogue()["families"].items():
        for kind in kinds:
            assert t.rows(fam, {"swap": "SWAP", "future": "FUTURES", "option": "OPTION"}[kind])


def test_linear_perp_tier_2_hand_computed():
    # 1500 contracts > tier-1 maxSz 1000 -> tier 2 (mmr 0.6 %, maxLever 75); user lever 50 (< 75, kept)
    r = _mc({"simAsset": [{"ccy": "USDT", "amt": "500000"}], "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1500"}],
             "lever": {"BTC-USDT": "50"}})
    p = _pos(r, "BTC-USDT-SWAP")
    notional = 1500 * 0.01 * 100000.0 * 0.999          # contracts x ctVal x mark x USDT/USD = 1,498,500
    assert notional == pytest.approx(1_498_500.0)
    assert p.notional_usd == pytest.approx(notional, rel=1e-12)
    assert p.tier == 2 and p.lever == 50
    assert p.imr == pytest.approx(notional / 50, rel=1e-12)          # 29,970
    assert p.mmr == pytest.approx(notional * 0.006, rel=1e-12)       # 8,991
    # account: adjEq = 500,000 USDT x 0.999 (discount 1); no borrowing, no liquidation cost
    adj = 500000 * 0.999
    assert r.adj_eq == pytest.approx(adj, rel=1e-12)
    assert r.total_mmr == pytest.approx(8991.0, rel=1e-12) and r.total_imr == pytest.approx(29970.0, rel=1e-12)
    assert r.margin_ratio == pytest.approx(adj / 8991.0, rel=1e-12)
    assert r.avail_eq == pytest.approx(adj - 29970.0, rel=1e-12)
    assert r.acct_lv == "3" and r.units == ()
    assert p.assumed == ("mmr",)          # tier 2 is an assumed row; imr uses the user's lever, not the tier


def test_linear_perp_at_the_boundary_stays_in_tier_1_and_documented():
    r = _mc({"simAsset": [{"ccy": "USDT", "amt": "500000"}], "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "-1000"}],
             "lever": {"BTC-USDT": "20"}})
    p = _pos(r, "BTC-USDT-SWAP")
    notional = 1000 * 0.01 * 100000.0 * 0.999
    assert p.tier == 1 and p.mmr == pytest.approx(notional * 0.004) and p.imr == pytest.approx(notional / 20)
    assert p.assumed == ()                # documented row, user leverage: nothing assumed


def test_family_total_adds_long_and_short_and_caps_leverage():
    # FUTURES of BTC-USDT: +600 and -600 -> family total 1200 -> tier 2 for BOTH positions (not piecewise)
    r = _mc({"simAsset": [{"ccy": "USDT", "amt": "500000"}],
             "simPos": [{"instId": "BTC-USDT-250328", "pos": "600"}, {"instId": "BTC-USDT-250627", "pos": "-600"}],
             "lever": {"BTC-USDT": "100"}})
    a, b = _pos(r, "BTC-USDT-250328"), _pos(r, "BTC-USDT-250627")
    na = 600 * 0.01 * 100100.0 * 0.999
    nb = 600 * 0.01 * 102000.0 * 0.999
    assert a.tier == b.tier == 2
    assert a.lever == b.lever == 75                                    # 100 capped at tier 2's maxLever
    assert a.imr == pytest.approx(na / 75, rel=1e-12) and b.imr == pytest.approx(nb / 75, rel=1e-12)
    assert a.mmr == pytest.approx(na * 0.006, rel=1e-12) and b.mmr == pytest.approx(nb * 0.006, rel=1e-12)
    assert any("capped" in w for w in a.warnings)
    assert "imr" in a.assumed                                          # the cap comes from an assumed row


def test_inverse_perp_hand_computed():
    # inverse notional = |contracts| x face 100 USD, independent of price: 25,000 ct = 2,500,000 USD -> tier 3
    r = _mc({"simAsset": [{"ccy": "BTC", "amt": "10"}], "simPos": [{"instId": "BTC-USD-SWAP", "pos": "-25000"}]})
    p = _pos(r, "BTC-USD-SWAP")
    assert p.notional_usd == pytest.approx(2_500_000.0, rel=1e-12)
    assert p.tier == 3 and p.lever == 10                               # default leverage 10 (below maxLever 50)
    assert p.imr == pytest.approx(2_500_000.0 / 10, rel=1e-12)
    assert p.mmr == pytest.approx(2_500_000.0 * 0.01, rel=1e-12)
    assert "imr" in p.assumed                                          # default leverage is a project default


def _black_usd(is_call: bool, k: float, f: float, vol: float, t: float) -> float:
    return ql.blackFormula(ql.Option.Call if is_call else ql.Option.Put, k, f, vol * math.sqrt(t))


@pytest.mark.parametrize("put_contracts, tier, factor", [(1000, 1, 1.0), (1001, 2, 1.1)])
def test_short_options_across_an_option_tier_boundary(put_contracts, tier, factor):
    """§4.4 per unit of underlying in coin: IMR = max(a, b - OTM/F) x MF + mark; MMR call = c x MF + mark,
    MMR put = max(c, c x mark) x MF + mark; a 0.1, b 0.15, c 0.03 (BTC); USD at the index S."""
    s, f, vol = 98000.0, 100000.0, 0.5                 # index; forward = mark of BTC-USD-250328
    call_k, put_k = 110000.0, 97000.0
    portfolio = {"simAsset": [{"ccy": "BTC", "amt": "50"}],
                 "simPos": [{"instId": "BTC-USD-250328-110000-C", "pos": "-4000"},
                            {"instId": "BTC-USD-250328-97000-P", "pos": str(-put_contracts)},
                            {"instId": "BTC-USD-250328-120000-C", "pos": "6000"}]}   # long: not in the tier total
    r = _mc(portfolio)
    # short total 4000 + 1000 = 5000 <= maxSz 5000 -> tier 1 (MF 1.0); 5001 -> tier 2 (MF 1.1)
    call_mark = _black_usd(True, call_k, f, vol, T_0328) / s       # coin price per BTC of underlying (spec 3.4)
    put_mark = _black_usd(False, put_k, f, vol, T_0328) / s
    a, b, c = 0.1, 0.15, 0.03
    call_otm = max(0.0, call_k - f) / f                             # 0.10 -> b - 0.10 = 0.05 < a
    put_otm = max(0.0, f - put_k) / f                               # 0.03 -> b - 0.03 = 0.12 > a
    call_imr = 4000 * 0.01 * (max(a, b - call_otm) * factor + call_mark) * s
    call_mmr = 4000 * 0.01 * (c * factor + call_mark) * s
    put_imr = put_contracts * 0.01 * (max(a, b - put_otm) * factor + put_mark) * s
    put_mmr = put_contracts * 0.01 * (max(c, c * put_mark) * factor + put_mark) * s
    pc, pp, pl = (_pos(r, i) for i in ("BTC-USD-250328-110000-C", "BTC-USD-250328-97000-P", "BTC-USD-250328-120000-C"))
    assert pc.tier == pp.tier == tier
    assert pc.imr == pytest.approx(call_imr, rel=1e-7) and pc.mmr == pytest.approx(call_mmr, rel=1e-7)
    assert pp.imr == pytest.approx(put_imr, rel=1e-7) and pp.mmr == pytest.approx(put_mmr, rel=1e-7)
    assert pc.notional_usd == pytest.approx(4000 * 0.01 * s)
    # the long option: isolated, premium paid, no margin
    assert pl.imr == 0.0 and pl.mmr == 0.0 and pl.tier is None and pl.margin_mode == "isolated"
    assert r.total_mmr == pytest.approx(call_mmr + put_mmr, rel=1e-7)
    assert r.total_imr == pytest.approx(call_imr + put_imr, rel=1e-7)
    # equity: short option values are subtracted from BTC equity, the long option's value is not collateral
    eq_btc = 50 - 4000 * 0.01 * call_mark - put_contracts * 0.01 * put_mark
    btc = next(x for x in r.assets if x.ccy == "BTC")
    assert btc.eq == pytest.approx(eq_btc, rel=1e-7)
    assert btc.dis_eq == pytest.approx((20 * 0.98 + 5 * 0.9775 + (eq_btc - 25) * 0.95) * s, rel=1e-7)


def test_spec_4_1_ccxt_ltc_example_with_a_tiny_tier_table():
    """LTC-USDT-SWAP 1 ct x 0.001 LTC x 70.01, lever 3 -> imr 0.0233367, mmr 0.00035005 at 0.5 % (spec 4.1).
    Our catalogue's LTC ctVal is 1, so the same 0.001 LTC is 0.001 contracts."""
    doc = json.loads(json.dumps(_tiny_table()))
    portfolio = load_portfolio({"acctLv": "3", "simAsset": [{"ccy": "USDT", "amt": "10"}],
                                "simPos": [{"instId": "LTC-USDT-SWAP", "pos": "0.001"}], "lever": {"LTC-USDT": "3"}})
    market = load_market({"ts": TS, "index": {"LTC-USD": 70.0, "USDT-USD": 1.0}, "markPx": {"LTC-USDT-SWAP": 70.01}})
    prep = prepare_mc(portfolio, market, load_rule_set("okx-2025-01"), tiers=doc)
    r = evaluate_mc(prep)
    p = r.positions[0]
    assert p.notional_usd == pytest.approx(0.07001, rel=1e-12)
    assert p.imr == pytest.approx(0.0233367, abs=5e-8)
    assert p.imr == pytest.approx(0.07001 / 3, rel=1e-12)
    assert p.mmr == pytest.approx(0.00035005, rel=1e-12)
    assert r.extra["tierTable"] == "test-ltc"


def _tiny_table() -> dict:
    p = {"value": None, "provenance": "documented"}
    return {"id": "test-ltc", "effectiveFrom": "2023-01-01T00:00:00Z",
            "defaults": {"lever": {**p, "value": 10}},
            "optionMargin": {"a": {**p, "value": {"BTC": 0.1}}, "b": {**p, "value": {"BTC": 0.15}},
                             "c": {**p, "value": {"BTC": 0.03}}, "minOpenOrderMargin": {**p, "value": {"BTC": 0.1}},
                             "otmReference": {**p, "value": "forward"}, "tierBasis": {**p, "value": "short"}},
            "switch": {"minMarginRatio": {**p, "value": 1.0}, "minAvailEq": {**p, "value": 0}},
            "families": {"LTC-USDT": {"SWAP": {"tiers": [
                {"tier": 1, "minSz": 0, "maxSz": 500, "mmr": 0.005, "imr": 0.02, "maxLever": 50,
                 "provenance": "documented"}]}}}}


def test_piecewise_discount_collateral_borrowing_and_margin_ratio():
    """adjEq = sum disEq (coin-unit tiers, piecewise; negative equity undiscounted); MR8 borrowing (spec 11.10);
    marginRatio = adjEq / (totalMmr + liqCost), liqCost = 0.001 x (liabilities + borrowMmr) (spec 11.12)."""
    market = _market(index={"BTC-USD": 100000.0, "USDT-USD": 1.0}, markPx={"BTC-USDT-SWAP": 100000.0})
    r = _mc({"simAsset": [{"ccy": "BTC", "amt": "30"}, {"ccy": "USDT", "amt": "-50000"}],
             "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "100"}], "lever": {"BTC-USDT": "10"}}, market)
    # BTC tiers (resources/collateral/okx-2025-01.json): 0-20 at 0.98, 20-25 at 0.9775, 25-100 at 0.95
    dis_btc = (20 * 0.98 + 5 * 0.9775 + 5 * 0.95) * 100000.0           # 2,923,750
    dis_usdt = -50000.0                                                   # negative: not discounted
    adj = dis_btc + dis_usdt
    btc = next(x for x in r.assets if x.ccy == "BTC")
    assert btc.dis_eq == pytest.approx(2_923_750.0, rel=1e-12)
    assert r.adj_eq == pytest.approx(adj, rel=1e-12)
    borrow_mmr, borrow_imr = 0.02 * 50000.0, 0.10 * 50000.0             # 1,000 and 5,000
    pos_mmr, pos_imr = 100 * 0.01 * 100000.0 * 0.004, 100 * 0.01 * 100000.0 / 10   # 400 and 10,000
    liq = 0.001 * (50000.0 + borrow_mmr)                                  # 51
    assert r.borrow_mmr == pytest.approx(borrow_mmr) and r.deriv_mmr == pytest.approx(pos_mmr)
    assert r.total_mmr == pytest.approx(pos_mmr + borrow_mmr)
    assert r.total_imr == pytest.approx(pos_imr + borrow_imr)
    assert r.liq_cost == pytest.approx(liq)
    assert r.margin_ratio == pytest.approx(adj / (pos_mmr + borrow_mmr + liq), rel=1e-12)
    assert r.avail_eq == pytest.approx(adj - pos_imr - borrow_imr, rel=1e-12)
    # tier 3 of the BTC discount table is assumed -> adjEq is flagged
    assert "adjEq" in r.extra["assumed"]


def test_long_options_are_not_collateral_in_mc_but_are_in_pm():
    """Product document (seeds/004): in multi-currency mode long options are isolated and their value is not
    available margin; in portfolio margin both long and short option values count."""
    s, f, vol, k = 98000.0, 100000.0, 0.5, 100000.0
    pf = {"simAsset": [{"ccy": "USDT", "amt": "100000"}],
          "simPos": [{"instId": "BTC-USD-250328-100000-C", "pos": "1000"}]}
    value_usd = 1000 * 0.01 * _black_usd(True, k, f, vol, T_0328)       # 10 BTC of calls at the Black-76 USD price
    mc = _mc(pf)
    pm = compute(load_portfolio({"acctLv": "4", **pf}), load_market(_market()), mode="pm", liq_shock=False)
    assert pm.eq - mc.eq == pytest.approx(value_usd, rel=1e-7)
    # the option value sits in BTC equity: value/S BTC < 20 BTC, discounted at tier 1 (0.98)
    assert pm.adj_eq - mc.adj_eq == pytest.approx(0.98 * value_usd, rel=1e-7)
    assert mc.adj_eq == pytest.approx(100000 * 0.999, rel=1e-12)
    p = mc.positions[0]
    assert p.imr == 0.0 and p.mmr == 0.0 and mc.total_mmr == 0.0 and mc.margin_ratio is None
    assert mc.extra["isolatedOptionValue"] == pytest.approx(value_usd, rel=1e-7)


def test_hedged_spot_perp_book_needs_less_margin_in_pm_than_mc():
    """Product document (seeds/004): hedged risks enjoy considerable margin discounts in portfolio margin.
    Spot BTC hedged by a short perpetual: PM's initial margin (what the hedge ties up) is below MC's."""
    market = load_market(_market())
    cases = [  # (perpetual, contracts, MC leverage, MC notional by hand)
        ("BTC-USDT-SWAP", -1000, "10", 1000 * 0.01 * 100000.0 * 0.999),   # linear: contracts x ctVal x mark x fx
        ("BTC-USD-SWAP", -9800, "100", 9800 * 100.0),                     # inverse: contracts x face, at max lever
    ]
    for inst, contracts, lever, notional in cases:
        family = inst.rsplit("-", 1)[0]
        pf = {"simAsset": [{"ccy": "BTC", "amt": "10"}, {"ccy": "USDT", "amt": "20000"}],
              "simPos": [{"instId": inst, "pos": str(contracts)}], "lever": {family: lever}}
        mc = compute(load_portfolio({**pf, "acctLv": "3"}), market, mode="mc", liq_shock=False)
        pm = compute(load_portfolio({**pf, "acctLv": "4"}), market, mode="pm", liq_shock=False)
        assert mc.total_imr == pytest.approx(notional / float(lever), rel=1e-12)
        assert pm.total_imr < mc.total_imr, inst
        assert pm.avail_eq > mc.avail_eq, inst
        assert pm.units[0].spot_in_use > 9.9            # the spot joins the unit as a hedge
        # hedged: MR1 is under 1 % of what the unhedged perpetual would pay at the 12 % shock of group A
        assert pm.units[0].mr["mr1"] < 0.01 * 0.12 * notional


def test_result_json_positions_fields_and_liquidation_shock():
    book = {"acctLv": "3", "simAsset": [{"ccy": "USDT", "amt": "500000"}],
            "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1500"}], "lever": {"BTC-USDT": "20"}}
    r = compute(load_portfolio(book), load_market(_market()))
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["acctLv"] == "3" and d["riskUnitData"] == []
    p = d["positions"][0]
    for key in ("instId", "imr", "mmr", "notionalUsd", "lever", "tier", "assumed"):
        assert key in p
    assert p["assumed"] == ["mmr"] and p["tier"] == 2 and p["lever"] == 20
    assert d["availEq"] == pytest.approx(d["adjEq"] - d["totalImr"])
    # long 15 BTC (no avgPx: opened at the mark) on ~500k USD: liquidated on a fall, never on a rise.
    # By hand: after an index move x every 1 USD of index moves the mark 1 USD (absolute), so the loss is
    # 15 x 98000 x |x| USD; mmr = 15 x (100000 + 98000 x) x 0.999 x 0.006. marginRatio 1 where
    # 499,500 - 1,470,000 |x| = 8,991 + 8,811.18 x  ->  x = -490,509 / 1,461,188.82
    down, up = r.liq_shock
    assert up is None
    assert down == pytest.approx(-490509.0 / 1461188.82, abs=2e-4)


def test_above_the_largest_tier_uses_the_last_row_and_warns():
    r = _mc({"simAsset": [{"ccy": "USDT", "amt": "1e8"}], "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "150000"}]})
    p = r.positions[0]
    assert p.tier == 8 and any("exceed the largest tier" in w for w in p.warnings)


@pytest.mark.parametrize("path, value, fragment", [
    (("families", "LTC-USDT", "SWAP", "tiers", 0, "mmr"), 0.5, "families.LTC-USDT.SWAP.tiers[0]"),
    (("families", "LTC-USDT", "SWAP", "tiers", 0, "minSz"), 1, "families.LTC-USDT.SWAP.tiers[0].minSz"),
    (("families", "LTC-USDT", "SWAP", "tiers", 0, "maxLever"), 10, "families.LTC-USDT.SWAP.tiers[0].maxLever"),
    (("families", "LTC-USDT", "SWAP", "tiers", 0, "provenance"), "guess", "tiers[0].provenance"),
    (("families", "LTC-USDT", "PERP"), {"tiers": []}, "families.LTC-USDT.PERP"),
    (("optionMargin", "a", "value"), -1, "optionMargin.a.value"),
    (("switch", "minMarginRatio"), 1.0, "switch.minMarginRatio"),
])
def test_tier_loader_names_file_and_key(tmp_path, path, value, fragment):
    doc = _tiny_table()
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    f = tmp_path / "bad-tiers.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(InputError) as exc:
        load_tier_table(str(f))
    assert "bad-tiers.json" in str(exc.value) and fragment in str(exc.value)
    with pytest.raises(InputError, match="unknown tier table"):
        load_tier_table("okx-tiers-1999-01")


def test_missing_family_in_table_is_an_input_error():
    portfolio = load_portfolio({"acctLv": "3", "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}]})
    market = load_market(_market())
    with pytest.raises(InputError, match="families.BTC-USDT.SWAP"):
        evaluate_mc(prepare_mc(portfolio, market, load_rule_set("okx-2025-01"), tiers=_tiny_table()))


def test_demo_multi_currency_book_runs_and_is_consistent(demo_portfolios, demo_market):
    p = demo_portfolios["Multi-currency borrow book"]
    r = compute(p, demo_market)
    assert r.acct_lv == "3"
    assert r.total_mmr == pytest.approx(sum(x.mmr for x in r.positions) + r.borrow_mmr)
    levers = {"BTC-USDT-SWAP": 10, "ETH-USDT-SWAP": 5, "LTC-USDT-SWAP": 3, "XRP-USDT-SWAP": 5, "DOGE-USDT-SWAP": 3}
    for x in r.positions:
        assert x.lever == levers[x.inst_id]
        assert x.imr == pytest.approx(x.notional_usd / x.lever, rel=1e-12)

"""Spec §7.2, §7.3, §7.4 and §11.11: MR7 multiplier tiers, MR9 depeg tables, the old MR4 per-leg formula.

Expected numbers are written out by hand from the spec's text.
"""

import copy
import json
from importlib import resources

import pytest

from engine import compute, load_market, load_portfolio
from engine.params import load_rule_set
from engine.pm.factors import mr7_adjusted, mr9, mr9_factor, piecewise


def shipped(rule_id):
    return json.loads(resources.files("resources").joinpath("rules", f"{rule_id}.json").read_text())


def test_mr7_multiplier_spec_7_3():
    # 2021 BTC table: [0, 10k] x1, (10k, 70k] x2 ...; raw 30,000 -> 10,000 x 1 + 20,000 x 2 = 50,000
    tiers = load_rule_set("okx-2024-06").get("mr7.multiplierTiers", "A")
    assert mr7_adjusted(30_000.0, tiers) == pytest.approx(10_000 * 1 + 20_000 * 2)
    # with a risk sum of 40,000 the MMR is max(40,000, 50,000) = 50,000
    assert max(40_000.0, mr7_adjusted(30_000.0, tiers)) == 50_000.0


def test_mr7_multiplier_new_tiers_across_three_tiers():
    tiers = load_rule_set("okx-2025-01").get("mr7.multiplierTiers", "A")
    # 600,000 raw: 250k x1 + 250k x2 + 100k x4 = 250k + 500k + 400k
    assert mr7_adjusted(600_000.0, tiers) == pytest.approx(250_000 + 500_000 + 400_000)
    assert mr7_adjusted(100.0, tiers) == 100.0


def test_mr9_spec_7_4_mechanism_with_the_example_factors():
    # the rewrite's 10M hedge: 1M x 0.75 % + 4M x 1.75 % + 5M x 2.5 % = 202,500 (tiers 0-1M, 1-5M, 5-20M)
    got = piecewise(10_000_000.0, [1e6, 5e6, 20e6], [0.0075, 0.0175, 0.025, 0.03])
    assert got == pytest.approx(7_500 + 70_000 + 125_000)
    assert got == pytest.approx(202_500)


def test_mr9_factor_floor_and_linear_rise_spec_11_11():
    rules = load_rule_set("okx-2025-01")
    assert mr9_factor(0.0005, 0, rules) == 0.005        # at par: tier-1 floor
    assert mr9_factor(0.009, 1, rules) == 0.01          # inside the 1 % band: tier-2 floor
    # d = 0.105: halfway from 0.01 to 0.20 -> floor + (0.40 - floor) / 2
    assert mr9_factor(0.105, 0, rules) == pytest.approx(0.005 + (0.40 - 0.005) * 0.5)
    assert mr9_factor(0.5, 3, rules) == pytest.approx(0.40)


def test_mr9_sequential_pairs_hand_calculation():
    rules = load_rule_set("okx-2025-01")
    # USDT +3M, USD -2M, USDC -0.5M. Pair USDT-USD hedges 2M (USDT left +1M, USD 0);
    # pair USDT-USDC hedges 0.5M (USDT +0.5M, USDC 0); pair USDC-USD: nothing.
    cash = {"USDT": 3e6, "USDC": -0.5e6, "USD": -2e6}
    index = {("USDT", "USD"): 0.9995, ("USDT", "USDC"): 0.9995 / 1.0001, ("USDC", "USD"): 1.0001}
    value, _ = mr9(cash, index, rules)
    usdt_usd = 1e6 * 0.005 + 1e6 * 0.01          # 2M over tiers 0-1M (0.5 %) and 1-5M (1 %)
    usdt_usdc = 0.5e6 * 0.005
    assert value == pytest.approx(usdt_usd + usdt_usdc)


def test_mr9_absent_before_the_merge_and_present_after():
    book = {"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1000"}, {"instId": "BTC-USD-SWAP", "pos": "-1000"}],
            "simAsset": [{"ccy": "USDT", "amt": "500000"}]}
    market = {"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000, "USDT-USD": 1.0, "USDC-USD": 1.0},
              "markPx": {"BTC-USDT-SWAP": 100000, "BTC-USD-SWAP": 100000}}
    p, m = load_portfolio(book), load_market(market)
    new = compute(p, m, rules="okx-2025-01", liq_shock=False)
    old = compute(p, m, rules="okx-2024-06", liq_shock=False)
    # new: one BTC unit, USDT cash delta +1M (1000 x 0.01 BTC x 100k), USD -100k face: hedge 100k at 0.5 %
    (unit,) = new.units
    assert unit.risk_unit == "BTC"
    assert unit.mr["mr9"] == pytest.approx(100_000 * 0.005)
    assert sorted(u.risk_unit for u in old.units) == ["BTC-USD", "BTC-USDT"]
    assert all(u.mr["mr9"] == 0 for u in old.units)


def test_old_mr4_per_leg_formula_spec_7_2():
    # S14: 10 BTC spot hedging -1,000 BTC-USDT-SWAP contracts; spot leg at index 670,916, perp at mark 671,304.
    # okx-2024-06: MR4 = 0.6 % x (670,916 + 671,304) = 8,053.32; MR7 = 0.45 % x 671,304 = 3,020.868; MR1 = 0.
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "-1000"}],
                        "simAsset": [{"ccy": "BTC", "amt": "10"}], "rules": "okx-2024-06"})
    m = load_market({"ts": "2024-06-10T00:00:00Z", "index": {"BTC-USD": 67091.6, "USDT-USD": 1.0},
                     "markPx": {"BTC-USDT-SWAP": 67130.4}})
    r = compute(p, m, liq_shock=False)
    (unit,) = r.units
    assert unit.risk_unit == "BTC-USDT"
    assert unit.spot_in_use == pytest.approx(10.0)
    assert unit.mr["mr4"] == pytest.approx(0.006 * (670_916 + 671_304), rel=1e-12)
    assert unit.mr["mr7"] == pytest.approx(0.0045 * 671_304, rel=1e-12)
    assert unit.mr["mr1"] == pytest.approx(0.0, abs=1e-6)   # spot and perp move by the same index amount
    assert unit.mmr == pytest.approx(8_053.32, abs=0.01)


def test_new_mr4_lone_future_uses_annualised_move():
    # one BTC-USDT future 50 days out, 1 BTC long at 100,000: T = 50/365, shock = max(5 % x T, 0.2 %) = 0.6849 %
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-250328", "pos": "100"}], "simAsset": [{"ccy": "USDT", "amt": "1e6"}]})
    m = load_market({"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000, "USDT-USD": 1.0},
                     "markPx": {"BTC-USDT-250328": 100000}})
    r = compute(p, m, liq_shock=False)
    t = 50 / 365
    assert r.units[0].mr["mr4"] == pytest.approx(100_000 * max(0.05 * t, 0.002), rel=1e-12)
    assert "mr4" in r.units[0].assumed          # the bucket formula is a project default


def test_rule_file_errors_name_file_and_key(tmp_path):
    doc = copy.deepcopy(shipped("okx-2025-01"))
    doc["mr6"]["move"]["value"]["B"] = -0.3
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"custom\.json: mr6\.move\.value"):
        load_rule_set(str(path))
    doc = copy.deepcopy(shipped("okx-2025-01"))
    doc["mr4"]["minShock"]["provenance"] = "guessed"
    with pytest.raises(ValueError, match=r"rules: mr4\.minShock\.provenance"):
        load_rule_set(doc)
    doc["mr4"]["minShock"]["provenance"] = "derived"
    del doc["mr9"]
    with pytest.raises(ValueError, match=r"mr9\.enabled: missing"):
        load_rule_set(doc)


def test_every_shipped_parameter_has_a_provenance_tag():
    for rid in ("okx-2024-06", "okx-2024-12", "okx-2025-01"):
        rs = load_rule_set(rid)
        assert rs.params, rid
        for path, param in rs.params.items():
            tags = param.provenance.values() if isinstance(param.provenance, dict) else [param.provenance]
            assert set(tags) <= {"documented", "derived", "assumed"}, (rid, path)

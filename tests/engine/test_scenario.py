"""engine.scenario: parsing, and applying a scenario, against values worked out by hand in each test."""

from __future__ import annotations

import json
import math
from dataclasses import FrozenInstanceError
from datetime import datetime, timezone

import pytest

from engine import InputError, compute, load_market, load_portfolio
from engine.scenario import (Scenario, apply_scenario, check_scenario, load_scenario_file, resolve_scenarios,
                             scenario_from_dict, shipped_scenario_sets)

TS = "2025-02-06T08:00:00Z"


def market(**over) -> object:
    doc = {"ts": TS,
           "index": {"BTC-USD": 100000.0, "ETH-USD": 2500.0, "USDT-USD": 1.0, "USDC-USD": 1.0},
           "markPx": {"BTC-USDT-SWAP": 100100.0, "BTC-USD-SWAP": 100050.0, "BTC-USDC-SWAP": 100000.0,
                      "BTC-USDT-250207": 100010.0, "BTC-USD-250207": 100020.0, "ETH-USDT-SWAP": 2501.0},
           "markVol": {"BTC-USD-250328-100000-C": 0.50, "BTC-USD-250207-90000-C": 0.60,
                       "BTC-USD-250926-120000-C": 0.55},
           "atmVol": {"BTC": 0.52, "ETH": 0.65}}
    doc.update(over)
    return load_market(doc)


def book(positions, assets=({"ccy": "BTC", "amt": "1"}, {"ccy": "USDT", "amt": "50000"})):
    return load_portfolio({"acctLv": "4", "simAsset": list(assets), "simPos": list(positions)})


def bs_call(f: float, k: float, vol: float, t: float) -> float:
    """Undiscounted Black-76 call written out with math.erf (independent of engine.pricing)."""
    n = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731
    sd = vol * math.sqrt(t)
    d1 = (math.log(f / k) + 0.5 * sd * sd) / sd
    return f * n(d1) - k * n(d1 - sd)


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize("doc, needle", [
    ({"name": "x", "index": {"XYZ": -0.1}}, "index.XYZ: unknown crypto 'XYZ'"),
    ({"name": "x", "index": {"USDT": -0.1}}, "index.USDT: USDT is a stablecoin, not a crypto"),
    ({"name": "x", "index": {"BTC": "nan"}}, "index.BTC: 'nan' is not a finite number"),
    ({"name": "x", "index": {"BTC": -1.0}}, "index.BTC: a move of -1 takes the index to zero"),
    ({"name": "x", "vol": {"DOGE2": 0.1}}, "vol.DOGE2: unknown crypto"),
    ({"name": "x", "vol": {"BTC": {"days": [30, 7], "shift": [0.1, 0.2]}}}, "vol.BTC.days: tenors must be strictly"),
    ({"name": "x", "vol": {"BTC": {"days": [7], "shift": [0.1, 0.2]}}}, "vol.BTC: expected lists days and shift"),
    ({"name": "x", "stable": {"BTC": 0.9}}, "stable.BTC: BTC is a crypto, not a stablecoin"),
    ({"name": "x", "stable": {"USDC": 0}}, "stable.USDC: must not be zero"),
    ({"name": "x", "days": -1}, "days: must not be negative"),
    ({"name": "x", "shock": 1}, "unknown field 'shock'"),
    ({"index": {"BTC": 0.1}}, "name: expected a non-empty string"),
])
def test_bad_scenarios_are_one_line_errors(doc, needle):
    with pytest.raises(InputError) as err:
        scenario_from_dict(doc, "f.json: scenarios[0]")
    text = str(err.value)
    assert needle in text and text.startswith("f.json: scenarios[0]: ") and "\n" not in text


def test_scenario_is_frozen_hashable_and_round_trips():
    doc = {"name": "s", "index": {"BTC": -0.3, "*": -0.35}, "vol": {"*": 0.2, "BTC": {"days": [7, 30], "shift": [0.3, 0.1]}},
           "stable": {"USDC": 0.88}, "days": 1, "source": "test"}
    s = scenario_from_dict(doc)
    assert scenario_from_dict(s.to_dict()) == s and hash(s) == hash(scenario_from_dict(doc))
    assert s.index_move("BTC") == -0.3 and s.index_move("ETH") == -0.35
    with pytest.raises(FrozenInstanceError):
        s.days = 2  # type: ignore[misc]
    assert Scenario("built from sliders", index={"BTC": 0.1}) == scenario_from_dict({"name": "built from sliders", "index": {"BTC": 0.1}})


def test_bad_file_names_file_and_field(tmp_path):
    f = tmp_path / "mine.json"
    f.write_text(json.dumps({"name": "mine", "scenarios": [{"name": "a"}, {"name": "b", "index": {"FOO": 0.1}}]}))
    with pytest.raises(InputError, match=r"mine.json: scenarios\[1\]: index.FOO: unknown crypto"):
        load_scenario_file(f)
    with pytest.raises(InputError, match="neither a file nor a known scenario"):
        resolve_scenarios(["no-such-set"])


def test_shipped_library_loads_and_every_scenario_has_a_source():
    sets = shipped_scenario_sets()
    assert sets
    for st in sets.values():
        for s in st.scenarios:
            assert s.source or st.source, (st.name, s.name)


# ---------------------------------------------------------------- applying


def test_identity_scenario_returns_the_same_objects():
    p, m = book([{"instId": "BTC-USDT-SWAP", "pos": "10"}]), market()
    q, n = apply_scenario(p, m, Scenario("nothing"))
    assert q is p and n is m


def test_index_move_on_linear_inverse_and_option():
    p = book([{"instId": "BTC-USDT-SWAP", "pos": "10", "avgPx": "99000"},       # 0.1 BTC linear
              {"instId": "BTC-USD-SWAP", "pos": "-5"},                          # -500 USD face, no avgPx
              {"instId": "BTC-USD-250328-100000-C", "pos": "100"}])             # 1 BTC of calls
    m = market()
    q, n = apply_scenario(p, m, Scenario("down 30", index={"BTC": -0.30}))
    # index 100000 -> 70000 (-30000 USD); marks move by the same absolute amount (USDT at 1.0)
    assert n.index["BTC-USD"] == pytest.approx(70000.0, rel=1e-15)
    assert n.mark_px["BTC-USDT-SWAP"] == pytest.approx(70100.0, rel=1e-15)
    assert n.mark_px["BTC-USD-SWAP"] == pytest.approx(70050.0, rel=1e-15)
    assert n.index["ETH-USD"] == 2500.0 and n.mark_px["ETH-USDT-SWAP"] == 2501.0
    # the inverse swap had no avgPx: it entered at the unshocked mark 100050, so the move shows as P&L
    assert [x.avg_px for x in q.positions] == [99000.0, 100050.0, pytest.approx(bs_call(100000, 100000, 0.5, 50 / 365) / 100000, rel=1e-12)]
    r = compute(q, n, "pm", liq_shock=False)
    pos = {x.inst_id: x for u in r.units for x in u.positions}
    # linear: 0.1 BTC x (70100 - 99000) = -2890 USDT ; inverse: -500 x (1/100050 - 1/70050) BTC x 70000 USD/BTC
    assert pos["BTC-USDT-SWAP"].float_pnl == pytest.approx(0.1 * (70100 - 99000), rel=1e-12)
    assert pos["BTC-USD-SWAP"].float_pnl == pytest.approx(-500 * (1 / 100050 - 1 / 70050) * 70000, rel=1e-12)
    # option (marked in BTC per BTC, as OKX quotes it): forward = index (no same-expiry future), 50 days, vol 0.50
    assert pos["BTC-USD-250328-100000-C"].mark_px == pytest.approx(bs_call(70000, 100000, 0.5, 50 / 365) / 70000, rel=1e-9)
    # BTC equity = 1 + inverse P&L (coin) + option value (coin)
    btc = next(a for a in r.assets if a.ccy == "BTC")
    expect = 1 - 500 * (1 / 100050 - 1 / 70050) + bs_call(70000, 100000, 0.5, 50 / 365) / 70000
    assert btc.eq == pytest.approx(expect, rel=1e-9)


def test_star_moves_every_crypto_not_named_and_not_stablecoins():
    n = check_scenario(market(), Scenario("s", index={"BTC": -0.1, "*": 0.2}))
    assert n.index["BTC-USD"] == pytest.approx(90000.0) and n.index["ETH-USD"] == pytest.approx(3000.0)
    assert n.index["USDT-USD"] == 1.0 and n.index["USDC-USD"] == 1.0


def test_vol_shift_by_tenor_interpolates_linearly_flat_beyond():
    s = scenario_from_dict({"name": "v", "vol": {"BTC": {"days": [7, 30, 180], "shift": [0.3, 0.15, 0.05]}}})
    n = check_scenario(market(), s)
    # 250207: 1 day (< 7: flat 0.30); 250328: 50 days, 0.15 + (50-30)/(180-30) x (0.05-0.15); 250926: 232 days (flat 0.05)
    assert n.mark_vol["BTC-USD-250207-90000-C"] == pytest.approx(0.60 + 0.30, rel=1e-15)
    assert n.mark_vol["BTC-USD-250328-100000-C"] == pytest.approx(0.50 + 0.15 - 20 / 150 * 0.10, rel=1e-14)
    assert n.mark_vol["BTC-USD-250926-120000-C"] == pytest.approx(0.55 + 0.05, rel=1e-15)
    assert n.atm_vol["BTC"] == pytest.approx(0.52 + 0.15) and n.atm_vol["ETH"] == 0.65   # atmVol: shift at 30 days


def test_option_on_atm_vol_gets_its_own_tenor_shift():
    p = book([{"instId": "BTC-USD-250328-90000-P", "pos": "10"}])   # no markVol: valued on atmVol 0.52
    s = scenario_from_dict({"name": "v", "vol": {"BTC": {"days": [7, 30, 180], "shift": [0.3, 0.15, 0.05]}}})
    _, n = apply_scenario(p, market(), s)
    assert n.mark_vol["BTC-USD-250328-90000-P"] == pytest.approx(0.52 + 0.15 - 20 / 150 * 0.10, rel=1e-14)


def test_vol_shift_making_a_vol_negative_is_one_line():
    with pytest.raises(InputError, match=r"scenario 'crush': vol: the shift takes markVol.BTC-USD-250328-100000-C "
                                         r"from 0.5 to -0.1 \(a vol must stay above 0\)"):
        check_scenario(market(), Scenario("crush", vol={"BTC": -0.6}))


def test_usdc_at_088_changes_equity_and_raises_mr9():
    p = book([{"instId": "BTC-USDC-SWAP", "pos": "10000"},          # +1 BTC, USDC-denominated
              {"instId": "BTC-USD-SWAP", "pos": "-1000"}],          # -100000 USD face, USD-denominated
             assets=[{"ccy": "USDC", "amt": "10000"}, {"ccy": "BTC", "amt": "1"}])
    m = market()
    base = compute(p, m, "pm", liq_shock=False)
    q, n = apply_scenario(p, m, Scenario("usdc", stable={"USDC": 0.88}))
    shocked = compute(q, n, "pm", liq_shock=False)
    usdc = next(a for a in shocked.assets if a.ccy == "USDC")
    assert usdc.eq_usd == pytest.approx(10000 * 0.88, rel=1e-15)
    assert shocked.eq == pytest.approx(base.eq - 10000 * (1.0 - 0.88), rel=1e-12)
    # MR9 pair USDC/USD: hedge = min(|USDC cash delta|, |USD cash delta|) = min(1 x 100000 x 0.88, 100000 x 100000/100050)
    # depeg 0.12 beyond the 0.01 band: factor 0.005 + (0.40 - 0.005) x (0.12 - 0.01) / (0.20 - 0.01) (tier 1)
    hedge = min(100000 * 0.88, 100000 * 100000 / 100050)
    factor = 0.005 + (0.40 - 0.005) * (0.12 - 0.01) / (0.20 - 0.01)
    assert shocked.unit("BTC").mr["mr9"] == pytest.approx(hedge * factor, rel=1e-9)
    assert base.unit("BTC").mr["mr9"] == pytest.approx(min(100000.0, 100000 * 100000 / 100050) * 0.005, rel=1e-9)


def test_time_roll_settles_expiring_contracts_at_the_shocked_index():
    p = book([{"instId": "BTC-USD-250207-90000-C", "pos": "200"},                 # 2 BTC of calls, expires in 1 day
              {"instId": "BTC-USDT-250207", "pos": "10", "avgPx": "99000"},      # 0.1 BTC linear future
              {"instId": "BTC-USD-250207", "pos": "-3"},                         # -300 USD face, no avgPx (100020)
              {"instId": "BTC-USD-250328-100000-C", "pos": "100"}])              # lives on
    applied = apply_scenario(p, market(), Scenario("roll", index={"BTC": -0.05}, days=2))
    q, n = applied
    assert n.ts == datetime(2025, 2, 8, 8, tzinfo=timezone.utc)
    assert [x.inst_id for x in q.positions] == ["BTC-USD-250328-100000-C"]
    bal = q.asset_amounts()
    # settlement index 95000: call intrinsic 5000 USD per BTC paid in BTC; future 0.1 x (95000 - 99000) USDT;
    # inverse -300 x (1/100020 - 1/95000) BTC
    assert bal["BTC"] == pytest.approx(1 + 2 * 5000 / 95000 - 300 * (1 / 100020 - 1 / 95000), rel=1e-13)
    assert bal["USDT"] == pytest.approx(50000 + 0.1 * (95000 - 99000), rel=1e-13)
    assert len(applied.warnings) == 3 and all("settled at" in w for w in applied.warnings)
    assert "BTC-USD-250207-90000-C" not in n.mark_vol and "BTC-USDT-250207" not in n.mark_px
    r = compute(q, n, "pm", liq_shock=False)
    opt = r.units[0].positions[0]
    # the surviving option decays: 48 days left, forward = shocked index 95000
    assert opt.mark_px == pytest.approx(bs_call(95000, 100000, 0.5, 48 / 365) / 95000, rel=1e-9)


def test_okx_fields_forward_moves_like_a_future_option_marks_dropped_rest_kept():
    doc = {"ts": TS, "source": "okx", "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0},
           "markPx": {"BTC-USD-250328-100000-C": 0.05, "BTC-USD-250207-100000-C": 0.01},
           "markVol": {"BTC-USD-250328-100000-C": 0.50, "BTC-USD-250207-100000-C": 0.40},
           "fwdPx": {"BTC-USD-250328-100000-C": 101000.0, "BTC-USD-250207-100000-C": 100020.0},
           "interestRates": {"USDT": 0.1}}
    m = load_market(doc)
    p = book([{"instId": "BTC-USD-250328-100000-C", "pos": "100"}])
    q, n = apply_scenario(p, m, Scenario("down", index={"BTC": -0.30}, days=2))
    # fwdPx 101000 moves by the index's -30000 USD; the 250207 option expired within the 2 days: dropped
    assert dict(n.fwd_px) == {"BTC-USD-250328-100000-C": pytest.approx(71000.0, rel=1e-15)}
    assert not n.option_mark_px and m.option_mark_px
    assert n.source == "okx" and dict(n.interest_rates) == dict(m.interest_rates)
    r = compute(q, n, "pm", liq_shock=False)
    assert r.units[0].positions[0].mark_px == pytest.approx(bs_call(71000, 100000, 0.5, 48 / 365) / 70000, rel=1e-9)

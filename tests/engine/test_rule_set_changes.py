"""Old versus new rule sets on the same book: the differences the announcements document (spec §2, §11.1)."""

import pytest

from engine import compute, load_market, load_portfolio

MARKET = load_market({"ts": "2025-02-06T08:00:00Z",
                      "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0, "USDC-USD": 1.0},
                      "markPx": {"BTC-USDT-SWAP": 100000.0, "BTC-USD-SWAP": 100000.0}})
LONG_PERP = load_portfolio({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "100"}],     # 1 BTC long
                            "simAsset": [{"ccy": "USDT", "amt": "100000"}]})


def unit(rules):
    (u,) = compute(LONG_PERP, MARKET, rules=rules, liq_shock=False).units
    return u


def test_mr1_grid_cut_on_2025_01_06():
    old, new = unit("okx-2024-12"), unit("okx-2025-01")
    assert list(old.mr1_moves) == [-0.15, -0.10, -0.05, 0.0, 0.05, 0.10, 0.15]
    assert list(new.mr1_moves) == [-0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12]
    # a 1 BTC long loses 15 % x 100,000 before and 12 % x 100,000 after
    assert old.mr["mr1"] == pytest.approx(15_000)
    assert new.mr["mr1"] == pytest.approx(12_000)
    assert sorted(new.to_dict()["mr1Scenarios"]["volSame"]) == sorted(["-0.12", "-0.08", "-0.04", "0", "0.04", "0.08", "0.12"])


def test_mr6_extreme_move_cut_from_30_to_24_percent():
    old, new = unit("okx-2024-12"), unit("okx-2025-01")
    assert old.mr6_final.spot_shock == -0.30 and new.mr6_final.spot_shock == -0.24
    assert old.mr["mr6"] == pytest.approx(0.5 * 30_000)
    assert new.mr["mr6"] == pytest.approx(0.5 * 24_000)


def test_units_merge_per_crypto():
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "100"}, {"instId": "BTC-USD-SWAP", "pos": "-500"}],
                        "simAsset": [{"ccy": "USDT", "amt": "100000"}]})
    old = compute(p, MARKET, rules="okx-2024-06", liq_shock=False)
    new = compute(p, MARKET, rules="okx-2025-01", liq_shock=False)
    assert [u.risk_unit for u in old.units] == ["BTC-USD", "BTC-USDT"]
    assert [u.risk_unit for u in new.units] == ["BTC"]
    # merged: +1 BTC USDT-margined vs -50,000 USD face coin-margined -> the MR1 of the merged unit is below
    # the sum of the old units' MR1 (the legs offset)
    assert new.units[0].mr["mr1"] < sum(u.mr["mr1"] for u in old.units)
    assert new.units[0].mr["mr9"] > 0 and all(u.mr["mr9"] == 0 for u in old.units)


def test_mr7_tier_change_on_2025_01_15():
    # raw MR7 of a 10,000 BTC-USDT contracts (100 BTC = 10M USD) long: 0.45 % x 10M = 45,000 USD
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "10000"}], "simAsset": [{"ccy": "USDT", "amt": "5e6"}]})
    old = compute(p, MARKET, rules="okx-2024-12", liq_shock=False).units[0]
    new = compute(p, MARKET, rules="okx-2025-01", liq_shock=False).units[0]
    assert new.mr["mr7"] == pytest.approx(45_000)                       # inside the new 250k tier 1
    assert old.mr["mr7"] == pytest.approx(10_000 * 1 + 35_000 * 2)       # old tiers: 10k x1, then x2

"""Properties of the portfolio-margin engine over random books (hypothesis)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import compute, load_market, load_portfolio
from engine.api import prepare

MARKET = load_market({
    "ts": "2025-02-06T08:00:00Z",
    "index": {"BTC-USD": 96850.0, "ETH-USD": 2712.0, "SOL-USD": 200.0, "USDT-USD": 0.9995, "USDC-USD": 1.0001},
    "markPx": {"BTC-USDT-SWAP": 96880.0, "BTC-USDT-250328": 97900.0, "BTC-USD-SWAP": 96870.0, "BTC-USD-250328": 97950.0,
               "ETH-USDT-SWAP": 2713.0, "ETH-USDT-250328": 2740.0, "SOL-USDT-SWAP": 200.2, "BTC-USDC-SWAP": 96860.0},
    "markVol": {}, "atmVol": {"BTC": 0.55, "ETH": 0.65}})

LINEAR_PAIRS = [("BTC-USDT-SWAP", "BTC-USDT-250328"), ("ETH-USDT-SWAP", "ETH-USDT-250328")]
ANY_INSTRUMENTS = ["BTC-USDT-SWAP", "BTC-USDT-250328", "BTC-USD-SWAP", "BTC-USD-250328", "ETH-USDT-SWAP",
                   "SOL-USDT-SWAP", "BTC-USDC-SWAP", "BTC-USD-250328-100000-C", "BTC-USD-250328-90000-P",
                   "BTC-USD-250228-95000-C", "ETH-USD-250328-3000-C"]
sizes = st.floats(min_value=-5000, max_value=5000, allow_nan=False).filter(lambda x: abs(x) > 0.01).map(lambda x: round(x, 2))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def book(positions, assets=(("USDT", 1e6),), rules="okx-2025-01"):
    return load_portfolio({"rules": rules, "simPos": [{"instId": i, "pos": p} for i, p in positions],
                           "simAsset": [{"ccy": c, "amt": a} for c, a in assets]})


random_books = st.dictionaries(st.sampled_from(ANY_INSTRUMENTS), sizes, min_size=1, max_size=8)
balances = st.fixed_dictionaries({"USDT": st.floats(-2e6, 5e6), "BTC": st.floats(-20, 50), "ETH": st.floats(0, 500)})


@SETTINGS
@given(positions=random_books, assets=balances, rules=st.sampled_from(["okx-2024-06", "okx-2024-12", "okx-2025-01"]))
def test_every_mr_finite_non_negative_and_imr_is_1_3_mmr(positions, assets, rules):
    r = compute(book(positions.items(), assets.items(), rules), MARKET, liq_shock=False)
    for u in r.units:
        for k, v in u.mr.items():
            assert math.isfinite(v) and v >= 0, (u.risk_unit, k, v)
        assert u.mmr >= max(u.mr["mr1"], u.mr["mr2"], u.mr["mr6"], u.mr["mr7"]) - 1e-9
        assert u.imr == pytest.approx(1.3 * u.mmr, rel=1e-12)
        assert np.isfinite(u.mr1_pnl).all()
    for field in (r.total_mmr, r.total_imr, r.deriv_mmr, r.borrow_mmr, r.liq_cost):
        assert math.isfinite(field) and field >= 0
    assert r.total_mmr == pytest.approx(sum(u.mmr for u in r.units) + r.borrow_mmr, rel=1e-12)


@SETTINGS
@given(positions=st.dictionaries(st.sampled_from([a for pair in LINEAR_PAIRS for a in pair] + ["SOL-USDT-SWAP"]),
                                 sizes, min_size=1, max_size=5),
       k=st.sampled_from([2.0, 3.0, 0.5, 10.0]))
def test_scaling_a_linear_book_scales_mr1_mr4_mr6_and_raw_mr7(positions, k):
    base = prepare(book(positions.items()), MARKET)
    scaled = prepare(book([(i, p * k) for i, p in positions.items()]), MARKET)
    from engine.api import evaluate
    a, b = evaluate(base), evaluate(scaled)
    for ua, ub in zip(a.units, b.units):
        for key in ("mr1", "mr4", "mr6"):
            assert ub.mr[key] == pytest.approx(k * ua.mr[key], rel=1e-9, abs=1e-9)
    assert scaled.inner.mr7_raw == pytest.approx(k * base.inner.mr7_raw, rel=1e-9)


@SETTINGS
@given(positions=st.lists(st.tuples(st.sampled_from(LINEAR_PAIRS), sizes), min_size=1, max_size=2, unique_by=lambda x: x[0]))
def test_adding_the_exact_opposite_position_removes_mr1(positions):
    # perpetual long vs same-family future short of the same size: both move by the index's absolute move
    legs = [(pair[0], size) for pair, size in positions] + [(pair[1], -size) for pair, size in positions]
    r = compute(book(legs), MARKET, liq_shock=False)
    for u in r.units:
        scale = sum(abs(p.delta) for p in u.positions)
        assert u.mr["mr1"] == pytest.approx(0.0, abs=1e-9 * scale)
        assert u.mr["mr6"] == pytest.approx(0.0, abs=1e-9 * scale)
        assert u.mr["mr7"] > 0            # the minimum charge still applies


@SETTINGS
@given(positions=random_books, btc=st.floats(-50, 80), user=st.one_of(st.none(), st.floats(0, 200)))
def test_spot_in_use_within_balance_and_derivative_delta(positions, btc, user):
    p = book(positions.items(), [("USDT", 1e6), ("BTC", btc)])
    prepared = prepare(p, MARKET)
    from engine.api import evaluate
    r = evaluate(prepared, None if user is None else {"BTC": user})
    for u in r.units:
        if u.ccy != "BTC":
            assert u.spot_in_use == 0
            continue
        deriv_coin_delta = prepared.inner.unit_coin_delta[prepared.inner.units.names.index(u.risk_unit)]
        assert 0 <= u.spot_in_use <= max(btc, 0) + 1e-12
        assert u.spot_in_use <= max(-deriv_coin_delta, 0) + 1e-9
        if user is not None:
            assert u.spot_in_use <= user + 1e-12


@given(usdt=st.floats(0, 1e8), usdc=st.floats(-1e6, 1e7))
@settings(max_examples=20, deadline=None)
def test_stablecoin_only_account_has_no_risk_unit(usdt, usdc):
    r = compute(book([], [("USDT", usdt), ("USDC", usdc)]), MARKET)
    assert r.units == ()
    assert r.deriv_mmr == 0

"""Black-76 (engine/pricing.py) against QuantLib's BlackCalculator, an independent pricer used only in tests."""

import itertools

import numpy as np
import pytest

ql = pytest.importorskip("QuantLib")

from engine.pricing import black76, black76_greeks  # noqa: E402

FORWARDS = [20_000.0, 60_000.0, 97_000.0, 150_000.0]
STRIKES = [30_000.0, 95_000.0, 100_000.0, 140_000.0]
VOLS = [0.08, 0.45, 0.9, 2.0]
EXPIRIES = [1 / 365, 7 / 365, 0.25, 1.5]


def ql_calc(f, k, vol, t, call):
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, k)
    return ql.BlackCalculator(payoff, f, vol * np.sqrt(t), 1.0)


@pytest.mark.parametrize("call", [True, False])
def test_price_and_greeks_match_quantlib_on_a_grid(call):
    grid = list(itertools.product(FORWARDS, STRIKES, VOLS, EXPIRIES))
    f, k, v, t = (np.array(x) for x in zip(*grid))
    price = black76(f, k, v, t, np.full(f.size, call))
    delta, gamma, vega, _ = black76_greeks(f, k, v, t, np.full(f.size, call))
    for i, (fi, ki, vi, ti) in enumerate(grid):
        c = ql_calc(fi, ki, vi, ti, call)
        assert price[i] == pytest.approx(c.value(), rel=1e-9, abs=1e-9 * fi), grid[i]
        assert delta[i] == pytest.approx(c.deltaForward(), rel=1e-9, abs=1e-12), grid[i]
        assert gamma[i] == pytest.approx(c.gammaForward(), rel=1e-9, abs=1e-18), grid[i]
        assert vega[i] == pytest.approx(c.vega(ti), rel=1e-9, abs=1e-9), grid[i]


def test_theta_matches_a_finite_difference_of_quantlib_prices():
    f, k, v, t = 97_000.0, 100_000.0, 0.55, 30 / 365
    h = 1e-5
    numeric = (ql_calc(f, k, v, t + h, True).value() - ql_calc(f, k, v, t - h, True).value()) / (2 * h)
    _, _, _, theta = black76_greeks(np.array([f]), k, v, np.array([t]), True)
    assert theta[0] == pytest.approx(-numeric, rel=1e-6)


def test_expired_or_zero_vol_is_intrinsic():
    price = black76(np.array([110.0, 90.0]), 100.0, np.array([0.5, 0.5]), np.array([0.0, 0.0]), np.array([True, False]))
    assert price.tolist() == [10.0, 10.0]


def test_spec_3_4_opt_summary_example():
    # OKX opt-summary: BTC-USD-220309-33000-C at ts 1646733631242, expiry 2022-03-09 08:00 UTC,
    # fwdPx 39016.8143629, markVol 1.5551965233 -> deltaBS 0.9857332102, gammaBS 1.19332e-5, vegaBS 0.7089308.
    # The spec reproduces them within 0.1 % with T = ACT/365 to the 08:00 expiry (21.99 h).
    t = (1646812800000 - 1646733631242) / 1000 / 86400 / 365
    delta, gamma, vega, _ = black76_greeks(np.array([39016.8143629]), 33000.0, 1.5551965233, np.array([t]), True)
    assert delta[0] == pytest.approx(0.9857332102, rel=1e-3)
    assert gamma[0] == pytest.approx(1.19332e-5, rel=5e-3)   # spec: 1.1970e-5 at T = 21.99 h
    assert vega[0] / 100 == pytest.approx(0.7089308, rel=5e-3)     # OKX vega per vol point
    # put: deltaBS -0.014267 = N(d1) - 1
    dput, _, _, _ = black76_greeks(np.array([39016.8143629]), 33000.0, 1.5551965233, np.array([t]), False)
    assert dput[0] == pytest.approx(-0.014267, rel=2e-2)

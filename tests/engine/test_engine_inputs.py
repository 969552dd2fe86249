"""Bad input raises engine.InputError naming the field and the problem."""

import math

import pytest

from engine import InputError, compute, load_market, load_portfolio

MARKET = {"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000.0, "USDT-USD": 1.0},
          "markPx": {"BTC-USDT-SWAP": 100000.0}}


@pytest.mark.parametrize("doc, pattern", [
    ({"simPos": [{"instId": "BTC-XYZ-SWAP", "pos": "1"}]}, r"simPos\[0\]\.instId 'BTC-XYZ-SWAP': unknown instrument family"),
    ({"simPos": [{"instId": "BTCUSDT", "pos": "1"}]}, r"simPos\[0\]\.instId 'BTCUSDT': malformed"),
    ({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "NaN"}]}, r"simPos\[0\]\.pos: 'NaN' is not a finite number"),
    ({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1e30"}]}, r"simPos\[0\]\.pos: .* beyond the plausible limit"),
    ({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}, {"instId": "BTC-USDT-SWAP", "pos": "2"}]}, r"simPos\[1\]\.instId: BTC-USDT-SWAP appears twice"),
    ({"simAsset": [{"ccy": "FOO", "amt": "1"}]}, r"simAsset\[0\]\.ccy: unknown currency 'FOO'"),
    ({"spotInUse": [{"ccy": "BTC", "amt": "-1"}]}, r"spotInUse\[0\]\.amt: must not be negative"),
    ({"acctLv": "7"}, r"acctLv: unknown account mode"),
    ({"rules": "okx-1999"}, r"rules 'okx-1999' is not a known rule set"),
    ({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": True}]}, r"simPos\[0\]\.pos: expected a number"),
    ({"lever": {"BTC-USDT": "500"}}, r"lever\.BTC-USDT: leverage 500 outside"),
])
def test_portfolio_errors(doc, pattern):
    with pytest.raises(InputError, match=pattern):
        load_portfolio(doc)


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)


@pytest.mark.parametrize("change, pattern", [
    (lambda m: m["index"].update({"BTC-USD": -5}), r"index\.BTC-USD: must not be negative"),
    (lambda m: m["index"].update({"BTC-USD": math.inf}), r"index\.BTC-USD: .* not a finite number"),
    (lambda m: m.pop("ts"), r"ts: missing"),
    (lambda m: m.update({"ts": "yesterday"}), r"ts: 'yesterday' is not an ISO 8601 time"),
    (lambda m: m["markPx"].update({"BTC-USDT-SWAP": 0}), r"markPx\.BTC-USDT-SWAP: must not be zero"),
    (lambda m: m.update({"markVol": {"BTC-USD-250328-100000-C": 55}}), r"markVol\.BTC-USD-250328-100000-C: 55 is above"),
])
def test_market_errors(change, pattern):
    doc = {k: (dict(v) if isinstance(v, dict) else v) for k, v in MARKET.items()}
    change(doc)
    with pytest.raises(InputError, match=pattern):
        load_market(doc)


def test_expired_contract_is_an_input_error():
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-250131", "pos": "1"}]})
    with pytest.raises(InputError, match=r"BTC-USDT-250131 expired at 2025-01-31 08:00 UTC"):
        compute(p, load_market(MARKET))


def test_option_without_vol_is_an_input_error():
    p = load_portfolio({"simPos": [{"instId": "BTC-USD-250328-100000-C", "pos": "1"}]})
    with pytest.raises(InputError, match=r"markVol has no BTC-USD-250328-100000-C and atmVol has no BTC"):
        compute(p, load_market(MARKET))


def test_missing_mark_is_valued_at_index_with_a_warning():
    p = load_portfolio({"simPos": [{"instId": "BTC-USDT-250328", "pos": "1"}], "simAsset": [{"ccy": "USDT", "amt": "1000"}]})
    r = compute(p, load_market(MARKET), liq_shock=False)
    assert any("BTC-USDT-250328" in w and "index" in w for w in r.warnings)


def test_missing_index_for_underlying():
    p = load_portfolio({"simPos": [{"instId": "ETH-USDT-SWAP", "pos": "1"}]})
    with pytest.raises(InputError, match=r"index has no ETH-USD price \(needed by ETH-USDT-SWAP\)"):
        compute(p, load_market(MARKET))

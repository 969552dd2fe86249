"""The shipped demo snapshot and portfolios: valid, plausible, and reproducible by tools/make_demo_data.py."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine.catalogue import parse_inst_id
from engine.portfolio import load_portfolio
from engine.resources import resource_path

ROOT = Path(__file__).resolve().parent.parent
TS = datetime(2025, 2, 6, 8, tzinfo=timezone.utc)


def raw_market() -> dict:
    return json.loads(resource_path("demo", "market-2025-02-06.json").read_text(encoding="utf-8"))


def test_snapshot_header_and_index(demo_market) -> None:
    assert demo_market.ts == TS
    idx = demo_market.index
    assert 96000 < idx["BTC-USD"] < 97500 and 2650 < idx["ETH-USD"] < 2780
    assert idx["USDT-USD"] == 0.99954 and idx["USDC-USD"] == 1.0001
    assert {"SOL-USD", "LTC-USD", "XRP-USD", "DOGE-USD"} <= set(idx)
    assert "SYNTHETIC" in raw_market()["note"]


def test_every_instrument_parses_and_is_alive(demo_market) -> None:
    ids = list(demo_market.mark_px) + list(demo_market.mark_vol)
    assert len(ids) > 500
    for inst_id in ids:
        inst = parse_inst_id(inst_id)
        assert inst.expiry is None or inst.expiry > demo_market.ts, inst_id


def test_required_perpetuals_and_futures_present(demo_market) -> None:
    marks = demo_market.mark_px
    for fam in ("BTC-USDT", "BTC-USDC", "BTC-USD", "ETH-USDT", "ETH-USD", "SOL-USDT", "LTC-USDT"):
        assert f"{fam}-SWAP" in marks
    for fam in ("BTC-USD", "BTC-USDT", "ETH-USD", "ETH-USDT"):
        for e in ("250214", "250228", "250328", "250627", "250926"):
            assert f"{fam}-{e}" in marks


@pytest.mark.parametrize("ccy", ["BTC", "ETH"])
def test_futures_show_contango_of_8_to_12_percent(demo_market, ccy: str) -> None:
    spot = demo_market.index[f"{ccy}-USD"]
    previous = spot
    for e in ("250214", "250228", "250328", "250627", "250926"):
        fwd = demo_market.mark_px[f"{ccy}-USD-{e}"]
        t = (datetime.strptime(e, "%y%m%d").replace(hour=8, tzinfo=timezone.utc) - TS).days / 365
        annual = math.log(fwd / spot) / t
        assert 0.075 <= annual <= 0.125, (e, annual)
        assert fwd > previous
        previous = fwd
        usdt = demo_market.mark_px[f"{ccy}-USDT-{e}"]  # same USD forward, quoted in USDT
        assert usdt == pytest.approx(fwd / demo_market.index["USDT-USD"], rel=2e-5)


@pytest.mark.parametrize("ccy,step", [("BTC", 1000), ("ETH", 50)])
def test_option_chains_are_complete(demo_market, ccy: str, step: int) -> None:
    vols = demo_market.mark_vol
    spot = demo_market.index[f"{ccy}-USD"]
    for e in ("250207", "250214", "250228", "250328", "250627", "250926"):
        chain = [parse_inst_id(i) for i in vols if i.startswith(f"{ccy}-USD-{e}-")]
        strikes = sorted({int(i.strike) for i in chain})
        assert len(chain) == 2 * len(strikes) >= 20, e  # a call and a put per strike
        assert strikes[0] < 0.93 * spot < spot < 1.07 * spot < strikes[-1]
        assert all(k % step == 0 for k in strikes)
        assert any(0.94 * spot <= k <= spot for k in strikes) and any(spot <= k <= 1.06 * spot for k in strikes)
    assert set(demo_market.atm_vol) >= {"BTC", "ETH"}


@pytest.mark.parametrize("ccy", ["BTC", "ETH"])
def test_vol_smile_is_plausible_and_smooth(demo_market, ccy: str) -> None:
    vols = demo_market.mark_vol
    assert all(0.2 < v < 1.5 for v in vols.values())
    for e in ("250214", "250328", "250926"):
        calls = sorted((parse_inst_id(i).strike, v) for i, v in vols.items()
                       if i.startswith(f"{ccy}-USD-{e}-") and i.endswith("-C"))
        fwd = demo_market.mark_px[f"{ccy}-USD-{e}"]
        atm = min(calls, key=lambda kv: abs(kv[0] - fwd))[1]
        assert 0.45 <= atm <= 0.75
        assert calls[0][1] > atm  # put wing above the money (skew + convexity)
        slopes = [(b[1] - a[1]) / math.log(b[0] / a[0]) for a, b in zip(calls, calls[1:])]
        assert max(abs(s) for s in slopes) < 2.5  # d(vol)/d(ln K) bounded: no jumps between neighbouring strikes
        for inst in vols:
            if inst.startswith(f"{ccy}-USD-{e}-") and inst.endswith("-C"):
                assert vols[inst[:-1] + "P"] == vols[inst]


def usd_equity(book, market) -> float:
    return sum(a.amt * market.index[f"{a.ccy}-USD"] for a in book.assets)


def test_six_demo_portfolios(demo_portfolios: dict, demo_market) -> None:
    assert list(demo_portfolios) == ["BTC delta-neutral options book", "BTC cash-and-carry",
                                     "Cross-stablecoin hedge", "ETH straddle", "Directional delta-one book",
                                     "Multi-currency borrow book"]
    for name, book in demo_portfolios.items():
        eq = usd_equity(book, demo_market)
        assert 100_000 <= eq <= 5_000_000, (name, eq)
        for p in book.positions:
            assert p.inst_id in demo_market.mark_px or p.inst_id in demo_market.mark_vol, p.inst_id
    assert sum(p.avg_px is not None for b in demo_portfolios.values() for p in b.positions) >= 5


def test_demo_portfolio_specifics(demo_portfolios: dict, demo_market) -> None:
    borrow = demo_portfolios["Multi-currency borrow book"]
    assert borrow.acct_lv == "3" and borrow.asset_amounts()["USDT"] < 0 and len(borrow.lever) >= 3
    carry = demo_portfolios["BTC cash-and-carry"]
    assert carry.asset_amounts()["BTC"] == 10
    (fut,) = carry.positions
    assert fut.pos * 100 / demo_market.index["BTC-USD"] == pytest.approx(-10, rel=0.01)  # inverse, 100 USD each
    cross = demo_portfolios["Cross-stablecoin hedge"]
    usd = {p.inst_id: p.pos for p in cross.positions}
    linear = usd["BTC-USDT-SWAP"] * 0.01 * demo_market.index["BTC-USD"]
    assert linear > 0 and usd["BTC-USD-SWAP"] * 100 == pytest.approx(-linear, rel=0.05)
    straddle = demo_portfolios["ETH straddle"]
    legs = sorted(p.inst_id[-1] for p in straddle.positions)
    assert legs == ["C", "P"] and len({p.inst_id[:-2] for p in straddle.positions}) == 1


def test_options_book_is_roughly_delta_hedged(demo_portfolios: dict, demo_market) -> None:
    """Independent check with a textbook Black-76 delta (forward = same-expiry future, r = 0)."""
    book = demo_portfolios["BTC delta-neutral options book"]
    assert book.acct_lv == "4"
    spot = demo_market.index["BTC-USD"]
    delta_btc = book.asset_amounts()["BTC"]
    for p in book.positions:
        inst = parse_inst_id(p.inst_id)
        if inst.kind == "option":
            fwd = demo_market.mark_px[f"BTC-USD-{p.inst_id.split('-')[2]}"]
            t = (inst.expiry - demo_market.ts).total_seconds() / (365 * 86400)
            vol = demo_market.mark_vol[p.inst_id]
            d1 = (math.log(fwd / inst.strike) + 0.5 * vol * vol * t) / (vol * math.sqrt(t))
            n = 0.5 * (1 + math.erf(d1 / math.sqrt(2)))
            delta_btc += p.pos * 0.01 * (n if inst.is_call else n - 1)
        else:
            delta_btc += p.pos * 100 / demo_market.mark_px[p.inst_id]
    gross = sum(abs(p.pos) * 0.01 for p in book.positions if parse_inst_id(p.inst_id).kind == "option")
    assert abs(delta_btc) < 0.05 * gross, delta_btc
    assert abs(delta_btc * spot) < 100_000


def test_portfolio_files_load_with_their_names(demo_portfolio_files: list[Path]) -> None:
    assert len(demo_portfolio_files) == 6
    for f in demo_portfolio_files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        assert doc["name"] and load_portfolio(f).name == doc["name"]


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "make_demo_data.py"), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    shipped = ROOT / "resources" / "demo"
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    assert generated == sorted(p.relative_to(shipped) for p in shipped.rglob("*.json"))
    for rel in generated:
        assert (tmp_path / rel).read_bytes() == (shipped / rel).read_bytes(), rel

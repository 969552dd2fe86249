"""Generate the demo market snapshot and demo portfolios in resources/demo (deterministic; output is committed).

    .venv/bin/python tools/make_demo_data.py            # rewrites resources/demo
    .venv/bin/python tools/make_demo_data.py --out DIR  # writes elsewhere (the tests compare the two)

The snapshot is SYNTHETIC: index levels are close to the market of 2025-02-06 08:00 UTC, but futures marks follow a
made-up carry curve and option vols a made-up smile (see SMILE below and the README). Nothing here is market data.
Standard library only, so that the output does not depend on numpy or scipy versions.
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

TS = datetime(2025, 2, 6, 8, 0, tzinfo=timezone.utc)
MARKET_FILE = "market-2025-02-06.json"

INDEX = {"BTC-USD": 96850.2, "ETH-USD": 2712.4, "SOL-USD": 198.35, "LTC-USD": 108.62, "XRP-USD": 2.4123,
         "DOGE-USD": 0.27351, "OKB-USD": 48.87, "USDT-USD": 0.99954, "USDC-USD": 1.0001}
TICK = {"BTC": 0.1, "ETH": 0.01, "SOL": 0.01, "LTC": 0.01, "XRP": 0.0001, "DOGE": 0.00001, "OKB": 0.001}

# Perpetuals: (family, premium over the index in the quote currency).
PERPS = [("BTC-USDT", 1.2e-4), ("BTC-USDC", 0.8e-4), ("BTC-USD", 1.0e-4),
         ("ETH-USDT", 1.5e-4), ("ETH-USDC", 1.1e-4), ("ETH-USD", 1.3e-4),
         ("SOL-USDT", 2.0e-4), ("SOL-USD", 1.8e-4), ("LTC-USDT", 0.9e-4), ("LTC-USD", 0.7e-4),
         ("XRP-USDT", 2.5e-4), ("DOGE-USDT", 3.0e-4), ("OKB-USDT", 0.5e-4)]
FUTURE_EXPIRIES = ["250207", "250214", "250228", "250328", "250627", "250926"]
FUTURE_FAMILIES = ["BTC-USD", "BTC-USDT", "ETH-USD", "ETH-USDT"]
OPTION_EXPIRIES = ["250207", "250214", "250228", "250328", "250627", "250926"]

# Strike grids per expiry: (low, high, fine step, fine band low, fine band high, coarse step).
STRIKES = {
    "BTC": {"250207": (88000, 106000, 1000, 0, 10**9, 1000),
            "250214": (80000, 115000, 1000, 0, 10**9, 1000),
            "250228": (60000, 140000, 1000, 85000, 110000, 5000),
            "250328": (50000, 160000, 1000, 80000, 120000, 5000),
            "250627": (40000, 200000, 5000, 70000, 130000, 10000),
            "250926": (30000, 250000, 5000, 70000, 140000, 10000)},
    "ETH": {"250207": (2400, 3050, 50, 0, 10**9, 50),
            "250214": (2200, 3300, 50, 0, 10**9, 50),
            "250228": (1800, 3800, 50, 2300, 3200, 100),
            "250328": (1500, 4500, 50, 2200, 3300, 100),
            "250627": (1000, 6000, 100, 2000, 3600, 500),
            "250926": (1000, 7000, 100, 2000, 3600, 500)},
}

# Carry: annualised basis r(T) = CARRY_SHORT + CARRY_SLOPE * (1 - exp(-T / CARRY_TAU)), i.e. 8.5 % -> ~11.5 %.
CARRY_SHORT, CARRY_SLOPE, CARRY_TAU = 0.085, 0.030, 0.35

# Smile: sigma(K, T) = atm(T) * (1 + skew * x + convexity * x^2), x = ln(K / F) / sqrt(T),
# atm(T) = atm0 + atm_rise * (1 - exp(-T / 0.3)).
SMILE = {"BTC": {"atm0": 0.50, "atm_rise": 0.09, "skew": -0.06, "convexity": 0.08},
         "ETH": {"atm0": 0.62, "atm_rise": 0.08, "skew": -0.05, "convexity": 0.09}}


def expiry(yymmdd: str) -> datetime:
    return datetime.strptime(yymmdd, "%y%m%d").replace(hour=8, tzinfo=timezone.utc)


def years(yymmdd: str) -> float:
    return (expiry(yymmdd) - TS) / timedelta(days=365)


def carry(t: float) -> float:
    return CARRY_SHORT + CARRY_SLOPE * (1.0 - math.exp(-t / CARRY_TAU))


def tick_round(x: float, tick: float) -> float:
    decimals = max(0, -math.floor(math.log10(tick) + 1e-9))
    return round(round(x / tick) * tick, decimals)


def quote_index(quote: str) -> float:
    return 1.0 if quote == "USD" else INDEX[f"{quote}-USD"]


def forward_usd(und: str, yymmdd: str) -> float:
    t = years(yymmdd)
    return INDEX[f"{und}-USD"] * math.exp(carry(t) * t)


def atm_vol(und: str, t: float) -> float:
    p = SMILE[und]
    return p["atm0"] + p["atm_rise"] * (1.0 - math.exp(-t / 0.3))


def smile_vol(und: str, strike: float, fwd: float, t: float) -> float:
    p = SMILE[und]
    x = math.log(strike / fwd) / math.sqrt(t)
    return atm_vol(und, t) * (1.0 + p["skew"] * x + p["convexity"] * x * x)


def strikes(und: str, yymmdd: str) -> list[int]:
    lo, hi, fine, band_lo, band_hi, coarse = STRIKES[und][yymmdd]
    out = {k for k in range(lo, hi + 1, coarse)}
    out |= {k for k in range(lo, hi + 1, fine) if band_lo <= k <= band_hi}
    return sorted(out)


def make_market() -> dict:
    marks: dict[str, float] = {}
    for family, premium in PERPS:
        und, quote = family.split("-")
        px = INDEX[f"{und}-USD"] / quote_index(quote) * (1.0 + premium)
        marks[f"{family}-SWAP"] = tick_round(px, TICK[und])
    for family in FUTURE_FAMILIES:
        und, quote = family.split("-")
        for e in FUTURE_EXPIRIES:
            marks[f"{family}-{e}"] = tick_round(forward_usd(und, e) / quote_index(quote), TICK[und])
    vols: dict[str, float] = {}
    for und in ("BTC", "ETH"):
        for e in OPTION_EXPIRIES:
            t = years(e)
            fwd = marks[f"{und}-USD-{e}"]  # the engine's forward: the same-expiry coin-margined future
            for k in strikes(und, e):
                vol = round(smile_vol(und, k, fwd, t), 4)
                vols[f"{und}-USD-{e}-{k}-C"] = vol
                vols[f"{und}-USD-{e}-{k}-P"] = vol
    return {
        "source": "synthetic",      # formats.md 2.1: the workstation shows "SYNTHETIC demo data" in a warning colour
        "note": ("SYNTHETIC demo snapshot, not market data. Index levels are close to 2025-02-06 08:00 UTC; futures "
                 "follow a made-up carry of 8.5 % (short) to ~11.5 % (Sep) annualised; option vols follow a made-up "
                 "smile sigma = atm(T) * (1 + skew*x + convexity*x^2), x = ln(K/F)/sqrt(T), atm(T) = atm0 + "
                 "rise*(1 - exp(-T/0.3)); BTC atm0 0.50 rise 0.09 skew -0.06 convexity 0.08; ETH atm0 0.62 rise "
                 "0.08 skew -0.05 convexity 0.09. Generated by tools/make_demo_data.py."),
        "ts": TS.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "index": dict(INDEX),
        "markPx": marks,
        "markVol": vols,
        "atmVol": {und: round(atm_vol(und, 30 / 365), 4) for und in ("BTC", "ETH")},
    }


# -- portfolios ------------------------------------------------------------------------------------------------

def _ncdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def option_delta_coin(inst_id: str, market: dict) -> float:
    """Black-76 delta (underlying units per 1 unit) of an option in the snapshot; used only to size the hedge."""
    und, _, e, k, cp = inst_id.split("-")
    t = years(e)
    fwd = market["markPx"].get(f"{und}-USD-{e}", market["index"][f"{und}-USD"])
    vol = market["markVol"][inst_id]
    d1 = (math.log(fwd / float(k)) + 0.5 * vol * vol * t) / (vol * math.sqrt(t))
    return _ncdf(d1) if cp == "C" else _ncdf(d1) - 1.0


def num(x: float) -> str:
    """OKX-style decimal string."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def book(name: str, acct_lv: str, assets: dict[str, float], positions: list[tuple], **extra) -> dict:
    doc: dict = {"name": name, "acctLv": acct_lv}
    if "rules" in extra:
        doc["rules"] = extra.pop("rules")
    doc["simAsset"] = [{"ccy": c, "amt": num(a)} for c, a in assets.items()]
    rows = []
    for p in positions:
        row = {"instId": p[0], "pos": num(p[1])}
        if len(p) > 2:
            row["avgPx"] = num(p[2])
        rows.append(row)
    doc["simPos"] = rows
    if "spot_in_use" in extra:
        doc["spotInUse"] = [{"ccy": c, "amt": num(a)} for c, a in extra.pop("spot_in_use").items()]
    if "lever" in extra:
        doc["lever"] = {fam: num(v) for fam, v in extra.pop("lever").items()}
    assert not extra, extra
    return doc


def make_portfolios(market: dict) -> dict[str, dict]:
    btc = market["index"]["BTC-USD"]
    options = [("BTC-USD-250214-100000-C", -600), ("BTC-USD-250228-90000-P", 1200),
               ("BTC-USD-250328-110000-C", -1500), ("BTC-USD-250328-85000-P", -1000),
               ("BTC-USD-250627-120000-C", 800), ("BTC-USD-250926-80000-P", 400)]
    spot_btc = 25.0
    delta = spot_btc + sum(pos * 0.01 * option_delta_coin(i, market) for i, pos in options)
    perp_mark = market["markPx"]["BTC-USD-SWAP"]
    hedge = -round(delta * perp_mark / 100.0)  # inverse perpetual, 100 USD per contract
    return {
        "1-btc-delta-neutral-options.json": book(
            "BTC delta-neutral options book", "4", {"BTC": spot_btc, "USDT": 300000},
            options + [("BTC-USD-SWAP", hedge, 97420.5)], rules="okx-2025-01"),
        "2-btc-cash-and-carry.json": book(
            "BTC cash-and-carry", "4", {"BTC": 10, "USDT": 25000},
            [("BTC-USD-250328", -round(10 * btc / 100.0), 99120.4)],
            rules="okx-2025-01", spot_in_use={"BTC": 10}),
        "3-cross-stablecoin-hedge.json": book(
            "Cross-stablecoin hedge", "4", {"USDT": 600000, "BTC": 6},
            [("BTC-USDT-SWAP", 2000, 96120.3), ("BTC-USD-SWAP", -19400, 97010.5)]),
        "4-eth-straddle.json": book(
            "ETH straddle", "4", {"ETH": 120, "USDT": 150000},
            [("ETH-USD-250328-2700-C", 1500), ("ETH-USD-250328-2700-P", 1500)]),
        "5-directional-delta-one.json": book(
            "Directional delta-one book", "4", {"USDT": 1200000, "BTC": 3},
            [("BTC-USDT-SWAP", 800, 94210.5), ("ETH-USDT-SWAP", -2500, 2790.15), ("SOL-USDT-SWAP", 2500, 205.3),
             ("BTC-USD-250627", -3000, 101250), ("ETH-USDT-250328", 1200), ("SOL-USD-SWAP", -15000, 196.8)]),
        "6-multi-currency-borrow.json": book(
            "Multi-currency borrow book", "3", {"USDT": -250000, "BTC": 8, "ETH": 150, "USDC": 50000},
            [("BTC-USDT-SWAP", 400, 95100), ("ETH-USDT-SWAP", -600), ("LTC-USDT-SWAP", 1500, 112.4),
             ("XRP-USDT-SWAP", -800, 2.5511), ("DOGE-USDT-SWAP", 300)],
            lever={"BTC-USDT": 10, "ETH-USDT": 5, "LTC-USDT": 3, "XRP-USDT": 5, "DOGE-USDT": 3}),
    }


def dump(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_all(out: Path) -> list[Path]:
    market = make_market()
    written = []
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKET_FILE).write_text(dump(market), encoding="utf-8")
    written.append(out / MARKET_FILE)
    folder = out / "portfolios"
    folder.mkdir(exist_ok=True)
    for fname, doc in make_portfolios(market).items():
        (folder / fname).write_text(dump(doc), encoding="utf-8")
        written.append(folder / fname)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "resources" / "demo")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Rule-set transitions (rules spec 11.1): a book with BTC-USD and BTC-USDT units under okx-2024-06 -> okx-2025-01.

Expected: the two old units merge into one BTC unit; the cross-stablecoin hedge (long USDT-margined perp vs short
coin-margined perp) pays MR9 only after the merge (spec 11.11 by hand below); the MR1 grid of group A narrows from
+-15 % (5/10/15) to +-12 % (4/8/12), visible in the mr1Scenarios keys; MR1 falls because the legs net.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine import load_market, load_portfolio
from engine.compare import compare_rules

MARKET = {"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 100000.0, "USDT-USD": 0.999, "USDC-USD": 1.0},
          "markPx": {"BTC-USDT-SWAP": 100100.0, "BTC-USD-SWAP": 100050.0}}
BOOK = {"acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "600000"}],
        "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "2000"}, {"instId": "BTC-USD-SWAP", "pos": "-19400"}]}


@pytest.fixture(scope="module")
def cmp():
    return compare_rules(load_portfolio(BOOK), load_market(MARKET), "okx-2024-06", "okx-2025-01")


def test_units_merge_by_crypto(cmp):
    d = cmp.to_dict()
    assert [u["riskUnit"] for u in d["unitsFrom"]] == ["BTC-USD", "BTC-USDT"]
    assert [u["riskUnit"] for u in d["unitsTo"]] == ["BTC"]
    assert d["merges"] == [{"from": ["BTC-USD", "BTC-USDT"], "to": "BTC", "ccy": "BTC"}]
    row = d["cryptos"][0]
    assert row["merged"] and row["unitsFrom"] == ["BTC-USD", "BTC-USDT"] and row["unitsTo"] == ["BTC"]


def test_mr9_appears_for_the_cross_stablecoin_hedge(cmp):
    d = cmp.to_dict()
    # by hand (spec 11.11): USDT cash delta = 2000 x 0.01 x 100,100 x 0.999 = 1,999,998;
    # USD (inverse) cash delta = -19400 x 100 x 100,000 / 100,050; hedge H = min(|.|) = the USD leg;
    # |1 - 0.999| < 0.01 -> tier floors: first 1M at 0.5 %, the rest (to 5M) at 1.0 %
    cd_usdt = 2000 * 0.01 * 100100.0 * 0.999
    cd_usd = -19400 * 100.0 * 100000.0 / 100050.0
    h = min(abs(cd_usdt), abs(cd_usd))
    mr9 = 1_000_000 * 0.005 + (h - 1_000_000) * 0.010
    assert all(u["mr9"] == 0.0 for u in d["unitsFrom"])
    assert d["mr9Appeared"] == [{"ccy": "BTC", "riskUnits": ["BTC"], "mr9": pytest.approx(mr9, rel=1e-9)}]
    assert d["unitsTo"][0]["mr9"] == pytest.approx(mr9, rel=1e-9)


def test_mr1_grid_moves_from_15_to_12_percent(cmp):
    d = cmp.to_dict()
    old_keys = {"-0.15", "-0.1", "-0.05", "0", "0.05", "0.1", "0.15"}
    new_keys = {"-0.12", "-0.08", "-0.04", "0", "0.04", "0.08", "0.12"}
    for unit in d["from"]["riskUnitData"]:
        for state in ("volShockDown", "volSame", "volShockUp"):
            assert set(unit["mr1Scenarios"][state]) == old_keys
    for unit in d["to"]["riskUnitData"]:
        for state in ("volShockDown", "volSame", "volShockUp"):
            assert set(unit["mr1Scenarios"][state]) == new_keys
    row = d["cryptos"][0]
    assert (row["mr1RangeFrom"], row["mr1RangeTo"]) == (0.15, 0.12)
    assert "BTC: MR1 price grid +/-15% -> +/-12%" in d["notes"]


def test_mr1_mr4_mr6_mr7_movements_and_totals(cmp):
    d = cmp.to_dict()
    old = {u["riskUnit"]: u for u in d["unitsFrom"]}
    # the old USDT unit holds a lone long perp: MR1 = the -15 % loss, spec 3.2 [EX S1]:
    # pos x ctVal x IndexPx(BTC-USDT = BTC-USD / USDT-USD) x s x FX = 2000 x 0.01 x (100,000 / 0.999) x 0.15 x 0.999
    assert old["BTC-USDT"]["mr1"] == pytest.approx(2000 * 0.01 * (100000 / 0.999) * 0.15 * 0.999, rel=1e-9)
    row = d["cryptos"][0]
    assert row["from"]["mr1"] == pytest.approx(old["BTC-USD"]["mr1"] + old["BTC-USDT"]["mr1"])
    # after the merge the legs net: MR1 collapses
    mr1 = next(m for m in d["moved"]["mr1"] if m["ccy"] == "BTC")
    assert mr1["to"] < 0.05 * mr1["from"] and mr1["diff"] == pytest.approx(mr1["to"] - mr1["from"])
    for k in ("mr4", "mr6", "mr7"):
        assert row["diff"][k] == pytest.approx(row["to"][k] - row["from"][k])
    # account totals: sums of unit MMR (+ borrowing, zero here) on each side; IMR 1.3 x
    t = d["totals"]
    assert t["totalMmr"]["from"] == pytest.approx(sum(u["mmr"] for u in d["unitsFrom"]))
    assert t["totalMmr"]["to"] == pytest.approx(d["unitsTo"][0]["mmr"])
    assert t["totalImr"]["to"] == pytest.approx(1.3 * t["totalMmr"]["to"])
    assert t["totalMmr"]["diff"] < 0 and t["marginRatio"]["to"] > t["marginRatio"]["from"]
    assert t["adjEq"]["from"] == pytest.approx(t["adjEq"]["to"])
    json.dumps(d, allow_nan=False)


def test_reverse_direction_reports_a_split():
    d = compare_rules(load_portfolio(BOOK), load_market(MARKET), "okx-2025-01", "okx-2024-06").to_dict()
    assert d["splits"] == [{"from": "BTC", "to": ["BTC-USD", "BTC-USDT"], "ccy": "BTC"}]
    assert d["mr9Disappeared"][0]["ccy"] == "BTC" and d["mr9Appeared"] == []


def test_cli_compare(tmp_path):
    pf, mk = tmp_path / "book.json", tmp_path / "market.json"
    pf.write_text(json.dumps(BOOK))
    mk.write_text(json.dumps(MARKET))
    base = [sys.executable, "-m", "workstation.cli", "compare", str(pf), "--market", str(mk)]
    out = subprocess.run(base + ["--rules-from", "okx-2024-06", "--rules-to", "okx-2025-01", "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["merges"][0]["to"] == "BTC"
    table = subprocess.run(base + ["--rules-from", "okx-2024-06", "--rules-to", "okx-2025-01"],
                           capture_output=True, text=True)
    assert table.returncode == 0 and "merged" in table.stdout and "MR9 appeared" in table.stdout
    bad = subprocess.run(base + ["--rules-from", "okx-2024-06", "--rules-to", "okx-1999"], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "okx-1999" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1

"""OKX's USD-margined families (``BTC-USD_UM``: instFamily BTC-USD_UM, uly BTC-USD, linear, settled in USD and USD
stablecoins; ids ``BTC-USD_UM-SWAP``, ``BTC-USD_UM-261225``): parsed from a recorded instruments response, stored,
and margined with the recorded contract size; hand-computed figures.

The responses are shaped like OKX's documented answers (numbers as strings, "" for none); the USD_UM rows follow the
instruments table of OKX's docs (instFamily ``BTC-USD_UM`` with settleCcy USD).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from workstation.cli import main

TS = "1796205791250"                         # 2026-12-01 10:43:11.250 UTC
EXPIRY_MS = str(int(datetime(2026, 12, 25, 8, 0, tzinfo=timezone.utc).timestamp() * 1000))


def _inst(inst_id: str, inst_type: str, ct_val: str, exp: str = "") -> dict:
    return {"instType": inst_type, "instId": inst_id, "uly": "BTC-USD", "instFamily": "BTC-USD_UM", "category": "1",
            "baseCcy": "", "quoteCcy": "", "settleCcy": "USD", "ctVal": ct_val, "ctMult": "1", "ctValCcy": "BTC",
            "optType": "", "stk": "", "listTime": "1606468572000", "expTime": exp, "lever": "50", "tickSz": "0.1",
            "lotSz": "0.1", "minSz": "0.1", "ctType": "linear", "alias": "", "state": "live", "ruleType": "normal"}


def _entry(path: str, params: dict, data: list) -> dict:
    return {"method": "GET", "path": path, "params": params, "status": 200, "receivedAt": "2026-12-01T10:43:12.000Z",
            "body": json.dumps({"code": "0", "msg": "", "data": data})}


def recorded(tmp_path: Path) -> Path:
    swap = _inst("BTC-USD_UM-SWAP", "SWAP", "0.001")
    fut = _inst("BTC-USD_UM-261225", "FUTURES", "0.01", EXPIRY_MS)
    doc = {"format": "riskws-okx-responses/1", "fetchedAt": "2026-12-01T10:43:12.000Z", "families": ["BTC-USD_UM"],
           "responses": [
               _entry("/api/v5/market/index-tickers", {"quoteCcy": "USD"},
                      [{"instId": k, "idxPx": v, "high24h": "", "low24h": "", "open24h": "", "sodUtc0": "",
                        "sodUtc8": "", "ts": TS} for k, v in {"BTC-USD": "91000.5", "USDT-USD": "0.9995"}.items()]),
               _entry("/api/v5/public/instruments", {"instType": "SWAP", "instFamily": "BTC-USD_UM"}, [swap]),
               _entry("/api/v5/public/instruments", {"instType": "FUTURES", "instFamily": "BTC-USD_UM"}, [fut]),
               _entry("/api/v5/public/mark-price", {"instType": "SWAP", "instFamily": "BTC-USD_UM"},
                      [{"instType": "SWAP", "instId": "BTC-USD_UM-SWAP", "markPx": "91010.2", "ts": TS}]),
               _entry("/api/v5/public/mark-price", {"instType": "FUTURES", "instFamily": "BTC-USD_UM"},
                      [{"instType": "FUTURES", "instId": "BTC-USD_UM-261225", "markPx": "91400", "ts": TS}]),
               _entry("/api/v5/public/position-tiers", {"instType": "SWAP", "tdMode": "cross",
                                                         "instFamily": "BTC-USD_UM"},
                      [{"uly": "BTC-USD", "instFamily": "BTC-USD_UM", "instId": "", "tier": "1", "minSz": "0",
                        "maxSz": "30000", "mmr": "0.005", "imr": "0.02", "maxLever": "50", "optMgnFactor": "",
                        "quoteMaxLoan": "", "baseMaxLoan": "", "ts": TS}]),
           ]}
    f = tmp_path / "um.json"
    f.write_text(json.dumps(doc))
    return f


@pytest.fixture
def imported(tmp_path: Path, capsys):
    db = tmp_path / "um.db"
    assert main(["market", "import", str(recorded(tmp_path)), "--name", "um", "--db", str(db)]) == 0
    assert "stored market snapshot 'um'" in capsys.readouterr().out
    return db


def test_usd_margined_specs_are_parsed_and_stored(imported, tmp_path, capsys):
    out = tmp_path / "snap.json"
    assert main(["export", "um", "--market", "--out", str(out), "--db", str(imported)]) == 0
    snap = json.loads(out.read_text())
    swap = snap["instruments"]["BTC-USD_UM-SWAP"]
    assert (swap["instFamily"], swap["ctType"], swap["ctVal"], swap["settleCcy"]) == ("BTC-USD_UM", "linear",
                                                                                      0.001, "USD")
    assert snap["instruments"]["BTC-USD_UM-261225"]["expTime"] == "2026-12-25T08:00:00Z"
    assert snap["markPx"]["BTC-USD_UM-261225"] == 91400.0


def test_a_usd_margined_book_is_margined_with_the_recorded_contract_size(imported, tmp_path, capsys):
    book = tmp_path / "book.json"
    book.write_text(json.dumps({"acctLv": "3", "simAsset": [{"ccy": "USDT", "amt": "20000"}],
                                "simPos": [{"instId": "BTC-USD_UM-SWAP", "pos": "1000", "avgPx": "90010.2"},
                                           {"instId": "BTC-USD_UM-261225", "pos": "-20"}],
                                "lever": {"BTC-USD_UM": "10"}}))
    assert main(["margin", str(book), "--market", "um", "--db", str(imported), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    rows = {p["instId"]: p for p in res["positions"]}
    swap, fut = rows["BTC-USD_UM-SWAP"], rows["BTC-USD_UM-261225"]
    # 1000 contracts x 0.001 BTC (recorded ctVal) x 91010.2 USD mark; settled in USD (fx 1)
    assert swap["notionalUsd"] == pytest.approx(1000 * 0.001 * 91010.2, rel=1e-12)
    assert swap["floatPnl"] == pytest.approx(1000 * 0.001 * (91010.2 - 90010.2), rel=1e-12)   # +1,000 USD
    assert swap["instFamily"] == "BTC-USD_UM"
    # the recorded tier of BTC-USD_UM swaps (not the shipped table, which has none): mmr 0.5 % of 91,010.2 USD
    assert swap["mmr"] == pytest.approx(0.005 * 91010.2, rel=1e-12)
    # the future: 20 x 0.01 BTC x 91,400 = 18,280 USD; shipped BTC-USD_UM FUTURES tier 1 (mmr 2 %), lever 10
    assert fut["notionalUsd"] == pytest.approx(20 * 0.01 * 91400, rel=1e-12)
    assert fut["mmr"] == pytest.approx(0.02 * 18280, rel=1e-12)
    assert fut["imr"] == pytest.approx(18280 / 10, rel=1e-12)
    usd = {a["ccy"]: a for a in res["assets"]}["USD"]        # the swap's P&L settles in USD, worth 1 USD each
    assert usd["eq"] == pytest.approx(1000.0, rel=1e-12) and usd["eqUsd"] == pytest.approx(1000.0, rel=1e-12)
    assert res["eq"] == pytest.approx(20000 * 0.9995 + 1000.0, rel=1e-12)


def test_usd_margined_ids_in_the_shipped_catalogue_and_the_ones_refused(capsys, tmp_path):
    from engine.catalogue import parse_inst_id
    from engine.errors import InputError

    fut = parse_inst_id("BTC-USD_UM-261225")            # rules spec 3.1: 0.01 BTC, linear, settles USD
    assert (fut.family, fut.quote, fut.ct_type, fut.ct_val, fut.settle_ccy) == ("BTC-USD_UM", "USD", "linear",
                                                                                  0.01, "USD")
    inverse = parse_inst_id("BTC-USD-261225")           # same underlying and quote, another family
    assert (inverse.family, inverse.ct_type) == ("BTC-USD", "inverse")
    with pytest.raises(InputError, match="not modelled"):
        parse_inst_id("BTC-USD_UM-261225-100000-C")
    for bad in ("BTC-USD_XX-SWAP", "BTC-USD_UM-SWAP\n", "BTC-USD__UM-SWAP"):
        with pytest.raises(InputError):
            parse_inst_id(bad)

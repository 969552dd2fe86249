"""A local stand-in for OKX's public REST API (pytest-httpserver on 127.0.0.1), answering with bodies shaped like
the examples of OKX's documentation (numbers as strings, "" for none, code/msg/data envelopes).

The world it serves differs from the shipped catalogue on purpose: TON (a coin the catalogue lacks), a BTC-USDT
perpetual of 0.001 BTC per contract (the catalogue says 0.01), a BTC option with OKX's own forward (fwdPx).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from werkzeug import Request, Response

EXPIRY = datetime(2026, 12, 25, 8, 0, tzinfo=timezone.utc)
EXP_MS = str(int(EXPIRY.timestamp() * 1000))
TS = "1796205791250"          # OKX ts of every row (ms)
OPTION = "BTC-USD-261225-100000-C"
SOL_OPTION = "SOL-USD-261225-200-P"     # an option underlying besides BTC and ETH (public/underlying lists it)
OPTION_UNDERLYINGS = ["BTC-USD", "ETH-USD", "SOL-USD"]


def _inst(inst_id, inst_type, fam, ct_type, ct_val, ct_mult, ctv_ccy, settle, exp="", stk="", opt=""):
    return {"instType": inst_type, "instId": inst_id, "uly": fam, "instFamily": fam, "category": "1", "baseCcy": "",
            "quoteCcy": "", "settleCcy": settle, "ctVal": ct_val, "ctMult": ct_mult, "ctValCcy": ctv_ccy,
            "optType": opt, "stk": stk, "listTime": "1606468572000", "expTime": exp, "lever": "" if opt else "100",
            "tickSz": "0.1", "lotSz": "1", "minSz": "1", "ctType": ct_type, "alias": "", "state": "live",
            "maxLmtSz": "10000", "maxMktSz": "3000"}


INSTRUMENTS = {
    ("SWAP", "BTC-USDT"): [_inst("BTC-USDT-SWAP", "SWAP", "BTC-USDT", "linear", "0.001", "1", "BTC", "USDT")],
    ("SWAP", "BTC-USD"): [_inst("BTC-USD-SWAP", "SWAP", "BTC-USD", "inverse", "100", "1", "USD", "BTC")],
    ("SWAP", "TON-USDT"): [_inst("TON-USDT-SWAP", "SWAP", "TON-USDT", "linear", "10", "1", "TON", "USDT"),
                           _inst("TONX-USDT-SWAP", "SWAP", "TON-USDT", "linear", "", "1", "TON", "USDT")],
    ("FUTURES", "BTC-USD"): [_inst("BTC-USD-261225", "FUTURES", "BTC-USD", "inverse", "100", "1", "USD", "BTC", EXP_MS)],
    ("OPTION", "BTC-USD"): [_inst(OPTION, "OPTION", "BTC-USD", "", "0.01", "1", "BTC", "BTC", EXP_MS, "100000", "C")],
    ("OPTION", "SOL-USD"): [_inst(SOL_OPTION, "OPTION", "SOL-USD", "", "1", "1", "SOL", "SOL", EXP_MS, "200", "P")],
}
MARKS = {"BTC-USDT-SWAP": "91050.1", "BTC-USD-SWAP": "91020", "TON-USDT-SWAP": "5.44", "BTC-USD-261225": "92000",
         OPTION: "0.0123", SOL_OPTION: "0.031"}
INDEX = {"BTC-USD": "91000.5", "ETH-USD": "3050.2", "TON-USD": "5.4321", "USDT-USD": "0.9995", "USDC-USD": "1.0001",
         "XYZ-USD": "", "FOO-USD": "1.5"}
TIERS = {("SWAP", "BTC-USDT"): [("0", "50000", "0.004", "0.01", "100"), ("50000", "100000", "0.006", "0.015", "66.66")],
         ("SWAP", "TON-USDT"): [("0", "2000", "0.02", "0.05", "20"), ("2000", "4000", "0.03", "0.0666", "15")]}
DISCOUNT = [{"ccy": "BTC", "amt": "", "discountLv": "", "minDiscountRate": "0", "colRes": "0", "details": [
                {"tier": "1", "minAmt": "0", "maxAmt": "20", "discountRate": "0.98", "liqPenaltyRate": "0.02", "disCcyEq": "0"},
                {"tier": "2", "minAmt": "20", "maxAmt": "25", "discountRate": "0.9775", "liqPenaltyRate": "0.0225", "disCcyEq": "0"},
                {"tier": "3", "minAmt": "25", "maxAmt": "", "discountRate": "0.95", "liqPenaltyRate": "0.05", "disCcyEq": "0"}]},
            {"ccy": "USDT", "amt": "", "discountLv": "", "minDiscountRate": "1", "colRes": "0", "details": [
                {"tier": "1", "minAmt": "0", "maxAmt": "", "discountRate": "1", "liqPenaltyRate": "0", "disCcyEq": "0"}]}]


def _of(inst_type, family):
    """The instruments of a type and family; every family of the type when no family is asked for (OKX's way)."""
    if family is None:
        return [i for (t, _f), rows in INSTRUMENTS.items() if t == inst_type for i in rows]
    return INSTRUMENTS.get((inst_type, family), [])


def ok(data) -> Response:
    return Response(json.dumps({"code": "0", "msg": "", "data": data}), content_type="application/json")


def _handler(request: Request) -> Response:
    a = request.args
    path = request.path
    if path == "/api/v5/market/index-tickers":
        return ok([{"instId": k, "idxPx": v, "high24h": "", "low24h": "", "open24h": "", "sodUtc0": "", "sodUtc8": "",
                    "ts": TS} for k, v in INDEX.items()])
    if path == "/api/v5/public/instruments":
        if a.get("instType") == "FUTURES" and a.get("instFamily") == "TON-USDT":
            return Response(json.dumps({"code": "51001", "msg": "Instrument ID does not exist", "data": []}),
                            content_type="application/json")
        return ok(_of(a.get("instType"), a.get("instFamily")))
    if path == "/api/v5/public/mark-price":
        insts = _of(a.get("instType"), a.get("instFamily"))
        return ok([{"instType": i["instType"], "instId": i["instId"], "markPx": MARKS.get(i["instId"], ""), "ts": TS}
                   for i in insts])
    if path == "/api/v5/public/underlying":
        return ok([OPTION_UNDERLYINGS if a.get("instType") == "OPTION" else ["BTC-USDT", "BTC-USD", "TON-USDT"]])
    if path == "/api/v5/public/opt-summary":
        if a.get("instFamily") == "SOL-USD":
            return ok([{"instType": "OPTION", "instId": SOL_OPTION, "uly": "SOL-USD", "delta": "-0.4", "gamma": "",
                        "vega": "", "theta": "", "lever": "", "markVol": "0.8", "bidVol": "", "askVol": "",
                        "realVol": "", "deltaBS": "", "gammaBS": "", "thetaBS": "", "vegaBS": "",
                        "fwdPx": "201.5", "volLv": "", "ts": TS}])
        if a.get("instFamily") != "BTC-USD":
            return ok([])
        return ok([{"instType": "OPTION", "instId": OPTION, "uly": "BTC-USD", "delta": "0.35", "gamma": "1.2",
                    "vega": "0.0002", "theta": "-0.0001", "lever": "80", "markVol": "0.55", "bidVol": "", "askVol": "",
                    "realVol": "", "deltaBS": "0.41", "gammaBS": "0.00001", "thetaBS": "-30", "vegaBS": "110",
                    "fwdPx": "92100.5", "volLv": "0.5", "ts": TS}])
    if path == "/api/v5/public/position-tiers":
        out = []
        for fam in a.get("instFamily", "").split(","):
            for n, (lo, hi, mmr, imr, lev) in enumerate(TIERS.get((a.get("instType"), fam), []), start=1):
                out.append({"uly": fam, "instFamily": fam, "instId": "", "tier": str(n), "minSz": lo, "maxSz": hi,
                            "mmr": mmr, "imr": imr, "maxLever": lev, "optMgnFactor": "", "quoteMaxLoan": "",
                            "baseMaxLoan": "", "ts": TS})
        return ok(out)
    if path == "/api/v5/public/discount-rate-interest-free-quota":
        return ok(DISCOUNT)
    if path == "/api/v5/public/interest-rate-loan-quota":
        return ok([{"basic": [{"ccy": "USDT", "rate": "0.0001", "quota": "500000"},
                              {"ccy": "BTC", "rate": "0.00005", "quota": "10"}], "vip": [], "regular": []}])
    return Response(json.dumps({"code": "50014", "msg": "not served", "data": []}), status=404,
                    content_type="application/json")


def serve(httpserver, *, first: Response | None = None) -> str:
    """Install the fake OKX on ``httpserver``; ``first`` answers the very first request instead (e.g. a 429)."""
    state = {"n": 0}

    def handler(request: Request) -> Response:
        state["n"] += 1
        if first is not None and state["n"] == 1:
            return first
        return _handler(request)
    import re
    httpserver.expect_request(re.compile(r"^/api/v5/.*")).respond_with_handler(handler)
    return httpserver.url_for("").rstrip("/")

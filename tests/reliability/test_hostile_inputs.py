"""~130 hostile files through the command line: each must give exit 2, ONE line on stderr that names the file, the
field and the problem, no traceback, and leave the database exactly as it was (formats.md section 4).

Kinds: ``import`` (riskws import FILE into a seeded database), ``market`` (riskws margin GOOD --market FILE),
``rules`` (riskws margin GOOD --market GOOD --rules FILE), ``result`` (riskws export BOOK --format result
--market FILE, which checks the book against the snapshot). ``mention`` lists words the message must contain.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workstation.cli import main

REPO = Path(__file__).resolve().parents[2]

MARKET = {"ts": "2025-02-06T08:00:00Z",
          "index": {"BTC-USD": 96850.2, "ETH-USD": 2712.4, "USDT-USD": 0.99954, "USDC-USD": 1.0001},
          "markPx": {"BTC-USDT-SWAP": 96871.5, "BTC-USD-250328": 97900.0},
          "markVol": {"BTC-USD-250328-100000-C": 0.52}, "atmVol": {"BTC": 0.53}}
BOOK = {"name": "good", "acctLv": "4", "simAsset": [{"ccy": "BTC", "amt": "10"}, {"ccy": "USDT", "amt": "-5000"}],
        "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "-3"}, {"instId": "BTC-USD-250328-100000-C", "pos": "-10"}]}
RULES = json.loads((REPO / "resources" / "rules" / "okx-2025-01.json").read_text(encoding="utf-8"))
OKX_POS = {"code": "0", "msg": "", "data": [{"instId": "BTC-USDT-SWAP", "pos": "-3", "posSide": "net",
                                             "mgnMode": "cross", "avgPx": "96000", "instType": "SWAP"}]}
OKX_BAL = {"code": "0", "msg": "", "data": [{"details": [{"ccy": "BTC", "cashBal": "1.5", "eq": "1.5"}]}]}
CCXT = [{"symbol": "BTC/USDT:USDT", "contracts": 3, "side": "short", "entryPrice": 96000, "info": {}}]


def book(**changes: Any) -> dict:
    doc = copy.deepcopy(BOOK)
    doc.update(changes)
    return doc


def pos(**fields: Any) -> dict:
    return book(simPos=[dict({"instId": "BTC-USDT-SWAP", "pos": "1"}, **fields)])


def asset(**fields: Any) -> dict:
    return book(simAsset=[dict({"ccy": "BTC", "amt": "1"}, **fields)])


def market(**changes: Any) -> dict:
    doc = copy.deepcopy(MARKET)
    for k, v in changes.items():
        if v is DROP:
            doc.pop(k)
        else:
            doc[k] = v
    return doc


def rules(path: str, value: Any) -> dict:
    doc = copy.deepcopy(RULES)
    node = doc
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[p]
    if value is DROP:
        node.pop(parts[-1])
    else:
        node[parts[-1]] = value
    return doc


def okx_pos(**fields: Any) -> dict:
    doc = copy.deepcopy(OKX_POS)
    doc["data"][0].update(fields)
    return doc


def okx_bal(*details: dict) -> dict:
    return {"code": "0", "data": [{"details": list(details)}]}


def ccxt(**fields: Any) -> list:
    doc = copy.deepcopy(CCXT)
    doc[0].update(fields)
    return doc


DROP = object()


@dataclass(frozen=True)
class Case:
    kind: str                 # import | market | rules | result
    content: Any              # str / bytes written as is; anything else as JSON
    mention: tuple[str, ...]
    suffix: str = ".json"


def C(kind: str, content: Any, *mention: str, suffix: str = ".json") -> Case:
    return Case(kind, content, mention, suffix)


DEEP = "[" * 100_000 + "]" * 100_000
CASES: dict[str, Case] = {
    # -- portfolio files: syntax and encoding ------------------------------------------------------------------
    "pf_truncated_json": C("import", '{"simPos": [{"instId": "BTC-USDT-SWAP", ', "malformed JSON", "line 1"),
    "pf_empty_file": C("import", "", "empty"),
    "pf_whitespace_only": C("import", " \n\t\n", "empty"),
    "pf_binary_garbage": C("import", bytes(range(128, 256)) * 8, "not UTF-8"),
    "pf_utf16": C("import", json.dumps(BOOK).encode("utf-16"), "not UTF-8"),
    "pf_nul_bytes": C("import", '{"simPos": []}\x00\x00', "NUL"),
    "pf_top_string": C("import", '"hello"', "top level", "str"),
    "pf_top_number": C("import", "42", "top level", "int"),
    "pf_top_null": C("import", "null", "top level", "NoneType"),
    "pf_plain_text": C("import", "hello world\n", "neither JSON nor CSV"),
    "pf_top_list_of_numbers": C("import", "[1, 2]", "top level", "[0]"),
    "pf_empty_list": C("import", "[]", "empty list"),
    "pf_unrelated_object": C("import", {"hello": "world"}, "not a recognised", "hello"),
    "pf_trailing_garbage": C("import", '{"simPos": []} xx', "malformed JSON", "Extra data"),
    "pf_comments": C("import", '{"simPos": [] // none\n}', "malformed JSON"),
    "pf_single_quotes": C("import", "{'simPos': []}", "malformed JSON"),
    "pf_deep_nesting": C("import", DEEP, "nested too deeply"),
    "pf_huge_integer": C("import", '{"simPos": [{"instId": "BTC-USDT-SWAP", "pos": ' + "9" * 5000 + "}]}",
                         "malformed JSON", "digits"),
    "pf_duplicate_key": C("import", '{"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1", "pos": "2"}]}',
                          "'pos'", "twice"),
    # -- portfolio files: structure ----------------------------------------------------------------------------
    "pf_simpos_object": C("import", book(simPos={"instId": "BTC-USDT-SWAP", "pos": "1"}), "simPos", "must be a list"),
    "pf_simpos_item_string": C("import", book(simPos=["BTC-USDT-SWAP"]), "simPos[0]", "expected an object"),
    "pf_simasset_string": C("import", book(simAsset="BTC"), "simAsset", "must be a list"),
    "pf_missing_instid": C("import", book(simPos=[{"pos": "1"}]), "simPos[0].instId", "non-empty string"),
    "pf_instid_number": C("import", pos(instId=123), "simPos[0].instId", "123"),
    "pf_instid_list": C("import", pos(instId=["BTC-USDT-SWAP"]), "simPos[0].instId", "non-empty string"),
    "pf_instid_object": C("import", pos(instId={"id": 1}), "simPos[0].instId", "non-empty string"),
    "pf_currency_list": C("import", asset(ccy=["BTC"]), "simAsset[0].ccy", "currency code"),
    "okx_pos_instid_list": C("import", okx_pos(instId=[]), "data[0].instId", "non-empty string"),
    "pf_builder_lever_text": C("import", book(lever={"BTC-USDT": "high"}, simPos=[
        {"instId": "BTC-USDT-SWAP", "pos": "1", "lever": "5"}]), "lever.BTC-USDT", "not a number"),
    "pf_instid_empty": C("import", pos(instId=""), "simPos[0].instId", "non-empty"),
    "pf_instid_perp": C("import", pos(instId="BTC-USDT-PERP"), "simPos[0].instId", "malformed"),
    "pf_instid_lowercase": C("import", pos(instId="btc-usdt-swap"), "simPos[0].instId", "malformed"),
    "pf_instid_spaces": C("import", pos(instId=" BTC-USDT-SWAP"), "simPos[0].instId", "malformed"),
    "pf_instid_unknown_family": C("import", pos(instId="FOO-USDT-SWAP"), "simPos[0].instId", "unknown instrument family"),
    "pf_instid_bad_date": C("import", pos(instId="BTC-USD-251399"), "simPos[0].instId", "YYMMDD"),
    "pf_instid_feb30": C("import", pos(instId="BTC-USD-250230"), "simPos[0].instId", "YYMMDD"),
    "pf_instid_zero_strike": C("import", pos(instId="BTC-USD-250328-0-C"), "simPos[0].instId", "strike"),
    "pf_instid_no_options_family": C("import", pos(instId="BTC-USDT-250328-100000-C"), "simPos[0].instId",
                                     "no option"),
    "pf_instid_spot": C("import", pos(instId="BTC-USDT"), "simPos[0].instId", "malformed"),
    "pf_instid_sql": C("import", pos(instId="BTC'; DROP TABLE portfolios;--"), "simPos[0].instId", "malformed"),
    # -- portfolio files: numbers ------------------------------------------------------------------------------
    "pf_missing_pos": C("import", book(simPos=[{"instId": "BTC-USDT-SWAP"}]), "simPos[0].pos", "missing"),
    "pf_pos_text": C("import", pos(pos="abc"), "simPos[0].pos", "not a number"),
    "pf_pos_nan_string": C("import", pos(pos="NaN"), "simPos[0].pos", "not a finite number"),
    "pf_pos_nan_bare": C("import", '{"simPos": [{"instId": "BTC-USDT-SWAP", "pos": NaN}]}', "simPos[0].pos", "NaN"),
    "pf_pos_infinity_bare": C("import", '{"simPos": [{"instId": "BTC-USDT-SWAP", "pos": -Infinity}]}',
                              "simPos[0].pos", "Infinity"),
    "pf_pos_inf_string": C("import", pos(pos="-inf"), "simPos[0].pos", "finite"),
    "pf_pos_overflow_literal": C("import", '{"simPos": [{"instId": "BTC-USDT-SWAP", "pos": 1e400}]}',
                                 "simPos[0].pos", "finite"),
    "pf_pos_absurd": C("import", pos(pos="1e10"), "simPos[0].pos", "plausible limit"),
    "pf_pos_absurd_negative": C("import", pos(pos=-5e12), "simPos[0].pos", "plausible limit"),
    "pf_pos_bool": C("import", pos(pos=True), "simPos[0].pos", "expected a number"),
    "pf_pos_null": C("import", pos(pos=None), "simPos[0].pos", "expected a number"),
    "pf_pos_list": C("import", pos(pos=[1]), "simPos[0].pos", "expected a number"),
    "pf_pos_empty_string": C("import", pos(pos=""), "simPos[0].pos", "not a number"),
    "pf_pos_thousands_sep": C("import", pos(pos="1,000"), "simPos[0].pos", "not a number"),
    "pf_pos_hex": C("import", pos(pos="0x10"), "simPos[0].pos", "not a number"),
    "pf_avgpx_negative": C("import", pos(avgPx="-97000"), "simPos[0].avgPx", "negative"),
    "pf_avgpx_zero": C("import", pos(avgPx="0"), "simPos[0].avgPx", "zero"),
    "pf_avgpx_nan": C("import", pos(avgPx="nan"), "simPos[0].avgPx", "finite"),
    "pf_avgpx_absurd": C("import", pos(avgPx="1e20"), "simPos[0].avgPx", "plausible limit"),
    "pf_duplicate_position": C("import", book(simPos=[{"instId": "BTC-USDT-SWAP", "pos": "1"},
                                                      {"instId": "BTC-USDT-SWAP", "pos": "2"}]),
                               "simPos[1].instId", "appears twice"),
    # -- portfolio files: balances, spot in use, settings --------------------------------------------------------
    "pf_unknown_currency": C("import", asset(ccy="XYZ"), "simAsset[0].ccy", "unknown currency"),
    "pf_lowercase_currency": C("import", asset(ccy="btc"), "simAsset[0].ccy", "unknown currency"),
    "pf_currency_number": C("import", asset(ccy=5), "simAsset[0].ccy", "currency code"),
    "pf_asset_missing_amt": C("import", book(simAsset=[{"ccy": "BTC"}]), "simAsset[0].amt", "missing"),
    "pf_asset_absurd": C("import", asset(amt="1e13"), "simAsset[0].amt", "plausible limit"),
    "pf_asset_nan": C("import", asset(amt="NaN"), "simAsset[0].amt", "finite"),
    "pf_asset_duplicate": C("import", book(simAsset=[{"ccy": "BTC", "amt": "1"}, {"ccy": "BTC", "amt": "2"}]),
                            "simAsset[1].ccy", "twice"),
    "pf_spot_in_use_negative": C("import", book(spotInUse=[{"ccy": "BTC", "amt": "-1"}]), "spotInUse[0].amt",
                                 "negative"),
    "pf_spot_in_use_unknown": C("import", book(spotInUse=[{"ccy": "ABC", "amt": "1"}]), "spotInUse[0].ccy",
                                "unknown currency"),
    "pf_acctlv_7": C("import", book(acctLv="7"), "acctLv", "'7'"),
    "pf_acctlv_float": C("import", book(acctLv=4.5), "acctLv", "4.5"),
    "pf_rules_unknown": C("import", book(rules="okx-1999"), "rules", "okx-1999"),
    "pf_rules_number": C("import", book(rules=5), "rules", "not a known rule set"),
    "pf_name_number": C("import", book(name=5), "name", "string"),
    "pf_name_blank": C("import", book(name="   "), "name", "non-empty"),
    "pf_name_padded": C("import", book(name=" desk "), "name", "spaces"),
    "pf_lever_list": C("import", book(lever=["BTC-USDT", 5]), "lever", "must be an object"),
    "pf_lever_too_high": C("import", book(lever={"BTC-USDT": "500"}), "lever.BTC-USDT", "outside 1..125"),
    "pf_lever_zero": C("import", book(lever={"BTC-USDT": 0}), "lever.BTC-USDT", "zero"),
    "pf_lever_bad_family": C("import", book(lever={"BTCUSDT": "5"}), "lever key", "instrument family"),
    "pf_builder_simpos_lever_nan": C("import", book(simPos=[{"instId": "BTC-USDT-SWAP", "pos": "1", "lever": "NaN"}]),
                                     "simPos[0].lever", "finite"),
    # -- OKX responses -------------------------------------------------------------------------------------------
    "okx_error_code": C("import", {"code": "50113", "msg": "Invalid Sign", "data": []}, "code", "50113", "Invalid Sign"),
    "okx_data_not_list": C("import", {"code": "0", "data": {"instId": "BTC-USDT-SWAP"}}, "data", "expected a list"),
    "okx_empty_data": C("import", {"code": "0", "data": []}, "no positions or balances"),
    "okx_pos_side_both": C("import", okx_pos(posSide="both"), "data[0].posSide", "'both'"),
    "okx_pos_nan": C("import", okx_pos(pos="NaN"), "data[0].pos", "finite"),
    "okx_pos_absurd": C("import", okx_pos(pos="2e9"), "data[0].pos", "plausible limit"),
    "okx_pos_malformed_id": C("import", okx_pos(instId="BTC-USDT-PERPETUAL"), "data[0].instId", "malformed"),
    "okx_pos_unknown_family": C("import", okx_pos(instId="PEPE-USDT-SWAP"), "data[0].instId", "unknown instrument family"),
    "okx_pos_avgpx_negative": C("import", okx_pos(avgPx="-5"), "data[0].avgPx", "negative"),
    "okx_pos_mgnmode": C("import", okx_pos(mgnMode="portfolio"), "data[0].mgnMode", "cross or isolated"),
    "okx_pos_item_string": C("import", {"code": "0", "data": [{"instId": "BTC-USDT-SWAP", "pos": "1"}, "x"]},
                             "data", "neither positions"),
    "okx_bal_details_string": C("import", {"code": "0", "data": [{"details": "none"}]}, "data[0].details",
                                "expected a list"),
    "okx_bal_no_amount": C("import", okx_bal({"ccy": "BTC"}), "details[0]", "neither cashBal nor eq"),
    "okx_bal_text_amount": C("import", okx_bal({"ccy": "BTC", "cashBal": "lots"}), "details[0].cashBal",
                             "not a number"),
    "okx_bal_unknown_borrowing": C("import", okx_bal({"ccy": "PEPE", "cashBal": "-100"}), "details[0].ccy",
                                   "unknown currency", "negative"),
    "okx_bal_duplicate_ccy": C("import", okx_bal({"ccy": "BTC", "cashBal": "1"}, {"ccy": "BTC", "cashBal": "2"}),
                               "details[1].cashBal", "BTC", "one balance per currency"),
    "okx_bal_spot_in_use_negative": C("import", okx_bal({"ccy": "BTC", "cashBal": "1", "clSpotInUseAmt": "-1"}),
                                      "details[0].clSpotInUseAmt", "negative"),
    "okx_combined_wrong_kind": C("import", {"positions": OKX_BAL, "balance": OKX_BAL}, "positions",
                                 "expected an OKX positions response"),
    "okx_combined_not_object": C("import", {"positions": "see other file"}, "positions", "expected an OKX response"),
    # -- ccxt ----------------------------------------------------------------------------------------------------
    "ccxt_spot_symbol": C("import", ccxt(symbol="BTC/USDT"), "[0].symbol", "spot symbol"),
    "ccxt_side_buy": C("import", ccxt(side="buy"), "[0].side", "'buy'"),
    "ccxt_negative_contracts": C("import", ccxt(contracts=-5), "[0].contracts", "negative"),
    "ccxt_nan_contracts": C("import", ccxt(contracts="NaN"), "[0].contracts", "finite"),
    "ccxt_missing_contracts": C("import", ccxt(contracts=None), "[0].contracts", "missing"),
    "ccxt_bad_settle": C("import", ccxt(symbol="BTC/USDT:ETH"), "[0].symbol", "settles in ETH"),
    "ccxt_bad_info_instid": C("import", ccxt(info={"instId": "BTC-USDT-FOREVER"}), "[0].info.instId", "malformed"),
    "ccxt_entry_price_zero": C("import", ccxt(entryPrice=0), "[0].entryPrice", "zero"),
    # -- CSV -----------------------------------------------------------------------------------------------------
    "csv_unknown_header": C("import", "instrument,qty\nBTC-USDT-SWAP,1\n", "neither JSON nor CSV", suffix=".csv"),
    "csv_semicolons": C("import", "instId;pos\nBTC-USDT-SWAP;1\n", "neither JSON nor CSV", suffix=".csv"),
    "csv_extra_column": C("import", "instId,pos,notes\nBTC-USDT-SWAP,1,x\n", "line 1", "unknown column 'notes'",
                          suffix=".csv"),
    "csv_no_pos_column": C("import", "instId,avgPx\nBTC-USDT-SWAP,1\n", "line 1", "column pos missing", suffix=".csv"),
    "csv_duplicate_column": C("import", "instId,pos,pos\nBTC-USDT-SWAP,1,2\n", "line 1", "twice", suffix=".csv"),
    "csv_short_row": C("import", "instId,pos,avgPx\nBTC-USDT-SWAP,1\n", "line 2", "2 cells", suffix=".csv"),
    "csv_pos_text": C("import", "instId,pos\nBTC-USDT-SWAP,lots\n", "line 2", "pos", "not a number", suffix=".csv"),
    "csv_pos_nan": C("import", "instId,pos\nBTC-USDT-SWAP,nan\n", "line 2", "pos", "finite", suffix=".csv"),
    "csv_pos_missing": C("import", "instId,pos\nBTC-USDT-SWAP,\n", "line 2", "pos", "missing", suffix=".csv"),
    "csv_bad_instid": C("import", "instId,pos\nBTC-PERP,1\n", "line 2", "malformed", suffix=".csv"),
    "csv_expired_format": C("import", "instId,pos\nBTC-USD-250231,1\n", "line 2", "YYMMDD", suffix=".csv"),
    "csv_duplicate_instid": C("import", "instId,pos\nBTC-USDT-SWAP,1\nBTC-USDT-SWAP,2\n", "line 3", "twice",
                              suffix=".csv"),
    "csv_unknown_ccy": C("import", "ccy,amt\nXYZ,5\n", "line 2", "unknown currency 'XYZ'", suffix=".csv"),
    "csv_both_kinds": C("import", "instId,pos,ccy,amt\nBTC-USDT-SWAP,1,BTC,1\n", "line 2", "both instId and ccy",
                        suffix=".csv"),
    "csv_unterminated_quote": C("import", 'instId,pos\n"BTC-USDT-SWAP,1\n', "malformed CSV", suffix=".csv"),
    "csv_avgpx_negative": C("import", "instId,pos,avgPx\nBTC-USDT-SWAP,1,-3\n", "line 2", "avgPx", "negative",
                            suffix=".csv"),
    "csv_header_only": C("import", "instId,pos,avgPx\n", "no positions or balances", suffix=".csv"),
    "csv_absurd_amount": C("import", "ccy,amt\nBTC,1e14\n", "line 2", "amt", "plausible limit", suffix=".csv"),
    # -- market snapshots ----------------------------------------------------------------------------------------
    "mk_malformed": C("market", '{"ts": "2025-02-06T08:00:00Z", "index": {', "malformed JSON"),
    "mk_list": C("market", "[]", "top level"),
    "mk_missing_ts": C("market", market(ts=DROP), "ts", "missing"),
    "mk_ts_words": C("market", market(ts="yesterday"), "ts", "ISO 8601"),
    "mk_ts_absurd_millis": C("market", market(ts=1e30), "ts", "millisecond timestamp"),
    "mk_ts_bool": C("market", market(ts=True), "ts", "ISO 8601"),
    "mk_missing_index": C("market", market(index=DROP), "index", "missing"),
    "mk_index_list": C("market", market(index=[96850.2]), "index", "must be an object"),
    "mk_index_bad_key": C("market", market(index={"BTC": 96850.2}), "index.BTC", "CCY-USD"),
    "mk_index_unknown_ccy": C("market", market(index={"XYZ-USD": 1.0}), "index.XYZ-USD", "known currency"),
    "mk_index_zero": C("market", market(index=dict(MARKET["index"], **{"BTC-USD": 0})), "index.BTC-USD", "zero"),
    "mk_index_negative": C("market", market(index=dict(MARKET["index"], **{"BTC-USD": -5})), "index.BTC-USD",
                           "negative"),
    "mk_index_nan": C("market", market(index=dict(MARKET["index"], **{"BTC-USD": "NaN"})), "index.BTC-USD", "finite"),
    "mk_index_absurd": C("market", market(index=dict(MARKET["index"], **{"BTC-USD": 1e300})), "index.BTC-USD",
                         "plausible limit"),
    # formats.md 2.1: markPx may hold OKX's option marks (display only); a negative one is still refused
    "mk_markpx_option": C("market", market(markPx={"BTC-USD-250328-100000-C": -0.02}), "markPx.BTC-USD-250328-100000-C",
                          "negative"),
    "mk_markpx_malformed": C("market", market(markPx={"BTC-PERP": 1.0}), "markPx", "malformed"),
    "mk_markpx_negative": C("market", market(markPx={"BTC-USDT-SWAP": -1}), "markPx.BTC-USDT-SWAP", "negative"),
    "mk_markpx_zero": C("market", market(markPx={"BTC-USDT-SWAP": "0"}), "markPx.BTC-USDT-SWAP", "zero"),
    "mk_markvol_zero": C("market", market(markVol={"BTC-USD-250328-100000-C": 0}), "markVol.BTC-USD-250328-100000-C",
                         "zero"),
    "mk_markvol_negative": C("market", market(markVol={"BTC-USD-250328-100000-C": -0.5}),
                             "markVol.BTC-USD-250328-100000-C", "negative"),
    "mk_markvol_percent": C("market", market(markVol={"BTC-USD-250328-100000-C": 52}),
                            "markVol.BTC-USD-250328-100000-C", "decimal"),
    "mk_markvol_future": C("market", market(markVol={"BTC-USD-250328": 0.5}), "markVol.BTC-USD-250328", "only options"),
    "mk_atmvol_unknown": C("market", market(atmVol={"XYZ": 0.5}), "atmVol.XYZ", "unknown underlying"),
    "mk_atmvol_inf": C("market", market(atmVol={"BTC": "inf"}), "atmVol.BTC", "finite"),
    "mk_duplicate_key": C("market", '{"ts": "2025-02-06T08:00:00Z", "ts": "2025-02-07T08:00:00Z", "index": {}}',
                          "'ts'", "twice"),
    # -- snapshots that cannot value the stored book (riskws export BOOK --format result --market FILE) --------------
    "res_expired_contract": C("result", market(ts="2025-03-28T08:00:00Z"), "simPos[1].instId",
                              "BTC-USD-250328-100000-C", "expired"),
    "res_after_expiry": C("result", market(ts="2025-06-01T00:00:00Z"), "expired"),
    "res_no_btc_index": C("result", market(index={"ETH-USD": 2712.4, "USDT-USD": 0.99954}), "index", "BTC-USD"),
    "res_no_usdt_index": C("result", market(index={"BTC-USD": 96850.2}), "index", "USDT-USD"),
    "res_no_vol": C("result", market(markVol={}, atmVol={}), "markVol", "BTC-USD-250328-100000-C", "atmVol"),
    "res_not_a_snapshot": C("result", BOOK, "ts", "missing"),
    # -- rule-set files (riskws margin ... --rules FILE) --------------------------------------------------------
    "rules_malformed": C("rules", '{"id": "x",', "malformed JSON"),
    "rules_missing_id": C("rules", rules("id", DROP), "id", "missing"),
    "rules_missing_param": C("rules", rules("mr1.priceMoves", DROP), "mr1.priceMoves", "missing"),
    "rules_bad_move": C("rules", rules("mr6.move.value", {"A": 1.5, "B": 0.3, "C": 0.5}), "mr6.move.value",
                        "move in [0, 1)"),
    "rules_bad_provenance": C("rules", rules("mr8.mmrRate.provenance", "guessed"), "mr8.mmrRate.provenance",
                              "guessed"),
    "rules_nan": C("rules", json.dumps(RULES).replace('"lossFraction": {"value": 0.5', '"lossFraction": {"value": NaN'),
                   "mr6.lossFraction.value", "NaN"),
    "rules_length_mismatch": C("rules", rules("mr1.volShockPct.value", [0.6]), "volShockPct", "same length"),
    "rules_tiers_gap": C("rules", rules("mr7.multiplierTiers.value",
                                        {g: [[0, 10, 1.0], [20, None, 2.0]] for g in "ABC"}), "mr7.multiplierTiers",
                         "contiguous"),
    "rules_negative_rate": C("rules", rules("mr8.mmrRate.value", -0.1), "mr8.mmrRate.value", ">= 0"),
    "rules_rate_shift_typo": C("rules", rules("mr5.rateShift.value", 5098), "mr5.rateShift.value", "plausible range"),
    "rules_vol_floor_huge": C("rules", rules("mr1.volFloor.value", 5e154), "mr1.volFloor.value", "plausible range"),
    "rules_price_move_over_100pct": C("rules", rules("mr1.priceMoves.value", {g: [0.5, 1.5] for g in "ABC"}),
                                      "mr1.priceMoves.value", "plausible range"),
    "rules_bad_effective": C("rules", rules("effectiveFrom", "soon"), "effectiveFrom", "ISO 8601"),
}


def write(path: Path, content: Any) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def dump(db: Path) -> str:
    raw = sqlite3.connect(db)
    try:
        return "\n".join(raw.iterdump())
    finally:
        raw.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seed")
    db = folder / "seed.db"
    assert main(["import", str(write(folder / "good.json", BOOK)), "--db", str(db)]) == 0
    assert main(["import", str(write(folder / "snap.json", MARKET)), "--db", str(db)]) == 0
    return db


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_hostile_file(case_id: str, tmp_path: Path, seeded: Path, capsys) -> None:
    case = CASES[case_id]
    bad = write(tmp_path / f"hostile-{case_id}{case.suffix}", case.content)
    good_book = write(tmp_path / "good.json", BOOK)
    good_market = write(tmp_path / "market.json", MARKET)
    db = tmp_path / "work.db"
    db.write_bytes(seeded.read_bytes())
    before = dump(db)
    capsys.readouterr()
    if case.kind == "import":
        argv = ["import", str(bad), "--db", str(db)]
    elif case.kind == "market":
        argv = ["margin", str(good_book), "--market", str(bad)]
    elif case.kind == "rules":
        argv = ["margin", str(good_book), "--market", str(good_market), "--rules", str(bad)]
    else:
        argv = ["export", "good", "--format", "result", "--market", str(bad), "--out", str(tmp_path / "r.json"),
                "--db", str(db)]
    status = main(argv)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert status == 2, (status, err)
    assert len(lines) == 1 and lines[0].startswith("riskws: error: "), err
    assert "Traceback" not in err
    assert str(bad) in lines[0], lines[0]
    for word in case.mention:
        assert word in lines[0], (word, lines[0])
    assert dump(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("work.db")) == ["work.db"]
    assert not (tmp_path / "r.json").exists()


def test_there_are_about_a_hundred_cases() -> None:
    assert len(CASES) >= 100
    assert {c.kind for c in CASES.values()} == {"import", "market", "rules", "result"}


@pytest.mark.parametrize("case_id", ["pf_pos_nan_bare", "pf_deep_nesting", "pf_huge_integer", "okx_error_code",
                                     "csv_unterminated_quote", "mk_ts_absurd_millis"])
def test_hostile_file_through_the_installed_command(case_id: str, tmp_path: Path) -> None:
    """The real process: exit 2, one stderr line, no traceback (also without the in-process safety net)."""
    case = CASES[case_id]
    bad = write(tmp_path / f"hostile{case.suffix}", case.content)
    argv = (["import", str(bad), "--db", str(tmp_path / "x.db")] if case.kind == "import"
            else ["margin", str(write(tmp_path / "good.json", BOOK)), "--market", str(bad)])
    out = subprocess.run([sys.executable, "-m", "workstation.cli", *argv], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2, out.stderr
    assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr, out.stderr
    assert str(bad) in out.stderr
    assert not (tmp_path / "x.db").exists()


MARGIN_UNPRICEABLE = {  # riskws margin BOOK --market FILE: a valid snapshot that cannot value the valid book
    "expired": (market(ts="2025-03-28T08:00:00Z"), "expired"),
    "no_vol": (market(markVol={}, atmVol={}), "atmVol"),
    "no_index": (market(index={"ETH-USD": 2712.4, "USDT-USD": 0.99954}), "BTC-USD"),
}


@pytest.mark.parametrize("case_id", sorted(MARGIN_UNPRICEABLE))
def test_margin_names_the_files_of_an_unpriceable_book(case_id: str, tmp_path: Path, capsys) -> None:
    content, word = MARGIN_UNPRICEABLE[case_id]
    bad = write(tmp_path / "snap.json", content)
    good = write(tmp_path / "good.json", BOOK)
    assert main(["margin", str(good), "--market", str(bad)]) == 2
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and word in line
    assert str(bad) in line and str(good) in line

"""Fuzzing the importers: any JSON value or text, shaped like the formats they detect, either imports or raises
engine.InputError with one line naming the source; nothing else escapes."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import InputError
from engine.importers import import_doc, import_text

EXAMPLES = int(os.environ.get("RISKWS_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                                 HealthCheck.data_too_large])
KEYS = ["simPos", "simAsset", "spotInUse", "lever", "name", "acctLv", "rules", "instId", "pos", "avgPx", "ccy", "amt",
        "code", "msg", "data", "details", "cashBal", "eq", "clSpotInUseAmt", "posSide", "mgnMode", "instType",
        "symbol", "contracts", "side", "entryPrice", "marginMode", "info", "positions", "balance", "inclRealPosAndEq",
        "greeksType", "idxVol", "index", "ts"]
SCALARS = st.one_of(
    st.sampled_from(["BTC-USDT-SWAP", "BTC-USD-250328-100000-C", "BTC-USD-250328", "BTC/USDT:USDT", "BTC/USD:BTC",
                     "BTC/USD:BTC-250328-100000-C", "BTC", "USDT", "XYZ", "net", "long", "short", "cross", "isolated",
                     "MARGIN", "SWAP", "0", "1", "-1", "NaN", "1e400", "", "4", "3", True, False, None]),
    st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                      max_leaves=25)


def _one_line(exc: InputError, label: str) -> None:
    text = str(exc)
    assert text.startswith(label), text
    assert "\n" not in text


@FUZZ
@given(doc=VALUES)
def test_any_json_value_imports_or_is_an_input_error(doc) -> None:
    try:
        book = import_doc(doc, "fuzz.json")
    except InputError as exc:
        _one_line(exc, "fuzz.json")
        return
    assert book.source_kind and isinstance(book.warnings, tuple)


@FUZZ
@given(doc=st.dictionaries(st.sampled_from(["positions", "balance"]), VALUES, min_size=1) | st.lists(VALUES, max_size=3))
def test_combined_shapes(doc) -> None:
    try:
        import_doc(doc, "fuzz.json")
    except InputError as exc:
        _one_line(exc, "fuzz.json")


CELLS = st.one_of(st.sampled_from(["BTC-USDT-SWAP", "BTC-USD-250328", "BTC", "USDT", "1", "-2.5", "", "NaN", "x",
                                   '"', '""', "1e400", " 3 "]), st.text(max_size=6))
HEADERS = st.lists(st.sampled_from(["instId", "pos", "avgPx", "ccy", "amt", "other"]), min_size=1, max_size=5)


@FUZZ
@given(header=HEADERS, rows=st.lists(st.lists(CELLS, max_size=6), max_size=6), comment=st.booleans())
def test_any_csv_imports_or_is_an_input_error(header, rows, comment) -> None:
    lines = (["# note"] if comment else []) + [",".join(header)] + [",".join(r) for r in rows]
    try:
        import_text("\n".join(lines), "fuzz.csv")
    except InputError as exc:
        _one_line(exc, "fuzz.csv")


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_imports_or_is_an_input_error(text) -> None:
    try:
        import_text(text, "fuzz.txt")
    except InputError as exc:
        _one_line(exc, "fuzz.txt")


@FUZZ
@given(doc=VALUES)
def test_json_text_of_any_value(doc) -> None:
    try:
        import_text(json.dumps(doc), "fuzz.json")
    except InputError as exc:
        _one_line(exc, "fuzz.json")

"""Item 6 of issue 17: one ASCII grammar for instrument ids and numbers (engine/syntax.py).

Before: "BTC-USDT-SWAP\\n" was a second instrument beside BTC-USDT-SWAP (`$` matches before a final newline),
Arabic-Indic digits made a strike (`\\d` is Unicode), a 400-digit strike became infinity and was stored, and
float() took "٥", "１０" and "1_000" as numbers.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from engine.catalogue import parse_inst_id
from engine.errors import InputError
from engine.numbers import parse_number
from workstation.cli import main

BAD_IDS = ["BTC-USDT-SWAP\n", "BTC-USDT-SWAP\r", "\nBTC-USDT-SWAP", "BTC-USD-250328-\u0665\u0660\u0660\u0660\u0660-C",
           "BTC-USD-\u0662\u0665\u0660\u0663\u0662\u0668", "BTC-USD-250328-" + "9" * 400 + "-C",
           "BTC-USD-250328-100000.123456789-C", "BTC-USD-250328-1e5-C", "BTC-USD-250328-1_000-C",
           "\uff22TC-USDT-SWAP", "BTC-USDT-SWAP" + " " * 60, "BTC" * 30 + "-USDT-SWAP"]


@pytest.mark.parametrize("inst_id", BAD_IDS, ids=range(len(BAD_IDS)))
def test_malformed_ids_are_refused(inst_id: str) -> None:
    with pytest.raises(InputError) as info:
        parse_inst_id(inst_id)
    message = str(info.value)
    assert "\n" not in message and len(message) < 300


@pytest.mark.parametrize("inst_id,strike", [("BTC-USD-250328-100000-C", 100000.0),
                                            ("BTC-USD-250328-999999999.12345678-P", 999999999.12345678),
                                            ("ETH-USD-250328-2500.5-C", 2500.5)])
def test_valid_ids_still_parse(inst_id: str, strike: float) -> None:
    assert parse_inst_id(inst_id).strike == strike


BAD_NUMBERS = ["\u0665", "\uff11\uff10", "1_000", "1e400", "-1e400", "1" * 400, "0x10", "1,5", "5\u00a0",
               "\u0661.5", "1e", "+", ".", "nan", "Infinity", "1" * 65]


@pytest.mark.parametrize("text", BAD_NUMBERS, ids=range(len(BAD_NUMBERS)))
def test_non_ascii_and_odd_numbers_are_refused(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_number(text, "pos", limit=1e500)
    assert len(str(info.value)) < 300


def test_huge_json_integer_is_refused_not_overflowing() -> None:
    with pytest.raises(InputError, match="finite"):
        parse_number(10 ** 400, "pos", limit=1e500)


@pytest.mark.parametrize("text,value", [("12", 12.0), ("-0.5", -0.5), ("1e-8", 1e-8), (".5", 0.5), ("5.", 5.0),
                                        (" 7 ", 7.0), ("+3E2", 300.0)])
def test_ascii_decimals_still_parse(text: str, value: float) -> None:
    assert parse_number(text, "pos") == value


@pytest.mark.parametrize("second,field", [("BTC-USDT-SWAP\n", "simPos[1].instId"),
                                          ("BTC-USD-250328-" + "9" * 400 + "-C", "simPos[1].instId"),
                                          ("BTC-USD-250328-\u0665\u0660\u0660\u0660\u0660-C", "simPos[1].instId")])
def test_import_refuses_and_stores_nothing(tmp_path: Path, capsys, second: str, field: str) -> None:
    f = tmp_path / "book.json"
    f.write_text(json.dumps({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}, {"instId": second, "pos": "1"}]}),
                 encoding="utf-8")
    db = tmp_path / "r.db"
    status = main(["import", str(f), "--db", str(db), "--name", "b"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and field in err[0] and len(err[0]) < 400
    assert not db.exists()


def test_unicode_digit_position_size_is_refused_by_import(tmp_path: Path, capsys) -> None:
    f = tmp_path / "book.json"
    f.write_text(json.dumps({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "\uff11\uff10"}]}), encoding="utf-8")
    assert main(["import", str(f), "--db", str(tmp_path / "r.db")]) == 2
    assert "simPos[0].pos" in capsys.readouterr().err

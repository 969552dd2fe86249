"""Item 7 of issue 17: every line printed from input goes through one sanitiser (engine.errors.one_line).

Before: warnings printed raw terminal escape sequences from the input (ESC ]0;... BEL sets the terminal title,
ESC [2J clears the screen), and StoreError lines (which quote paths and names) were only whitespace-collapsed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import one_line, safe_lines
from workstation.cli import main

HOSTILE = ["\x1b]0;pwned\x07", "\x1b[2J", "\x9b31m", "\u202eevil", "line\nbreak", "\ud800"]
RAW = ["\x1b", "\x07", "\x9b", "\u202e", "\ud800"]


def assert_clean(text: str) -> None:
    for ch in RAW:
        assert ch not in text, repr(text)


@pytest.mark.parametrize("bad", HOSTILE, ids=range(len(HOSTILE)))
def test_import_warnings_are_escaped(tmp_path: Path, capsys, bad: str) -> None:
    f = tmp_path / "builder.json"
    # an OKX position-builder body: greeksType is ignored with a warning that quotes it
    f.write_text(json.dumps({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}], "greeksType": bad,
                             "inclRealPosAndEq": False}), encoding="utf-8")
    status = main(["import", str(f), "--db", str(tmp_path / "r.db"), "--name", "b"])
    err = capsys.readouterr().err
    assert status == 0, err
    warnings = [line for line in err.splitlines() if "greeksType" in line]
    assert len(warnings) == 1 and warnings[0].startswith("riskws: warning: ")
    assert_clean(err)


@pytest.mark.parametrize("bad", HOSTILE, ids=range(len(HOSTILE)))
def test_store_errors_quoting_a_path_are_escaped(tmp_path: Path, capsys, bad: str) -> None:
    db = tmp_path / f"x{bad}.db"
    status = main(["export", "b", "--db", str(db), "--out", "-"])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert_clean(err)


def test_one_line_escapes_and_cuts() -> None:
    assert one_line("a\x1b[2Jb\x07\u202e") == "a\\x1b[2Jb\\x07\\u202e"
    assert one_line("x" * 5000).startswith("x" * 999 + "\u2026 [4,001 more characters]")
    assert len(one_line("x" * 10_000_000)) < 1100
    assert safe_lines("ok\n\x1b[2Jrow") == "ok\n\\x1b[2Jrow"


def test_market_list_escapes_stored_names(tmp_path: Path, capsys) -> None:
    market = Path(__file__).resolve().parents[2] / "resources" / "demo" / "market-2025-02-06.json"
    db = tmp_path / "r.db"
    assert main(["import", str(market), "--db", str(db), "--name", "m\x1b]0;pwned\x07"]) == 0
    capsys.readouterr()
    assert main(["market", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "m\\x1b]0;pwned\\x07" in out
    assert_clean(out)

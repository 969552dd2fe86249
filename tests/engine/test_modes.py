"""Account modes: every accepted spelling maps to OKX's acctLv (formats.md section 4), bad ones are one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.modes import acct_lv_of, parse_mode

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.mark.parametrize("text, mode, lv", [
    ("spot", "spot", "1"), ("1", "spot", "1"), (1, "spot", "1"),
    ("futures", "futures", "2"), ("2", "futures", "2"), ("FUTURES", "futures", "2"),
    ("mc", "mc", "3"), ("3", "mc", "3"), ("multi-currency", "mc", "3"),
    ("pm", "pm", "4"), ("4", "pm", "4"), (" PM ", "pm", "4"),
])
def test_every_spelling_of_the_four_modes(text, mode, lv):
    assert parse_mode(text) == mode
    assert acct_lv_of(text) == lv


@pytest.mark.parametrize("bad", ["5", "0", "cross", "", None, True, 3.0])
def test_unknown_mode_is_an_input_error_naming_the_field(bad):
    with pytest.raises(InputError, match=r"^to: unknown account mode"):
        parse_mode(bad, "to")


def _riskws(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workstation.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_unknown_mode_is_one_line_exit_2():
    book = DEMO / "portfolios" / "2-btc-cash-and-carry.json"
    market = DEMO / "market-2025-02-06.json"
    for argv in (["margin", str(book), "--market", str(market), "--mode", "hedge"],
                 ["switch", str(book), "--market", str(market), "--to", "7"]):
        r = _riskws(*argv)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "unknown account mode" in lines[0] and "spot, futures, mc, pm" in lines[0]
        assert r.stdout == ""


def test_cli_acctlv_code_equals_mode_name():
    book = DEMO / "portfolios" / "2-btc-cash-and-carry.json"
    market = DEMO / "market-2025-02-06.json"
    by_code = _riskws("margin", str(book), "--market", str(market), "--mode", "3", "--json")
    by_name = _riskws("margin", str(book), "--market", str(market), "--mode", "mc", "--json")
    assert by_code.returncode == 0, by_code.stderr
    assert by_code.stdout == by_name.stdout and '"acctLv": "3"' in by_code.stdout

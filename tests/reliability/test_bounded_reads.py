"""Item 5 of issue 17: one bounded reader for every input file. Before: /dev/zero or /dev/urandom as a portfolio,
market or rule set was read until MemoryError (3-5 GB), and a FIFO blocked forever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import jsonio
from engine.errors import InputError
from workstation.cli import main

REPO = Path(__file__).resolve().parents[2]
MARKET = REPO / "resources" / "demo" / "market-2025-02-06.json"
BOOK = REPO / "resources" / "demo" / "portfolios" / "5-directional-delta-one.json"


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


def cli_args(role: str, hostile: str) -> list[str]:
    """A command reading ``hostile`` as the portfolio, the market, the rule set or an import."""
    if role == "portfolio":
        return ["margin", hostile, "--market", str(MARKET)]
    if role == "market":
        return ["margin", str(BOOK), "--market", hostile]
    if role == "rules":
        return ["margin", str(BOOK), "--market", str(MARKET), "--rules", hostile]
    return ["import", hostile]


@pytest.mark.parametrize("role", ["portfolio", "market", "rules", "import"])
@pytest.mark.parametrize("hostile,words", [("/dev/zero", "is a device"), ("/dev/urandom", "is a device"),
                                           ("FIFO", "is a FIFO"), ("DIR", "is a directory")])
def test_non_regular_files_are_refused_at_once(tmp_path: Path, fifo: Path, capsys, monkeypatch, role: str,
                                               hostile: str, words: str) -> None:
    monkeypatch.setenv("RISKWS_DB", str(tmp_path / "r.db"))
    target = {"FIFO": str(fifo), "DIR": str(tmp_path)}.get(hostile, hostile)
    status = main(cli_args(role, target))
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and target in err[0] and words in err[0], err
    assert not (tmp_path / "r.db").exists()


def test_a_fifo_with_no_writer_does_not_hang_a_real_process(fifo: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "workstation.cli", "margin", str(fifo), "--market", str(MARKET)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "FIFO" in done.stderr


def test_file_over_the_limit_is_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(jsonio, "MAX_FILE_BYTES", 1000)
    f = tmp_path / "big.json"
    f.write_text(json.dumps({"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}] * 100}), encoding="utf-8")
    assert main(["margin", str(f), "--market", str(MARKET)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "larger than the limit of 1000 bytes" in err[0]


def test_a_file_growing_while_read_is_cut_at_the_limit(tmp_path: Path, monkeypatch) -> None:
    """stat says small, the read finds more: the reader stops at limit + 1 bytes and refuses."""
    f = tmp_path / "grows.json"
    f.write_bytes(b"x" * 5000)
    real_fstat = os.fstat

    class Small:
        def __init__(self, st):
            self.st_mode, self.st_size = st.st_mode, 10

    monkeypatch.setattr(os, "fstat", lambda fd: Small(real_fstat(fd)))
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: (reads.append(n), real_read(fd, n))[1])
    with pytest.raises(InputError, match="grew while read"):
        jsonio.read_text_file(f, limit=100)
    assert sum(reads) <= 101


def test_regular_files_still_read(tmp_path: Path) -> None:
    text, label = jsonio.read_text_file(BOOK)
    assert json.loads(text)["simPos"] and label == str(BOOK)

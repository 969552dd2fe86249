"""Items 8 and 10 of issue 17: exit 2 with one line naming the file where a raw exception (exit 1) came out
before; limits on names and on values echoed in errors; a closed pipe on stdout ends quietly with exit 0."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db.store import Store
from engine.portfolio import Asset, Portfolio, Position
from workstation.cli import main

REPO = Path(__file__).resolve().parents[2]
MARKET = REPO / "resources" / "demo" / "market-2025-02-06.json"
BOOK = REPO / "resources" / "demo" / "portfolios" / "5-directional-delta-one.json"


def run_cli(capsys, *argv: str) -> tuple[int, str, list[str]]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err.strip().splitlines()


def write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_lone_surrogate_in_a_name_is_exit_2_naming_the_file(tmp_path: Path, capsys) -> None:
    f = tmp_path / "book.json"
    f.write_text('{"name": "bad \\ud800 name", "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}]}',
                 encoding="utf-8")
    db = tmp_path / "r.db"
    status, _, err = run_cli(capsys, "import", str(f), "--db", str(db))
    assert status == 2 and len(err) == 1 and str(f) in err[0] and "surrogate" in err[0]
    assert not db.exists()


def test_year_one_with_plus_14_is_exit_2_naming_the_file(tmp_path: Path, capsys) -> None:
    doc = json.loads(MARKET.read_text(encoding="utf-8"))
    doc["ts"] = "0001-01-01T00:00:00+14:00"
    m = write(tmp_path / "m.json", doc)
    status, _, err = run_cli(capsys, "margin", str(BOOK), "--market", str(m))
    assert status == 2 and len(err) == 1 and f"{m}: ts" in err[0]


def test_damaged_pages_found_while_reading_are_exit_2_naming_the_database(tmp_path: Path, capsys) -> None:
    db = tmp_path / "smashed.db"
    with Store(db) as s:
        s.save_portfolio(Portfolio(name="b", assets=(Asset("USDT", 1.0),),
                                   positions=tuple(Position(f"BTC-USD-250328-{1000 + 10 * i}-C", 1.0, None)
                                                   for i in range(3000))))
        s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()[0]
    raw = bytearray(db.read_bytes())
    n_pages = len(raw) // page
    for p in range(n_pages // 2, n_pages - 1):  # data pages of the positions table; the schema page stays whole
        raw[p * page:(p + 1) * page] = b"\xa5" * page
    db.write_bytes(bytes(raw))
    status, out, err = run_cli(capsys, "export", "b", "--db", str(db), "--out", "-")
    assert status == 2 and len(err) == 1 and str(db) in err[0] and "malformed" in err[0]
    assert out == ""


@pytest.fixture
def immutable(tmp_path: Path):
    """A database file nobody (not even root) may write: chattr +i; skipped where the filesystem refuses it."""
    db = tmp_path / "ro.db"
    with Store(db) as s:
        s.save_portfolio(Portfolio(name="old", assets=(Asset("USDT", 1.0),), positions=()))
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    yield db
    subprocess.run(["chattr", "-i", str(db)], check=True)


def test_read_only_database_on_import_is_exit_2_and_leaves_no_sidecars(immutable: Path, capsys) -> None:
    before = hashlib.sha256(immutable.read_bytes()).hexdigest()
    status, _, err = run_cli(capsys, "import", str(BOOK), "--db", str(immutable))
    assert status == 2 and len(err) == 1 and str(immutable) in err[0] and "read-only" in err[0]
    assert hashlib.sha256(immutable.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in immutable.parent.iterdir()) == ["ro.db"]


def test_names_are_limited_and_long_values_are_cut_in_errors(tmp_path: Path, capsys) -> None:
    db = tmp_path / "r.db"
    huge = "n" * 10_000_000
    f = write(tmp_path / "book.json", {"name": huge, "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}]})
    status, out, err = run_cli(capsys, "import", str(f), "--db", str(db))
    assert status == 2 and len(err) == 1 and "longer than 200 characters" in err[0] and len(err[0]) < 1200
    assert not db.exists()
    status, _, err = run_cli(capsys, "import", str(BOOK), "--db", str(db), "--name", "x" * 201)
    assert status == 2 and "--name" in err[0] and len(err[0]) < 1200
    assert run_cli(capsys, "import", str(BOOK), "--db", str(db), "--name", "x" * 200)[0] == 0

    g = write(tmp_path / "id.json", {"simPos": [{"instId": "B" * 10_000_000, "pos": "1"}]})
    status, _, err = run_cli(capsys, "margin", str(g), "--market", str(MARKET))
    assert status == 2 and len(err) == 1 and "simPos[0].instId" in err[0] and len(err[0]) < 1200


def test_closed_pipe_on_stdout_is_exit_0_and_quiet(tmp_path: Path) -> None:
    """`riskws margin ... | head`: the reader is gone before the table is written."""
    proc = subprocess.Popen([sys.executable, "-m", "workstation.cli", "graph", str(BOOK), "--market", str(MARKET)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `head` exiting before riskws writes
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0
    assert err == b""

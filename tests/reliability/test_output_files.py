"""Items 3, 9 and 10 of issue 17: `export --out` cannot destroy the database or replace a FIFO or device; a
failed or killed export leaves no temporary file; a failing export writes nothing to the database."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from db.store import Store
from engine.portfolio import Asset, Portfolio, Position
from workstation.cli import main

REPO = Path(__file__).resolve().parents[2]
FIXTURE_V1 = REPO / "tests" / "fixtures" / "riskws-schema-v1.db"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "book.db"
    with Store(path) as s:
        s.save_portfolio(Portfolio(name="b", assets=(Asset("USDT", 5.0),),
                                   positions=(Position("BTC-USDT-SWAP", 2.0, None),)))
    return path


def export(db: Path, out: str, capsys, *extra: str) -> tuple[int, list[str]]:
    status = main(["export", "b", "--db", str(db), "--out", out, *extra])
    return status, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("how", ["same path", "relative path", "symlink", "hard link", "wal file"])
def test_out_equal_to_the_database_is_refused(db: Path, tmp_path: Path, capsys, monkeypatch, how: str) -> None:
    con = sqlite3.connect(db)  # keep a -wal around for the "wal file" case
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
    con.commit()
    out = {"same path": str(db), "relative path": "book.db", "symlink": str(tmp_path / "link.json"),
           "hard link": str(tmp_path / "hard.json"), "wal file": f"{db}-wal"}[how]
    if how == "symlink":
        os.symlink(db, out)
    if how == "hard link":
        os.link(db, out)
    monkeypatch.chdir(tmp_path)
    before = sha(db), sha(Path(f"{db}-wal"))
    status, err = export(db, out, capsys)
    assert (sha(db), sha(Path(f"{db}-wal"))) == before
    con.close()
    assert status == 2
    assert len(err) == 1 and "database" in err[0] and "refus" in err[0]
    with Store(db) as s:
        assert s.load_portfolio("b").positions[0].pos == 2.0


def test_fifo_is_written_in_place_not_replaced(db: Path, tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    status, err = export(db, str(fifo), capsys)
    reader.join(timeout=30)
    assert status == 0, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(got[0])["simPos"][0]["instId"] == "BTC-USDT-SWAP"


def test_character_device_is_written_in_place(db: Path, capsys) -> None:
    status, err = export(db, "/dev/null", capsys)
    assert status == 0, err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_directory_is_refused(db: Path, tmp_path: Path, capsys) -> None:
    status, err = export(db, str(tmp_path), capsys)
    assert status == 2 and len(err) == 1 and "directory" in err[0]


def test_symlink_target_is_replaced_and_the_link_kept(db: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "real.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    os.symlink(target, link)
    status, err = export(db, str(link), capsys)
    assert status == 0, err
    assert link.is_symlink()
    assert json.loads(target.read_text(encoding="utf-8"))["name"] == "b"


def test_failed_write_leaves_old_file_and_no_temporary(db: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    out = tmp_path / "out.json"
    out.write_text("previous", encoding="utf-8")

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)  # Ctrl-C in the middle of writing the temporary file
    status, _ = export(db, str(out), capsys)
    assert status == 130
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.db", "out.json"]


def test_sigkilled_export_temporary_is_removed_by_the_next_export(db: Path, tmp_path: Path, capsys) -> None:
    """A SIGKILLed export cannot clean up: the next write to the same file removes the temporary file of the dead
    process (and leaves one of a live process alone)."""
    out = tmp_path / "out.json"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.json.riskws-{dead.pid}.tmp"
    stale.write_text('{"half": ', encoding="utf-8")
    live = tmp_path / f".out.json.riskws-{os.getppid()}.tmp"
    live.write_text("in progress", encoding="utf-8")
    status, err = export(db, str(out), capsys)
    assert status == 0, err
    assert not stale.exists() and live.exists()


def test_sigterm_during_the_write_removes_the_temporary(db: Path, tmp_path: Path) -> None:
    script = (f"import os, signal, sys; sys.path.insert(0, {str(REPO)!r})\n"
              "import workstation.output as o\n"
              "real = os.fsync\n"
              "def slow(fd):\n"
              "    print('writing', flush=True); signal.pause()\n"
              "os.fsync = slow\n"
              f"o.write_output(o.Path({str(tmp_path / 'x.json')!r}), 'x' * 100000)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.db"]


def test_export_on_an_empty_file_writes_nothing(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    status = main(["export", "b", "--db", str(empty), "--out", str(tmp_path / "o.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and str(empty) in err[0]
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_export_of_a_missing_book_on_an_old_schema_does_not_migrate(tmp_path: Path, capsys) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(FIXTURE_V1, old)
    before = sha(old)
    status = main(["export", "no such book", "--db", str(old), "--out", str(tmp_path / "o.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and "no such book" in err[0]
    assert sha(old) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]

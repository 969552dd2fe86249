"""A writing process killed with SIGKILL at random moments, 50 times, never leaves a half-written portfolio.

The writer (kill_writer.py) saves books whose name says what they must contain; after each kill the test opens
the database and checks every committed book whole, and the file's integrity. Kills land anywhere: while Python
starts, while the schema is created or migrated, inside a save, between saves.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import shutil

from db import migrations
from db.store import Store

WRITER = Path(__file__).with_name("kill_writer.py")
KILLS = 50
NAME = re.compile(r"^kill-(\d+)-n(\d+)-sum(\d+)$")


def check_whole(store: Store, skip: frozenset = frozenset()) -> int:
    """Number of books checked; AssertionError at the first torn one."""
    books = store.list_portfolios()
    for summary in books:
        if summary.name in skip:
            continue
        p = store.load_portfolio(summary.name)
        n = int(p.asset_amounts()["USDT"])
        assert len(p.positions) == n == summary.n_positions, summary.name
        assert sorted(q.pos for q in p.positions) == [float(i + 1) for i in range(n)], summary.name
        if summary.name != "rolling":
            m = NAME.match(summary.name)
            assert m, summary.name
            assert int(m.group(2)) == n and int(m.group(3)) == n * (n + 1) // 2, summary.name
    return len(books)


def test_fifty_sigkills_leave_only_whole_portfolios(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    rng = random.Random(20250206)
    start = 0
    killed_while_open = 0
    seen: list[int] = []
    server = subprocess.Popen([sys.executable, str(WRITER), "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, bufsize=1)
    try:
        for round_ in range(KILLS):
            server.stdin.write(f"{db} {start}\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            if round_ % 5 == 0:   # anywhere: schema creation or migration, opening, first saves
                time.sleep(rng.uniform(0.0, 0.05))
            else:                 # once the store is open: inside or between saves
                assert server.stdout.readline() == "open\n"
                time.sleep(rng.uniform(0.0, 0.25))
            os.kill(pid, signal.SIGKILL)
            lines = []
            while not (line := server.stdout.readline()).startswith("reaped"):
                lines.append(line)
            assert line.split() == ["reaped", str(int(signal.SIGKILL))], (round_, line, lines)
            killed_while_open += round_ % 5 != 0 or "open\n" in lines
            start += 100_000
            if not db.exists():
                continue
            with Store(db) as store:
                seen.append(check_whole(store))
                assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        server.stdout.close()
    # the run must really have killed writers mid-work, many times
    assert killed_while_open >= KILLS * 4 // 5, killed_while_open
    assert seen and seen[-1] >= 20, seen
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        raw.close()
    print(f"\n{KILLS} kills, {killed_while_open} with the store open, {seen[-1]} whole books at the end")


FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "riskws-schema-v1.db"


def _raw_counts(db: Path) -> dict[str, tuple[int, int]]:
    raw = sqlite3.connect(db)
    try:
        return {n: (p, a) for n, p, a in raw.execute(
            "SELECT name, (SELECT COUNT(*) FROM positions q WHERE q.portfolio_id = p.id), "
            "(SELECT COUNT(*) FROM assets a WHERE a.portfolio_id = p.id) FROM portfolios p")}
    finally:
        raw.close()


def test_sigkill_during_migration_and_backup(tmp_path: Path) -> None:
    """20 writers opening a schema-v1 file (backup, then migration) killed 0-80 ms after the fork: the next open
    finds the v1 books whole and the schema current; every backup that exists is a whole v1 database."""
    rng = random.Random(7)
    server = subprocess.Popen([sys.executable, str(WRITER), "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, bufsize=1)
    migrated_by_writer = 0
    try:
        for round_ in range(20):
            folder = tmp_path / f"r{round_}"
            folder.mkdir()
            db = folder / "old.db"
            shutil.copyfile(FIXTURE, db)
            expected = _raw_counts(db)
            assert len(expected) == 3 and all(p > 0 for p, _ in expected.values())
            server.stdin.write(f"{db} {round_ * 1000}\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.08))
            os.kill(pid, signal.SIGKILL)
            lines = []
            while not (line := server.stdout.readline()).startswith("reaped"):
                lines.append(line)
            raw = sqlite3.connect(db)
            try:
                migrated_by_writer += raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] > 1
            finally:
                raw.close()
            with Store(db) as store:
                assert store.schema_version == migrations.LATEST_VERSION
                check_whole(store, skip=frozenset(expected))
                for name, (n_pos, n_assets) in expected.items():
                    p = store.load_portfolio(name)
                    assert (len(p.positions), len(p.assets)) == (n_pos, n_assets), name
                assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            for backup in folder.glob("old.db.bak-v*"):
                assert ".tmp" not in backup.name, backup.name   # a .tmp and its -journal: removed by the next attempt
                assert _raw_counts(backup) == expected, backup.name
            assert len(list(folder.glob("old.db.bak-v1-*"))) >= 1
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        server.stdout.close()
    print(f"\n20 kills around a migration, {migrated_by_writer} after the writer had migrated")

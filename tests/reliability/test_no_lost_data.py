"""Item 1 of issue 17: a failed import never deletes a database another process wrote to (or has open).

The failing import is driven in this process (a KeyboardInterrupt or a "database is locked" inside
``open_for_write``, exactly where Ctrl-C or the busy timeout hits a real import); the other writer is a separate
``riskws import`` process or a second SQLite connection, which is what SQLite's locks and counters see.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db import store as store_mod
from db.errors import StoreError
from db.store import Store
from engine.portfolio import Asset, Portfolio, Position
from workstation.commands.import_ import open_for_write

REPO = Path(__file__).resolve().parents[2]


def small_book(tmp_path: Path) -> Path:
    f = tmp_path / "small.json"
    f.write_text(json.dumps({"simAsset": [{"ccy": "USDT", "amt": "1000"}],
                             "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "3"}]}), encoding="utf-8")
    return f


def book(name: str) -> Portfolio:
    return Portfolio(name=name, assets=(Asset("USDT", 1.0),), positions=(Position("BTC-USDT-SWAP", 2.0, None),))


def names_in(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in con.execute("SELECT name FROM portfolios"))
    finally:
        con.close()


def leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name))


def test_interrupted_import_keeps_a_book_another_process_imported(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    small = small_book(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        with open_for_write(db) as store:
            assert store.created is not None  # this process created the file
            # meanwhile, a second `riskws import` (a real process) stores "keep" and succeeds
            done = subprocess.run([sys.executable, "-m", "workstation.cli", "import", str(small), "--db", str(db),
                                   "--name", "keep"], cwd=REPO, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            assert "imported" in done.stdout
            raise KeyboardInterrupt  # Ctrl-C while the first import was still working
    assert db.exists(), "the failed import deleted a database another process had written to"
    assert names_in(db) == ["keep"]


def test_failed_import_keeps_a_file_another_connection_has_open(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with pytest.raises(KeyboardInterrupt):
        with open_for_write(db):
            other = sqlite3.connect(db)  # e.g. a window opened on the new file; it has read, not written
            other.execute("SELECT COUNT(*) FROM portfolios").fetchone()
            raise KeyboardInterrupt
    try:
        assert db.exists()
        other.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        other.commit()
    finally:
        other.close()
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM meta WHERE key = 'k'").fetchone() == ("v",)
    con.close()


def test_locked_after_busy_wait_is_exit_2_and_keeps_the_other_writers_data(tmp_path: Path, monkeypatch,
                                                                           capsys) -> None:
    """Our import creates the file, another writer takes the write lock for longer than the busy timeout: our
    save fails with one line (exit 2), and the other writer's transaction still commits into the same file."""
    from workstation.cli import main

    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT_MS", 200)
    db = tmp_path / "new.db"
    small = small_book(tmp_path)
    holder: dict[str, sqlite3.Connection] = {}
    real_save = Store.save_portfolio

    def save_after_someone_locks(self, portfolio, market_name=None, **kw):
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO meta (key, value) VALUES ('big-writer', 'was here')")
        holder["con"] = con
        return real_save(self, portfolio, market_name, **kw)

    monkeypatch.setattr(Store, "save_portfolio", save_after_someone_locks)
    status = main(["import", str(small), "--db", str(db), "--name", "mine"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and str(db) in err[0] and "locked" in err[0]
    assert db.exists()
    holder["con"].execute("COMMIT")
    holder["con"].close()
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM meta WHERE key = 'big-writer'").fetchone() == ("was here",)
    assert con.execute("SELECT COUNT(*) FROM portfolios").fetchone() == (0,)
    con.close()


def test_failed_import_alone_removes_the_file_it_created(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with pytest.raises(KeyboardInterrupt):
        with open_for_write(db) as store:
            store.save_portfolio(book("mine"))  # our own commits do not make the file someone else's
            raise KeyboardInterrupt
    assert leftovers(db) == []


def test_failed_import_never_removes_a_file_it_did_not_create(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Store(db) as s:
        s.save_portfolio(book("old"))
    with pytest.raises(KeyboardInterrupt):
        with open_for_write(db) as store:
            assert store.created is None
            raise KeyboardInterrupt
    assert names_in(db) == ["old"]


def test_a_store_opened_on_a_file_deleted_under_it_opens_the_new_one(tmp_path: Path, monkeypatch) -> None:
    """The other side of the race: a process that opened the path just before the creator removed it notices the
    inode change and opens the file now at the path, so it never writes into a deleted file."""
    db = tmp_path / "race.db"
    with Store(db) as s:
        s.save_portfolio(book("first"))
    real_check = store_mod.check_schema
    calls = {"n": 0}

    def check_then_replace(database, label):
        found = real_check(database, label)
        calls["n"] += 1
        if calls["n"] == 1:  # between our open and our first write, the file is replaced
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        return found

    monkeypatch.setattr(store_mod, "check_schema", check_then_replace)
    with Store(db) as s:
        s.save_portfolio(book("second"))
    assert calls["n"] == 2
    assert names_in(db) == ["second"]


def test_a_new_file_removed_by_its_creator_before_our_first_write_is_opened_again(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """A second writer opens a new, still empty file that another process created; that creator fails and removes
    it after our inode check but before our first write (the schema). SQLite then refuses the write to the unlinked
    file; before, that was a one-line error ("disk I/O error" or "attempt to write a readonly database"). Now the
    path is opened again: this process creates the file and its book is saved."""
    from db.ownership import CreatedFile

    db = tmp_path / "new.db"
    assert CreatedFile.claim(db) is not None          # the other process's empty new file
    real_same_inode = store_mod.same_inode
    removed = []

    def same_then_removed_by_creator(path, before):
        same = real_same_inode(path, before)
        if same and not removed:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            removed.append(True)
        return same

    monkeypatch.setattr(store_mod, "same_inode", same_then_removed_by_creator)
    with Store(db) as s:
        assert s.created is not None                   # opened again: now this process created it
        s.save_portfolio(book("keep"))
    assert removed and names_in(db) == ["keep"]


def test_a_write_to_a_file_removed_after_it_was_opened_says_so_and_writes_nothing(tmp_path: Path) -> None:
    """The file is removed (by someone else) while our store has it open: SQLite refuses the write to the unlinked
    file, and the error says what happened instead of "disk I/O error" or "attempt to write a readonly database"."""
    db = tmp_path / "gone.db"
    s = Store(db)
    try:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        with pytest.raises(StoreError) as err:
            s.save_portfolio(book("lost"))
    finally:
        s.close()
    message = str(err.value)
    assert message.startswith(f"{db}: the file was removed or replaced by another process after it was opened")
    assert "\n" not in message and message.endswith("open it again; nothing was written")
    assert not db.exists()


def test_sqlite_uri_as_db_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="URI"):
        Store("file:x.db?mode=memory")
    assert list(tmp_path.iterdir()) == []


def test_failed_open_of_a_new_file_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    from db import migrations

    def v1_broken(db) -> None:
        raise RuntimeError("half way")

    monkeypatch.setattr(migrations, "MIGRATIONS", [v1_broken])
    with pytest.raises(RuntimeError):
        Store(tmp_path / "b.db")
    assert list(tmp_path.iterdir()) == []


ROUNDS = 40


def test_rounds_of_a_failing_creator_against_a_second_writer(tmp_path: Path) -> None:
    """ROUNDS random interleavings of two writers on a new path (two connections, two threads; SQLite's locks and
    counters work between connections of one process as between processes): A creates the file and fails at a
    random moment, B imports "keep" at a random moment. Whenever B reported success, "keep" is in the file."""
    import random
    import threading
    import time

    rng = random.Random(17)
    kept = removed = 0
    for r in range(ROUNDS):
        db = tmp_path / f"round{r}.db"
        b_ok: list[bool] = []

        def creator() -> None:
            try:
                with open_for_write(db) as store:
                    time.sleep(rng.random() * 0.02)
                    if rng.random() < 0.5:
                        store.save_portfolio(book("mine"))
                    raise KeyboardInterrupt
            except (KeyboardInterrupt, StoreError):
                pass

        def second() -> None:
            time.sleep(rng.random() * 0.03)
            try:
                with Store(db) as s:
                    s.save_portfolio(book("keep"))
                b_ok.append(True)
            except StoreError:
                b_ok.append(False)

        threads = [threading.Thread(target=creator), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        if b_ok == [True]:
            assert db.exists(), f"round {r}: the second writer's book was deleted"
            assert "keep" in names_in(db), f"round {r}"
            kept += 1
        elif not db.exists():
            removed += 1
    print(f"\nconcurrency rounds: {ROUNDS}, second writer kept {kept}, file removed by its creator {removed}")
    assert kept > ROUNDS // 4  # the interleavings do reach the case that used to lose data


def test_a_writer_that_commits_and_closes_just_before_the_creator_leaves_wal_keeps_its_book(
        tmp_path: Path, monkeypatch) -> None:
    """The interleaving the random rounds above found about once in 25 runs under load: the creator checks that
    nobody committed (data_version unchanged), then a second writer saves "keep" and closes, then the creator
    switches the file out of WAL mode (which needs nobody else connected: true again) and would remove it. The
    second writer reported success: its book must stay."""
    from db.ownership import CreatedFile

    db = tmp_path / "new.db"
    creator = Store(db)
    assert creator.created is not None
    leave_wal = CreatedFile._leave_wal

    def second_writer_first(conn):
        with Store(db) as other:
            other.save_portfolio(book("keep"))
        return leave_wal(conn)

    monkeypatch.setattr(CreatedFile, "_leave_wal", staticmethod(second_writer_first))
    assert creator.discard_if_created() is False
    assert db.exists() and names_in(db) == ["keep"]


def test_a_failed_creator_alone_still_removes_its_file(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    creator = Store(db)
    creator.save_portfolio(book("mine"))
    assert creator.discard_if_created() is True
    assert not db.exists() and not any(tmp_path.iterdir())

"""Saved what-ifs follow their portfolio: a rename moves them, a duplicate copies them, a delete drops them, and a
new portfolio that takes a deleted one's name starts with none. Before ``db.whatifs`` they were keyed by the name
alone and stayed behind (a renamed book lost them; a new book under an old name inherited them)."""

from __future__ import annotations

import pytest

from db import whatifs
from db.store import Store
from engine.portfolio import Portfolio, Position

CRASH = {"name": "crash", "index": {"BTC": -0.2}}
RALLY = {"name": "rally", "index": {"BTC": 0.1}}


def _book(name: str) -> Portfolio:
    return Portfolio(name=name, positions=(Position("BTC-USDT-SWAP", 1.0),))


def _save(store: Store, portfolio: str, docs: list[dict]) -> None:
    with store.transaction():
        whatifs.store_list(store.db, portfolio, docs)


@pytest.fixture
def store(tmp_db: Store) -> Store:
    tmp_db.save_portfolio(_book("Book A"))
    _save(tmp_db, "Book A", [CRASH, RALLY])
    return tmp_db


def test_saved_list_round_trips(store: Store) -> None:
    assert whatifs.load(store.db, "Book A") == [CRASH, RALLY]
    _save(store, "Book A", [RALLY])
    assert whatifs.load(store.db, "Book A") == [RALLY]
    _save(store, "Book A", [])
    assert store.get_meta("whatifs:Book A") is None          # an empty list leaves no key behind


def test_rename_moves_them(store: Store) -> None:
    store.rename_portfolio("Book A", "Book B")
    assert whatifs.load(store.db, "Book B") == [CRASH, RALLY]
    assert whatifs.load(store.db, "Book A") == []
    store.save_portfolio(_book("Book A"))                      # a new book under the old name starts clean
    assert whatifs.load(store.db, "Book A") == []


def test_duplicate_copies_them_independently(store: Store) -> None:
    store.duplicate_portfolio("Book A", "Book A copy")
    assert whatifs.load(store.db, "Book A copy") == [CRASH, RALLY]
    _save(store, "Book A copy", [RALLY])
    assert whatifs.load(store.db, "Book A") == [CRASH, RALLY]


def test_delete_drops_them(store: Store) -> None:
    store.delete_portfolio("Book A")
    assert store.get_meta("whatifs:Book A") is None
    store.save_portfolio(_book("Book A"))
    assert whatifs.load(store.db, "Book A") == []


def test_replacing_a_book_by_name_keeps_them(store: Store) -> None:
    store.save_portfolio(_book("Book A"))                      # an import that replaces the same book
    assert whatifs.load(store.db, "Book A") == [CRASH, RALLY]


def test_a_leftover_from_an_older_version_is_not_inherited(tmp_db: Store) -> None:
    tmp_db.set_meta("whatifs:Old book", '[{"name": "stale"}]')  # deleted by a riskws before this fix
    tmp_db.save_portfolio(_book("Old book"))
    assert whatifs.load(tmp_db.db, "Old book") == []


def test_a_failed_rename_moves_nothing(store: Store) -> None:
    store.save_portfolio(_book("Book B"))
    _save(store, "Book B", [RALLY])
    with pytest.raises(Exception):
        store.rename_portfolio("Book A", "Book B")             # the name is taken: nothing changes
    assert whatifs.load(store.db, "Book A") == [CRASH, RALLY]
    assert whatifs.load(store.db, "Book B") == [RALLY]


@pytest.mark.parametrize("raw", ["not json", '{"a": 1}', "[1, 2]"])
def test_unreadable_stored_text_reads_as_none(tmp_db: Store, raw: str) -> None:
    tmp_db.set_meta("whatifs:X", raw)
    assert whatifs.load(tmp_db.db, "X") == []

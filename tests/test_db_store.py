"""Store: round trips of every field, replace-by-name, rename/duplicate/delete, one-transaction writes."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from types import MappingProxyType

import pytest

from db.errors import NameTakenError, NotFoundError, StoreError
from db.store import Store
from engine.market import Market
from engine.portfolio import Asset, Portfolio, Position


def full_portfolio(name: str = "Book A") -> Portfolio:
    """Every field set, with awkward values: negative and fractional amounts, missing avgPx, unsorted ids."""
    return Portfolio(
        name=name, acct_lv="3", rules="okx-2024-12",
        assets=(Asset("USDT", -12345.678901), Asset("BTC", 0.1), Asset("ETH", 3e-8)),
        positions=(Position("ETH-USDT-SWAP", -7.5, 2701.33), Position("BTC-USD-250328-100000-C", 12.0),
                   Position("BTC-USDT-SWAP", 0.01, 1e-9 + 96000.0)),
        spot_in_use=(Asset("BTC", 0.05), Asset("ETH", 1.25)),
        lever=(("ETH-USDT", 3.5), ("BTC-USDT", 20.0)),
    )


def market(ts: str, btc: float = 96850.2) -> Market:
    return Market(ts=datetime.fromisoformat(ts).replace(tzinfo=timezone.utc),
                  index=MappingProxyType({"BTC-USD": btc, "USDT-USD": 0.99954}),
                  mark_px=MappingProxyType({"BTC-USDT-SWAP": 96871.5}),
                  mark_vol=MappingProxyType({"BTC-USD-250328-100000-C": 0.52}),
                  atm_vol=MappingProxyType({"BTC": 0.53}))


def test_portfolio_round_trip_keeps_every_field(tmp_db: Store) -> None:
    p = full_portfolio()
    tmp_db.save_portfolio(p)
    back = tmp_db.load_portfolio("Book A")
    assert back == p
    assert back.rules == "okx-2024-12" and back.acct_lv == "3"
    assert back.positions[1].avg_px is None
    assert back.lever == (("ETH-USDT", 3.5), ("BTC-USDT", 20.0))
    assert back.spot_in_use == (Asset("BTC", 0.05), Asset("ETH", 1.25))


def test_round_trip_survives_reopening_the_file(tmp_path) -> None:
    with Store(tmp_path / "a.db") as store:
        store.save_portfolio(full_portfolio())
    with Store(tmp_path / "a.db") as store:
        assert store.load_portfolio("Book A") == full_portfolio()


def test_positions_keep_input_order(tmp_db: Store) -> None:
    ids = ["SOL-USDT-SWAP", "BTC-USDT-SWAP", "LTC-USDT-SWAP", "ETH-USDT-SWAP", "BTC-USD-SWAP"]
    p = Portfolio(name="order", positions=tuple(Position(i, float(n + 1)) for n, i in enumerate(ids)))
    tmp_db.save_portfolio(p)
    assert [q.inst_id for q in tmp_db.load_portfolio("order").positions] == ids


def test_save_replaces_by_name(tmp_db: Store) -> None:
    tmp_db.save_portfolio(full_portfolio())
    smaller = Portfolio(name="Book A", acct_lv="4", assets=(Asset("USDC", 5.0),),
                        positions=(Position("BTC-USDC-SWAP", 1.0),))
    tmp_db.save_portfolio(smaller)
    assert tmp_db.load_portfolio("Book A") == smaller
    assert [s.name for s in tmp_db.list_portfolios()] == ["Book A"]
    n_rows = tmp_db.db.execute("SELECT COUNT(*) FROM positions").fetchone()[0]
    assert n_rows == 1


def test_list_portfolios_summaries(tmp_db: Store) -> None:
    tmp_db.save_portfolio(full_portfolio("b book"))
    tmp_db.save_portfolio(Portfolio(name="A book", acct_lv="4"))
    summaries = tmp_db.list_portfolios()
    assert [s.name for s in summaries] == ["A book", "b book"]
    a, b = summaries
    assert (a.acct_lv, a.rules, a.n_positions) == ("4", None, 0)
    assert (b.acct_lv, b.rules, b.n_positions) == ("3", "okx-2024-12", 3)
    assert b.updated_at.endswith("Z") and b.updated_at.startswith(str(datetime.now(timezone.utc).year))


def test_updated_at_moves_on_save(tmp_db: Store) -> None:
    tmp_db.save_portfolio(full_portfolio())
    first = tmp_db.list_portfolios()[0].updated_at
    time.sleep(0.002)
    tmp_db.save_portfolio(full_portfolio())
    assert tmp_db.list_portfolios()[0].updated_at > first


def test_rename(tmp_db: Store) -> None:
    tmp_db.save_portfolio(full_portfolio())
    tmp_db.rename_portfolio("Book A", "Book Z")
    assert tmp_db.load_portfolio("Book Z").positions == full_portfolio().positions
    assert tmp_db.load_portfolio("Book Z").name == "Book Z"
    with pytest.raises(NotFoundError):
        tmp_db.load_portfolio("Book A")


def test_rename_onto_existing_name_changes_nothing(tmp_db: Store) -> None:
    tmp_db.save_portfolio(full_portfolio("one"))
    tmp_db.save_portfolio(Portfolio(name="two"))
    with pytest.raises(NameTakenError, match="'two' already exists"):
        tmp_db.rename_portfolio("one", "two")
    assert tmp_db.load_portfolio("one") == full_portfolio("one")
    assert tmp_db.load_portfolio("two") == Portfolio(name="two")


def test_duplicate_is_independent_copy(tmp_db: Store, demo_market: Market) -> None:
    tmp_db.save_market("snap", demo_market)
    tmp_db.save_portfolio(full_portfolio(), market_name="snap")
    tmp_db.duplicate_portfolio("Book A", "Book A copy")
    copy = tmp_db.load_portfolio("Book A copy")
    assert copy == full_portfolio("Book A copy")
    assert tmp_db.portfolio_market_name("Book A copy") == "snap"
    tmp_db.save_portfolio(Portfolio(name="Book A copy"))
    assert tmp_db.load_portfolio("Book A") == full_portfolio()
    with pytest.raises(NameTakenError):
        tmp_db.duplicate_portfolio("Book A", "Book A copy")


def test_delete_removes_child_rows(tmp_db: Store) -> None:
    tmp_db.save_portfolio(full_portfolio("keep"))
    tmp_db.save_portfolio(full_portfolio("drop"))
    tmp_db.delete_portfolio("drop")
    assert [s.name for s in tmp_db.list_portfolios()] == ["keep"]
    for table in ("assets", "positions", "spot_in_use"):
        pids = {r[0] for r in tmp_db.db.execute(f"SELECT DISTINCT portfolio_id FROM {table}").fetchall()}
        assert len(pids) == 1, table
    assert tmp_db.load_portfolio("keep") == full_portfolio("keep")


@pytest.mark.parametrize("call", [
    lambda s: s.load_portfolio("nope"),
    lambda s: s.rename_portfolio("nope", "x"),
    lambda s: s.duplicate_portfolio("nope", "x"),
    lambda s: s.delete_portfolio("nope"),
    lambda s: s.market_for_portfolio("nope"),
    lambda s: s.load_market("nope"),
])
def test_missing_names_raise_keyerror_like_store_error(tmp_db: Store, call) -> None:
    with pytest.raises(NotFoundError) as info:
        call(tmp_db)
    assert isinstance(info.value, KeyError) and isinstance(info.value, StoreError)
    assert "'nope'" in str(info.value) and not str(info.value).startswith('"')


@pytest.mark.parametrize("bad", [None, "", "   ", " padded"])
def test_save_rejects_bad_names(tmp_db: Store, bad) -> None:
    with pytest.raises(StoreError):
        tmp_db.save_portfolio(Portfolio(name=bad))
    assert tmp_db.list_portfolios() == []


def test_failure_mid_write_leaves_previous_version(tmp_db: Store, monkeypatch) -> None:
    old = full_portfolio()
    tmp_db.save_portfolio(old)
    from sqlite_utils.db import Table

    real = Table.insert_all

    def failing(self, records, *args, **kwargs):
        if self.name == "positions":
            records = list(records)
            real(self, records[:1], *args, **kwargs)  # some rows are already written when it fails
            raise RuntimeError("disk on fire")
        return real(self, records, *args, **kwargs)

    monkeypatch.setattr(Table, "insert_all", failing)
    new = Portfolio(name="Book A", acct_lv="4", assets=(Asset("USDC", 1.0),),
                    positions=(Position("BTC-USDC-SWAP", 1.0), Position("ETH-USDC-SWAP", 2.0)))
    with pytest.raises(RuntimeError, match="disk on fire"):
        tmp_db.save_portfolio(new)
    monkeypatch.setattr(Table, "insert_all", real)
    assert tmp_db.load_portfolio("Book A") == old
    assert not tmp_db.db.conn.in_transaction
    # and a first save that fails leaves no trace at all
    monkeypatch.setattr(Table, "insert_all", failing)
    with pytest.raises(RuntimeError):
        tmp_db.save_portfolio(full_portfolio("fresh"))
    monkeypatch.setattr(Table, "insert_all", real)
    assert [s.name for s in tmp_db.list_portfolios()] == ["Book A"]


def test_ten_thousand_positions_round_trip(tmp_db: Store) -> None:
    """Exact round trip of a large book (its speed is measured in bench/, not asserted here)."""
    positions = tuple(Position(f"BTC-USD-250328-{20000 + 50 * n}-{'CP'[n % 2]}", float(n % 97 - 48) or 1.0,
                               None if n % 3 else 0.01 * (n + 1)) for n in range(10000))
    p = Portfolio(name="big", positions=positions)
    tmp_db.save_portfolio(p)
    assert tmp_db.load_portfolio("big") == p


def test_markets_round_trip_and_listing(tmp_db: Store, demo_market: Market) -> None:
    tmp_db.save_market("demo", demo_market)
    tmp_db.save_market("older", market("2025-01-01T08:00:00"))
    assert tmp_db.load_market("demo") == demo_market
    assert [m.name for m in tmp_db.list_markets()] == ["demo", "older"]
    assert tmp_db.list_markets()[0].ts == "2025-02-06T08:00:00Z"
    replaced = market("2025-01-01T08:00:00", btc=50000.0)
    tmp_db.save_market("older", replaced)
    assert tmp_db.load_market("older").index["BTC-USD"] == 50000.0
    assert len(tmp_db.list_markets()) == 2


def test_market_for_portfolio_linked_newest_or_none(tmp_db: Store) -> None:
    tmp_db.save_portfolio(Portfolio(name="p"))
    assert tmp_db.market_for_portfolio("p") is None
    tmp_db.save_market("jan", market("2025-01-01T08:00:00", btc=90000.0))
    assert tmp_db.market_for_portfolio("p").index["BTC-USD"] == 90000.0
    tmp_db.save_market("feb", market("2025-02-01T08:00:00", btc=95000.0))
    assert tmp_db.market_for_portfolio("p").index["BTC-USD"] == 95000.0  # newest
    tmp_db.save_portfolio(Portfolio(name="p"), market_name="jan")
    assert tmp_db.market_for_portfolio("p").index["BTC-USD"] == 90000.0  # linked
    tmp_db.save_portfolio(Portfolio(name="p", acct_lv="3"))               # None keeps the link
    assert tmp_db.portfolio_market_name("p") == "jan"
    tmp_db.delete_market("jan")
    assert tmp_db.market_for_portfolio("p").index["BTC-USD"] == 95000.0


def test_save_with_unknown_market_writes_nothing(tmp_db: Store) -> None:
    with pytest.raises(NotFoundError, match="market snapshot named 'ghost'"):
        tmp_db.save_portfolio(full_portfolio(), market_name="ghost")
    assert tmp_db.list_portfolios() == []


def test_context_manager_closes(tmp_path) -> None:
    import sqlite3

    with Store(tmp_path / "c.db") as store:
        store.save_portfolio(Portfolio(name="x"))
    with pytest.raises(sqlite3.ProgrammingError):
        store.db.execute("SELECT 1")


def test_reader_is_not_blocked_by_an_open_write(tmp_path) -> None:
    """WAL: a second connection (e.g. the CLI while the window is open) reads the last committed version."""
    path = tmp_path / "shared.db"
    with Store(path) as writer, Store(path) as reader:
        writer.save_portfolio(full_portfolio())
        writer.db.conn.execute("BEGIN IMMEDIATE")
        writer.db.conn.execute("UPDATE portfolios SET acct_lv = '4'")
        t0 = time.perf_counter()
        assert reader.load_portfolio("Book A").acct_lv == "3"
        # a reader blocked by the writer would wait out the 5 s busy timeout; a generous bound below it
        assert time.perf_counter() - t0 < 4.0
        writer.db.conn.execute("COMMIT")
        assert reader.load_portfolio("Book A").acct_lv == "4"


def test_isolated_position_keeps_mode_and_margin(tmp_db) -> None:
    """Issue 18: an isolated position's margin mode and margin survive a save and a load (schema v5)."""
    from engine import load_portfolio

    p = load_portfolio({"name": "iso", "acctLv": "2", "simAsset": [{"ccy": "USDT", "amt": "1000"}],
                        "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "3", "mgnMode": "isolated", "margin": "250.5"},
                                   {"instId": "ETH-USDT-SWAP", "pos": "-2"}]})
    tmp_db.save_portfolio(p)
    back = tmp_db.load_portfolio("iso")
    assert back.acct_lv == "2"
    assert [(q.mgn_mode, q.margin) for q in back.positions] == [("isolated", 250.5), ("cross", None)]

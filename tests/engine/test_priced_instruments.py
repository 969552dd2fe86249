"""``build_book`` gathers the instruments' priced terms a book on the same market already produced
(``engine.priced_instruments``). The reference is the row-by-row path (``book._priced`` over every position, what
``build_book`` did before and still does when the memo is bypassed): every array equal, bit for bit, the greeks
too, after an edit (one size changed, one instrument added, one removed), on a new market object, and the errors and
warnings of what cannot be priced unchanged.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from bench import synthetic
from engine import book as book_mod
from engine import load_market, priced_instruments
from engine.errors import InputError
from engine.portfolio import Position

from test_curve_vectorised import BOOKS, edge_book

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@pytest.fixture(scope="module")
def market():
    return load_market(DEMO / "market-2025-02-06.json")


def row_path(portfolio, market, monkeypatch):
    """The book as the row-by-row path builds it (the memo neither asked nor filled)."""
    with monkeypatch.context() as m:
        m.setattr(priced_instruments.Table, "new_rows", lambda self, rows: np.ones(rows.size, dtype=bool))  # row path
        m.setattr(priced_instruments.Table, "keep", lambda *a: None)
        return book_mod.build_book(portfolio, market)


def assert_same_book(a, b):
    for f in fields(book_mod.Book):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f.name
        else:
            assert x == y, f.name
    for x, y in zip(a._option_greeks, b._option_greeks):
        assert np.array_equal(x, y)
    assert np.array_equal(a.cash_delta_usd(), b.cash_delta_usd())
    assert all(np.array_equal(x, y) for x, y in zip(a.greeks_usd(), b.greeks_usd()))


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_cold_and_warm_equal_the_row_path(name, market, monkeypatch):
    p = BOOKS[name]()
    ref = row_path(p, market, monkeypatch)
    priced_instruments.clear()
    assert_same_book(book_mod.build_book(p, market), ref)      # cold: the row path, its terms kept
    assert_same_book(book_mod.build_book(p, market), ref)      # warm: gathered
    half = replace(p, positions=p.positions[: (len(p.positions) + 1) // 2])
    priced_instruments.clear()
    book_mod.build_book(half, market)                          # the other half's instruments priced on their own
    assert_same_book(book_mod.build_book(p, market), ref)


def test_desk_after_edits(monkeypatch):
    p, m = synthetic.desk()
    priced_instruments.clear()
    book_mod.build_book(p, m)
    pos = list(p.positions)
    pos[7] = replace(pos[7], pos=pos[7].pos * 2.0 + 1.0)                 # a size changed
    pos.append(Position("BTC-USDT-SWAP", 3.0, avg_px=95000.0))             # maybe new to the book
    del pos[100]                                                          # a position removed
    edited = replace(p, positions=tuple(pos))
    assert_same_book(book_mod.build_book(edited, m), row_path(edited, m, monkeypatch))
    other = replace(m, index=dict(m.index))                               # a new market object: nothing kept
    assert_same_book(book_mod.build_book(edited, other), row_path(edited, other, monkeypatch))


def test_forward_of_the_snapshot_and_atm_vol(market, monkeypatch):
    """OKX's fwdPx per option and an option valued on its underlying's atmVol are per instrument too."""
    p = edge_book()
    opts = [x.inst_id for x in p.positions if x.inst_id.endswith(("-C", "-P"))]
    vols = {k: v for k, v in market.mark_vol.items() if k != opts[0]}
    m = replace(market, mark_vol=vols, fwd_px={opts[1]: 99_000.0})
    ref = row_path(p, m, monkeypatch)
    assert ref.fwd[[x.inst_id for x in p.positions].index(opts[1])] == 99_000.0
    priced_instruments.clear()
    assert_same_book(book_mod.build_book(p, m), ref)
    assert_same_book(book_mod.build_book(p, m), ref)


def test_errors_and_warnings_are_not_kept(market):
    """A mark missing (valued at the index, with a warning) and a vol missing (an error) come out as before."""
    p = edge_book()
    marks = {k: v for k, v in market.mark_px.items() if k != "BTC-USDT-SWAP"}
    m = replace(market, mark_px=marks)
    priced_instruments.clear()
    for _ in range(2):
        b = book_mod.build_book(p, m)
        assert b.warnings == ("BTC-USDT-SWAP: no mark price in the market snapshot; valued at the index",)
    vols = {k: v for k, v in market.mark_vol.items() if k != "BTC-USD-250207-96000-C"}
    m2 = replace(market, mark_vol=vols, atm_vol={})
    for _ in range(2):
        with pytest.raises(InputError, match="markVol has no BTC-USD-250207-96000-C and atmVol has no BTC"):
            book_mod.build_book(p, m2)


def test_a_table_outlives_its_market_leaving_the_memo(market, monkeypatch):
    """More markets than ``KEEP`` in other threads between a build's look-up and its gather: the build reads the
    table it holds, whole (not a new empty one)."""
    p = edge_book()
    ref = row_path(p, market, monkeypatch)
    priced_instruments.clear()
    book_mod.build_book(p, market)
    real = priced_instruments.Table.new_rows

    def evicting(self, rows):
        out = real(self, rows)
        for _ in range(priced_instruments.KEEP + 1):
            priced_instruments.table_for(replace(market))
        return out

    monkeypatch.setattr(priced_instruments.Table, "new_rows", evicting)
    assert_same_book(book_mod.build_book(p, market), ref)

"""Per market, the priced terms of every instrument a book on it has used, so that building the next book on the
same market (a recompute after an edit: one position's size changed, one added) gathers rows instead of pricing
families, looking up vols and forwards and running Black-76 again for every position.

What is kept depends only on the instrument and the market, never on a position: kind, index, stablecoin rate,
time to expiry, forward, vol, mark, strike and call flag as ``book._priced`` gives them, and the options' Black-76
greeks per unit of underlying (``pricing.black76_greeks``). An instrument not yet seen on a market is priced by the
same code as a book row (``book._priced`` over the new instruments), and every figure is elementwise, so a book
built from here equals the one built from the positions bit for bit (tests/engine/test_priced_instruments.py).

Keyed by the market *object* (a ``Market`` is frozen): a new snapshot, a shifted or what-if market starts empty.
A few markets are kept (``KEEP``); what cannot be priced (an error, a mark missing and valued at the index) is not
kept, so the caller's own path raises or warns exactly as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
import numpy as np

from .market import Market

KEEP = 4          # markets remembered (the document's market, a compare or fetched one, ...)
FIELDS = ("kind", "spot", "quote_fx", "fwd", "strike", "vol", "t_years", "is_call", "mark")
GREEKS = ("delta", "gamma", "vega", "theta")


@dataclass
class Table:
    """Priced terms per instrument row (``instrument_rows.SEEN``) of one market; ``done`` marks the priced rows.

    A caller holds the table it got from ``table_for`` for the whole build: a market dropped from the memo meanwhile
    (more than ``KEEP`` markets in other threads) only stops being found, the table stays whole."""

    market: Market
    done: np.ndarray
    cols: dict[str, np.ndarray]

    def _grow(self, n: int) -> None:
        """Room for ``n`` instrument rows (new arrays: a reader holding the old ones stays consistent)."""
        if n <= self.done.size:
            return
        size = max(n, 2 * self.done.size)
        done = np.zeros(size, dtype=bool)
        done[:self.done.size] = self.done
        cols = {}
        for k, a in self.cols.items():
            b = np.zeros(size, dtype=a.dtype)
            b[:a.size] = a
            cols[k] = b
        self.done, self.cols = done, cols

    def new_rows(self, rows: np.ndarray) -> np.ndarray:
        """Per position of instrument ``rows``: True where its instrument is not priced here yet."""
        with _LOCK:
            self._grow(int(rows.max()) + 1 if rows.size else 0)
            done = self.done
        return ~done[rows]

    def keep(self, rows: np.ndarray, cols: dict[str, np.ndarray]) -> None:
        """Remember the columns ``cols`` of instrument ``rows`` (repeats allowed: an instrument's values are equal)."""
        with _LOCK:
            self._grow(int(rows.max()) + 1 if rows.size else 0)
            for k, v in cols.items():
                self.cols[k][rows] = v
            self.done[rows] = True

    def gather(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """The columns of ``FIELDS + GREEKS`` per position of instrument ``rows`` (all priced here)."""
        with _LOCK:
            cols = self.cols
        return {k: v[rows] for k, v in cols.items()}


_TABLES: OrderedDict[int, Table] = OrderedDict()
_LOCK = threading.Lock()


def table_for(market: Market) -> Table:
    """The table of ``market`` (the object itself: identity), new and empty the first time."""
    with _LOCK:
        t = _TABLES.get(id(market))
        if t is None or t.market is not market:
            cols = {k: np.zeros(0, dtype=np.int8 if k == "kind" else bool if k == "is_call" else float)
                    for k in FIELDS + GREEKS}
            t = Table(market, np.zeros(0, dtype=bool), cols)
            _TABLES[id(market)] = t
            while len(_TABLES) > KEEP:
                _TABLES.popitem(last=False)
        else:
            _TABLES.move_to_end(id(market))
        return t


def clear() -> None:
    """Forget every market (tests; a process that wants the cold figures)."""
    with _LOCK:
        _TABLES.clear()

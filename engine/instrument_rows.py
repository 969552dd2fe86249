"""Every instrument resolved so far, as rows of its static contract fields, and the families they belong to.

Process-wide and append-only: ``build_book`` resolves each instrument id (or id and snapshot specification) once,
then gathers rows from here as numpy columns. A row's index never changes, so books built earlier stay valid.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np

from .catalogue import Instrument, InstSpec, instrument_from_spec, is_stablecoin, resolve


@dataclass(frozen=True)
class Family:
    """What the positions of one underlying, quote currency, contract kind and expiry share."""

    underlying: str
    quote: str
    kind: str                # "swap", "future" or "option"
    ct_type: str
    settle_ccy: str
    expiry: datetime | None
    tag: str = ""            # "_UM": OKX's USD-margined family of the same underlying and quote (catalogue.split_quote)

    @property
    def name(self) -> str:
        """OKX's instrument family, e.g. ``BTC-USDT``, ``BTC-USD_UM``."""
        return f"{self.underlying}-{self.quote}{self.tag}"


@lru_cache(maxsize=64)
def denomination(quote: str) -> str:
    """The denomination a contract's cash delta counts in: its stablecoin quote, else USD (coin-margined)."""
    return quote if is_stablecoin(quote) else "USD"


_FAMILY_IDS: dict[Family, int] = {}
FAMILIES: list[Family] = []


def _family_id(inst: Instrument) -> int:
    fam = Family(inst.underlying, inst.quote, inst.kind, inst.ct_type, inst.settle_ccy, inst.expiry, inst.family_tag)
    fid = _FAMILY_IDS.get(fam)
    if fid is None:
        fid = _FAMILY_IDS[fam] = len(FAMILIES)
        FAMILIES.append(fam)
    return fid


SeenKey = str | tuple[str, InstSpec]


class _Seen:
    """Every instrument resolved so far, with its static fields as numpy columns (rebuilt when ids arrive).

    Keyed by the instrument id when the shipped catalogue specifies it, by (id, specification) when a snapshot
    does: two snapshots that give the same id different contract sizes resolve to two rows.
    """

    def __init__(self) -> None:
        self.row: dict[str, int] = {}
        self.instruments: list[Instrument] = []
        self._fields: list[tuple[int, float, bool, float]] = []   # family id, strike (nan), is call, units/contract
        self._columns: tuple[np.ndarray, ...] | None = None
        self._lock = threading.Lock()

    def rows(self, ids: list[SeenKey]) -> np.ndarray:
        """Row of each key (resolving new ones in order, so the first bad id raises its InputError)."""
        row = self.row
        try:
            return np.array(list(map(row.__getitem__, ids)), dtype=np.int64)
        except KeyError:
            with self._lock:
                for inst_id in ids:
                    if inst_id not in row:
                        self._add(inst_id)
            return np.array(list(map(row.__getitem__, ids)), dtype=np.int64)

    def _add(self, inst_id: SeenKey) -> None:
        inst = instrument_from_spec(*inst_id) if isinstance(inst_id, tuple) else resolve(inst_id, None)
        strike = inst.strike if inst.kind == "option" else np.nan
        self._fields.append((_family_id(inst), strike, bool(inst.is_call), inst.units_per_contract))
        self.instruments.append(inst)
        self._columns = None
        self.row[inst_id] = len(self.instruments) - 1

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(family id, strike, is call, units per contract) of every row."""
        cols = self._columns
        if cols is None:
            with self._lock:
                fields = self._fields
                cols = (np.array([f[0] for f in fields], dtype=np.int64), np.array([f[1] for f in fields], dtype=float),
                        np.array([f[2] for f in fields], dtype=bool), np.array([f[3] for f in fields], dtype=float))
                self._columns = cols
        return cols


SEEN = _Seen()

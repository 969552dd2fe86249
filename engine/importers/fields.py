"""Validators for one edited value at a time (the GUI's cell editors), with the same rules and limits as the
portfolio file: ``position_from_fields("BTC-USDT-SWAP", "12", "", where="row 3")`` -> Position or InputError."""

from __future__ import annotations

from typing import Any

from ..catalogue import known_currencies, parse_inst_id
from ..errors import InputError
from ..numbers import parse_number
from ..portfolio import MAX_ASSET, MAX_CONTRACTS, Asset, Position


def position_from_fields(inst_id: Any, pos: Any, avg_px: Any = None, where: str = "position") -> Position:
    """A position from raw cell values (strings or numbers); ``avg_px`` None or '' means the mark price."""
    inst_id = inst_id.strip() if isinstance(inst_id, str) else inst_id
    try:
        parse_inst_id(inst_id)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    if pos in (None, ""):
        raise InputError(f"{where}: pos: missing")
    size = parse_number(pos, f"{where}: pos", limit=MAX_CONTRACTS)
    avg = None if avg_px in (None, "") else parse_number(avg_px, f"{where}: avgPx", allow_negative=False,
                                                          allow_zero=False)
    return Position(inst_id, size, avg)


def asset_from_fields(ccy: Any, amt: Any, where: str = "balance", *, allow_negative: bool = True) -> Asset:
    """A balance (negative = borrowing) or, with ``allow_negative=False``, a spot-in-use amount."""
    ccy = ccy.strip() if isinstance(ccy, str) else ccy
    if not isinstance(ccy, str) or ccy not in known_currencies():
        raise InputError(f"{where}: ccy: unknown currency {ccy!r}")
    if amt in (None, ""):
        raise InputError(f"{where}: amt: missing")
    return Asset(ccy, parse_number(amt, f"{where}: amt", allow_negative=allow_negative, limit=MAX_ASSET))

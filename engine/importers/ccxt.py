"""ccxt's unified ``fetch_positions`` output (OKX), and ccxt symbols mapped to OKX instrument ids.

ccxt symbols for OKX derivatives (ccxt manual, "contract naming conventions"):

    BTC/USDT:USDT                -> BTC-USDT-SWAP            linear perpetual (settled in the quote)
    BTC/USD:BTC                  -> BTC-USD-SWAP             inverse perpetual (settled in the base coin)
    BTC/USD:BTC-250328           -> BTC-USD-250328           expiry future
    BTC/USDT:USDT-250328         -> BTC-USDT-250328
    BTC/USD:BTC-250328-100000-C  -> BTC-USD-250328-100000-C  option
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InputError

_SYMBOL = re.compile(r"^([A-Z0-9]+)/([A-Z0-9]+):([A-Z0-9]+)(?:-(\d{6})(?:-(\d+(?:\.\d+)?)-([CP]))?)?$")


def ccxt_symbol_to_inst_id(symbol: Any, where: str = "symbol") -> str:
    """The OKX instrument id of a ccxt derivative symbol; InputError naming ``where`` otherwise."""
    if not isinstance(symbol, str) or not symbol:
        raise InputError(f"{where}: expected a ccxt symbol like BTC/USDT:USDT, got {symbol!r}")
    if ":" not in symbol:
        raise InputError(f"{where}: {symbol!r} is a spot symbol (no settlement currency); only derivatives are positions")
    m = _SYMBOL.match(symbol)
    if m is None:
        raise InputError(f"{where}: {symbol!r} is not a ccxt derivative symbol (expected e.g. BTC/USDT:USDT, "
                         f"BTC/USD:BTC-250328 or BTC/USD:BTC-250328-100000-C)")
    base, quote, settle, expiry, strike, cp = m.groups()
    if settle not in (base, quote):
        raise InputError(f"{where}: {symbol!r} settles in {settle}, which is neither {base} nor {quote}")
    if strike is not None:
        return f"{base}-{quote}-{expiry}-{strike}-{cp}"
    if expiry is not None:
        return f"{base}-{quote}-{expiry}"
    return f"{base}-{quote}-SWAP"


def is_ccxt_position(item: Any) -> bool:
    return isinstance(item, dict) and "symbol" in item and ("contracts" in item or "side" in item)

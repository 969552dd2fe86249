"""A scenario from what OKX's USD indices did in a past window (``history-index-candles``), stored with its dates.

The move of a crypto is its largest excursion from the window's first open: the lowest low or the highest high,
whichever is further (``low / open - 1`` or ``high / open - 1``); the time roll is the window's length in whole
days (rounded up), as for the shipped historical episodes. Vols are not moved: OKX's index candles carry none.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Iterable

from engine import InputError
from engine.numbers import parse_number
from engine.scenario import Scenario

PATH = "/api/v5/market/history-index-candles"
MAX_PAGES = 50


def fetch_candles(client, ccy: str, start: datetime, end: datetime, bar: str) -> list[tuple[int, float, float, float]]:
    """(ts ms, open, high, low) of the candles of ``ccy``-USD opening in [start, end), oldest first."""
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    out: dict[int, tuple[int, float, float, float]] = {}
    after = end_ms
    for _ in range(MAX_PAGES):
        data = client.get(PATH, {"instId": f"{ccy}-USD", "after": str(after), "bar": bar, "limit": "100"})
        if not data:
            break
        oldest = after
        for i, row in enumerate(data):
            if not isinstance(row, list) or len(row) < 5:
                raise InputError(f"OKX {PATH} {ccy}-USD: data[{i}]: expected [ts, o, h, l, c, confirm]")
            where = f"OKX {PATH} {ccy}-USD: data[{i}]"
            ts = int(parse_number(row[0], f"{where}.ts", allow_negative=False))
            o, h, low = (parse_number(row[k], f"{where}.{name}", allow_negative=False, allow_zero=False)
                         for k, name in ((1, "o"), (2, "h"), (3, "l")))
            oldest = min(oldest, ts)
            if start_ms <= ts < end_ms:
                out[ts] = (ts, o, h, low)
        if oldest <= start_ms or oldest >= after:
            break
        after = oldest
    return [out[k] for k in sorted(out)]


def scenario_from_history(client, ccys: Iterable[str], start: datetime, end: datetime, bar: str = "1H",
                          name: str | None = None) -> Scenario:
    if end <= start:
        raise InputError(f"--end: {end:%Y-%m-%d %H:%M} is not after --start {start:%Y-%m-%d %H:%M}")
    moves: dict[str, float] = {}
    notes = []
    for ccy in ccys:
        candles = fetch_candles(client, ccy, start, end, bar)
        if not candles:
            raise InputError(f"OKX {PATH}: no {ccy}-USD candles between {start:%Y-%m-%d %H:%M} and "
                             f"{end:%Y-%m-%d %H:%M} UTC")
        first_open = candles[0][1]
        low, high = min(c[3] for c in candles), max(c[2] for c in candles)
        down, up = low / first_open - 1.0, high / first_open - 1.0
        moves[ccy] = down if abs(down) >= abs(up) else up
        notes.append(f"{ccy}-USD open {first_open:g}, low {low:g}, high {high:g} -> {moves[ccy]:+.2%}")
    days = math.ceil((end - start).total_seconds() / 86400.0)
    label = f"{start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M} UTC"
    source = (f"OKX history-index-candles ({bar} bars), {label}, retrieved {datetime.now(timezone.utc):%Y-%m-%d}: "
              + "; ".join(notes) + ". Move = largest excursion from the first open.")
    return Scenario(name=name or f"OKX {label}", index=moves, days=days, source=source)

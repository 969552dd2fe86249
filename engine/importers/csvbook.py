"""A book as CSV: one position per row (``instId,pos,avgPx``) and, optionally, balances (``ccy,amt``).

The header names the columns, in any order: ``instId``, ``pos``, ``avgPx`` (optional), ``ccy``, ``amt``.
A row with an ``instId`` is a position (``pos`` required); a row with a ``ccy`` is a balance (``amt`` required,
negative = borrowing); a row may not be both. Blank lines and lines starting with ``#`` are skipped. This is
also what ``riskws export NAME --format csv`` writes (positions first, then balances).
"""

from __future__ import annotations

import csv
import io

from ..catalogue import known_currencies, parse_inst_id
from ..errors import InputError
from ..numbers import format_number, parse_number
from ..portfolio import MAX_ASSET, MAX_CONTRACTS, Portfolio
from .pieces import Pieces

COLUMNS = ("instId", "pos", "avgPx", "ccy", "amt")


def looks_like_csv(text: str) -> bool:
    for line in text.splitlines():
        s = line.strip()
        if s and not s.startswith("#"):
            cells = [c.strip().strip('"') for c in s.split(",")]
            return "instId" in cells or ("ccy" in cells and "amt" in cells)
    return False


def csv_pieces(text: str, label: str, pieces: Pieces) -> None:
    rows = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        raise InputError(f"{label}: empty CSV (expected a header instId,pos,avgPx and/or ccy,amt)")
    try:
        parsed = list(csv.reader(io.StringIO("\n".join(line for _, line in rows)), strict=True))
    except csv.Error as exc:
        raise InputError(f"{label}: malformed CSV ({exc})") from None
    if len(parsed) != len(rows):   # a quoted field spanning lines
        raise InputError(f"{label}: malformed CSV (a quoted cell spans several lines)")
    header_line, header = rows[0][0], [c.strip() for c in parsed[0]]
    for i, col in enumerate(header):
        if col not in COLUMNS:
            raise InputError(f"{label}: line {header_line}: unknown column {col!r} (expected {', '.join(COLUMNS)})")
        if col in header[:i]:
            raise InputError(f"{label}: line {header_line}: column {col!r} appears twice")
    has_pos = "instId" in header
    has_bal = "ccy" in header
    if has_pos and "pos" not in header:
        raise InputError(f"{label}: line {header_line}: column pos missing (instId needs pos)")
    if has_bal and "amt" not in header:
        raise InputError(f"{label}: line {header_line}: column amt missing (ccy needs amt)")
    if not has_pos and not has_bal:
        raise InputError(f"{label}: line {header_line}: the header needs instId,pos and/or ccy,amt")
    known = known_currencies()
    for (n, _), cells in zip(rows[1:], parsed[1:]):
        if len(cells) != len(header):
            raise InputError(f"{label}: line {n}: {len(cells)} cells, the header has {len(header)}")
        row = {col: cells[i].strip() for i, col in enumerate(header)}
        where = f"{label}: line {n}"
        inst_id, ccy = row.get("instId", ""), row.get("ccy", "")
        if inst_id and ccy:
            raise InputError(f"{where}: both instId and ccy given; a row is a position or a balance")
        if inst_id:
            try:
                parse_inst_id(inst_id)
            except InputError as exc:
                raise InputError(f"{where}: {exc}") from None
            if not row.get("pos"):
                raise InputError(f"{where}: pos: missing")
            pos = parse_number(row["pos"], f"{where}: pos", limit=MAX_CONTRACTS)
            avg = row.get("avgPx") or None
            avg_px = None if avg is None else parse_number(avg, f"{where}: avgPx", allow_negative=False,
                                                           allow_zero=False)
            if inst_id in pieces.positions:
                raise InputError(f"{where}: instId {inst_id} appears twice (also at "
                                 f"{pieces.positions[inst_id].where.split(': ')[-1]})")
            pieces.add_position(inst_id, pos, avg_px, where)
        elif ccy:
            if ccy not in known:
                raise InputError(f"{where}: ccy: unknown currency {ccy!r}")
            if not row.get("amt"):
                raise InputError(f"{where}: amt: missing")
            amt = parse_number(row["amt"], f"{where}: amt", limit=MAX_ASSET)
            pieces.add_asset(ccy, amt, where)
        elif any(row.values()):
            raise InputError(f"{where}: neither instId nor ccy given")


def portfolio_to_csv(p: Portfolio) -> str:
    """The CSV of a portfolio: positions, then balances (name, acctLv, rules, spot in use and leverage are not
    part of the CSV format)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for q in p.positions:
        w.writerow([q.inst_id, format_number(q.pos), "" if q.avg_px is None else format_number(q.avg_px), "", ""])
    for a in p.assets:
        w.writerow(["", "", "", a.ccy, format_number(a.amt)])
    return out.getvalue()

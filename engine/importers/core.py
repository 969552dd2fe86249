"""Detect a book's source format from its content and turn it into a Portfolio."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

from ..catalogue import parse_inst_id
from ..errors import InputError
from ..jsonio import parse_json_text, read_text_file
from ..market import Market
from ..numbers import parse_number
from ..portfolio import MAX_CONTRACTS, Portfolio, portfolio_from_dict
from . import okx
from .ccxt import ccxt_symbol_to_inst_id, is_ccxt_position
from .checks import check_against_market
from .csvbook import csv_pieces, looks_like_csv
from .pieces import Pieces

# source_kind values
PORTFOLIO = "portfolio"
BUILDER = "okx-position-builder"
OKX_POSITIONS = "okx-positions"
OKX_BALANCE = "okx-balance"
CCXT = "ccxt-positions"
CSV = "csv"
MARKET = "market"   # sniff_kind only: a market snapshot is not a book
PORTFOLIO_KEYS = ("simPos", "simAsset", "name", "acctLv", "rules", "spotInUse", "lever")

RECOGNISED = ("a portfolio file (simPos/simAsset), an OKX position-builder body, an OKX positions or balance "
              "response ({\"code\", \"data\"}), ccxt fetch_positions output, or a CSV with an instId,pos[,avgPx] "
              "and/or ccy,amt header")


@dataclass(frozen=True)
class ImportedBook:
    """A portfolio read from a file of any supported format.

    ``source_kind``: "portfolio", "okx-position-builder", "okx-positions", "okx-balance",
    "okx-positions+okx-balance", "ccxt-positions" or "csv" ("+"-joined when several sources were combined);
    ``warnings``: what was ignored or changed on the way, one line each, naming the file and field.
    """

    portfolio: Portfolio
    source_kind: str
    warnings: tuple[str, ...] = ()


class NotABookError(InputError):
    """The file is valid but is not a book (e.g. a market snapshot); ``kind`` says what it is."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def is_market_document(doc: Any) -> bool:
    return isinstance(doc, dict) and "index" in doc and "ts" in doc and "simPos" not in doc and "simAsset" not in doc


def _prefix(label: str, path: str = "") -> str:
    return f"{label}: {path}" if path else f"{label}: "


def _kind_of_response(resp: Any, prefix: str) -> str:
    data = okx.response_data(resp, prefix)
    if okx.is_balance_data(data):
        return OKX_BALANCE
    if okx.is_positions_data(data) or not data:
        return OKX_POSITIONS
    raise InputError(f"{prefix}data: neither positions (instId, pos) nor balances (details[]) of an OKX response")


def _add_response(resp: Any, prefix: str, pieces: Pieces, expect: str | None = None) -> None:
    kind = _kind_of_response(resp, prefix)
    if expect is not None and kind != expect and okx.response_data(resp, prefix):
        raise InputError(f"{prefix.rstrip(': .')}: expected an OKX {expect[4:]} response, found {kind[4:]}")
    data = okx.response_data(resp, prefix)
    kind = expect or kind
    if kind == OKX_BALANCE:
        okx.balances_from_data(data, prefix, pieces)
    else:
        okx.positions_from_data(data, prefix, pieces)
    pieces.kinds.append(kind)


def _add_ccxt(items: list, prefix: str, pieces: Pieces) -> None:
    for i, item in enumerate(items):
        where = f"{prefix}[{i}]"
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected a ccxt position object, got {type(item).__name__}")
        info = item.get("info") if isinstance(item.get("info"), dict) else {}
        raw_id = info.get("instId")
        if isinstance(raw_id, str) and raw_id:
            inst_id, id_where = raw_id, f"{where}.info.instId"
        else:
            inst_id, id_where = ccxt_symbol_to_inst_id(item.get("symbol"), f"{where}.symbol"), f"{where}.symbol"
        side = item.get("side")
        contracts = item.get("contracts")
        if contracts in (None, "") and info.get("pos") not in (None, ""):
            okx.position_item(dict(info, instId=inst_id), f"{where}.info", pieces)
            continue
        try:
            parse_inst_id(inst_id)
        except InputError as exc:
            raise InputError(f"{id_where}: {exc}") from None
        if contracts in (None, ""):
            raise InputError(f"{where}.contracts: missing")
        qty = parse_number(contracts, f"{where}.contracts", allow_negative=False, limit=MAX_CONTRACTS)
        if side not in ("long", "short"):
            raise InputError(f"{where}.side: expected \"long\" or \"short\", got {side!r}")
        avg_raw = info.get("avgPx") if info.get("avgPx") not in (None, "") else item.get("entryPrice")
        avg = None if avg_raw in (None, "") else parse_number(
            avg_raw, f"{where}.{'info.avgPx' if info.get('avgPx') not in (None, '') else 'entryPrice'}",
            allow_negative=False, allow_zero=False)
        if (item.get("marginMode") or info.get("mgnMode")) == "isolated":
            pieces.warn(f"{where}: {inst_id} is an isolated-margin position; imported into the cross book "
                        f"(OKX margins isolated positions separately)")
        if qty == 0:
            pieces.warn(f"{where}: {inst_id} has 0 contracts, skipped")
            continue
        pieces.add_position(inst_id, qty if side == "long" else -qty, avg, where)
    pieces.kinds.append(CCXT)


def _add_list(doc: list, label: str, pieces: Pieces) -> None:
    prefix = _prefix(label)
    if not doc:
        raise InputError(f"{label}: empty list: no positions or balances to import")
    odd = next((i for i, x in enumerate(doc) if not isinstance(x, dict)), None)
    if odd is not None:
        raise InputError(f"{label}: top level: a list whose item [{odd}] is a {type(doc[odd]).__name__}; "
                         f"expected a JSON object, or a list of ccxt / OKX positions")
    if all(is_ccxt_position(x) for x in doc):
        _add_ccxt(doc, f"{label}: ", pieces)
    elif all(isinstance(x, dict) and ("code" in x or "data" in x) for x in doc):
        for i, resp in enumerate(doc):
            _add_response(resp, f"{label}: [{i}].", pieces)
    elif okx.is_positions_data(doc):
        okx.positions_from_data(doc, prefix, pieces)
        pieces.kinds.append(OKX_POSITIONS)
    else:
        bad = next((i for i, x in enumerate(doc) if not (is_ccxt_position(x) or isinstance(x, dict)
                                                         and ("instId" in x or "code" in x))), 0)
        raise InputError(f"{label}: [{bad}]: not a ccxt position, an OKX position or an OKX response; "
                         f"expected {RECOGNISED}")


def _add_object(doc: dict, label: str, pieces: Pieces) -> dict | None:
    """Adds an OKX / combined source to ``pieces``; returns a portfolio document instead for our own formats."""
    if is_market_document(doc):
        raise NotABookError(f"{label}: a market snapshot, not a portfolio (import it as a snapshot)", MARKET)
    if not doc or any(k in doc for k in PORTFOLIO_KEYS) or okx.is_builder_body(doc):
        return doc
    if "code" in doc or "data" in doc:
        _add_response(doc, _prefix(label), pieces)
        return None
    combined = [k for k in ("positions", "balance", "balances") if k in doc]
    if combined:
        for key in combined:
            value = doc[key]
            if key == "positions" and isinstance(value, list) and value and all(is_ccxt_position(x) for x in value):
                _add_ccxt(value, f"{label}: positions", pieces)
            else:
                _add_response(value, f"{label}: {key}.", pieces, OKX_POSITIONS if key == "positions" else OKX_BALANCE)
        return None
    raise InputError(f"{label}: not a recognised book format (top-level fields {', '.join(sorted(map(str, doc))[:8])}); "
                     f"expected {RECOGNISED}")


def _finish(pieces: Pieces, own: list[tuple[dict, str, str]], label: str, name: str | None) -> ImportedBook:
    """One ImportedBook from our own documents (at most one) and/or OKX/ccxt/CSV pieces."""
    warnings = list(pieces.warnings)
    if own:
        if len(own) > 1 or pieces.kinds:
            raise InputError(f"{own[-1][1] if len(own) > 1 else own[0][1]}: a portfolio file or position-builder "
                             f"body cannot be combined with other sources; import it alone")
        doc, doc_label, kind = own[0]
        if kind == BUILDER:
            doc, more = okx.builder_to_portfolio_doc(doc, doc_label)
            warnings += more
        portfolio = portfolio_from_dict(doc, doc_label)
        kinds = [kind]
    else:
        if not pieces.positions and not pieces.assets:
            raise InputError(f"{label}: no positions or balances to import")
        portfolio = portfolio_from_dict(pieces.portfolio_doc(), label)
        kinds = list(dict.fromkeys(pieces.kinds))
        warnings.append(f"{label}: acctLv is not part of {' or '.join(kinds)} data: portfolio margin (4) assumed; "
                        f"change it in the portfolio if the account uses multi-currency margin")
    if name is not None:
        portfolio = replace(portfolio, name=name)
    return ImportedBook(portfolio, "+".join(kinds), tuple(warnings))


def _own_kind(doc: dict) -> str:
    return BUILDER if okx.is_builder_body(doc) else PORTFOLIO


def _gather_text(text: str, label: str, pieces: Pieces, own: list) -> None:
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise InputError(f"{label}: empty file")
    if stripped[0] not in "{[" and looks_like_csv(text):
        csv_pieces(text, label, pieces)
        pieces.kinds.append(CSV)
        return
    try:
        doc = parse_json_text(text, label)
    except InputError:
        if stripped[0] in '{["-0123456789' or stripped.startswith(("true", "false", "null")):
            raise
        raise InputError(f"{label}: neither JSON nor CSV with a known header; expected {RECOGNISED}") from None
    _gather_doc(doc, label, pieces, own)


def _gather_doc(doc: Any, label: str, pieces: Pieces, own: list) -> None:
    if isinstance(doc, list):
        _add_list(doc, label, pieces)
    elif isinstance(doc, dict):
        mine = _add_object(doc, label, pieces)
        if mine is not None:
            own.append((mine, label, _own_kind(mine)))
    else:
        raise InputError(f"{label}: expected a JSON object or list at the top level, got {type(doc).__name__}")


def _check(book: ImportedBook, market: Market | None, label: str, market_label: str) -> ImportedBook:
    if market is not None:
        check_against_market(book.portfolio, market, label, market_label)
    return book


def import_doc(doc: Any, label: str = "portfolio", *, name: str | None = None, market: Market | None = None,
               market_label: str = "market") -> ImportedBook:
    """A book from an already parsed JSON document (object or list) of any supported format."""
    pieces, own = Pieces(source=label), []
    _gather_doc(doc, label, pieces, own)
    return _check(_finish(pieces, own, label, name), market, label, market_label)


def import_text(text: str, label: str = "portfolio", *, name: str | None = None, market: Market | None = None,
                market_label: str = "market") -> ImportedBook:
    """A book from JSON or CSV text (the format is detected from the content)."""
    pieces, own = Pieces(source=label), []
    _gather_text(text, label, pieces, own)
    return _check(_finish(pieces, own, label, name), market, label, market_label)


def import_files(paths: Sequence[str | os.PathLike], *, name: str | None = None, market: Market | None = None,
                 market_label: str = "market") -> ImportedBook:
    """One book from several files, e.g. an OKX positions response and a balance response.

    The name is ``name``, else the portfolio file's ``name`` field, else the first file's stem.
    """
    if not paths:
        raise InputError("import: no file given")
    pieces, own = Pieces(), []
    for n, path in enumerate(paths):
        text, label = read_text_file(path)
        pieces.source = f"{n}:{label}"   # the same file given twice is two sources
        _gather_text(text, label, pieces, own)
    label = str(paths[0]) if len(paths) == 1 else " + ".join(str(p) for p in paths)
    book = _finish(pieces, own, label, name)
    if book.portfolio.name is None:
        book = replace(book, portfolio=replace(book.portfolio, name=Path(paths[0]).stem))
    return _check(book, market, label, market_label)


def import_file(path: str | os.PathLike, *, name: str | None = None, market: Market | None = None,
                market_label: str = "market") -> ImportedBook:
    """A book from one file of any supported format (detected from its content, not its extension).

    Raises ``InputError`` (one line naming the file, the field and the problem); ``NotABookError`` (an
    InputError with ``.kind == "market"``) when the file is a market snapshot. With ``market``, contracts expired
    at the snapshot's time and positions the snapshot cannot price are InputErrors too.
    """
    return import_files([path], name=name, market=market, market_label=market_label)


def sniff_kind(path: str | os.PathLike) -> str:
    """What a file holds: "market" or one of the ImportedBook source kinds (InputError when unreadable)."""
    text, label = read_text_file(path)
    try:
        return import_text(text, label).source_kind
    except NotABookError as exc:
        return exc.kind

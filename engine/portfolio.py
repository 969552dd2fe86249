"""The portfolio file of formats.md section 1: a frozen model, its loader and its writer."""

from __future__ import annotations

import os
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any, Mapping

from .catalogue import known_currencies, parse_inst_id
from .errors import InputError
from .jsonio import read_json_object
from .numbers import format_number, parse_number

ACCT_LEVELS = {"1": "spot", "2": "futures", "3": "mc", "4": "pm"}   # OKX acctLv -> engine.modes name
MGN_MODES = ("cross", "isolated")
MAX_CONTRACTS = 1e9
MAX_ASSET = 1e12
MAX_LEVER = 125.0


@dataclass(frozen=True)
class Position:
    inst_id: str
    pos: float
    avg_px: float | None = None
    mgn_mode: str = "cross"          # OKX positions' mgnMode; "isolated" carries its own margin
    margin: float | None = None      # isolated margin in the settlement currency (OKX positions' ``margin``)


@dataclass(frozen=True)
class Asset:
    ccy: str
    amt: float


@dataclass(frozen=True)
class Portfolio:
    """A book: balances, positions, user spot-in-use amounts and multi-currency leverage."""

    name: str | None = None
    acct_lv: str = "4"
    rules: str | None = None
    assets: tuple[Asset, ...] = ()
    positions: tuple[Position, ...] = ()
    spot_in_use: tuple[Asset, ...] = ()
    lever: tuple[tuple[str, float], ...] = field(default=())
    ts: datetime | None = None       # when the book's data was taken (OKX's newest uTime on import); None: unknown

    def asset_amounts(self) -> dict[str, float]:
        return {a.ccy: a.amt for a in self.assets}

    def spot_in_use_amounts(self) -> dict[str, float]:
        return {a.ccy: a.amt for a in self.spot_in_use}

    def lever_map(self) -> dict[str, float]:
        return dict(self.lever)


def _list(doc: Mapping, key: str, label: str) -> list:
    value = doc.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{label}: {key} must be a list, got {type(value).__name__}")
    return value


def _obj(item: Any, where: str) -> Mapping:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected an object, got {type(item).__name__}")
    return item


def _ccy(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}.ccy: expected a currency code, got {value!r}")
    if value not in known_currencies():
        raise InputError(f"{where}.ccy: unknown currency {value!r}")
    return value


def _assets(doc: Mapping, key: str, label: str, *, allow_negative: bool) -> tuple[Asset, ...]:
    out: dict[str, Asset] = {}
    for i, item in enumerate(_list(doc, key, label)):
        where = f"{label}: {key}[{i}]"
        item = _obj(item, where)
        ccy = _ccy(item.get("ccy"), where)
        if "amt" not in item:
            raise InputError(f"{where}.amt: missing")
        amt = parse_number(item["amt"], f"{where}.amt", allow_negative=allow_negative, limit=MAX_ASSET)
        if ccy in out:
            raise InputError(f"{where}.ccy: {ccy} appears twice")
        out[ccy] = Asset(ccy, amt)
    return tuple(out.values())


def _margin_mode(item: Mapping, where: str, inst_id: str) -> tuple[str, float | None]:
    """(mgnMode, isolated margin): an isolated position must say its margin (``margin``, or OKX's ``imr``)."""
    mode = item.get("mgnMode")
    if mode in (None, ""):
        mode = "cross"
    if mode not in MGN_MODES:
        raise InputError(f"{where}.mgnMode: expected \"cross\" or \"isolated\", got {mode!r}")
    if mode == "cross":
        return "cross", None
    key = "margin" if item.get("margin") not in (None, "") else "imr"
    if item.get(key) in (None, ""):
        raise InputError(f"{where}.margin: isolated position {inst_id} needs its margin (settlement currency)")
    return "isolated", parse_number(item[key], f"{where}.{key}", allow_negative=False, allow_zero=False,
                                    limit=MAX_ASSET)


def portfolio_from_dict(doc: Mapping, label: str = "portfolio") -> Portfolio:
    """Validate a parsed portfolio document; InputError names the field and the problem."""
    name = doc.get("name")
    if name is not None and not isinstance(name, str):
        raise InputError(f"{label}: name must be a string")
    acct_lv = "4"
    if doc.get("acctLv") is not None:
        from .modes import acct_lv_of
        acct_lv = acct_lv_of(doc["acctLv"], f"{label}: acctLv")
    rules = doc.get("rules")
    if rules is not None:
        from .params import available_rule_sets  # local: params imports catalogue too
        if not isinstance(rules, str) or rules not in available_rule_sets():
            raise InputError(f"{label}: rules {rules!r} is not a known rule set ({', '.join(available_rule_sets())})")
    positions: list[Position] = []
    seen: set[str] = set()
    for i, item in enumerate(_list(doc, "simPos", label)):
        where = f"{label}: simPos[{i}]"
        item = _obj(item, where)
        inst_id = item.get("instId")
        try:
            parse_inst_id(inst_id)
        except InputError as exc:
            raise InputError(f"{where}.{exc}") from None
        if inst_id in seen:
            raise InputError(f"{where}.instId: {inst_id} appears twice (net mode holds one position per instrument)")
        seen.add(inst_id)
        if "pos" not in item:
            raise InputError(f"{where}.pos: missing")
        pos = parse_number(item["pos"], f"{where}.pos", limit=MAX_CONTRACTS)
        avg = item.get("avgPx")
        avg_px = None
        if avg not in (None, ""):
            avg_px = parse_number(avg, f"{where}.avgPx", allow_negative=False, allow_zero=False)
        mgn_mode, margin = _margin_mode(item, where, inst_id)
        positions.append(Position(inst_id, pos, avg_px, mgn_mode, margin))
    assets = _assets(doc, "simAsset", label, allow_negative=True)
    spot = _assets(doc, "spotInUse", label, allow_negative=False)
    lever_doc = doc.get("lever") or {}
    if not isinstance(lever_doc, dict):
        raise InputError(f"{label}: lever must be an object of instrument family -> leverage")
    lever: list[tuple[str, float]] = []
    for fam, value in sorted(lever_doc.items()):
        if not isinstance(fam, str) or fam.count("-") != 1:
            raise InputError(f"{label}: lever key {fam!r} is not an instrument family like BTC-USDT")
        lev = parse_number(value, f"{label}: lever.{fam}", allow_negative=False, allow_zero=False)
        if lev < 1 or lev > MAX_LEVER:
            raise InputError(f"{label}: lever.{fam}: leverage {lev:g} outside 1..{MAX_LEVER:g}")
        lever.append((fam, lev))
    ts = None
    if doc.get("ts") not in (None, ""):
        from .market import parse_ts   # local: market imports the catalogue too
        ts = parse_ts(doc["ts"], f"{label}: ts")
    return Portfolio(name=name, acct_lv=acct_lv, rules=rules, assets=assets, positions=tuple(positions),
                     spot_in_use=spot, lever=tuple(lever), ts=ts)


def load_portfolio(source: str | os.PathLike | dict) -> Portfolio:
    """Load a portfolio file (formats.md section 1) from a path or a parsed dict.

    A file must be a portfolio: a JSON object with ``simPos`` and/or ``simAsset`` (possibly empty lists).
    Any other object (``{}``, a market snapshot, an OKX response, a result) is refused with a line saying what
    it looks like and which command takes it, so a wrong file never reads as a book without margin.
    """
    doc, label = read_json_object(source, "portfolio")
    if not isinstance(source, dict) and "simPos" not in doc and "simAsset" not in doc:
        raise InputError(f"{label}: {_what_it_looks_like(doc)}")
    return portfolio_from_dict(doc, label)


def _what_it_looks_like(doc: Mapping) -> str:
    """Why a JSON object without simPos/simAsset is not a portfolio file, and where it belongs."""
    keys = set(map(str, doc))
    if not keys:
        return ("an empty JSON object, not a portfolio: a portfolio file has simPos and/or simAsset "
                "(an empty book is {\"simPos\": []})")
    if {"index", "ts"} <= keys or "markPx" in keys or "markVol" in keys:
        return "a market snapshot, not a portfolio: give it as --market (or store it with riskws import)"
    if "code" in keys and "data" in keys:
        return ("an OKX API response, not a portfolio file: riskws import converts OKX positions and balance "
                "responses into a stored portfolio (then riskws export writes the portfolio file)")
    if keys & {"positions", "balance", "balances"}:
        return ("OKX positions/balance data, not a portfolio file: riskws import converts it into a stored "
                "portfolio (then riskws export writes the portfolio file)")
    if keys & {"riskUnitData", "totalMmr", "totalImr", "mmrData", "sCode"}:
        return "a margin result (riskws margin --json output), not a portfolio"
    shown = ", ".join(sorted(keys)[:6]) + (", ..." if len(keys) > 6 else "")
    return f"not a portfolio: no simPos or simAsset (top-level fields: {shown})"


def portfolio_to_dict(p: Portfolio) -> dict:
    """The portfolio file document; numbers as OKX-style decimal strings."""
    doc: dict[str, Any] = {}
    if p.name is not None:
        doc["name"] = p.name
    doc["acctLv"] = p.acct_lv
    if p.rules is not None:
        doc["rules"] = p.rules
    doc["simAsset"] = [{"ccy": a.ccy, "amt": format_number(a.amt)} for a in p.assets]
    pos_rows = []
    for q in p.positions:
        row = {"instId": q.inst_id, "pos": format_number(q.pos)}
        if q.avg_px is not None:
            row["avgPx"] = format_number(q.avg_px)
        if q.mgn_mode == "isolated":
            row["mgnMode"] = "isolated"
            row["margin"] = format_number(q.margin)
        pos_rows.append(row)
    doc["simPos"] = pos_rows
    if p.spot_in_use:
        doc["spotInUse"] = [{"ccy": a.ccy, "amt": format_number(a.amt)} for a in p.spot_in_use]
    if p.lever:
        doc["lever"] = {fam: format_number(v) for fam, v in p.lever}
    if p.ts is not None:
        from .market import format_ts
        doc["ts"] = format_ts(p.ts)
    return doc

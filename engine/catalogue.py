"""Instrument ids in OKX's grammar, resolved against a market snapshot's instruments or the shipped catalogue.

The contract specification (ctVal, ctMult, linear or inverse, settlement currency) comes from the snapshot's
``instruments`` table (OKX's ``GET /api/v5/public/instruments``, formats.md §2.1) when it has the id, else from
``resources/instruments.json``; nothing about a family is written in code.

``parse_inst_id`` also knows the ids of every snapshot loaded in this process (``register_snapshot_instruments``),
so that a book of, say, TON-USDT-SWAP validates once a snapshot listing it was loaded; margin itself never relies on
that registry: ``engine.book`` resolves each id against the very snapshot it prices on (``resolve``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Literal

from .errors import InputError
from .resources import load_json_resource
from .syntax import FUTURE, MAX_INST_ID_CHARS, OPTION, SWAP, shorten

Kind = Literal["swap", "future", "option"]

# the grammar (ASCII only, fullmatch, bounded lengths) lives in engine/syntax.py, shared with the number parser
_SWAP, _FUTURE, _OPTION = SWAP, FUTURE, OPTION
KIND_OF_INST_TYPE: dict[str, Kind] = {"SWAP": "swap", "FUTURES": "future", "OPTION": "option"}
SNAPSHOT_PROVENANCE = "snapshot"


@dataclass(frozen=True)
class InstSpec:
    """A contract specification as a snapshot carries it (OKX's field names, numbers as numbers)."""

    instType: str
    instFamily: str
    ctType: str | None
    ctVal: float
    ctMult: float
    ctValCcy: str
    settleCcy: str
    expTime: datetime | None
    stk: float | None
    optType: str | None

    def to_dict(self) -> dict:
        exp = None if self.expTime is None else self.expTime.isoformat().replace("+00:00", "Z")
        return {"instType": self.instType, "instFamily": self.instFamily, "ctType": self.ctType, "ctVal": self.ctVal,
                "ctMult": self.ctMult, "ctValCcy": self.ctValCcy, "settleCcy": self.settleCcy, "expTime": exp,
                "stk": self.stk, "optType": self.optType}


@dataclass(frozen=True)
class Instrument:
    """One derivative contract and its specification."""

    inst_id: str
    kind: Kind
    underlying: str          # crypto, e.g. "BTC"
    quote: str               # "USDT", "USDC" or "USD"
    ct_type: str             # "linear", "inverse" or "option"
    ct_val: float
    ct_mult: float
    settle_ccy: str
    expiry: datetime | None  # 08:00 UTC on the expiry date; None for perpetuals
    strike: float | None
    is_call: bool | None
    provenance: str
    family_tag: str = ""     # "_UM" (USD-margined linear: BTC-USD_UM), "_UM_XPERP"; "" for the others

    @property
    def family(self) -> str:
        """OKX instrument family, e.g. ``BTC-USDT``, ``BTC-USD_UM``."""
        return f"{self.underlying}-{self.quote}{self.family_tag}"

    @property
    def units_per_contract(self) -> float:
        """Underlying quantity per contract (coin for linear and options; USD face for inverse)."""
        return self.ct_val * self.ct_mult


@lru_cache(maxsize=1)
def catalogue() -> dict:
    """The shipped instrument catalogue (read-only)."""
    data = load_json_resource("instruments.json")
    if not isinstance(data.get("families"), dict) or not isinstance(data.get("currencies"), dict):
        raise InputError("resources/instruments.json: 'families' and 'currencies' must be objects")
    return data


def known_currencies() -> dict[str, str]:
    """Currency -> kind ("crypto" or "stablecoin"): the shipped catalogue's, plus the coins of loaded snapshots."""
    out = {ccy: "crypto" for ccy in _EXTRA_COINS}
    out.update({ccy: spec["kind"] for ccy, spec in catalogue()["currencies"].items()})
    return out


def is_stablecoin(ccy: str) -> bool:
    return known_currencies().get(ccy) == "stablecoin"


def _expiry(yymmdd: str, inst_id: str) -> datetime:
    day = _expiry_day(yymmdd)
    if day is None:
        raise InputError(f"instId {inst_id!r}: {yymmdd!r} is not a valid YYMMDD expiry date")
    return day


@lru_cache(maxsize=4096)
def _expiry_day(yymmdd: str) -> datetime | None:
    """08:00 UTC of a YYMMDD date, None if not a date (cached: a big book has few expiries, and strptime was a
    third of reading a 100,000-position file)."""
    try:
        day = datetime.strptime(yymmdd, "%y%m%d")
    except ValueError:
        return None
    return day.replace(hour=8, tzinfo=timezone.utc)


_EXTRA: dict[str, InstSpec] = {}        # instId -> spec, from every snapshot loaded in this process
_EXTRA_COINS: set[str] = set()
_EXTRA_LOCK = threading.Lock()


def register_snapshot_instruments(specs: Mapping[str, InstSpec]) -> None:
    """Make the ids and coins of a loaded snapshot known to ``parse_inst_id`` / ``known_currencies`` (validation and
    display only; margin resolves against its own snapshot)."""
    if not specs:
        return
    with _EXTRA_LOCK:
        _EXTRA.update(specs)
        for inst_id, spec in specs.items():
            _EXTRA_COINS.add(inst_id.split("-", 1)[0])
            if spec.settleCcy:
                _EXTRA_COINS.add(spec.settleCcy)
        _EXTRA_COINS.discard("USD")


def register_snapshot_coins(coins: "set[str] | list[str]") -> None:
    with _EXTRA_LOCK:
        _EXTRA_COINS.update(c for c in coins if c and c != "USD")


def parse_inst_id(inst_id: str) -> Instrument:
    """Resolve an OKX instrument id (shipped catalogue, else a loaded snapshot), or raise InputError naming what is
    wrong with it."""
    if not isinstance(inst_id, str) or not inst_id:  # before the cache: a list or dict is not hashable
        raise InputError(f"instId: expected a non-empty string, got {shorten(inst_id)}")
    _check_length(inst_id)
    try:
        return _parse_inst_id(inst_id)
    except InputError:
        spec = _EXTRA.get(inst_id)
        if spec is None:
            raise
        return instrument_from_spec(inst_id, spec)


def resolve(inst_id: str, specs: Mapping[str, InstSpec] | None) -> Instrument:
    """The instrument as ``specs`` (a snapshot's instruments) describes it, else from the shipped catalogue."""
    spec = specs.get(inst_id) if specs else None
    if spec is None:
        if not isinstance(inst_id, str) or not inst_id:
            raise InputError(f"instId: expected a non-empty string, got {shorten(inst_id)}")
        _check_length(inst_id)
        return _parse_inst_id(inst_id)
    return instrument_from_spec(inst_id, spec)


def _check_length(inst_id: str) -> None:
    if len(inst_id) > MAX_INST_ID_CHARS:
        raise InputError(f"instId {shorten(inst_id)}: longer than {MAX_INST_ID_CHARS} characters")


def split_quote(quote: str) -> tuple[str, str]:
    """("USD", "_UM") for OKX's USD-margined families (``BTC-USD_UM``): the quote currency is USD, the tag only
    names the family (its own specifications and tiers); ("USDT", "") for the others."""
    ccy, sep, tag = quote.partition("_")
    return ccy, sep + tag


def _no_usd_margined_option(inst_id: str, quote: str) -> None:
    if "_" in quote:
        raise InputError(f"instId {inst_id!r}: USD-margined ({quote}) options are not modelled (their premium, "
                         f"P&L and margin are in USD; riskws values coin-margined options, e.g. BTC-USD-...-C)")


def _grammar(inst_id: str) -> tuple[Kind, str, str, datetime | None, float | None, bool | None]:
    """(kind, underlying, quote as written, expiry, strike, is call) from the id alone."""
    if m := _SWAP.fullmatch(inst_id):
        return "swap", m.group(1), m.group(2), None, None, None
    if m := _OPTION.fullmatch(inst_id):
        _no_usd_margined_option(inst_id, m.group(2))
        strike = float(m.group(4))
        if strike <= 0:
            raise InputError(f"instId {inst_id!r}: strike must be positive")
        return "option", m.group(1), m.group(2), _expiry(m.group(3), inst_id), strike, m.group(5) == "C"
    if m := _FUTURE.fullmatch(inst_id):
        return "future", m.group(1), m.group(2), _expiry(m.group(3), inst_id), None, None
    raise InputError(f"instId {inst_id!r}: malformed instrument id (expected e.g. BTC-USDT-SWAP, "
                     f"BTC-USD-250328 or BTC-USD-250328-100000-C)")


@lru_cache(maxsize=200_000)
def instrument_from_spec(inst_id: str, spec: InstSpec) -> Instrument:
    """An instrument from a snapshot's specification; InputError when the id and the specification disagree."""
    kind, und, quote, expiry, strike, is_call = _grammar(inst_id)
    spec_kind = KIND_OF_INST_TYPE.get(spec.instType)
    if spec_kind != kind:
        raise InputError(f"instruments.{inst_id}.instType: {spec.instType!r} does not match the id (a {kind})")
    ct_type = "option" if kind == "option" else spec.ctType
    if ct_type not in ("linear", "inverse", "option"):
        raise InputError(f"instruments.{inst_id}.ctType: expected linear or inverse, got {spec.ctType!r}")
    if spec.expTime is not None and kind != "swap":
        expiry = spec.expTime
    quote, tag = split_quote(quote)
    return Instrument(
        inst_id=inst_id, kind=kind, underlying=und, quote=quote, ct_type=ct_type, ct_val=spec.ctVal,
        ct_mult=spec.ctMult, settle_ccy=spec.settleCcy, expiry=expiry, strike=strike, is_call=is_call,
        provenance=SNAPSHOT_PROVENANCE, family_tag=tag,
    )


@lru_cache(maxsize=200_000)
def _parse_inst_id(inst_id: str) -> Instrument:
    strike = None
    is_call = None
    expiry = None
    if m := _SWAP.fullmatch(inst_id):
        kind: Kind = "swap"
        und, quote = m.group(1), m.group(2)
    elif m := _OPTION.fullmatch(inst_id):
        kind = "option"
        und, quote = m.group(1), m.group(2)
        _no_usd_margined_option(inst_id, quote)
        expiry = _expiry(m.group(3), inst_id)
        strike = float(m.group(4))
        if strike <= 0:
            raise InputError(f"instId {inst_id!r}: strike must be positive")
        is_call = m.group(5) == "C"
    elif m := _FUTURE.fullmatch(inst_id):
        kind = "future"
        und, quote = m.group(1), m.group(2)
        expiry = _expiry(m.group(3), inst_id)
    else:
        raise InputError(f"instId {inst_id!r}: malformed instrument id (expected e.g. BTC-USDT-SWAP, "
                         f"BTC-USD-250328 or BTC-USD-250328-100000-C)")
    family = f"{und}-{quote}"
    quote, tag = split_quote(quote)
    fam = catalogue()["families"].get(family)
    if fam is None:
        raise InputError(f"instId {inst_id!r}: unknown instrument family {family!r}")
    spec = fam.get(kind)
    if spec is None:
        raise InputError(f"instId {inst_id!r}: the catalogue has no {kind} contracts in family {family!r}")
    return Instrument(
        inst_id=inst_id, kind=kind, underlying=und, quote=quote, ct_type=spec["ctType"],
        ct_val=float(spec["ctVal"]), ct_mult=float(spec["ctMult"]), settle_ccy=spec["settleCcy"],
        expiry=expiry, strike=strike, is_call=is_call, provenance=spec.get("provenance", "assumed"), family_tag=tag,
    )


def instrument_ids_for_completion() -> list[str]:
    """Family templates for an editor's completer (perpetuals listed in full)."""
    out = []
    for family, kinds in sorted(catalogue()["families"].items()):
        if "swap" in kinds:
            out.append(f"{family}-SWAP")
    return out

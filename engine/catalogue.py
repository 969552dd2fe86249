"""Instrument ids in OKX's grammar, resolved against the shipped instrument catalogue.

The contract specification (ctVal, ctMult, linear or inverse, settlement currency) comes from
``resources/instruments.json``; nothing about a family is written in code.
"""

from __future__ import annotations

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

    @property
    def family(self) -> str:
        """OKX instrument family, e.g. ``BTC-USDT``."""
        return f"{self.underlying}-{self.quote}"

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
    """Currency -> kind ("crypto" or "stablecoin")."""
    return {ccy: spec["kind"] for ccy, spec in catalogue()["currencies"].items()}


def is_stablecoin(ccy: str) -> bool:
    return known_currencies().get(ccy) == "stablecoin"


def _expiry(yymmdd: str, inst_id: str) -> datetime:
    try:
        day = datetime.strptime(yymmdd, "%y%m%d")
    except ValueError:
        raise InputError(f"instId {inst_id!r}: {yymmdd!r} is not a valid YYMMDD expiry date") from None
    return day.replace(hour=8, tzinfo=timezone.utc)


def parse_inst_id(inst_id: str) -> Instrument:
    """Resolve an OKX instrument id, or raise InputError naming what is wrong with it."""
    if not isinstance(inst_id, str) or not inst_id:  # before the cache: a list or dict is not hashable
        raise InputError(f"instId: expected a non-empty string, got {shorten(inst_id)}")
    if len(inst_id) > MAX_INST_ID_CHARS:
        raise InputError(f"instId {shorten(inst_id)}: longer than {MAX_INST_ID_CHARS} characters")
    return _parse_inst_id(inst_id)


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
    fam = catalogue()["families"].get(family)
    if fam is None:
        raise InputError(f"instId {inst_id!r}: unknown instrument family {family!r}")
    spec = fam.get(kind)
    if spec is None:
        raise InputError(f"instId {inst_id!r}: the catalogue has no {kind} contracts in family {family!r}")
    return Instrument(
        inst_id=inst_id, kind=kind, underlying=und, quote=quote, ct_type=spec["ctType"],
        ct_val=float(spec["ctVal"]), ct_mult=float(spec["ctMult"]), settle_ccy=spec["settleCcy"],
        expiry=expiry, strike=strike, is_call=is_call, provenance=spec.get("provenance", "assumed"),
    )


def instrument_ids_for_completion() -> list[str]:
    """Family templates for an editor's completer (perpetuals listed in full)."""
    out = []
    for family, kinds in sorted(catalogue()["families"].items()):
        if "swap" in kinds:
            out.append(f"{family}-SWAP")
    return out

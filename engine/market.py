"""The market snapshot of formats.md section 2 (and the OKX fields of 2.1): a frozen model, its loader and writer."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Mapping

from .catalogue import InstSpec, known_currencies, parse_inst_id, register_snapshot_coins, register_snapshot_instruments, resolve
from .errors import InputError
from .jsonio import read_json_object
from .syntax import shorten
from .numbers import parse_number

MAX_VOL = 10.0  # 1000 % implied volatility
SOURCES = ("okx", "recorded", "synthetic")


def _empty() -> Mapping:
    return MappingProxyType({})


@dataclass(frozen=True)
class Market:
    """Index prices (USD), marks of futures and perpetuals, option vols, at one valuation time."""

    ts: datetime
    index: Mapping[str, float]
    mark_px: Mapping[str, float]
    mark_vol: Mapping[str, float]
    atm_vol: Mapping[str, float]
    source: str | None = None                      # "okx", "recorded", "synthetic" (formats.md 2.1)
    fetched_at: datetime | None = None
    fwd_px: Mapping[str, float] = field(default_factory=_empty)          # option -> OKX forward (USD)
    option_mark_px: Mapping[str, float] = field(default_factory=_empty)  # option -> OKX mark (coin), display only
    instruments: Mapping[str, InstSpec] = field(default_factory=_empty)
    position_tiers: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=_empty)
    discount_tiers: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=_empty)
    interest_rates: Mapping[str, float] = field(default_factory=_empty)

    def index_usd(self, ccy: str) -> float:
        """USD index of a currency (USD itself: 1); InputError when the snapshot lacks it."""
        px = 1.0 if ccy == "USD" else self.index.get(f"{ccy}-USD")
        if px is None:
            raise InputError(f"market: index has no {ccy}-USD price")
        return px

    def shifted(self, shocks: Mapping[str, float]) -> "Market":
        """The same snapshot with crypto indices moved by relative shocks; marks move by the same absolute amount."""
        index = dict(self.index)
        marks = dict(self.mark_px)
        for ccy, s in shocks.items():
            key = f"{ccy}-USD"
            if key not in index:
                continue
            old = index[key]
            index[key] = max(old * (1.0 + s), old * 1e-6)
            for inst_id, px in self.mark_px.items():
                if inst_id.startswith(ccy + "-"):
                    inst = resolve(inst_id, self.instruments)
                    quote_px = 1.0 if inst.quote == "USD" else self.index.get(f"{inst.quote}-USD", 1.0)
                    marks[inst_id] = max(px + (index[key] - old) / quote_px, px * 1e-6)
        return replace(self, index=MappingProxyType(index), mark_px=MappingProxyType(marks))


def parse_ts(value: Any, field: str) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value) / 1000.0, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise InputError(f"{field}: {value!r} is not a valid millisecond timestamp") from None
    if not isinstance(value, str):
        raise InputError(f"{field}: expected an ISO 8601 UTC time, got {value!r}")
    text = value.strip()
    if not text.isascii() or len(text) > 64:  # "٥" is a digit to str.isdigit and int()
        raise InputError(f"{field}: {shorten(value)} is not an ISO 8601 time (ASCII digits)")
    if text.isdigit():
        return parse_ts(int(text), field)
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{field}: {value!r} is not an ISO 8601 time") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    try:
        return ts.astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise InputError(f"{field}: {value!r} is outside the representable time range") from None


def _table(doc: Mapping, key: str, label: str, *, required: bool) -> dict:
    value = doc.get(key)
    if value is None:
        if required:
            raise InputError(f"{label}: {key}: missing")
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{label}: {key} must be an object, got {type(value).__name__}")
    return value


def market_from_dict(doc: Mapping, label: str = "market") -> Market:
    """Validate a parsed market snapshot; InputError names the field and the problem."""
    if "ts" not in doc:
        raise InputError(f"{label}: ts: missing")
    ts = parse_ts(doc["ts"], f"{label}: ts")
    from .snapshot_fields import parse_okx_fields   # the optional fields of formats.md 2.1
    extra = parse_okx_fields(doc, label)
    specs = extra["instruments"]
    currencies = set(known_currencies()) | extra["coins"]
    index: dict[str, float] = {}
    for key, value in _table(doc, "index", label, required=True).items():
        ccy, _, usd = str(key).partition("-")
        if usd != "USD" or ccy not in currencies:
            raise InputError(f"{label}: index.{key}: expected a key CCY-USD with a known currency")
        index[key] = parse_number(value, f"{label}: index.{key}", allow_negative=False, allow_zero=False)
    marks: dict[str, float] = {}
    option_marks: dict[str, float] = {}
    for key, value in _table(doc, "markPx", label, required=False).items():
        try:
            inst = resolve(key, specs) if key in specs else parse_inst_id(key)
        except InputError as exc:
            raise InputError(f"{label}: markPx.{exc}") from None
        px = parse_number(value, f"{label}: markPx.{key}", allow_negative=False, allow_zero=False)
        (option_marks if inst.kind == "option" else marks)[key] = px
    vols: dict[str, float] = {}
    for key, value in _table(doc, "markVol", label, required=False).items():
        try:
            inst = resolve(key, specs) if key in specs else parse_inst_id(key)
        except InputError as exc:
            raise InputError(f"{label}: markVol.{exc}") from None
        if inst.kind != "option":
            raise InputError(f"{label}: markVol.{key}: only options carry a mark volatility")
        vol = parse_number(value, f"{label}: markVol.{key}", allow_negative=False, allow_zero=False)
        if vol > MAX_VOL:
            raise InputError(f"{label}: markVol.{key}: {vol:g} is above {MAX_VOL:g} (volatility is a decimal, 0.55 = 55%)")
        vols[key] = vol
    atm: dict[str, float] = {}
    for key, value in _table(doc, "atmVol", label, required=False).items():
        if key not in currencies:
            raise InputError(f"{label}: atmVol.{key}: unknown underlying")
        vol = parse_number(value, f"{label}: atmVol.{key}", allow_negative=False, allow_zero=False)
        if vol > MAX_VOL:
            raise InputError(f"{label}: atmVol.{key}: {vol:g} is above {MAX_VOL:g}")
        atm[key] = vol
    register_snapshot_instruments(specs)
    register_snapshot_coins(extra["coins"])
    return Market(ts=ts, index=MappingProxyType(index), mark_px=MappingProxyType(marks),
                  mark_vol=MappingProxyType(vols), atm_vol=MappingProxyType(atm), source=extra["source"],
                  fetched_at=extra["fetchedAt"], fwd_px=MappingProxyType(extra["fwdPx"]),
                  option_mark_px=MappingProxyType(option_marks), instruments=MappingProxyType(specs),
                  position_tiers=MappingProxyType(extra["positionTiers"]),
                  discount_tiers=MappingProxyType(extra["discountTiers"]),
                  interest_rates=MappingProxyType(extra["interestRates"]))


def load_market(source: str | os.PathLike | dict) -> Market:
    """Load a market snapshot (formats.md section 2) from a path or a parsed dict."""
    doc, label = read_json_object(source, "market")
    return market_from_dict(doc, label)


def format_ts(ts: datetime) -> str:
    """ISO 8601 UTC with a Z; a fraction of whole milliseconds (OKX's precision) is written as .mmm, not .mmm000."""
    utc = ts.astimezone(timezone.utc)
    text = utc.isoformat(timespec="milliseconds" if utc.microsecond and utc.microsecond % 1000 == 0 else "auto")
    return text.replace("+00:00", "Z")


def market_to_dict(m: Market) -> dict:
    """The snapshot file (formats.md section 2); the fields of 2.1 only when the snapshot has them."""
    out: dict[str, Any] = {"ts": format_ts(m.ts), "index": dict(m.index), "markPx": {**m.mark_px, **m.option_mark_px},
                           "markVol": dict(m.mark_vol), "atmVol": dict(m.atm_vol)}
    if m.source is not None:
        out["source"] = m.source
    if m.fetched_at is not None:
        out["fetchedAt"] = format_ts(m.fetched_at)
    if m.fwd_px:
        out["fwdPx"] = dict(m.fwd_px)
    if m.instruments:
        out["instruments"] = {k: v.to_dict() for k, v in m.instruments.items()}
    if m.position_tiers:
        out["positionTiers"] = {k: [dict(r) for r in v] for k, v in m.position_tiers.items()}
    if m.discount_tiers:
        out["discountTiers"] = {k: [dict(r) for r in v] for k, v in m.discount_tiers.items()}
    if m.interest_rates:
        out["interestRates"] = dict(m.interest_rates)
    return out

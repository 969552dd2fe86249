"""The optional fields of a snapshot taken from OKX (formats.md section 2.1): parsed and validated.

Each field is optional in a file. Numbers may be JSON numbers or OKX's decimal strings; an empty string (OKX's way
of saying "none") counts as absent where a field is optional and is an error where it is needed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Mapping

from .catalogue import InstSpec, instrument_from_spec
from .errors import InputError
from .numbers import parse_number

_COIN = re.compile(r"^[A-Z0-9]{1,20}$")
INST_TYPES = ("SWAP", "FUTURES", "OPTION")


def _absent(v: Any) -> bool:
    return v is None or v == ""


def _obj(doc: Mapping, key: str, label: str) -> dict:
    v = doc.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise InputError(f"{label}: {key} must be an object, got {type(v).__name__}")
    return v


def _num(v: Any, where: str, *, optional: bool = False, positive: bool = False, unit: bool = False) -> float | None:
    if _absent(v):
        if optional:
            return None
        raise InputError(f"{where}: missing")
    x = parse_number(v, where, allow_negative=False, allow_zero=not positive)
    if unit and x > 1:
        raise InputError(f"{where}: {x:g} is above 1 (a rate is a decimal)")
    return x


def _text(v: Any, where: str, *, optional: bool = False) -> str | None:
    if _absent(v):
        if optional:
            return None
        raise InputError(f"{where}: missing")
    if not isinstance(v, str):
        raise InputError(f"{where}: expected a string, got {v!r}")
    return v


def _coin(key: Any, where: str) -> str:
    if not isinstance(key, str) or not _COIN.match(key):
        raise InputError(f"{where}: {key!r} is not a currency code")
    return key


def parse_spec(inst_id: str, raw: Any, where: str) -> InstSpec:
    """One contract specification (OKX field names; strings or numbers)."""
    from .market import parse_ts
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected an object, got {type(raw).__name__}")
    inst_type = _text(raw.get("instType"), f"{where}.instType")
    if inst_type not in INST_TYPES:
        raise InputError(f"{where}.instType: expected one of {', '.join(INST_TYPES)}, got {inst_type!r}")
    exp = raw.get("expTime")
    exp_time: datetime | None = None if _absent(exp) else parse_ts(exp, f"{where}.expTime")
    opt = _text(raw.get("optType"), f"{where}.optType", optional=True)
    spec = InstSpec(
        instType=inst_type,
        instFamily=_text(raw.get("instFamily"), f"{where}.instFamily", optional=True) or "-".join(inst_id.split("-")[:2]),
        ctType=_text(raw.get("ctType"), f"{where}.ctType", optional=inst_type == "OPTION"),
        ctVal=_num(raw.get("ctVal"), f"{where}.ctVal", positive=True),
        ctMult=_num(raw.get("ctMult", 1), f"{where}.ctMult", positive=True),
        ctValCcy=_text(raw.get("ctValCcy"), f"{where}.ctValCcy", optional=True) or "",
        settleCcy=_text(raw.get("settleCcy"), f"{where}.settleCcy"),
        expTime=exp_time, stk=_num(raw.get("stk"), f"{where}.stk", optional=True), optType=opt)
    try:
        instrument_from_spec(inst_id, spec)          # the id and the specification must agree
    except InputError as exc:
        raise InputError(f"{where.rsplit('.', 1)[0]}.{exc}") from None
    return spec


def _instruments(doc: Mapping, label: str) -> dict[str, InstSpec]:
    return {k: parse_spec(k, v, f"{label}: instruments.{k}") for k, v in _obj(doc, "instruments", label).items()}


def _rows(doc: Mapping, key: str, label: str) -> dict[str, list]:
    out = {}
    for name, rows in _obj(doc, key, label).items():
        if not isinstance(rows, list) or not rows:
            raise InputError(f"{label}: {key}.{name}: expected a non-empty list of tiers")
        out[str(name)] = rows
    return out


def _position_tiers(doc: Mapping, label: str) -> dict[str, tuple[dict, ...]]:
    out = {}
    for fam, rows in _rows(doc, "positionTiers", label).items():
        parsed = []
        for i, r in enumerate(rows):
            w = f"{label}: positionTiers.{fam}[{i}]"
            if not isinstance(r, dict):
                raise InputError(f"{w}: expected an object")
            inst_type = _text(r.get("instType"), f"{w}.instType")
            if inst_type not in INST_TYPES:
                raise InputError(f"{w}.instType: expected one of {', '.join(INST_TYPES)}, got {inst_type!r}")
            row = {"instType": inst_type, "tier": int(_num(r.get("tier"), f"{w}.tier", positive=True)),
                   "minSz": _num(r.get("minSz"), f"{w}.minSz"), "maxSz": _num(r.get("maxSz"), f"{w}.maxSz", positive=True),
                   "mmr": _num(r.get("mmr"), f"{w}.mmr", optional=True, unit=True),
                   "imr": _num(r.get("imr"), f"{w}.imr", optional=True, unit=True),
                   "maxLever": _num(r.get("maxLever"), f"{w}.maxLever", optional=True),
                   "optMgnFactor": _num(r.get("optMgnFactor"), f"{w}.optMgnFactor", optional=True)}
            if row["maxSz"] <= row["minSz"]:
                raise InputError(f"{w}.maxSz: must exceed minSz")
            if inst_type != "OPTION" and (row["mmr"] is None or row["imr"] is None):
                raise InputError(f"{w}: a {inst_type} tier needs mmr and imr")
            parsed.append(row)
        out[fam] = tuple(sorted(parsed, key=lambda r: (r["instType"], r["tier"])))
    return out


def _discount_tiers(doc: Mapping, label: str) -> dict[str, tuple[dict, ...]]:
    out = {}
    for ccy, rows in _rows(doc, "discountTiers", label).items():
        _coin(ccy, f"{label}: discountTiers")
        parsed = []
        for i, r in enumerate(rows):
            w = f"{label}: discountTiers.{ccy}[{i}]"
            if not isinstance(r, dict):
                raise InputError(f"{w}: expected an object")
            parsed.append({"tier": int(_num(r.get("tier", i + 1), f"{w}.tier", positive=True)),
                           "minAmt": _num(r.get("minAmt"), f"{w}.minAmt"),
                           "maxAmt": _num(r.get("maxAmt"), f"{w}.maxAmt", optional=True),
                           "discountRate": _num(r.get("discountRate"), f"{w}.discountRate", unit=True),
                           "liqPenaltyRate": _num(r.get("liqPenaltyRate"), f"{w}.liqPenaltyRate", optional=True,
                                                  unit=True)})
        parsed.sort(key=lambda r: r["minAmt"])
        lo = 0.0
        for i, r in enumerate(parsed):
            w = f"{label}: discountTiers.{ccy}[{i}]"
            if abs(r["minAmt"] - lo) > 1e-9 * max(1.0, lo):
                raise InputError(f"{w}.minAmt: tiers must be contiguous from 0 (expected {lo:g}, got {r['minAmt']:g})")
            if r["maxAmt"] is None:
                if i != len(parsed) - 1:
                    raise InputError(f"{w}.maxAmt: only the last tier may be open (null)")
                break
            if r["maxAmt"] <= r["minAmt"]:
                raise InputError(f"{w}.maxAmt: must exceed minAmt")
            lo = r["maxAmt"]
        out[ccy] = tuple(parsed)
    return out


def parse_okx_fields(doc: Mapping, label: str) -> dict[str, Any]:
    """source, fetchedAt, fwdPx, instruments, positionTiers, discountTiers, interestRates, and ``coins``: every
    currency the snapshot itself brings (so that its index may carry coins the shipped catalogue lacks)."""
    from .market import SOURCES, parse_ts
    source = doc.get("source")
    if source is not None and source not in SOURCES:
        raise InputError(f"{label}: source: expected one of {', '.join(SOURCES)}, got {source!r}")
    fetched = doc.get("fetchedAt")
    fetched_at = None if _absent(fetched) else parse_ts(fetched, f"{label}: fetchedAt")
    specs = _instruments(doc, label)
    fwd = {}
    for k, v in _obj(doc, "fwdPx", label).items():
        if k not in specs:
            from .catalogue import parse_inst_id
            try:
                inst = parse_inst_id(k)
            except InputError as exc:
                raise InputError(f"{label}: fwdPx.{exc}") from None
            if inst.kind != "option":
                raise InputError(f"{label}: fwdPx.{k}: only options carry a forward")
        elif specs[k].instType != "OPTION":
            raise InputError(f"{label}: fwdPx.{k}: only options carry a forward")
        fwd[k] = parse_number(v, f"{label}: fwdPx.{k}", allow_negative=False, allow_zero=False)
    rates = {_coin(k, f"{label}: interestRates"): _num(v, f"{label}: interestRates.{k}", unit=True)
             for k, v in _obj(doc, "interestRates", label).items()}
    discount = _discount_tiers(doc, label)
    coins = {k.split("-", 1)[0] for k in specs} | {s.settleCcy for s in specs.values()} | set(discount) | set(rates)
    coins.discard("USD")
    return {"source": source, "fetchedAt": fetched_at, "fwdPx": fwd, "instruments": specs,
            "positionTiers": _position_tiers(doc, label), "discountTiers": discount, "interestRates": rates,
            "coins": coins}

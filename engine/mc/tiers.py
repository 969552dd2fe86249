"""Position-tier tables of multi-currency margin (rules spec 4.2, 4.4, 11.13) from ``resources/tiers/*.json``.

A table holds, per instrument family (``BTC-USDT``) and instrument type (``SWAP`` / ``FUTURES`` / ``OPTION``), tier rows
``{tier, minSz, maxSz, mmr, imr, maxLever}`` (options: ``optMgnFactor``) with a provenance tag per row, plus the
parameters of the option formulas (a, b, c), the default leverage and the switch thresholds, each as
``{"value", "provenance", "source"}``. The loader validates everything and names the file and key on error.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import InputError
from ..market import parse_ts
from ..params import PROVENANCE
from ..resources import read_versioned, versioned_ids

INST_TYPES = ("SWAP", "FUTURES", "OPTION")
DEFAULT_TABLE = "okx-tiers-2025-01"

# path -> (check, expected); the option constants are per underlying crypto
_PARAMS: dict[str, tuple[Any, str]] = {
    "defaults.lever": (lambda v: _num(v) and 1 <= v <= 125, "a leverage in 1..125"),
    "optionMargin.a": (lambda v: _per_ccy(v), "an object crypto -> number >= 0"),
    "optionMargin.b": (lambda v: _per_ccy(v), "an object crypto -> number >= 0"),
    "optionMargin.c": (lambda v: _per_ccy(v), "an object crypto -> number >= 0"),
    "optionMargin.minOpenOrderMargin": (lambda v: _per_ccy(v), "an object crypto -> number >= 0"),
    "optionMargin.otmReference": (lambda v: v in ("forward", "index"), '"forward" or "index"'),
    "optionMargin.tierBasis": (lambda v: v in ("short", "gross"), '"short" or "gross"'),
    "switch.minMarginRatio": (lambda v: _num(v) and v >= 0, "a number >= 0"),
    "switch.minAvailEq": (lambda v: _num(v), "a number"),
}


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _per_ccy(v: Any) -> bool:
    return isinstance(v, dict) and bool(v) and all(isinstance(k, str) and _num(x) and x >= 0 for k, x in v.items())


@dataclass(frozen=True)
class TierRow:
    tier: int
    min_sz: float
    max_sz: float
    mmr: float | None          # SWAP / FUTURES
    imr: float | None
    max_lever: float | None
    opt_mgn_factor: float | None   # OPTION
    provenance: str
    source: str = ""

    @property
    def assumed(self) -> bool:
        return self.provenance == "assumed"


@dataclass(frozen=True)
class TierParam:
    value: Any
    provenance: str
    source: str = ""


@dataclass(frozen=True)
class TierTable:
    id: str
    effective_from: datetime
    label: str
    tables: Mapping[tuple[str, str], tuple[TierRow, ...]]   # (family, inst type) -> rows
    params: Mapping[str, TierParam]

    def get(self, path: str, key: str | None = None) -> Any:
        value = self.params[path].value
        if key is None:
            return value
        if key not in value:
            raise InputError(f"{self.label}: {path}.value: no entry for {key}")
        return value[key]

    def is_assumed(self, path: str) -> bool:
        return self.params[path].provenance == "assumed"

    def rows(self, family: str, inst_type: str) -> tuple[TierRow, ...]:
        rows = self.tables.get((family, inst_type))
        if rows is None:
            raise InputError(f"{self.label}: families.{family}.{inst_type}: no position tiers for this family and type")
        return rows

    def tier_for(self, family: str, inst_type: str, total: float) -> tuple[TierRow, bool]:
        """The tier of ``total`` contracts (minSz < total <= maxSz; tier 1 includes 0) and whether total exceeds the
        largest tier (then the last row applies)."""
        rows = self.rows(family, inst_type)
        for row in rows:
            if total <= row.max_sz:
                return row, False
        return rows[-1], True

    def max_size_at(self, family: str, inst_type: str, lever: float) -> float:
        """The largest position (contracts) allowed at ``lever``: maxSz of the last tier whose maxLever >= lever
        (0 if no tier allows that leverage). Options have no leverage: the largest maxSz."""
        rows = self.rows(family, inst_type)
        if inst_type == "OPTION":
            return rows[-1].max_sz
        ok = [r.max_sz for r in rows if r.max_lever is not None and r.max_lever >= lever - 1e-12]
        return max(ok) if ok else 0.0


def _where(label: str, *parts: Any) -> str:
    out = label + ": " + ".".join(str(p) for p in parts if not isinstance(p, int))
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
    return out


def _row(raw: Any, where: str, inst_type: str, lo_expected: float, index: int, source: str) -> TierRow:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected an object {{tier, minSz, maxSz, ...}}")
    for key in ("tier", "minSz", "maxSz"):
        if not _num(raw.get(key)):
            raise InputError(f"{where}.{key}: missing or not a finite number")
    if raw["tier"] != index + 1:
        raise InputError(f"{where}.tier: expected {index + 1} (tiers numbered from 1 without gaps), got {raw['tier']}")
    if raw["minSz"] != lo_expected:
        raise InputError(f"{where}.minSz: expected {lo_expected:g} (the previous tier's maxSz), got {raw['minSz']}")
    if raw["maxSz"] <= raw["minSz"]:
        raise InputError(f"{where}.maxSz: must exceed minSz {raw['minSz']}")
    prov = raw.get("provenance")
    if prov not in PROVENANCE:
        raise InputError(f"{where}.provenance: expected one of {', '.join(PROVENANCE)}, got {prov!r}")
    if inst_type == "OPTION":
        f = raw.get("optMgnFactor")
        if not (_num(f) and f > 0):
            raise InputError(f"{where}.optMgnFactor: missing or not a number > 0")
        return TierRow(int(raw["tier"]), float(raw["minSz"]), float(raw["maxSz"]), None, None, None, float(f),
                       prov, source)
    for key in ("mmr", "imr", "maxLever"):
        if not (_num(raw.get(key)) and raw[key] > 0):
            raise InputError(f"{where}.{key}: missing or not a number > 0")
    mmr, imr, lev = float(raw["mmr"]), float(raw["imr"]), float(raw["maxLever"])
    if not mmr < imr <= 1:
        raise InputError(f"{where}: expected mmr < imr <= 1, got mmr {mmr} imr {imr}")
    if lev < 1 or abs(imr * lev - 1.0) > 0.01:
        raise InputError(f"{where}.maxLever: {lev:g} is inconsistent with imr {imr} (expected imr = 1/maxLever)")
    return TierRow(int(raw["tier"]), float(raw["minSz"]), float(raw["maxSz"]), mmr, imr, lev, None, prov, source)


def _grow(rows: list[TierRow], growth: Any, where: str, source: str) -> None:
    """Extend ``rows`` by the announcement rule 'Tier n+: increase by N contracts, MMR +x, IMR +x'."""
    if not isinstance(growth, dict):
        raise InputError(f"{where}: expected {{sizeStep, mmrStep, imrStep, untilTier, provenance}}")
    for key in ("sizeStep", "mmrStep", "imrStep", "untilTier"):
        if not (_num(growth.get(key)) and growth[key] > 0):
            raise InputError(f"{where}.{key}: missing or not a number > 0")
    prov = growth.get("provenance")
    if prov not in PROVENANCE:
        raise InputError(f"{where}.provenance: expected one of {', '.join(PROVENANCE)}, got {prov!r}")
    last = rows[-1]
    if last.mmr is None:
        raise InputError(f"{where}: growth applies to SWAP / FUTURES tables only")
    if int(growth["untilTier"]) <= last.tier:
        raise InputError(f"{where}.untilTier: must exceed the last explicit tier {last.tier}")
    src = str(growth.get("source", source))
    while last.tier < int(growth["untilTier"]):
        imr = round(last.imr + growth["imrStep"], 10)
        mmr = round(last.mmr + growth["mmrStep"], 10)
        if imr > 1 or mmr >= imr:
            break
        last = TierRow(last.tier + 1, last.max_sz, last.max_sz + float(growth["sizeStep"]), mmr, imr,
                       float(math.floor(1.0 / imr + 1e-9)), None, prov, src)
        rows.append(last)


def tier_table_from_dict(doc: Mapping, label: str = "tiers") -> TierTable:
    """Validate a parsed tier-table document; InputError names the file and key."""
    if not isinstance(doc, Mapping):
        raise InputError(f"{label}: expected a JSON object")
    for key in ("id", "effectiveFrom"):
        if not isinstance(doc.get(key), str):
            raise InputError(f"{label}: {key}: missing or not a string")
    params: dict[str, TierParam] = {}
    for path, (check, expected) in _PARAMS.items():
        node: Any = doc
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        where = f"{label}: {path}"
        if not isinstance(node, Mapping) or "value" not in node or "provenance" not in node:
            raise InputError(f"{where}: missing or not {{\"value\": ..., \"provenance\": ...}}")
        if not check(node["value"]):
            raise InputError(f"{where}.value: expected {expected}, got {json.dumps(node['value'])[:80]}")
        if node["provenance"] not in PROVENANCE:
            raise InputError(f"{where}.provenance: expected one of {', '.join(PROVENANCE)}, got {node['provenance']!r}")
        params[path] = TierParam(node["value"], node["provenance"], str(node.get("source", "")))
    fams = doc.get("families")
    if not isinstance(fams, Mapping) or not fams:
        raise InputError(f"{label}: families: missing or not an object of family -> {{SWAP|FUTURES|OPTION: ...}}")
    tables: dict[tuple[str, str], tuple[TierRow, ...]] = {}
    for family, types in fams.items():
        if not isinstance(family, str) or family.count("-") != 1:
            raise InputError(f"{label}: families.{family}: not an instrument family like BTC-USDT")
        if not isinstance(types, Mapping) or not types:
            raise InputError(f"{label}: families.{family}: expected an object of SWAP / FUTURES / OPTION tables")
        for inst_type, spec in types.items():
            where = f"{label}: families.{family}.{inst_type}"
            if inst_type not in INST_TYPES:
                raise InputError(f"{where}: unknown instrument type (expected {', '.join(INST_TYPES)})")
            raw_rows = spec.get("tiers") if isinstance(spec, Mapping) else None
            if not isinstance(raw_rows, list) or not raw_rows:
                raise InputError(f"{where}.tiers: missing or not a non-empty list of tier rows")
            source = str(spec.get("source", ""))
            rows: list[TierRow] = []
            lo = 0.0
            for i, raw in enumerate(raw_rows):
                row = _row(raw, f"{where}.tiers[{i}]", inst_type, lo, i, source)
                if rows and inst_type != "OPTION" and row.max_lever > rows[-1].max_lever:
                    raise InputError(f"{where}.tiers[{i}].maxLever: must not rise with the tier")
                if rows and inst_type != "OPTION" and row.mmr < rows[-1].mmr:
                    raise InputError(f"{where}.tiers[{i}].mmr: must not fall with the tier")
                if rows and inst_type == "OPTION" and row.opt_mgn_factor < rows[-1].opt_mgn_factor:
                    raise InputError(f"{where}.tiers[{i}].optMgnFactor: must not fall with the tier")
                rows.append(row)
                lo = row.max_sz
            if "growth" in spec:
                _grow(rows, spec["growth"], f"{where}.growth", source)
            tables[(family, inst_type)] = tuple(rows)
    return TierTable(id=doc["id"], effective_from=parse_ts(doc["effectiveFrom"], f"{label}: effectiveFrom"), label=label,
                     tables=MappingProxyType(tables), params=MappingProxyType(params))


@lru_cache(maxsize=1)
def available_tier_tables() -> tuple[str, ...]:
    return versioned_ids("tiers")


@lru_cache(maxsize=8)
def _load_shipped(table_id: str) -> TierTable:
    doc, label = read_versioned("tiers", table_id, "tier table")
    if not isinstance(doc, Mapping):
        raise InputError(f"{label}: expected a JSON object at the top level")
    table = tier_table_from_dict(doc, label)
    if table.id != table_id:
        raise InputError(f"{label}: id {table.id!r} does not match the file name")
    return table


def load_tier_table(source: str | os.PathLike | Mapping | TierTable | None = None,
                    at: datetime | None = None) -> TierTable:
    """A tier table by id (shipped), path, parsed dict or as is; None: the newest shipped table in force at ``at``
    (the oldest one if none was in force yet)."""
    if isinstance(source, TierTable):
        return source
    if isinstance(source, Mapping):
        return tier_table_from_dict(source, "tiers")
    if source is None:
        tables = [_load_shipped(t) for t in available_tier_tables()]
        if not tables:
            raise InputError("resources/tiers: no tier table shipped")
        tables.sort(key=lambda t: t.effective_from)
        if at is not None:
            in_force = [t for t in tables if t.effective_from <= at]
            return in_force[-1] if in_force else tables[0]
        return tables[-1]
    if isinstance(source, str) and not source.endswith(".json") and os.sep not in source:
        return _load_shipped(source)
    from ..jsonio import read_json_object
    doc, label = read_json_object(Path(source), "tiers")
    return tier_table_from_dict(doc, label)


def with_snapshot_tiers(table: TierTable, market: Any, families: set[str] | None = None) -> TierTable:
    """``table`` with the position tiers a market snapshot brings (formats.md 2.1 ``positionTiers``) in place of the
    shipped rows of the same family and type; the rest (option formula parameters, defaults) stays the table's.

    OKX's rows are taken as published (provenance ``documented``); only the families in ``families`` (all when None)
    are converted, so pricing a small book on a snapshot of thousands of families stays cheap.
    """
    snap = getattr(market, "position_tiers", None)
    if not snap:
        return table
    when = market.fetched_at or market.ts
    source = f"OKX position-tiers, snapshot of {when:%Y-%m-%d %H:%M} UTC"
    tables = dict(table.tables)
    for family, rows in snap.items():
        if families is not None and family not in families:
            continue
        by_type: dict[str, list[TierRow]] = {}
        for r in rows:
            by_type.setdefault(r["instType"], []).append(TierRow(
                int(r["tier"]), float(r["minSz"]), float(r["maxSz"]), r.get("mmr"), r.get("imr"), r.get("maxLever"),
                r.get("optMgnFactor") if r["instType"] == "OPTION" else None, "documented", source))
        for inst_type, out in by_type.items():
            out.sort(key=lambda row: row.tier)
            if inst_type == "OPTION" and any(row.opt_mgn_factor is None for row in out):
                continue       # an option table without its factor: keep the shipped one
            tables[(family, inst_type)] = tuple(out)
    return TierTable(id=table.id, effective_from=table.effective_from, label=f"{table.label} + snapshot position tiers",
                     tables=MappingProxyType(tables), params=table.params)

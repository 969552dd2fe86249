"""Versioned rule sets: parameter files under ``resources/rules/`` with a provenance tag per parameter.

A parameter node is ``{"value": ..., "provenance": ..., "source": ...}``; ``provenance`` is one of
documented / derived / assumed / calibrated, or a mapping group -> tag for per-group tables. The loader validates every
node it needs and says which file and key is wrong. A loaded ``RuleSet`` is immutable.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from .errors import InputError
from .market import parse_ts
from .resources import read_versioned, versioned_ids

PROVENANCE = ("documented", "derived", "assumed", "calibrated")   # calibrated: fitted to OKX answers (engine/calibrate.py)
GROUPS = ("A", "B", "C")
_MISSING = object()


@dataclass(frozen=True)
class Param:
    value: Any
    provenance: Any      # str or {key: str}
    source: str = ""

    def tag(self, key: str | None = None) -> str:
        if isinstance(self.provenance, Mapping):
            return self.provenance.get(key, "assumed") if key is not None else (
                "assumed" if "assumed" in self.provenance.values() else "documented")
        return self.provenance


@dataclass(frozen=True)
class RuleSet:
    """One rule set: ``get(path)`` for a value, ``is_assumed(path, key)`` for its provenance."""

    id: str
    title: str
    effective_from: datetime
    params: Mapping[str, Param]
    label: str

    def get(self, path: str, key: str | None = None) -> Any:
        value = self.params[path].value
        return value[key] if key is not None else value

    def is_assumed(self, path: str, key: str | None = None) -> bool:
        return self.params[path].tag(key) == "assumed"

    def group_of(self, ccy: str) -> str:
        for g, members in self.get("groups").items():
            if ccy in members:
                return g
        return "C"


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x and abs(x) != float("inf")


def _nonneg(x: Any) -> bool:
    return _num(x) and x >= 0


def _per_group(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, dict) and all(g in v and check(v[g]) for g in GROUPS)


def _increasing_list(v: Any) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(_nonneg(x) for x in v) and all(a < b for a, b in zip(v, v[1:]))


def _tiers(v: Any) -> bool:
    if not isinstance(v, list) or not v:
        return False
    lo = 0
    for i, row in enumerate(v):
        if not (isinstance(row, list) and len(row) == 3 and _nonneg(row[0]) and _nonneg(row[2])):
            return False
        if row[0] != lo or (row[1] is None and i != len(v) - 1) or (row[1] is not None and not (_num(row[1]) and row[1] > row[0])):
            return False
        lo = row[1]
    return v[-1][1] is None


def _pairs(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 and all(isinstance(c, str) for c in p) for p in v)


def _groups(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(m, list) and all(isinstance(c, str) for c in m) for m in v.values())


SCHEMA: dict[str, tuple[Callable[[Any], bool], str]] = {
    "riskUnits": (lambda v: v in ("crypto", "family"), '"crypto" or "family"'),
    "spotOffsetQuote": (lambda v: v in (None, "USDT", "USDC", "USD"), 'null, "USDT", "USDC" or "USD"'),
    "groups": (_groups, "an object of group -> list of currencies"),
    "valuation.forwardShock": (lambda v: v == "absolute", '"absolute"'),
    "valuation.rate": (_num, "a number"),
    "mr1.priceMoves": (_per_group(_increasing_list), "per group A, B, C an increasing list of moves > 0"),
    "mr1.volShockDays": (_increasing_list, "an increasing list of days"),
    "mr1.volShockPoints": (lambda v: isinstance(v, list) and all(_nonneg(x) for x in v), "a list of vol points >= 0"),
    "mr1.volShockPct": (lambda v: isinstance(v, list) and all(_nonneg(x) for x in v), "a list of fractions >= 0"),
    "mr1.volFloor": (_nonneg, "a number >= 0"),
    "mr2.horizonDays": (_nonneg, "a number of days >= 0"),
    "mr3.splitDays": (_nonneg, "a number of days >= 0"),
    "mr3.shockBase": (_nonneg, "a number >= 0"),
    "mr3.shockRefDays": (_nonneg, "a number >= 0"),
    "mr3.shockCap": (_nonneg, "a number >= 0"),
    "mr3.volFloor": (_nonneg, "a number >= 0"),
    "mr4.formula": (lambda v: v in ("buckets", "legs"), '"buckets" or "legs"'),
    "mr4.annualMove": (_per_group(_nonneg), "per group A, B, C a number >= 0"),
    "mr4.minShock": (_per_group(_nonneg), "per group A, B, C a number >= 0"),
    "mr4.legShock": (_per_group(_nonneg), "per group A, B, C a number >= 0"),
    "mr5.rateShift": (_nonneg, "a number >= 0"),
    "mr6.move": (_per_group(lambda x: _nonneg(x) and x < 1), "per group A, B, C a move in [0, 1)"),
    "mr6.lossFraction": (_nonneg, "a number >= 0"),
    "mr7.rate": (_per_group(_nonneg), "per group A, B, C a rate >= 0"),
    "mr7.optionRate": (_per_group(_nonneg), "per group A, B, C a rate >= 0"),
    "mr7.multiplierTiers": (_per_group(_tiers), "per group A, B, C contiguous tiers [lo, hi|null, multiplier] from 0, last open"),
    "mr8.mmrRate": (_nonneg, "a rate >= 0"),
    "mr8.imrRate": (_nonneg, "a rate >= 0"),
    "mr9.enabled": (lambda v: isinstance(v, bool), "true or false"),
    "mr9.pairs": (_pairs, "a list of [stablecoin, stablecoin] pairs"),
    "mr9.tierBounds": (_increasing_list, "an increasing list of hedge sizes (USD)"),
    "mr9.tierFloors": (lambda v: isinstance(v, list) and all(_nonneg(x) for x in v), "a list of factors >= 0"),
    "mr9.floorBand": (_nonneg, "a number >= 0"),
    "mr9.capDepeg": (lambda v: _num(v) and v > 0, "a number > 0"),
    "mr9.capFactor": (_nonneg, "a number >= 0"),
    "imrMultiplier": (lambda v: _num(v) and v >= 1, "a number >= 1"),
    "liqCost.kLiab": (_nonneg, "a number >= 0"),
    "liqCost.includeBorrowMmr": (lambda v: isinstance(v, bool), "true or false"),
    "pmMinAdjEq": (_nonneg, "a number >= 0"),
}


# Plausibility limits on every number in a parameter's value (a typo like 5098 for 0.05098 otherwise overflows
# the scenario grid): rates and fractions of price within 0..1, vols within the market's 1000 %, days within 10 years.
LIMITS: dict[str, tuple[float, float]] = {
    "valuation.rate": (-1, 1), "mr1.priceMoves": (0, 1), "mr1.volShockDays": (0, 3650),
    "mr1.volShockPoints": (0, 1000), "mr1.volShockPct": (0, 10), "mr1.volFloor": (0, 10), "mr2.horizonDays": (0, 365),
    "mr3.splitDays": (0, 3650), "mr3.shockBase": (0, 10), "mr3.shockRefDays": (0, 3650), "mr3.shockCap": (0, 10), "mr3.volFloor": (0, 10),
    "mr4.annualMove": (0, 10), "mr4.minShock": (0, 1), "mr4.legShock": (0, 1), "mr5.rateShift": (0, 1),
    "mr6.lossFraction": (0, 10), "mr7.rate": (0, 1), "mr7.optionRate": (0, 1), "mr7.multiplierTiers": (0, 1e15),
    "mr8.mmrRate": (0, 1), "mr8.imrRate": (0, 1), "mr9.tierBounds": (0, 1e15), "mr9.tierFloors": (0, 10),
    "mr9.floorBand": (0, 1), "mr9.capDepeg": (0, 1), "mr9.capFactor": (0, 10), "imrMultiplier": (1, 10),
    "liqCost.kLiab": (0, 1), "pmMinAdjEq": (0, 1e12),
}


def _numbers(v: Any):
    if isinstance(v, Mapping):
        for x in v.values():
            yield from _numbers(x)
    elif isinstance(v, list):
        for x in v:
            yield from _numbers(x)
    elif _num(v):
        yield v


def _node(doc: Mapping, path: str) -> Any:
    cur: Any = doc
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


def _check_provenance(prov: Any, value: Any, where: str) -> None:
    if isinstance(prov, str):
        if prov not in PROVENANCE:
            raise InputError(f"{where}.provenance: {prov!r} is not one of {', '.join(PROVENANCE)}")
        return
    if isinstance(prov, Mapping) and isinstance(value, Mapping):
        for k, tag in prov.items():
            if k not in value or tag not in PROVENANCE:
                raise InputError(f"{where}.provenance.{k}: must name a key of value with one of {', '.join(PROVENANCE)}")
        return
    raise InputError(f"{where}.provenance: must be one of {', '.join(PROVENANCE)} (or per key of value)")


def rule_set_from_dict(doc: Mapping, label: str) -> RuleSet:
    """Validate a parsed rule-set document."""
    for key in ("id", "effectiveFrom"):
        if not isinstance(doc.get(key), str):
            raise InputError(f"{label}: {key}: missing or not a string")
    params: dict[str, Param] = {}
    for path, (check, expected) in SCHEMA.items():
        node = _node(doc, path)
        where = f"{label}: {path}"
        if node is _MISSING:
            raise InputError(f"{where}: missing")
        if not isinstance(node, Mapping) or "value" not in node or "provenance" not in node:
            raise InputError(f"{where}: expected {{\"value\": ..., \"provenance\": ...}}")
        if not check(node["value"]):
            raise InputError(f"{where}.value: expected {expected}, got {json.dumps(node['value'])[:80]}")
        if path in LIMITS:
            lo, hi = LIMITS[path]
            bad = next((x for x in _numbers(node["value"]) if not lo <= x <= hi), None)
            if bad is not None:
                raise InputError(f"{where}.value: {bad:g} is outside the plausible range {lo:g}..{hi:g}")
        _check_provenance(node["provenance"], node["value"], where)
        params[path] = Param(node["value"], node["provenance"], str(node.get("source", "")))
    mr1 = [len(params[p].value) for p in ("mr1.volShockDays", "mr1.volShockPoints", "mr1.volShockPct")]
    if len(set(mr1)) != 1:
        raise InputError(f"{label}: mr1.volShockDays, volShockPoints and volShockPct must have the same length")
    if len(params["mr9.tierFloors"].value) != len(params["mr9.tierBounds"].value) + 1:
        raise InputError(f"{label}: mr9.tierFloors must have one entry more than mr9.tierBounds")
    return RuleSet(id=doc["id"], title=str(doc.get("title", doc["id"])),
                   effective_from=parse_ts(doc["effectiveFrom"], f"{label}: effectiveFrom"),
                   params=MappingProxyType(params), label=label)


USER_RULES_ENV = "RISKWS_RULES_DIR"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


@lru_cache(maxsize=1)
def shipped_rule_sets() -> tuple[str, ...]:
    """Ids of the rule sets shipped in ``resources/rules``, sorted."""
    return versioned_ids("rules")


def user_rules_dir() -> Path:
    """Where the user's own (e.g. calibrated) rule sets live: $RISKWS_RULES_DIR, else
    $XDG_DATA_HOME/riskws/rules, else ~/.local/share/riskws/rules."""
    override = os.environ.get(USER_RULES_ENV)
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "riskws" / "rules"


def user_rule_sets() -> tuple[str, ...]:
    """Ids of the rule sets installed in ``user_rules_dir()`` (file name = id), sorted; none when it is missing."""
    folder = user_rules_dir()
    try:
        names = [p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json") and p.is_file()]
    except OSError:
        return ()
    shipped = set(shipped_rule_sets())
    return tuple(sorted(n for n in names if _SAFE_ID.match(n) and n not in shipped))


def available_rule_sets() -> tuple[str, ...]:
    """Ids of every rule set a portfolio or ``--rules`` may name: the shipped ones, then the user's."""
    return shipped_rule_sets() + user_rule_sets()


def default_rule_set_id() -> str:
    """The newest shipped rule set (by effective date); a user's rule set is never the default."""
    return max(shipped_rule_sets(), key=lambda rid: load_rule_set(rid).effective_from)


@lru_cache(maxsize=16)
def _load_shipped(rule_id: str) -> RuleSet:
    doc, label = read_versioned("rules", rule_id, "rule set")
    if not isinstance(doc, Mapping):
        raise InputError(f"{label}: expected a JSON object at the top level")
    rs = rule_set_from_dict(doc, label)
    if rs.id != rule_id:
        raise InputError(f"{label}: id {rs.id!r} does not match the file name")
    return rs


@lru_cache(maxsize=16)
def _load_user(path: str, mtime_ns: int) -> RuleSet:
    from .jsonio import read_json_object
    doc, label = read_json_object(Path(path), "rules")
    rs = rule_set_from_dict(doc, label)
    if rs.id != Path(path).name[:-5]:
        raise InputError(f"{label}: id {rs.id!r} does not match the file name")
    return rs


def install_rule_set(source: str | os.PathLike | Mapping) -> RuleSet:
    """Validate a rule set (file or document) and copy it into ``user_rules_dir()`` under its id, so that it is
    selectable by id everywhere (``--rules ID``, a portfolio's ``rules``, the workstation's selector)."""
    rs = load_rule_set(source if isinstance(source, Mapping) else Path(source))
    if not _SAFE_ID.match(rs.id):
        raise InputError(f"{rs.label}: id {rs.id!r}: use letters, digits, '.', '_' and '-' only (it names a file)")
    if rs.id in shipped_rule_sets():
        raise InputError(f"{rs.label}: id {rs.id!r} is a shipped rule set; give the calibrated one an id of its own")
    doc = dict(source) if isinstance(source, Mapping) else json.loads(Path(source).read_text(encoding="utf-8"))
    folder = user_rules_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{rs.id}.json.tmp"
        tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, folder / f"{rs.id}.json")
    except OSError as exc:
        raise InputError(f"{folder}: cannot install rule set {rs.id!r} ({exc.strerror or exc})") from None
    return rs


def load_rule_set(source: str | os.PathLike | Mapping | RuleSet | None = None) -> RuleSet:
    """A rule set by id (shipped, else installed by the user), by path to a JSON file, from a parsed dict;
    None = the newest shipped."""
    if isinstance(source, RuleSet):
        return source
    if source is None:
        return _load_shipped(default_rule_set_id())
    if isinstance(source, Mapping):
        return rule_set_from_dict(source, "rules")
    if isinstance(source, str) and not source.endswith(".json") and os.sep not in source:
        if source not in shipped_rule_sets() and _SAFE_ID.match(source):
            path = user_rules_dir() / f"{source}.json"
            try:
                return _load_user(str(path), path.stat().st_mtime_ns)
            except FileNotFoundError:
                pass
        return _load_shipped(source)
    from .jsonio import read_json_object
    doc, label = read_json_object(Path(source), "rules")
    return rule_set_from_dict(doc, label)


def rule_set_doc(rules: RuleSet) -> dict:
    """The JSON document of a rule set (the format of ``resources/rules/*.json``); a deep copy, free to edit."""
    doc: dict[str, Any] = {"id": rules.id, "title": rules.title,
                           "effectiveFrom": rules.effective_from.isoformat().replace("+00:00", "Z")}
    for path, p in rules.params.items():
        node = doc
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = json.loads(json.dumps({"value": p.value, "provenance": p.provenance, "source": p.source}))
    return doc

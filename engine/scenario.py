"""Named what-if scenarios as data (formats.md §8): the one what-if model of the project.

A scenario moves crypto USD indices (relative, like ``Market.shifted``), shifts option vols (absolute, flat or by
tenor), sets stablecoin index levels and rolls the valuation time forward. ``apply_scenario`` (in
``engine/scenario_apply.py``, re-exported here) turns a (portfolio, market) pair into the shocked pair, which
``engine.compute`` then margins like any other book. The batch, the workstation's what-if panel and the bench all
go through this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from .catalogue import known_currencies
from .errors import InputError
from .jsonio import read_json_object
from .numbers import parse_number
from .resources import resource_path

ALL = "*"
SCENARIO_FIELDS = ("name", "index", "vol", "stable", "days", "source")
SET_FIELDS = ("name", "scenarios", "source", "description")
MAX_DAYS = 3650.0          # a scenario horizon beyond ten years is a typo
MAX_VOL_SHIFT = 10.0       # 1000 vol points, the largest vol a market file may hold
MAX_STABLE = 10.0          # a stablecoin index level in USD


@dataclass(frozen=True)
class VolShift:
    """An absolute vol shift: flat (``days`` empty, one ``shift``) or by tenor.

    By tenor, the shift at an option's days to expiry is interpolated linearly between the given points and flat
    beyond the first and the last (``numpy.interp``).
    """

    shift: tuple[float, ...]
    days: tuple[float, ...] = ()

    def at(self, days_to_expiry: np.ndarray | float) -> np.ndarray:
        d = np.asarray(days_to_expiry, dtype=float)
        if not self.days:
            return np.full(d.shape, self.shift[0])
        return np.interp(d, self.days, self.shift)

    @property
    def lowest(self) -> float:
        return min(self.shift)

    def to_json(self) -> float | dict:
        return self.shift[0] if not self.days else {"days": list(self.days), "shift": list(self.shift)}


def _pairs(value: Any) -> tuple:
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), v) for k, v in items))


@dataclass(frozen=True)
class Scenario:
    """One what-if. Mappings are stored as sorted tuples of pairs so that a scenario is hashable and picklable.

    ``index``: crypto (or ``"*"``, every crypto not named) -> relative move of its USD index.
    ``vol``: underlying (or ``"*"``) -> ``VolShift`` (a float is a flat shift).
    ``stable``: stablecoin -> its USD index level. ``days``: valuation time moved forward.
    """

    name: str
    index: tuple[tuple[str, float], ...] = ()
    vol: tuple[tuple[str, VolShift], ...] = ()
    stable: tuple[tuple[str, float], ...] = ()
    days: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", tuple((k, float(v)) for k, v in _pairs(self.index)))
        vol = tuple((k, v if isinstance(v, VolShift) else VolShift((float(v),))) for k, v in _pairs(self.vol))
        object.__setattr__(self, "vol", vol)
        object.__setattr__(self, "stable", tuple((k, float(v)) for k, v in _pairs(self.stable)))
        object.__setattr__(self, "days", float(self.days))

    def index_move(self, ccy: str) -> float:
        """Relative index move of a crypto (its own, else ``"*"``, else 0)."""
        moves = dict(self.index)
        return moves.get(ccy, moves.get(ALL, 0.0))

    def vol_shift(self, underlying: str) -> VolShift | None:
        shifts = dict(self.vol)
        return shifts.get(underlying, shifts.get(ALL))

    @property
    def is_identity(self) -> bool:
        """True when the scenario changes nothing (the unshocked book)."""
        return (all(v == 0.0 for _, v in self.index) and all(set(v.shift) == {0.0} for _, v in self.vol)
                and not self.stable and self.days == 0.0)

    def to_dict(self) -> dict:
        """The scenario as it is written in a scenario file."""
        doc: dict[str, Any] = {"name": self.name}
        if self.index:
            doc["index"] = dict(self.index)
        if self.vol:
            doc["vol"] = {k: v.to_json() for k, v in self.vol}
        if self.stable:
            doc["stable"] = dict(self.stable)
        if self.days:
            doc["days"] = self.days
        if self.source:
            doc["source"] = self.source
        return doc


@dataclass(frozen=True)
class ScenarioSet:
    """A scenario file: a named list of scenarios, with where it was read from."""

    name: str
    scenarios: tuple[Scenario, ...]
    source: str = ""
    path: str = ""
    description: str = field(default="")

    def get(self, name: str) -> Scenario:
        for s in self.scenarios:
            if s.name == name:
                return s
        names = ", ".join(s.name for s in self.scenarios)
        raise InputError(f"scenario: {name!r} is not in set {self.name!r} ({names})")


def _object(value: Any, where: str) -> Mapping:
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _currency(key: Any, where: str, kind: str, *, star: bool) -> str:
    if star and key == ALL:
        return ALL
    known = known_currencies()
    if not isinstance(key, str) or key not in known:
        raise InputError(f"{where}: unknown {kind} {key!r}")
    if known[key] != kind:
        raise InputError(f"{where}: {key} is a {known[key]}, not a {kind}")
    return key


def _vol_shift(value: Any, where: str) -> VolShift:
    if not isinstance(value, dict):
        return VolShift((parse_number(value, where, limit=MAX_VOL_SHIFT),))
    extra = set(value) - {"days", "shift"}
    if extra:
        raise InputError(f"{where}: unknown field {sorted(extra)[0]!r} (expected days and shift)")
    days, shift = value.get("days"), value.get("shift")
    if not isinstance(days, list) or not isinstance(shift, list) or not days or len(days) != len(shift):
        raise InputError(f"{where}: expected lists days and shift of the same non-zero length")
    d = tuple(parse_number(x, f"{where}.days[{i}]", allow_negative=False, limit=MAX_DAYS) for i, x in enumerate(days))
    s = tuple(parse_number(x, f"{where}.shift[{i}]", limit=MAX_VOL_SHIFT) for i, x in enumerate(shift))
    if any(b <= a for a, b in zip(d, d[1:])):
        raise InputError(f"{where}.days: tenors must be strictly increasing, got {list(d)}")
    return VolShift(s, d)


def _name(doc: dict, label: str) -> str:
    """The document's ``name``: a non-empty string (returned as given; callers strip where they store it)."""
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{label}: name: expected a non-empty string, got {name!r}")
    return name


def scenario_from_dict(doc: Any, label: str = "scenario") -> Scenario:
    """Validate one parsed scenario; InputError names the field and the problem in one line.

    A vol shift is checked against the vols of a market only when applied (``check_scenario``/``apply_scenario``):
    here it must be finite and no lower than -1000 points.
    """
    doc = _object(doc, label)
    unknown = [k for k in doc if k not in SCENARIO_FIELDS]
    if unknown:
        raise InputError(f"{label}: unknown field {unknown[0]!r} (expected {', '.join(SCENARIO_FIELDS)})")
    name = _name(doc, label)
    index: dict[str, float] = {}
    for key, value in _object(doc.get("index") or {}, f"{label}: index").items():
        ccy = _currency(key, f"{label}: index.{key}", "crypto", star=True)
        move = parse_number(value, f"{label}: index.{key}", limit=100.0)
        if move <= -1.0:
            raise InputError(f"{label}: index.{key}: a move of {move:g} takes the index to zero or below (> -1 needed)")
        index[ccy] = move
    vol: dict[str, VolShift] = {}
    for key, value in _object(doc.get("vol") or {}, f"{label}: vol").items():
        und = _currency(key, f"{label}: vol.{key}", "crypto", star=True)
        vol[und] = _vol_shift(value, f"{label}: vol.{key}")
    stable: dict[str, float] = {}
    for key, value in _object(doc.get("stable") or {}, f"{label}: stable").items():
        ccy = _currency(key, f"{label}: stable.{key}", "stablecoin", star=False)
        stable[ccy] = parse_number(value, f"{label}: stable.{key}", allow_negative=False, allow_zero=False,
                                   limit=MAX_STABLE)
    days = 0.0
    if doc.get("days") is not None:
        days = parse_number(doc["days"], f"{label}: days", allow_negative=False, limit=MAX_DAYS)
    source = doc.get("source", "")
    if source is None:
        source = ""
    if not isinstance(source, str):
        raise InputError(f"{label}: source: expected a string, got {type(source).__name__}")
    return Scenario(name=name.strip(), index=index, vol=vol, stable=stable, days=days, source=source)


def scenario_set_from_dict(doc: Any, label: str, path: str = "") -> ScenarioSet:
    """Validate a scenario file document ``{"name", "scenarios": [...], "source"?, "description"?}``."""
    doc = _object(doc, label)
    unknown = [k for k in doc if k not in SET_FIELDS]
    if unknown:
        raise InputError(f"{label}: unknown field {unknown[0]!r} (expected {', '.join(SET_FIELDS)})")
    name = _name(doc, label)
    items = doc.get("scenarios")
    if not isinstance(items, list) or not items:
        raise InputError(f"{label}: scenarios: expected a non-empty list")
    out: list[Scenario] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        s = scenario_from_dict(item, f"{label}: scenarios[{i}]")
        if s.name in seen:
            raise InputError(f"{label}: scenarios[{i}].name: {s.name!r} appears twice")
        seen.add(s.name)
        out.append(s)
    for key in ("source", "description"):
        if not isinstance(doc.get(key, ""), str):
            raise InputError(f"{label}: {key}: expected a string")
    return ScenarioSet(name=name.strip(), scenarios=tuple(out), source=doc.get("source", ""), path=path,
                       description=doc.get("description", ""))


def load_scenario_file(path: str | os.PathLike) -> ScenarioSet:
    """Read and validate a scenario file (formats.md §8)."""
    doc, label = read_json_object(path, "scenarios")
    return scenario_set_from_dict(doc, label, str(path))


def shipped_scenario_sets() -> dict[str, ScenarioSet]:
    """The library in ``resources/scenarios/*.json``, by set name."""
    from .jsonio import parse_json_text
    out: dict[str, ScenarioSet] = {}
    folder = resource_path("scenarios")
    for node in sorted(folder.iterdir(), key=lambda n: n.name):
        if node.name.endswith(".json"):
            label = f"resources/scenarios/{node.name}"
            s = scenario_set_from_dict(parse_json_text(node.read_text(encoding="utf-8"), label), label, label)
            out[s.name] = s
    return out


def scenario_sets(folders: Iterable[str | os.PathLike] = ()) -> dict[str, ScenarioSet]:
    """The shipped library plus every ``*.json`` in ``folders`` (a user's set replaces a shipped one of that name)."""
    out = shipped_scenario_sets()
    for folder in folders:
        p = Path(folder)
        if p.is_dir():
            for f in sorted(p.glob("*.json")):
                s = load_scenario_file(f)
                out[s.name] = s
    return out


def resolve_scenarios(specs: Iterable[str], folders: Iterable[str | os.PathLike] = ()) -> list[Scenario]:
    """Scenarios named by ``specs``: a scenario file, a set name, ``SET/SCENARIO`` or a scenario name of the library.

    An unknown name or a bad file raises InputError before anything is computed.
    """
    sets: dict[str, ScenarioSet] | None = None
    out: list[Scenario] = []
    for spec in specs:
        if spec.endswith(".json") or os.sep in spec and Path(spec).exists() or Path(spec).is_file():
            out.extend(load_scenario_file(spec).scenarios)
            continue
        if sets is None:
            sets = scenario_sets(folders)
        if spec in sets:
            out.extend(sets[spec].scenarios)
            continue
        set_name, _, sc_name = spec.partition("/")
        if sc_name and set_name in sets:
            out.append(sets[set_name].get(sc_name))
            continue
        found = [s for st in sets.values() for s in st.scenarios if s.name == spec]
        if not found:
            raise InputError(f"scenarios: {spec!r} is neither a file nor a known scenario set or scenario "
                             f"(sets: {', '.join(sets)})")
        out.append(found[0])
    names = [s.name for s in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise InputError(f"scenarios: scenario name {dup!r} is given twice")
    return out


from .scenario_apply import Applied, apply_scenario, check_scenario  # noqa: E402  (re-export)

__all__ = ["ALL", "Applied", "Scenario", "ScenarioSet", "VolShift", "apply_scenario", "check_scenario",
           "load_scenario_file", "resolve_scenarios", "scenario_from_dict", "scenario_set_from_dict",
           "scenario_sets", "shipped_scenario_sets"]

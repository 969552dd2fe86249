"""Which figures of a unit rest on a parameter tagged ``assumed`` (and which parameters those are)."""

from __future__ import annotations

from ..params import GROUPS, RuleSet
from .prepare import PreparedPM

_TAGS: dict[int, tuple[RuleSet, dict]] = {}


def _is_assumed(rules: RuleSet, path: str, key: str | None) -> bool:
    """``rules.is_assumed(path, key)``, remembered per rule set object (a compute asks about 30 times; each
    answer is an ABC ``isinstance`` check and a dict walk). Rule sets are frozen, so an answer never changes."""
    hit = _TAGS.get(id(rules))
    if hit is None or hit[0] is not rules:
        if len(_TAGS) > 32:
            _TAGS.clear()
        hit = _TAGS[id(rules)] = (rules, {})
    memo = hit[1]
    answer = memo.get((path, key))
    if answer is None:
        answer = memo[(path, key)] = rules.is_assumed(path, key)
    return answer


def unit_assumptions(prep: PreparedPM, u: int, mr: dict[str, float], mr1_vol_state: str, dominant: str,
                     depeg_beyond: bool) -> dict[str, list[str]]:
    """figure -> assumed parameter paths that contributed a non-zero amount to it."""
    rules = prep.rules
    g = GROUPS[prep.units.group[u]]
    out: dict[str, list[str]] = {}

    def flag(figure: str, path: str, key: str | None = None) -> None:
        if _is_assumed(rules, path, key):
            out.setdefault(figure, []).append(path if key is None else f"{path}.{key}")

    options = bool(prep.has_options[u])
    if mr["mr1"] > 0 and options and mr1_vol_state != "same":
        for path in ("mr1.volShockPoints", "mr1.volShockPct", "mr1.volShockDays"):
            flag("mr1", path)
        if mr1_vol_state == "down":
            flag("mr1", "mr1.volFloor")
    if mr["mr2"] > 0:
        flag("mr2", "mr2.horizonDays")
    if mr["mr3"] > 0:
        for path in ("mr3.splitDays", "mr3.shockBase", "mr3.shockRefDays", "mr3.shockCap", "mr3.volFloor"):
            flag("mr3", path)
    if mr["mr4"] > 0:
        if prep.mr4_multi_bucket[u] or rules.get("mr4.formula") == "legs":
            flag("mr4", "mr4.formula")
        flag("mr4", "mr4.legShock" if rules.get("mr4.formula") == "legs" else "mr4.minShock", g)
    if mr["mr5"] > 0:
        flag("mr5", "mr5.rateShift")
    if mr["mr7"] > 0:
        flag("mr7", "mr7.rate", g)
        if options:
            flag("mr7", "mr7.optionRate", g)
        tiers = rules.get("mr7.multiplierTiers", g)
        if prep.mr7_raw[u] > tiers[0][1]:
            flag("mr7", "mr7.multiplierTiers", g)
    if mr["mr8"] > 0:
        borrowed = [c for c, e in zip(prep.equity.ccys, prep.equity.eq) if e < 0]
        if any(c != "USDT" for c in borrowed):
            out.setdefault("mr8", []).append("mr8.mmrRate (documented for USDT only)")
    if mr["mr9"] > 0:
        for path in ("mr9.tierBounds", "mr9.tierFloors"):
            flag("mr9", path)
        if depeg_beyond:
            flag("mr9", "mr9.capDepeg")
    parts = ["mr7"] if dominant == "mr7" else [dominant, "mr3", "mr4", "mr5", "mr9"]
    inherited = sorted({p for f in parts for p in out.get(f, [])})
    if inherited:
        out["mmr"] = inherited
        out["imr"] = inherited
    return out

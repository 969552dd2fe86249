"""OKX's figures beside riskws's for the same book: one row per figure both have, with the difference, a flag
beyond tolerance, and the parameters tagged ``assumed`` that feed the riskws figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import InputError
from ..market import Market, format_ts
from ..params import RuleSet
from ..portfolio import Portfolio
from ..result import MarginResult
from .figures import Key, okx_figures, our_figures
from .observation import BUILDER, OkxAnswer

DEFAULT_REL_TOL = 1e-6
DEFAULT_ABS_TOL = 1e-6
SAME_MINUTE_S = 60.0
VOL_PARAMS = ("mr1.volShockPoints", "mr1.volShockPct", "mr1.volShockDays")


@dataclass(frozen=True)
class Row:
    scope: str
    name: str
    field: str
    okx: float | str
    riskws: float | str
    diff: float | None          # riskws - okx (None for categorical figures)
    rel: float | None           # |diff| / |okx| (None when okx is 0 or categorical)
    flagged: bool
    assumed: tuple[str, ...]    # parameter paths tagged assumed that feed the riskws figure

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "name": self.name, "field": self.field, "okx": self.okx,
                "riskws": self.riskws, "diff": self.diff, "rel": self.rel, "flagged": self.flagged,
                "assumed": list(self.assumed)}


@dataclass(frozen=True)
class Reconciliation:
    source: str
    kind: str
    mode: str
    rules: str
    market_ts: datetime
    rows: tuple[Row, ...]
    okx_only: tuple[str, ...]          # OKX figures riskws does not have (scope/name/field)
    notes: tuple[str, ...] = ()
    rel_tol: float = DEFAULT_REL_TOL
    abs_tol: float = DEFAULT_ABS_TOL
    result: MarginResult | None = field(default=None, compare=False)

    @property
    def flagged(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.flagged)

    def max_rel(self) -> float:
        return max((r.rel for r in self.rows if r.rel is not None), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "mode": self.mode, "rules": self.rules,
                "marketTs": format_ts(self.market_ts), "relTol": self.rel_tol, "absTol": self.abs_tol,
                "notes": list(self.notes), "figures": len(self.rows), "flagged": len(self.flagged),
                "rows": [r.to_dict() for r in self.rows],
                "okxOnly": list(self.okx_only)}


def _assumed_for(key: Key, result: MarginResult, rules: RuleSet) -> tuple[str, ...]:
    scope, name, f = key
    if scope == "unit":
        try:
            u = result.unit(name)
        except KeyError:
            return ()
        head = f.split(".")[0]
        if head == "mr1Scenarios":
            state = f.split(".")[1]
            has_options = any(p.inst_type == "OPTION" for p in u.positions)
            if state == "volSame" or not has_options:
                return ()
            paths = [p for p in VOL_PARAMS if rules.is_assumed(p)]
            if state == "volShockDown" and rules.is_assumed("mr1.volFloor"):
                paths.append("mr1.volFloor")
            return tuple(paths)
        head = {"mr1FinalResult": "mr1", "mr6FinalResult": "mr6"}.get(head, head)
        return tuple(u.assumed_params.get(head, ()))
    if scope == "account" and f in ("totalMmr", "totalImr", "derivMmr", "marginRatio"):
        paths = sorted({p for u in result.units for p in u.assumed_params.get("mmr", ())})
        if f == "marginRatio" and rules.is_assumed("liqCost.kLiab"):
            paths.append("liqCost.kLiab")
        return tuple(paths)
    return ()


def check_same_book(answer: OkxAnswer, portfolio: Portfolio, book_label: str) -> None:
    """OKX's answer must be for this book: same positions (instId and size)."""
    ours = {p.inst_id: p.pos for p in portfolio.positions}
    theirs: dict[str, float] = {}
    where = answer.label
    if answer.kind == BUILDER:
        for i, u in enumerate(answer.data.get("riskUnitData") or []):
            for j, p in enumerate(u.get("portfolios") or [] if isinstance(u, dict) else []):
                if isinstance(p, dict) and p.get("instType") != "SPOT" and p.get("amt") not in (None, ""):
                    theirs[str(p.get("instId"))] = float(p["amt"])
        for p in answer.data.get("positions") or []:
            if isinstance(p, dict) and p.get("instType") != "SPOT" and p.get("amt") not in (None, ""):
                theirs[str(p.get("instId"))] = float(p["amt"])
    elif answer.portfolio is not None:
        theirs = {p.inst_id: p.pos for p in answer.portfolio.positions}
    for inst, pos in theirs.items():
        if inst not in ours:
            raise InputError(f"{where}: {inst}: the answer holds {pos:g} contracts of {inst}, which {book_label} does "
                             f"not: this answer is for another book")
        if abs(ours[inst] - pos) > 1e-9 * max(1.0, abs(pos)):
            raise InputError(f"{where}: {inst}: the answer holds {pos:g} contracts, {book_label} {ours[inst]:g}: "
                             f"this answer is for another book")
    missing = sorted(set(ours) - set(theirs)) if theirs or answer.kind == BUILDER else []
    if missing:
        raise InputError(f"{where}: {missing[0]}: {book_label} holds it, the answer does not: this answer is for "
                         f"another book")


def market_notes(answer: OkxAnswer, market: Market, market_label: str, given: bool) -> list[str]:
    """Say clearly when the market is not the one the answer was taken on."""
    notes = []
    if answer.market is not None and given and answer.market != market:
        notes.append(f"market {market_label} is NOT the snapshot the answer was taken on (the observation carries "
                     f"its own, {format_ts(answer.market.ts)}): price-dependent differences are expected")
    when = answer.taken_at or answer.answered_at
    if when is not None and abs((market.ts - when).total_seconds()) > SAME_MINUTE_S:
        notes.append(f"market {market_label} was taken at {format_ts(market.ts)}, OKX answered at "
                     f"{format_ts(when)}: not the same minute, so price-dependent figures will differ")
    elif when is None and answer.market is None:
        notes.append(f"the answer does not say when it was taken: market {market_label} may not be the one OKX used")
    return notes


def reconcile(answer: OkxAnswer, portfolio: Portfolio, market: Market, *, mode: str, rules: RuleSet,
              book_label: str = "the book", notes: list[str] | None = None, rel_tol: float = DEFAULT_REL_TOL,
              abs_tol: float = DEFAULT_ABS_TOL) -> Reconciliation:
    """Compute ``portfolio`` on ``market`` and compare every figure OKX's answer also has."""
    from ..api import compute
    check_same_book(answer, portfolio, book_label)
    result = compute(portfolio, market, mode=mode, rules=rules, liq_shock=False)
    theirs = okx_figures(answer, mode)
    ours = our_figures(result)
    rows, okx_only = [], []
    for key, ov in theirs.items():
        if key not in ours and key[0] == "currency":
            ours[key] = 0.0    # a currency riskws's result does not list is one the book does not hold
        if key not in ours:
            okx_only.append("/".join(k for k in key if k))
            continue
        rv = ours[key]
        if isinstance(ov, str) or isinstance(rv, str):
            diff = rel = None
            flagged = str(ov) != str(rv)
        else:
            diff = float(rv) - float(ov)
            rel = abs(diff) / abs(ov) if ov != 0 else None
            flagged = abs(diff) > max(abs_tol, rel_tol * abs(ov))
        rows.append(Row(key[0], key[1], key[2], ov, rv, diff, rel, flagged, _assumed_for(key, result, rules)))
    return Reconciliation(answer.label, answer.kind, mode, rules.id, market.ts, tuple(rows), tuple(okx_only),
                          tuple(notes or ()), rel_tol, abs_tol, result)

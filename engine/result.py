"""Result objects: every figure of a margin computation, with its breakdown, and their JSON form (formats.md §3)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from .market import format_ts

MR_KEYS = ("mr1", "mr2", "mr3", "mr4", "mr5", "mr6", "mr7", "mr8", "mr9")
VOL_STATES = ("volShockDown", "volSame", "volShockUp")
VOL_STATE_SHORT = {"volShockDown": "down", "volSame": "same", "volShockUp": "up"}


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def shock_key(s: float) -> str:
    """Decimal-string key of a spot shock, e.g. -0.12 -> "-0.12", 0 -> "0"."""
    text = f"{s:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class PositionResult:
    """One position (or the spot in use of a unit: ``inst_type`` "SPOT")."""

    inst_id: str
    inst_type: str              # SWAP, FUTURES, OPTION, SPOT
    pos: float
    avg_px: float | None
    mark_px: float
    notional_usd: float
    delta: float                # USD delta: slope of the scenario valuation (rules spec 11.12)
    gamma: float                # USD change of delta for a 1 % index move
    vega: float                 # USD per vol point
    theta: float                # USD per day
    float_pnl: float            # USD
    risk_unit: str | None = None
    imr: float | None = None    # multi-currency mode only
    mmr: float | None = None
    lever: float | None = None
    tier: int | None = None
    warnings: tuple[str, ...] = ()
    cash_delta: float | None = None   # OKX's reported cash delta (linear at mark), portfolio margin only

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"instId": self.inst_id, "instType": self.inst_type, "pos": _num(self.pos),
                             "avgPx": _num(self.avg_px), "markPx": _num(self.mark_px),
                             "notionalUsd": _num(self.notional_usd), "delta": _num(self.delta),
                             "gamma": _num(self.gamma), "vega": _num(self.vega), "theta": _num(self.theta),
                             "floatPnl": _num(self.float_pnl)}
        if self.cash_delta is not None:
            d["cashDelta"] = _num(self.cash_delta)
        if self.imr is not None:
            d.update(imr=_num(self.imr), mmr=_num(self.mmr), lever=_num(self.lever), tier=self.tier)
        return d


@dataclass(frozen=True)
class ScenarioOutcome:
    pnl: float
    spot_shock: float
    vol_shock: str | None = None   # "down" | "same" | "up" for MR1


@dataclass(frozen=True)
class UnitResult:
    """One risk unit: every MR, the scenario P&L arrays behind them and the cash greeks."""

    risk_unit: str
    ccy: str
    delta: float
    gamma: float
    vega: float
    theta: float
    upl: float
    mr: dict[str, float]                      # mr1..mr9
    mmr: float
    imr: float
    mr1_moves: np.ndarray                     # (7,) spot shocks, ascending
    mr1_pnl: np.ndarray                       # (3, 7) P&L USD: rows down / same / up vol
    mr1_final: ScenarioOutcome
    mr6_moves: np.ndarray                     # (2,) -extreme, +extreme
    mr6_pnl: np.ndarray                       # (2,) P&L USD
    mr6_final: ScenarioOutcome
    spot_in_use: float                        # coin units joined to this unit
    max_spot_in_use: float
    assumed: tuple[str, ...]                  # figures resting on an assumed parameter
    assumed_params: dict[str, tuple[str, ...]]  # figure -> parameter paths tagged assumed
    positions: tuple[PositionResult, ...]
    dominant: str = ""                        # the MR that sets the MMR
    cash_delta: float | None = None           # OKX's reported cash delta (linear at mark; MR4/MR7/MR9 rest on it)

    def to_dict(self) -> dict[str, Any]:
        scen = {state: {shock_key(s): _num(v) for s, v in zip(self.mr1_moves, self.mr1_pnl[i])}
                for i, state in enumerate(VOL_STATES)}
        d: dict[str, Any] = {"riskUnit": self.risk_unit, "ccy": self.ccy, "delta": _num(self.delta),
                             "gamma": _num(self.gamma), "vega": _num(self.vega), "theta": _num(self.theta),
                             "upl": _num(self.upl)}
        if self.cash_delta is not None:
            d["cashDelta"] = _num(self.cash_delta)
        d.update({k: _num(self.mr[k]) for k in MR_KEYS})
        d.update(mmr=_num(self.mmr), imr=_num(self.imr), mr1Scenarios=scen,
                 mr1FinalResult={"pnl": _num(self.mr1_final.pnl), "spotShock": _num(self.mr1_final.spot_shock),
                                 "volShock": self.mr1_final.vol_shock},
                 mr6FinalResult={"pnl": _num(self.mr6_final.pnl), "spotShock": _num(self.mr6_final.spot_shock)},
                 spotInUse=_num(self.spot_in_use), maxSpotInUse=_num(self.max_spot_in_use),
                 dominant=self.dominant, assumed=list(self.assumed),
                 assumedParams={k: list(v) for k, v in self.assumed_params.items()},
                 portfolios=[p.to_dict() for p in self.positions])
        return d


@dataclass(frozen=True)
class AssetResult:
    ccy: str
    eq: float            # currency units
    eq_usd: float
    dis_eq: float        # USD
    spot_in_use: float   # currency units
    max_spot_in_use: float
    borrow_imr: float    # USD
    borrow_mmr: float    # USD

    def to_dict(self) -> dict[str, Any]:
        return {"ccy": self.ccy, "eq": _num(self.eq), "eqUsd": _num(self.eq_usd), "disEq": _num(self.dis_eq),
                "spotInUse": _num(self.spot_in_use), "maxSpotInUse": _num(self.max_spot_in_use),
                "borrowImr": _num(self.borrow_imr), "borrowMmr": _num(self.borrow_mmr)}


@dataclass(frozen=True)
class MarginResult:
    """A whole account in one mode under one rule set (formats.md §3)."""

    acct_lv: str
    rules: str
    ts: datetime
    eq: float
    adj_eq: float
    upl: float
    total_imr: float
    total_mmr: float
    deriv_mmr: float
    borrow_mmr: float
    liq_cost: float
    margin_ratio: float | None        # None when nothing needs margin
    assets: tuple[AssetResult, ...]
    units: tuple[UnitResult, ...]
    positions: tuple[PositionResult, ...]
    warnings: tuple[str, ...] = ()
    liq_shock: tuple[float | None, float | None] | None = None   # (down, up) index moves to marginRatio 1
    avail_eq: float = 0.0             # adjEq - totalImr (OKX acctAvailEq)
    extra: dict[str, Any] = field(default_factory=dict)

    def unit(self, name: str) -> UnitResult:
        for u in self.units:
            if u.risk_unit == name:
                return u
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "acctLv": self.acct_lv, "rules": self.rules, "ts": format_ts(self.ts),
            "eq": _num(self.eq), "adjEq": _num(self.adj_eq), "upl": _num(self.upl),
            "totalImr": _num(self.total_imr), "totalMmr": _num(self.total_mmr), "derivMmr": _num(self.deriv_mmr),
            "borrowMmr": _num(self.borrow_mmr), "marginRatio": _num(self.margin_ratio),
            "liqCost": _num(self.liq_cost), "availEq": _num(self.avail_eq),
            "liqShock": None if self.liq_shock is None else {"down": _num(self.liq_shock[0]),
                                                              "up": _num(self.liq_shock[1])},
            "assets": [a.to_dict() for a in self.assets],
            "riskUnitData": [u.to_dict() for u in self.units],
            "positions": [p.to_dict() for p in self.positions],
            "warnings": list(self.warnings),
        }
        d.update(self.extra)
        return d

"""Explaining a portfolio-margin result down to the position (formats.md §7, docs/ENGINE.md "Explain").

``explain(portfolio, market)`` -> ``Explanation``: the result of ``engine.compute`` and, per risk unit, each
position's P&L in the unit's MR1 and MR6 scenarios, its shares of MR4, MR7 and MR9, the unit's MMR if it were
closed (all positions at once), one line in words per figure, and the best hedge per candidate instrument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..api import Prepared, evaluate, prepare
from ..errors import InputError
from ..market import Market
from ..params import RuleSet
from ..portfolio import Portfolio
from ..result import MarginResult
from .hedge import Hedge, best_hedges
from .positions import PositionFigures, book_scenarios, position_figures
from .rows import unit_base
from .text import derivations, margin_ratio_line

__all__ = ["Explanation", "UnitExplanation", "explain", "explain_prepared"]


@dataclass(frozen=True)
class UnitExplanation:
    risk_unit: str
    mmr: float
    lines: dict[str, str]
    figures: PositionFigures
    hedges: tuple[Hedge, ...]

    def positions(self) -> list[dict[str, Any]]:
        f = self.figures
        return [{"instId": f.inst_ids[i], "pos": float(f.pos[i]), "mr1Pnl": float(f.mr1_pnl[i]),
                 "mr6Pnl": float(f.mr6_pnl[i]), "mr4": float(f.mr4[i]), "mr7": float(f.mr7[i]), "mr9": float(f.mr9[i]),
                 "mmrIfClosed": float(f.mmr_if_closed[i]), **({"spotInUse": True} if f.spot_row and i == len(f.inst_ids) - 1 else {})}
                for i in range(len(f.inst_ids))]


@dataclass(frozen=True)
class Explanation:
    result: MarginResult
    units: tuple[UnitExplanation, ...]
    margin_ratio: str = ""
    extra: dict = field(default_factory=dict)

    def unit(self, name: str) -> UnitExplanation:
        for u in self.units:
            if u.risk_unit == name:
                return u
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """formats.md §7: the result of §3 with, per unit, ``explain``, ``positions`` and ``bestHedge``."""
        d = self.result.to_dict()
        by_name = {u.risk_unit: u for u in self.units}
        for row in d.get("riskUnitData", []):
            ex = by_name.get(row["riskUnit"])
            if ex is not None:
                row["explain"] = dict(ex.lines)
                row["positions"] = ex.positions()
                row["bestHedge"] = [h.to_dict() for h in ex.hedges]
        d["explainMarginRatio"] = self.margin_ratio
        return d


def explain(portfolio: Portfolio, market: Market, rules: str | RuleSet | None = None, *, hedge: bool = True,
            spot_in_use: Mapping[str, float | None] | None = None) -> Explanation:
    """Explain the portfolio-margin result of ``portfolio`` on ``market`` (InputError in multi-currency mode)."""
    return explain_prepared(prepare(portfolio, market, "pm", rules), hedge=hedge, spot_in_use=spot_in_use)


def explain_prepared(prepared: Prepared, *, hedge: bool = True,
                     spot_in_use: Mapping[str, float | None] | None = None,
                     only: str | None = None) -> Explanation:
    """Explain a prepared book (``only``: just that risk unit, as the workstation's detail panel asks)."""
    if prepared.mode != "pm":
        raise InputError("explain: needs portfolio margin mode (risk units)")
    prep = prepared.inner
    result = evaluate(prepared, spot_in_use)
    sc = book_scenarios(prep)
    user = dict(spot_in_use) if spot_in_use else None
    units = []
    for u, unit in enumerate(result.units):
        if only is not None and unit.risk_unit != only:
            continue
        fig = position_figures(prep, sc, unit, u, user)
        hedges: tuple[Hedge, ...] = ()
        if hedge:
            hedges = tuple(best_hedges(prep, sc, unit_base(prep, u, user), unit.max_spot_in_use))
        units.append(UnitExplanation(risk_unit=unit.risk_unit, mmr=unit.mmr, lines=derivations(unit, fig, result, prep.rules.get),
                                     figures=fig, hedges=hedges))
    return Explanation(result=result, units=tuple(units), margin_ratio=margin_ratio_line(result))

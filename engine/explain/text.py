"""One line in words per margin figure of a unit, naming the largest contributors and any assumed parameter."""

from __future__ import annotations

import numpy as np

from ..result import MarginResult, UnitResult
from .positions import PositionFigures

TOP = 3


def money(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def pct(s: float) -> str:
    return f"{s * 100:+.0f} %" if s else "0 %"


def _largest(fig: PositionFigures, values: np.ndarray, losses: bool) -> str:
    """The TOP rows by loss (most negative first) or by size (largest first), as "id value, ..."."""
    order = np.argsort(values) if losses else np.argsort(-values)
    picked = [i for i in order[:TOP] if (values[i] < 0 if losses else values[i] > 0)]
    if not picked:
        return ""
    return "; largest: " + ", ".join(f"{fig.inst_ids[i]} {money(values[i])}" for i in picked)


def _assumed(unit: UnitResult, key: str) -> str:
    params = unit.assumed_params.get(key, ())
    return f" [assumed: {', '.join(params)}]" if params else ""


def derivations(unit: UnitResult, fig: PositionFigures, result: MarginResult, rules_get) -> dict[str, str]:
    """figure -> one line (mr1..mr9, mmr, imr)."""
    mr = unit.mr
    f1, f6 = unit.mr1_final, unit.mr6_final
    frac = rules_get("mr6.lossFraction")
    lines = {
        "mr1": f"MR1 = loss at index {pct(f1.spot_shock)}, vol {f1.vol_shock}: {money(f1.pnl)} USD"
               + _largest(fig, fig.mr1_pnl, True),
        "mr2": f"MR2 = largest loss from {rules_get('mr2.horizonDays'):g} day(s) of time decay over the MR1 moves: "
               f"{money(mr['mr2'])} USD",
        "mr3": f"MR3 = loss in the worse of the two vol term-structure twists: {money(mr['mr3'])} USD",
        "mr4": f"MR4 = sum over expiry buckets of |net cash delta| x max(annual move x T, min shock): "
               f"{money(mr['mr4'])} USD" + _largest(fig, fig.mr4, False),
        "mr5": f"MR5 = loss with option forwards carried at -/+ {rules_get('mr5.rateShift') * 100:g} % a year: "
               f"{money(mr['mr5'])} USD",
        "mr6": f"MR6 = {frac:g} x loss at index {pct(f6.spot_shock)}, vol unchanged: {frac:g} x {money(-min(f6.pnl, 0.0))}"
               f" = {money(mr['mr6'])} USD" + _largest(fig, fig.mr6_pnl, True),
        "mr7": f"MR7 = minimum charge: sum of rate x |cash delta| over the derivatives, tier multipliers applied: "
               f"{money(mr['mr7'])} USD" + _largest(fig, fig.mr7, False),
        "mr8": f"MR8 = the account's borrowing MMR (every negative-equity currency): {money(mr['mr8'])} USD",
        "mr9": f"MR9 = stablecoin depeg charge on hedges across USDT-, USDC- and coin-margined deltas: "
               f"{money(mr['mr9'])} USD" + _largest(fig, fig.mr9, False),
    }
    lines = {k: v + _assumed(unit, k) for k, v in lines.items()}
    core = max(("mr1", "mr2", "mr6"), key=lambda k: mr[k])
    risk = mr[core] + mr["mr3"] + mr["mr4"] + mr["mr5"] + mr["mr9"]
    if unit.dominant == "mr7":
        mmr_line = f"MMR = MR7 {money(mr['mr7'])} USD (the floor: above the risk sum {money(risk)})"
    else:
        mmr_line = (f"MMR = max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9 = {money(mr[core])} + {money(mr['mr3'])} + "
                    f"{money(mr['mr4'])} + {money(mr['mr5'])} + {money(mr['mr9'])} = {money(unit.mmr)} USD "
                    f"({core.upper()} dominates)")
    lines["mmr"] = mmr_line + _assumed(unit, "mmr")
    lines["imr"] = f"IMR = {rules_get('imrMultiplier'):g} x MMR = {money(unit.imr)} USD" + _assumed(unit, "imr")
    return lines


def margin_ratio_line(result: MarginResult) -> str:
    """The margin ratio with its liquidation-cost term, so that the line adds up (rules spec 11.12)."""
    denom = result.total_mmr + result.liq_cost
    ratio = "n/a (nothing needs margin)" if result.margin_ratio is None else f"{result.margin_ratio:,.4g}"
    return (f"Margin ratio = adjusted equity / (MMR + liquidation cost) = {result.adj_eq:,.2f} / "
            f"({result.total_mmr:,.2f} + {result.liq_cost:,.2f}) = {result.adj_eq:,.2f} / {denom:,.2f} = {ratio}")

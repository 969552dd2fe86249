"""The engine calls the workstation makes, as plain functions run on the compute worker (never on the GUI thread).

Nothing here computes margin: each function only calls ``engine.api`` and bundles what the window displays
(plus the heatmap's zero line, pure geometry of the P&L grid, traced here so the GUI thread does not).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

import numpy as np

from engine.market import Market
from engine.portfolio import ACCT_LEVELS, Portfolio
from engine.result import MarginResult

# Grids for the charts of the selected risk unit.
UNIT_MOVES = np.round(np.linspace(-0.5, 0.5, 101), 10)          # index moves -50 % .. +50 %
VOL_SHIFTS = np.round(np.linspace(-0.3, 0.3, 25), 10)           # absolute vol shifts, -30 .. +30 vol points
CURVE_SHOCKS = np.round(np.linspace(-1.0, 1.0, 201), 10)
# While a what-if slider is held, each step's unit charts come with its result on coarser grids (the full grids
# follow at release): the stress curve on every 2nd move (51 points), the heatmap on every 5th move x every 3rd vol
# shift (21 x 9 cells instead of 101 x 25): 342 option revaluations per option instead of 2,828. Zero is on each.
# The margin curve of a held what-if slider: every LIVE_CURVE_EVERY-th shock of CURVE_SHOCKS (liquidation moves
# interpolated), in the curve's child process (curve_process.py, nice 5, the shocks on every core), a curve started
# at most every LIVE_CURVE_PACE_S after the previous one started (the newest scenario only): up to 12 a second,
# above the target of 10, when the cores have room, and no more, so that each shown curve's repaint (~6 ms of the
# window's thread) stays a small part of a drag.
LIVE_CURVE_EVERY = 5
LIVE_CURVE_PACE_S = 0.085
LIVE_STRESS_MOVES = UNIT_MOVES[::2]
LIVE_GRID_MOVES = UNIT_MOVES[::5]
LIVE_VOL_SHIFTS = VOL_SHIFTS[::3]


def mode_of(portfolio: Portfolio) -> str:
    return ACCT_LEVELS.get(portfolio.acct_lv, "pm")


@dataclass(frozen=True)
class MainOutcome:
    """A prepared book (for cheap re-evaluation) and its result with the liquidation moves; ``charts``: a what-if
    step's unit charts, computed with it while the slider is held (``live``)."""

    prepared: Any
    result: MarginResult
    spot_in_use: dict[str, float | None]
    charts: "UnitCharts | None" = None
    live: bool = False


def spot_map(portfolio: Portfolio, override: Mapping[str, float | None] | None = None) -> dict[str, float | None]:
    out: dict[str, float | None] = dict(portfolio.spot_in_use_amounts())
    if override:
        out.update(override)
    return out


def compute_main(portfolio: Portfolio, market: Market, scenario: Any = None, live_unit: str | None = None) -> MainOutcome:
    """The result of ``portfolio`` on ``market`` under the what-if ``scenario`` (None: as it is).

    The scenario is applied here, on the worker, through ``engine.whatif_fast`` (the book priced once per
    portfolio and market, repriced per step; bit-identical to ``apply_scenario`` + ``prepare``). ``live_unit``
    (a what-if slider held; "" for none selected): the charts of that unit (multi-currency: underlying) come with
    the result, on the live grids, so a step repaints the dashboard and the charts at once.
    """
    from engine import api
    from engine.whatif_fast import prepare_whatif
    prepared = prepare_whatif(portfolio, market, scenario, mode_of(portfolio), portfolio.rules).prepared
    spots = spot_map(portfolio)
    # no liquidation search here: the margin-curve job finds the liquidation moves on its own grid, so the
    # dashboard shows the margin at once and the liquidation moves when the curve arrives
    result = api.evaluate(prepared, spots)
    if live_unit is None:
        from engine.sources import result_sources      # where specs and tiers came from, as compute() says it
        result = replace(result, extra={**result.extra, "sources": result_sources(portfolio, market, result.acct_lv)})
        return MainOutcome(prepared, result, spots)
    return MainOutcome(prepared, result, spots, _live_charts(prepared, result, live_unit, spots), live=True)


def _live_charts(prepared: Any, result: MarginResult, unit: str, spots: Mapping[str, float | None]) -> "UnitCharts | None":
    """The unit's (multi-currency: the underlying's) charts on the live grids, or None when it has none."""
    from workstation.charts.contour import zero_contour
    from engine.shocked import run_parallel      # the two charts on both cores (numpy releases the GIL)
    if prepared.mode == "mc":
        from engine.underlying import underlying_grid, underlying_stress, underlyings
        if unit not in underlyings(prepared):
            return None
        grid, stress = run_parallel([lambda: underlying_grid(prepared, unit, LIVE_GRID_MOVES, LIVE_VOL_SHIFTS),
                                     lambda: underlying_stress(prepared, unit, LIVE_STRESS_MOVES)])
        return UnitCharts(unit, LIVE_STRESS_MOVES, stress, LIVE_VOL_SHIFTS, grid, zero_contour(grid),
                          kind="underlying", grid_moves=LIVE_GRID_MOVES)
    u = next((u for u in result.units if u.risk_unit == unit), None) if unit else None
    if u is None:
        return None
    # both charts in one pass over the unit's options, a call and a put of a strike priced once (engine.live_charts;
    # equal to stress_curve / pnl_grid up to rounding), with the spot in use of the result already evaluated
    from engine.live_charts import live_unit_charts
    stress, grid = live_unit_charts(prepared, unit, LIVE_STRESS_MOVES, LIVE_GRID_MOVES, LIVE_VOL_SHIFTS,
                                    u.spot_in_use, run_parallel)
    return UnitCharts(unit, LIVE_STRESS_MOVES, stress, LIVE_VOL_SHIFTS, grid, zero_contour(grid),
                      grid_moves=LIVE_GRID_MOVES)


@dataclass(frozen=True)
class PreviewOutcome:
    """A cheap re-evaluation with other spot-in-use amounts, and the selected unit's charts under them."""

    result: MarginResult
    charts: "UnitCharts | None"


def compute_preview(prepared: Any, spots: Mapping[str, float | None], unit: str = "") -> PreviewOutcome:
    from engine import api
    result = api.evaluate(prepared, spots)
    charts = compute_unit(prepared, unit, spots) if unit and any(u.risk_unit == unit for u in result.units) else None
    return PreviewOutcome(result, charts)


@dataclass(frozen=True)
class UnitCharts:
    unit: str
    moves: np.ndarray
    stress: np.ndarray          # (3, n)
    vol_shifts: np.ndarray
    grid: np.ndarray            # (n_vol, n_moves)
    contour: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None   # the grid's zero line (x, y, connect)
    kind: str = "unit"          # "unit": a PM risk unit; "underlying": an underlying's positions (multi-currency)
    grid_moves: np.ndarray | None = None   # the grid's moves when they are not ``moves`` (the live grids)

    @property
    def heat_moves(self) -> np.ndarray:
        return self.moves if self.grid_moves is None else self.grid_moves


def compute_unit(prepared: Any, unit: str, spots: Mapping[str, float | None]) -> UnitCharts:
    from engine import api
    from workstation.charts.contour import zero_contour
    stress = api.stress_curve(prepared, unit, UNIT_MOVES, spots)
    grid = api.pnl_grid(prepared, unit, UNIT_MOVES, VOL_SHIFTS, spots)
    # the heatmap's zero line is geometry of the grid: traced here, off the GUI thread
    return UnitCharts(unit, UNIT_MOVES, stress, VOL_SHIFTS, grid, zero_contour(grid))


def compute_underlying(prepared: Any, ccy: str) -> UnitCharts:
    """Multi-currency mode (no risk units): the P&L of ``ccy``'s positions and balance, for the same two charts."""
    from engine.underlying import underlying_grid, underlying_stress
    from workstation.charts.contour import zero_contour
    stress = underlying_stress(prepared, ccy, UNIT_MOVES)
    grid = underlying_grid(prepared, ccy, UNIT_MOVES, VOL_SHIFTS)
    return UnitCharts(ccy, UNIT_MOVES, stress, VOL_SHIFTS, grid, zero_contour(grid), kind="underlying")


def compute_curve(portfolio: Portfolio, market: Market, live: bool = False, scenario: Any = None) -> Any:
    """The margin curve under the what-if ``scenario``; ``live`` (a what-if being dragged): every 5th shock,
    liquidation moves interpolated."""
    from engine import api
    from engine.whatif_fast import prepare_whatif
    if live:
        from engine.curve import preview_curve
        return preview_curve(prepare_whatif(portfolio, market, scenario, mode_of(portfolio), portfolio.rules).prepared,
                             CURVE_SHOCKS[::LIVE_CURVE_EVERY])
    if scenario is not None and not scenario.is_identity:     # the full curve: 0.2-0.6 s, a book rebuilt is noise
        from engine.scenario import apply_scenario
        portfolio, market = apply_scenario(portfolio, market, scenario)
    return api.margin_curve(portfolio, market, mode_of(portfolio), portfolio.rules, CURVE_SHOCKS)


@dataclass(frozen=True)
class Comparison:
    """Before/after of a mode switch or a rule-set change, as formats.md §3 dicts."""

    kind: str                   # "mode" | "rules"
    target: str                 # "pm"/"mc" or a rule-set id
    before: dict
    after: dict
    s_code: str | None
    reasons: tuple[str, ...]
    allowed: bool


def _reasons(d: Mapping) -> tuple[str, ...]:
    r = d.get("reasons") or ()
    if isinstance(r, str):
        return (r,)
    return tuple(str(x.get("reason") or x.get("msg") or x) if isinstance(x, dict) else str(x) for x in r)


def _pair(d: Mapping) -> tuple[dict, dict]:
    for a, b in (("from", "to"), ("before", "after"), ("old", "new")):
        if isinstance(d.get(a), dict) and isinstance(d.get(b), dict):
            return d[a], d[b]
    raise KeyError("comparison result carries neither from/to nor before/after")


def compare_mode(portfolio: Portfolio, market: Market, to: str) -> Comparison:
    from engine import api
    d = api.switch_mode(portfolio, market, to).to_dict()
    before, after = _pair(d)
    s_code = None if d.get("sCode") is None else str(d.get("sCode"))
    notes = tuple(f"Note: {n}" for n in d.get("notes") or ())
    return Comparison("mode", to, before, after, s_code, _reasons(d) + notes, s_code in (None, "0"))


def compare_rule_sets(portfolio: Portfolio, market: Market, rules_from: str, rules_to: str) -> Comparison:
    from engine import api
    d = api.compare_rules(portfolio, market, rules_from, rules_to).to_dict()
    before, after = _pair(d)
    notes = list(_reasons(d))
    for m in d.get("splits") or ():
        to = m.get("to")
        notes.append(f"{m.get('ccy')}: risk unit {m.get('from')} splits into "
                     f"{', '.join(map(str, to)) if isinstance(to, list) else to}")
    for m in d.get("merges") or ():
        frm = m.get("from")
        notes.append(f"{m.get('ccy')}: risk units {', '.join(map(str, frm)) if isinstance(frm, list) else frm} "
                     f"merge into {m.get('to')}")
    for n in d.get("notes") or ():
        notes.append(str(n))
    return Comparison("rules", rules_to, before, after, None, tuple(notes), True)


@dataclass(frozen=True)
class ExplainOutcome:
    """The selected unit explained down to the position (engine.explain), for the detail panel."""

    unit: Any                 # engine.explain.UnitExplanation
    ratio_line: str


def compute_explain(prepared: Any, unit: str, spots: Mapping[str, float | None]) -> ExplainOutcome | None:
    """Per-position contributions, MMR if closed, derivation lines and best hedges of one unit (portfolio margin)."""
    if getattr(prepared, "mode", None) != "pm":
        return None
    from engine.explain import explain_prepared
    ex = explain_prepared(prepared, spot_in_use=dict(spots), only=unit)
    return ExplainOutcome(ex.unit(unit), ex.margin_ratio) if ex.units else None

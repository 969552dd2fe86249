"""The engine's public API (formats.md §5, docs/ARCHITECTURE.md): pure functions, frozen inputs, full results."""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Callable, Literal, Mapping

import numpy as np

from .book import Book, build_book, shift_book
from .catalogue import is_stablecoin
from .errors import InputError
from .market import Market
from .params import RuleSet, load_rule_set
from .portfolio import Portfolio
from .result import MarginResult

Mode = Literal["spot", "futures", "mc", "pm"]
DEFAULT_SHOCKS = np.round(np.linspace(-1.0, 1.0, 201), 10)


@dataclass(frozen=True)
class Prepared:
    """A book valued for one mode and rule set; ``evaluate`` turns it into a result cheaply."""

    mode: Mode
    inner: Any


def _mode_of(portfolio: Portfolio, mode: str | None) -> Mode:
    """The mode to compute in: ``mode`` (any spelling engine.modes accepts) or else the portfolio's acctLv."""
    from .modes import MODE_OF_ACCT_LV, parse_mode
    if mode is None:
        return MODE_OF_ACCT_LV.get(portfolio.acct_lv, "pm")  # type: ignore[return-value]
    return parse_mode(mode)


def _rules_of(portfolio: Portfolio, rules: str | RuleSet | None) -> RuleSet:
    return load_rule_set(rules if rules is not None else portfolio.rules)


def _check_inputs(portfolio: Any, market: Any) -> None:
    if not isinstance(portfolio, Portfolio):
        raise InputError(f"portfolio: expected an engine Portfolio (use load_portfolio), got {type(portfolio).__name__}")
    if not isinstance(market, Market):
        raise InputError(f"market: expected an engine Market (use load_market), got {type(market).__name__}")


def prepare(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None,
            *, book: Book | None = None) -> Prepared:
    """Value every position over every scenario (the expensive part)."""
    _check_inputs(portfolio, market)
    m = _mode_of(portfolio, mode)
    rs = _rules_of(portfolio, rules)
    if m == "pm":
        from .pm import prepare_pm
        return Prepared("pm", prepare_pm(portfolio, market, rs, book=book))
    if m in ("spot", "futures"):
        raise InputError(f"mode: {m} mode (acctLv {'1' if m == 'spot' else '2'}) is not computed yet")
    from .mc import prepare_mc
    return Prepared("mc", prepare_mc(portfolio, market, rs, book=book))


def evaluate(prepared: Prepared, spot_in_use: Mapping[str, float | None] | None = None) -> MarginResult:
    """Aggregate a prepared book, optionally with other spot-in-use amounts (ccy -> coin; None = automatic)."""
    if prepared.mode == "pm":
        from .pm import evaluate_pm
        return evaluate_pm(prepared.inner, spot_in_use)
    from .mc import evaluate_mc
    return evaluate_mc(prepared.inner)


def compute(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None,
            *, liq_shock: bool = True) -> MarginResult:
    """Margin of a portfolio on a market (formats.md §5). ``liq_shock`` also searches the liquidation moves."""
    prepared = prepare(portfolio, market, mode, rules)
    result = evaluate(prepared)
    if liq_shock:
        result = replace(result, liq_shock=liquidation_shocks(prepared, result))
    return result


def _shifted_market(market: Market, move: float) -> Market:
    index = {k: (v if is_stablecoin(k.split("-")[0]) else max(v * (1.0 + move), v * 1e-6)) for k, v in market.index.items()}
    return replace(market, index=MappingProxyType(index))


def _evaluate_at(prepared: Prepared, move: float) -> MarginResult:
    """The account after every crypto index moved by ``move``, same mode, rules and user spot-in-use."""
    inner = prepared.inner
    book = shift_book(inner.book, move)
    shifted = prepare(inner.portfolio, _shifted_market(inner.market, move), prepared.mode, inner.rules, book=book)
    return evaluate(shifted)


def _ratio(result: MarginResult) -> float:
    return np.inf if result.margin_ratio is None else result.margin_ratio


@dataclass(frozen=True)
class MarginCurve:
    shocks: np.ndarray
    mmr: np.ndarray
    margin_ratio: np.ndarray        # inf where nothing needs margin
    liq_shock: tuple[float | None, float | None]

    def to_dict(self) -> dict:
        return {"mmrData": [{"shockFactor": float(s), "mmr": float(m), "mmrRatio": (float(r) if np.isfinite(r) else None)}
                            for s, m, r in zip(self.shocks, self.mmr, self.margin_ratio)],
                "liqShock": {"down": self.liq_shock[0], "up": self.liq_shock[1]}}


def margin_curve(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None,
                 shocks: np.ndarray | None = None) -> MarginCurve:
    """MMR and margin ratio across index moves applied to every crypto at once (OKX position-builder graph)."""
    prepared = prepare(portfolio, market, mode, rules)
    return curve_of(prepared, DEFAULT_SHOCKS if shocks is None else np.asarray(shocks, dtype=float))


def curve_of(prepared: Prepared, shocks: np.ndarray) -> MarginCurve:
    ratios: dict[float, float] = {}

    def evaluate_and_remember(s: float) -> MarginResult:
        result = _evaluate_at(prepared, s)
        ratios[s] = _ratio(result)
        return result

    results = [evaluate_and_remember(float(s)) for s in shocks]
    mmr = np.array([r.total_mmr for r in results])
    ratio = np.array([_ratio(r) for r in results])
    base = evaluate(prepared)
    # the liquidation scan revisits most of the curve's shocks (exactly equal floats): reuse those ratios
    liq = _liquidation_search(lambda s: ratios[s] if s in ratios else _ratio(_evaluate_at(prepared, s)), _ratio(base))
    return MarginCurve(shocks=shocks, mmr=mmr, margin_ratio=ratio, liq_shock=liq)


def liquidation_shocks(prepared: Prepared, base: MarginResult, step: float = 0.01,
                       tol: float = 1e-4) -> tuple[float | None, float | None]:
    """Smallest index moves down and up (every crypto at once) at which marginRatio falls to 1; None within ±100 %."""
    return _liquidation_search(lambda s: _ratio(_evaluate_at(prepared, s)), _ratio(base), step, tol)


def _liquidation_search(ratio_at: Callable[[float], float], base_ratio: float, step: float = 0.01,
                        tol: float = 1e-4) -> tuple[float | None, float | None]:
    """Scan each side on a ``step`` grid for the first ratio <= 1, then bisect that step down to ``tol``."""
    if base_ratio <= 1.0:
        return (0.0, 0.0)
    out: list[float | None] = []
    for sign in (-1.0, 1.0):
        found = None
        prev = 0.0
        for k in range(1, int(round(1.0 / step)) + 1):
            s = sign * k * step
            if ratio_at(s) <= 1.0:
                lo, hi = prev, s
                while abs(hi - lo) > tol:
                    mid = 0.5 * (lo + hi)
                    if ratio_at(mid) <= 1.0:
                        hi = mid
                    else:
                        lo = mid
                found = round(hi, 6)
                break
            prev = s
        out.append(found)
    return out[0], out[1]


def _unit_rows(prepared: Prepared, unit: str) -> np.ndarray:
    inner = prepared.inner
    if prepared.mode != "pm":
        raise InputError("stress charts need portfolio margin mode (risk units)")
    try:
        u = inner.units.names.index(unit)
    except ValueError:
        raise InputError(f"risk unit {unit!r} not in this portfolio ({', '.join(inner.units.names)})") from None
    return np.flatnonzero(inner.units.of_position == u), u


def stress_curve(prepared: Prepared, unit: str, moves: np.ndarray,
                 spot_in_use: Mapping[str, float | None] | None = None) -> np.ndarray:
    """P&L (USD) of a risk unit over index moves for vol down / same / up (MR1 vol shocks): shape (3, n)."""
    rows, u = _unit_rows(prepared, unit)
    moves = np.asarray(moves, dtype=float)
    derivatives = _memo(prepared, ("stress", unit, moves.tobytes()), lambda: _stress_derivatives(prepared, rows, moves))
    return derivatives + _spot_pnl(prepared, u, moves, spot_in_use)[None, :]


def _stress_derivatives(prepared: Prepared, rows: np.ndarray, moves: np.ndarray) -> np.ndarray:
    from .pm.scenarios import curve_pnl, vol_shock_size
    inner = prepared.inner
    out = np.zeros((3, moves.size))
    opt_rows = rows[inner.book.kind[rows] == 2]
    lin_rows = rows[inner.book.kind[rows] != 2]
    base = curve_pnl(inner.book, lin_rows, moves, np.zeros(1))[0]
    out += base[None, :]
    if opt_rows.size:
        shock = vol_shock_size(inner.book.days[opt_rows], inner.book.vol[opt_rows], inner.rules)
        floor = inner.rules.get("mr1.volFloor")
        for state, sign in enumerate((-1.0, 0.0, 1.0)):
            b = inner.book
            shifted = replace(b, vol=b.vol.copy())
            v = b.vol[opt_rows] + sign * shock
            shifted.vol[opt_rows] = np.maximum(v, floor) if sign < 0 else v
            out[state] += curve_pnl(shifted, opt_rows, moves, np.zeros(1))[0]
    return out


def _memo(prepared: Prepared, key: tuple, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """The derivative part of a chart, computed once per prepared book (a spot-in-use drag only adds spot P&L)."""
    memo = prepared.inner.memo
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _spot_pnl(prepared: Prepared, u: int, moves: np.ndarray, spot_in_use) -> np.ndarray:
    result = evaluate(prepared, spot_in_use)
    amt = result.units[u].spot_in_use
    return amt * prepared.inner.unit_spot[u] * moves


def pnl_grid(prepared: Prepared, unit: str, moves: np.ndarray, vol_shifts: np.ndarray,
             spot_in_use: Mapping[str, float | None] | None = None) -> np.ndarray:
    """P&L (USD) of a risk unit over index moves x absolute vol shifts: shape (n_vol, n_moves)."""
    from .pm.scenarios import curve_pnl
    rows, u = _unit_rows(prepared, unit)
    moves = np.asarray(moves, dtype=float)
    vol_shifts = np.asarray(vol_shifts, dtype=float)
    grid = _memo(prepared, ("grid", unit, moves.tobytes(), vol_shifts.tobytes()),
                 lambda: curve_pnl(prepared.inner.book, rows, moves, vol_shifts))
    return grid + _spot_pnl(prepared, u, moves, spot_in_use)[None, :]


def graph(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None) -> dict:
    """``riskws graph`` JSON: {"mmrData": [{"shockFactor", "mmr", "mmrRatio"}], "liqShock": {...}}."""
    return margin_curve(portfolio, market, mode, rules).to_dict()


def switch_mode(portfolio: Portfolio, market: Market, to: str) -> Any:
    from .switch import switch_mode as _switch
    return _switch(portfolio, market, to)


def compare_rules(portfolio: Portfolio, market: Market, rules_from: str, rules_to: str) -> Any:
    from .compare import compare_rules as _compare
    return _compare(portfolio, market, rules_from, rules_to)

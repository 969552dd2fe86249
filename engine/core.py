"""Prepare, evaluate, compute: a book valued for one mode and rule set, and its margin result (formats.md §5)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Literal, Mapping

from .book import Book
from .errors import InputError
from .market import Market
from .params import RuleSet, load_rule_set
from .portfolio import Portfolio
from .result import MarginResult

Mode = Literal["spot", "futures", "mc", "pm"]


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
    if m == "futures":
        from .futures import prepare_futures
        return Prepared("futures", prepare_futures(portfolio, market, rs, book=book))
    if m == "spot":
        from .futures import prepare_spot
        return Prepared("spot", prepare_spot(portfolio, market, rs, book=book))
    from .mc import prepare_mc
    return Prepared("mc", prepare_mc(portfolio, market, rs, book=book))


def evaluate(prepared: Prepared, spot_in_use: Mapping[str, float | None] | None = None) -> MarginResult:
    """Aggregate a prepared book, optionally with other spot-in-use amounts (ccy -> coin; None = automatic)."""
    if prepared.mode == "pm":
        from .pm import evaluate_pm
        return evaluate_pm(prepared.inner, spot_in_use)
    if prepared.mode == "futures":
        from .futures import evaluate_futures
        return evaluate_futures(prepared.inner)
    if prepared.mode == "spot":
        from .futures import evaluate_spot
        return evaluate_spot(prepared.inner)
    from .mc import evaluate_mc
    return evaluate_mc(prepared.inner)


def compute(portfolio: Portfolio, market: Market, mode: str | None = None, rules: str | RuleSet | None = None,
            *, liq_shock: bool = True, progress: Callable[[int, int], None] | None = None) -> MarginResult:
    """Margin of a portfolio on a market (formats.md §5). ``liq_shock`` also searches the liquidation moves;
    ``progress(done, total)`` hears how far that search is (scan steps), for a long one on a big book."""
    prepared = prepare(portfolio, market, mode, rules)
    result = evaluate(prepared)
    if liq_shock:
        from .liquidation import liquidation_shocks   # liquidation -> shocked -> core: imported here, not at the top
        result = replace(result, liq_shock=liquidation_shocks(prepared, result, progress=progress))
    from .sources import result_sources
    return replace(result, extra={**result.extra, "sources": result_sources(portfolio, market, result.acct_lv)})

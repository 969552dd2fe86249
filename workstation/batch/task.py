"""The work of one batch task: one book, every scenario, mode and rule set (runs on a Dask worker; pure)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

from engine import InputError
from engine.market import Market, market_from_dict
from engine.scenario import Scenario, apply_scenario, check_scenario

from .books import BookRef

BASE_COLUMNS = ("book", "scenario", "mode", "rules", "totalMmr", "totalImr", "adjEq", "eq", "marginRatio",
                "breach", "liquidation", "error", "warnings")
UNIT_PREFIX = "mmr."
_MARKETS: dict[str, Market] = {}     # per worker process: a snapshot is parsed once, whatever the number of books
_SHOCKED: dict[tuple[str, Scenario], Market] = {}   # and shocked once per scenario, for all the books of the worker


def market_key(doc: dict) -> str:
    return hashlib.sha1(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _market(doc: dict, key: str) -> Market:
    m = _MARKETS.get(key)
    if m is None:
        if len(_MARKETS) > 8:
            _MARKETS.clear()
        m = _MARKETS[key] = market_from_dict(doc, "market")
    return m


def _shocked(market: Market, key: str, scenario: Scenario) -> Market:
    m = _SHOCKED.get((key, scenario))
    if m is None:
        if len(_SHOCKED) > 512:
            _SHOCKED.clear()
        m = _SHOCKED[(key, scenario)] = check_scenario(market, scenario)
    return m


def error_row(book: str, scenario: str, mode: str, rules: str, reason: str) -> dict[str, Any]:
    return {"book": book, "scenario": scenario, "mode": mode, "rules": rules, "totalMmr": None, "totalImr": None,
            "adjEq": None, "eq": None, "marginRatio": None, "breach": None, "liquidation": None,
            "error": " ".join(str(reason).split()), "warnings": ""}


def result_row(book: str, scenario: str, mode: str, result, ratio_floor: float, warnings: Sequence[str]) -> dict:
    """One table row; ``marginRatio`` None when nothing needs margin (never a breach)."""
    ratio = None if result.margin_ratio is None else float(result.margin_ratio)
    row = {"book": book, "scenario": scenario, "mode": mode, "rules": result.rules,
           "totalMmr": float(result.total_mmr), "totalImr": float(result.total_imr), "adjEq": float(result.adj_eq),
           "eq": float(result.eq), "marginRatio": ratio,
           "breach": ratio is not None and ratio < ratio_floor, "liquidation": ratio is not None and ratio <= 1.0,
           "error": "", "warnings": " | ".join(" ".join(w.split()) for w in (*warnings, *result.warnings))}
    for u in result.units:
        row[UNIT_PREFIX + u.risk_unit] = float(u.mmr)
    return row


def _mode_name(portfolio, mode: str | None) -> str:
    """The mode computed: the one asked for, else the book's acctLv (as engine.compute decides)."""
    from engine.modes import MODE_OF_ACCT_LV, parse_mode
    return parse_mode(mode) if mode is not None else MODE_OF_ACCT_LV.get(portfolio.acct_lv, "pm")


def evaluate_book(ref: BookRef, market_doc: dict, key: str, scenarios: Sequence[Scenario],
                  modes: Sequence[str | None], rules: Sequence[str | None], ratio_floor: float) -> list[dict]:
    """Rows of one book: (scenario x mode x rules), in that order; a bad book is one error row.

    Each scenario changes prices, so each needs its own ``compute`` (liq_shock=False: the liquidation search is
    not part of a batch row). Errors never escape: a failure is the row's ``error``.
    """
    from engine import compute
    from engine.importers.checks import check_against_market
    try:
        market = _market(market_doc, key)
        portfolio = ref.load()
        check_against_market(portfolio, market, ref.label, "market")
    except Exception as exc:  # noqa: BLE001 - a bad book is a row, the batch goes on
        return [error_row(ref.label, "", "", "", _reason(exc))]
    rows: list[dict] = []
    for s in scenarios:
        try:
            applied = apply_scenario(portfolio, market, s, shocked=_shocked(market, key, s))
        except Exception as exc:  # noqa: BLE001
            rows.extend(error_row(ref.label, s.name, str(m or ""), str(r or ""), _reason(exc))
                        for m in modes for r in rules)
            continue
        for m in modes:
            for r in rules:
                try:
                    mode = _mode_name(portfolio, m)
                    result = compute(applied.portfolio, applied.market, mode, r, liq_shock=False)
                    rows.append(result_row(ref.label, s.name, mode, result, ratio_floor, applied.warnings))
                except Exception as exc:  # noqa: BLE001
                    rows.append(error_row(ref.label, s.name, str(m or ""), str(r or ""), _reason(exc)))
    return rows


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"

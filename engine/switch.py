"""Simulated account-mode switch (rules spec 5, 11.14): OKX's precheck for any of the twelve switches between
spot (1), spot and futures (2), multi-currency margin (3) and portfolio margin (4).

``switch_mode(portfolio, market, to)`` computes the account in its current mode (the portfolio's ``acctLv``) and in
the target mode, then runs the precheck (``engine.switch_checks``) and returns the first failing ``sCode`` (strings,
like OKX):

* ``"1"`` unmatched information: to spot, every derivative position (``all_positions``) and borrowing
  (``repay_borrowings``); to futures, borrowings; isolated positions (``isolated_contract``, resources/modes.json
  ``switch.isolatedBlocks``, assumed); to portfolio margin, adjusted equity below rules ``pmMinAdjEq`` (10,000 USD:
  ``asset_validation`` with ``totalAsset``).
* ``"3"`` leverage not preset: portfolio margin -> futures / multi-currency with cross SWAP / FUTURES positions needs
  a leverage for every such family in the portfolio's ``lever``. The target is still computed at the default.
* ``"4"`` position-tier or margin check (targets 2 and 3: a family above its tier's maxSz at the preset leverage;
  projected mgnRatio <= ``switch.minMarginRatio`` or available equity < ``switch.minAvailEq``, per currency in
  futures mode).
* ``"0"`` pass.

Every failed check is listed in ``reasons`` (all of them, not only the first code's) with the positions named in
full; ``notes`` say what happens to spot in use, long options and isolated positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .core import evaluate, prepare
from .errors import InputError
from .market import Market
from .modes import ACCT_LV, MODE_NAMES, MODE_OF_ACCT_LV, parse_mode
from .params import RuleSet, load_rule_set
from .portfolio import Portfolio
from .result import MarginResult
from .switch_checks import S_CODE_ORDER, Check, lever_preset, margin_checks, tier_checks, unmatched_info
from .switch_diff import diffs, mgn, notes

MODES = ACCT_LV
__all__ = ["Check", "MODES", "MODE_NAMES", "SwitchResult", "switch_mode"]


@dataclass(frozen=True)
class SwitchResult:
    from_mode: str
    to_mode: str
    s_code: str
    checks: tuple[Check, ...]
    before: MarginResult
    after: MarginResult
    unit_diff: tuple[dict[str, Any], ...]
    position_diff: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()
    currency_diff: tuple[dict[str, Any], ...] = ()

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sCode": self.s_code,
            "reasons": list(self.reasons),
            "fromMode": self.from_mode, "toMode": self.to_mode,
            "acctLvFrom": ACCT_LV[self.from_mode], "acctLv": ACCT_LV[self.to_mode],
            "curAcctLv": ACCT_LV[self.from_mode],
            "mgnBf": mgn(self.before), "mgnAft": mgn(self.after),
            "checks": [c.to_dict() for c in self.checks],
            "unmatchedInfoCheck": [dict(type=c.type, **c.detail) for c in self.checks if c.code == "1"],
            "posTierCheck": [c.detail for c in self.checks if c.type == "pos_tier"],
            "unitDiff": list(self.unit_diff),
            "positionDiff": list(self.position_diff),
            "currencyDiff": list(self.currency_diff),
            "notes": list(self.notes),
            "from": self.before.to_dict(),
            "to": self.after.to_dict(),
        }


def _compute(portfolio: Portfolio, market: Market, mode: str, rules: RuleSet) -> MarginResult:
    """The account in ``mode``; spot mode values the balances even when positions stand in the way."""
    if mode == "spot":
        from .core import Prepared
        from .futures import evaluate_spot, prepare_spot
        return evaluate(Prepared("spot", prepare_spot(portfolio, market, rules, strict=False)))
    return evaluate(prepare(portfolio, market, mode, rules))


def switch_mode(portfolio: Portfolio, market: Market, to: str) -> SwitchResult:
    """Simulate OKX's precheck for switching ``portfolio`` to ``to`` (spot, futures, mc, pm or acctLv 1-4)."""
    to = parse_mode(to, "to")
    if not isinstance(portfolio, Portfolio) or not isinstance(market, Market):
        raise InputError("switch: expected an engine Portfolio and Market (use load_portfolio / load_market)")
    from .futures import load_mode_params
    from .mc.tiers import load_tier_table, with_snapshot_tiers
    src = MODE_OF_ACCT_LV.get(portfolio.acct_lv, "pm")
    rules = load_rule_set(portfolio.rules)
    params = load_mode_params()
    tiers = with_snapshot_tiers(load_tier_table(None, at=market.ts), market)
    before = _compute(portfolio, market, src, rules)
    after = _compute(portfolio, market, to, rules)
    checks = (unmatched_info(portfolio, src, to, after, rules, params) + lever_preset(portfolio, src, to, tiers)
              + tier_checks(portfolio, market, to, tiers) + margin_checks(to, after, tiers))
    checks.sort(key=lambda c: S_CODE_ORDER[c.code])
    code = checks[0].code if checks else "0"
    pm = before if src == "pm" else after if to == "pm" else _compute(portfolio, market, "pm", rules)
    unit_diff, position_diff, currency_diff = diffs(portfolio, src, to, before, after, pm)
    return SwitchResult(from_mode=src, to_mode=to, s_code=code, checks=tuple(checks), before=before, after=after,
                        unit_diff=tuple(unit_diff), position_diff=tuple(position_diff),
                        notes=tuple(notes(portfolio, src, to, before, after, params)),
                        currency_diff=tuple(currency_diff))

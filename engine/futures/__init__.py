"""Spot and futures mode (acctLv 2, per settlement currency) and spot mode (acctLv 1)."""

from .margin import CurrencyDetail, FuturesPositionResult, PreparedFutures, evaluate_futures, prepare_futures
from .params import ModeParams, load_mode_params
from .spot import PreparedSpot, evaluate_spot, prepare_spot, spot_blockers

__all__ = ["CurrencyDetail", "FuturesPositionResult", "ModeParams", "PreparedFutures", "PreparedSpot",
           "evaluate_futures", "evaluate_spot", "load_mode_params", "prepare_futures", "prepare_spot", "spot_blockers"]

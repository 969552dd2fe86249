"""Multi-currency margin mode (acctLv 3): position tiers, leverage, option margin (rules spec 4, 11.13)."""

from .margin import MCPositionResult, MCPositionRows, PreparedMC, evaluate_mc, family_totals, position_margins, prepare_mc
from .tiers import TierRow, TierTable, available_tier_tables, load_tier_table, tier_table_from_dict

__all__ = ["MCPositionResult", "MCPositionRows", "PreparedMC", "TierRow", "TierTable", "available_tier_tables", "evaluate_mc",
           "family_totals", "load_tier_table", "position_margins", "prepare_mc", "tier_table_from_dict"]

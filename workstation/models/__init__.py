"""Table models over engine results, each driven by a declared column spec (also used for CSV export)."""

from .columns import Column, ColumnTableModel
from .tables import AssetModel, IndexModel, PositionModel, RiskUnitModel

__all__ = ["AssetModel", "Column", "ColumnTableModel", "IndexModel", "PositionModel", "RiskUnitModel"]

"""Portfolio margin mode (acctLv 4): risk units, spot in use, MR1..MR9 (rules spec sections 2, 3, 11)."""

from .evaluate import evaluate_pm, spot_in_use_limits
from .prepare import PreparedPM, prepare_pm

__all__ = ["PreparedPM", "evaluate_pm", "prepare_pm", "spot_in_use_limits"]

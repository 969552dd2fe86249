"""sqlite-utils' ``Database``, imported without pandas.

sqlite-utils imports pandas when it is installed (pandas is here, for Dask and Parquet), only to map
``pandas.Timestamp`` to TEXT when inserting, which riskws never does. That import costs ~140 ms of every start of
the workstation and the command line (issue 16, cold start). So the first import of sqlite-utils runs with pandas
hidden (``sys.modules["pandas"] = None`` makes ``import pandas`` raise ImportError for that moment only); when
pandas is already loaded, or sqlite-utils is, nothing is hidden. Later imports of pandas are unaffected.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def _sqlite_utils() -> ModuleType:
    if "pandas" in sys.modules or "sqlite_utils" in sys.modules:
        return importlib.import_module("sqlite_utils")
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        return importlib.import_module("sqlite_utils")
    finally:
        if "pandas" in sys.modules and sys.modules["pandas"] is None:
            del sys.modules["pandas"]


Database = _sqlite_utils().Database

__all__ = ["Database"]

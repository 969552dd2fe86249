"""Where a user's own scenario files live (Qt-free): every ``*.json`` there joins the shipped library."""

from __future__ import annotations

import os
from pathlib import Path


def user_scenario_dirs() -> list[Path]:
    """``$RISKWS_SCENARIOS`` (folders separated by the path separator), else the user data folder's ``scenarios``
    (``$XDG_DATA_HOME/riskws/scenarios``, default ``~/.local/share/riskws/scenarios``)."""
    override = os.environ.get("RISKWS_SCENARIOS")
    if override:
        return [Path(p).expanduser() for p in override.split(os.pathsep) if p]
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return [Path(base).expanduser() / "riskws" / "scenarios"]

"""Typed application settings in one INI file at an explicit path (mnelab's design).

``DEFAULTS`` fixes every key and its type; reading or writing an unknown key raises ``KeyError``. The file path is
``$RISKWS_SETTINGS`` when set, else ``<AppConfigLocation>/riskws.ini``; tests redirect it with :func:`set_path`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

DEFAULTS: dict[str, Any] = {
    "theme": "light",
    "geometry": QByteArray(),
    "state": QByteArray(),
    "last_portfolio": "",
    "last_dir": "",
}

_path_override: Path | None = None


def set_path(path: str | os.PathLike | None) -> None:
    """Use this INI file from now on (None: back to the default location)."""
    global _path_override
    _path_override = None if path is None else Path(path)


def path() -> Path:
    if _path_override is not None:
        return _path_override
    env = os.environ.get("RISKWS_SETTINGS")
    if env:
        return Path(env)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(base or Path.home() / ".config" / "riskws") / "riskws.ini"


def _qsettings() -> QSettings:
    return QSettings(str(path()), QSettings.Format.IniFormat)


def _coerce(key: str, value: Any) -> Any:
    default = DEFAULTS[key]
    if isinstance(default, QByteArray):
        return value if isinstance(value, QByteArray) else QByteArray()
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)
    try:
        return type(default)(value)
    except (TypeError, ValueError):
        return default


def read(key: str) -> Any:
    """The stored value of ``key`` converted to its default's type (the default when absent or unreadable)."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    value = _qsettings().value(key, DEFAULTS[key])
    if value is None:
        return DEFAULTS[key]
    return _coerce(key, value)


def write(key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    default = DEFAULTS[key]
    if not isinstance(value, type(default)):
        raise TypeError(f"setting {key!r}: expected {type(default).__name__}, got {type(value).__name__}")
    s = _qsettings()
    s.setValue(key, value)
    s.sync()


def clear(key: str) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    s = _qsettings()
    s.remove(key)
    s.sync()

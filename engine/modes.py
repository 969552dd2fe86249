"""OKX's four account modes (``acctLv``) and how a mode is written on the command line or in a file.

Everything that takes a mode (``compute(mode=...)``, ``--mode``, ``switch --to``, a portfolio's ``acctLv``) goes
through :func:`parse_mode`, so ``spot``/``futures``/``mc``/``pm`` and OKX's codes ``1``-``4`` mean the same everywhere.
"""

from __future__ import annotations

from typing import Literal

from .errors import InputError

Mode = Literal["spot", "futures", "mc", "pm"]

MODES: tuple[Mode, ...] = ("spot", "futures", "mc", "pm")
ACCT_LV: dict[str, str] = {"spot": "1", "futures": "2", "mc": "3", "pm": "4"}
MODE_OF_ACCT_LV: dict[str, str] = {v: k for k, v in ACCT_LV.items()}
MODE_NAMES: dict[str, str] = {"spot": "spot", "futures": "spot and futures", "mc": "multi-currency margin",
                              "pm": "portfolio margin"}
MODE_CHOICES = "spot, futures, mc, pm or OKX's acctLv 1-4"

# spellings accepted besides the canonical names and the codes (case-insensitive)
_ALIASES = {"spot-and-futures": "futures", "single-currency": "futures", "multi-currency": "mc",
            "portfolio": "pm", "portfolio-margin": "pm"}


def parse_mode(value: object, field: str = "mode") -> Mode:
    """The canonical mode of ``value`` ("spot" | "futures" | "mc" | "pm"); InputError names ``field`` otherwise."""
    text = str(value).strip().lower() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text in ACCT_LV:
        return text  # type: ignore[return-value]
    if text in MODE_OF_ACCT_LV:
        return MODE_OF_ACCT_LV[text]  # type: ignore[return-value]
    if text in _ALIASES:
        return _ALIASES[text]  # type: ignore[return-value]
    raise InputError(f"{field}: unknown account mode {value!r} (expected {MODE_CHOICES})")


def acct_lv_of(mode: object, field: str = "mode") -> str:
    """OKX's ``acctLv`` code ("1"-"4") of a mode written any accepted way."""
    return ACCT_LV[parse_mode(mode, field)]


def mode_name(mode: object) -> str:
    """Plain-words name of a mode ("spot and futures", ...)."""
    return MODE_NAMES[parse_mode(mode)]


def cli_mode(text: str) -> str:
    """argparse ``type=`` for ``--mode`` / ``--to``: the canonical mode; a bad one is a one-line usage error (exit 2)."""
    import argparse
    try:
        return parse_mode(text, "mode")
    except InputError:
        raise argparse.ArgumentTypeError(f"unknown account mode {text!r} (expected {MODE_CHOICES})") from None

"""Reading the data files shipped in the ``resources`` package."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources as _res
from typing import Any

from .errors import InputError


def resource_path(*parts: str):
    """A Traversable for a file under ``resources/``."""
    node = _res.files("resources")
    for part in parts:
        node = node.joinpath(part)
    return node


@lru_cache(maxsize=64)
def load_json_resource(*parts: str) -> Any:
    """Parsed JSON of a shipped resource file (cached: resource files are read-only)."""
    node = resource_path(*parts)
    name = "resources/" + "/".join(parts)
    try:
        text = node.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None

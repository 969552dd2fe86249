"""Reading the data files shipped in the ``resources`` package."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources as _res
from typing import Any

from .errors import InputError
from .jsonio import parse_json_text


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
    return parse_json_text(text, name)


def versioned_ids(folder: str) -> tuple[str, ...]:
    """Ids (file names without .json) of the versioned data files in ``resources/<folder>/``, sorted."""
    return tuple(sorted(p.name[:-5] for p in resource_path(folder).iterdir() if p.name.endswith(".json")))


def read_versioned(folder: str, item_id: str, what: str) -> tuple[Any, str]:
    """(parsed document, label) of ``resources/<folder>/<item_id>.json``; InputError lists the known ids."""
    label = f"resources/{folder}/{item_id}.json"
    try:
        text = resource_path(folder, f"{item_id}.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what}: unknown {what} {item_id!r} ({', '.join(versioned_ids(folder))})") from None
    return parse_json_text(text, label), label

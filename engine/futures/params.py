"""The parameters of the simpler account modes and of the switch that OKX leaves open (``resources/modes.json``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import InputError
from ..params import PROVENANCE
from ..resources import load_json_resource

LABEL = "resources/modes.json"
_PARAMS: dict[str, tuple[Any, str]] = {
    "futures.closeFeeRate": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1,
                             "a rate in [0, 1)"),
    "futures.longOptionsAsCollateral": (lambda v: isinstance(v, bool), "true or false"),
    "switch.isolatedBlocks": (lambda v: isinstance(v, bool), "true or false"),
    "switch.crossOptionBuyerBlocks": (lambda v: isinstance(v, bool), "true or false"),
}


@dataclass(frozen=True)
class ModeParams:
    id: str
    values: Mapping[str, Any]
    provenance: Mapping[str, str]

    def get(self, path: str) -> Any:
        return self.values[path]

    def is_assumed(self, path: str) -> bool:
        return self.provenance[path] == "assumed"

    def tag(self, path: str) -> str:
        """``id: path`` with the provenance, for the ``assumed`` lists of a result."""
        return f"{self.id}: {path}"


def mode_params_from_dict(doc: Mapping, label: str = LABEL) -> ModeParams:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("id"), str):
        raise InputError(f"{label}: id: missing or not a string")
    values, prov = {}, {}
    for path, (check, expected) in _PARAMS.items():
        node: Any = doc
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping) or "value" not in node:
            raise InputError(f"{label}: {path}: missing or not {{\"value\": ..., \"provenance\": ...}}")
        if not check(node["value"]):
            raise InputError(f"{label}: {path}.value: expected {expected}, got {node['value']!r}")
        if node.get("provenance") not in PROVENANCE:
            raise InputError(f"{label}: {path}.provenance: expected one of {', '.join(PROVENANCE)}")
        values[path], prov[path] = node["value"], node["provenance"]
    return ModeParams(doc["id"], MappingProxyType(values), MappingProxyType(prov))


@lru_cache(maxsize=1)
def load_mode_params() -> ModeParams:
    return mode_params_from_dict(load_json_resource("modes.json"))

"""The recorded-response layout (docs/FORMATS.md): what a fetch stores beside its snapshot, and what
``riskws market import`` reads back.

A responses file is one JSON object::

    {"format": "riskws-okx-responses/1", "fetchedAt": "2026-11-27T14:03:11.250Z", "families": ["BTC-USD", ...],
     "responses": [{"method": "GET", "path": "/api/v5/public/instruments", "params": {"instType": "SWAP"},
                    "status": 200, "receivedAt": "...", "body": "{\\"code\\":\\"0\\",...}"}]}

``body`` is OKX's answer exactly as received (a string; an already parsed object is accepted too). A folder holds
such files, or one file per response (an object with at least ``path`` and ``body``), read in name order.
No request header is ever recorded: there is nothing secret in it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.jsonio import parse_json_text

FORMAT = "riskws-okx-responses/1"


def responses_document(responses: list[dict], fetched_at: str, families: list[str] | None) -> dict:
    return {"format": FORMAT, "fetchedAt": fetched_at, "families": families, "responses": responses}


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _entries(doc: Any, label: str) -> tuple[list[dict], str | None]:
    if isinstance(doc, dict) and isinstance(doc.get("responses"), list):
        out = doc["responses"]
        fetched = doc.get("fetchedAt")
    elif isinstance(doc, dict) and "path" in doc and "body" in doc:
        out, fetched = [doc], None
    elif isinstance(doc, list):
        out, fetched = doc, None
    else:
        raise InputError(f"{label}: not a recorded OKX responses file (expected {{\"responses\": [...]}} or one "
                         f"response {{\"path\", \"body\"}})")
    for i, e in enumerate(out):
        if not isinstance(e, dict) or not isinstance(e.get("path"), str) or "body" not in e:
            raise InputError(f"{label}: responses[{i}]: expected an object with path and body")
    return out, fetched if isinstance(fetched, str) else None


def read_responses(source: Path) -> tuple[list[dict], str]:
    """(responses, fetchedAt) from a responses file or a folder of them; InputError names the file."""
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix == ".json" and p.is_file())
        if not files:
            raise InputError(f"{source}: no .json files in the folder")
    elif source.is_file():
        files = [source]
    else:
        raise InputError(f"{source}: no such file or folder")
    responses: list[dict] = []
    fetched: list[str] = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{f}: cannot read ({exc})") from None
        entries, when = _entries(parse_json_text(text, str(f)), str(f))
        responses += entries
        if when:
            fetched.append(when)
        fetched += [e["receivedAt"] for e in entries if isinstance(e.get("receivedAt"), str)]
    if not responses:
        raise InputError(f"{source}: no responses")
    return responses, max(fetched) if fetched else ""

"""What OKX answered for a book: an observation (formats.md §6), a position-builder response, or OKX
balance + positions responses, read into one ``OkxAnswer``.

Pure Python; every error is one ``InputError`` naming the file, the field and the problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from ..errors import InputError
from ..importers import okx
from ..importers.core import import_doc
from ..jsonio import parse_json_text, read_text_file
from ..market import Market, market_from_dict, parse_ts
from ..portfolio import Portfolio, portfolio_from_dict

BUILDER = "position-builder"
ACCOUNT = "balance+positions"


@dataclass(frozen=True)
class OkxAnswer:
    """One OKX answer for one book.

    ``kind``: "position-builder" (``data`` = the response's data[0]) or "balance+positions" (``data`` =
    ``{"balance": data[0] or None, "positions": [...]}``). ``portfolio``: the book the answer is for, when the
    file says (the request of an observation, or the positions and balances themselves). ``market``: the snapshot
    the answer was taken on (observations only; a stored snapshot's name is kept in ``market_name``).
    """

    kind: str
    data: Mapping[str, Any]
    label: str
    portfolio: Portfolio | None = None
    market: Market | None = None
    market_name: str | None = None
    rules: str | None = None
    taken_at: datetime | None = None
    acct_lv: str | None = None
    greeks_type: str | None = None
    answered_at: datetime | None = None   # OKX's own ts / uTime in the answer

    @property
    def is_observation(self) -> bool:
        return self.portfolio is not None and self.kind == BUILDER


def _ms(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _builder_data(resp: Any, where: str) -> dict:
    data = okx.response_data(resp, f"{where}: ")
    if len(data) != 1 or not isinstance(data[0], dict):
        raise InputError(f"{where}: data: expected one position-builder result, got {len(data)} item(s)")
    d = data[0]
    if not any(k in d for k in ("riskUnitData", "totalMmr", "positions")):
        raise InputError(f"{where}: data[0]: not a position-builder result (no riskUnitData, totalMmr or positions)")
    return d


def observation_from_dict(doc: Mapping, label: str, *, require_market: bool = True) -> OkxAnswer:
    """One observation object: ``request``, ``response``, ``market`` (snapshot or stored name), ``rules``, ``takenAt``."""
    for key in ("request", "response"):
        if key not in doc:
            raise InputError(f"{label}: {key}: missing (an observation holds request, response and market)")
    req = doc["request"]
    if not isinstance(req, dict):
        raise InputError(f"{label}: request: expected the position-builder request object")
    if req.get("inclRealPosAndEq") in (True, "true"):
        raise InputError(f"{label}: request.inclRealPosAndEq: true: OKX also counted the account's real positions "
                         f"and equity, which the observation does not hold (record with inclRealPosAndEq=false)")
    body, _ = okx.builder_to_portfolio_doc(req, f"{label}: request")
    portfolio = portfolio_from_dict({k: v for k, v in body.items() if k != "rules"}, f"{label}: request")
    data = _builder_data(doc["response"], f"{label}: response")
    market, market_name = None, None
    raw = doc.get("market")
    if raw is None:
        if require_market:
            raise InputError(f"{label}: market: missing: an observation must carry the snapshot the answer was "
                             f"taken on (formats.md §6)")
    elif isinstance(raw, str):
        market_name = raw
    elif isinstance(raw, dict):
        market = market_from_dict(raw, f"{label}: market")
    else:
        raise InputError(f"{label}: market: expected a snapshot object or a stored snapshot's name")
    rules = doc.get("rules")
    if rules is not None and not isinstance(rules, str):
        raise InputError(f"{label}: rules: expected a rule-set id")
    taken = parse_ts(doc["takenAt"], f"{label}: takenAt") if doc.get("takenAt") is not None else None
    acct = str(req.get("acctLv") or "4")
    if acct not in ("3", "4"):
        raise InputError(f"{label}: request.acctLv: expected \"3\" or \"4\" (position builder), got {acct!r}")
    return OkxAnswer(BUILDER, data, label, portfolio, market, market_name, rules, taken, acct,
                     str(req.get("greeksType") or "BS"), _ms(data.get("ts")))


def _account_answer(doc: Any, label: str) -> OkxAnswer:
    """Balance + positions responses: ``{"balance", "positions"}``, ``[positions, balance]`` or one of them."""
    parts: list[tuple[Any, str]] = []
    if isinstance(doc, dict) and ("balance" in doc or "positions" in doc):
        parts = [(doc[k], f"{label}: {k}") for k in ("positions", "balance") if k in doc]
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) and "data" in x for x in doc):
        parts = [(x, f"{label}: [{i}]") for i, x in enumerate(doc)]
    else:
        parts = [(doc, label)]
    balance, positions, stamps = None, [], []
    for resp, where in parts:
        data = okx.response_data(resp, f"{where}: ")
        if okx.is_balance_data(data):
            balance = data[0]
            stamps.append(_ms(balance.get("uTime")))
        elif okx.is_positions_data(data) or not data:
            positions.extend(data)
            stamps += [_ms(p.get("uTime")) for p in data if isinstance(p, dict)]
        else:
            raise InputError(f"{where}: data: neither an OKX balance (details[]) nor positions (instId, pos) response")
    book = import_doc(doc, label)
    stamps = [s for s in stamps if s is not None]
    return OkxAnswer(ACCOUNT, {"balance": balance, "positions": positions}, label, book.portfolio,
                     answered_at=max(stamps) if stamps else None)


def answer_from_doc(doc: Any, label: str, *, require_market: bool = True) -> OkxAnswer:
    """Any supported OKX answer document (see module docstring)."""
    if isinstance(doc, list) and doc and all(isinstance(x, dict) and "response" in x for x in doc):
        if len(doc) != 1:
            raise InputError(f"{label}: holds {len(doc)} observations; reconcile takes one (calibrate takes many)")
        doc = doc[0]
    if isinstance(doc, dict) and "response" in doc:
        return observation_from_dict(doc, label, require_market=require_market)
    if isinstance(doc, dict) and "data" in doc:
        data = okx.response_data(doc, f"{label}: ")
        if data and isinstance(data[0], dict) and any(k in data[0] for k in ("riskUnitData", "totalMmr")):
            return OkxAnswer(BUILDER, _builder_data(doc, label), label, answered_at=_ms(data[0].get("ts")))
    return _account_answer(doc, label)


def read_answer(path: str | os.PathLike, *, require_market: bool = True) -> OkxAnswer:
    """The OKX answer in a file (a truncated or malformed file is one InputError)."""
    text, label = read_text_file(path)
    return answer_from_doc(parse_json_text(text, label), label, require_market=require_market)


def read_observations(path: str | os.PathLike) -> list[OkxAnswer]:
    """Every observation in a file (one object or a list of them); each must carry its market."""
    text, label = read_text_file(path)
    doc = parse_json_text(text, label)
    items = doc if isinstance(doc, list) else [doc]
    out = []
    for i, item in enumerate(items):
        where = f"{label}: [{i}]" if isinstance(doc, list) else label
        if not isinstance(item, dict) or "response" not in item:
            raise InputError(f"{where}: expected an observation object {{request, response, market}}")
        out.append(observation_from_dict(item, where))
    if not out:
        raise InputError(f"{label}: no observation in the file")
    return out

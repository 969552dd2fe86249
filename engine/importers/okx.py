"""OKX sources: the position-builder request body and the ``GET /api/v5/account/positions`` and
``GET /api/v5/account/balance`` responses, turned into portfolio-file pieces (formats.md section 1).

Each item is validated where it stands in the source, so an error names ``data[3].pos`` rather than a field of
a document the user never wrote.
"""

from __future__ import annotations

from typing import Any

from ..catalogue import known_currencies, parse_inst_id
from ..errors import InputError
from ..numbers import parse_number
from ..portfolio import MAX_ASSET, MAX_CONTRACTS
from .pieces import Pieces

# Fields of the position-builder request that a portfolio file does not have (OKX API v5 docs).
BUILDER_ONLY = ("inclRealPosAndEq", "greeksType", "idxVol", "spotOffsetType")
POS_SIDES = ("net", "long", "short")


def is_builder_body(doc: dict) -> bool:
    """A position-builder body rather than our portfolio file: it uses a field or a shape only OKX's has."""
    if any(k in doc for k in BUILDER_ONLY):
        return True
    if isinstance(doc.get("lever"), (str, int, float)) and not isinstance(doc.get("lever"), bool):
        return True  # OKX's scalar leverage; our file has an object of family -> leverage
    sim = doc.get("simPos")
    return isinstance(sim, list) and any(isinstance(p, dict) and "lever" in p for p in sim)


def builder_to_portfolio_doc(doc: dict, label: str) -> tuple[dict, list[str]]:
    """The portfolio document of a position-builder body, and what was ignored or changed."""
    warnings: list[str] = []
    out = {k: v for k, v in doc.items() if k not in BUILDER_ONLY and k != "lever"}
    incl = doc.get("inclRealPosAndEq")
    if incl not in (None, False, "false"):
        warnings.append(f"{label}: inclRealPosAndEq: the account's real positions and equity are not available "
                        f"offline; only simPos and simAsset are imported")
    if doc.get("greeksType") not in (None, ""):
        warnings.append(f"{label}: greeksType {doc['greeksType']!r} ignored: the workstation shows USD cash greeks")
    if doc.get("idxVol") not in (None, ""):
        warnings.append(f"{label}: idxVol {doc['idxVol']!r} ignored: index moves are scenarios in the workstation, "
                        f"not part of a portfolio")
    if doc.get("spotOffsetType") not in (None, ""):
        warnings.append(f"{label}: spotOffsetType ignored: spot in use follows the rule set")
    lever: dict[str, Any] = {}
    top = doc.get("lever")
    sim = doc.get("simPos") if isinstance(doc.get("simPos"), list) else []
    if isinstance(top, dict):
        lever.update(top)
    elif top not in (None, ""):
        value = parse_number(top, f"{label}: lever", allow_negative=False, allow_zero=False)
        for i, p in enumerate(sim):
            if isinstance(p, dict) and isinstance(p.get("instId"), str):
                try:
                    lever.setdefault(parse_inst_id(p["instId"]).family, value)
                except InputError:
                    pass  # reported against simPos[i].instId by the portfolio loader
    new_sim = []
    for i, p in enumerate(sim):
        if isinstance(p, dict) and "lever" in p:
            p = dict(p)
            value = parse_number(p.pop("lever"), f"{label}: simPos[{i}].lever", allow_negative=False,
                                 allow_zero=False)
            try:
                fam = parse_inst_id(p.get("instId")).family
            except InputError:
                fam = None
            if fam is not None:
                if fam in lever:
                    if parse_number(lever[fam], f"{label}: lever.{fam}", allow_negative=False,
                                    allow_zero=False) != value:
                        warnings.append(f"{label}: simPos[{i}].lever {value:g}: {fam} already has leverage "
                                        f"{lever[fam]}; kept that (leverage is per instrument family)")
                else:
                    lever[fam] = value
        new_sim.append(p)
    if "simPos" in doc:
        out["simPos"] = new_sim if isinstance(doc.get("simPos"), list) else doc["simPos"]
    if lever:
        out["lever"] = lever
    return out, warnings


def response_data(resp: Any, prefix: str) -> list:
    """The ``data`` list of an OKX response (or the list itself); ``prefix`` is e.g. ``"pos.json: "``."""
    if isinstance(resp, list):
        return resp
    if not isinstance(resp, dict):
        raise InputError(f"{prefix.rstrip(': .')}: expected an OKX response object {{\"code\", \"data\"}}, "
                         f"got {type(resp).__name__}")
    code = resp.get("code")
    if code is not None and str(code) != "0":
        msg = resp.get("msg")
        raise InputError(f"{prefix}code: OKX returned error {code}{': ' + str(msg) if msg else ''} (no data to import)")
    if "data" not in resp:
        raise InputError(f"{prefix}data: missing")
    data = resp["data"]
    if not isinstance(data, list):
        raise InputError(f"{prefix}data: expected a list, got {type(data).__name__}")
    return data


def is_balance_data(data: list) -> bool:
    return bool(data) and all(isinstance(d, dict) and "details" in d for d in data)


def is_positions_data(data: list) -> bool:
    return bool(data) and all(isinstance(d, dict) and "instId" in d and "pos" in d for d in data)


def _str_or_none(value: Any) -> Any:
    return None if value in (None, "") else value


def positions_from_data(data: list, prefix: str, pieces: Pieces) -> None:
    """Positions of a positions response: net mode ``pos`` is signed; long/short mode takes the sign from posSide."""
    for i, item in enumerate(data):
        position_item(item, f"{prefix}data[{i}]", pieces)


def position_item(item: Any, where: str, pieces: Pieces) -> None:
    """One position object of a positions response."""
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a position object, got {type(item).__name__}")
    inst_type = item.get("instType")
    inst_id = item.get("instId")
    pieces.note_time(item.get("uTime"), item.get("cTime"))
    if inst_type == "MARGIN" or (isinstance(inst_id, str) and inst_id.count("-") == 1):
        pieces.warn(f"{where}: {inst_id} is a spot margin position, skipped (import the balance response "
                    f"for borrowings)")
        return
    try:
        parse_inst_id(inst_id)
    except InputError as exc:
        raise InputError(f"{where}.{exc}") from None
    if "pos" not in item:
        raise InputError(f"{where}.pos: missing")
    pos = parse_number(item["pos"], f"{where}.pos", limit=MAX_CONTRACTS)
    side = item.get("posSide", "net") or "net"
    if side not in POS_SIDES:
        raise InputError(f"{where}.posSide: expected net, long or short, got {side!r}")
    if side == "long":
        pos = abs(pos)
    elif side == "short":
        pos = -abs(pos)
    avg_raw = _str_or_none(item.get("avgPx"))
    avg = None if avg_raw is None else parse_number(avg_raw, f"{where}.avgPx", allow_negative=False,
                                                    allow_zero=False)
    mgn = item.get("mgnMode")
    if mgn not in (None, "", "cross", "isolated"):
        raise InputError(f"{where}.mgnMode: expected cross or isolated, got {mgn!r}")
    margin = None
    if mgn == "isolated":
        raw = _str_or_none(item.get("margin"))
        if raw is None:
            pieces.warn(f"{where}: {inst_id} is an isolated-margin position without its margin; imported into the "
                        f"cross book (OKX margins isolated positions separately)")
        else:
            margin = parse_number(raw, f"{where}.margin", allow_negative=False, allow_zero=False)
    if pos == 0:
        pieces.warn(f"{where}: {inst_id} has pos 0, skipped")
        return
    pieces.add_position(inst_id, pos, avg, where, "isolated" if margin is not None else "cross", margin)


def balances_from_data(data: list, prefix: str, pieces: Pieces) -> None:
    """Balances of a balance response: ``details[].cashBal`` (else ``eq``) per currency; ``clSpotInUseAmt``."""
    known = known_currencies()
    used_eq = False
    for j, account in enumerate(data):
        base = f"{prefix}data[{j}]"
        if not isinstance(account, dict):
            raise InputError(f"{base}: expected an account object, got {type(account).__name__}")
        details = account.get("details")
        pieces.note_time(account.get("uTime"))
        if not isinstance(details, list):
            raise InputError(f"{base}.details: expected a list of currency balances, got "
                             f"{type(details).__name__ if 'details' in account else 'nothing'}")
        for i, d in enumerate(details):
            where = f"{base}.details[{i}]"
            if not isinstance(d, dict):
                raise InputError(f"{where}: expected a currency balance object, got {type(d).__name__}")
            ccy = d.get("ccy")
            if not isinstance(ccy, str) or not ccy:
                raise InputError(f"{where}.ccy: expected a currency code, got {ccy!r}")
            pieces.note_time(d.get("uTime"))
            if _str_or_none(d.get("cashBal")) is not None:
                field = "cashBal"
            elif _str_or_none(d.get("eq")) is not None:
                field, used_eq = "eq", True
            else:
                raise InputError(f"{where}: neither cashBal nor eq given for {ccy}")
            amt = parse_number(d[field], f"{where}.{field}", limit=MAX_ASSET)
            if ccy not in known:
                if amt < 0:
                    raise InputError(f"{where}.ccy: unknown currency {ccy!r} with a negative balance {amt:g} "
                                     f"(a borrowing cannot be left out)")
                if amt != 0:
                    pieces.warn(f"{where}: unknown currency {ccy!r} ({amt:g}) skipped: not in the instrument "
                                f"catalogue")
                continue
            cl = _str_or_none(d.get("clSpotInUseAmt"))
            if cl is not None:
                spot = parse_number(cl, f"{where}.clSpotInUseAmt", allow_negative=False, limit=MAX_ASSET)
                if spot > 0:
                    pieces.add_spot_in_use(ccy, spot, f"{where}.clSpotInUseAmt")
            if amt != 0:
                pieces.add_asset(ccy, amt, f"{where}.{field}")
    if used_eq:
        pieces.warn(f"{prefix or 'balance: '}eq used where cashBal is missing: eq already includes floating P&L "
                    f"of positions settled in that currency")

"""Build a market snapshot (formats.md §2 and §2.1) from OKX's raw public responses.

The same function serves ``riskws market fetch`` (responses just received) and ``riskws market import`` (responses
saved earlier), so a stored snapshot can always be rebuilt from the raw responses stored beside it. OKX sends numbers
as strings and ``""`` for "none": every field goes through ``_num``, which turns ``""`` into None, and a row without
a usable value is left out (and counted in ``notes``), never turned into 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from engine.errors import InputError

P = "/api/v5/"
INDEX, MARK, OPT_SUMMARY, INSTRUMENTS = P + "market/index-tickers", P + "public/mark-price", P + "public/opt-summary", \
    P + "public/instruments"
TIERS, DISCOUNT, RATES = P + "public/position-tiers", P + "public/discount-rate-interest-free-quota", \
    P + "public/interest-rate-loan-quota"
UNDERLYING = P + "public/underlying"       # the option families of --all (not part of the snapshot itself)
MAX_VOL = 10.0


def _num(v: Any) -> float | None:
    """OKX's decimal string (or number) as a finite float; None for "" / null / junk."""
    if v is None or v == "" or isinstance(v, bool):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x == x and x not in (float("inf"), float("-inf")) else None


def _iso_ms(v: Any) -> str | None:
    x = _num(v)
    if x is None or x <= 0:
        return None
    return datetime.fromtimestamp(x / 1000.0, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _data(entry: Mapping) -> list:
    body = entry.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            raise InputError(f"responses: {entry.get('path')}: body is not JSON") from None
    if not isinstance(body, dict) or str(body.get("code", "")) != "0" or not isinstance(body.get("data"), list):
        raise InputError(f"responses: {entry.get('path')}: not a successful OKX answer (code {body.get('code') if isinstance(body, dict) else '?'})")
    return [r for r in body["data"] if isinstance(r, dict)]


def _spec(row: Mapping) -> dict | None:
    inst_type = row.get("instType")
    ct_val, ct_mult = _num(row.get("ctVal")), _num(row.get("ctMult"))
    if inst_type not in ("SWAP", "FUTURES", "OPTION") or not ct_val or not ct_mult or ct_val <= 0 or ct_mult <= 0:
        return None
    if not row.get("settleCcy") or (inst_type != "OPTION" and row.get("ctType") not in ("linear", "inverse")):
        return None
    return {"instType": inst_type, "instFamily": row.get("instFamily") or row.get("uly") or "",
            "ctType": row.get("ctType") or None, "ctVal": ct_val, "ctMult": ct_mult,
            "ctValCcy": row.get("ctValCcy") or "", "settleCcy": row["settleCcy"],
            "expTime": None if inst_type == "SWAP" else _iso_ms(row.get("expTime")),
            "stk": _num(row.get("stk")), "optType": row.get("optType") or None}


def build_snapshot(responses: Iterable[Mapping], fetched_at: str, source: str = "okx") -> tuple[dict, list[str]]:
    """(snapshot document, notes) from recorded responses ``{"path", "params", "body", ...}``."""
    responses = list(responses)
    by_path: dict[str, list[Mapping]] = {}
    for e in responses:
        by_path.setdefault(str(e.get("path", "")), []).append(e)
    notes: list[str] = []
    skipped: dict[str, int] = {}

    def skip(what: str) -> None:
        skipped[what] = skipped.get(what, 0) + 1

    instruments: dict[str, dict] = {}
    for e in by_path.get(INSTRUMENTS, []):
        for row in _data(e):
            inst_id = row.get("instId")
            if not isinstance(inst_id, str) or row.get("state", "live") not in ("live", ""):
                continue
            spec = _spec(row)
            if spec is None:
                skip("instruments without a usable specification")
                continue
            instruments[inst_id] = spec
    if not instruments:
        raise InputError("responses: no usable instrument (GET /api/v5/public/instruments) among them")

    index: dict[str, float] = {}
    for e in by_path.get(INDEX, []):
        for row in _data(e):
            key, px = row.get("instId"), _num(row.get("idxPx"))
            if isinstance(key, str) and key.endswith("-USD") and key.count("-") == 1:
                if px is None or px <= 0:
                    skip("index prices left empty")
                else:
                    index[key] = px
    mark_px: dict[str, float] = {}
    for e in by_path.get(MARK, []):
        for row in _data(e):
            inst_id, px = row.get("instId"), _num(row.get("markPx"))
            if inst_id in instruments:
                if px is None or px <= 0:
                    skip("mark prices left empty")
                else:
                    mark_px[inst_id] = px
    mark_vol: dict[str, float] = {}
    fwd_px: dict[str, float] = {}
    for e in by_path.get(OPT_SUMMARY, []):
        for row in _data(e):
            inst_id = row.get("instId")
            if inst_id not in instruments:
                continue
            vol, fwd = _num(row.get("markVol")), _num(row.get("fwdPx"))
            if vol is None or not 0 < vol <= MAX_VOL:
                skip("option vols left empty")
            else:
                mark_vol[inst_id] = vol
            if fwd is not None and fwd > 0:
                fwd_px[inst_id] = fwd
    tiers: dict[str, list[dict]] = {}
    for e in by_path.get(TIERS, []):
        inst_type = str((e.get("params") or {}).get("instType", ""))
        for row in _data(e):
            fam = row.get("instFamily") or row.get("uly")
            tier, lo, hi = _num(row.get("tier")), _num(row.get("minSz")), _num(row.get("maxSz"))
            if not fam or tier is None or lo is None or hi is None or hi <= lo:
                skip("position tiers without sizes")
                continue
            r = {"instType": row.get("instType") or inst_type, "tier": int(tier), "minSz": lo, "maxSz": hi,
                 "mmr": _num(row.get("mmr")), "imr": _num(row.get("imr")), "maxLever": _num(row.get("maxLever")),
                 "optMgnFactor": _num(row.get("optMgnFactor"))}
            if r["instType"] != "OPTION" and (r["mmr"] is None or r["imr"] is None):
                skip("position tiers without mmr/imr")
                continue
            tiers.setdefault(str(fam), []).append(r)
    discount: dict[str, list[dict]] = {}
    for e in by_path.get(DISCOUNT, []):
        for row in _data(e):
            ccy, rows = row.get("ccy"), row.get("details")
            if not isinstance(ccy, str) or not isinstance(rows, list) or not rows:
                continue
            out = []
            for i, d in enumerate(rows):
                lo, rate = _num(d.get("minAmt")), _num(d.get("discountRate"))
                if lo is None or rate is None:
                    out = []
                    break
                out.append({"tier": int(_num(d.get("tier")) or i + 1), "minAmt": lo, "maxAmt": _num(d.get("maxAmt")),
                            "discountRate": rate, "liqPenaltyRate": _num(d.get("liqPenaltyRate"))})
            if out:
                discount[ccy] = sorted(out, key=lambda r: r["minAmt"])
            else:
                skip("discount tables with empty fields")
    rates: dict[str, float] = {}
    for e in by_path.get(RATES, []):
        for row in _data(e):
            for b in row.get("basic", []) if isinstance(row.get("basic"), list) else []:
                r = _num(b.get("rate")) if isinstance(b, dict) else None
                if r is not None and 0 <= r <= 1 and isinstance(b.get("ccy"), str):
                    rates[b["ccy"]] = r
    coins = {i.split("-", 1)[0] for i in instruments} | {s["settleCcy"] for s in instruments.values()}
    from engine.catalogue import known_currencies
    wanted = coins | set(discount) | set(rates) | set(known_currencies())
    index = {k: v for k, v in index.items() if k[:-4] in wanted}   # OKX lists hundreds of indices; keep ours
    needed = {f"{c}-USD" for c in coins if c != "USD"}
    missing = sorted(k for k in needed if k not in index)
    if missing:
        notes.append(f"no USD index for {', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''}")
    for what, n in sorted(skipped.items()):
        notes.append(f"{n} {what}")
    doc = {"ts": fetched_at, "source": source, "fetchedAt": fetched_at, "index": index, "markPx": mark_px,
           "markVol": mark_vol, "atmVol": {}, "fwdPx": fwd_px, "instruments": instruments, "positionTiers": tiers,
           "discountTiers": discount, "interestRates": rates}
    return doc, notes

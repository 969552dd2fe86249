"""The figures of an OKX answer and of a riskws result, both as ``{(scope, name, field): value}``.

``scope`` is "account", "currency", "unit" or "position"; ``name`` the currency, risk unit or instId ("" for the
account); ``field`` OKX's field name (nested ones dotted: ``mr1FinalResult.pnl``,
``mr1Scenarios.volShockUp.-0.12``). Values are floats, or strings for categorical fields (``volShock``). An OKX
field that is absent or ``""`` is simply not a figure of the answer.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..errors import InputError
from ..result import MR_KEYS, VOL_STATES, MarginResult, shock_key
from .observation import ACCOUNT, BUILDER, OkxAnswer

Key = tuple[str, str, str]
Value = float | str
VOL_SHOCK_NAMES = {"unchange": "same", "unchanged": "same", "same": "same", "up": "up", "down": "down"}
UNIT_FIELDS = MR_KEYS + ("mmr", "imr", "upl")
GREEKS = ("delta", "gamma", "vega", "theta")


def _num(value: Any, where: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: expected a number, got {str(value)[:40]!r}") from None
    if not math.isfinite(x):
        raise InputError(f"{where}: expected a finite number, got {value!r}")
    return x


def _put(out: dict, key: Key, value: Any, where: str) -> None:
    x = _num(value, where)
    if x is not None:
        out[key] = x


def _shock(key: Any, where: str) -> str:
    x = _num(key, where)
    if x is None:
        raise InputError(f"{where}: expected a spot shock as the key")
    return shock_key(x)


def _builder_figures(d: Mapping, where: str, cash_greeks: bool) -> dict[Key, Value]:
    out: dict[Key, Value] = {}
    for f_okx, f in (("eq", "adjEq"), ("totalMmr", "totalMmr"), ("totalImr", "totalImr"), ("borrowMmr", "borrowMmr"),
                     ("derivMmr", "derivMmr"), ("marginRatio", "marginRatio"), ("upl", "upl")):
        _put(out, ("account", "", f), d.get(f_okx), f"{where}.{f_okx}")
    for i, a in enumerate(d.get("assets") or []):
        if isinstance(a, dict) and isinstance(a.get("ccy"), str):
            for f_okx, f in (("availEq", "eq"), ("spotInUse", "spotInUse"), ("borrowImr", "borrowImr")):
                _put(out, ("currency", a["ccy"], f), a.get(f_okx), f"{where}.assets[{i}].{f_okx}")
    for i, u in enumerate(d.get("riskUnitData") or []):
        w = f"{where}.riskUnitData[{i}]"
        if not isinstance(u, dict) or not isinstance(u.get("riskUnit"), str):
            raise InputError(f"{w}.riskUnit: missing")
        name = u["riskUnit"]
        for f in UNIT_FIELDS + (("delta", "gamma", "vega", "theta") if cash_greeks else ()):
            _put(out, ("unit", name, f), u.get(f), f"{w}.{f}")
        for res in ("mr1FinalResult", "mr6FinalResult"):
            r = u.get(res) if isinstance(u.get(res), dict) else {}
            _put(out, ("unit", name, f"{res}.pnl"), r.get("pnl"), f"{w}.{res}.pnl")
            _put(out, ("unit", name, f"{res}.spotShock"), r.get("spotShock"), f"{w}.{res}.spotShock")
            if res == "mr1FinalResult" and r.get("volShock") not in (None, ""):
                out[("unit", name, f"{res}.volShock")] = VOL_SHOCK_NAMES.get(str(r["volShock"]), str(r["volShock"]))
        scen = u.get("mr1Scenarios") if isinstance(u.get("mr1Scenarios"), dict) else {}
        for state in VOL_STATES:
            grid = scen.get(state) if isinstance(scen.get(state), dict) else {}
            for k, v in grid.items():
                _put(out, ("unit", name, f"mr1Scenarios.{state}.{_shock(k, f'{w}.mr1Scenarios.{state}')}"), v,
                     f"{w}.mr1Scenarios.{state}.{k}")
        for j, p in enumerate(u.get("portfolios") or []):
            if isinstance(p, dict) and p.get("instType") != "SPOT" and isinstance(p.get("instId"), str):
                _put(out, ("position", p["instId"], "markPx"), p.get("markPx"), f"{w}.portfolios[{j}].markPx")
                if cash_greeks:
                    _put(out, ("position", p["instId"], "delta"), p.get("delta"), f"{w}.portfolios[{j}].delta")
    for i, p in enumerate(d.get("positions") or []):
        if isinstance(p, dict) and isinstance(p.get("instId"), str) and p.get("instType") != "SPOT":
            _put(out, ("position", p["instId"], "markPx"), p.get("markPx"), f"{where}.positions[{i}].markPx")
            _put(out, ("position", p["instId"], "imr"), p.get("imr"), f"{where}.positions[{i}].imr")
    return out


def _account_figures(d: Mapping, label: str, mc: bool) -> dict[Key, Value]:
    out: dict[Key, Value] = {}
    bal = d.get("balance")
    if isinstance(bal, dict):
        for f_okx, f in (("adjEq", "adjEq"), ("totalEq", "totalEq"), ("imr", "totalImr"), ("mmr", "totalMmr"),
                         ("mgnRatio", "marginRatio"), ("upl", "upl")):
            _put(out, ("account", "", f), bal.get(f_okx), f"{label}: balance.{f_okx}")
        for i, c in enumerate(bal.get("details") or []):
            if isinstance(c, dict) and isinstance(c.get("ccy"), str):
                for f_okx, f in (("eq", "eq"), ("eqUsd", "eqUsd"), ("disEq", "disEq"), ("spotInUseAmt", "spotInUse")):
                    _put(out, ("currency", c["ccy"], f), c.get(f_okx), f"{label}: balance.details[{i}].{f_okx}")
    for i, p in enumerate(d.get("positions") or []):
        if isinstance(p, dict) and isinstance(p.get("instId"), str) and p.get("instType") != "MARGIN":
            _put(out, ("position", p["instId"], "markPx"), p.get("markPx"), f"{label}: positions[{i}].markPx")
            if mc:
                for f in ("imr", "mmr"):
                    _put(out, ("position", p["instId"], f), p.get(f), f"{label}: positions[{i}].{f}")
    return out


def okx_figures(answer: OkxAnswer, mode: str) -> dict[Key, Value]:
    """Every figure of OKX's answer that riskws also computes in ``mode`` ("pm" or "mc")."""
    if answer.kind == BUILDER:
        return _builder_figures(answer.data, f"{answer.label}: response.data[0]", answer.greeks_type == "CASH")
    assert answer.kind == ACCOUNT
    return _account_figures(answer.data, answer.label, mode == "mc")


def our_figures(result: MarginResult) -> dict[Key, Value]:
    """The same keys for a riskws result (a superset: only keys OKX also has are compared)."""
    d = result.to_dict()
    out: dict[Key, Value] = {}
    for f in ("adjEq", "totalMmr", "totalImr", "borrowMmr", "derivMmr", "marginRatio", "upl"):
        if d.get(f) is not None:
            out[("account", "", f)] = d[f]
    out[("account", "", "totalEq")] = sum(a["eqUsd"] or 0.0 for a in d["assets"])
    for a in d["assets"]:
        for f in ("eq", "eqUsd", "disEq", "spotInUse", "borrowImr"):
            if a.get(f) is not None:
                out[("currency", a["ccy"], f)] = a[f]
    for u in d["riskUnitData"]:
        name = u["riskUnit"]
        for f in UNIT_FIELDS + GREEKS:
            if u.get(f) is not None:
                out[("unit", name, f)] = u[f]
        if u.get("cashDelta") is not None:      # OKX's delta is at the mark (riskws's delta is the scenario slope)
            out[("unit", name, "delta")] = u["cashDelta"]
        for res in ("mr1FinalResult", "mr6FinalResult"):
            for f in ("pnl", "spotShock"):
                if u[res].get(f) is not None:
                    out[("unit", name, f"{res}.{f}")] = u[res][f]
        if u["mr1FinalResult"].get("volShock"):
            out[("unit", name, "mr1FinalResult.volShock")] = u["mr1FinalResult"]["volShock"]
        for state, grid in u["mr1Scenarios"].items():
            for k, v in grid.items():
                if v is not None:
                    out[("unit", name, f"mr1Scenarios.{state}.{k}")] = v
        for p in u["portfolios"]:
            if p.get("instType") != "SPOT":
                for f, ours in (("markPx", "markPx"), ("delta", "cashDelta" if "cashDelta" in p else "delta")):
                    if p.get(ours) is not None:
                        out.setdefault(("position", p["instId"], f), p[ours])
    for p in d["positions"]:
        for f in ("markPx", "imr", "mmr", "delta"):
            ours = "cashDelta" if f == "delta" and "cashDelta" in p else f
            if p.get(ours) is not None:
                out[("position", p["instId"], f)] = p[ours]
    return out

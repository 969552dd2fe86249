"""Fit the rule parameters tagged ``assumed`` to what OKX answered (observations, formats.md §6).

Least squares (``scipy.optimize.least_squares``) on relative residuals of every per-unit figure OKX returns (mr1..mr7,
mr9, mmr, imr, the MR1 grid and the MR6 worst P&L), over the free parameters: each number of an assumed
parameter (a per-group entry or a list element counts on its own), bounded by ``params.LIMITS``. Which parameters
the observations identify is decided from the Jacobian at the base values: a parameter no figure responds to, or
one whose effect is a combination of the others' (column-pivoted QR), is *not identified* and keeps its value.
Only identified parameters are fitted, written with provenance ``calibrated``, and lose their dagger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

import numpy as np

from .errors import InputError
from .market import Market, format_ts
from .params import LIMITS, RuleSet, load_rule_set, rule_set_doc
from .portfolio import Portfolio
from .reconcile.figures import okx_figures, our_figures
from .reconcile.observation import OkxAnswer
from .result import MR_KEYS

# Structural parameters (grid nodes, tier boundaries, formula names) are not fitted: moving them changes which
# formula applies rather than how much, and the residuals jump.
STRUCTURAL = ("mr1.volShockDays", "mr3.splitDays", "mr4.formula", "mr9.tierBounds", "mr7.multiplierTiers",
              "mr9.enabled", "mr9.pairs", "groups", "riskUnits", "spotOffsetQuote", "valuation.forwardShock",
              "liqCost.includeBorrowMmr")
FITTED_UNIT_FIELDS = tuple(k for k in MR_KEYS if k != "mr8") + ("mmr", "imr", "mr6FinalResult.pnl")
RANK_TOL = 1e-3           # |R_ii| / |R_00| below this: the column adds (numerically) nothing new
SENSITIVITY_TOL = 1e-10   # column norm below this (relative residual per relative change): no figure responds
FLOOR_FRACTION = 1e-3     # a residual is relative to max(|okx|, this x the observation's largest figure)


@dataclass(frozen=True)
class FreeParam:
    """One number of an assumed parameter: ``path`` plus a group key or a list index."""

    path: str
    key: str | int | None
    base: float
    lo: float
    hi: float

    @property
    def name(self) -> str:
        if self.key is None:
            return self.path
        return f"{self.path}[{self.key}]" if isinstance(self.key, int) else f"{self.path}.{self.key}"


@dataclass(frozen=True)
class FigureError:
    figure: str          # "obs[0] unit/BTC/mr1"
    okx: float
    before: float
    after: float


@dataclass(frozen=True)
class Calibration:
    base: str
    params: tuple[FreeParam, ...]
    identified: tuple[str, ...]
    not_identified: dict[str, str]      # name -> why
    values: dict[str, float]            # identified name -> fitted value
    figures: tuple[FigureError, ...]
    rms_before: float
    rms_after: float
    max_rel_before: float
    max_rel_after: float
    n_observations: int
    taken_from: datetime | None
    taken_to: datetime | None
    rules_doc: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "id": self.rules_doc["id"], "observations": self.n_observations,
                "takenFrom": None if self.taken_from is None else format_ts(self.taken_from),
                "takenTo": None if self.taken_to is None else format_ts(self.taken_to),
                "identified": [{"param": n, "before": p.base, "after": self.values[n]}
                               for p in self.params for n in [p.name] if n in self.values],
                "notIdentified": [{"param": n, "value": p.base, "why": self.not_identified[n]}
                                  for p in self.params for n in [p.name] if n in self.not_identified],
                "rmsRelBefore": self.rms_before, "rmsRelAfter": self.rms_after,
                "maxRelBefore": self.max_rel_before, "maxRelAfter": self.max_rel_after,
                "figures": [{"figure": f.figure, "okx": f.okx, "before": f.before, "after": f.after}
                            for f in self.figures]}


def free_parameters(rules: RuleSet, only: Sequence[str] | None = None) -> list[FreeParam]:
    """Every number of ``rules`` tagged assumed (optionally only those whose name or path is in ``only``)."""
    out: list[FreeParam] = []
    for path, p in rules.params.items():
        if path in STRUCTURAL:
            continue
        lo, hi = LIMITS.get(path, (0.0, 1e15))
        v = p.value
        if isinstance(v, bool) or isinstance(v, str) or v is None:
            continue
        if isinstance(v, (int, float)):
            if p.tag() == "assumed":
                out.append(FreeParam(path, None, float(v), lo, hi))
        elif isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            if p.tag() == "assumed":
                out += [FreeParam(path, i, float(x), lo, hi) for i, x in enumerate(v)]
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, (int, float)) and not isinstance(x, bool) and p.tag(k) == "assumed":
                    out.append(FreeParam(path, k, float(x), lo, hi))
    if only:
        for name in only:
            if not any(f.name == name or f.path == name for f in out):
                raise InputError(f"{rules.label}: {name}: not a number tagged assumed in this rule set (assumed: "
                                 f"{', '.join(f.name for f in out)})")
        out = [f for f in out if f.name in only or f.path in only]
    return out


def with_values(rules: RuleSet, params: Sequence[FreeParam], values: Sequence[float],
                provenance: str | None = None, source: str = "") -> dict:
    """The rule-set document of ``rules`` with ``params`` set to ``values`` (and, optionally, re-tagged)."""
    doc = rule_set_doc(rules)
    touched: dict[str, list[FreeParam]] = {}
    for f, x in zip(params, values):
        node = doc
        for part in f.path.split("."):
            node = node[part]
        if f.key is None:
            node["value"] = float(x)
        else:
            node["value"][f.key] = float(x)
        touched.setdefault(f.path, []).append(f)
    if provenance is not None:
        for path, fs in touched.items():
            node = doc
            for part in path.split("."):
                node = node[part]
            value = node["value"]
            if isinstance(value, dict):
                prov = node["provenance"] if isinstance(node["provenance"], dict) else {
                    k: node["provenance"] for k in value}
                prov.update({f.key: provenance for f in fs})
                node["provenance"] = prov
            elif not isinstance(value, list) or len(fs) == len(value):
                node["provenance"] = provenance   # a list is re-tagged only when every element was fitted
            if source:
                node["source"] = source
    return doc


@dataclass(frozen=True)
class _Case:
    portfolio: Portfolio
    market: Market
    mode: str
    keys: tuple[tuple[str, str, str], ...]
    okx: np.ndarray
    scale: np.ndarray


def _cases(observations: Sequence[OkxAnswer]) -> list[_Case]:
    cases = []
    for i, obs in enumerate(observations):
        if obs.portfolio is None or obs.market is None:
            raise InputError(f"{obs.label}: an observation with its request and its market snapshot is needed")
        mode = "mc" if obs.acct_lv == "3" else "pm"
        if mode != "pm":
            raise InputError(f"{obs.label}: request.acctLv 3: calibration fits portfolio-margin parameters; "
                             f"record with acctLv 4")
        figs = {k: v for k, v in okx_figures(obs, mode).items() if k[0] == "unit" and not isinstance(v, str)
                and (k[2] in FITTED_UNIT_FIELDS or k[2].startswith("mr1Scenarios."))}
        if not figs:
            raise InputError(f"{obs.label}: response: no risk-unit figure to fit")
        keys = tuple(figs)
        okx = np.array([figs[k] for k in keys], dtype=float)
        floor = max(FLOOR_FRACTION * float(np.max(np.abs(okx))), 1e-9)
        cases.append(_Case(obs.portfolio, obs.market, mode, keys, okx, np.maximum(np.abs(okx), floor)))
    return cases


def _figures(cases: list[_Case], rules: RuleSet) -> np.ndarray:
    from .api import compute
    out = []
    for c in cases:
        ours = our_figures(compute(c.portfolio, c.market, mode=c.mode, rules=rules, liq_shock=False))
        out.append(np.array([float(ours.get(k, 0.0)) for k in c.keys]))
    return np.concatenate(out)


def _jacobian(fun, z: np.ndarray, lo: np.ndarray, hi: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Forward differences in relative coordinates, stepping inwards at an upper bound."""
    r0 = fun(z)
    cols = []
    for j in range(len(z)):
        h = step if z[j] + step <= hi[j] else -step
        dz = z.copy()
        dz[j] += h
        cols.append((fun(dz) - r0) / h)
    return np.array(cols).T if cols else np.zeros((len(r0), 0))


def identify(jac: np.ndarray) -> tuple[list[int], dict[int, str]]:
    """Columns the data identify and why the others are not.

    A column no figure responds to is out; the rest are taken in rule-set order, each kept when it adds a direction
    the kept ones do not span (smallest singular value of the normalised columns above ``RANK_TOL``): of two
    parameters that only act together (``mr3.shockBase`` and ``mr3.shockRefDays``) the first is fitted.
    """
    norms = np.linalg.norm(jac, axis=0)
    why: dict[int, str] = {j: "no observed figure depends on it" for j in np.flatnonzero(norms <= SENSITIVITY_TOL)}
    kept: list[int] = []
    for j in range(jac.shape[1]):
        if j in why:
            continue
        cols = jac[:, kept + [j]] / norms[kept + [j]]
        sv = np.linalg.svd(cols, compute_uv=False)
        if sv[-1] > RANK_TOL * sv[0]:
            kept.append(j)
        else:
            why[j] = "its effect on the observed figures is a combination of other parameters' (Jacobian rank)"
    return kept, why


def calibrate(observations: Sequence[OkxAnswer], base: RuleSet | str | None = None, *,
              only: Sequence[str] | None = None, new_id: str | None = None,
              now: datetime | None = None) -> Calibration:
    """Fit the assumed parameters of ``base`` to ``observations``; see the module docstring."""
    from scipy.optimize import least_squares

    if not observations:
        raise InputError("calibrate: no observation given")
    rules = load_rule_set(base if base is not None else observations[0].rules)
    params = free_parameters(rules, only)
    if not params:
        raise InputError(f"{rules.label}: no parameter tagged assumed to fit{' among ' + ', '.join(only) if only else ''}")
    cases = _cases(observations)
    okx = np.concatenate([c.okx for c in cases])
    scale = np.concatenate([c.scale for c in cases])
    base_x = np.array([f.base for f in params])
    ref = np.where(base_x != 0, np.abs(base_x), 1.0)   # optimise z = x / ref
    lo = np.array([f.lo for f in params]) / ref
    hi = np.array([f.hi for f in params]) / ref

    def residuals_for(idx: list[int]):
        def fun(z: np.ndarray) -> np.ndarray:
            x = base_x.copy()
            x[idx] = z * ref[idx]
            rs = load_rule_set(with_values(rules, params, x))
            return (_figures(cases, rs) - okx) / scale
        return fun

    all_idx = list(range(len(params)))
    r_before = residuals_for(all_idx)(base_x / ref)
    kept, why = identify(_jacobian(residuals_for(all_idx), base_x / ref, lo, hi))
    x = base_x.copy()
    if kept:
        fun = residuals_for(kept)
        sol = least_squares(fun, base_x[kept] / ref[kept], bounds=(lo[kept], hi[kept]), x_scale="jac",
                            ftol=1e-12, xtol=1e-12, gtol=1e-12, max_nfev=200 * (len(kept) + 1))
        x[kept] = sol.x * ref[kept]
    r_after = residuals_for(all_idx)(x / ref)
    names = [f.name for f in params]
    figures = []
    keys = [(i, k) for i, c in enumerate(cases) for k in c.keys]
    before_vals, after_vals = okx + r_before * scale, okx + r_after * scale
    for j, (i, k) in enumerate(keys):
        figures.append(FigureError(f"obs[{i}] {'/'.join(k)}", float(okx[j]), float(before_vals[j]), float(after_vals[j])))
    stamps = [o.taken_at or o.answered_at for o in observations if (o.taken_at or o.answered_at) is not None]
    first, last = (min(stamps), max(stamps)) if stamps else (None, None)
    now = now or datetime.now(timezone.utc)
    span = f"{format_ts(first)} .. {format_ts(last)}" if first else "dates not given"
    source = f"calibrated {now:%Y-%m-%d} from {len(observations)} observation(s), {span}, base {rules.id}"
    ident = [params[j] for j in kept]
    doc = with_values(rules, ident, [x[j] for j in kept], provenance="calibrated", source=source)
    doc["id"] = new_id or f"{rules.id}-cal-{now:%Y%m%d%H%M}"
    doc["title"] = f"{rules.title}, assumed parameters calibrated to {len(observations)} OKX observation(s)"
    doc["calibration"] = {"base": rules.id, "observations": len(observations),
                          "takenFrom": None if first is None else format_ts(first),
                          "takenTo": None if last is None else format_ts(last), "createdAt": format_ts(now),
                          "identified": [f.name for f in ident],
                          "notIdentified": {names[j]: w for j, w in sorted(why.items())}}
    load_rule_set(doc)   # the written rule set must load
    rms = lambda r: float(np.sqrt(np.mean(r ** 2))) if len(r) else 0.0
    return Calibration(rules.id, tuple(params), tuple(f.name for f in ident), {names[j]: w for j, w in why.items()},
                       {names[j]: float(x[j]) for j in kept}, tuple(figures), rms(r_before), rms(r_after),
                       float(np.max(np.abs(r_before))), float(np.max(np.abs(r_after))), len(observations),
                       first, last, doc)


def synthetic_observation(portfolio: Portfolio, market: Market, rules: RuleSet | str | dict,
                          taken_at: str | None = None) -> dict:
    """An observation whose response is riskws's own answer under ``rules`` (tests; what-if studies).

    The response has OKX's shape: ``data[0]`` with ``eq`` = adjusted equity and numbers as strings.
    """
    from .api import compute
    from .market import market_to_dict
    from .portfolio import portfolio_to_dict
    rs = load_rule_set(rules)
    d = compute(portfolio, market, mode="pm", rules=rs, liq_shock=False).to_dict()
    d["eq"] = d.pop("adjEq")

    def strings(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strings(x) for k, x in v.items()}
        if isinstance(v, list):
            return [strings(x) for x in v]
        if isinstance(v, float):
            return repr(v)
        return v
    request = {k: v for k, v in portfolio_to_dict(portfolio).items() if k in ("simPos", "simAsset")}
    request.update(acctLv="4", inclRealPosAndEq=False, greeksType="CASH")
    return {"request": request, "response": {"code": "0", "msg": "", "data": [strings(d)]},
            "market": market_to_dict(market), "takenAt": taken_at or format_ts(market.ts)}

"""Equivalence check for performance work: results of the current engine against a saved reference.

    python -m bench.verify save  /tmp/ref.json     # before a change
    python -m bench.verify check /tmp/ref.json     # after: every figure equal to rtol 1e-12 (or reports the diffs)

Covers the demo portfolios and the synthetic desk in portfolio margin: compute() with the liquidation search,
every per-position row, evaluate() at several spot-in-use amounts, and the margin curve. A reference from the
last commit: ``git archive HEAD | tar -x -C /tmp/ref && (cd /tmp/ref && python -m bench.verify save /tmp/ref.json)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from engine import api
from engine.market import load_market
from engine.portfolio import load_portfolio

from . import synthetic

RTOL, ATOL = 1e-12, 1e-9     # "check --exact" sets both to 0: bit-for-bit

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demo"


def cases():
    market = load_market(DEMO / "market-2025-02-06.json")
    for path in sorted((DEMO / "portfolios").glob("*.json")):
        yield path.stem, load_portfolio(path), market
    p, m = synthetic.desk()
    yield "desk", p, m
    p, m = synthetic.scaled(5000)
    yield "scaled-5000", p, m


def snapshot() -> dict:
    out = {}
    for name, p, m in cases():
        r = api.compute(p, m, mode="pm")
        doc = {"result": r.to_dict(), "positions": [[x.__dict__ for x in u.positions] for u in r.units]}
        prepared = api.prepare(p, m, mode="pm")
        for ccy in {u.ccy for u in r.units}:
            for amt in (0.0, 0.5, 3.0, None):
                doc[f"eval {ccy} {amt}"] = api.evaluate(prepared, {ccy: amt}).to_dict()
        moves, vols = np.linspace(-0.5, 0.5, 21), np.linspace(-0.3, 0.3, 7)
        for u in r.units:
            for amt in (0.0, 1.0, None, 2.0):      # repeated calls: the chart memo must not change anything
                doc[f"stress {u.risk_unit} {amt}"] = api.stress_curve(prepared, u.risk_unit, moves, {u.ccy: amt})
                doc[f"grid {u.risk_unit} {amt}"] = api.pnl_grid(prepared, u.risk_unit, moves, vols, {u.ccy: amt})
        shocks = np.round(np.linspace(-0.6, 0.6, 25), 10)
        c = api.curve_of(prepared, shocks)
        doc["curve"] = (c.mmr, c.margin_ratio, c.liq_shock)
        out[name] = doc
    return out


def plain(x):
    """JSON-ready copy: arrays and tuples as lists (Python floats round-trip exactly through JSON)."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


def compare(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in compare(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in compare(x, y, f"{path}[{i}]")]
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return [f"{path}: shape {a.shape} != {b.shape}"]
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            ok = np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True)
        else:
            ok = np.array_equal(a, b)
        return [] if ok else [f"{path}: arrays differ (max {np.max(np.abs(a - b)) if a.dtype.kind in 'fc' else '?'})"]
    if isinstance(a, float) and isinstance(b, float):
        same = (np.isnan(a) and np.isnan(b)) or abs(a - b) <= ATOL + RTOL * abs(b)
        return [] if same else [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main(argv: list[str]) -> int:
    global RTOL, ATOL
    if "--exact" in argv:
        argv = [a for a in argv if a != "--exact"]
        RTOL = ATOL = 0.0
    cmd, path = argv
    snap = plain(snapshot())
    if cmd == "save":
        Path(path).write_text(json.dumps(snap), encoding="utf-8")
        print(f"saved {len(snap)} cases to {path}")
        return 0
    ref = json.loads(Path(path).read_text(encoding="utf-8"))
    diffs = compare(ref, snap)
    for d in diffs[:40]:
        print(d)
    print(f"{len(diffs)} differences over {len(snap)} cases")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

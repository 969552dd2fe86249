"""Explain and best hedge on the desk book: ``python -m bench.explain`` prints a Markdown table.

Measured with ``timing.measure_interleaved`` (the recompute and explain in turn, same load): a recompute is
``compute(..., liq_shock=False)``; explain is ``engine.explain.explain(..., hedge=False)`` (prepare, evaluate, every
position's figures and leave-one-out); best hedge is the search of every candidate of every unit on an explained book
(the scenario P&L per position already computed). Targets (issue 13): explain <= 5x a recompute; best hedge <= 0.5 s.
"""

from __future__ import annotations

import sys

from bench.jobs import host_reference_ms
from bench.run import machine
from bench.synthetic import desk
from bench.timing import measure, measure_interleaved


def main() -> int:
    from engine import api
    from engine.explain import explain
    from engine.explain.hedge import best_hedges
    from engine.explain.positions import book_scenarios
    from engine.explain.rows import unit_base

    portfolio, market = desk()
    host_before = host_reference_ms()
    t = measure_interleaved({"recompute": lambda: api.compute(portfolio, market, liq_shock=False),
                             "explain": lambda: explain(portfolio, market, hedge=False)}, runs=15, warmup=1)
    prepared = api.prepare(portfolio, market, mode="pm")
    prep = prepared.inner
    result = api.evaluate(prepared)
    sc = book_scenarios(prep)

    def hedge_all() -> None:
        for u, unit in enumerate(result.units):
            best_hedges(prep, sc, unit_base(prep, u), unit.max_spot_in_use)

    h = measure(hedge_all, runs=15, warmup=1)
    full = measure(lambda: explain(portfolio, market, hedge=True), runs=7, warmup=1)
    host_after = host_reference_ms()
    ratio = t["explain"].median_ms / t["recompute"].median_ms
    n_cand = sum(len(best_hedges(prep, sc, unit_base(prep, u), unit.max_spot_in_use)) for u, unit in enumerate(result.units))
    print(f"Desk book: {len(portfolio.positions)} positions, {len(result.units)} units, {n_cand} hedge candidates")
    print(f"Machine: {machine()}; host reference {host_before:.2f} / {host_after:.2f} ms (before / after)\n")
    print("| what | median | p95 | target |")
    print("|---|---|---|---|")
    print(f"| recompute `compute(liq_shock=False)` | {t['recompute'].median_ms:.1f} ms | {t['recompute'].p95_ms:.1f} ms | |")
    print(f"| `explain(hedge=False)` | {t['explain'].median_ms:.1f} ms | {t['explain'].p95_ms:.1f} ms | "
          f"<= 5x recompute: **{ratio:.2f}x** {'met' if ratio <= 5 else 'NOT met'} |")
    print(f"| best hedge, every candidate of every unit | {h.median_ms:.1f} ms | {h.p95_ms:.1f} ms | "
          f"<= 500 ms: {'met' if h.median_ms <= 500 else 'NOT met'} |")
    print(f"| `explain(hedge=True)` (CLI path) | {full.median_ms:.1f} ms | {full.p95_ms:.1f} ms | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

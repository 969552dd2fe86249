"""Before/after in one process: another tree's engine (e.g. a worktree of the base commit) loaded as a second
package beside this one, on the same desk, timed in turn with the bar (engine work only; answers compared first).

    python -m bench.pair /work/base_tree compute 60     # compute(liq_shock=False)
    python -m bench.pair /work/base_tree compute-edit 60         # ... on a new portfolio each call (one size changed)
    python -m bench.pair /work/base_tree compute-fresh 60        # ... on a fresh snapshot each call (moved prices)
    python -m bench.pair /work/base_tree preview 12     # the held slider's preview curve, 1 thread
    python -m bench.pair /work/base_tree preview-fresh 12        # ... on a fresh snapshot each call (moved prices)
    python -m bench.pair /work/base_tree curve 9        # margin_curve, the default threads

Both engines see the same load in the same minutes, so their ratio (and each one's ratio to the bar) holds on a
shared machine where separate runs drift by 2x.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from itertools import count

import numpy as np

from engine import api
from engine.curve import preview_curve
from engine.market import market_to_dict
from engine.portfolio import portfolio_to_dict

from . import core_variants, synthetic
from .pricing import bare_black76_blocks, option_grid
from .timing import measure_interleaved


def load_engine(root: str, name: str = "engine_before"):
    """``root``/engine as the package ``name`` (its relative imports stay inside it)."""
    path = os.path.join(root, "engine")
    spec = importlib.util.spec_from_file_location(name, os.path.join(path, "__init__.py"),
                                                  submodule_search_locations=[path])
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str]) -> int:
    root, what, runs = argv[0], argv[1], int(argv[2]) if len(argv) > 2 else 20
    load_engine(root)
    import engine_before.api as api_b            # noqa: E402 - the package exists only once loaded
    import engine_before.curve as curve_b
    import engine_before.market as market_b
    import engine_before.portfolio as portfolio_b
    p, m = synthetic.desk()
    p_b, m_b = portfolio_b.portfolio_from_dict(portfolio_to_dict(p)), market_b.market_from_dict(market_to_dict(m))
    grid = option_grid(p, m)
    if what == "compute":
        before, after = (lambda: api_b.compute(p_b, m_b, liq_shock=False)), (lambda: api.compute(p, m, liq_shock=False))
    elif what == "compute-edit":        # a new portfolio each call, one position's size changed
        before = core_variants.after_one_edit(p_b, m_b, api_b.compute)
        after = core_variants.after_one_edit(p, m, api.compute)
    elif what == "compute-fresh":       # a fresh snapshot each call (moved prices, new objects)
        moved = core_variants.moved_markets(m)
        before = core_variants.on_markets(p_b, [market_b.market_from_dict(market_to_dict(x)) for x in moved],
                                          api_b.compute)
        after = core_variants.on_markets(p, moved, api.compute)
    elif what == "preview":
        os.environ["RISKWS_THREADS"] = "1"
        s = api.DEFAULT_SHOCKS[::5]
        before = lambda: curve_b.preview_curve(api_b.prepare(p_b, m_b), s)      # noqa: E731
        after = lambda: preview_curve(api.prepare(p, m), s)                      # noqa: E731
    elif what == "preview-fresh":        # as the window's child meets it: a what-if market, new prices each step
        os.environ["RISKWS_THREADS"] = "1"
        s = api.DEFAULT_SHOCKS[::5]
        moved = core_variants.moved_markets(m)
        moved_b = [market_b.market_from_dict(market_to_dict(x)) for x in moved]
        k_b, k = count(), count()
        before = lambda: curve_b.preview_curve(api_b.prepare(p_b, moved_b[next(k_b) % 8]), s)      # noqa: E731
        after = lambda: preview_curve(api.prepare(p, moved[next(k) % 8]), s)                        # noqa: E731
    elif what == "curve":
        before, after = (lambda: api_b.margin_curve(p_b, m_b)), (lambda: api.margin_curve(p, m))
    else:
        raise SystemExit(f"bench.pair: unknown measurement {what!r} "
                         "(compute, compute-edit, compute-fresh, preview, preview-fresh, curve)")
    a, b = before(), after()
    if what.startswith("compute"):
        same = a.total_mmr == b.total_mmr and a.margin_ratio == b.margin_ratio
    else:
        same = (np.array_equal(a.mmr, b.mmr) and np.array_equal(a.margin_ratio, b.margin_ratio)
                and a.liq_shock == b.liq_shock)
    t = measure_interleaved({"bar": lambda: bare_black76_blocks(grid), "before": before, "after": after},
                            runs=runs, warmup=1)
    bar = t["bar"].cpu_median_ms
    print(f"{what}: identical={same}; load {os.getloadavg()[0]:.1f}; bar {t['bar'].median_ms:.2f} ms (cpu {bar:.2f})")
    for k in ("before", "after"):
        v = t[k]
        print(f"  {k}: wall {v.median_ms:.1f} (p95 {v.p95_ms:.1f}) cpu {v.cpu_median_ms:.1f} = "
              f"{v.cpu_median_ms / bar:.2f}x bar")
    print(f"  after/before cpu {t['after'].cpu_median_ms / t['before'].cpu_median_ms:.3f}, "
          f"wall {t['after'].median_ms / t['before'].median_ms:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

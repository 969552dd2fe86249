"""Liquidation moves: the smallest index moves (every crypto at once) at which the margin ratio falls to 1.

The search: scan each side on a ``step`` grid (0.01) for the first ratio <= 1, then bisect that step down to
``tol``. The scan points are evaluated in parallel blocks, nearest to zero first, and points already known (the
margin curve's, at exactly equal shocks) are not evaluated again; the two sides are bisected in step, their midpoints
evaluated together.
The points evaluated and the decisions taken are those of the plain one-point-at-a-time search, so the result is
the same to the last bit.
"""

from __future__ import annotations

from typing import Callable, Mapping

from .core import Prepared
from .result import MarginResult
from .shocked import figures_at, ratio_of, workers

Progress = Callable[[int, int], None]
SCAN_BLOCK_PER_WORKER = 4      # scan steps per side per worker evaluated before looking for the crossing


def liquidation_shocks(prepared: Prepared, base: MarginResult, step: float = 0.01, tol: float = 1e-4,
                       known: Mapping[float, float] | None = None,
                       progress: Progress | None = None) -> tuple[float | None, float | None]:
    """Smallest index moves down and up (every crypto at once) at which marginRatio falls to 1; None within ±100 %.

    ``known``: margin ratios already computed at some shocks (exact floats), reused instead of re-evaluated.
    ``progress(done, total)``: scan steps done out of the most the search can take.
    """
    base_ratio = ratio_of(base)
    if base_ratio <= 1.0:
        return (0.0, 0.0)
    seen: dict[float, float] = dict(known or {})

    def ratios(shocks: list[float]) -> None:
        todo = [s for s in dict.fromkeys(shocks) if s not in seen]
        if todo:
            seen.update(zip(todo, figures_at(prepared, todo)[1].tolist()))

    n_steps = int(round(1.0 / step))
    sides = (-1.0, 1.0)
    bracket: dict[float, tuple[float, float] | None] = {}
    block = max(1, SCAN_BLOCK_PER_WORKER * workers())
    k0 = 1
    while k0 <= n_steps and len(bracket) < len(sides):
        ks = range(k0, min(n_steps, k0 + block - 1) + 1)
        open_sides = [sign for sign in sides if sign not in bracket]
        ratios([sign * k * step for sign in open_sides for k in ks])
        for sign in open_sides:
            prev = sign * (k0 - 1) * step if k0 > 1 else 0.0
            for k in ks:
                s = sign * k * step
                if seen[s] <= 1.0:
                    bracket[sign] = (prev, s)
                    break
                prev = s
        k0 += block
        if progress is not None:
            progress(min(k0 - 1, n_steps), n_steps)
    for sign in sides:
        bracket.setdefault(sign, None)
    down, up = bisect_brackets(prepared, [bracket[-1.0], bracket[1.0]], tol)
    return down, up


def scan_points(step: float = 0.01) -> list[float]:
    """Every point the scan of ``liquidation_shocks`` may visit (both sides), as the exact floats it uses."""
    n_steps = int(round(1.0 / step))
    return [sign * k * step for sign in (-1.0, 1.0) for k in range(1, n_steps + 1)]


def bisect_brackets(prepared: Prepared, brackets: list[tuple[float, float] | None],
                    tol: float = 1e-4) -> list[float | None]:
    """Bisect each (lo, hi) bracket (ratio above 1 at lo, at or below 1 at hi) down to ``tol``: the midpoints of
    all open brackets are evaluated together (one ``figures_at`` call per halving), each bracket's decisions
    those of its own one-at-a-time bisection. None stays None."""
    state = [list(b) if b is not None else None for b in brackets]
    while True:
        open_ = [i for i, b in enumerate(state) if b is not None and abs(b[1] - b[0]) > tol]
        if not open_:
            break
        mids = [0.5 * (state[i][0] + state[i][1]) for i in open_]
        for i, mid, r in zip(open_, mids, figures_at(prepared, mids)[1].tolist()):
            state[i][1 if r <= 1.0 else 0] = mid
    return [None if b is None else round(b[1], 6) for b in state]


def liquidation_search(ratio_at: Callable[[float], float], base_ratio: float, step: float = 0.01,
                       tol: float = 1e-4) -> tuple[float | None, float | None]:
    """The plain search, one point at a time: scan each side on a ``step`` grid for the first ratio <= 1, then
    bisect that step down to ``tol``. Kept as the reference the parallel search is tested against."""
    if base_ratio <= 1.0:
        return (0.0, 0.0)
    out: list[float | None] = []
    for sign in (-1.0, 1.0):
        found = None
        prev = 0.0
        for k in range(1, int(round(1.0 / step)) + 1):
            s = sign * k * step
            if ratio_at(s) <= 1.0:
                lo, hi = prev, s
                while abs(hi - lo) > tol:
                    mid = 0.5 * (lo + hi)
                    if ratio_at(mid) <= 1.0:
                        hi = mid
                    else:
                        lo = mid
                found = round(hi, 6)
                break
            prev = s
        out.append(found)
    return out[0], out[1]

"""The zero contour of a grid, by vectorised marching squares, joined into polylines.

The heatmap redraws its P&L = 0 line at every step of a spot-in-use drag. pyqtgraph's ``IsocurveItem`` walks the
cells in Python (about 1.5 ms on the 25 x 101 drag grid); here every cell is classified at once with numpy, and
only the few segments found are joined into polylines (so that a dashed pen runs along the line instead of
restarting at every cell).

Coordinates are cell indices: x = column (the grid's second axis), y = row, so that a row-major ``ImageItem``
showing the same grid can carry the line as a child item (shifted by half a pixel to the pixel centres).
"""

from __future__ import annotations

import numpy as np


def _crossing(z0: np.ndarray, z1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether the edge z0 -> z1 crosses zero (exactly one end negative) and where (0..1 along the edge)."""
    cross = (z0 < 0) != (z1 < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(cross, z0 / (z0 - z1), 0.0)
    return cross, t


def zero_contour_segments(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments of the ``z = 0`` line of a 2-D grid.

    Returns ``(points, edge_ids)``: points (2 k, 2) of (x, y), each consecutive pair one segment, and for each point
    the id of the grid edge it lies on (segments of neighbouring cells meet on a shared edge). Linear interpolation
    along cell edges; a saddle cell (four crossings) is resolved by the sign of the mean of its corners, the usual
    marching-squares rule. Cells with a non-finite corner contribute nothing.
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 2:
        raise ValueError(f"zero_contour: expected a 2-D grid, got shape {z.shape}")
    rows, cols = z.shape
    if rows < 2 or cols < 2:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    # classify every cell at once, then work on the few the line passes through
    neg = z < 0
    fin = np.isfinite(z)
    crossed = ((neg[:-1, :-1] != neg[:-1, 1:]) | (neg[:-1, :-1] != neg[1:, :-1])
               | (neg[1:, 1:] != neg[:-1, 1:]))
    crossed &= fin[:-1, :-1] & fin[:-1, 1:] & fin[1:, :-1] & fin[1:, 1:]
    ii, jj = np.nonzero(crossed)
    if ii.size == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    a, b = z[ii, jj], z[ii, jj + 1]          # cell corners: a = (i, j), b = (i, j+1)
    d, c = z[ii + 1, jj], z[ii + 1, jj + 1]  #               d = (i+1, j), c = (i+1, j+1)
    x, y = jj.astype(float), ii.astype(float)
    horizontal = ii * cols + jj                          # id of the edge (i, j)-(i, j+1)
    vertical = rows * cols + ii * cols + jj              # id of the edge (i, j)-(i+1, j)
    # the four edges of each cell, in the order bottom (a-b), right (b-c), top (d-c), left (a-d)
    crosses, points = [], []
    for (z0, z1), (x0, y0), (dx, dy) in (((a, b), (x, y), (1.0, 0.0)), ((b, c), (x + 1, y), (0.0, 1.0)),
                                         ((d, c), (x, y + 1), (1.0, 0.0)), ((a, d), (x, y), (0.0, 1.0))):
        cross, t = _crossing(z0, z1)
        crosses.append(cross)
        points.append(np.stack([x0 + dx * t, y0 + dy * t], axis=-1))
    cross = np.stack(crosses, axis=-1)                  # (n, 4)
    pts = np.stack(points, axis=-2)                     # (n, 4, 2)
    eid = np.stack([horizontal, vertical + 1, horizontal + cols, vertical], axis=-1)   # (n, 4)
    count = cross.sum(axis=-1)

    out_pts, out_ids = [], []
    two = count == 2
    if two.any():
        order = np.argsort(~cross[two], axis=-1, kind="stable")[:, :2]    # the two crossed edges, in edge order
        out_pts.append(np.take_along_axis(pts[two], order[:, :, None], axis=1).reshape(-1, 2))
        out_ids.append(np.take_along_axis(eid[two], order, axis=1).ravel())
    four = count == 4
    if four.any():
        # a saddle: a and c on one side, b and d on the other. If the centre is on a's side, a and c connect through
        # the middle and the line cuts off b (edges bottom, right) and d (top, left); otherwise it cuts off a
        # (bottom, left) and c (right, top).
        a_side = (((a + b + c + d)[four] / 4.0) < 0) == (a < 0)[four]
        order = np.where(a_side[:, None], np.array([0, 1, 2, 3]), np.array([0, 3, 1, 2]))     # (n, 4)
        out_pts.append(np.take_along_axis(pts[four], order[:, :, None], axis=1).reshape(-1, 2))
        out_ids.append(np.take_along_axis(eid[four], order, axis=1).ravel())
    if not out_pts:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    return np.concatenate(out_pts), np.concatenate(out_ids)


def zero_contour(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``z = 0`` line as polylines: ``(x, y, connect)`` for ``PlotCurveItem(connect=connect)``.

    ``connect[k]`` is True when point k joins point k + 1 (False ends a polyline). Segments are joined end to end
    through their shared grid edges (where their end points coincide); a closed loop ends on its first point.
    """
    pts, ids = zero_contour_segments(z)
    n = len(ids) // 2
    if n == 0:
        return np.empty(0), np.empty(0), np.empty(0, dtype=bool)
    ends: dict[int, list[int]] = {}             # edge id -> the segment ends on it (2 s + 0 or 1)
    for k, edge in enumerate(ids.tolist()):
        ends.setdefault(edge, []).append(k)
    used = np.zeros(n, dtype=bool)

    def walk(end: int) -> list[int]:
        """Point indices from ``end`` onwards, crossing to the neighbouring segment at each shared edge."""
        chain = []
        while True:
            seg = end // 2
            used[seg] = True
            other = end ^ 1
            chain.append(other)
            nxt = [e for e in ends[int(ids[other])] if e != other and not used[e // 2]]
            if not nxt:
                return chain
            end = nxt[0]

    order: list[int] = []
    connect: list[bool] = []
    for seg in range(n):
        if used[seg]:
            continue
        used[seg] = True
        # extend backwards from point 2 seg, then forwards from point 2 seg + 1 (a closed loop is used up by the
        # forward walk and ends on the point it started from)
        head: list[int] = []
        start = [e for e in ends[int(ids[2 * seg])] if e != 2 * seg and not used[e // 2]]
        if start:
            head = walk(start[0])
        tail: list[int] = []
        start = [e for e in ends[int(ids[2 * seg + 1])] if e != 2 * seg + 1 and not used[e // 2]]
        if start:
            tail = walk(start[0])
        line = head[::-1] + [2 * seg, 2 * seg + 1] + tail
        order.extend(line)
        connect.extend([True] * (len(line) - 1) + [False])
    idx = np.asarray(order)
    return pts[idx, 0], pts[idx, 1], np.asarray(connect, dtype=bool)

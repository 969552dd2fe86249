"""Pixmap caches for the chart items that a data update does not change (axes, legend boxes, grid lines).

A curve's or a bar's update repaints the plot area, and Qt repaints every item that intersects the repainted
region: the axes overlap the view box's corners (their bounding rectangles reach past their strips by the tick
text overhang), the legend sits inside it, and the grid lines cover it. Measured on a what-if drag of the desk
book: six axis repaints per step (each a QPicture replayed through Python), the grid lines two. With
``DeviceCoordinateCache`` Qt draws such an item from a pixmap of its last rendering, and renders it again only when
the item itself changes (``update()``: a new range regenerates an axis, a new theme or title re-renders its text).
"""

from __future__ import annotations

from typing import Iterable

from PySide6.QtWidgets import QGraphicsItem


def cache_static(items: Iterable[QGraphicsItem | None]) -> None:
    """Give each item (not the items below it) a device-coordinate cache.

    Text items are left out: a text rendered into a transparent pixmap is antialiased a little differently from the
    same text drawn on the chart (seen on the axis titles), and none of them lies in the region a data update
    repaints. The tick labels an axis draws itself come out of its cache pixel for pixel."""
    mode = QGraphicsItem.CacheMode.DeviceCoordinateCache
    for item in items:
        if item is not None and item.cacheMode() != mode:
            item.setCacheMode(mode)

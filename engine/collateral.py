"""Collateral discount tiers (coin units, piecewise) from ``resources/collateral/*.json``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from .errors import InputError
from .resources import load_json_resource

DEFAULT_TABLE = "okx-2025-01.json"


@dataclass(frozen=True)
class DiscountTable:
    id: str
    tiers: Mapping[str, tuple[tuple[float, float, float], ...]]   # ccy -> (lo, hi, rate); hi = inf for the last
    assumed: Mapping[str, bool]                                   # ccy -> any assumed tier

    def discounted_usd(self, ccy: str, eq: float, px: float) -> float:
        """USD discounted equity: piecewise over the tiers; negative equity is not discounted."""
        if eq <= 0:
            return eq * px
        tiers = self.tiers.get(ccy)
        if tiers is None:
            return 0.0   # not collateral-enabled in the table: contributes nothing
        total = 0.0
        for lo, hi, rate in tiers:
            if eq <= lo:
                break
            total += (min(eq, hi) - lo) * rate
        return total * px


@lru_cache(maxsize=4)
def load_discount_table(name: str = DEFAULT_TABLE) -> DiscountTable:
    label = f"resources/collateral/{name}"
    doc = load_json_resource("collateral", name)
    cur = doc.get("currencies")
    if not isinstance(cur, dict):
        raise InputError(f"{label}: currencies: missing or not an object")
    tiers: dict[str, tuple] = {}
    assumed: dict[str, bool] = {}
    for ccy, spec in cur.items():
        rows = spec.get("tiers") if isinstance(spec, dict) else None
        if not isinstance(rows, list) or not rows:
            raise InputError(f"{label}: currencies.{ccy}.tiers: expected a list of [min, max|null, rate]")
        out = []
        lo_expected = 0.0
        for i, row in enumerate(rows):
            ok = isinstance(row, list) and len(row) == 3 and all(isinstance(x, (int, float)) or (x is None and j == 1)
                                                                 for j, x in enumerate(row))
            if not ok or row[0] != lo_expected or not (0 <= row[2] <= 1) or (row[1] is None and i != len(rows) - 1):
                raise InputError(f"{label}: currencies.{ccy}.tiers[{i}]: expected contiguous [min, max, rate in 0..1]")
            hi = float("inf") if row[1] is None else float(row[1])
            if hi <= row[0]:
                raise InputError(f"{label}: currencies.{ccy}.tiers[{i}]: max must exceed min")
            out.append((float(row[0]), hi, float(row[2])))
            lo_expected = hi
        if out[-1][1] != float("inf"):
            raise InputError(f"{label}: currencies.{ccy}.tiers: the last tier must be open (max null)")
        prov = spec.get("provenance", "assumed")
        tags = prov if isinstance(prov, list) else [prov] * len(out)
        tiers[ccy] = tuple(out)
        assumed[ccy] = "assumed" in tags
    return DiscountTable(id=str(doc.get("id", name)), tiers=MappingProxyType(tiers), assumed=MappingProxyType(assumed))


def discount_table_for(market: object) -> DiscountTable:
    """The shipped discount table, with the tiers a market snapshot brings (``discountTiers``, OKX's
    discount-rate-interest-free-quota) in place of the shipped tiers of the same currency (not assumed)."""
    base = load_discount_table()
    snap = getattr(market, "discount_tiers", None)
    if not snap:
        return base
    tiers = dict(base.tiers)
    assumed = dict(base.assumed)
    for ccy, rows in snap.items():
        out = []
        for r in rows:
            hi = float("inf") if r.get("maxAmt") is None else float(r["maxAmt"])
            out.append((float(r["minAmt"]), hi, float(r["discountRate"])))
        if out and out[-1][1] != float("inf"):
            lo, _, rate = out[-1]
            out[-1] = (lo, float("inf"), rate)   # beyond OKX's last tier its rate goes on applying
        tiers[ccy] = tuple(out)
        assumed[ccy] = False
    when = getattr(market, "fetched_at", None) or getattr(market, "ts")
    return DiscountTable(id=f"{base.id} + snapshot discount tiers of {when:%Y-%m-%d %H:%M} UTC",
                         tiers=MappingProxyType(tiers), assumed=MappingProxyType(assumed))

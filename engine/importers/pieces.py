"""Positions, balances and warnings gathered from one or more sources before they become a Portfolio."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError
from ..numbers import format_number


@dataclass
class _Pos:
    pos: float
    avg_px: float | None
    where: str
    source: str
    mgn_mode: str = "cross"
    margin: float | None = None     # isolated positions: their margin (settlement currency)


@dataclass
class Pieces:
    """Accumulates one book; ``source`` is the label of the file being read (for cross-file duplicates)."""

    source: str = ""
    positions: dict[str, _Pos] = field(default_factory=dict)
    assets: dict[str, tuple[float, str]] = field(default_factory=dict)
    spot_in_use: dict[str, tuple[float, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    data_ms: float | None = None     # OKX's newest uTime/cTime (ms) of what was read: the book's data time

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def note_time(self, *values: object) -> None:
        """Keep the newest of OKX's epoch-millisecond times (``uTime``, ``cTime``); junk and "" are ignored."""
        for v in values:
            if isinstance(v, bool) or v in (None, ""):
                continue
            try:
                ms = float(v)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
            if 0 < ms < 253402300800000 and (self.data_ms is None or ms > self.data_ms):   # before year 10000
                self.data_ms = ms

    def add_position(self, inst_id: str, pos: float, avg_px: float | None, where: str, mgn_mode: str = "cross",
                     margin: float | None = None) -> None:
        old = self.positions.get(inst_id)
        if old is None:
            self.positions[inst_id] = _Pos(pos, avg_px, where, self.source, mgn_mode, margin)
            return
        if old.source != self.source:
            raise InputError(f"{where}: {inst_id} is also in {old.where}; one position per instrument "
                             f"(the same file given twice?)")
        net = old.pos + pos
        if old.pos * pos > 0:    # same side twice (cross and isolated): size-weighted entry price
            avg = None if old.avg_px is None or avg_px is None else (
                (old.avg_px * old.pos + avg_px * pos) / net)
        else:                    # long and short legs: the remaining side keeps its entry price
            avg = old.avg_px if abs(old.pos) >= abs(pos) else avg_px
        self.warn(f"{where}: {inst_id} also at {old.where.split(': ')[-1]}; netted to {format_number(net)} "
                  f"contracts (net mode holds one position per instrument)")
        if net == 0:
            del self.positions[inst_id]
        else:
            self.positions[inst_id] = _Pos(net, avg, old.where, self.source)

    def add_asset(self, ccy: str, amt: float, where: str) -> None:
        self._add(self.assets, ccy, amt, where)

    def add_spot_in_use(self, ccy: str, amt: float, where: str) -> None:
        self._add(self.spot_in_use, ccy, amt, where)

    @staticmethod
    def _add(table: dict, ccy: str, amt: float, where: str) -> None:
        if ccy in table:
            raise InputError(f"{where}: {ccy} is also at {table[ccy][1]}; one balance per currency")
        table[ccy] = (amt, where)

    def portfolio_doc(self) -> dict:
        """A portfolio document (formats.md section 1) of what was gathered."""
        sim_pos = []
        for inst_id, p in self.positions.items():
            row = {"instId": inst_id, "pos": p.pos}
            if p.avg_px is not None:
                row["avgPx"] = p.avg_px
            if p.mgn_mode == "isolated":
                row.update(mgnMode="isolated", margin=p.margin)
            sim_pos.append(row)
        doc: dict = {"simAsset": [{"ccy": c, "amt": a} for c, (a, _) in self.assets.items()], "simPos": sim_pos}
        if self.spot_in_use:
            doc["spotInUse"] = [{"ccy": c, "amt": a} for c, (a, _) in self.spot_in_use.items()]
        if self.data_ms is not None:
            doc["ts"] = int(self.data_ms)
        return doc

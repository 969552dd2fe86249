"""The concrete table models: risk units (dashboard), positions, balances and market indices."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from engine.catalogue import parse_inst_id
from engine.errors import InputError
from engine.market import Market
from engine.numbers import format_number, parse_number
from engine.portfolio import MAX_ASSET, MAX_CONTRACTS, Asset, Position
from engine.result import MR_KEYS, AssetResult, PositionResult, UnitResult

from .columns import (Column, ColumnTableModel, fmt_amount, fmt_coin, fmt_money, fmt_money_dense, fmt_pct, fmt_price,
                      sign_colour)

Index = QModelIndex | QPersistentModelIndex

MR_TITLES = {
    "mr1": "MR1 spot and volatility shock: worst P&L over the spot x vol scenario grid",
    "mr2": "MR2 time decay: theta over the rule set's horizon",
    "mr3": "MR3 volatility term structure: shock between short- and long-dated vegas",
    "mr4": "MR4 basis risk: futures and perpetual basis moves",
    "mr5": "MR5 interest rate risk",
    "mr6": "MR6 extreme move: loss at the extreme index moves, scaled",
    "mr7": "MR7 minimum charge (a floor of the MMR): rate x |cash delta| per derivative, tier multipliers applied",
    "mr8": "MR8 borrowing: the account's borrowing MMR (the same on every unit; not in the unit's MMR)",
    "mr9": "MR9 stablecoin de-peg risk",
}


# -- risk units ---------------------------------------------------------------------------------------------------
def risk_unit_columns() -> list[Column]:
    cols = [
        Column("riskUnit", "Unit", lambda u: u.risk_unit, tooltip="Risk unit (one underlying)"),
        Column("delta", "Delta\n$", lambda u: u.delta, fmt_money_dense,
               "USD delta of the unit: its derivatives plus the spot in use (the slope of the unit's stress curve at "
               "0). Coin held outside spot in use is collateral, not part of the unit: the cell's tooltip gives it "
               "and the coin's whole delta", "USD", True, sign_colour, assumed_key="delta"),
        Column("gamma", "Gamma\n$/1%", lambda u: u.gamma, fmt_money_dense,
               "USD change of delta for a 1 % index move", "USD per 1%", True, sign_colour, assumed_key="gamma"),
        Column("vega", "Vega\n$/pt", lambda u: u.vega, fmt_money_dense, "USD per volatility point", "USD per vol point",
               True, sign_colour, assumed_key="vega"),
        Column("theta", "Theta\n$/d", lambda u: u.theta, fmt_money_dense, "USD per day", "USD per day", True, sign_colour,
               assumed_key="theta"),
    ]
    for k in MR_KEYS:
        if k == "mr8":          # borrowing is an account figure, counted once: shown in the summary, not per unit
            continue
        cols.append(Column(k, k.upper(), (lambda u, k=k: u.mr.get(k)), fmt_money_dense, MR_TITLES[k], "USD", True,
                           assumed_key=k))
    cols += [
        Column("mmr", "MMR", lambda u: u.mmr, fmt_money_dense, "Maintenance margin requirement of the unit", "USD", True,
               assumed_key="mmr"),
        Column("imr", "IMR", lambda u: u.imr, fmt_money_dense, "Initial margin requirement of the unit", "USD", True,
               assumed_key="imr"),
        Column("spotInUse", "Spot\nin use", lambda u: u.spot_in_use, fmt_coin,
               "Spot holdings joined to the unit (coin)", "coin", True),
        Column("maxSpotInUse", "Max\nspot", lambda u: u.max_spot_in_use, fmt_coin,
               "Largest spot in use the unit can take (coin)", "coin", True),
        Column("dominant", "Sets\nMMR", lambda u: u.dominant.upper() if u.dominant else "",
               tooltip="The component that sets the unit's MMR"),
    ]
    return cols


class RiskUnitModel(ColumnTableModel):
    """One row per risk unit of a MarginResult."""

    def __init__(self, parent=None) -> None:
        super().__init__(risk_unit_columns(), parent)
        self._held: dict[str, float] = {}          # coin balances of the book (Asset.amt)
        self._usd: dict[str, float] = {}           # USD per coin

    def set_units(self, units: tuple[UnitResult, ...] | list[UnitResult], held: dict[str, float] | None = None,
                  assets: tuple[AssetResult, ...] | list[AssetResult] = ()) -> None:
        """The units, with the book's coin balances and their USD prices (what the unit's delta leaves out)."""
        self._held = dict(held or {})
        self._usd = {a.ccy: a.eq_usd / a.eq for a in assets if a.eq}
        self.set_rows(units)

    def coin_outside(self, u: UnitResult) -> tuple[float, float] | None:
        """The unit coin's balance not joined to the unit (coin, USD delta), or None without a balance."""
        held, px = self._held.get(u.ccy), self._usd.get(u.ccy)
        if held is None or px is None:
            return None
        outside = held - u.spot_in_use
        return outside, outside * px

    def row_of_unit(self, name: str) -> int:
        for i, u in enumerate(self._rows):
            if u.risk_unit == name:
                return i
        return -1

    def cell_tooltip(self, row_obj: UnitResult, col: Column) -> str | None:
        if col.key == "delta":
            lines = [col.tooltip]
            outside = self.coin_outside(row_obj)
            if outside is not None and abs(outside[0]) > 0:
                coin, usd = outside
                lines.append(f"Not in the unit: {fmt_amount(coin)} {row_obj.ccy} of the balance outside spot in use "
                             f"({fmt_money(usd)} USD of delta); {row_obj.ccy} delta with it: "
                             f"{fmt_money(row_obj.delta + usd)} USD")
            if row_obj.cash_delta is not None:
                lines.append(f"OKX's cash delta (at the mark; MR4, MR7, MR9 rest on it): "
                             f"{fmt_money(row_obj.cash_delta)} USD")
            return "\n".join(lines)
        if col.key == "maxSpotInUse":
            from workstation.widgets.spot_in_use import max_reason     # one source for the words (the control's)
            px = self._usd.get(row_obj.ccy)
            derivatives = row_obj.delta - row_obj.spot_in_use * px if px else row_obj.delta
            reason = max_reason(row_obj.ccy, row_obj.max_spot_in_use, derivatives, self._held.get(row_obj.ccy), px)
            return f"{col.tooltip}\nmax {fmt_amount(row_obj.max_spot_in_use)} {row_obj.ccy}: {reason}"
        if col.key == "mmr" and row_obj.dominant:
            return f"MMR of {row_obj.risk_unit} is set by {row_obj.dominant.upper()}"
        if col.key == "mr1":
            f = row_obj.mr1_final
            vol = f" with vol {f.vol_shock}" if f.vol_shock else ""
            return f"{MR_TITLES['mr1']}\nworst case: index {fmt_pct(f.spot_shock)}{vol}: P&L {fmt_money(f.pnl)} USD"
        if col.key == "mr6":
            f = row_obj.mr6_final
            return f"{MR_TITLES['mr6']}\nworst case: index {fmt_pct(f.spot_shock)}: P&L {fmt_money(f.pnl)} USD"
        return col.tooltip or None


# -- editable models: validation before anything is stored ---------------------------------------------------------
class EditableModel(ColumnTableModel):
    """A model whose edits are validated in place and handed to ``on_edit`` (which pushes an undo command).

    The model never changes its own rows on edit: the document does, and the model is refreshed from it. A refused
    edit emits ``inputRejected`` with the reason and changes nothing.
    """

    inputRejected = Signal(str)

    def __init__(self, columns, parent=None) -> None:
        super().__init__(columns, parent)
        self.on_edit: Callable[[Any, str], None] | None = None

    def validate(self, index: Index, value: Any) -> str | None:
        """The reason ``value`` cannot go into the cell, or None when it can."""
        try:
            self.parse(index, value)
        except InputError as exc:
            return str(exc)
        return None

    def parse(self, index: Index, value: Any) -> tuple[Any, str]:   # -> (new book part, description)
        raise NotImplementedError

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.EditRole and index.isValid() and index.row() < len(self._rows):
            v = self.columns[index.column()].value(self._rows[index.row()])
            if v is None:
                return ""
            return format_number(v) if isinstance(v, (int, float)) else str(v)
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not self.columns[index.column()].editable:
            return False
        try:
            new, description = self.parse(index, value)
        except InputError as exc:
            self.inputRejected.emit(str(exc))
            return False
        if new is None:
            return False               # unchanged
        if self.on_edit is None:
            return False
        try:
            self.on_edit(new, description)
        except Exception as exc:  # noqa: BLE001 - e.g. the store refused the write: report, keep the old state
            self.inputRejected.emit(str(exc))
            return False
        return True


@dataclass(frozen=True)
class PositionRow:
    position: Position
    result: PositionResult | None

    @property
    def inst_id(self) -> str:
        return self.position.inst_id

    def _r(self, attr: str) -> Any:
        return None if self.result is None else getattr(self.result, attr)


def price_unit(inst_id: str) -> str:
    """Options are priced in the coin, futures and perpetuals in their quote currency (BTC-USDT-SWAP: USDT)."""
    parts = inst_id.split("-")
    if len(parts) == 5 and parts[-1] in ("C", "P"):
        return parts[0]
    return parts[1].partition("_")[0] if len(parts) > 1 else ""   # BTC-USD_UM-SWAP: USD (OKX's USD-margined)


def position_columns() -> list[Column]:
    return [
        Column("instId", "Instrument", lambda r: r.position.inst_id, tooltip="OKX instrument id", editable=True),
        Column("pos", "Contracts", lambda r: r.position.pos, fmt_amount, "Signed number of contracts (net mode)",
               "contracts", True, sign_colour, editable=True),
        Column("avgPx", "Avg price", lambda r: r.position.avg_px, fmt_price,
               "Average entry price; empty: the mark (floating P&L 0)", "quote ccy", True, editable=True),
        Column("markPx", "Mark", lambda r: r._r("mark_px"), fmt_price, "Mark price (unit in the next column)",
               "quote ccy", True),
        Column("pxUnit", "Px unit", lambda r: price_unit(r.position.inst_id),
               tooltip="Unit of the avg price and the mark: options in the coin (per coin of underlying), futures "
                       "and perpetuals in their quote currency"),
        Column("notionalUsd", "Notional $", lambda r: r._r("notional_usd"), fmt_money, "Notional value", "USD", True),
        Column("delta", "Delta $", lambda r: r._r("delta"), fmt_money, "USD delta: slope of the scenario valuation in the index move", "USD", True, sign_colour),
        Column("gamma", "Gamma $/1%", lambda r: r._r("gamma"), fmt_money, "USD change of delta per 1 % move",
               "USD per 1%", True, sign_colour),
        Column("vega", "Vega $/pt", lambda r: r._r("vega"), fmt_money, "USD per vol point", "USD per vol point",
               True, sign_colour),
        Column("theta", "Theta $/d", lambda r: r._r("theta"), fmt_money, "USD per day", "USD per day", True,
               sign_colour),
        Column("floatPnl", "Float P&L $", lambda r: r._r("float_pnl"), fmt_money, "Floating P&L", "USD", True,
               lambda v, r: None if v is None else ("negative" if v < 0 else "positive" if v > 0 else None)),
        Column("imr", "IMR (MC)", lambda r: r._r("imr"), fmt_money, "Initial margin, multi-currency mode", "USD",
               True),
        Column("mmr", "MMR (MC)", lambda r: r._r("mmr"), fmt_money, "Maintenance margin, multi-currency mode",
               "USD", True),
    ]


class PositionModel(EditableModel):
    """The book's positions, joined by instId with the per-position figures of the latest result."""

    def __init__(self, parent=None) -> None:
        super().__init__(position_columns(), parent)
        self.market_ts: datetime | None = None
        self._book: tuple[Position, ...] = ()

    def set_book(self, positions: tuple[Position, ...], results: dict[str, PositionResult],
                 market_ts: datetime | None) -> None:
        self.market_ts = market_ts
        self._book = tuple(positions)
        self.set_rows([PositionRow(p, results.get(p.inst_id)) for p in positions])

    def positions(self) -> tuple[Position, ...]:
        """In book order, whatever the sort of the view."""
        return self._book

    def check_instrument(self, inst_id: str, *, exclude_row: int = -1) -> str:
        inst_id = inst_id.strip()
        inst = parse_inst_id(inst_id)
        if inst.expiry is not None and self.market_ts is not None and inst.expiry <= self.market_ts:
            raise InputError(f"instId {inst_id!r}: expired at {inst.expiry:%Y-%m-%d %H:%M} UTC, at or before the "
                             f"market snapshot ({self.market_ts:%Y-%m-%d %H:%M} UTC)")
        for i, r in enumerate(self._rows):
            if i != exclude_row and r.inst_id == inst_id:
                raise InputError(f"instId {inst_id!r}: already in the book (net mode holds one position per "
                                 f"instrument); edit that row instead")
        return inst_id

    def parse(self, index: Index, value: Any) -> tuple[Any, str]:
        row = index.row()
        col = self.columns[index.column()]
        old = self._rows[row].position
        text = "" if value is None else str(value).strip()
        if col.key == "instId":
            new = replace(old, inst_id=self.check_instrument(text, exclude_row=row))
            what = f"Change {old.inst_id} to {new.inst_id}"
        elif col.key == "pos":
            pos = parse_number(text, f"{old.inst_id}: contracts", limit=MAX_CONTRACTS)
            new = replace(old, pos=pos)
            what = f"{old.inst_id}: contracts {format_number(old.pos)} \u2192 {format_number(pos)}"
        elif col.key == "avgPx":
            avg = None if text == "" else parse_number(text, f"{old.inst_id}: avg price", allow_negative=False,
                                                       allow_zero=False)
            new = replace(old, avg_px=avg)
            what = f"{old.inst_id}: avg price \u2192 {'mark' if avg is None else format_number(avg)}"
        else:
            raise InputError(f"{col.header}: not editable")
        if new == old:
            return None, ""
        positions = tuple(new if p.inst_id == old.inst_id else p for p in self._book)
        return positions, what


@dataclass(frozen=True)
class AssetRow:
    ccy: str
    amt: float | None           # None: not a balance of the book (e.g. only in the result)
    result: AssetResult | None

    def _r(self, attr: str) -> Any:
        return None if self.result is None else getattr(self.result, attr)


def asset_columns() -> list[Column]:
    return [
        Column("ccy", "Currency", lambda r: r.ccy),
        Column("amt", "Balance", lambda r: r.amt, fmt_amount, "Signed balance; negative = borrowed", "ccy", True,
               sign_colour, editable=True),
        Column("eqUsd", "Equity $", lambda r: r._r("eq_usd"), fmt_money, "Equity in USD", "USD", True, sign_colour),
        Column("disEq", "Discounted $", lambda r: r._r("dis_eq"), fmt_money,
               "Equity after the collateral haircut", "USD", True, sign_colour),
        Column("spotInUse", "Spot in use", lambda r: r._r("spot_in_use"), fmt_amount,
               "Coin joined to the risk unit", "ccy", True),
        Column("maxSpotInUse", "Max spot", lambda r: r._r("max_spot_in_use"), fmt_amount, "", "ccy", True),
        Column("borrowMmr", "Borrow MMR", lambda r: r._r("borrow_mmr"), fmt_money, "", "USD", True),
    ]


class AssetModel(EditableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(asset_columns(), parent)
        self._assets: tuple[Asset, ...] = ()

    def set_book(self, assets: tuple[Asset, ...], results: dict[str, AssetResult]) -> None:
        self._assets = tuple(assets)
        rows = [AssetRow(a.ccy, a.amt, results.get(a.ccy)) for a in assets]
        self.set_rows(rows)

    def parse(self, index: Index, value: Any) -> tuple[Any, str]:
        r = self._rows[index.row()]
        if self.columns[index.column()].key != "amt":
            raise InputError("only the balance is editable")
        amt = parse_number(str(value).strip(), f"{r.ccy}: balance", limit=MAX_ASSET)
        if amt == r.amt:
            return None, ""
        assets = tuple(Asset(a.ccy, amt) if a.ccy == r.ccy else a for a in self._assets)
        return assets, f"{r.ccy} balance {fmt_amount(r.amt)} \u2192 {fmt_amount(amt)}"


@dataclass(frozen=True)
class IndexRow:
    key: str          # "BTC-USD"
    value: float
    base: float       # the snapshot's value
    move: float       # what-if move applied on top (fraction)


class IndexModel(EditableModel):
    """The market snapshot's index prices; editing one moves it (and the marks of its contracts)."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column("key", "Index", lambda r: r.key),
            Column("value", "USD", lambda r: r.value, fmt_price, "Index price in USD (editable)", "USD", True,
                   editable=True),
            Column("whatif", "What-if USD", lambda r: r.value * (1.0 + r.move) if r.move else None, fmt_price,
                   "Index after the what-if move", "USD", True),
        ], parent)
        self.market: Market | None = None

    def set_market(self, market: Market, whatif: dict[str, float]) -> None:
        self.market = market
        rows = [IndexRow(k, v, v, whatif.get(k.split("-")[0], 0.0)) for k, v in sorted(market.index.items())]
        self.set_rows(rows)

    def parse(self, index: Index, value: Any) -> tuple[Any, str]:
        r = self._rows[index.row()]
        new = parse_number(str(value).strip(), f"index {r.key}", allow_negative=False, allow_zero=False)
        if new == r.value or self.market is None:
            return None, ""
        ccy = r.key.split("-")[0]
        return self.market.shifted({ccy: new / r.value - 1.0}), f"{r.key} {fmt_price(r.value)} \u2192 {fmt_price(new)}"

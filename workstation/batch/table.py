"""The batch result table: column order, CSV / Parquet files, and the summary printed on screen."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Sequence

from engine import InputError

from .task import BASE_COLUMNS, UNIT_PREFIX


def columns(rows: Sequence[dict]) -> list[str]:
    """The base columns, then one ``mmr.UNIT`` column per risk unit met in any row (sorted)."""
    units = sorted({k for r in rows for k in r if k.startswith(UNIT_PREFIX)})
    return list(BASE_COLUMNS) + units


def check_out_path(path: Path) -> None:
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"--out: {path}: expected a .csv or .parquet file name")
    if not path.parent.exists():
        raise InputError(f"--out: {path.parent}: no such folder")


def write_table(rows: Sequence[dict], path: Path) -> None:
    """CSV (empty cell for a missing value) or Parquet (null), written to a temporary file then renamed."""
    cols = columns(rows)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
        types = {c: pa.string() for c in ("book", "scenario", "mode", "rules", "error", "warnings")}
        types.update({"breach": pa.bool_(), "liquidation": pa.bool_()})
        schema = pa.schema([(c, types.get(c, pa.float64())) for c in cols])
        table = pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows], schema=schema)
        pq.write_table(table, tmp)
    else:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow({c: _cell(r.get(c)) for c in cols})
    os.replace(tmp, path)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _ratio_key(r: dict) -> float:
    x = r.get("marginRatio")
    return math.inf if x is None else x


def summary(rows: Sequence[dict], ratio_floor: float, worst: int = 3) -> str:
    """Per scenario: evaluated books, breaches of the floor, and the ``worst`` books by margin ratio."""
    ok = [r for r in rows if not r["error"]]
    errors = [r for r in rows if r["error"]]
    lines = [f"{len(ok)} results, {len(errors)} errors; breach = marginRatio below {ratio_floor:g}"]
    for scenario in dict.fromkeys(r["scenario"] for r in ok):
        these = sorted((r for r in ok if r["scenario"] == scenario), key=_ratio_key)
        n_breach = sum(1 for r in these if r["breach"])
        lines.append(f"  {scenario}: {len(these)} rows, {n_breach} breaches")
        for r in these[:worst]:
            ratio = "-" if r["marginRatio"] is None else f"{r['marginRatio']:,.2f}"
            flag = "  BREACH" if r["breach"] else ""
            lines.append(f"    {r['book']} [{r['mode']} {r['rules']}]: marginRatio {ratio}, "
                         f"totalMmr {r['totalMmr']:,.0f}, adjEq {r['adjEq']:,.0f}{flag}")
    if errors:
        lines.append("errors:")
        for r in errors[:20]:
            where = f"{r['book']} / {r['scenario']}: " if r["scenario"] else ""
            if not where and not r["error"].startswith(r["book"]):
                where = f"{r['book']}: "
            lines.append(f"  {where}{r['error']}")
        if len(errors) > 20:
            lines.append(f"  ... and {len(errors) - 20} more (see the error column of the table)")
    return "\n".join(lines)

"""The risk report's PDF keeps everything on the page: every chart image lies inside the printable area (A4
landscape, 842 x 595 pt, 12 mm = 34 pt margins: the right-hand charts ran 160 pt past the edge), and instrument ids
are never broken over lines ("BTC-\\nUSD-250214-1\\n00000-C"). Read back with pypdf, positions from the page's own
drawing operators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation.cli import main

pypdf = pytest.importorskip("pypdf")

ROOT = Path(__file__).resolve().parents[1]
MARKET = ROOT / "resources/demo/market-2025-02-06.json"
OPTIONS = ROOT / "resources/demo/portfolios/1-btc-delta-neutral-options.json"
MARGIN_PT = 12 / 25.4 * 72          # 34.0 pt


def _mul(a: list[float], b: list[float]) -> list[float]:
    """PDF matrices [a b c d e f]: a applied first, then b."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _image_boxes(reader, page) -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) in page points of every image drawn on ``page`` (the unit square under the CTM)."""
    from pypdf.generic import ContentStream
    ctm, stack, boxes = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], []
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = _mul([float(v) for v in operands], ctm)
        elif op == b"Do":
            xs = [ctm[0] * u + ctm[2] * v + ctm[4] for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))]
            ys = [ctm[1] * u + ctm[3] * v + ctm[5] for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


def test_pdf_charts_inside_the_page_and_instrument_ids_whole(qapp, tmp_path):
    out = tmp_path / "morning.pdf"
    assert main(["report", str(OPTIONS), "--market", str(MARKET), "--out", str(out)]) == 0
    reader = pypdf.PdfReader(str(out))
    boxes = [b for page in reader.pages for b in _image_boxes(reader, page)]
    assert len(boxes) == 4
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        for x0, y0, x1, y1 in _image_boxes(reader, page):
            assert MARGIN_PT - 1 <= x0 and x1 <= width - MARGIN_PT + 1, f"image x {x0:.0f}..{x1:.0f} of {width:.0f}"
            assert MARGIN_PT - 1 <= y0 and y1 <= height - MARGIN_PT + 1, f"image y {y0:.0f}..{y1:.0f} of {height:.0f}"
    text = "\n".join(page.extract_text() for page in reader.pages)
    ids = [p["instId"] for p in json.loads(OPTIONS.read_text())["simPos"]]
    assert len(ids) >= 7
    for inst_id in ids:
        assert inst_id in text, f"{inst_id} broken over lines in the PDF"
    # contracts in their own style, beside the spot-in-use row's coin amount (24.998125 BTC)
    assert "-600 " in text or "-600\n" in text
    assert "-600.000000" not in text

"""riskws reconcile, in process: the golden observation, JSON output, market notes and one-line bad input errors
(nothing written to the database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation.cli import main

FIX = Path(__file__).resolve().parent / "fixtures"
OBS = FIX / "okx-observation-7-1.json"
DEMO_MARKET = Path(__file__).resolve().parents[1] / "resources" / "demo" / "market-2025-02-06.json"


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_golden_observation_json(capsys, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    assert main(["reconcile", str(OBS), "--json", "--db", str(db)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["flagged"] == 0 and doc["figures"] >= 90 and doc["notes"] == []
    assert not db.exists()


def test_text_output_and_book_given(capsys, tmp_path: Path) -> None:
    obs = json.loads(OBS.read_text())
    book = tmp_path / "book.json"
    book.write_text(json.dumps({"simPos": obs["request"]["simPos"], "simAsset": obs["request"]["simAsset"]}))
    assert main(["reconcile", str(OBS), str(book)]) == 0
    out = capsys.readouterr().out
    assert "0 beyond tolerance" in out and "unit/BTC/mr1Scenarios.volShockUp.0.12" in out


def test_other_market_is_said(capsys, tmp_path: Path) -> None:
    obs = json.loads(OBS.read_text())
    market = dict(obs["market"], ts="2025-01-15T12:00:00Z")
    path = tmp_path / "m.json"
    path.write_text(json.dumps(market))
    assert main(["reconcile", str(OBS), "--market", str(path), "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert any("NOT the snapshot the answer was taken on" in n for n in notes)
    assert any("not the same minute" in n for n in notes)


def test_account_responses_on_demo_market(capsys) -> None:
    assert main(["reconcile", str(FIX / "okx-positions-and-balance.json"), "--market", str(DEMO_MARKET), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ratio = next(r for r in doc["rows"] if r["field"] == "marginRatio")
    assert ratio["okx"] == 37.8 and ratio["flagged"]


def _bad(tmp_path: Path, name: str, doc_or_text) -> Path:
    path = tmp_path / name
    path.write_text(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text))
    return path


@pytest.mark.parametrize("case", ["other-book", "error-code", "truncated", "no-snapshot", "bare-response"])
def test_bad_input_one_line_nothing_stored(case, capsys, tmp_path: Path) -> None:
    obs = json.loads(OBS.read_text())
    db = tmp_path / "r.db"
    extra: list[str] = []
    expect = ""
    if case == "other-book":
        path = OBS
        book = _bad(tmp_path, "book.json", {"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "-11"},
                                                       {"instId": "LTC-USDT-SWAP", "pos": "10"}],
                                            "simAsset": [{"ccy": "USDT", "amt": "100"}]})
        extra, expect = [str(book)], "another book"
    elif case == "error-code":
        obs["response"] = {"code": "51000", "msg": "Parameter simPos error", "data": []}
        path, expect = _bad(tmp_path, "obs.json", obs), "51000"
    elif case == "truncated":
        path, expect = _bad(tmp_path, "obs.json", OBS.read_text()[:1000]), "obs.json"
    elif case == "no-snapshot":
        del obs["market"]
        path, expect = _bad(tmp_path, "obs.json", obs), "market"
    else:
        path, expect = _bad(tmp_path, "resp.json", obs["response"]), "BOOK"
    assert main(["reconcile", str(path), *extra, "--db", str(db)]) == 2
    line = error_line(capsys)
    assert line.startswith("riskws: error: ") and expect in line
    assert not db.exists()

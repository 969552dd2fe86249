"""riskws import / export, in process: exit codes, one-line errors, nothing written on failure, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db.store import Store
from engine.portfolio import portfolio_from_dict, portfolio_to_dict
from workstation.cli import main

GOOD = {"name": "tiny", "acctLv": "4", "simAsset": [{"ccy": "USDT", "amt": "10000"}],
        "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "3", "avgPx": "95000.5"}]}


def write(path: Path, doc_or_text) -> Path:
    path.write_text(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text), encoding="utf-8")
    return path


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_import_then_export(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    assert main(["import", str(write(tmp_path / "t.json", GOOD)), "--db", str(db)]) == 0
    assert "imported portfolio 'tiny'" in capsys.readouterr().out
    out = tmp_path / "out.json"
    assert main(["export", "tiny", "--db", str(db), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == {"name": "tiny", "acctLv": "4",
                                           "simAsset": [{"ccy": "USDT", "amt": "10000"}],
                                           "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "3", "avgPx": "95000.5"}]}


def test_import_name_precedence(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    nameless = {k: v for k, v in GOOD.items() if k != "name"}
    assert main(["import", str(write(tmp_path / "from-file.json", nameless)), "--db", str(db)]) == 0
    assert main(["import", str(write(tmp_path / "t.json", GOOD)), "--db", str(db), "--name", "chosen"]) == 0
    with Store(db) as store:
        assert [s.name for s in store.list_portfolios()] == ["chosen", "from-file"]
        assert store.load_portfolio("chosen").name == "chosen"


def test_import_replaces_same_name(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    src = write(tmp_path / "t.json", GOOD)
    assert main(["import", str(src), "--db", str(db)]) == 0
    changed = dict(GOOD, simPos=[{"instId": "ETH-USDT-SWAP", "pos": -2}])
    assert main(["import", str(write(src, changed)), "--db", str(db)]) == 0
    assert "replaced portfolio 'tiny'" in capsys.readouterr().out
    with Store(db) as store:
        assert [p.inst_id for p in store.load_portfolio("tiny").positions] == ["ETH-USDT-SWAP"]


BAD_INPUTS = {
    "malformed": ('{"name": "x", "simPos": [', ["malformed JSON", "line 1"]),
    "unknown_inst": (dict(GOOD, simPos=[{"instId": "FOO-USDT-SWAP", "pos": "1"}]),
                     ["simPos[0].instId", "unknown instrument family"]),
    "malformed_inst": (dict(GOOD, simPos=[{"instId": "BTC-USDT-PERP", "pos": "1"}]),
                       ["simPos[0].instId", "malformed"]),
    "nan_string_pos": (dict(GOOD, simPos=[{"instId": "BTC-USDT-SWAP", "pos": "NaN"}]),
                       ["simPos[0].pos", "not a finite number"]),
    "nan_bare_pos": ('{"simPos": [{"instId": "BTC-USDT-SWAP", "pos": NaN}]}', ["simPos[0].pos", "NaN"]),
    "bad_acctlv": (dict(GOOD, acctLv="7"), ["acctLv"]),
    "negative_spot_in_use": (dict(GOOD, spotInUse=[{"ccy": "BTC", "amt": "-1"}]), ["spotInUse[0].amt", "negative"]),
    "unknown_rules": (dict(GOOD, rules="okx-1999"), ["rules", "okx-1999"]),
    "not_an_object": ("[1, 2]", ["top level"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_portfolio_file_exit_2_one_line_nothing_written(tmp_path: Path, capsys, case: str) -> None:
    content, must_mention = BAD_INPUTS[case]
    db = tmp_path / "a.db"
    assert main(["import", str(write(tmp_path / "good.json", GOOD)), "--db", str(db)]) == 0
    before = db.read_bytes() if not (tmp_path / "a.db-wal").exists() else None
    capsys.readouterr()
    bad = write(tmp_path / f"bad-{case}.json", content)
    assert main(["import", str(bad), "--db", str(db)]) == 2
    line = error_line(capsys)
    assert str(bad) in line
    for word in must_mention:
        assert word in line, line
    with Store(db) as store:
        assert [s.name for s in store.list_portfolios()] == ["tiny"]
        assert store.load_portfolio("tiny") == portfolio_from_dict(GOOD)
    del before


def test_bad_file_does_not_create_a_database(tmp_path: Path, capsys) -> None:
    db = tmp_path / "new.db"
    assert main(["import", str(write(tmp_path / "b.json", "{oops")), "--db", str(db)]) == 2
    assert "b.json" in error_line(capsys)
    assert list(tmp_path.glob("new.db*")) == []
    assert main(["import", str(write(tmp_path / "g.json", GOOD)), "--db", str(db), "--market", "ghost"]) == 2
    assert "ghost" in error_line(capsys)
    assert list(tmp_path.glob("new.db*")) == []


def test_missing_file_is_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["import", str(tmp_path / "nowhere.json"), "--db", str(tmp_path / "a.db")]) == 2
    line = error_line(capsys)
    assert "nowhere.json" in line and "not found" in line


def test_export_unknown_name_is_bad_input_and_writes_nothing(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    assert main(["import", str(write(tmp_path / "g.json", GOOD)), "--db", str(db)]) == 0
    capsys.readouterr()
    out = tmp_path / "out.json"
    assert main(["export", "nope", "--db", str(db), "--out", str(out)]) == 2
    assert "'nope'" in error_line(capsys)
    assert not out.exists()


def test_export_from_missing_database_does_not_create_it(tmp_path: Path, capsys) -> None:
    db = tmp_path / "none.db"
    assert main(["export", "x", "--db", str(db), "--out", str(tmp_path / "o.json")]) == 2
    assert "none.db" in error_line(capsys)
    assert not db.exists()


def test_export_to_unwritable_place_is_failure_1(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    assert main(["import", str(write(tmp_path / "g.json", GOOD)), "--db", str(db)]) == 0
    capsys.readouterr()
    target = tmp_path / "no" / "such" / "dir" / "o.json"
    assert main(["export", "tiny", "--db", str(db), "--out", str(target)]) == 1
    assert "o.json" in error_line(capsys)


def test_each_demo_portfolio_round_trips(tmp_path: Path, demo_portfolio_files: list[Path]) -> None:
    db = tmp_path / "demo.db"
    for f in demo_portfolio_files:
        original = json.loads(f.read_text(encoding="utf-8"))
        assert main(["import", str(f), "--db", str(db)]) == 0
        out = tmp_path / f.name
        assert main(["export", original["name"], "--db", str(db), "--out", str(out)]) == 0
        exported = json.loads(out.read_text(encoding="utf-8"))
        assert exported == portfolio_to_dict(portfolio_from_dict(original))
        # independent of portfolio_to_dict: the same fields, and the same numbers read as floats
        assert set(exported) == set(original)
        for key in ("name", "acctLv", "rules"):
            assert exported.get(key) == original.get(key)
        for key in ("simAsset", "spotInUse"):
            assert [(a["ccy"], float(a["amt"])) for a in exported.get(key, [])] == \
                   [(a["ccy"], float(a["amt"])) for a in original.get(key, [])]
        assert [(p["instId"], float(p["pos"]), float(p["avgPx"]) if "avgPx" in p else None)
                for p in exported["simPos"]] == \
               [(p["instId"], float(p["pos"]), float(p["avgPx"]) if "avgPx" in p else None)
                for p in original["simPos"]]
        assert {k: float(v) for k, v in exported.get("lever", {}).items()} == \
               {k: float(v) for k, v in original.get("lever", {}).items()}


def test_numbers_as_json_numbers_are_normalised(tmp_path: Path) -> None:
    doc = {"name": "n", "simAsset": [{"ccy": "BTC", "amt": 1.5}, {"ccy": "USDT", "amt": -2000}],
           "simPos": [{"instId": "BTC-USD-SWAP", "pos": -10, "avgPx": 97000.25}],
           "spotInUse": [{"ccy": "BTC", "amt": 1}], "lever": {"BTC-USD": 20}}
    db = tmp_path / "a.db"
    assert main(["import", str(write(tmp_path / "n.json", doc)), "--db", str(db)]) == 0
    out = tmp_path / "o.json"
    assert main(["export", "n", "--db", str(db), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == {
        "name": "n", "acctLv": "4", "simAsset": [{"ccy": "BTC", "amt": "1.5"}, {"ccy": "USDT", "amt": "-2000"}],
        "simPos": [{"instId": "BTC-USD-SWAP", "pos": "-10", "avgPx": "97000.25"}],
        "spotInUse": [{"ccy": "BTC", "amt": "1"}], "lever": {"BTC-USD": "20"}}


def test_market_snapshot_import_and_export(tmp_path: Path, capsys, demo_market) -> None:
    from engine.resources import resource_path

    src = Path(str(resource_path("demo", "market-2025-02-06.json")))
    db = tmp_path / "a.db"
    assert main(["import", str(src), "--db", str(db), "--name", "feb"]) == 0
    assert "market snapshot 'feb'" in capsys.readouterr().out
    assert main(["import", str(write(tmp_path / "p.json", GOOD)), "--db", str(db), "--market", "feb"]) == 0
    with Store(db) as store:
        assert store.market_for_portfolio("tiny") == demo_market
    out = tmp_path / "m.json"
    assert main(["export", "feb", "--market", "--db", str(db), "--out", str(out)]) == 0
    from engine.market import load_market
    assert load_market(out) == demo_market


def test_bad_names_are_reported_against_their_source(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    padded = write(tmp_path / "padded.json", dict(GOOD, name=" padded "))
    assert main(["import", str(padded), "--db", str(db)]) == 2
    line = error_line(capsys)
    assert "padded.json: name" in line and "spaces" in line
    assert main(["import", str(write(tmp_path / "g.json", GOOD)), "--db", str(db), "--name", ""]) == 2
    assert "--name" in error_line(capsys)
    assert not db.exists()

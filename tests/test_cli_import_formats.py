"""Importers: every supported source format, detected from content (fixtures written by hand from the public
OKX v5 and ccxt formats in tests/fixtures/), through the API the GUI calls and through `riskws import`/`export`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from db.store import Store
from engine.errors import InputError
from engine.importers import (NotABookError, ccxt_symbol_to_inst_id, import_doc, import_file, import_files,
                              import_text, sniff_kind)
from engine.portfolio import Asset, Position
from workstation.cli import main

FIX = Path(__file__).parent / "fixtures"
DEMO_MARKET = Path(__file__).resolve().parents[1] / "resources" / "demo" / "market-2025-02-06.json"


def positions(book) -> dict:
    return {p.inst_id: (p.pos, p.avg_px) for p in book.portfolio.positions}


def assets(book) -> dict:
    return {a.ccy: a.amt for a in book.portfolio.assets}


def has_warning(book, *words: str) -> bool:
    return any(all(w in line for w in words) for line in book.warnings)


# -- OKX -----------------------------------------------------------------------------------------------------
def test_okx_positions_response() -> None:
    book = import_file(FIX / "okx-positions.json")
    assert book.source_kind == "okx-positions"
    assert positions(book) == {"BTC-USDT-SWAP": (-350.0, 96210.4), "BTC-USD-250328": (120.0, 97500.0),
                               "BTC-USD-250328-100000-C": (-25.0, 0.0235), "ETH-USDT-SWAP": (40.0, 2690.5)}
    assert book.portfolio.assets == () and book.portfolio.name == "okx-positions"
    assert has_warning(book, "data[3]", "ETH-USDT-SWAP", "isolated")
    assert has_warning(book, "data[4]", "BTC-USDT", "spot margin")
    assert has_warning(book, "data[5]", "SOL-USDT-SWAP", "pos 0")
    assert has_warning(book, "acctLv")


def test_okx_long_short_mode_takes_the_sign_from_posside_and_nets() -> None:
    book = import_file(FIX / "okx-positions-long-short.json")
    # long 300 @ 96000 and short 100 @ 97000 net to +200; the remaining long side keeps its entry price
    assert positions(book) == {"BTC-USDT-SWAP": (200.0, 96000.0), "ETH-USDT-250328": (-15.0, 2700.0)}
    assert has_warning(book, "BTC-USDT-SWAP", "netted to 200")


def test_okx_balance_response() -> None:
    book = import_file(FIX / "okx-balance.json")
    assert book.source_kind == "okx-balance"
    assert assets(book) == {"BTC": 12.5, "USDT": -20000.0, "ETH": 150.0}  # cashBal; USDC 0 left out
    assert book.portfolio.spot_in_use == (Asset("BTC", 8.0),)            # clSpotInUseAmt
    assert has_warning(book, "details[3]", "PEPE", "unknown currency")
    assert book.portfolio.positions == ()


@pytest.mark.parametrize("fixture", ["okx-positions-and-balance.json", "okx-responses-array.json"])
def test_positions_and_balance_in_one_file(fixture: str) -> None:
    book = import_file(FIX / fixture)
    assert book.source_kind == "okx-positions+okx-balance"
    assert len(book.portfolio.positions) == 4 and assets(book)["USDT"] == -20000.0


def test_positions_and_balance_as_two_files() -> None:
    book = import_files([FIX / "okx-positions.json", FIX / "okx-balance.json"], name="desk")
    assert book.source_kind == "okx-positions+okx-balance" and book.portfolio.name == "desk"
    assert positions(book)["BTC-USD-250328-100000-C"] == (-25.0, 0.0235)
    assert assets(book) == {"BTC": 12.5, "USDT": -20000.0, "ETH": 150.0}


def test_the_same_positions_file_twice_is_refused() -> None:
    with pytest.raises(InputError, match=r"data\[0\].*BTC-USDT-SWAP is also in .*okx-positions.json"):
        import_files([FIX / "okx-positions.json", FIX / "okx-positions.json"])


def test_okx_error_response_names_the_code() -> None:
    with pytest.raises(InputError, match=r"okx-error.json: code: OKX returned error 50111: Invalid OK-ACCESS-KEY"):
        import_file(FIX / "okx-error.json")


def test_position_builder_body() -> None:
    book = import_file(FIX / "okx-position-builder.json")
    assert book.source_kind == "okx-position-builder"
    assert book.portfolio.positions == (Position("BTC-USDT-SWAP", -10.0, 97000.0),
                                        Position("BTC-USD-250328-90000-P", 50.0, None))
    assert book.portfolio.lever_map() == {"BTC-USDT": 20.0}   # simPos[0].lever -> its instrument family
    assert assets(book) == {"USDT": 250000.0}
    for field in ("inclRealPosAndEq", "greeksType", "idxVol"):
        assert has_warning(book, field), (field, book.warnings)


def test_position_builder_scalar_lever_applies_to_every_family() -> None:
    book = import_doc({"lever": "3", "greeksType": "BS", "simPos": [{"instId": "ETH-USDT-SWAP", "pos": "1"},
                                                                     {"instId": "BTC-USD-SWAP", "pos": "2"}]})
    assert book.portfolio.lever_map() == {"ETH-USDT": 3.0, "BTC-USD": 3.0}


def test_our_portfolio_file_is_not_mistaken_for_a_builder_body() -> None:
    doc = {"name": "x", "acctLv": "3", "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1"}], "lever": {"BTC-USDT": "5"}}
    book = import_doc(doc)
    assert book.source_kind == "portfolio" and book.warnings == () and book.portfolio.acct_lv == "3"


# -- ccxt ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("symbol, inst_id", [
    ("BTC/USDT:USDT", "BTC-USDT-SWAP"),
    ("BTC/USD:BTC", "BTC-USD-SWAP"),
    ("ETH/USDC:USDC", "ETH-USDC-SWAP"),
    ("BTC/USD:BTC-250328", "BTC-USD-250328"),
    ("ETH/USDT:USDT-250627", "ETH-USDT-250627"),
    ("BTC/USD:BTC-250328-100000-C", "BTC-USD-250328-100000-C"),
    ("ETH/USD:ETH-250328-2500-P", "ETH-USD-250328-2500-P"),
])
def test_ccxt_symbols_map_to_okx_ids(symbol: str, inst_id: str) -> None:
    assert ccxt_symbol_to_inst_id(symbol) == inst_id


@pytest.mark.parametrize("symbol, problem", [("BTC/USDT", "spot symbol"), ("BTC-USDT-SWAP", "spot symbol"),
                                             ("BTC/USDT:ETH", "neither"), ("btc/usdt:usdt", "not a ccxt"),
                                             ("BTC/USD:BTC-2503", "not a ccxt"), (None, "expected a ccxt symbol")])
def test_bad_ccxt_symbols(symbol, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        ccxt_symbol_to_inst_id(symbol, "[0].symbol")


def test_ccxt_fetch_positions() -> None:
    book = import_file(FIX / "ccxt-positions.json")
    assert book.source_kind == "ccxt-positions"
    # contracts are unsigned, the side gives the sign; info.instId wins over the symbol when present
    assert positions(book) == {"BTC-USDT-SWAP": (-350.0, 96210.4), "BTC-USD-SWAP": (2000.0, 95000.0),
                               "BTC-USD-250328": (120.0, 97500.0), "BTC-USD-250328-100000-C": (-25.0, 0.0235),
                               "ETH-USDT-250328": (40.0, None)}
    assert has_warning(book, "[4]", "isolated") and has_warning(book, "[5]", "0 contracts")


def test_ccxt_bad_side_is_named() -> None:
    with pytest.raises(InputError, match=r"x: \[0\]\.side: expected \"long\" or \"short\", got 'buy'"):
        import_doc([{"symbol": "BTC/USDT:USDT", "contracts": 1, "side": "buy"}], "x")


# -- CSV -----------------------------------------------------------------------------------------------------
def test_csv_positions_and_balances() -> None:
    book = import_file(FIX / "book.csv")
    assert book.source_kind == "csv" and book.portfolio.name == "book"
    assert positions(book) == {"BTC-USDT-SWAP": (-350.0, 96210.4), "BTC-USD-250328": (120.0, 97500.0),
                               "BTC-USD-250328-100000-C": (-25.0, 0.0235), "ETH-USDT-SWAP": (40.0, None)}
    assert assets(book) == {"BTC": 12.5, "USDT": -20000.0}


def test_csv_positions_only() -> None:
    book = import_file(FIX / "positions-only.csv")
    assert positions(book) == {"BTC-USDT-SWAP": (3500.0, None), "ETH-USDT-250328": (-12.0, 2701.5)}


def test_format_comes_from_content_not_extension(tmp_path: Path) -> None:
    disguised = tmp_path / "really-okx.csv"
    shutil.copyfile(FIX / "okx-positions.json", disguised)
    assert import_file(disguised).source_kind == "okx-positions"
    also = tmp_path / "book.json"
    shutil.copyfile(FIX / "positions-only.csv", also)
    assert import_file(also).source_kind == "csv"


def test_sniff_kind() -> None:
    assert sniff_kind(DEMO_MARKET) == "market"
    assert sniff_kind(FIX / "okx-balance.json") == "okx-balance"
    with pytest.raises(NotABookError) as info:
        import_file(DEMO_MARKET)
    assert info.value.kind == "market"


def test_market_check_refuses_expired_and_unpriceable(tmp_path: Path) -> None:
    from engine.market import load_market

    market = load_market(DEMO_MARKET)  # 2025-02-06 08:00 UTC
    text = "instId,pos\nBTC-USD-250131,1\n"
    with pytest.raises(InputError, match=r"b.csv: simPos\[0\].instId BTC-USD-250131: expired at 2025-01-31T08:00:00Z"):
        import_text(text, "b.csv", market=market, market_label="m.json")
    at_expiry = "instId,pos\nBTC-USD-250206,1\n"   # expiry at exactly the snapshot time counts as expired
    with pytest.raises(InputError, match="expired"):
        import_text(at_expiry, "b.csv", market=market)
    assert import_text("instId,pos\nBTC-USD-250207,1\n", "b.csv", market=market).portfolio.positions


# -- the command line ----------------------------------------------------------------------------------------
def test_cli_imports_two_okx_files_and_warns_on_stderr(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    assert main(["import", str(FIX / "okx-positions.json"), str(FIX / "okx-balance.json"), "--name", "acct",
                 "--db", str(db)]) == 0
    cap = capsys.readouterr()
    assert "okx-positions+okx-balance" in cap.out
    assert any("isolated" in line and line.startswith("riskws: warning:") for line in cap.err.splitlines())
    with Store(db) as store:
        p = store.load_portfolio("acct")
    assert len(p.positions) == 4 and p.asset_amounts()["BTC"] == 12.5


@pytest.mark.parametrize("fixture", ["okx-positions.json", "okx-balance.json", "ccxt-positions.json", "book.csv",
                                     "okx-position-builder.json", "okx-positions-and-balance.json"])
def test_cli_import_each_format(tmp_path: Path, fixture: str) -> None:
    db = tmp_path / "a.db"
    assert main(["import", str(FIX / fixture), "--db", str(db)]) == 0
    with Store(db) as store:
        assert [s.name for s in store.list_portfolios()] == [Path(fixture).stem]


def test_cli_csv_export_round_trips(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    assert main(["import", str(FIX / "book.csv"), "--db", str(db)]) == 0
    out = tmp_path / "out.csv"
    assert main(["export", "book", "--format", "csv", "--out", str(out), "--db", str(db)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "instId,pos,avgPx,ccy,amt"
    assert "BTC-USD-250328-100000-C,-25,0.0235,," in lines and ",,,USDT,-20000" in lines
    again = import_file(out)
    assert again.portfolio.positions == import_file(FIX / "book.csv").portfolio.positions
    assert assets(again) == {"BTC": 12.5, "USDT": -20000.0}


def test_cli_result_export_matches_margin_json(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    book = {"name": "cc", "simAsset": [{"ccy": "BTC", "amt": "10"}],
            "simPos": [{"instId": "BTC-USD-250328", "pos": "-9000", "avgPx": "97000"}]}
    (tmp_path / "cc.json").write_text(json.dumps(book))
    assert main(["import", str(DEMO_MARKET), "--name", "feb", "--db", str(db)]) == 0
    assert main(["import", str(tmp_path / "cc.json"), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["margin", str(tmp_path / "cc.json"), "--market", str(DEMO_MARKET), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    for market in ("feb", str(DEMO_MARKET)):
        out = tmp_path / "r.json"
        assert main(["export", "cc", "--format", "result", "--market", market, "--out", str(out), "--db", str(db)]) == 0
        got = json.loads(out.read_text())
        assert set(got) >= {"acctLv", "rules", "ts", "eq", "adjEq", "totalImr", "totalMmr", "riskUnitData"}
        assert got["totalMmr"] == pytest.approx(expected["totalMmr"], rel=1e-12)
        assert got["ts"] == "2025-02-06T08:00:00Z" and got["totalMmr"] > 0


def test_cli_result_export_of_an_expired_book_is_exit_2(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    (tmp_path / "old.csv").write_text("instId,pos\nBTC-USD-250131,5\n")
    assert main(["import", str(tmp_path / "old.csv"), "--db", str(db)]) == 0
    assert main(["import", str(DEMO_MARKET), "--name", "feb", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["export", "old", "--format", "result", "--market", "feb", "--out", str(tmp_path / "r.json"),
                 "--db", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "simPos[0].instId BTC-USD-250131: expired" in err and "'feb'" in err
    assert not (tmp_path / "r.json").exists()


def test_cli_import_with_market_refuses_expired_contracts_and_writes_nothing(tmp_path: Path, capsys) -> None:
    db = tmp_path / "a.db"
    assert main(["import", str(DEMO_MARKET), "--name", "feb", "--db", str(db)]) == 0
    (tmp_path / "old.csv").write_text("instId,pos\nBTC-USDT-SWAP,1\nBTC-USD-250131,5\n")
    capsys.readouterr()
    assert main(["import", str(tmp_path / "old.csv"), "--market", "feb", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "old.csv" in err and "simPos[1].instId BTC-USD-250131: expired" in err
    with Store(db) as store:
        assert store.list_portfolios() == []


@pytest.mark.parametrize("doc", [{}, {"name": "empty"}, {"acctLv": "3"}])
def test_a_portfolio_file_with_only_settings_is_an_empty_book(doc: dict) -> None:
    book = import_doc(doc)
    assert book.source_kind == "portfolio" and book.portfolio.positions == () and book.portfolio.assets == ()


# -- single-value validators for the GUI's editors -------------------------------------------------------------
def test_field_validators_accept_what_the_file_accepts() -> None:
    from engine.importers import asset_from_fields, position_from_fields

    assert position_from_fields(" BTC-USDT-SWAP ", "-12.5", "") == Position("BTC-USDT-SWAP", -12.5, None)
    assert position_from_fields("BTC-USD-250328-100000-C", 3, "0.02") == Position("BTC-USD-250328-100000-C", 3.0, 0.02)
    assert asset_from_fields("USDT", "-5000") == Asset("USDT", -5000.0)


@pytest.mark.parametrize("args, words", [
    (("BTC-USDT-PERP", "1"), ["row 3", "malformed"]),
    (("BTC-USDT-SWAP", "NaN"), ["row 3: pos", "finite"]),
    (("BTC-USDT-SWAP", ""), ["row 3: pos", "missing"]),
    (("BTC-USDT-SWAP", "5e9"), ["row 3: pos", "plausible limit"]),
    (("BTC-USDT-SWAP", "1", "-3"), ["row 3: avgPx", "negative"]),
    (("BTC-USDT-SWAP", "1", "0"), ["row 3: avgPx", "zero"]),
])
def test_position_field_errors_name_the_row_and_field(args, words) -> None:
    from engine.importers import position_from_fields

    with pytest.raises(InputError) as info:
        position_from_fields(*args, where="row 3")
    for w in words:
        assert w in str(info.value)


def test_asset_field_errors() -> None:
    from engine.importers import asset_from_fields

    with pytest.raises(InputError, match="unknown currency 'DOGGO'"):
        asset_from_fields("DOGGO", "1")
    with pytest.raises(InputError, match="spotInUse: amt: must not be negative"):
        asset_from_fields("BTC", "-1", "spotInUse", allow_negative=False)

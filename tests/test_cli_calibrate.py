"""riskws calibrate, in process: writes a rule set that --rules takes at once; bad input writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import load_market, load_portfolio
from engine.calibrate import free_parameters, synthetic_observation, with_values
from engine.params import load_rule_set
from workstation.cli import main

ROOT = Path(__file__).resolve().parents[1]
MARKET = ROOT / "resources" / "demo" / "market-2025-02-06.json"
BOOK = {"simPos": [{"instId": "BTC-USD-250228-90000-P", "pos": "800"}, {"instId": "BTC-USD-250627-100000-C", "pos": "-300"}],
        "simAsset": [{"ccy": "BTC", "amt": "10"}]}


@pytest.fixture(scope="module")
def observations(tmp_path_factory) -> Path:
    base = load_rule_set("okx-2025-01")
    params = free_parameters(base, ["mr2.horizonDays"])
    truth = load_rule_set(with_values(base, params, [1.4]))          # base 1 day -> hidden truth 1.4 days
    doc = synthetic_observation(load_portfolio(BOOK), load_market(MARKET), truth)
    path = tmp_path_factory.mktemp("obs") / "obs.json"
    path.write_text(json.dumps([doc]))
    return path


def test_calibrate_then_margin_with_the_new_rules(observations: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "desk.json"
    assert main(["calibrate", str(observations), "--rules", "okx-2025-01", "--out", str(out),
                 "--params", "mr2.horizonDays", "--id", "okx-2025-01-desk", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["identified"][0]["param"] == "mr2.horizonDays"
    assert report["identified"][0]["after"] == pytest.approx(1.4, rel=1e-6)
    assert report["maxRelAfter"] < 1e-6 < report["maxRelBefore"]
    written = json.loads(out.read_text())
    assert written["id"] == "okx-2025-01-desk" and written["mr2"]["horizonDays"]["provenance"] == "calibrated"
    book = tmp_path / "book.json"
    book.write_text(json.dumps(BOOK))
    assert main(["margin", str(book), "--market", str(MARKET), "--rules", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rules"] == "okx-2025-01-desk"
    assert "mr2" not in result["riskUnitData"][0]["assumed"]


def test_text_report(observations: Path, tmp_path: Path, capsys) -> None:
    assert main(["calibrate", str(observations), "--out", str(tmp_path / "r.json"), "--params", "mr2.horizonDays"]) == 0
    out = capsys.readouterr().out
    assert "identified (fitted, provenance calibrated)" in out and "mr2.horizonDays" in out


@pytest.mark.parametrize("case", ["no-market", "not-json-out", "unknown-param"])
def test_bad_input_writes_nothing(case, observations: Path, tmp_path: Path, capsys) -> None:
    obs, out, extra = observations, tmp_path / "r.json", []
    if case == "no-market":
        doc = json.loads(observations.read_text())
        del doc[0]["market"]
        obs = tmp_path / "o.json"
        obs.write_text(json.dumps(doc))
    elif case == "not-json-out":
        out = tmp_path / "r.txt"
    else:
        extra = ["--params", "mr2.horizon"]
    assert main(["calibrate", str(obs), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("riskws: error: ")
    assert not out.exists()


def test_install_makes_the_id_usable_everywhere(observations: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    from engine.params import available_rule_sets, default_rule_set_id, load_rule_set as load
    from engine.portfolio import portfolio_from_dict
    monkeypatch.setenv("RISKWS_RULES_DIR", str(tmp_path / "rules"))
    before_default = default_rule_set_id()
    assert main(["calibrate", str(observations), "--out", str(tmp_path / "d.json"), "--params", "mr2.horizonDays",
                 "--id", "desk-2026-11", "--install"]) == 0
    assert "desk-2026-11" in available_rule_sets() and default_rule_set_id() == before_default
    assert load("desk-2026-11").params["mr2.horizonDays"].provenance == "calibrated"
    assert portfolio_from_dict(dict(BOOK, rules="desk-2026-11")).rules == "desk-2026-11"
    capsys.readouterr()
    book = tmp_path / "book.json"
    book.write_text(json.dumps(BOOK))
    assert main(["margin", str(book), "--market", str(MARKET), "--rules", "desk-2026-11", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rules"] == "desk-2026-11"
    # a shipped id cannot be replaced
    assert main(["calibrate", str(observations), "--out", str(tmp_path / "e.json"), "--params", "mr2.horizonDays",
                 "--id", "okx-2025-01", "--install"]) == 2
    assert "shipped" in capsys.readouterr().err and not (tmp_path / "e.json").exists()

"""Through the installed ``riskws`` command, as a user or a script would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RISKWS = str(Path(sys.executable).parent / "riskws")


def riskws(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, RISKWS_DB=str(tmp_path / "default.db"), XDG_DATA_HOME=str(tmp_path))
    return subprocess.run([RISKWS, *args], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)


def test_import_export_round_trip_via_console_script(tmp_path: Path, demo_portfolio_files: list[Path]) -> None:
    src = demo_portfolio_files[-1]
    doc = json.loads(src.read_text(encoding="utf-8"))
    out = riskws("import", str(src), tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "default.db").exists()
    target = tmp_path / "back.json"
    out = riskws("export", doc["name"], "--out", str(target), tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    back = json.loads(target.read_text())
    assert back["lever"] == doc["lever"] and back["simAsset"] == doc["simAsset"] and back["acctLv"] == "3"


def test_bad_input_via_console_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"simPos": [{"instId": "BTC-USDT-SWAP", "pos": "1e999"}]}')
    out = riskws("import", str(bad), tmp_path=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "bad.json" in lines[0] and "simPos[0].pos" in lines[0]
    assert not (tmp_path / "default.db").exists()

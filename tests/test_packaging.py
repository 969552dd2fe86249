"""The installed package: console script, data files found through importlib.resources, Qt-free imports."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_elsewhere(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run Python in a foreign folder, so that only the installed package (not the checkout on sys.path) counts."""
    return subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


def test_resources_found_via_importlib(tmp_path: Path) -> None:
    code = ("from importlib import resources; import json;"
            "d = resources.files('resources') / 'demo';"
            "print(json.dumps(sorted(p.name for p in (d / 'portfolios').iterdir())));"
            "print(json.loads((d / 'market-2025-02-06.json').read_text())['ts']);"
            "print((resources.files('resources') / 'instruments.json').is_file())")
    out = run_elsewhere(code, tmp_path)
    assert out.returncode == 0, out.stderr
    names, ts, catalogue = out.stdout.splitlines()
    assert len(json.loads(names)) == 6 and ts == "2025-02-06T08:00:00Z" and catalogue == "True"


def test_package_data_patterns_cover_the_demo() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["resources"]
    assert "**/*.json" in patterns
    assert config["project"]["scripts"]["riskws"] == "workstation.cli:main"
    assert any(d.startswith("sqlite-utils>=4") for d in config["project"]["dependencies"])
    found = [p.name for p in (resources.files("resources") / "demo" / "portfolios").iterdir()]
    assert len([n for n in found if n.endswith(".json")]) == 6


def test_console_script_installed() -> None:
    script = Path(sys.executable).parent / "riskws"
    assert script.is_file(), "pip install -e .[test] installs the riskws command next to python"
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "import" in out.stdout and "export" in out.stdout


def test_db_and_cli_import_without_qt(tmp_path: Path) -> None:
    code = ("import sys, db, db.store, db.demo, workstation.cli as c; c.build_parser();"
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))")
    out = run_elsewhere(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

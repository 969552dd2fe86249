"""What a cold start imports (issue 16): the heavy modules the first painted result does not need stay out.

Each check runs in a fresh interpreter (this test process has long imported everything)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
                         cwd=REPO, capture_output=True, text=True, timeout=120, check=True).stdout
    return set(out.split())


def test_the_store_does_not_import_pandas_and_pandas_still_imports() -> None:
    mods = loaded_after("import db.store")
    assert "pandas" not in mods and "pyarrow" not in mods
    mods = loaded_after("import db.store\nfrom db.sqlite_lib import sqlite_utils\nsqlite_utils()")
    assert "sqlite_utils" in mods and "pandas" not in mods and "pyarrow" not in mods
    # hidden for the moment sqlite-utils is imported only: pandas itself still loads afterwards
    assert "pandas" in loaded_after("import db.store\nfrom db.sqlite_lib import sqlite_utils\nsqlite_utils()\n"
                                    "import pandas")


def test_opening_a_store_and_reading_a_portfolio_do_not_import_sqlite_utils(tmp_path: Path) -> None:
    """sqlite-utils (~100 ms: click, dateutil, pluggy) loads at the first write, not for a start that only reads."""
    path = str(tmp_path / "a.db")
    subprocess.run([sys.executable, "-c", f"from db.store import Store\nfrom db.demo import ensure_demo\n"
                    f"s = Store({path!r})\nensure_demo(s)\ns.close()"], cwd=REPO, check=True, timeout=120)
    read = (f"from db.store import Store\nfrom db.demo import ensure_demo\ns = Store({path!r})\nensure_demo(s)\n"
            f"n = s.list_portfolios()[0].name\np, r = s.load_portfolio_revision(n)\ns.market_for_portfolio(n)\n"
            f"assert p.positions and r >= 0\ns.close()")
    assert "sqlite_utils" not in loaded_after(read)


def test_a_store_open_does_not_scan_installed_packages_for_plugins(tmp_path: Path) -> None:
    mods = loaded_after(f"from db.store import Store\nStore({str(tmp_path / 'a.db')!r}).close()")
    assert "importlib.metadata" not in mods


def test_the_market_panels_age_words_do_not_import_httpx() -> None:
    mods = loaded_after("import workstation.okx.age")
    assert "httpx" not in mods
    assert "httpx" in loaded_after("from workstation.okx import OkxClient")


def test_the_window_module_does_not_import_the_reconciliation_engine() -> None:
    mods = loaded_after("import os\nos.environ['QT_QPA_PLATFORM'] = 'offscreen'\nimport workstation.main_window")
    assert "engine.reconcile" not in mods and "httpx" not in mods and "pandas" not in mods


def test_the_engine_is_imported_before_qt() -> None:
    """PySide6's import hook reads the source of every module imported after it: the first result's Qt-free
    modules come first."""
    code = ("import sys\nfrom workstation.app import preload_before_qt\npreload_before_qt()\n"
            "assert 'PySide6' not in sys.modules, 'Qt loaded by the preload'\n"
            "import PySide6.QtWidgets")
    mods = loaded_after(code)
    assert {"engine.api", "db.store", "engine.explain"} <= mods
    assert "scipy.special" not in mods        # only an option price needs it


def test_a_book_without_options_never_imports_scipy() -> None:
    """Its options' greeks are asked for on empty arrays: no scipy.special (~150 ms) for a book that has none."""
    code = ("from engine import api, load_portfolio\nfrom db.demo import demo_market\n"
            "p = load_portfolio({'simAsset': [{'ccy': 'BTC', 'amt': '1'}], "
            "'simPos': [{'instId': 'BTC-USDT-SWAP', 'pos': '-100'}]})\n"
            "api.evaluate(api.prepare(p, demo_market()))")
    assert "scipy.special" not in loaded_after(code)
    with_option = code.replace("'pos': '-100'}", "'pos': '-100'}, {'instId': 'BTC-USD-250328-100000-C', 'pos': '1'}")
    assert "scipy.special" in loaded_after(with_option)

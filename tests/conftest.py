"""Shared fixtures. Qt runs offscreen in every test (set before anything imports Qt)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def tmp_db(tmp_path: Path):
    """A fresh, migrated Store on a temporary file (no demo data)."""
    from db.store import Store

    store = Store(tmp_path / "riskws.db")
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_market():
    from db.demo import demo_market as load

    return load()


@pytest.fixture(scope="session")
def demo_portfolios() -> dict:
    """The six demo portfolios by name, in file order."""
    from db.demo import demo_portfolios as load

    return {p.name: p for p in load()}


@pytest.fixture(scope="session")
def demo_portfolio_files() -> list[Path]:
    """Paths of the shipped demo portfolio files."""
    from engine.resources import resource_path

    folder = resource_path("demo", "portfolios")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".json"))


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory, monkeypatch) -> None:
    """No test touches the real user database: the default path points into a temporary folder."""
    home = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.setenv("RISKWS_DB", str(home / "riskws" / "riskws.db"))

"""The riskws dispatcher: help, usage errors, module registration, exit-code mapping, the gui command."""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path

import pytest

from db.errors import StoreError
from engine.errors import InputError
from workstation import cli


def test_help_lists_commands(capsys) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("gui", "import", "export"):
        assert f"    {command} " in out
    assert "Exit status" in out


def test_unknown_command_is_one_line_exit_2(capsys) -> None:
    assert cli.main(["frobnicate"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "frobnicate" in err[0]


def test_missing_required_option_is_one_line_exit_2(capsys) -> None:
    assert cli.main(["export", "x"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "--out" in err[0]


@pytest.mark.parametrize("exc,code", [
    (InputError("book.json: simPos[0].pos: 'x' is not a number"), 2),
    (StoreError("no portfolio named 'x'"), 2),
    (cli.CommandError("cannot write"), 1),
    (RuntimeError("boom\nsecond line"), 1),
    (None, 0),
])
def test_run_handler_maps_exceptions(capsys, exc, code) -> None:
    def handler(args):
        if exc is not None:
            raise exc

    assert cli.run_handler(handler, argparse.Namespace()) == code
    err = capsys.readouterr().err
    assert len(err.splitlines()) == (0 if exc is None else 1)
    assert "Traceback" not in err


def test_handler_status_is_passed_through() -> None:
    assert cli.run_handler(lambda args: 3, argparse.Namespace()) == 3


def test_missing_command_module_is_skipped(monkeypatch) -> None:
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["gui", "does_not_exist_yet", "export"])
    names = [m.__name__.rsplit(".", 1)[1] for m in cli.load_command_modules(cli.COMMAND_MODULES)]
    assert names == ["gui", "export"]


def test_broken_command_module_is_not_hidden(monkeypatch, tmp_path: Path) -> None:
    import workstation.commands as pkg

    (tmp_path / "broken_cmd.py").write_text("import a_dependency_that_is_not_installed_xyz\n")
    monkeypatch.setattr(pkg, "__path__", [*pkg.__path__, str(tmp_path)])
    with pytest.raises(ModuleNotFoundError) as info:
        cli.load_command_modules(["gui", "broken_cmd"])
    assert info.value.name == "a_dependency_that_is_not_installed_xyz"
    sys.modules.pop("workstation.commands.broken_cmd", None)


def test_a_dropped_in_module_registers_itself(monkeypatch, capsys) -> None:
    mod = types.ModuleType("workstation.commands.hello")

    def register(subparsers) -> None:
        p = subparsers.add_parser("hello", help="say hello")
        p.add_argument("who")
        p.set_defaults(handler=lambda args: print(f"hello {args.who}") or 0)

    mod.register = register
    monkeypatch.setitem(sys.modules, "workstation.commands.hello", mod)
    monkeypatch.setattr(cli, "COMMAND_MODULES", [*cli.COMMAND_MODULES, "hello"])
    assert cli.main(["hello", "desk"]) == 0
    assert capsys.readouterr().out == "hello desk\n"


def test_gui_without_app_module_is_a_clear_failure(monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "workstation.app", None)
    assert cli.main(["gui", "--db", str(tmp_path / "g.db")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "workstation.app" in err[0]


def test_no_arguments_means_gui_on_default_db(monkeypatch, tmp_path: Path) -> None:
    calls = []
    fake = types.ModuleType("workstation.app")
    fake.main = lambda path: calls.append(Path(path)) or 0
    monkeypatch.setitem(sys.modules, "workstation.app", fake)
    monkeypatch.setenv("RISKWS_DB", str(tmp_path / "default.db"))
    assert cli.main([]) == 0
    assert calls == [tmp_path / "default.db"]
    from db.store import Store
    with Store(tmp_path / "default.db") as store:  # seeded with the demo before the window opened
        assert len(store.list_portfolios()) == 6 and len(store.list_markets()) == 1


def test_db_option_without_command_means_gui(monkeypatch, tmp_path: Path) -> None:
    calls = []
    fake = types.ModuleType("workstation.app")
    fake.main = lambda path: calls.append(Path(path))
    monkeypatch.setitem(sys.modules, "workstation.app", fake)
    assert cli.main(["--db", str(tmp_path / "mine.db")]) == 0
    assert calls == [tmp_path / "mine.db"]

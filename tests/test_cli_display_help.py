"""Command line: the GUI without a display is one line and exit 2 (not Qt's abort), and no help text shows '%%'."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workstation import cli
from workstation.commands.gui import display_problem

ROOT = Path(__file__).resolve().parents[1]


def _has_lib(name: str) -> str | None:
    return f"lib{name}.so"


def _no_lib(name: str) -> None:
    return None


@pytest.mark.parametrize("env,find,expect", [
    ({}, _has_lib, "DISPLAY is not set"),                                     # bare SSH session
    ({"QT_QPA_PLATFORM": "xcb"}, _has_lib, "DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, _has_lib, "DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "wayland"}, _has_lib, "WAYLAND_DISPLAY"),
    ({"DISPLAY": ":0"}, _no_lib, "libxcb-cursor0"),                           # display, but no xcb-cursor
    ({"DISPLAY": ":0"}, _has_lib, None),
    ({"WAYLAND_DISPLAY": "wayland-0"}, _no_lib, None),                        # Qt picks wayland
    ({"QT_QPA_PLATFORM": "offscreen"}, _no_lib, None),
    ({"QT_QPA_PLATFORM": "minimal:enable_fonts"}, _no_lib, None),
])
def test_display_problem(env, find, expect) -> None:
    problem = display_problem(env, platform="linux", find_library=find)
    if expect is None:
        assert problem is None
    else:
        assert problem is not None and expect in problem


def test_display_problem_never_on_windows_or_mac() -> None:
    assert display_problem({}, platform="win32", find_library=_no_lib) is None
    assert display_problem({}, platform="darwin", find_library=_no_lib) is None


def test_gui_without_display_is_one_line_exit_2_and_writes_nothing(tmp_path) -> None:
    """A real process, as a user would start it over SSH: before the fix Qt aborted it (exit 134)."""
    db = tmp_path / "never.db"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    for argv in (["--db", str(db)], ["gui", "--db", str(db)]):
        proc = subprocess.run([sys.executable, "-m", "workstation.cli", *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith("riskws: error: cannot open the workstation window: no display")
        assert "xvfb-run" in lines[0] and "scripts/run.sh" in lines[0]
        assert not db.exists()


def _every_parser():
    parser = cli.build_parser()
    yield [], parser
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        yield [name], p


def test_no_help_text_shows_a_doubled_percent(capsys) -> None:
    seen = 0
    for argv, _ in _every_parser():
        assert cli.main([*argv, "--help"]) == 0
        out = capsys.readouterr().out
        assert "%%" not in out, f"riskws {' '.join(argv)} --help prints '%%'"
        assert "%(" not in out, f"riskws {' '.join(argv)} --help prints an unexpanded %(...)"
        seen += 1
    assert seen >= 8                                             # the top level and every command


def test_graph_help_names_its_steps(capsys) -> None:
    assert cli.main(["graph", "--help"]) == 0
    assert "1 % steps" in capsys.readouterr().out

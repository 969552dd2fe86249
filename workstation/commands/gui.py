"""``riskws gui [--db PATH]``: open the workstation (seeding the demo book on a new database).

Before Qt is loaded, ``display_problem`` checks that a window can be shown at all: without it, Qt aborts the
process (exit 134) with a message about ``xcb-cursor0`` that does not say the real cause (no display).
"""

from __future__ import annotations

import argparse
import ctypes.util
import importlib
import os
import sys

from workstation.cli import CommandError, add_db_argument, db_path

HOW_TO_GET_ONE = ("run it under a virtual X server: xvfb-run -a -s '-screen 0 1920x1080x24' riskws gui, or "
                  "./scripts/run.sh (which does that for you); the command-line tools need no display "
                  "(riskws --help)")

# Qt platform plugins that draw without any display server.
_HEADLESS = {"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay"}


def display_problem(env: dict[str, str] | None = None, platform: str = sys.platform,
                    find_library=ctypes.util.find_library) -> str | None:
    """Why Qt could not open a window in this environment, or None when it can (Linux/BSD only)."""
    env = os.environ if env is None else env
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None                                  # Windows and macOS always have their native platform
    qpa = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    if qpa in _HEADLESS:
        return None
    x11, wayland = bool(env.get("DISPLAY")), bool(env.get("WAYLAND_DISPLAY"))
    if qpa.startswith("wayland"):
        return None if wayland else "QT_QPA_PLATFORM is wayland but WAYLAND_DISPLAY is not set"
    if qpa in ("", "xcb"):
        if not x11 and (qpa == "xcb" or not wayland):
            return "no display: DISPLAY is not set" + ("" if qpa else " (nor WAYLAND_DISPLAY)")
        if x11 and (qpa == "xcb" or not wayland) and find_library("xcb-cursor") is None:
            return ("the X11 library libxcb-cursor0 that Qt needs for a window is not installed "
                    "(./scripts/setup.sh installs it)")
    return None


def register(subparsers) -> None:
    p = subparsers.add_parser("gui", help="open the workstation (the default command)",
                              description="Open the workstation window. A new database is created with the demo "
                                          "market snapshot and demo portfolios. Needs a display: without one, "
                                          "use xvfb-run or ./scripts/run.sh.")
    add_db_argument(p)
    p.set_defaults(handler=run)


def prepare_database(path) -> None:
    """Create/migrate the database and seed the demo data once, before the window opens."""
    from db.demo import ensure_demo
    from db.store import Store

    with Store(path) as store:
        ensure_demo(store)


def run(args: argparse.Namespace) -> int | None:
    problem = display_problem()
    if problem is not None:
        from engine.errors import InputError
        raise InputError(f"cannot open the workstation window: {problem}; {HOW_TO_GET_ONE}")
    path = db_path(args)
    try:
        app = importlib.import_module("workstation.app")
    except ModuleNotFoundError as exc:
        if exc.name == "workstation.app":
            raise CommandError("the workstation window is not available in this build (workstation.app is "
                               "missing); the command-line tools work: see riskws --help") from None
        raise CommandError(f"cannot start the workstation: missing module {exc.name!r} "
                           f"(run scripts/setup.sh, see the README)") from None
    prepare_database(path)
    status = app.main(path)
    return 0 if status is None else int(status)

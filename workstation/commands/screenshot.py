"""``riskws screenshot --out PNG [--db PATH] [--portfolio NAME] [--theme light|dark]``: the main window as a PNG.

Renders offscreen (unless a platform is already chosen) at 1600x1000 in the default layout, after the first
computation, the margin curve and the charts of the selected unit have arrived.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from workstation.cli import CommandError, add_db_argument, db_path

WIDTH, HEIGHT = 1600, 1000
TIMEOUT_S = 120.0


def register(subparsers) -> None:
    p = subparsers.add_parser("screenshot", help="render the main window offscreen to a PNG",
                              description="Open the workstation without showing it on screen, wait for the first "
                                          "computation and save the window (1600x1000) as a PNG.")
    p.add_argument("--out", metavar="PNG", type=Path, required=True, help="output PNG file")
    add_db_argument(p)
    p.add_argument("--portfolio", metavar="NAME", default=None, help="portfolio to open (default: the first)")
    p.add_argument("--theme", choices=("light", "dark"), default="light", help="colour theme (default light)")
    p.add_argument("--size", metavar="WxH", default=f"{WIDTH}x{HEIGHT}", help=f"window size (default {WIDTH}x{HEIGHT})")
    p.set_defaults(handler=run)


def _size(text: str) -> tuple[int, int]:
    from engine.errors import InputError
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise InputError(f"--size: {text!r} is not WIDTHxHEIGHT, e.g. 1600x1000") from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise InputError(f"--size: {w}x{h} outside 320x240 .. 8000x8000")
    return w, h


def run(args: argparse.Namespace) -> int | None:
    from engine.errors import InputError

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise InputError(f"--out {out}: expected a .png file name")
    if not out.parent.exists():
        raise InputError(f"--out {out}: the folder {out.parent} does not exist")
    width, height = _size(args.size)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from workstation.commands.gui import display_problem
    problem = display_problem()
    if problem is not None:                       # e.g. QT_QPA_PLATFORM=xcb exported where there is no display
        raise InputError(f"cannot render the window with QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}: {problem}; "
                         "unset it to render offscreen")

    from PySide6.QtCore import QEventLoop, QTimer

    from db.errors import NotFoundError
    from workstation import settings
    from workstation.app import _ensure_qapp, create_main_window
    from workstation.theme import THEMES

    app = _ensure_qapp()
    with tempfile.TemporaryDirectory(prefix="riskws-shot-") as tmp:
        settings.set_path(Path(tmp) / "screenshot.ini")      # default layout; the user's settings stay untouched
        try:
            settings.write("theme", args.theme)
            window = create_main_window(db_path(args), restore_layout=False)
        except BaseException:
            settings.set_path(None)
            raise
        try:
            names = window.portfolio_names()
            if args.portfolio is not None:
                if args.portfolio not in names:
                    raise NotFoundError(f"--portfolio: no portfolio named {args.portfolio!r} in {db_path(args)}")
                window.select_portfolio(args.portfolio)
            window.themes.set_theme(THEMES[args.theme])
            window.resize(width, height)
            window.show()
            window.apply_default_sizes()
            deadline = time.monotonic() + TIMEOUT_S
            loop = QEventLoop()
            timer = QTimer()
            timer.setInterval(20)
            timer.timeout.connect(lambda: (not window.compute.is_busy() and window.charts_ready()
                                           and (window.result is not None or not names)) and loop.quit()
                                  or (time.monotonic() > deadline and loop.quit()))
            timer.start()
            loop.exec()
            timer.stop()
            if window.compute.is_busy():
                raise CommandError(f"the computation did not finish within {TIMEOUT_S:.0f} s")
            for _ in range(5):                     # let the last queued repaints land
                app.processEvents()
            image = window.grab().toImage()
            if not image.save(str(out), "PNG"):
                raise CommandError(f"{out}: cannot write the PNG")
        finally:
            window.close()
            window.deleteLater()
            app.processEvents()
            settings.set_path(None)
    print(f"wrote {out} ({image.width()}x{image.height()})")
    return 0

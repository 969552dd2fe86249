"""``riskws gui [--db PATH]``: open the workstation (seeding the demo book on a new database)."""

from __future__ import annotations

import argparse
import importlib

from workstation.cli import CommandError, add_db_argument, db_path


def register(subparsers) -> None:
    p = subparsers.add_parser("gui", help="open the workstation (the default command)",
                              description="Open the workstation window. A new database is created with the demo "
                                          "market snapshot and demo portfolios.")
    add_db_argument(p)
    p.set_defaults(handler=run)


def prepare_database(path) -> None:
    """Create/migrate the database and seed the demo data once, before the window opens."""
    from db.demo import ensure_demo
    from db.store import Store

    with Store(path) as store:
        ensure_demo(store)


def run(args: argparse.Namespace) -> int | None:
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

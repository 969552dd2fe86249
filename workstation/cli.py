"""The ``riskws`` command: an argparse dispatcher over the modules in ``workstation.commands``.

Command module convention (drop a file into workstation/commands/ and add its name to COMMAND_MODULES):

    def register(subparsers) -> None:
        p = subparsers.add_parser("margin", help="...", description="...")
        p.add_argument(...)
        add_db_argument(p)              # optional, from workstation.cli
        p.set_defaults(handler=run)

    def run(args) -> int | None:        # None means 0; raise engine.InputError / db.StoreError for bad input
        ...

Import heavy things (numpy, Qt, engine.api) inside ``run``, not at module level: ``riskws --help`` imports every
command module. ``main`` runs the handler through ``run_handler``, which maps exceptions to the exit codes of
formats.md section 4: 0 success; 2 bad input (one line on stderr naming file, field and problem); 1 anything else.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

PROG = "riskws"

# Modules under workstation/commands, in the order their commands are listed by --help.
# A module that does not exist (yet) is skipped; any other import error is a bug and is raised.
COMMAND_MODULES = ["gui", "margin", "graph", "switch", "compare", "explain", "import_", "export", "market", "okx",
                   "reconcile", "calibrate", "scenarios", "batch", "report", "screenshot"]

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class CommandError(Exception):
    """A failure that is not bad input (exit 1) but deserves a clear one-line message rather than a traceback."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but usage errors are one line on stderr (exit 2) like every other bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """The shared ``--db PATH`` option (default: Store.default_path(), $RISKWS_DB overrides)."""
    parser.add_argument("--db", metavar="PATH", type=Path, default=None,
                        help="database file (default: $RISKWS_DB or the user data folder, e.g. "
                             "~/.local/share/riskws/riskws.db)")


def db_path(args: argparse.Namespace) -> Path:
    """The database path chosen by ``--db``, else the default."""
    if getattr(args, "db", None) is not None:
        return Path(args.db)
    from db.store import Store
    return Store.default_path()


def one_line(text: str) -> str:
    """The one sanitiser (engine.errors.one_line): control characters and terminal escapes escaped, length cut."""
    from engine.errors import one_line as sanitise
    return sanitise(str(text))


def error(message: str) -> None:
    """Print one error line on stderr."""
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)


def warning(message: str) -> None:
    """Print one warning line on stderr (sanitised like errors: warnings quote the input too)."""
    print(f"{PROG}: warning: {one_line(message)}", file=sys.stderr)


def run_handler(handler: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run a command handler and map its outcome to an exit status (formats.md section 4)."""
    from db.errors import StoreError
    from engine.errors import InputError

    try:
        status = handler(args)
    except (InputError, StoreError) as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    except CommandError as exc:
        error(str(exc))
        return EXIT_FAILURE
    except sqlite3.DatabaseError as exc:  # e.g. "database disk image is malformed" found while reading
        where = db_path(args) if hasattr(args, "db") else "database"
        error(f"{where}: {exc} (the database file is damaged or unreadable; nothing was written)")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `riskws margin ... | head`: the reader has all it wanted
        _stdout_to_devnull()
        return EXIT_OK
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence of a command-line tool
        if os.environ.get("RISKWS_DEBUG"):
            traceback.print_exc()
        error(f"{type(exc).__name__}: {exc}")
        return EXIT_FAILURE
    return EXIT_OK if status is None else int(status)


def load_command_modules(names: Sequence[str] | None = None) -> list[Any]:
    """Import the command modules that exist; a missing module is skipped, a broken one raises."""
    modules = []
    for name in COMMAND_MODULES if names is None else names:
        full = f"{__package__ or 'workstation'}.commands.{name}"
        try:
            modules.append(importlib.import_module(full))
        except ModuleNotFoundError as exc:
            if exc.name != full:
                raise
    return modules


def build_parser(names: Sequence[str] | None = None) -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description="Portfolio-margin risk workstation: OKX unified-account margin (portfolio margin and "
                    "multi-currency), computed offline. Without a command, opens the workstation (riskws gui).",
        epilog="Exit status: 0 success; 2 bad input (one line on stderr naming the file, the field and the "
               "problem); 1 any other failure. File formats: docs/FORMATS.md.")
    sub = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for module in load_command_modules(names):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``riskws`` console script; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] == "--db" or args_list[0].startswith("--db="):
        args_list = ["gui", *args_list]  # `riskws` and `riskws --db PATH` open the workstation
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_FAILURE
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    status = run_handler(handler, args)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
    return status


def _stdout_to_devnull() -> None:
    """After a closed pipe on stdout: point stdout at /dev/null so that Python's own flush at exit does not
    fail again (the recipe of the Python docs, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout replaced by something without a file descriptor
        pass


if __name__ == "__main__":
    sys.exit(main())

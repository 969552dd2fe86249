"""``riskws calibrate OBSERVATION... --rules BASE --out PATH.json [--params P1,P2] [--id ID] [--json]``.

Fits the parameters of BASE tagged ``assumed`` to recorded OKX answers (formats.md §6) and writes the calibrated rule
set (the format of ``resources/rules/*.json``; provenance ``calibrated`` for the parameters the observations
identify). The result is usable at once: ``riskws margin BOOK --market M --rules PATH.json``. Never touches the
database; PATH.json is written only when the fit succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from workstation.commands.engine_args import print_json


def register(subparsers) -> None:
    p = subparsers.add_parser("calibrate", help="fit the assumed rule parameters to recorded OKX answers",
                              description="Least-squares fit of the parameters tagged assumed in BASE to "
                                          "observations; prints the error per figure before and after and which "
                                          "parameters the observations identify; writes the calibrated rule set.")
    p.add_argument("observations", metavar="OBSERVATION", type=Path, nargs="+",
                   help="observation files (one object or a list each)")
    p.add_argument("--rules", metavar="BASE", default=None,
                   help="base rule set id or JSON file (default: the first observation's, else the newest)")
    p.add_argument("--out", metavar="PATH.json", type=Path, required=True, help="where to write the calibrated rule set")
    p.add_argument("--params", metavar="P1,P2", default=None,
                   help="fit only these assumed parameters (paths like mr3.shockBase, mr7.optionRate.A, "
                        "mr1.volShockPct[2]); default: every assumed parameter")
    p.add_argument("--id", dest="new_id", metavar="ID", default=None,
                   help="id of the new rule set (default: BASE-cal-YYYYMMDDHHMM)")
    p.add_argument("--install", action="store_true",
                   help="also install it as a user rule set (selectable by its id everywhere, workstation included)")
    p.add_argument("--json", action="store_true", help="print the calibration report as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine import InputError
    from engine.calibrate import calibrate
    from engine.reconcile import read_observations

    if args.out.suffix != ".json":
        raise InputError(f"--out: {args.out}: a rule set file must end in .json (that is how --rules tells a file "
                         f"from a shipped id)")
    if not args.out.parent.is_dir():
        raise InputError(f"--out: {args.out.parent}: no such folder")
    observations = [o for path in args.observations for o in read_observations(path)]
    only = [s.strip() for s in args.params.split(",") if s.strip()] if args.params else None
    cal = calibrate(observations, args.rules, only=only, new_id=args.new_id)
    if args.install:   # first: an id that cannot be installed writes nothing
        from engine.params import install_rule_set, user_rules_dir
        install_rule_set(cal.rules_doc)
        print(f"installed rule set {cal.rules_doc['id']!r} in {user_rules_dir()}", file=sys.stderr)
    _write_atomically(args.out, json.dumps(cal.rules_doc, indent=2) + "\n")
    if args.json:
        print_json(dict(cal.to_dict(), out=str(args.out)))
    else:
        print(render(cal, args.out))
    return 0


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(cal, out: Path) -> str:
    span = (f"{cal.taken_from:%Y-%m-%d %H:%M} .. {cal.taken_to:%Y-%m-%d %H:%M} UTC" if cal.taken_from else "undated")
    lines = [f"calibrated {cal.rules_doc['id']} from base {cal.base}: {cal.n_observations} observation(s), {span}",
             f"  relative error over {len(cal.figures)} figures: rms {cal.rms_before:.3g} -> {cal.rms_after:.3g}, "
             f"max {cal.max_rel_before:.3g} -> {cal.max_rel_after:.3g}",
             "  identified (fitted, provenance calibrated):"]
    by_name = {p.name: p for p in cal.params}
    lines += [f"    {n:<28}{by_name[n].base:>14.6g} -> {cal.values[n]:<14.6g}" for n in cal.identified] or ["    none"]
    lines.append("  not identified (kept as they were, still assumed):")
    lines += [f"    {n:<28}{by_name[n].base:>14.6g}  {why}" for n, why in cal.not_identified.items()] or ["    none"]
    lines.append(f"  {'figure':<52}{'OKX':>16}{'before':>16}{'after':>16}")
    for f in cal.figures:
        lines.append(f"  {f.figure:<52}{f.okx:>16,.6g}{f.before:>16,.6g}{f.after:>16,.6g}")
    lines.append(f"  written to {out} (use it with --rules {out})")
    return "\n".join(lines)

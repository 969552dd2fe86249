"""``riskws market fetch|import|list|responses``: market snapshots from OKX's public REST API, stored with the raw
responses they were built from (docs/FORMATS.md: market snapshot, recorded responses)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workstation.cli import add_db_argument, db_path, one_line


def register(subparsers) -> None:
    p = subparsers.add_parser("market", help="fetch today's market from OKX, import recorded OKX responses",
                              description="Market snapshots from OKX (docs/FORMATS.md, 'Market snapshot' and "
                                          "'Recorded OKX responses').")
    sub = p.add_subparsers(title="market commands", dest="market_command", metavar="ACTION")
    f = sub.add_parser("fetch", help="take a snapshot from OKX's public REST API (no key) and store it",
                       description="Index prices, marks, option vols and forwards, contract specifications, position "
                                   "tiers, collateral discount tiers and borrowing rates from OKX's public REST API "
                                   "(no key is sent), stored under NAME with the raw responses. Scope: the families "
                                   "of the stored portfolios plus BTC and ETH, or --families, or --all. A failed or "
                                   "cancelled fetch stores nothing. Format: docs/FORMATS.md.")
    scope = f.add_mutually_exclusive_group()
    scope.add_argument("--families", metavar="F1,F2", default=None,
                       help="instrument families (BTC-USD,ETH-USDT) or coins (TON = TON-USDT, TON-USDC, TON-USD)")
    scope.add_argument("--all", action="store_true", help="every live swap and future, and the options of every option underlying OKX lists")
    f.add_argument("--name", metavar="NAME", default=None, help="snapshot name (default okx-YYYY-MM-DD-HHMM)")
    f.add_argument("--base-url", metavar="URL", default=None,
                   help="replaces https://www.okx.com (also $RISKWS_OKX_BASE_URL); for tests and proxies")
    f.add_argument("--save-responses", metavar="FILE", type=Path, default=None,
                   help="also write the raw responses to FILE (for `riskws market import` elsewhere)")
    f.add_argument("--timeout", metavar="SECONDS", type=float, default=10.0, help="per request (default 10)")
    add_db_argument(f)
    f.set_defaults(handler=run_fetch)
    i = sub.add_parser("import", help="build a snapshot (source 'recorded') from saved OKX responses",
                       description="Build a market snapshot from OKX responses saved earlier (a responses file as "
                                   "`market fetch --save-responses` or `market responses` writes it, or a folder of "
                                   "them); no network. Layout: docs/FORMATS.md, 'Recorded OKX responses'.")
    i.add_argument("source", metavar="FOLDER|FILE", type=Path)
    i.add_argument("--name", metavar="NAME", default=None, help="snapshot name (default recorded-YYYY-MM-DD-HHMM)")
    add_db_argument(i)
    i.set_defaults(handler=run_import)
    ls = sub.add_parser("list", help="stored snapshots with their source and age")
    add_db_argument(ls)
    ls.set_defaults(handler=run_list)
    r = sub.add_parser("responses", help="write the raw OKX responses a stored snapshot was built from")
    r.add_argument("name", metavar="NAME")
    r.add_argument("--out", metavar="FILE", required=True, type=Path, help="output file; - for standard output")
    add_db_argument(r)
    r.set_defaults(handler=run_responses)
    p.set_defaults(handler=lambda args: (p.print_help(sys.stderr), 2)[1])


class _Bar:
    """A one-line progress bar on stderr (only on a terminal: logs and pipes get the final summary only)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream = stream if stream is not None else sys.stderr
        self.on = hasattr(stream, "isatty") and stream.isatty()
        self.width = 0

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.on:
            return
        filled = int(30 * done / max(total, 1))
        text = f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {label}"[:110]
        self.stream.write(text.ljust(self.width))
        self.width = len(text)
        self.stream.flush()

    def close(self) -> None:
        if self.on and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def stored_inst_ids(path: Path) -> list[str]:
    """Instrument ids of every stored portfolio, read without writing anything (no create, no migration)."""
    import sqlite3
    from urllib.parse import quote
    if not path.is_file():
        return []
    try:  # the quoted absolute path: no part of a file name is read as a URI parameter
        conn = sqlite3.connect("file:" + quote(str(path.absolute())) + "?mode=ro", uri=True)
        try:
            return [r[0] for r in conn.execute("SELECT DISTINCT inst_id FROM positions").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def run_fetch(args: argparse.Namespace) -> int:
    from workstation.okx import OkxClient
    from workstation.okx.fetch import default_families, fetch, parse_families
    from workstation.okx.client import base_url_from
    base = base_url_from(args.base_url)             # bad URL / families: exit 2 before any request
    if args.all:
        families = None
    elif args.families:
        families = parse_families(args.families)
    else:
        families = default_families(stored_inst_ids(db_path(args)))
    bar = _Bar()
    try:
        with OkxClient(base, timeout=args.timeout) as client:
            outcome = fetch(client, families, progress=bar)
    finally:
        bar.close()
    name = args.name or "okx-" + outcome.snapshot["fetchedAt"][:16].replace("T", "-").replace(":", "")
    from workstation.okx.recorded import dumps, responses_document
    raw = responses_document(outcome.responses, outcome.snapshot["fetchedAt"], families)
    market = _store(args, name, outcome.snapshot, dumps(raw), "OKX")
    if args.save_responses is not None:
        from workstation.commands.export import write_text_atomic
        write_text_atomic(args.save_responses, dumps(raw))
    print(f"stored market snapshot {name!r}: {len(market.instruments)} instruments, {len(market.index)} index "
          f"prices, {len(market.mark_vol)} option vols; {outcome.requests} requests in {outcome.seconds:.1f} s "
          f"(waiting on rate limits {outcome.rate_wait:.1f} s, {outcome.retries} retries)")
    for note in outcome.notes:
        print(f"  note: {one_line(note)}")  # notes quote OKX's answers
    return 0


def _store(args: argparse.Namespace, name: str, snapshot: dict, raw: str, label: str):
    """Validate the snapshot like any snapshot file, then store it with its responses in one transaction."""
    from db.store import Store, check_name
    from engine.market import market_from_dict
    check_name(name, "market")
    market = market_from_dict(snapshot, f"{label} snapshot")
    with Store(db_path(args)) as store:
        store.save_market(name, market, raw)
    return market


def run_import(args: argparse.Namespace) -> int:
    from workstation.okx.recorded import dumps, read_responses, responses_document
    from workstation.okx.snapshot import build_snapshot
    responses, fetched = read_responses(args.source)
    if not fetched:
        fetched = _latest_ts(responses)
    snapshot, notes = build_snapshot(responses, fetched, "recorded")
    name = args.name or "recorded-" + fetched[:16].replace("T", "-").replace(":", "")
    market = _store(args, name, snapshot, dumps(responses_document(responses, fetched, None)), str(args.source))
    print(f"stored market snapshot {name!r} (recorded {fetched}): {len(market.instruments)} instruments, "
          f"{len(market.index)} index prices, {len(market.mark_vol)} option vols")
    for note in notes:
        print(f"  note: {one_line(note)}")  # notes quote OKX's answers
    return 0


def _latest_ts(responses: list[dict]) -> str:
    """fetchedAt of responses saved without one: the newest ``ts`` OKX put in them."""
    import json
    from engine.errors import InputError
    from workstation.okx.snapshot import _iso_ms, _num
    best = 0.0
    for e in responses:
        body = e.get("body")
        try:
            doc = json.loads(body) if isinstance(body, str) else body
        except ValueError:
            continue
        for row in (doc.get("data") if isinstance(doc, dict) else None) or []:
            if isinstance(row, dict):
                best = max(best, _num(row.get("ts")) or 0.0)
    if not best:
        raise InputError("responses: no receivedAt and no OKX ts in them: cannot tell when they were taken")
    return _iso_ms(best) or ""


def run_list(args: argparse.Namespace) -> int:
    from db.store import Store
    from workstation.okx.age import describe_source
    with Store(db_path(args), create=False, migrate=False) as store:  # reading: never create or migrate
        for m in store.list_markets():
            print(f"{one_line(m.name):<32} {m.ts:<26} {describe_source(m.source, m.fetched_at or m.ts)}")
    return 0


def run_responses(args: argparse.Namespace) -> int:
    from db.store import Store
    from workstation.cli import CommandError
    with Store(db_path(args), create=False, migrate=False) as store:  # reading: never migrate
        raw = store.market_responses(args.name)
    if raw is None:
        raise CommandError(f"market snapshot {args.name!r} has no recorded responses (it was not fetched from OKX)")
    if str(args.out) == "-":
        sys.stdout.write(raw + "\n")
    else:
        from workstation.commands.export import write_text_atomic
        write_text_atomic(args.out, raw)
    return 0

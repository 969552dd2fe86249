"""``riskws scenarios list`` and ``riskws scenarios show NAME``: the scenario library (shipped and the user's)."""

from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    p = subparsers.add_parser("scenarios", help="list or show the named stress scenarios",
                              description="The scenario library: files shipped in resources/scenarios and every "
                                          "*.json in the user's scenario folder ($RISKWS_SCENARIOS, else "
                                          "~/.local/share/riskws/scenarios). Format: formats.md section 8.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="the scenario sets and their scenarios")
    show = sub.add_parser("show", help="one set, SET/SCENARIO, a scenario name or a scenario file, as JSON")
    show.add_argument("name", metavar="NAME")
    hist = sub.add_parser("from-history", help="a scenario from OKX's USD index candles over a past window",
                          description="Fetches OKX history-index-candles of each CCY-USD index over [--start, --end) "
                                      "and stores a scenario whose move is each index's largest excursion from the "
                                      "window's first open (with the dates in its source) in --out, else in "
                                      "from-history.json of the user scenario folder.")
    hist.add_argument("--ccy", nargs="+", required=True, metavar="CCY", help="cryptos, e.g. BTC ETH")
    hist.add_argument("--start", required=True, help="window start, ISO 8601 UTC (e.g. 2021-05-19)")
    hist.add_argument("--end", required=True, help="window end, ISO 8601 UTC (exclusive)")
    hist.add_argument("--bar", default="1H", help="candle size (OKX bar, default 1H)")
    hist.add_argument("--name", default=None, help="scenario name (default: OKX and the window)")
    hist.add_argument("--out", default=None, help="scenario file to add it to (created if absent)")
    hist.add_argument("--base-url", default=None, help="OKX REST base URL (default $RISKWS_OKX_BASE_URL or OKX)")
    p.set_defaults(handler=run)


def _describe(s) -> str:
    parts = []
    if s.index:
        parts.append("index " + ", ".join(f"{k} {v:+.0%}" for k, v in s.index))
    if s.vol:
        parts.append("vol " + ", ".join(f"{k} " + (f"{v.shift[0] * 100:+g} pts" if not v.days else "by tenor")
                                        for k, v in s.vol))
    if s.stable:
        parts.append("stable " + ", ".join(f"{k} {v:g}" for k, v in s.stable))
    if s.days:
        parts.append(f"{s.days:g} days")
    return "; ".join(parts) or "unshocked"


def run(args: argparse.Namespace) -> int:
    from engine.scenario import resolve_scenarios, scenario_sets
    from workstation.scenario_dirs import user_scenario_dirs
    dirs = user_scenario_dirs()
    if args.action == "list":
        for st in scenario_sets(dirs).values():
            print(f"{st.name} ({len(st.scenarios)} scenarios, {st.path})")
            for s in st.scenarios:
                print(f"  {s.name}: {_describe(s)}")
        return 0
    if args.action == "from-history":
        return _from_history(args, dirs)
    sets = scenario_sets(dirs)
    if args.name in sets:
        st = sets[args.name]
        doc = {"name": st.name, "source": st.source, "description": st.description,
               "scenarios": [s.to_dict() for s in st.scenarios]}
    else:
        found = resolve_scenarios([args.name], dirs)
        doc = found[0].to_dict() if len(found) == 1 else {"scenarios": [s.to_dict() for s in found]}
    print(json.dumps(doc, indent=2, ensure_ascii=False))
    return 0


def _from_history(args: argparse.Namespace, dirs) -> int:
    """Fetch, build, validate and store the scenario (replacing one of the same name in the file)."""
    import os
    from pathlib import Path

    from engine import InputError
    from engine.market import parse_ts
    from engine.scenario import load_scenario_file, scenario_from_dict
    from workstation.batch.history import scenario_from_history
    from workstation.okx import OkxClient
    start, end = parse_ts(args.start, "--start"), parse_ts(args.end, "--end")
    scenario_from_dict({"name": "check", "index": {c: 0.0 for c in args.ccy}}, "--ccy")   # known cryptos only
    out = Path(args.out) if args.out else dirs[0] / "from-history.json"
    doc = {"name": out.stem, "source": "OKX history-index-candles (riskws scenarios from-history)", "scenarios": []}
    if out.exists():
        existing = load_scenario_file(out)
        doc = {"name": existing.name, "source": existing.source, "description": existing.description,
               "scenarios": [s.to_dict() for s in existing.scenarios]}
    with OkxClient(args.base_url) as client:
        scenario = scenario_from_history(client, args.ccy, start, end, args.bar, args.name)
    scenario = scenario_from_dict(scenario.to_dict(), "from-history")
    doc["scenarios"] = [s for s in doc["scenarios"] if s["name"] != scenario.name] + [scenario.to_dict()]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        raise InputError(f"--out: {out}: {exc.strerror or exc}") from None
    print(f"{scenario.name}: {', '.join(f'{k} {v:+.2%}' for k, v in scenario.index)}, {scenario.days:g} days -> {out}")
    return 0

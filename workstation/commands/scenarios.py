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

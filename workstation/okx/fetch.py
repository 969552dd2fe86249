"""``riskws market fetch``: the requests that make a complete market snapshot, sent through ``OkxClient``.

Scope: instrument families (``BTC-USDT``, ``BTC-USD``, ``TON-USDT``, ...) or everything OKX lists (``all_``). Per
family type the plan asks for contract specifications, marks, option vols and forwards, position tiers; once each
for the USD indices, the collateral discount tiers and the borrowing rates. The answers are kept verbatim (the raw
responses stored beside the snapshot) and turned into the snapshot by ``snapshot.build_snapshot``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from engine.errors import InputError

from .client import Exchange, OkxClient
from .snapshot import DISCOUNT, INDEX, INSTRUMENTS, MARK, OPT_SUMMARY, RATES, TIERS, UNDERLYING, build_snapshot

DEFAULT_COINS = ("BTC", "ETH")
QUOTES = ("USDT", "USDC", "USD")
STABLECOINS = ("USDT", "USDC")
OPTION_QUOTE = "USD"             # OKX options are coin-margined families (BTC-USD, ETH-USD)
TIER_BATCH = 5                   # position-tiers takes up to 5 families per request
_FAMILY = re.compile(r"^[A-Z0-9]+-[A-Z]+(_UM)?$")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Step:
    label: str
    path: str
    params: dict[str, str]
    optional: bool = False        # an empty or failing answer is not fatal (e.g. a family without options)


@dataclass
class FetchOutcome:
    snapshot: dict
    responses: list[dict]
    notes: list[str]
    requests: int = 0
    retries: int = 0
    rate_wait: float = 0.0
    backoff_wait: float = 0.0
    seconds: float = 0.0
    families: list[str] = field(default_factory=list)


def parse_families(text: str) -> list[str]:
    """``--families BTC-USD,ETH-USDT`` (a bare coin ``TON`` means its USDT, USDC and USD families)."""
    out: list[str] = []
    for item in (t.strip().upper() for t in text.split(",")):
        if not item:
            continue
        fams = [f"{item}-{q}" for q in QUOTES] if "-" not in item else [item]
        for fam in fams:
            if not _FAMILY.match(fam):
                raise InputError(f"--families: {item!r} is not an instrument family like BTC-USDT or a coin like BTC")
            if fam not in out:
                out.append(fam)
    if not out:
        raise InputError("--families: empty")
    return out


def default_families(portfolio_inst_ids: list[str]) -> list[str]:
    """BTC and ETH in every quote, plus the family of every stored position."""
    fams = [f"{c}-{q}" for c in DEFAULT_COINS for q in QUOTES]
    for inst_id in portfolio_inst_ids:
        fam = "-".join(inst_id.split("-")[:2])
        if _FAMILY.match(fam) and fam not in fams:
            fams.append(fam)
    return fams


def plan(families: list[str] | None) -> list[Step]:
    """The requests of one fetch, in order (``None``: every live instrument)."""
    steps = [Step("USD index prices", INDEX, {"quoteCcy": "USD"})]
    # the stablecoins' own USD indices by id as well (USDT/USDC-quoted contracts need them; harmless if repeated)
    steps += [Step(f"{c}-USD index", INDEX, {"instId": f"{c}-USD"}, optional=True) for c in STABLECOINS]
    if families is None:
        for t in ("SWAP", "FUTURES"):
            steps.append(Step(f"{t} instruments", INSTRUMENTS, {"instType": t}))
            steps.append(Step(f"{t} mark prices", MARK, {"instType": t}))
        # the option families are known once OKX has listed its option underlyings (fetch inserts their steps)
        steps.append(Step("option underlyings", UNDERLYING, {"instType": "OPTION"}, optional=True))
        option_fams: list[str] = []
        swap_fams: list[str] = []
    else:
        option_fams = [f for f in families if f.endswith("-" + OPTION_QUOTE)]
        swap_fams = families
        for fam in families:
            for t in ("SWAP", "FUTURES"):
                steps.append(Step(f"{fam} {t.lower()} instruments", INSTRUMENTS, {"instType": t, "instFamily": fam},
                                  optional=True))
                steps.append(Step(f"{fam} {t.lower()} marks", MARK, {"instType": t, "instFamily": fam}, optional=True))
    steps += _option_steps(option_fams)
    for t, fams in (("SWAP", swap_fams), ("FUTURES", swap_fams), ("OPTION", option_fams)):
        steps += _tier_steps(t, fams)
    steps.append(Step("collateral discount tiers", DISCOUNT, {}))
    steps.append(Step("borrowing rates", RATES, {}))
    return steps


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _option_steps(fams: list[str]) -> list[Step]:
    """Per option family: its instruments, marks, and vols with forwards (OKX asks for one family at a time)."""
    steps = []
    for fam in fams:
        steps.append(Step(f"{fam} option instruments", INSTRUMENTS, {"instType": "OPTION", "instFamily": fam},
                          optional=True))
        steps.append(Step(f"{fam} option marks", MARK, {"instType": "OPTION", "instFamily": fam}, optional=True))
        steps.append(Step(f"{fam} option vols and forwards", OPT_SUMMARY, {"instFamily": fam}, optional=True))
    return steps


def _tier_steps(inst_type: str, fams: list[str]) -> list[Step]:
    return [Step(f"{inst_type.lower()} position tiers {batch}", TIERS,
                 {"instType": inst_type, "tdMode": "cross", "instFamily": batch}, optional=True)
            for batch in (",".join(fams[i:i + TIER_BATCH]) for i in range(0, len(fams), TIER_BATCH))]


def _tier_steps_for_all(instruments: dict) -> list[Step]:
    """With ``--all`` the families are known only after the instruments: their tiers, 5 per request."""
    steps = []
    for t in ("SWAP", "FUTURES"):
        steps += _tier_steps(t, sorted({s["instFamily"] for s in instruments.values()
                                        if s["instType"] == t and s["instFamily"]}))
    return steps


def option_families(data: Any, notes: list[str]) -> list[str]:
    """The option families from OKX's ``public/underlying`` answer (``data: [["BTC-USD", "ETH-USD", ...]]``); BTC-USD
    and ETH-USD when OKX lists none (noted)."""
    listed = data[0] if isinstance(data, list) and data and isinstance(data[0], list) else []
    fams = list(dict.fromkeys(u for u in listed if isinstance(u, str) and _FAMILY.match(u)))
    if not fams:
        fams = [f"{c}-{OPTION_QUOTE}" for c in DEFAULT_COINS]
        notes.append(f"option underlyings: none listed; fetched the options of {', '.join(fams)}")
    return fams


def fetch(client: OkxClient, families: list[str] | None, progress: Progress | None = None) -> FetchOutcome:
    """Send the plan's requests (rate-limited, retried), then build the snapshot; raises OkxError / FetchCancelled.

    An optional step that OKX answers with an error code (e.g. a family that has no futures) is noted and skipped;
    any other failure ends the fetch, and nothing has been stored.
    """
    start = time.monotonic()
    responses: list[dict] = []
    notes: list[str] = []

    def record(ex: Exchange) -> None:
        responses.append({"method": ex.method, "path": ex.path, "params": ex.params, "status": ex.status,
                          "receivedAt": ex.received_at, "body": ex.text})
    previous = client.on_exchange
    client.on_exchange = record
    steps = plan(families)
    try:
        done = 0
        i = 0
        tiers_planned = families is not None
        while i < len(steps):
            step = steps[i]
            if not tiers_planned and step.path == DISCOUNT:      # --all: the families are known now
                from .snapshot import _data, _spec
                specs = {r["instId"]: sp for e in responses if e["path"] == INSTRUMENTS
                         for r in _data(e) if (sp := _spec(r)) is not None}
                steps[i:i] = _tier_steps_for_all(specs)
                tiers_planned = True
                continue
            if progress is not None:
                progress(done, len(steps), step.label)
            answer = _send(client, step, notes)
            done += 1
            i += 1
            if step.path == UNDERLYING:                              # --all: every option family OKX lists
                fams = option_families(answer, notes)
                steps[i:i] = _option_steps(fams) + _tier_steps("OPTION", fams)
        if progress is not None:
            progress(len(steps), len(steps), "building the snapshot")
    finally:
        client.on_exchange = previous
    fetched_at = responses[-1]["receivedAt"] if responses else _now()
    snapshot, build_notes = build_snapshot(responses, fetched_at, "okx")
    return FetchOutcome(snapshot=snapshot, responses=responses, notes=notes + build_notes,
                        requests=client.limiter.requests, retries=client.retries, rate_wait=client.limiter.waited,
                        backoff_wait=client.backoff_waited, seconds=time.monotonic() - start,
                        families=list(families or []))


def _send(client: OkxClient, step: Step, notes: list[str]) -> Any:
    from .client import FetchCancelled, OkxError
    try:
        return client.get(step.path, step.params)
    except FetchCancelled:
        raise
    except OkxError as exc:
        if step.optional and exc.code is not None:     # OKX answered, with an error code: e.g. no such family
            notes.append(f"{step.label}: skipped ({str(exc).split(': ', 1)[1]})")
            return []
        raise

"""Fuzzing (hypothesis): random books and markets, hostile numbers included, through the loaders and the engine in
both modes; hostile names through the Store and the command line; and no eval/pickle/shell anywhere in the tree.

Invariants (formats.md sections 1-3): only engine.InputError may escape; every margin figure the spec defines as a
requirement (MR1..MR9, unit MMR/IMR, totalMmr, totalImr, derivMmr, borrowMmr, liqCost, per-position IMR/MMR) is
finite and >= 0; eq, adjEq and upl are finite; the result JSON has no NaN/Infinity.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine import InputError, compute
from engine.market import market_from_dict
from engine.portfolio import portfolio_from_dict

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("RISKWS_FUZZ_EXAMPLES", "120"))  # e.g. 2000 for a long hunt
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])

INSTRUMENTS = ["BTC-USDT-SWAP", "BTC-USD-SWAP", "BTC-USDC-SWAP", "BTC-USDT-250328", "BTC-USD-250328",
               "BTC-USD-250207", "BTC-USD-250131", "ETH-USDT-SWAP", "ETH-USD-250627", "SOL-USDT-SWAP",
               "BTC-USD-250328-100000-C", "BTC-USD-250328-60000-P", "BTC-USD-250207-97000-C",
               "BTC-USD-251226-250000-C", "ETH-USD-250328-3000-P", "ETH-USD-250207-2700-C"]
CURRENCIES = ["BTC", "ETH", "USDT", "USDC", "SOL"]

hostile_numbers = st.one_of(
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 0, -0.0, 1e-300, -1e-300, 1e300, -1e300, 5e-324,
                     "NaN", "inf", "-Infinity", "1e400", "", " ", "1,5", "0x10", True, None, [], {}]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**20, max_value=10**20),
    st.text(max_size=6),
)
sane_sizes = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).map(lambda x: round(x, 3))
sizes = st.one_of(sane_sizes, sane_sizes, sane_sizes, hostile_numbers)
prices = st.one_of(st.floats(min_value=1e-6, max_value=1e7), st.floats(min_value=1e-6, max_value=1e7),
                   hostile_numbers)
vols = st.one_of(st.floats(min_value=0.01, max_value=3.0), hostile_numbers)

books = st.fixed_dictionaries({
    "acctLv": st.sampled_from(["3", "4", "4", 4, "5"]),
    "rules": st.sampled_from([None, "okx-2024-06", "okx-2024-12", "okx-2025-01"]),
    "simPos": st.lists(st.fixed_dictionaries({"instId": st.sampled_from(INSTRUMENTS), "pos": sizes},
                                             optional={"avgPx": prices}), max_size=8),
    "simAsset": st.lists(st.fixed_dictionaries({"ccy": st.sampled_from(CURRENCIES),
                                                "amt": st.one_of(st.floats(-1e7, 1e7), hostile_numbers)}),
                         max_size=4),
}, optional={"spotInUse": st.lists(st.fixed_dictionaries({"ccy": st.sampled_from(CURRENCIES), "amt": sizes}),
                                   max_size=2),
             "lever": st.dictionaries(st.sampled_from(["BTC-USDT", "BTC-USD", "ETH-USDT"]),
                                      st.one_of(st.floats(1, 125), hostile_numbers), max_size=2)})

markets = st.fixed_dictionaries({
    "ts": st.sampled_from(["2025-02-06T08:00:00Z", "2025-01-01T00:00:00Z", "2025-02-07T08:00:00Z",
                           "2025-03-28T07:59:59Z", "2025-12-31T23:00:00Z"]),
    "index": st.fixed_dictionaries({"BTC-USD": prices, "USDT-USD": st.one_of(st.just(0.9995), prices)},
                                   optional={"ETH-USD": prices, "USDC-USD": prices, "SOL-USD": prices}),
    "markPx": st.dictionaries(st.sampled_from([i for i in INSTRUMENTS if not i.endswith(("-C", "-P"))]), prices,
                              max_size=4),
    "markVol": st.dictionaries(st.sampled_from([i for i in INSTRUMENTS if i.endswith(("-C", "-P"))]), vols,
                               max_size=4),
    "atmVol": st.dictionaries(st.sampled_from(["BTC", "ETH"]), vols, max_size=2),
})

REQUIREMENTS = ("total_mmr", "total_imr", "deriv_mmr", "borrow_mmr", "liq_cost")


def _modes():
    modes = ["pm"]
    try:
        import engine.mc  # noqa: F401  (the multi-currency engine lands from another helper)
        modes.append("mc")
    except ImportError:
        pass
    return modes


def check_result(r) -> None:
    for name in REQUIREMENTS:
        v = getattr(r, name)
        assert math.isfinite(v) and v >= 0, (name, v)
    for name in ("eq", "adj_eq", "upl"):
        assert math.isfinite(getattr(r, name)), (name, getattr(r, name))
    assert r.margin_ratio is None or not math.isnan(r.margin_ratio)
    for u in r.units:
        for k, v in u.mr.items():
            assert math.isfinite(v) and v >= 0, (u.risk_unit, k, v)
        assert math.isfinite(u.mmr) and u.mmr >= 0 and math.isfinite(u.imr) and u.imr >= 0, u.risk_unit
    for p in r.positions:
        for name in ("imr", "mmr"):
            v = getattr(p, name)
            assert v is None or (math.isfinite(v) and v >= 0), (p.inst_id, name, v)
        assert math.isfinite(p.notional_usd), p.inst_id
    for a in r.assets:
        assert math.isfinite(a.borrow_mmr) and a.borrow_mmr >= 0 and math.isfinite(a.borrow_imr) and a.borrow_imr >= 0
    json.dumps(r.to_dict(), allow_nan=False)   # the result JSON never carries NaN/Infinity


STATS = {"loaded": 0, "computed": 0, "input_errors": 0}


@FUZZ
@given(book=books, market=markets)
def test_engine_lets_only_input_errors_escape_and_figures_are_finite(book, market) -> None:
    try:
        portfolio = portfolio_from_dict(book, "fuzz-book")
        snapshot = market_from_dict(market, "fuzz-market")
    except InputError:
        STATS["input_errors"] += 1
        return
    STATS["loaded"] += 1
    for mode in _modes():
        try:
            result = compute(portfolio, snapshot, mode=mode)
        except InputError as exc:
            assert str(exc) and "\n" not in str(exc)
            STATS["input_errors"] += 1
            continue
        STATS["computed"] += 1
        check_result(result)


valid_prices = st.one_of(st.floats(min_value=1e-8, max_value=1e-2), st.floats(min_value=1e-2, max_value=1e9))
valid_vols = st.floats(min_value=1e-4, max_value=10.0)
edgy_books = st.fixed_dictionaries({
    "acctLv": st.sampled_from(["3", "4"]),
    "rules": st.sampled_from([None, "okx-2024-06", "okx-2024-12", "okx-2025-01"]),
    "simPos": st.lists(st.fixed_dictionaries({"instId": st.sampled_from(INSTRUMENTS),
                                              "pos": st.one_of(sane_sizes, st.floats(-1e9, 1e9), st.just(0.0))},
                                             optional={"avgPx": valid_prices}),
                       max_size=8, unique_by=lambda p: p["instId"]),
    "simAsset": st.lists(st.fixed_dictionaries({"ccy": st.sampled_from(CURRENCIES), "amt": st.floats(-1e12, 1e12)}),
                         max_size=4, unique_by=lambda a: a["ccy"]),
}, optional={"spotInUse": st.lists(st.fixed_dictionaries({"ccy": st.sampled_from(CURRENCIES),
                                                          "amt": st.floats(0, 1e6)}),
                                   max_size=2, unique_by=lambda a: a["ccy"]),
             "lever": st.dictionaries(st.sampled_from(["BTC-USDT", "BTC-USD", "ETH-USDT"]), st.floats(1, 125),
                                      max_size=2)})
edgy_markets = st.fixed_dictionaries({
    "ts": st.sampled_from(["2025-02-06T08:00:00Z", "2025-02-07T08:00:00Z", "2025-03-28T08:00:00Z",
                           "2025-12-31T23:00:00Z"]),
    "index": st.fixed_dictionaries({"BTC-USD": valid_prices},
                                   optional={"ETH-USD": valid_prices, "USDC-USD": valid_prices,
                                             "SOL-USD": valid_prices, "USDT-USD": valid_prices}),
    "markPx": st.dictionaries(st.sampled_from([i for i in INSTRUMENTS if not i.endswith(("-C", "-P"))]),
                              valid_prices, max_size=4),
    "markVol": st.dictionaries(st.sampled_from([i for i in INSTRUMENTS if i.endswith(("-C", "-P"))]), valid_vols,
                               max_size=4),
    "atmVol": st.dictionaries(st.sampled_from(["BTC", "ETH"]), valid_vols, max_size=2),
})


@FUZZ
@given(book=edgy_books, market=edgy_markets)
def test_valid_numbers_edgy_books_only_input_errors(book, market) -> None:
    """Every number valid, but expired contracts, missing indices or vols, extreme sizes and prices, both modes."""
    portfolio = portfolio_from_dict(book, "edgy-book")
    snapshot = market_from_dict(market, "edgy-market")
    STATS["loaded"] += 1
    for mode in _modes():
        try:
            result = compute(portfolio, snapshot, mode=mode)
        except InputError as exc:
            assert str(exc) and "\n" not in str(exc)
            STATS["input_errors"] += 1
            continue
        STATS["computed"] += 1
        check_result(result)


sane_book = st.fixed_dictionaries({
    "simPos": st.lists(st.fixed_dictionaries({"instId": st.sampled_from(
        [i for i in INSTRUMENTS if not any(d in i for d in ("250131", "250207"))]), "pos": sane_sizes}),
        min_size=1, max_size=8, unique_by=lambda p: p["instId"]),
    "simAsset": st.lists(st.fixed_dictionaries({"ccy": st.sampled_from(CURRENCIES), "amt": st.floats(-1e6, 1e7)}),
                         max_size=4, unique_by=lambda a: a["ccy"]),
})
extreme_market = st.fixed_dictionaries({
    "ts": st.just("2025-02-06T08:00:00Z"),
    "index": st.fixed_dictionaries({k: st.one_of(st.floats(1e-8, 1e-3), st.floats(1e-3, 1e9), st.just(1e12))
                                    for k in ("BTC-USD", "ETH-USD", "SOL-USD", "USDT-USD", "USDC-USD")}),
    "markPx": st.just({}), "markVol": st.just({}),
    "atmVol": st.fixed_dictionaries({"BTC": st.floats(1e-6, 10.0), "ETH": st.floats(1e-6, 10.0)}),
})


@FUZZ
@given(book=sane_book, market=extreme_market, mode=st.sampled_from(["pm", "mc"]))
def test_valid_books_on_extreme_but_valid_markets_compute(book, market, mode) -> None:
    """Inputs that pass validation must compute: no InputError from deep inside the engine, finite figures."""
    assume(mode in _modes())
    portfolio = portfolio_from_dict(book, "b")
    snapshot = market_from_dict(market, "m")
    check_result(compute(portfolio, snapshot, mode=mode))
    STATS["computed"] += 1


# -- names: quotes, unicode, SQL fragments round-trip unchanged --------------------------------------------------
SQLISH = ["'; DROP TABLE portfolios;--", "\" OR 1=1 --", "Robert'); DELETE FROM positions; --", "%_\\", "a\tb",
          "名前 ✓ 🚀", "Ωmega \u200b zero-width", "x\"y'z`", "$(rm -rf /)", "`id`", "../../etc/passwd", "NUL\u0001"]
names = st.one_of(st.sampled_from(SQLISH), st.text(min_size=1, max_size=40),
                  st.builds(lambda a, b: f"{a}{b}", st.sampled_from(SQLISH), st.text(max_size=10)))


def _valid(name: str) -> bool:
    return bool(name.strip()) and name == name.strip() and "\x00" not in name


@settings(max_examples=150, deadline=None)
@given(name=names)
def test_hostile_names_round_trip_through_the_store(name: str, tmp_path_factory) -> None:
    assume(_valid(name))
    from db.store import Store
    from engine.portfolio import Portfolio, Position

    db = tmp_path_factory.mktemp("names") / "n.db"
    book = Portfolio(name=name, positions=(Position("BTC-USDT-SWAP", 1.0),))
    with Store(db) as store:
        store.save_portfolio(book)
        store.save_portfolio(Portfolio(name="other"))
        assert store.load_portfolio(name) == book
        assert sorted(s.name for s in store.list_portfolios()) == sorted([name, "other"])
        store.rename_portfolio(name, name + " (2)")
        assert store.load_portfolio(name + " (2)").positions == book.positions
        store.save_market(name, market_from_dict({"ts": "2025-02-06T08:00:00Z", "index": {"BTC-USD": 1.0}}))
        assert [m.name for m in store.list_markets()] == [name]
        assert {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
            "portfolios", "positions", "assets", "markets"}


@settings(max_examples=60, deadline=None)
@given(name=names)
def test_hostile_names_round_trip_through_the_cli(name: str, tmp_path_factory) -> None:
    assume(_valid(name))
    from workstation.cli import main

    folder = tmp_path_factory.mktemp("cli")
    src = folder / "in.json"
    src.write_text(json.dumps({"name": name, "simPos": [{"instId": "BTC-USDT-SWAP", "pos": "2"}]}), encoding="utf-8")
    db, out = folder / "c.db", folder / "out.json"
    # a name that starts with "-" needs the usual escapes: --name=VALUE, and -- before a positional NAME
    assert main(["import", str(src), "--db", str(db)]) == 0
    assert main(["export", "--db", str(db), "--out", str(out), "--", name]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == name
    assert main(["import", str(src), f"--name={name}·copy", "--db", str(db)]) == 0
    assert main(["export", "--format", "csv", "--db", str(db), "--out", str(out), "--", name + "·copy"]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[1] == "BTC-USDT-SWAP,2,,,"


# -- no eval, pickle or shell on any input -----------------------------------------------------------------------
DANGEROUS = re.compile(r"(?<![\w.])eval\(|(?<![\w.])exec\(|\bpickle\b|shell\s*=\s*True|os\.system|os\.popen|"
                       r"\bmarshal\b|yaml\.load\(|\bshelve\b")
# Reviewed exceptions (none at present): path -> words allowed there.
ALLOWED: dict[str, set[str]] = {}


def test_no_eval_pickle_or_shell_in_the_source_tree() -> None:
    found = []
    for path in sorted(REPO.rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith((".venv/", "build/", ".git/")) or rel == "tests/reliability/test_fuzz.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            for m in DANGEROUS.finditer(line):
                if m.group(0).strip("(") not in ALLOWED.get(rel, set()):
                    found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
    assert (REPO / "engine").is_dir() and (REPO / "db").is_dir()  # the walk really covered the tree


def test_the_grep_catches_what_it_should() -> None:
    for bad in ("x = eval(text)", "import pickle", "subprocess.run(cmd, shell=True)", "os.system('ls')",
                "exec(code)", "yaml.load(f)", "os.popen(cmd)"):
        assert DANGEROUS.search(bad), bad
    for fine in ("evaluate(prepared)", "evaluate_pm(x)", "model.eval_rows(1)", "shell=False", "executor(x)"):
        assert not DANGEROUS.search(fine), fine


def test_zz_report_fuzz_counts(capsys) -> None:
    with capsys.disabled():
        print(f"\nfuzz: {STATS}")

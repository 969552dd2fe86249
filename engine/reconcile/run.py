"""One call from an OKX file to a reconciliation (the CLI and the workstation both use it)."""

from __future__ import annotations

import os

from ..errors import InputError
from ..importers.checks import check_against_market
from ..market import Market
from ..params import load_rule_set
from ..portfolio import Portfolio
from .compare import DEFAULT_ABS_TOL, DEFAULT_REL_TOL, Reconciliation, market_notes, reconcile
from .observation import OkxAnswer, read_answer


def reconcile_answer(answer: OkxAnswer, *, book: Portfolio | None = None, book_label: str = "the book",
                     market: Market | None = None, market_label: str = "market", mode: str | None = None,
                     rules: str | None = None, rel_tol: float | None = None,
                     abs_tol: float | None = None) -> Reconciliation:
    """Reconcile ``answer``: its own book unless ``book`` is given, its own market unless ``market`` is given."""
    if book is None:
        if answer.portfolio is None:
            raise InputError(f"{answer.label}: a bare position-builder response does not say which book it is for: "
                             f"give the portfolio that was sent (BOOK) or record an observation")
        book, book_label = answer.portfolio, f"{answer.label} (its own book)"
    given = market is not None
    if market is None:
        if answer.market is None:
            raise InputError(f"{answer.label}: market: the answer carries no snapshot: give the snapshot taken when "
                             f"OKX answered (--market)")
        market, market_label = answer.market, f"{answer.label}: market"
    check_against_market(book, market, book_label, market_label)
    mode = mode or {"3": "mc", "4": "pm"}.get(answer.acct_lv or "") or ("mc" if book.acct_lv == "3" else "pm")
    rs = load_rule_set(rules or answer.rules or book.rules)
    return reconcile(answer, book, market, mode=mode, rules=rs, book_label=book_label,
                     notes=market_notes(answer, market, market_label, given),
                     rel_tol=DEFAULT_REL_TOL if rel_tol is None else rel_tol,
                     abs_tol=DEFAULT_ABS_TOL if abs_tol is None else abs_tol)


def reconcile_file(path: str | os.PathLike, **kwargs) -> Reconciliation:
    """``reconcile_answer`` of the OKX answer in ``path`` (an observation without a snapshot needs ``market``)."""
    return reconcile_answer(read_answer(path, require_market=False), **kwargs)

"""BOOKS of ``riskws batch``: portfolio files, folders of them, or portfolios stored in the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from engine import InputError, Portfolio, load_portfolio


@dataclass(frozen=True)
class BookRef:
    """One book as a worker receives it: a file path, or a stored portfolio as a portfolio-file document.

    ``error`` is set when the argument named no readable book: the batch reports it as that book's row.
    """

    label: str
    path: str | None = None
    doc: dict | None = None
    error: str | None = None

    def load(self) -> Portfolio:
        if self.error is not None:
            raise InputError(self.error)
        if self.doc is not None:
            return load_portfolio(self.doc)
        return load_portfolio(self.path)


def resolve_books(items: Iterable[str], db_path: Path | None) -> list[BookRef]:
    """A BookRef per file (a folder gives each ``*.json`` in it, sorted), else per stored portfolio name.

    The database is opened only when an argument is not a path, and never created.
    """
    refs: list[BookRef] = []
    store = None
    try:
        for item in items:
            p = Path(item)
            if p.is_dir():
                files = sorted(f for f in p.glob("*.json") if f.is_file())
                if not files:
                    refs.append(BookRef(label=str(p), error=f"{p}: folder holds no .json portfolio file"))
                refs.extend(BookRef(label=str(f), path=str(f)) for f in files)
            elif p.is_file():
                refs.append(BookRef(label=str(p), path=str(p)))
            else:
                if store is None and db_path is not None and db_path.is_file():
                    from db.store import Store
                    store = Store(db_path, create=False)
                if store is not None and store.has_portfolio(item):
                    from engine import portfolio_to_dict
                    refs.append(BookRef(label=item, doc=portfolio_to_dict(store.load_portfolio(item))))
                else:
                    where = f" (database {db_path})" if db_path is not None else ""
                    refs.append(BookRef(label=item, error=f"{item}: neither a file, a folder nor a stored "
                                                          f"portfolio{where}"))
    finally:
        if store is not None:
            store.close()
    return refs

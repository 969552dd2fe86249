"""Books from other tools' files, detected from the content (pure Python: no Qt, no numpy).

    from engine.importers import import_file
    book = import_file("positions.json")          # ImportedBook(portfolio, source_kind, warnings)

Formats: our portfolio file (formats.md section 1); an OKX position-builder request body; OKX
``GET /api/v5/account/positions`` and ``GET /api/v5/account/balance`` responses, alone, together in one
object ``{"positions": ..., "balance": ...}`` or array ``[positions, balance]``, or as two files
(``import_files``); ccxt ``fetch_positions`` output; CSV (``instId,pos,avgPx`` and/or ``ccy,amt`` rows).
Every error is an ``engine.InputError`` naming the file, the field and the problem.
"""

from .ccxt import ccxt_symbol_to_inst_id
from .checks import check_against_market
from .core import (ImportedBook, NotABookError, import_doc, import_file, import_files, import_text,
                   is_market_document, sniff_kind)
from .csvbook import portfolio_to_csv
from .fields import asset_from_fields, position_from_fields

__all__ = ["ImportedBook", "NotABookError", "asset_from_fields", "ccxt_symbol_to_inst_id", "check_against_market", "import_doc",
           "import_file", "import_files", "import_text", "is_market_document", "portfolio_to_csv",
           "position_from_fields", "sniff_kind"]

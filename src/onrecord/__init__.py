"""onrecord: who said what, when, and according to whom — attribution extraction for news."""
from onrecord.document import Attribution, Document, Speaker, TextSpan
from onrecord.pipeline import extract
from onrecord.options import ExtractOptions

__version__ = "0.1.0"
__all__ = ["extract", "Document", "Attribution", "Speaker", "TextSpan", "ExtractOptions", "Ledger",
           "StatementQuery", "ingest", "__version__"]

_LAZY_NAMES = {"Ledger": "onrecord.store", "StatementQuery": "onrecord.store", "ingest": "onrecord.run"}


def __getattr__(name: str):
    """`onrecord.Ledger` and friends, imported on first use so that extracting never loads DuckDB."""
    if name in _LAZY_NAMES:
        import importlib

        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'onrecord' has no attribute {name!r}")

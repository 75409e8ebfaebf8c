"""onrecord: who said what, when, and according to whom — attribution extraction for news."""
from onrecord.document import Attribution, Document, Speaker, TextSpan
from onrecord.extract import extract
from onrecord.options import ExtractOptions

__version__ = "0.1.0"
__all__ = ["extract", "Document", "Attribution", "Speaker", "TextSpan", "ExtractOptions", "Ledger",
           "StatementQuery", "ingest", "__version__"]

_STORE_NAMES = ("Ledger", "StatementQuery", "ingest")


def __getattr__(name: str):
    """`onrecord.Ledger` and friends, imported on first use so that extracting never loads DuckDB."""
    if name in _STORE_NAMES:
        import onrecord.store

        return getattr(onrecord.store, name)
    raise AttributeError(f"module 'onrecord' has no attribute {name!r}")

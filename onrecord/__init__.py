"""onrecord: who said what, when, and according to whom — attribution extraction for news."""
from onrecord.document import Attribution, Document, Speaker, TextSpan
from onrecord.extract import extract
from onrecord.options import ExtractOptions

__version__ = "0.1.0"
__all__ = ["extract", "Document", "Attribution", "Speaker", "TextSpan", "ExtractOptions", "__version__"]

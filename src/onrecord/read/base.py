"""The read stage's contract: what a reader takes (`Source`, `ReadOptions`) and yields (`InputDocument`)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from onrecord.document import DocumentMetadata
from onrecord.stats import RunStats

STDIN = "-"
STDIN_DOC_ID = "stdin"
AUTO = "auto"


@dataclass
class InputDocument:
    """One text to extract from: `doc_id` names it in the output, `path` says where it came from."""

    doc_id: str
    text: str
    path: str  # "-" for stdin
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)  # what the input format told
    # False when doc_id is a stand-in (stdin, a JSONL line number): the ledger then keys on the text's hash
    id_from_input: bool = True
    origin: str = ""  # where in `path` it was read, for skip and repair lines ("news.jsonl:12"); "": the path


@dataclass(frozen=True)
class ReadOptions:
    """How inputs are read: format, JSONL field names, limits. Field names left None try common names."""

    input_format: str = AUTO  # AUTO: by file suffix (stdin: text); else a FORMATS name for every input
    text_field: str | None = None  # JSONL field names; see onrecord/read/jsonl.py for the defaults tried
    id_field: str | None = None
    url_field: str | None = None
    date_field: str | None = None
    title_field: str | None = None
    timeout: float = 30.0  # seconds per document, for HTML parsing and again for extraction; 0: no limit
    max_html_bytes: int = 10_000_000  # larger pages are skipped unparsed ("html: too large")
    # decompressed bytes of one text file or stream, one JSONL line, one run of WARC bytes without a line
    # break: what a reader holds in memory at once. Larger is a counted skip ("text: too large", ...)
    max_input_bytes: int = 10_000_000


@dataclass
class Source:
    """One opened input: `name` for messages (a path or "-"), `stem` for doc ids, `stream` of bytes."""

    name: str
    stem: str
    stream: BinaryIO
    # The record numbers (from 1: JSONL lines) to read, when a shard takes a window of a big file; None: all.
    records: range | None = None


class CorruptInput(Exception):
    """Raised by an input stream whose bytes end early or don't decompress; `reason` is the skip reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason + (f" ({detail})" if detail else ""))
        self.reason = reason
        self.detail = detail


Reader = Callable[[Source, RunStats, ReadOptions], Iterator[InputDocument]]

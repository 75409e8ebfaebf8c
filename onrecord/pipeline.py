"""The read → clean → extract stream that `onrecord extract` prints and `onrecord ingest` stores."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from onrecord.document import Document
from onrecord.extract import extract
from onrecord.limits import DocumentTimeout, time_limit
from onrecord.options import ExtractOptions
from onrecord.read import InputDocument, ReadOptions, ReadStats, read_inputs


def extract_item(item: InputDocument, stats: ReadStats, options: ExtractOptions | None = None,
                 timeout: float | None = None) -> Document | None:
    """Extract one input's attributions within the time limit; None (counted in `stats`) on timeout or error."""
    try:
        with time_limit(timeout):
            return extract(item.text, options, doc_id=item.doc_id, metadata=item.metadata)
    except DocumentTimeout:
        stats.skip(item.path, "extraction timeout", f"{item.doc_id}: over {timeout:g} s")
    except Exception as error:  # an engine bug on one text must not end a run over thousands
        stats.skip(item.path, "extraction error", f"{item.doc_id}: {type(error).__name__}: {error}")
    return None


def extract_inputs(
    paths: Iterable[str | Path],
    stats: ReadStats,
    options: ExtractOptions | None = None,
    stdin: TextIO | None = None,
    read_options: ReadOptions | None = None,
    timeout: float | None = None,
) -> Iterator[Document]:
    """Read every input and extract its attributions, lazily; failures and timeouts are counted in `stats`."""
    for item in read_inputs(paths, stats, stdin=stdin, options=read_options):
        doc = extract_item(item, stats, options, timeout)
        if doc is not None:
            yield doc  # outside the time limit: what the caller does with it is not the document's time

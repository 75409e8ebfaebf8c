"""WARC reader: the HTML pages in a web archive's HTTP responses (.warc, .warc.gz).

warcio rather than FastWARC: it is pure Python, so it installs on any platform without a compiled
wheel, it is maintained by Webrecorder, and it writes WARCs as well as reading them, which the tests
use to build their archives. Its speed is not what limits a run: HTML extraction is.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from onrecord.document import DocumentMetadata
from onrecord.read.base import CorruptInput, InputDocument, ReadOptions, Source
from onrecord.stats import RunStats
from onrecord.read.html import html_page

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class _OneReadAtATime:
    """A byte stream whose read(n) is one read1(n) of `stream`.

    warcio asks for 16 KB blocks; a plain read gathers a block from several reads and loses all of it
    when a truncated .warc.gz fails partway, taking the last complete records with it.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read1(size)  # type: ignore[attr-defined]


def record_doc_id(record: ArcWarcRecord, fallback: str) -> str:
    """The record's WARC-Record-ID without `<urn:uuid:…>` wrapping, else `fallback`."""
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip().strip("<>")
    return record_id.removeprefix("urn:uuid:") or fallback


def record_document(
    record: ArcWarcRecord, number: int, source: Source, stats: RunStats, options: ReadOptions
) -> InputDocument | None:
    """The document in one WARC record, or None (counted) when the record holds no HTML page."""
    uri = record.rec_headers.get_header("WARC-Target-URI")
    where = f"{source.name} record {number}" + (f" ({uri})" if uri else "")
    if record.rec_type != "response" or record.http_headers is None:
        stats.skip(where, "warc: not an HTTP response", f"{record.rec_type} record")
        return None
    status = record.http_headers.get_statuscode() or ""
    if not status.startswith("2"):  # redirects and errors carry no article
        stats.skip(where, "warc: not a 2xx response", f"HTTP {status}")
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in HTML_TYPES:
        stats.skip(where, "warc: not HTML", content_type or "no content type")
        return None
    html = record.content_stream().read(options.max_html_bytes + 1)  # one byte over the limit is enough to refuse
    page = html_page(html, where, stats, options, url=uri)
    if page is None:  # counted by html_page
        return None
    text, metadata = page
    # The crawl date stands in when the page gives no publication date: news is crawled within days.
    metadata = metadata.filled_from(DocumentMetadata(published=record.rec_headers.get_header("WARC-Date")))
    doc_id = record_doc_id(record, uri or f"{source.stem}:{number}")
    return InputDocument(doc_id=doc_id, text=text, path=source.name, metadata=metadata,
                         id_from_input=doc_id != f"{source.stem}:{number}")


def read_warc(source: Source, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """One document per HTML response record; other records are counted skips."""
    try:
        for number, record in enumerate(ArchiveIterator(_OneReadAtATime(source.stream)), start=1):
            try:
                document = record_document(record, number, source, stats, options)
            except CorruptInput:  # the stream itself is broken: no record after this one can be read
                raise
            except Exception as error:  # one malformed record (bad chunking, odd headers): the next may be fine
                stats.skip(f"{source.name} record {number}", "warc: bad record", f"{type(error).__name__}: {error}")
                continue
            if document is not None:
                yield document
    except ArchiveLoadFailed as error:
        stats.skip(source.name, "warc: not a WARC file or corrupt", str(error).splitlines()[0][:120])

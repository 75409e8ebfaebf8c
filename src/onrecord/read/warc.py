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
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

from onrecord.document import DocumentMetadata
from onrecord.read.base import CorruptInput, InputDocument, ReadOptions, Source
from onrecord.stats import RunStats
from onrecord.read.html import html_page

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class _OneReadAtATime:
    """A byte stream whose read(n) is one read1(n) of `stream`, refusing a run of bytes without a line break
    longer than `max_line` (CorruptInput "warc: too large").

    warcio asks for 16 KB blocks; a plain read gathers a block from several reads and loses all of it
    when a truncated .warc.gz fails partway, taking the last complete records with it. warcio reads
    record and HTTP headers with an unbounded readline, so gigabytes of zeros (a gzip bomb, a corrupt
    file) would be gathered into one line in memory; real payloads, even binary ones, break lines every
    few hundred bytes.
    """

    def __init__(self, stream: BinaryIO, max_line: int) -> None:
        self._stream = stream
        self._max_line = max_line
        self._run = 0  # bytes since the last line break

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read1(size)  # type: ignore[attr-defined]
        newline = data.rfind(b"\n")
        self._run = self._run + len(data) if newline < 0 else len(data) - newline - 1
        if self._run > self._max_line:
            raise CorruptInput("warc: too large", f"over {self._max_line / 1e6:g} MB without a line break")
        return data


class _RecordLoader(ArcWarcRecordLoader):
    """warcio's record loader, except that a response record without a WARC-Target-URI is left unparsed.

    warcio calls `uri.startswith` on it and raises inside its iterator, which ends the whole file; left
    unparsed (no HTTP headers), the record is skipped and the records after it are read.
    """

    def load_http_headers(self, rec_type, uri, stream, length):  # type: ignore[no-untyped-def]
        if uri is None:
            return None
        return super().load_http_headers(rec_type, uri, stream, length)


def record_doc_id(record: ArcWarcRecord, fallback: str) -> str:
    """The record's WARC-Record-ID without `<urn:uuid:…>` wrapping, else `fallback`."""
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip().strip("<>")
    return record_id.removeprefix("urn:uuid:") or fallback


def cut_short(record: ArcWarcRecord) -> str | None:
    """Why `record`, read to its end, swallowed what follows it (None when it didn't): its Content-Length
    runs past the end of the file, or it has none, so warcio read the rest of the file as its content."""
    stream = record.raw_stream
    if not isinstance(stream, LimitReader):  # no Content-Length: the record ran to the end of the file
        return "no Content-Length"
    if stream.limit > 0:
        return f"Content-Length {record.length:,} runs {stream.limit:,} bytes past the end of the file"
    return None


def record_document(record: ArcWarcRecord, where: str, number: int, source: Source, iterator: ArchiveIterator,
                    stats: RunStats, options: ReadOptions) -> InputDocument | None:
    """The document in one WARC record, or None (counted) when the record holds no HTML page.

    A record whose Content-Length claims more than the file holds takes the records after it as its
    content (warcio can't tell); it is counted as `warc: record cut short` rather than read.
    """
    uri = record.rec_headers.get_header("WARC-Target-URI")
    skip = None
    if record.rec_type == "response" and not uri:
        skip = ("warc: no target URI", "response record without WARC-Target-URI")
    elif record.rec_type != "response" or record.http_headers is None:
        skip = ("warc: not an HTTP response", f"{record.rec_type} record")
    elif not (status := record.http_headers.get_statuscode() or "").startswith("2"):  # redirects and errors
        skip = ("warc: not a 2xx response", f"HTTP {status}")
    elif (content_type := (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
          ) not in HTML_TYPES:
        skip = ("warc: not HTML", content_type or "no content type")
    html = b""
    if skip is None:
        html = record.content_stream().read(options.max_html_bytes + 1)  # one byte over the limit is enough to refuse
    iterator.read_to_end()  # what warcio would do before the next record: now, to see whether the record was whole
    problem = cut_short(record)
    if problem:
        stats.skip(where, "warc: record cut short", f"{problem}; any records after it are lost")
        return None
    if skip is not None:
        stats.skip(where, *skip)
        return None
    page = html_page(html, where, stats, options, url=uri)
    if page is None:  # counted by html_page
        return None
    text, metadata = page
    # The crawl date stands in when the page gives no publication date: news is crawled within days.
    metadata = metadata.filled_from(DocumentMetadata(published=record.rec_headers.get_header("WARC-Date")))
    doc_id = record_doc_id(record, uri or f"{source.stem}:{number}")
    return InputDocument(doc_id=doc_id, text=text, path=source.name, metadata=metadata,
                         id_from_input=doc_id != f"{source.stem}:{number}", origin=where)


def read_warc(source: Source, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """One document per HTML response record; other records are counted skips, and so is a file without any."""
    iterator = ArchiveIterator(_OneReadAtATime(source.stream, options.max_input_bytes))
    iterator.loader = _RecordLoader()  # read lazily, at the first record
    records = 0
    try:
        for number, record in enumerate(iterator, start=1):
            records = number
            uri = record.rec_headers.get_header("WARC-Target-URI")
            where = f"{source.name} record {number}" + (f" ({uri})" if uri else "")
            try:
                document = record_document(record, where, number, source, iterator, stats, options)
            except CorruptInput:  # the stream itself is broken: no record after this one can be read
                raise
            except Exception as error:  # one malformed record (bad chunking, odd headers): the next may be fine
                stats.skip(where, "warc: bad record", f"{type(error).__name__}: {error}")
                continue
            if document is not None:
                yield document
    except ArchiveLoadFailed as error:
        stats.skip(source.name, "warc: not a WARC file or corrupt", str(error).splitlines()[0][:120])
        return
    if records == 0:  # an empty file, or only blank lines: nothing was read, and that is said
        stats.skip(source.name, "empty", "no WARC records")

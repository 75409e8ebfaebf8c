"""JSONL reader: one document per line, as news-please, CC-News and most corpus dumps write them.

Field names come from ReadOptions (`--text-field`, ...); left unset, the common names below are tried
in order. A line that is not JSON, nests too deep, is over `max_input_bytes` or has no text is a counted
skip, and the next line is read. The file is streamed line by line: a dump of many gigabytes is fine,
one line of many gigabytes is not held in memory.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from onrecord.document import DocumentMetadata
from onrecord.read.base import InputDocument, ReadOptions, Source
from onrecord.stats import RunStats
from onrecord.read.html import html_page, outlet_name

# news-please first, then CC-News / Hugging Face datasets, then other common dumps.
TEXT_FIELDS = ("maintext", "text", "article", "content")
HTML_FIELDS = ("html", "raw_html")  # a record with only the raw page: its text is extracted as for HTML files
ID_FIELDS = ("id", "doc_id")
URL_FIELDS = ("url",)
DATE_FIELDS = ("date_publish", "date", "published", "date_published")
TITLE_FIELDS = ("title",)
BYLINE_FIELDS = ("authors", "author", "byline")
OUTLET_FIELDS = ("source_domain", "domain", "sitename", "outlet")


def field_names(chosen: str | None, defaults: tuple[str, ...]) -> tuple[str, ...]:
    """The field named on the command line alone, else the defaults in order."""
    return (chosen,) if chosen else defaults


def first_value(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The first of `names` that `record` holds a value for, as one line of text (a list is joined)."""
    for name in names:
        value = record.get(name)
        if isinstance(value, list):  # news-please's "authors": ["A", "B"]
            value = ", ".join(str(item) for item in value if isinstance(item, (str, int, float)) and str(item).strip())
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def first_text(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The first of `names` that holds a string, unchanged (attribution offsets point into it)."""
    return next((record[name] for name in names if isinstance(record.get(name), str)), None)


def record_metadata(record: dict[str, Any], options: ReadOptions) -> DocumentMetadata:
    """What a record's own fields say about its document."""
    url = first_value(record, field_names(options.url_field, URL_FIELDS))
    return DocumentMetadata(
        url=url,
        published=first_value(record, field_names(options.date_field, DATE_FIELDS)),
        title=first_value(record, field_names(options.title_field, TITLE_FIELDS)),
        byline=first_value(record, BYLINE_FIELDS),
        outlet=outlet_name(first_value(record, OUTLET_FIELDS), url),  # "www.example.com" → "example.com"
    )


SKIP_PIECE_BYTES = 1 << 20  # an overlong line is read past in pieces of this size


def capped_lines(stream: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """Each line of `stream`, or None for a line of more than `limit` bytes, which is read past, never held whole."""
    while line := stream.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (piece := stream.readline(SKIP_PIECE_BYTES)) and not piece.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def read_jsonl(source: Source, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """One document per JSON line; its doc_id is the id field, else `<file stem>:<line number>`."""
    text_fields = field_names(options.text_field, TEXT_FIELDS)
    id_fields = field_names(options.id_field, ID_FIELDS)
    window = source.records
    for number, line in enumerate(capped_lines(source.stream, options.max_input_bytes), start=1):
        if window is not None and number not in window:  # another shard's lines: not even parsed
            if number >= window.stop:
                break
            continue
        where = f"{source.name}:{number}"
        if line is None:
            stats.skip(where, "jsonl: line too large", f"over {options.max_input_bytes / 1e6:g} MB")
            continue
        if not line.strip():  # a blank line (a trailing newline) is no document
            continue
        try:
            record = json.loads(line)
        except ValueError:  # JSONDecodeError, and bytes that aren't UTF-8/16/32
            stats.skip(where, "jsonl: not JSON")
            continue
        except RecursionError:  # [[[[…]]]] thousands deep: this line only, not the rest of the file
            stats.skip(where, "jsonl: too deeply nested")
            continue
        if not isinstance(record, dict):
            stats.skip(where, "jsonl: not an object")
            continue
        given_id = first_value(record, id_fields)
        doc_id = given_id or f"{source.stem}:{number}"
        metadata = record_metadata(record, options)
        text = first_text(record, text_fields)
        html = first_text(record, HTML_FIELDS) if text is None and not options.text_field else None
        if html is not None:
            page = html_page(html, where, stats, options, url=metadata.url)
            if page is None:  # counted by html_page
                continue
            text, page_metadata = page
            metadata = metadata.filled_from(page_metadata)
        if text is None:
            stats.skip(where, "jsonl: no text field", "/".join(text_fields))
        elif not text.strip():
            stats.skip(where, "empty")
        else:
            yield InputDocument(doc_id=doc_id, text=text, path=source.name, metadata=metadata,
                                id_from_input=given_id is not None, origin=where)

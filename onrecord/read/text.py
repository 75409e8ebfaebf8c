"""Plain-text reader: UTF-8 files and stdin; binary, empty or unreadable input is a counted skip."""
from __future__ import annotations

import codecs
from collections.abc import Iterator

from onrecord.read.base import STDIN, InputDocument, ReadOptions, Source
from onrecord.stats import RunStats

BINARY_SNIFF_BYTES = 8192  # a NUL byte this early means binary (the same test git uses)


def looks_binary(data: bytes) -> bool:
    """Whether file bytes are binary rather than text (a NUL byte early on, UTF-16 excepted)."""
    # UTF-16 text is full of NUL bytes, so honour its byte-order mark before the NUL test.
    return not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in data[:BINARY_SNIFF_BYTES]


def decode_text(data: bytes, origin: str, stats: RunStats) -> str | None:
    """Decode file bytes as UTF-8 text, or return None (counted) when they are binary or empty."""
    if looks_binary(data):
        stats.skip(origin, "binary")
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Mostly text with a few stray bytes (Latin-1 quotes, a cut multibyte char): keep the text.
            text = data.decode("utf-8", errors="replace")
            stats.recover(origin, "invalid utf-8 replaced")
    if not text.strip():
        stats.skip(origin, "empty")
        return None
    return text


def read_text(source: Source, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """One document per text file or stream; its doc_id is the file name without extension."""
    text = decode_text(source.stream.read(), source.name, stats)
    if text is not None:
        yield InputDocument(doc_id=source.stem, text=text, path=source.name, id_from_input=source.name != STDIN)

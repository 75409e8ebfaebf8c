"""Plain-text reader: UTF-8 files and stdin; binary, empty or unreadable input is a counted skip."""
from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from onrecord.read import InputDocument, ReadStats

STDIN_DOC_ID = "stdin"
BINARY_SNIFF_BYTES = 8192  # a NUL byte this early means binary (the same test git uses)


def decode_text(data: bytes, origin: str, stats: ReadStats) -> str | None:
    """Decode file bytes as UTF-8 text, or return None (counted) when they are binary or empty."""
    # UTF-16 text is full of NUL bytes, so honour its byte-order mark before the binary test.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data[:BINARY_SNIFF_BYTES]:
        stats.skip(origin, "binary")
        return None
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


def read_text_file(path: Path, stats: ReadStats) -> Iterator[InputDocument]:
    """One document per text file; its doc_id is the file name without extension."""
    try:
        data = path.read_bytes()
    except OSError as error:
        stats.skip(path, "unreadable", error.strerror or type(error).__name__)
        return
    text = decode_text(data, str(path), stats)
    if text is not None:
        stats.read += 1
        yield InputDocument(doc_id=path.stem, text=text, path=str(path))


def read_stream(stream: TextIO | None, stats: ReadStats) -> Iterator[InputDocument]:
    """One document from a stream (stdin), read as bytes when it can be so decoding matches files."""
    if stream is None:  # a process started without standard input
        stats.skip("-", "unreadable", "no standard input")
        return
    try:
        buffer = getattr(stream, "buffer", None)
        data = buffer.read() if buffer is not None else stream.read()
    except (OSError, UnicodeDecodeError) as error:
        stats.skip("-", "unreadable", str(error))
        return
    if isinstance(data, str):  # a text-only stream (no .buffer): re-encode so one decoder applies
        data = data.encode("utf-8", errors="replace")
    text = decode_text(data, "-", stats)
    if text is not None:
        stats.read += 1
        yield InputDocument(doc_id=STDIN_DOC_ID, text=text, path="-")

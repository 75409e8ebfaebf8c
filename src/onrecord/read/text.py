"""Plain-text reader: text files and stdin, in UTF-8 or another encoding; binary, empty, oversized or
unreadable input is a counted skip.

Bytes that aren't UTF-8 are decoded in the encoding charset-normalizer finds (cp1252 and Latin-1 news,
Cyrillic cp1251, UTF-16 without a byte-order mark), a counted repair (`decoded as cp1252`); only when
it finds none are the bad bytes replaced by U+FFFD (`invalid utf-8 replaced`).
"""
from __future__ import annotations

import codecs
from collections.abc import Iterator

from onrecord.read.base import STDIN, InputDocument, ReadOptions, Source
from onrecord.stats import RunStats

BINARY_SNIFF_BYTES = 8192  # a NUL byte this early means binary (the same test git uses)
PREFERRED_LEGACY = "cp1252"  # Western news; charset-normalizer often ties it with cp1250, which garbles à as ŕ
UTF16_NUL_SHARE = 0.3  # BOM-less UTF-16 of Latin text: at least this share of code units has a NUL half


def looks_binary(data: bytes) -> bool:
    """Whether file bytes are binary rather than text (a NUL byte early on, UTF-16 with a byte-order mark excepted)."""
    # UTF-16 text is full of NUL bytes, so honour its byte-order mark before the NUL test.
    return not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in data[:BINARY_SNIFF_BYTES]


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when bytes without a byte-order mark read as UTF-16 text, else None.

    Text in Latin script has a NUL in every code unit's high byte: NULs on one side of each byte pair
    only, and what decodes from them printable. Binary files have NULs on both sides.
    """
    sample = data[: BINARY_SNIFF_BYTES - BINARY_SNIFF_BYTES % 2]
    sample = sample[: len(sample) - len(sample) % 2]
    units = len(sample) // 2
    if units < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= units * UTF16_NUL_SHARE and even == 0:
        encoding = "utf-16-le"
    elif even >= units * UTF16_NUL_SHARE and odd == 0:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError:  # a lone surrogate: not UTF-16 after all
        return None
    printable = sum(c.isprintable() or c in "\t\n\r\f" for c in text)
    return encoding if printable >= 0.95 * len(text) else None


def holds_utf8(data: bytes) -> bool:
    """Whether bytes that aren't valid UTF-8 throughout are still mostly UTF-8: more characters beyond
    ASCII decode than bad bytes are replaced.

    Such text is UTF-8 with a few stray bytes (a cut character, one pasted Latin-1 quote): replacing the
    stray bytes keeps the rest right, where decoding it all as a legacy encoding would garble every accent.
    """
    decoded = data.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    return sum(ord(c) > 127 for c in decoded) - bad > bad


def legacy_encoding(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for bytes that aren't UTF-8, or None when it finds none.

    Among encodings that fit equally well, cp1252 is taken (cp1250 reads Latin-1 "à" as "ŕ").
    """
    import charset_normalizer  # loaded only for the rare file that isn't UTF-8

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if ((match.encoding == PREFERRED_LEGACY or PREFERRED_LEGACY in match.could_be_from_charset)
                and match.chaos <= best.chaos and match.coherence >= best.coherence):
            return PREFERRED_LEGACY
    return best.encoding


def decode_text(data: bytes, origin: str, stats: RunStats) -> str | None:
    """Decode file bytes as text, or return None (counted) when they are binary or empty."""
    encoding: str | None = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif looks_binary(data):
        encoding = utf16_without_bom(data)
        if encoding is None:
            stats.skip(origin, "binary")
            return None
        text = data.decode(encoding, errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            encoding = None if holds_utf8(data) else legacy_encoding(data)
            if encoding is None:
                # Mostly text with a few stray bytes (a cut multibyte char): keep the text.
                text = data.decode("utf-8", errors="replace")
                stats.recover(origin, "invalid utf-8 replaced")
            else:
                text = data.decode(encoding, errors="replace")
    if encoding is not None:
        stats.recover(origin, f"decoded as {codecs.lookup(encoding).name}")
    if not text.strip():
        stats.skip(origin, "empty")
        return None
    return text


def read_text(source: Source, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """One document per text file or stream; its doc_id is the file name without extension."""
    # One byte over the limit is enough to refuse; a gzip stream is decompressed no further than that.
    data = source.stream.read(options.max_input_bytes + 1)
    if len(data) > options.max_input_bytes:
        stats.skip(source.name, "text: too large", f"over {options.max_input_bytes / 1e6:g} MB")
        return
    text = decode_text(data, source.name, stats)
    if text is not None:
        yield InputDocument(doc_id=source.stem, text=text, path=source.name, id_from_input=source.name != STDIN)

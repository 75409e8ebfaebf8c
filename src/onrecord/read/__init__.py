"""Read stage: turn paths (files, folders, `-` for stdin) into a lazy stream of InputDocuments.

The reader contract: a reader is `(source, stats, options) -> Iterator[InputDocument]`, registered in
FORMATS by name (`--input-format`) and in READERS by file suffix. It reads bytes from `source.stream`
(gzip already undone) and never raises on bad input: it records a skip (or a repair) in `stats` with
a one-line reason and goes on with the next document. One source may yield many documents (JSONL,
WARC). Whatever still escapes a reader (a truncated gzip, an I/O error, a library bug on hostile
bytes) is caught in `read_source` and counted, after the documents read before it were yielded.
"""
from __future__ import annotations

import gzip
import io
import os
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from onrecord.document import BadDocumentId, DocumentMetadata, check_doc_id, replace_surrogates
from onrecord.read.base import AUTO, STDIN, STDIN_DOC_ID, CorruptInput, InputDocument, ReadOptions, Reader, Source
from onrecord.read.html import read_html
from onrecord.read.jsonl import read_jsonl
from onrecord.read.text import read_text
from onrecord.read.warc import read_warc
from onrecord.stats import RecordedRunStats, RunStats

GZIP_MAGIC = b"\x1f\x8b"

FORMATS: dict[str, Reader] = {"text": read_text, "html": read_html, "jsonl": read_jsonl, "warc": read_warc}
SUFFIX_FORMATS = {  # a further `.gz` is looked through: `.jsonl.gz`, `.warc.gz`
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".warc": "warc",
}
READERS: dict[str, Reader] = {suffix: FORMATS[name] for suffix, name in SUFFIX_FORMATS.items()}
MULTI_DOCUMENT_FORMATS = frozenset({"jsonl", "warc"})


def split_name(path: Path) -> tuple[str, str]:
    """(stem, suffix) of an input file, looking through a final `.gz`: `news.jsonl.gz` → ("news", ".jsonl")."""
    name = path.name
    if name.lower().endswith(".gz") and "." in name[:-3]:
        name = name[:-3]
    plain = Path(name)
    return plain.stem, plain.suffix.lower()


def format_of(path: Path, options: ReadOptions) -> str:
    """The FORMATS name `path` is read with: the `--input-format`, else by suffix, else text."""
    if options.input_format != AUTO:
        return options.input_format
    return SUFFIX_FORMATS.get(split_name(path)[1], "text")


def find_files(folder: Path, stats: RunStats | None = None) -> list[Path]:
    """Files under `folder` (recursive) that some reader handles, sorted; hidden files and folders left out.

    A folder that can't be listed (no permission) is counted in `stats` as an `unreadable folder`, not
    passed over: Path.rglob would say nothing, and a run would look complete without its files.
    Symbolic links to folders are not followed (as rglob); links to files are read.
    """
    found = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError as error:
            if stats is not None:
                stats.skip(current, "unreadable folder", error.strerror or type(error).__name__)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif entry.is_file() and split_name(Path(entry.name))[1] in READERS:
                    found.append(Path(entry.path))
            except OSError:  # gone since it was listed, or a link that can't be followed: not a file to read
                continue
    return sorted(found)


def expects_many_documents(paths: Iterable[str | Path], options: ReadOptions | None = None) -> bool:
    """Whether a run over `paths` is likely to read many documents (several paths, a folder, JSONL or WARC)."""
    options = options or ReadOptions()
    paths = list(paths)
    if len(paths) > 1:
        return True
    for name in paths:
        if str(name) == STDIN:
            input_format = options.input_format
        elif Path(name).is_dir():
            return True
        else:
            input_format = format_of(Path(name), options)
        if input_format in MULTI_DOCUMENT_FORMATS:
            return True
    return False


def count_documents(paths: Iterable[str | Path], options: ReadOptions | None = None) -> int | None:
    """How many documents a run over `paths` will read, when that is known before reading: one per
    text or HTML file; None when stdin, JSONL or WARC (many documents per file) is among the inputs."""
    options = options or ReadOptions()
    total = 0
    for name in paths:
        if str(name) == STDIN:
            return None
        path = Path(name)
        files = find_files(path) if path.is_dir() else [path] if path.exists() else []
        if any(format_of(file, options) in MULTI_DOCUMENT_FORMATS for file in files):
            return None
        total += len(files)
    return total


class _GzipGuard(io.RawIOBase):
    """The decompressed bytes of a gzip stream; a truncated or corrupt stream raises CorruptInput.

    warcio takes EOFError for the clean end of an archive, so a cut-off .warc.gz would lose its last
    records without a word; an exception of our own can't be mistaken for that.
    """

    def __init__(self, compressed: BinaryIO) -> None:
        super().__init__()
        self._compressed = compressed
        self._gzip = gzip.GzipFile(fileobj=compressed, mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            # read1: one member's worth at a time, so the bytes before a bad spot reach the reader.
            data = self._gzip.read1(len(buffer))
        except EOFError as error:
            raise CorruptInput("gzip: truncated") from error
        except (gzip.BadGzipFile, zlib.error) as error:
            # A file cut in the first bytes of a member's header reads as a bad magic number at the very end.
            if str(error).startswith("Not a gzipped file") and not self._compressed.read(1):
                raise CorruptInput("gzip: truncated") from error
            raise CorruptInput("gzip: corrupt", str(error)) from error
        buffer[: len(data)] = data
        return len(data)


def open_stream(raw: BinaryIO) -> BinaryIO:
    """A buffered byte stream of `raw`, decompressed when it starts with the gzip magic number."""
    stream = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type]
    if stream.peek(2)[:2] == GZIP_MAGIC:  # type: ignore[attr-defined]
        return io.BufferedReader(_GzipGuard(stream))
    return stream


def checked_document(document: InputDocument, stats: RunStats) -> InputDocument | None:
    """`document` fit for the later stages, or None (a counted skip) when its id can't name a document.

    Lone surrogates (a JSON `\\ud800` escape, a file name that isn't UTF-8) are replaced by U+FFFD, a
    counted repair: UTF-8 can't encode them, so the ledger, the JSON output and the terminal would fail on
    them. An id given by the input must pass `check_doc_id`, the rule the web UI applies to the ids it is
    asked for; stand-in ids (`stdin`, `FILE:LINE`) are keyed by the text's hash in the ledger anyway.
    """
    where, replaced = replace_surrogates(document.origin or document.path)[0], 0
    for name in ("doc_id", "text", "path", "origin"):
        value, count = replace_surrogates(getattr(document, name))
        if count:
            setattr(document, name, value)
            replaced += count
    metadata = {}
    for name in DocumentMetadata.__dataclass_fields__:
        value = getattr(document.metadata, name)
        metadata[name], count = replace_surrogates(value) if isinstance(value, str) else (value, 0)
        replaced += count
    if replaced:
        document.metadata = DocumentMetadata(**metadata)
        stats.recover(where, "lone surrogates replaced")
    if document.id_from_input:
        try:
            check_doc_id(document.doc_id)
        except BadDocumentId as error:
            shown = document.doc_id if len(document.doc_id) <= 60 else document.doc_id[:59] + "…"
            stats.skip(where, "bad document id", f"{error}: {shown!r}")
            return None
    return document


def read_source(source: Source, reader: Reader, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """Run `reader` over one opened source, counting its documents and turning any escape into a skip."""
    try:
        source.stream = open_stream(source.stream)
        for document in reader(source, stats, options):
            checked = checked_document(document, stats)
            if checked is not None:
                stats.read += 1
                yield checked
    except CorruptInput as error:
        stats.skip(source.name, error.reason, error.detail)
    except OSError as error:
        stats.skip(source.name, "unreadable", error.strerror or str(error))
    except Exception as error:  # a library bug on one hostile file must not end a run over thousands
        stats.skip(source.name, "read error", f"{type(error).__name__}: {error}")


def read_path(path: Path, stats: RunStats, options: ReadOptions | None = None,
              records: range | None = None) -> Iterator[InputDocument]:
    """Documents from one file (only its `records`, when given); a file named explicitly is read as text when
    no reader claims its suffix."""
    options = options or ReadOptions()
    # A name that isn't UTF-8 (b"\\xff.txt") reaches Python with lone surrogates: shown, stored and keyed
    # with U+FFFD in their place, and opened by its real name.
    name, replaced = replace_surrogates(str(path))
    try:
        mode = path.stat().st_mode
    except OSError as error:
        stats.skip(name, "unreadable", error.strerror or type(error).__name__)
        return
    # A device (/dev/zero, /dev/urandom) never ends; a named pipe (`<(zcat …)`) is a stream, read as stdin is
    # (a folder fails to open below: read_inputs never hands one over, it lists it).
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISDIR(mode)):
        stats.skip(name, "not a regular file", file_kind(mode))
        return
    if replaced:
        stats.recover(name, "file name not UTF-8")
    try:
        raw = path.open("rb")
    except OSError as error:
        stats.skip(name, "unreadable", error.strerror or type(error).__name__)
        return
    with raw:
        stem = replace_surrogates(split_name(path)[0])[0]
        source = Source(name, stem, raw, records)
        yield from read_source(source, FORMATS[format_of(path, options)], stats, options)


def file_kind(mode: int) -> str:
    """What a file that isn't a regular one is, in a word or two."""
    kinds = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((word for test, word in kinds if test(mode)), "not a file")


def read_stdin(stdin: TextIO | None, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """Documents from standard input, read as bytes where possible so decoding matches files."""
    if stdin is None:  # a process started without standard input
        stats.skip(STDIN, "unreadable", "no standard input")
        return
    stream = getattr(stdin, "buffer", None)
    if stream is None:  # a text-only stream (no .buffer): re-encode so one decoder applies
        try:
            stream = io.BytesIO(stdin.read().encode("utf-8", errors="replace"))
        except (OSError, UnicodeDecodeError) as error:
            stats.skip(STDIN, "unreadable", str(error))
            return
    input_format = options.input_format if options.input_format != AUTO else "text"
    yield from read_source(Source(STDIN, STDIN_DOC_ID, stream), FORMATS[input_format], stats, options)


def input_files(paths: Iterable[str | Path], stats: RunStats) -> Iterator[Path | str]:
    """Lazily, every file `paths` names, in order: a folder's files sorted, `-` (stdin) as is; a missing path
    or a folder without readable files is a counted skip."""
    for name in paths:
        if str(name) == STDIN:
            yield STDIN
            continue
        path = Path(name)
        if path.is_dir():
            unreadable = stats.skipped["unreadable folder"]
            files = find_files(path, stats)
            if not files and stats.skipped["unreadable folder"] == unreadable:  # one that can't be read isn't empty
                stats.skip(path, "empty folder", f"no {'/'.join(sorted(READERS))} files")
            yield from files
        elif path.exists():
            yield path
        else:
            stats.skip(path, "missing path")


def read_inputs(
    paths: Iterable[str | Path], stats: RunStats, stdin: TextIO | None = None, options: ReadOptions | None = None
) -> Iterator[InputDocument]:
    """Lazily read every input named in `paths` (files, folders, `-`), counting skips in `stats`."""
    options = options or ReadOptions()
    for file in input_files(paths, stats):
        if file == STDIN:
            yield from read_stdin(stdin if stdin is not None else sys.stdin, stats, options)
        else:
            yield from read_path(Path(file), stats, options)


__all__ = [
    "AUTO", "CorruptInput", "FORMATS", "InputDocument", "MULTI_DOCUMENT_FORMATS", "READERS", "ReadOptions", "RunStats",
    "RecordedRunStats", "Reader", "STDIN", "STDIN_DOC_ID", "SUFFIX_FORMATS", "Source", "checked_document",
    "count_documents", "expects_many_documents",
    "find_files", "format_of", "input_files", "read_inputs", "read_path", "read_source", "read_stdin", "split_name",
]

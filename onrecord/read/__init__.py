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
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

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


def find_files(folder: Path) -> list[Path]:
    """Files under `folder` (recursive) that some reader handles, sorted; hidden files and folders left out."""
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and split_name(path)[1] in READERS and not any(p.startswith(".") for p in relative.parts):
            found.append(path)
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


def read_source(source: Source, reader: Reader, stats: RunStats, options: ReadOptions) -> Iterator[InputDocument]:
    """Run `reader` over one opened source, counting its documents and turning any escape into a skip."""
    try:
        source.stream = open_stream(source.stream)
        for document in reader(source, stats, options):
            stats.read += 1
            yield document
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
    try:
        raw = path.open("rb")
    except OSError as error:
        stats.skip(path, "unreadable", error.strerror or type(error).__name__)
        return
    with raw:
        stem = split_name(path)[0]
        source = Source(str(path), stem, raw, records)
        yield from read_source(source, FORMATS[format_of(path, options)], stats, options)


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
            files = find_files(path)
            if not files:
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
    "RecordedRunStats", "Reader", "STDIN", "STDIN_DOC_ID", "SUFFIX_FORMATS", "Source", "count_documents",
    "expects_many_documents",
    "find_files", "format_of", "input_files", "read_inputs", "read_path", "read_source", "read_stdin", "split_name",
]

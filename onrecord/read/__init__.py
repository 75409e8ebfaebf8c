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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from onrecord.document import DocumentMetadata

STDIN = "-"
STDIN_DOC_ID = "stdin"
AUTO = "auto"
GZIP_MAGIC = b"\x1f\x8b"
MESSAGES_PER_REASON = 20  # stderr lines per skip reason; past that a reason is only counted


@dataclass
class InputDocument:
    """One text to extract from: `doc_id` names it in the output, `path` says where it came from."""

    doc_id: str
    text: str
    path: str  # "-" for stdin
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)  # what the input format told
    # False when doc_id is a stand-in (stdin, a JSONL line number): the ledger then keys on the text's hash
    id_from_input: bool = True


@dataclass(frozen=True)
class ReadOptions:
    """How inputs are read: format, JSONL field names, limits. Field names left None try common names."""

    input_format: str = AUTO  # AUTO: by file suffix (stdin: text); else a FORMATS name for every input
    text_field: str | None = None  # JSONL field names; see onrecord/read/jsonl.py for the defaults tried
    id_field: str | None = None
    url_field: str | None = None
    date_field: str | None = None
    title_field: str | None = None
    timeout: float = 30.0  # seconds per document for HTML extraction; 0: no limit
    max_html_bytes: int = 10_000_000  # larger pages are skipped unparsed ("html: too large")


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


@dataclass
class ReadStats:
    """What the readers forwarded, and what they dropped or repaired, by reason."""

    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    recovered: Counter[str] = field(default_factory=Counter)  # read anyway, after a repair
    messages: list[str] = field(default_factory=list)  # one line per skip or repair, for stderr

    def skip(self, path: str | Path, reason: str, detail: str = "") -> None:
        """Count a dropped input under `reason` (listed in `messages` up to MESSAGES_PER_REASON times)."""
        self.count("skipped", reason, f"skipped {path}: {reason}" + (f" ({detail})" if detail else ""))

    def recover(self, path: str | Path, reason: str) -> None:
        """Count an input that was read after a repair (e.g. undecodable bytes replaced)."""
        self.count("recovered", reason, f"repaired {path}: {reason}")

    def count(self, kind: str, reason: str, message: str) -> None:
        """Count one skip or repair (`kind`: "skipped" or "recovered") with its message line.

        What `skip` and `recover` call, and how a shard's skips, recorded by a worker, are counted where it is merged.
        """
        counter: Counter[str] = getattr(self, kind)
        counter[reason] += 1
        self._note(counter[reason], reason, message)

    def _note(self, count: int, reason: str, message: str) -> None:
        """Keep a message line; a WARC of 30,000 request records must not print 30,000 lines."""
        if count <= MESSAGES_PER_REASON:
            self.messages.append(message)
        elif count == MESSAGES_PER_REASON + 1:
            self.messages.append(f"… more '{reason}' are counted in the summary, not listed")

    @property
    def skipped_total(self) -> int:
        """How many inputs were dropped, all reasons together."""
        return sum(self.skipped.values())


@dataclass
class RecordedStats(ReadStats):
    """ReadStats that also keep every skip and repair, in order, to be counted again elsewhere (a shard's, at merge)."""

    events: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, reason, message)

    def count(self, kind: str, reason: str, message: str) -> None:
        super().count(kind, reason, message)
        self.events.append((kind, reason, message))


Reader = Callable[[Source, ReadStats, ReadOptions], Iterator[InputDocument]]


def fill_missing(metadata: DocumentMetadata, fallback: DocumentMetadata) -> DocumentMetadata:
    """`metadata`, with each field it lacks taken from `fallback` (a JSONL record's fields over its page's)."""
    return DocumentMetadata(
        **{name: getattr(metadata, name) or getattr(fallback, name) for name in DocumentMetadata.__dataclass_fields__}
    )

# Imported here, after the contract they build on, because the readers import the types above.
from onrecord.read.html import read_html  # noqa: E402
from onrecord.read.jsonl import read_jsonl  # noqa: E402
from onrecord.read.text import read_text  # noqa: E402
from onrecord.read.warc import read_warc  # noqa: E402

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


def read_source(source: Source, reader: Reader, stats: ReadStats, options: ReadOptions) -> Iterator[InputDocument]:
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


def read_path(path: Path, stats: ReadStats, options: ReadOptions | None = None,
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


def read_stdin(stdin: TextIO | None, stats: ReadStats, options: ReadOptions) -> Iterator[InputDocument]:
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


def input_files(paths: Iterable[str | Path], stats: ReadStats) -> Iterator[Path | str]:
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
    paths: Iterable[str | Path], stats: ReadStats, stdin: TextIO | None = None, options: ReadOptions | None = None
) -> Iterator[InputDocument]:
    """Lazily read every input named in `paths` (files, folders, `-`), counting skips in `stats`."""
    options = options or ReadOptions()
    for file in input_files(paths, stats):
        if file == STDIN:
            yield from read_stdin(stdin if stdin is not None else sys.stdin, stats, options)
        else:
            yield from read_path(Path(file), stats, options)


__all__ = ["count_documents", 
    "AUTO", "CorruptInput", "FORMATS", "InputDocument", "MULTI_DOCUMENT_FORMATS", "READERS", "ReadOptions", "ReadStats",
    "RecordedStats",
    "Reader", "STDIN", "STDIN_DOC_ID", "SUFFIX_FORMATS", "Source", "expects_many_documents", "fill_missing",
    "find_files", "format_of", "input_files", "read_inputs", "read_path", "read_source", "read_stdin", "split_name",
]

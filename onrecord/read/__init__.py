"""Read stage: turn paths (files, folders, `-` for stdin) into a lazy stream of InputDocuments.

The reader contract: a reader is `(path, stats) -> Iterator[InputDocument]`, registered in READERS by
file suffix. A reader never raises on bad input; it records a skip (or a recovery) in `stats` with a
one-line reason. One file may yield several documents (JSONL, WARC readers to come).
"""
from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from onrecord.document import DocumentMetadata

STDIN = "-"


@dataclass
class InputDocument:
    """One text to extract from: `doc_id` names it in the output, `path` says where it came from."""

    doc_id: str
    text: str
    path: str  # "-" for stdin
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)  # what the input format told


@dataclass
class ReadStats:
    """What the readers forwarded, and what they dropped or repaired, by reason."""

    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    recovered: Counter[str] = field(default_factory=Counter)  # read anyway, after a repair
    messages: list[str] = field(default_factory=list)  # one line per skip or repair, for stderr

    def skip(self, path: str | Path, reason: str, detail: str = "") -> None:
        """Count a dropped input under `reason`."""
        self.skipped[reason] += 1
        self.messages.append(f"skipped {path}: {reason}" + (f" ({detail})" if detail else ""))

    def recover(self, path: str | Path, reason: str) -> None:
        """Count an input that was read after a repair (e.g. undecodable bytes replaced)."""
        self.recovered[reason] += 1
        self.messages.append(f"repaired {path}: {reason}")

    @property
    def skipped_total(self) -> int:
        """How many inputs were dropped, all reasons together."""
        return sum(self.skipped.values())


Reader = Callable[[Path, ReadStats], Iterator[InputDocument]]

# Imported here, after the contract it builds on, because the readers import InputDocument/ReadStats.
from onrecord.read.text import read_stream, read_text_file  # noqa: E402

READERS: dict[str, Reader] = {".txt": read_text_file}


def find_files(folder: Path) -> list[Path]:
    """Files under `folder` (recursive) that some reader handles, sorted; hidden files and folders left out."""
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and path.suffix.lower() in READERS and not any(p.startswith(".") for p in relative.parts):
            found.append(path)
    return sorted(found)


def read_path(path: Path, stats: ReadStats) -> Iterator[InputDocument]:
    """Documents from one named file; a file named explicitly is read as text when no reader claims its suffix."""
    reader = READERS.get(path.suffix.lower(), read_text_file)
    yield from reader(path, stats)


def read_inputs(paths: Iterable[str | Path], stats: ReadStats, stdin: TextIO | None = None) -> Iterator[InputDocument]:
    """Lazily read every input named in `paths` (files, folders, `-`), counting skips in `stats`."""
    for name in paths:
        if str(name) == STDIN:
            yield from read_stream(stdin if stdin is not None else sys.stdin, stats)
            continue
        path = Path(name)
        if path.is_dir():
            files = find_files(path)
            if not files:
                stats.skip(path, "empty folder", f"no {'/'.join(sorted(READERS))} files")
            for file in files:
                yield from read_path(file, stats)
        elif path.exists():
            yield from read_path(path, stats)
        else:
            stats.skip(path, "missing path")


__all__ = ["InputDocument", "ReadStats", "Reader", "READERS", "STDIN", "find_files", "read_inputs", "read_path"]

"""Sharded ingest: the inputs planned as shards, each shard read, cleaned and extracted into one Parquet file
by a worker, and the finished shards merged into the ledger, in plan order, through the one writer.

Engine-independent: an executor runs `process_shard` somewhere and hands back each shard's Parquet
bytes — `InProcessExecutor` here, one shard after another; `RayExecutor` (onrecord/run/ray.py)
on a Ray cluster. As in datatrove, a shard is a deterministic slice of the inputs (files in input order,
a big JSONL file cut into windows of lines), keyed by the files' paths, sizes and modification times,
the pipeline version and the options; its finished file is kept in the work folder (`<ledger>.shards/`)
until the run has merged every shard, so a run that fails or is killed leaves its finished shards, and
the next run processes only the others. The merge is the in-process ingest's writing side
(`LedgerWriter`) fed in input order, so the ledger ends exactly as `ingest` leaves it.

A ledger that takes concurrent writers (PostgreSQL: `CONCURRENT_WRITERS`) is written by the workers
themselves, a batch per transaction, side by side: no shard files, and the driver's merge only counts
what each shard reports. Ids read twice are found before the workers start (`later_occurrences`), so
each keeps its first document, as the one writer would.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol

from onrecord.read import STDIN, ReadOptions, RunStats, RecordedRunStats, format_of, input_files, open_stream, read_path
from onrecord.pipeline import pipeline_version
from onrecord.run.ingest import (
    IngestOptions, IngestReport, LedgerWriter, PreparedDocument, ShardReport, key_document, make_storable,
    prepare_document,
)
from onrecord.store.backend import open_ledger
from onrecord.store.ledger import Ledger, RowsError
from onrecord.store.rows import ATTRIBUTION_SCHEMA, DOCUMENT_SCHEMA

PLAN_VERSION = 3  # part of every shard key: bump it when a shard file's contents change meaning (2: act, floating;
# 3: speaker gender)
DEFAULT_SHARD_SIZE = 100  # records per shard: what a retry redoes, against per-shard overhead (~ms)
SHARD_METADATA = b"onrecord.shard"  # Parquet key-value metadata: the shard's key, read count and skips
TO_THE_END = sys.maxsize
# Test hook, read only by `crash_hook`: "<shard index>:<marker file>:<attempts>" makes the worker processing
# that shard kill its own process on each of its first <attempts> tries (counted as lines in the marker
# file). Unset outside the tests in tests/test_ray_engine.py.
CRASH_HOOK_ENV = "ONRECORD_TEST_KILL_SHARD"


class ShardError(Exception):
    """A sharded ingest that can't go on (work folder not writable, no Ray, engine unreachable): one line."""


@dataclass(frozen=True)
class ShardPiece:
    """One file of a shard, whole or a window of its records (JSONL lines `first` ≤ n < `stop`)."""

    path: str
    records: tuple[int, int] | None = None

    def window(self) -> range | None:
        """The record numbers to read, or None for the whole file."""
        return None if self.records is None else range(*self.records)


@dataclass(frozen=True)
class ShardTask:
    """A shard as planned: its place in input order, its pieces, and the key that recognises its finished file."""

    index: int
    pieces: tuple[ShardPiece, ...]
    key: str
    # (a ledger its workers write) its documents, by their order in the shard, whose id an earlier one of the
    # run had: duplicates, which the one writer of a merged ingest would skip, so they are not written
    duplicates: frozenset[int] = frozenset()

    @property
    def file_name(self) -> str:
        return f"shard-{self.index:05d}-{self.key[:16]}.parquet"


@dataclass
class ShardOptions:
    """How a sharded ingest cuts its inputs and where it keeps finished shards."""

    shard_size: int = DEFAULT_SHARD_SIZE  # records (files, JSONL lines) per shard
    work_dir: Path | None = None  # None: next to the ledger, `<ledger>.shards`


@dataclass
class ShardOutcome:
    """An executor's answer for one shard: its Parquet file's bytes, or why it failed."""

    index: int
    data: bytes | None = None
    error: str | None = None


class StoredIndex:
    """The documents a ledger holds under one pipeline, as sorted 16-byte fingerprints of (doc_id, text hash):
    what a worker needs to skip unchanged documents, at 16 bytes a document (16 MB for a million)."""

    WIDTH = 16

    def __init__(self, fingerprints: Iterable[bytes] = ()) -> None:
        self.blob = b"".join(sorted(set(fingerprints)))

    @staticmethod
    def fingerprint(doc_id: str, digest: str) -> bytes:
        return hashlib.sha256(f"{doc_id}\x00{digest}".encode("utf-8", "surrogatepass")).digest()[:StoredIndex.WIDTH]

    @classmethod
    def from_hashes(cls, hashes: dict[str, tuple[str, str]], pipeline: str) -> "StoredIndex":
        """From `Ledger.document_hashes()`: the documents stored by `pipeline`."""
        return cls(cls.fingerprint(doc_id, digest) for doc_id, (digest, stored_by) in hashes.items()
                   if stored_by == pipeline)

    def __len__(self) -> int:
        return len(self.blob) // self.WIDTH

    def contains(self, doc_id: str, digest: str) -> bool:
        """Whether this document, with this text, is stored (a binary search over the fingerprints)."""
        target, width = self.fingerprint(doc_id, digest), self.WIDTH
        low, high = 0, len(self)
        while low < high:
            middle = (low + high) // 2
            if self.blob[middle * width:(middle + 1) * width] < target:
                low = middle + 1
            else:
                high = middle
        return self.blob[low * width:(low + 1) * width] == target


@dataclass
class ShardJob:
    """What every worker needs for every shard of a run (sent to each worker once)."""

    options: IngestOptions
    pipeline: str
    stored: StoredIndex
    cwd: str  # the driver's working folder: relative input paths are relative to it
    ledger: str | None = None  # a ledger that takes concurrent writers (its URL): the workers store their shards


class ShardExecutor(Protocol):
    """Runs `process_shard` for each task somewhere, yielding outcomes as shards finish (in any order)."""

    workers: int

    def run(self, tasks: Sequence[ShardTask], job: ShardJob) -> Iterator[ShardOutcome]: ...


# -- planning ----------------------------------------------------------------------------------------

def count_lines(path: Path) -> int | None:
    """How many lines a plain or gzipped file holds; None when it can't be read to its end (then it is not cut)."""
    try:
        with path.open("rb") as raw:
            stream = open_stream(raw)
            lines, last = 0, b""
            while chunk := stream.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except Exception:  # a truncated gzip, an I/O error: the reader counts it when it reads the file whole
        return None
    return lines + (last not in (b"", b"\n"))


def file_pieces(path: Path, options: ReadOptions, shard_size: int) -> list[tuple[ShardPiece, int]]:
    """A file as shard pieces with their record counts: JSONL cut into windows of `shard_size` lines, a text
    or HTML file whole (one record), a WARC whole (a shard of its own: its records can't be counted cheaply)."""
    input_format = format_of(path, options)
    if input_format == "jsonl":
        lines = count_lines(path)
        if lines is None or lines <= shard_size:
            return [(ShardPiece(str(path)), lines or 1)]
        pieces = []
        for first in range(1, lines + 1, shard_size):
            last_window = first + shard_size > lines  # open-ended, so that no line is ever left out
            stop = TO_THE_END if last_window else first + shard_size
            pieces.append((ShardPiece(str(path), (first, stop)), min(shard_size, lines + 1 - first)))
        return pieces
    return [(ShardPiece(str(path)), shard_size if input_format == "warc" else 1)]


def shard_key(pieces: Sequence[ShardPiece], salt: str) -> str:
    """A shard's identity: its pieces with each file's size and modification time, and the run's options."""
    described = []
    for piece in pieces:
        try:
            status = os.stat(piece.path)
            stamp = [status.st_size, status.st_mtime_ns]
        except OSError:
            stamp = None
        described.append([piece.path, piece.records, stamp])
    return hashlib.sha256(json.dumps([PLAN_VERSION, salt, described]).encode("ascii")).hexdigest()


def run_salt(options: IngestOptions, pipeline: str) -> str:
    """What, besides its inputs, decides a shard's contents: the pipeline version and the read and extract options."""
    return json.dumps([pipeline, asdict(options.read), asdict(options.extract)], sort_keys=True)


def plan_shards(paths: Iterable[str | Path], options: ReadOptions, shard_size: int, stats: RunStats,
                salt: str = "") -> list[ShardTask]:
    """The shards of a run, in input order, of about `shard_size` records each; missing paths and empty
    folders are counted in `stats` here, as `read_inputs` counts them."""
    groups: list[list[ShardPiece]] = []
    group: list[ShardPiece] = []
    size = 0
    for file in input_files(paths, stats):
        if file == STDIN:
            raise ShardError("a sharded ingest reads files and folders, not standard input (-)")
        for piece, records in file_pieces(Path(file), options, shard_size):
            if group and size + records > shard_size:
                groups.append(group)
                group, size = [], 0
            group.append(piece)
            size += records
    if group:
        groups.append(group)
    return [ShardTask(index, tuple(pieces), shard_key(pieces, salt)) for index, pieces in enumerate(groups)]


# -- processing (on a worker) ------------------------------------------------------------------------

def crash_hook(index: int) -> None:
    """Test hook (CRASH_HOOK_ENV): kill this worker process with SIGKILL on the first tries at shard `index`
    (called once the shard's first document is extracted, so the kill lands in the middle of the shard)."""
    spec = os.environ.get(CRASH_HOOK_ENV)
    if not spec:
        return
    shard, rest = spec.split(":", 1)
    marker, attempts = rest.rsplit(":", 1)
    if int(shard) != index:
        return
    path = Path(marker)
    tried = len(path.read_text().splitlines()) if path.exists() else 0
    with path.open("a") as log:
        log.write(f"{os.getpid()}\n")
    if tried < int(attempts):
        os.kill(os.getpid(), signal.SIGKILL)


def process_shard(task: ShardTask, job: ShardJob) -> bytes:
    """Read, clean and extract one shard's documents (those stored unchanged are not extracted): its Parquet bytes."""
    stats = RecordedRunStats()
    prepared: list[PreparedDocument] = []
    seen: set[str] = set()
    for piece in task.pieces:
        for item in read_path(Path(piece.path), stats, job.options.read, piece.window()):
            digest = key_document(item)
            if item.doc_id in seen or len(prepared) in task.duplicates:  # which the merge counts: not extracted
                prepared.append(PreparedDocument(item.doc_id, item.path, digest))
            else:
                prepared.append(prepare_document(item, digest, job.options, job.pipeline, job.stored.contains,
                                                 stats))
            seen.add(item.doc_id)
            if len(prepared) == 1:
                crash_hook(task.index)  # (tests) a worker killed in the middle of a shard, its first document done
    if job.ledger is not None:
        return store_shard(prepared, stats, task, job)
    return shard_parquet(prepared, stats, task.key)


_ledgers: dict[str, Ledger] = {}  # a worker's open ledgers, by URL: opened once, kept for the next shards


def store_shard(prepared: list[PreparedDocument], stats: RecordedRunStats, task: ShardTask, job: ShardJob) -> bytes:
    """Store a shard's extracted documents from this worker, a batch per transaction, beside the other workers
    (a ledger with CONCURRENT_WRITERS); returns what the driver counts: the shard without its rows, pickled."""
    if job.ledger not in _ledgers:
        _ledgers[job.ledger] = open_ledger(job.ledger)
    ledger = _ledgers[job.ledger]
    extracted = [p for p in prepared if p.document is not None]
    for document in extracted:
        make_storable(document, stats)
    size = job.options.batch_size
    for batch in (extracted[start:start + size] for start in range(0, len(extracted), size)):
        try:
            ledger.write_rows([p.document for p in batch], [row for p in batch for row in p.attributions])
        except RowsError:  # one document at a time, as the one writer does; one that still fails is a skip
            for document in batch:
                try:
                    ledger.write_rows([document.document], document.attributions)
                except RowsError as error:
                    document.skip, document.document = ("cannot store", f"{document.doc_id}: {error}"), None
    for document in extracted:
        if document.document is not None:
            document.written, document.document, document.attributions = len(document.attributions), None, []
    return pickle.dumps(ShardContents(task.key, stats.read, stats.events, prepared))


def later_occurrences(tasks: Sequence[ShardTask], options: ReadOptions) -> list[ShardTask]:
    """The tasks with their `duplicates`: read and keyed here (not extracted), in input order, so that workers
    that write side by side leave each id's first document, as the one writer of a merged ingest does."""
    seen: set[str] = set()
    marked = []
    for task in tasks:
        later, ordinal = set(), 0
        for piece in task.pieces:
            for item in read_path(Path(piece.path), RecordedRunStats(), options, piece.window()):
                key_document(item)
                if item.doc_id in seen:
                    later.add(ordinal)
                seen.add(item.doc_id)
                ordinal += 1
        marked.append(replace(task, duplicates=frozenset(later)))
    return marked


def shard_schema():
    """The Arrow schema of a shard file: one row per document read, in input order, with its ledger rows."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema([
        ("doc_id", text), ("path", text), ("text_hash", text), ("unchanged", pa.bool_()),
        ("skip_reason", text), ("skip_message", text),
        ("document", pa.struct(list(DOCUMENT_SCHEMA()))),
        ("attributions", pa.list_(pa.struct(list(ATTRIBUTION_SCHEMA())))),
    ])


def shard_parquet(prepared: Sequence[PreparedDocument], stats: RecordedRunStats, key: str) -> bytes:
    """A shard's documents and its reading's counts and skips (in the file's metadata) as Parquet bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"doc_id": p.doc_id, "path": p.path, "text_hash": p.text_hash, "unchanged": p.unchanged,
             "skip_reason": p.skip[0] if p.skip else None, "skip_message": p.skip[1] if p.skip else None,
             "document": p.document, "attributions": p.attributions} for p in prepared]
    table = pa.Table.from_pylist(rows, schema=shard_schema())
    metadata = {"key": key, "read": stats.read, "events": stats.events}
    table = table.replace_schema_metadata({SHARD_METADATA: json.dumps(metadata).encode("ascii")})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


# -- merging (in the driver) -------------------------------------------------------------------------

@dataclass
class ShardContents:
    """A finished shard file read back: its key, how many documents its reading read, its skips, its documents."""

    key: str
    read: int
    events: list[tuple[str, str, str]]
    documents: list[PreparedDocument]


def read_shard(path: Path) -> ShardContents:
    """A finished shard file's contents."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    metadata = json.loads(table.schema.metadata[SHARD_METADATA])
    documents = [
        PreparedDocument(row["doc_id"], row["path"], row["text_hash"], row["document"], row["attributions"] or [],
                         row["unchanged"], (row["skip_reason"], row["skip_message"]) if row["skip_reason"] else None)
        for row in table.to_pylist()]
    return ShardContents(metadata["key"], metadata["read"], [tuple(e) for e in metadata["events"]], documents)


def reusable(path: Path, task: ShardTask, writer: LedgerWriter) -> bool:
    """Whether an earlier run's file for `task` can be merged as it is: it reads, it is this task's, and the
    documents it found stored unchanged still are (another run may have replaced them since)."""
    if not path.is_file():
        return False
    try:
        contents = read_shard(path)
    except Exception:  # cut short, or not a shard file: processed again
        return False
    return contents.key == task.key and all(
        writer.is_stored(d.doc_id, d.text_hash) for d in contents.documents if d.unchanged)


def merge_shard(path: Path, writer: LedgerWriter) -> None:
    """Count a finished shard's reading and hand its documents, in input order, to the run's one writer."""
    merge_contents(read_shard(path), writer)


def merge_contents(contents: ShardContents, writer: LedgerWriter) -> None:
    """Count a shard's reading and its documents, in input order; the writer stores those it has rows of."""
    stats = writer.report.stats
    stats.read += contents.read
    for kind, reason, message in contents.events:
        stats.count(kind, reason, message)
    for prepared in contents.documents:
        if not writer.take_duplicate(prepared.doc_id, prepared.path):
            writer.accept(prepared)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (temp file, fsync, rename): a killed run never leaves half a shard."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def default_work_dir(ledger: Ledger) -> Path:
    """Where a ledger's shards are kept until merged: `ledger.duckdb.shards/` next to it."""
    return ledger.path.with_name(ledger.path.name + ".shards")


def open_work_dir(folder: Path) -> None:
    """Create the work folder, and clear temp files a killed run left in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("shard-*.tmp"):
            leftover.unlink()
    except OSError as error:
        raise ShardError(f"cannot use {folder} as the work folder for shards: {error.strerror or error}") from None


class InProcessExecutor:
    """Runs the shards one after another in this process: the sharded ingest without an engine."""

    workers = 1

    def run(self, tasks: Sequence[ShardTask], job: ShardJob) -> Iterator[ShardOutcome]:
        for task in tasks:
            try:
                data = process_shard(task, job)
            except Exception as error:  # one shard's failure is reported, and the next run retries it
                yield ShardOutcome(task.index, error=f"{type(error).__name__}: {error}")
            else:
                yield ShardOutcome(task.index, data=data)


def ingest_shards(
    ledger: Ledger,
    paths: Iterable[str | Path],
    options: IngestOptions | None = None,
    executor: ShardExecutor | None = None,
    shard_options: ShardOptions | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Plan shards, have `executor` process those not finished earlier, merge them all into `ledger` in input
    order as they finish, then refresh; `on_progress` is called after each merge. Failed shards are listed in
    `report.shards.failed` (the others are stored): the next run with the same inputs processes only them."""
    options = options or IngestOptions()
    executor = executor or InProcessExecutor()
    shard_options = shard_options or ShardOptions()
    report = IngestReport()
    started = time.perf_counter()
    pipeline = pipeline_version(options.extract)
    tasks = plan_shards(paths, options.read, shard_options.shard_size, report.stats, run_salt(options, pipeline))
    # A ledger that takes concurrent writers is written by the workers: no shard files, nothing merged but counts.
    concurrent = ledger.CONCURRENT_WRITERS
    work_dir = None if concurrent else shard_options.work_dir or default_work_dir(ledger)
    if work_dir is None:
        tasks = later_occurrences(tasks, options.read)
    else:
        open_work_dir(work_dir)
    shards = report.shards = ShardReport(total=len(tasks), workers=executor.workers, work_dir=str(work_dir or ""))
    writer = LedgerWriter(ledger, pipeline, report, options.batch_size)
    finished: dict[int, bool] = {}  # shard index → whether it has a file (or, written by workers, counts) to merge
    stored: dict[int, ShardContents] = {}  # the shards workers wrote, as they reported them
    todo = []
    for task in tasks:
        if work_dir is not None and reusable(work_dir / task.file_name, task, writer):
            finished[task.index] = True
            shards.reused += 1
        else:
            todo.append(task)
    merged = 0

    def merge_ready() -> None:
        """Merge the finished shards that follow the last merged one (shards merge in input order)."""
        nonlocal merged
        while merged < len(tasks) and merged in finished:
            if finished[merged] and work_dir is None:
                merge_contents(stored.pop(merged), writer)
            elif finished[merged]:
                merge_shard(work_dir / tasks[merged].file_name, writer)
            merged += 1
        if on_progress:
            on_progress(report)

    merge_ready()
    if todo:
        job = ShardJob(options, pipeline, StoredIndex.from_hashes(writer.stored, pipeline), os.getcwd(),
                       ledger.url if concurrent else None)  # type: ignore[attr-defined]
        for outcome in executor.run(todo, job):
            if outcome.data is not None and work_dir is None:
                stored[outcome.index] = pickle.loads(outcome.data)
                shards.processed += 1
            elif outcome.data is not None:
                try:
                    write_atomically(work_dir / tasks[outcome.index].file_name, outcome.data)
                except OSError as error:
                    raise ShardError(f"cannot write a shard in {work_dir}: {error.strerror or error}") from None
                shards.processed += 1
            else:
                shards.failed.append((outcome.index, outcome.error or "unknown error"))
            finished[outcome.index] = outcome.data is not None
            merge_ready()
        for task in todo:
            if task.index not in finished:  # an executor that stopped short: failed like any other shard
                shards.failed.append((task.index, "no result from the engine"))
                finished[task.index] = False
        merge_ready()
    writer.finish()
    if not shards.failed and work_dir is not None:  # every shard is in the ledger: the files have done their job
        for task in tasks:
            (work_dir / task.file_name).unlink(missing_ok=True)
        try:
            work_dir.rmdir()
        except OSError:  # not empty (someone else's files) or already gone
            pass
    report.elapsed = time.perf_counter() - started
    return report

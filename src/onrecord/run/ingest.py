"""Ingest: read → clean → extract → store, in batches of one transaction each, then refresh.

Idempotent: a document is keyed by the id its input gives (file name, JSONL id, WARC record id),
else by its text's hash; one stored with the same text by the same pipeline is skipped before
extraction, a changed one replaces the stored one. A run killed at any moment loses at most the
batch in flight, which the next run redoes: the ledger ends as an uninterrupted run leaves it.

An ingest has a reading side (`key_document`, `prepare_document`: one input document keyed, and
extracted unless stored unchanged) and a writing side (`LedgerWriter`: duplicates, counts, batches, in
input order). `ingest` runs both in this process; the sharded engines (`onrecord/run/shards.py`) run
the reading side on workers, one shard at a time, and the writing side where the shards are merged.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from onrecord.document import Document, replace_surrogates
from onrecord.options import ExtractOptions
from onrecord.pipeline import extract_item, pipeline_version
from onrecord.read import InputDocument, ReadOptions, RunStats, RecordedRunStats, read_inputs
from onrecord.store.ledger import Ledger, RowsError
from onrecord.store.rows import attribution_rows, content_doc_id, document_row, text_hash

BATCH_SIZE = 32  # documents per transaction: what a crash can cost, against per-commit overhead
DUPLICATE = "duplicate document id"


@dataclass
class IngestOptions:
    """How an ingest reads, extracts and writes (one object instead of a dozen keyword arguments)."""

    extract: ExtractOptions = field(default_factory=ExtractOptions)
    read: ReadOptions = field(default_factory=ReadOptions)
    batch_size: int = BATCH_SIZE


@dataclass
class ShardReport:
    """What a sharded ingest did with its shards."""

    total: int = 0
    processed: int = 0  # by workers in this run
    reused: int = 0  # finished by an earlier run, merged as they were
    failed: list[tuple[int, str]] = field(default_factory=list)  # (shard index, why), after the engine's retries
    workers: int = 1
    work_dir: str = ""



@dataclass
class IngestReport:
    """What an ingest run did: documents added, updated, unchanged and skipped (by reason), and timings."""

    stats: RunStats = field(default_factory=RunStats)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    attributions: int = 0  # attributions written by this run
    elapsed: float = 0.0  # seconds, the whole run
    database_seconds: float = 0.0  # of which writing batches and refreshing speakers and the index
    shards: ShardReport | None = None  # what a sharded engine did with its shards; None in-process

    @property
    def processed(self) -> int:
        """Documents read and accounted for: added, updated or found unchanged."""
        return self.added + self.updated + self.unchanged

    @property
    def docs_per_second(self) -> float:
        """Processed documents per second of the whole run."""
        return self.processed / self.elapsed if self.elapsed else 0.0


@dataclass
class PreparedDocument:
    """One input document as the reading side hands it to the writing side: its key, and its ledger rows."""

    doc_id: str
    path: str
    text_hash: str
    document: dict[str, Any] | None = None  # the documents-table row, when extracted
    attributions: list[dict[str, Any]] = field(default_factory=list)  # its attributions-table rows
    unchanged: bool = False  # found stored with this text by this pipeline, so not extracted
    skip: tuple[str, str] | None = None  # (reason, message line) when extraction failed
    written: int | None = None  # stored already, with this many attributions, by the worker (rows not carried)


def key_document(item: InputDocument) -> str:
    """Give `item` its ledger key (an id-less document is keyed by its text's hash); returns the text hash."""
    if not item.id_from_input:
        item.doc_id = content_doc_id(item.text)
    return text_hash(item.text)


def prepare_document(item: InputDocument, digest: str, options: IngestOptions, pipeline: str,
                     is_stored: Callable[[str, str], bool], stats: RunStats | None = None) -> PreparedDocument:
    """Extract one keyed document into ledger rows, unless `is_stored(doc_id, digest)` says it is stored unchanged;
    repairs made while extracting (a text cut at max_chars) are counted in `stats`."""
    prepared = PreparedDocument(item.doc_id, item.path, digest)
    if is_stored(item.doc_id, digest):
        prepared.unchanged = True
        return prepared
    recorded = RecordedRunStats()  # this document's own: the writer counts its skip unless it turns out a duplicate
    doc = extract_item(item, recorded, options.extract, options.read.timeout or None)
    for kind, reason, message in recorded.events:
        if kind != "skipped" and stats is not None:
            stats.count(kind, reason, message)
    if doc is None:
        _, reason, message = next(event for event in recorded.events if event[0] == "skipped")
        prepared.skip = (reason, message)
    else:
        prepared = prepared_document(doc, item.path, digest, pipeline)
    return prepared


def prepared_document(doc: Document, path: str, digest: str, pipeline: str) -> PreparedDocument:
    """An extracted document as the writing side takes it: its key and its ledger rows."""
    return PreparedDocument(doc.doc_id, path, digest, document_row(doc, path, digest, pipeline),
                            list(attribution_rows(doc)))


def store_document(ledger: Ledger, doc: Document, path: str, pipeline: str) -> IngestReport:
    """Store one document already extracted (the web UI's paste box) as `ingest` would: added, updated or found
    unchanged, then speakers and the search index refreshed."""
    report = IngestReport()
    started = time.perf_counter()
    writer = LedgerWriter(ledger, pipeline, report)
    writer.accept(prepared_document(doc, path, text_hash(doc.text), pipeline))
    writer.finish()
    report.elapsed = time.perf_counter() - started
    return report


def make_storable(prepared: PreparedDocument, stats: RunStats) -> None:
    """Replace lone surrogates in a document's rows (a counted repair naming it): the readers do so already,
    this is the last line before pyarrow, which can't encode them and would lose the whole batch."""
    replaced = 0
    for row in (prepared.document, *prepared.attributions):
        for name, value in row.items():
            if isinstance(value, str):
                row[name], count = replace_surrogates(value)
                replaced += count
    if replaced:
        prepared.doc_id = prepared.document["doc_id"]  # type: ignore[index]
        stats.recover(f"{prepared.path} ({prepared.doc_id})", "lone surrogates replaced")


class LedgerWriter:
    """The writing side of an ingest: takes prepared documents in input order, counts them, writes batches."""

    def __init__(self, ledger: Ledger, pipeline: str, report: IngestReport, batch_size: int = BATCH_SIZE) -> None:
        self.ledger = ledger
        self.pipeline = pipeline
        self.report = report
        self.batch_size = batch_size
        self.stored = ledger.document_hashes()  # as the run began: doc_id → (text hash, pipeline)
        self.seen: set[str] = set()
        self.documents: list[dict[str, Any]] = []
        self.attributions: list[dict[str, Any]] = []

    def is_stored(self, doc_id: str, digest: str) -> bool:
        """Whether the ledger held this document, with this text, from this pipeline when the run began."""
        return self.stored.get(doc_id) == (digest, self.pipeline)

    def take_duplicate(self, doc_id: str, path: str) -> bool:
        """True (and a counted skip) when `doc_id` was taken earlier in this run; else take it now."""
        if doc_id in self.seen:
            self.report.stats.skip(path, DUPLICATE, f"{doc_id} was read earlier in this run")
            return True
        self.seen.add(doc_id)
        return False

    def accept(self, prepared: PreparedDocument) -> None:
        """Count a document that is not a duplicate, and queue its rows when it is new or changed."""
        if prepared.document is not None:
            make_storable(prepared, self.report.stats)
        if prepared.skip is not None:
            reason, message = prepared.skip
            self.report.stats.count("skipped", reason, message)
        elif prepared.unchanged or self.is_stored(prepared.doc_id, prepared.text_hash):
            self.report.unchanged += 1  # (a shard merged again after an interrupted merge is found stored here)
        elif prepared.written is not None:  # a worker wrote it into a ledger that takes concurrent writers
            self.count_new(prepared.doc_id)
            self.report.attributions += prepared.written
        elif prepared.document is not None:
            self.count_new(prepared.doc_id)
            self.documents.append(prepared.document)
            self.attributions.extend(prepared.attributions)
            if len(self.documents) >= self.batch_size:
                self.flush()

    def count_new(self, doc_id: str) -> None:
        """Count a document to be stored: added, or updated when the ledger held another version of it."""
        if doc_id in self.stored:
            self.report.updated += 1
        else:
            self.report.added += 1


    def flush(self) -> None:
        """Write the queued documents in one transaction; when the batch's rows can't be converted for DuckDB,
        write them one document at a time, and count each document that still can't be as a skip."""
        began = time.perf_counter()
        try:
            self.report.attributions += self.ledger.write_rows(self.documents, self.attributions)
        except RowsError:
            self.write_one_by_one()
        self.report.database_seconds += time.perf_counter() - began
        self.documents.clear()
        self.attributions.clear()

    def write_one_by_one(self) -> None:
        """Write the queued documents one transaction each, skipping (counted, by name) those whose rows fail."""
        for document in self.documents:
            doc_id = document["doc_id"]
            attributions = [row for row in self.attributions if row["doc_id"] == doc_id]
            try:
                self.report.attributions += self.ledger.write_rows([document], attributions)
            except RowsError as error:
                self.report.stats.skip(document.get("source_path") or "-", "cannot store", f"{doc_id}: {error}")
                if self.stored.get(doc_id) is not None:
                    self.report.updated -= 1
                else:
                    self.report.added -= 1

    def finish(self) -> None:
        """Write what is queued, then rebuild speakers and the search index."""
        self.flush()
        began = time.perf_counter()
        self.ledger.refresh()
        self.report.database_seconds += time.perf_counter() - began


def ingest(
    ledger: Ledger,
    paths: Iterable[str | Path],
    options: IngestOptions | None = None,
    stdin: TextIO | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Extract every input and store it in `ledger`, in this process; `on_progress` is called after each input."""
    options = options or IngestOptions()
    report = IngestReport()
    started = time.perf_counter()
    pipeline = pipeline_version(options.extract)
    writer = LedgerWriter(ledger, pipeline, report, options.batch_size)
    for item in read_inputs(paths, report.stats, stdin=stdin, options=options.read):
        digest = key_document(item)
        if not writer.take_duplicate(item.doc_id, item.path):  # a duplicate is not extracted at all
            writer.accept(prepare_document(item, digest, options, pipeline, writer.is_stored, report.stats))
        if on_progress:
            on_progress(report)
    writer.finish()
    report.elapsed = time.perf_counter() - started
    return report

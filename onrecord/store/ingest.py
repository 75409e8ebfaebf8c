"""Ingest: read → clean → extract → store, in batches of one transaction each, then refresh.

Idempotent: a document is keyed by the id its input gives (file name, JSONL id, WARC record id),
else by its text's hash; one stored with the same text by the same pipeline is skipped before
extraction, a changed one replaces the stored one. A run killed at any moment loses at most the
batch in flight, which the next run redoes: the ledger ends as an uninterrupted run leaves it.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from onrecord.extract import pipeline_version
from onrecord.options import ExtractOptions
from onrecord.pipeline import extract_item
from onrecord.read import ReadOptions, ReadStats, read_inputs
from onrecord.store.ledger import Ledger, StoredDocument, content_doc_id, text_hash

BATCH_SIZE = 32  # documents per transaction: what a crash can cost, against per-commit overhead


@dataclass
class IngestOptions:
    """How an ingest reads, extracts and writes (one object instead of a dozen keyword arguments)."""

    extract: ExtractOptions = field(default_factory=ExtractOptions)
    read: ReadOptions = field(default_factory=ReadOptions)
    timeout: float | None = 30.0  # seconds per document for extraction; None or 0: no limit
    batch_size: int = BATCH_SIZE


@dataclass
class IngestReport:
    """What an ingest run did: documents added, updated, unchanged and skipped (by reason), and timings."""

    stats: ReadStats = field(default_factory=ReadStats)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    attributions: int = 0  # attributions written by this run
    elapsed: float = 0.0  # seconds, the whole run
    database_seconds: float = 0.0  # of which writing batches and refreshing speakers and the index

    @property
    def processed(self) -> int:
        """Documents read and accounted for: added, updated or found unchanged."""
        return self.added + self.updated + self.unchanged

    @property
    def docs_per_second(self) -> float:
        """Processed documents per second of the whole run."""
        return self.processed / self.elapsed if self.elapsed else 0.0


def ingest(
    ledger: Ledger,
    paths: Iterable[str | Path],
    options: IngestOptions | None = None,
    stdin: TextIO | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Extract every input and store it in `ledger`; `on_progress` is called after each input."""
    options = options or IngestOptions()
    report = IngestReport()
    started = time.perf_counter()
    pipeline = pipeline_version(options.extract)
    stored = ledger.document_hashes()
    seen: set[str] = set()
    batch: list[StoredDocument] = []

    def flush() -> None:
        """Write the pending batch in one transaction."""
        began = time.perf_counter()
        report.attributions += ledger.write_documents(batch, pipeline)
        report.database_seconds += time.perf_counter() - began
        batch.clear()

    for item in read_inputs(paths, report.stats, stdin=stdin, options=options.read):
        digest = text_hash(item.text)
        if not item.id_from_input:
            item.doc_id = content_doc_id(item.text)
        if item.doc_id in seen:
            report.stats.skip(item.path, "duplicate document id", f"{item.doc_id} was read earlier in this run")
        elif stored.get(item.doc_id) == (digest, pipeline):
            report.unchanged += 1
        else:
            doc = extract_item(item, report.stats, options.extract, options.timeout or None)
            if doc is not None:
                if item.doc_id in stored:
                    report.updated += 1
                else:
                    report.added += 1
                batch.append(StoredDocument(doc, item.path, digest))
                if len(batch) >= options.batch_size:
                    flush()
        seen.add(item.doc_id)
        if on_progress:
            on_progress(report)
    flush()
    began = time.perf_counter()
    ledger.refresh()
    report.database_seconds += time.perf_counter() - began
    report.elapsed = time.perf_counter() - started
    return report

"""The paste box: an article's text or file, its attributions found at once, stored only when asked.

An uploaded file is read by the read stage's reader for its suffix (text, HTML, JSONL, WARC; the first
document is taken), so it reads as `onrecord extract FILE` reads it. Finding attributions is the
pipeline's `extract_item`; storing writes that Document through the runner's `store_document`, so a
stored paste is what `onrecord ingest` would have stored (ids, hashes, pipeline version, refresh).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from pathlib import Path

from onrecord.document import Document, DocumentMetadata
from onrecord.options import ExtractOptions
from onrecord.pipeline import extract_item, pipeline_version
from onrecord.read import (
    FORMATS,
    InputDocument,
    ReadOptions,
    RunStats,
    Source,
    format_of,
    read_source,
    split_name,
)
from onrecord.serve.params import BadParameter, check_text
from onrecord.run.ingest import IngestReport, store_document
from onrecord.store import Ledger
from onrecord.store.rows import content_doc_id

PASTE_ID = "pasted"  # the doc id shown for an unstored paste that names none
METADATA_FIELDS = ("title", "outlet", "published", "byline", "url")


@dataclass
class Article:
    """What the paste box holds: the text, an optional id, and what the user said of its origin."""

    text: str
    doc_id: str | None = None
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    filename: str | None = None  # the uploaded file it was read from
    notes: list[str] = field(default_factory=list)  # what reading it skipped or repaired

    def input_document(self) -> InputDocument:
        """The article as the read stage would have handed it on."""
        return InputDocument(self.doc_id or PASTE_ID, self.text, self.filename or "paste", self.metadata)


class PasteError(ValueError):
    """A paste the server can't read (empty, binary, a file no reader can use), with a one-line reason."""


def read_upload(filename: str, data: bytes) -> InputDocument:
    """The first document of an uploaded file, read by the reader for its suffix; PasteError when there is none."""
    stats = RunStats()
    path = Path(filename or "upload.txt")
    stem = split_name(path)[0]
    source = Source(path.name, stem, io.BytesIO(data))
    reader = FORMATS[format_of(path, ReadOptions())]
    document = next(read_source(source, reader, stats, ReadOptions()), None)
    if document is None:
        reasons = ", ".join(stats.skipped) or "no document in it"
        raise PasteError(f"{path.name}: nothing to read ({reasons})")
    return document


def article_from_form(form: dict[str, str], upload: tuple[str, bytes] | None) -> Article:
    """The article a paste form describes: its uploaded file, else its text; the form's fields override the file's."""
    metadata = {name: check_text(name, form.get(name), 2000) for name in METADATA_FIELDS}
    doc_id = check_text("doc_id", form.get("doc_id"), 200)
    if upload is not None:
        document = read_upload(*upload)
        given = DocumentMetadata(**{name: metadata[name] or getattr(document.metadata, name) for name in METADATA_FIELDS})
        return Article(document.text, doc_id or document.doc_id, given, upload[0])
    text = form.get("text") or ""
    if not text.strip():
        raise BadParameter("text: paste an article's text or choose a file")
    return Article(text.replace("\r\n", "\n"), doc_id, DocumentMetadata(**metadata))


def analyse(article: Article, options: ExtractOptions) -> Document:
    """The article's attributions, found now and stored nowhere; PasteError when extraction fails."""
    stats = RunStats()
    doc = extract_item(article.input_document(), stats, options)
    if doc is None:
        raise PasteError("; ".join(stats.messages) or "extraction failed")
    return doc


def store(ledger: Ledger, article: Article, options: ExtractOptions) -> tuple[str, IngestReport]:
    """Extract the article and store it in a ledger opened for writing; returns its doc id and what was done."""
    doc_id = article.doc_id or content_doc_id(article.text)
    doc = analyse(replace(article, doc_id=doc_id), options)
    return doc_id, store_document(ledger, doc, article.filename or "paste", pipeline_version(options))

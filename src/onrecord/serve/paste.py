"""The paste box: an article's text or file, its attributions found at once, stored only when asked.

An uploaded file is read by the read stage's reader for its suffix (text, HTML, JSONL, WARC; the first
document is taken), so it reads as `onrecord extract FILE` reads it; gzip is undone here first, in
bounded steps, so a small upload can't expand past the paste limit. Finding attributions is the
pipeline's `extract_item`; storing writes that Document through the runner's `store_document`, so a
stored paste is what `onrecord ingest` would have stored (ids, hashes, pipeline version, refresh).

`prepare` (reading and extracting: seconds of CPU, hostile markup included) runs in a worker process
(onrecord/serve/workers.py); `store` (the one write) runs in the server, through the ledger's writer.
"""
from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from onrecord.document import Document, DocumentMetadata
from onrecord.formatting import megabytes
from onrecord.options import ExtractOptions
from onrecord.pipeline import extract_item, pipeline_version
from onrecord.read import (
    FORMATS,
    GZIP_MAGIC,
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
MAX_GZIP_LAYERS = 3  # gzip inside gzip: undone this many times at most (a gzip quine would loop for ever)
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # from JSON's "\ud800" escapes: no UTF-8 can hold them


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


class UploadTooLarge(PasteError):
    """An upload whose decompressed bytes pass the paste limit (a gzip bomb), with a one-line reason."""


@dataclass(frozen=True)
class PasteJob:
    """What a worker needs to prepare a paste: the form's fields, its file, whether it will be stored, the limit."""

    fields: dict[str, str]
    upload: tuple[str, bytes] | None
    to_store: bool  # keyed by the text's hash when it names no id, as a stored paste is
    max_bytes: int  # an upload's decompressed size at most


@dataclass
class Prepared:
    """A paste read and extracted: the article as the form showed it, its Document, what extracted it."""

    article: Article
    doc: Document
    pipeline: str


def repaired(value):
    """A string with its lone surrogates (no character: JSON can carry them, UTF-8 can't) as U+FFFD; else as it is."""
    return LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def gunzipped(name: str, data: bytes, limit: int) -> bytes:
    """`data` with every gzip layer and member undone, never holding more than `limit` + 1 expanded bytes.

    UploadTooLarge once the expanded bytes pass `limit`; PasteError for a truncated or corrupt stream.
    Bytes that aren't gzip come back as they are (the readers undo gzip by its magic number, whatever the
    suffix, so this looks at the bytes too).
    """
    for layer in range(MAX_GZIP_LAYERS + 1):
        if data[:2] != GZIP_MAGIC:
            return data
        if layer == MAX_GZIP_LAYERS:
            break
        expanded = bytearray()
        rest = data
        while rest[:2] == GZIP_MAGIC:  # one member after another; anything after the last is ignored
            inflater = zlib.decompressobj(wbits=31)
            try:
                expanded += inflater.decompress(rest, limit + 1 - len(expanded))
            except zlib.error as error:
                raise PasteError(f"{name}: nothing to read (gzip: corrupt: {error})") from None
            if len(expanded) > limit:
                raise UploadTooLarge(f"{name}: the upload is too large once decompressed: more than {megabytes(limit)}; "
                                     f"this server accepts at most {megabytes(limit)} (onrecord serve --max-paste-bytes)")
            if not inflater.eof:
                raise PasteError(f"{name}: nothing to read (gzip: truncated)")
            rest = inflater.unused_data
        data = bytes(expanded)
    raise PasteError(f"{name}: nothing to read (gzip inside gzip, more than {MAX_GZIP_LAYERS} deep)")


def read_upload(filename: str, data: bytes, max_bytes: int) -> InputDocument:
    """The first document of an uploaded file, read by the reader for its suffix; PasteError when there is none."""
    stats = RunStats()
    path = Path(filename or "upload.txt")
    stem = split_name(path)[0]
    source = Source(path.name, stem, io.BytesIO(gunzipped(path.name, data, max_bytes)))
    reader = FORMATS[format_of(path, ReadOptions())]
    document = next(read_source(source, reader, stats, ReadOptions()), None)
    if document is None:
        reasons = ", ".join(stats.skipped) or "no document in it"
        raise PasteError(f"{path.name}: nothing to read ({reasons})")
    return document


def article_from_form(form: dict[str, str], upload: tuple[str, bytes] | None, max_bytes: int) -> Article:
    """The article a paste form describes: its uploaded file, else its text; the form's fields override the file's."""
    form = {name: repaired(value) for name, value in form.items()}
    metadata = {name: check_text(name, form.get(name), 2000) for name in METADATA_FIELDS}
    doc_id = check_text("doc_id", form.get("doc_id"), 200)
    if upload is not None:
        filename = repaired(upload[0])
        document = read_upload(filename, upload[1], max_bytes)
        given = DocumentMetadata(**{name: metadata[name] or repaired(getattr(document.metadata, name)) for name in METADATA_FIELDS})
        return Article(repaired(document.text), doc_id or repaired(document.doc_id), given, filename)
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


def prepare(job: PasteJob, options: ExtractOptions) -> Prepared:
    """Read the paste and find its attributions (in a worker process); BadParameter or PasteError when it can't be."""
    article = article_from_form(job.fields, job.upload, job.max_bytes)
    if job.to_store:
        article = replace(article, doc_id=article.doc_id or content_doc_id(article.text))
    return Prepared(article, analyse(article, options), pipeline_version(options))


def store(ledger: Ledger, prepared: Prepared) -> IngestReport:
    """Store a prepared paste in a ledger opened for writing (its doc id is the Document's); what was done."""
    return store_document(ledger, prepared.doc, prepared.article.filename or "paste", prepared.pipeline)

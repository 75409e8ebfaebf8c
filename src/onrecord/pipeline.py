"""The orchestrator: read → clean → extract → resolve, for one text or a stream of inputs.

Every entry point goes through here: `onrecord.extract` (Python), the CLI, the spaCy component, the
ingest runner and its Ray workers, and the web UI's paste box. Stages sit side by side and never call
each other; this module is the only place that knows their order. Storing is the runner's job
(`onrecord.run`), not the pipeline's.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from onrecord.clean import article_text, clean
from onrecord.document import Document, DocumentMetadata, TextSpan
from onrecord.extract import find_attributions, model_version
from onrecord.limits import DocumentTimeout, call_within
from onrecord.options import ExtractOptions
from onrecord.read import InputDocument, ReadOptions, RunStats, read_inputs
from onrecord.resolve import resolve_speakers
from onrecord.text.analysis import analyse


def extract(text: str, options: ExtractOptions | None = None, doc_id: str | None = None,
            metadata: DocumentMetadata | None = None) -> Document:
    """Find every attribution in `text`; offsets point into `text` itself.

    The clean stage (on unless `options.segment` is off) labels each line article, boilerplate or
    advertorial (`doc.segments`) and fills `metadata` from the text (`doc.metadata`; what was given wins);
    attributions are looked for in the article lines only. The resolve stage reads the byline from
    `doc.metadata`, wherever it came from (the text, an HTML page, a JSONL record).
    """
    check_arguments(text, options, doc_id, metadata)
    options = options or ExtractOptions()
    analysed = text[: options.max_chars]  # longer texts are cut, never raised on (doc.truncated says so)
    doc = Document(text=text, doc_id=doc_id, metadata=metadata or DocumentMetadata(),
                   truncated=len(text) > options.max_chars)
    # clean: segments, and the metadata the text gives (a date line, a byline) where none was given
    if options.segment:
        doc.segments, doc.metadata = clean(analysed, metadata)
        # non-article characters become spaces (newlines stay): same length, so offsets hold
        analysed = article_text(analysed, doc.segments)
    # extract: the shared analysis (tokens, quotations, sentences), then the attributions
    analysis = analyse(analysed)
    doc.attributions = find_attributions(analysis, options)
    if analysed is not text:
        for a in doc.attributions:  # pieces are read from the original text, not the blanked copy
            a.content, a.source, a.cue = (part and TextSpan.from_offsets(text, part.spans)
                                          for part in (a.content, a.source, a.cue))
    # resolve: speakers, their types and via chains; it reuses the analysis's tokens
    if options.resolve_speakers:
        resolve_speakers(doc, options, analysis)
    return doc


def check_arguments(text: object, options: object, doc_id: object, metadata: object) -> None:
    """TypeError, saying what is expected, for arguments `extract` would otherwise analyse as their repr.

    Bad *text* is recovered from; a wrong type is the caller's bug: bytes, a list or None analysed as
    `"b'...'"`, `"['...']"` or nothing would hide it.
    """
    if not isinstance(text, str):
        hint = " (decode bytes first, e.g. data.decode('utf-8'))" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"onrecord.extract: text must be a str, not {type(text).__name__}{hint}")
    if options is not None and not isinstance(options, ExtractOptions):
        raise TypeError("onrecord.extract: options must be an onrecord.ExtractOptions or None, "
                        f"not {type(options).__name__}")
    if doc_id is not None and not isinstance(doc_id, str):
        raise TypeError(f"onrecord.extract: doc_id must be a str or None, not {type(doc_id).__name__}")
    if metadata is not None and not isinstance(metadata, DocumentMetadata):
        raise TypeError("onrecord.extract: metadata must be an onrecord.document.DocumentMetadata or None, "
                        f"not {type(metadata).__name__}")


# What the resolve stage decides beyond the extractor's model; raised when stored output would change without
# the model changing (2: persons' gender), so that `onrecord ingest` of the same inputs extracts them again
RESOLVE_REVISION = 2


def pipeline_version(options: ExtractOptions) -> str:
    """What extracts under these options: "rules (…)" or the learned model's profile and version, and the
    resolve stage's revision.

    Loading the model here also checks its files, so callers can fail early with one clear line.
    """
    return f"{model_version(options)}; resolve {RESOLVE_REVISION}"


def extract_item(item: InputDocument, stats: RunStats, options: ExtractOptions | None = None,
                 timeout: float | None = None) -> Document | None:
    """Extract one input's attributions within the time limit; None (counted in `stats`) on timeout or error.

    With a limit, extraction runs in a worker process that is killed when the limit passes (`call_within`):
    a document stuck inside torch or a regular expression can't hold the run. Without one, it runs here.
    A text cut at `max_chars` is counted as a repair.
    """
    max_chars = (options or ExtractOptions()).max_chars
    try:
        doc = call_within(timeout, extract, (item.text, options), {"doc_id": item.doc_id, "metadata": item.metadata})
        if doc.truncated:
            stats.recover(item.origin or item.path, f"text cut at {max_chars:,} characters")
        return doc
    except DocumentTimeout:
        stats.skip(item.path, "extraction timeout", f"{item.doc_id}: over {timeout:g} s")
    except Exception as error:  # an engine bug on one text must not end a run over thousands
        stats.skip(item.path, "extraction error", f"{item.doc_id}: {type(error).__name__}: {error}")
    return None


def extract_inputs(
    paths: Iterable[str | Path],
    stats: RunStats,
    options: ExtractOptions | None = None,
    stdin: TextIO | None = None,
    read_options: ReadOptions | None = None,
) -> Iterator[Document]:
    """Read every input and extract its attributions, lazily; failures and timeouts are counted in `stats`.

    `read_options.timeout` limits each document's HTML parsing and, again, its extraction: a hard limit, the work
    runs in a worker process killed when it passes (`extract_item`).
    """
    read_options = read_options or ReadOptions()
    for item in read_inputs(paths, stats, stdin=stdin, options=read_options):
        doc = extract_item(item, stats, options, read_options.timeout or None)
        if doc is not None:
            yield doc  # outside the time limit: what the caller does with it is not the document's time

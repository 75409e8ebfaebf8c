"""Rows ↔ objects: how a Document and its attributions become ledger rows (and Arrow batches), and back.

Ids are stable: a document without one gets its text's hash; an attribution's id is its document's id
and its ordinal, hashed.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from onrecord.document import Document, Speaker
from onrecord.serialize import gender_evidence_to_dict, segment_to_dict, speaker_to_dict


def text_hash(text: str) -> str:
    """The sha256 of a text: an unchanged document is recognised by it."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def content_doc_id(text: str) -> str:
    """A stable id for a document whose input gave none: its text's hash."""
    return "sha256-" + text_hash(text)[:16]


def attribution_id(doc_id: str, ordinal: int) -> int:
    """A stable 63-bit id for the ordinal-th attribution of a document."""
    digest = hashlib.sha256(f"{doc_id}\x00{ordinal}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def mention_key(speaker: Speaker) -> str:
    """The key that maps a resolved speaker (type, name, role, affiliation) to its unified speaker."""
    return json.dumps([speaker.type, speaker.name, speaker.role, speaker.affiliation], ensure_ascii=False)


def parse_date(value: str | None) -> date | None:
    """The date at the start of an ISO date or date-time string, else None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def spans_json(span) -> str | None:
    """A TextSpan's offsets as JSON, None for a missing span."""
    return None if span is None else json.dumps([[s, e] for s, e in span.spans])


def gender_evidence_json(speaker: Speaker | None) -> str | None:
    """A speaker's gender evidence as JSON, None where no gender was decided (non-persons, older pipelines)."""
    if speaker is None or speaker.gender is None:
        return None
    return json.dumps([gender_evidence_to_dict(e) for e in speaker.gender_evidence], ensure_ascii=False)


def document_row(doc: Document, source_path: str | None, digest: str, pipeline: str) -> dict[str, Any]:
    """A documents-table row for an extracted document."""
    meta = doc.metadata
    return {
        "doc_id": doc.doc_id, "url": meta.url, "outlet": meta.outlet, "published": meta.published,
        "published_date": parse_date(meta.published), "title": meta.title, "byline": meta.byline,
        "text": doc.text, "text_hash": digest,
        "segments": json.dumps([segment_to_dict(s) for s in doc.segments]),
        "source_path": source_path, "pipeline": pipeline,
    }


def attribution_rows(doc: Document) -> Iterable[dict[str, Any]]:
    """attributions-table rows for an extracted document, in reading order."""
    for ordinal, a in enumerate(doc.attributions):
        speaker = a.speaker
        yield {
            "attribution_id": attribution_id(doc.doc_id, ordinal), "doc_id": doc.doc_id, "ordinal": ordinal,
            "kind": a.kind,
            "source_text": a.source.text if a.source else None, "source_spans": spans_json(a.source),
            "cue_text": a.cue.text if a.cue else None, "cue_spans": spans_json(a.cue),
            "content_text": a.content.text, "content_spans": spans_json(a.content),
            "speaker_name": speaker.name if speaker else None,
            "speaker_type": speaker.type if speaker else None,
            "speaker_role": speaker.role if speaker else None,
            "speaker_affiliation": speaker.affiliation if speaker else None,
            "mention_key": mention_key(speaker) if speaker else None,
            "via": json.dumps([speaker_to_dict(v) for v in a.via], ensure_ascii=False),
            "via_names": "; ".join(v.name or v.type for v in a.via) or None,
            "confidence": float(a.confidence), "act": a.act, "floating": a.floating,
            "speaker_gender": speaker.gender if speaker else None,
            "speaker_gender_evidence": gender_evidence_json(speaker),
        }


def DOCUMENT_SCHEMA():  # noqa: N802  (a constant, built lazily so pyarrow loads only to write)
    """The Arrow schema of document rows (explicit, so a batch of all-None columns keeps its types)."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema([
        ("doc_id", text), ("url", text), ("outlet", text), ("published", text), ("published_date", pa.date32()),
        ("title", text), ("byline", text), ("text", text), ("text_hash", text), ("segments", text),
        ("source_path", text), ("pipeline", text),
    ])


def ATTRIBUTION_SCHEMA():  # noqa: N802  (a constant, built lazily so pyarrow loads only to write)
    """The Arrow schema of attribution rows (explicit, so a batch of all-None columns keeps its types)."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema([
        ("attribution_id", pa.int64()), ("doc_id", text), ("ordinal", pa.int32()), ("kind", text),
        ("source_text", text), ("source_spans", text), ("cue_text", text), ("cue_spans", text),
        ("content_text", text), ("content_spans", text), ("speaker_name", text), ("speaker_type", text),
        ("speaker_role", text), ("speaker_affiliation", text), ("mention_key", text), ("via", text),
        ("via_names", text), ("confidence", pa.float64()), ("act", text), ("floating", pa.bool_()),
        ("speaker_gender", text), ("speaker_gender_evidence", text),
    ])


ATTRIBUTION_COLUMNS = ("source_text, source_spans, cue_text, cue_spans, content_text, content_spans, kind, "
                       "speaker_name, speaker_type, speaker_role, speaker_affiliation, via, confidence, act, floating, "
                       "speaker_gender, speaker_gender_evidence")


def attribution_dict(row: tuple) -> dict[str, Any]:
    """An attributions-table row (ATTRIBUTION_COLUMNS) back in the serialiser's dict form (offsets into the
    document text)."""
    (source_text, source_spans, cue_text, cue_spans, content_text, content_spans, kind,
     name, speaker_type, role, affiliation, via, confidence, act, floating, gender, gender_evidence) = row

    def span(text, spans):
        return None if spans is None else {"text": text, "spans": json.loads(spans)}

    speaker = None if speaker_type is None else {"name": name, "type": speaker_type, "role": role,
                                                 "affiliation": affiliation}
    if speaker is not None and gender is not None:  # as speaker_to_dict writes it: only when decided
        speaker |= {"gender": gender, "gender_evidence": json.loads(gender_evidence or "[]")}

    return {
        "source": span(source_text, source_spans), "cue": span(cue_text, cue_spans),
        "content": span(content_text, content_spans), "kind": kind,
        "speaker": speaker,
        "via": json.loads(via), "confidence": confidence, "act": act, "floating": floating,
    }

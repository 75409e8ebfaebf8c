"""Serialising level: Documents to plain dicts and JSON lines, and back (the CLI and store use these)."""
from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from onrecord.document import Attribution, Document, DocumentMetadata, GenderEvidence, Segment, Speaker, TextSpan
from onrecord.text.acts import act_of


def span_to_dict(span: TextSpan | None) -> dict[str, Any] | None:
    """`{"text", "spans": [[start, end], ...]}`, or None for a missing span."""
    if span is None:
        return None
    return {"text": span.text, "spans": [[start, end] for start, end in span.spans]}


def span_from_dict(data: dict[str, Any] | None, text: str) -> TextSpan | None:
    """Rebuild a TextSpan; its text is re-read from `text` when the dict carries none."""
    if data is None:
        return None
    spans = [(int(start), int(end)) for start, end in data["spans"]]
    if data.get("text") is None:
        return TextSpan.from_offsets(text, spans)
    return TextSpan(data["text"], spans)


def gender_evidence_to_dict(evidence: GenderEvidence) -> dict[str, Any]:
    """`{"kind", "value", "text", "start", "end"}`, plus `score` for a first name."""
    data = {"kind": evidence.kind, "value": evidence.value, "text": evidence.text,
            "start": evidence.start, "end": evidence.end}
    if evidence.score is not None:
        data["score"] = evidence.score
    return data


def gender_evidence_from_dict(data: dict[str, Any]) -> GenderEvidence:
    return GenderEvidence(kind=data["kind"], value=data["value"], text=data.get("text", ""),
                          start=data.get("start"), end=data.get("end"), score=data.get("score"))


def speaker_to_dict(speaker: Speaker | None) -> dict[str, Any] | None:
    """`{"name", "type", "role", "affiliation"}`, plus `gender` and `gender_evidence` when gender was decided
    (persons only), or None when no speaker was resolved."""
    if speaker is None:
        return None
    data = {"name": speaker.name, "type": speaker.type, "role": speaker.role, "affiliation": speaker.affiliation}
    if speaker.gender is not None:
        data["gender"] = speaker.gender
        data["gender_evidence"] = [gender_evidence_to_dict(e) for e in speaker.gender_evidence]
    return data


def speaker_from_dict(data: dict[str, Any] | None) -> Speaker | None:
    """Rebuild a Speaker from its dict."""
    if data is None:
        return None
    return Speaker(
        name=data.get("name"),
        type=data.get("type", "unknown"),
        role=data.get("role"),
        affiliation=data.get("affiliation"),
        gender=data.get("gender"),
        gender_evidence=[gender_evidence_from_dict(e) for e in data.get("gender_evidence") or []],
    )


def attribution_to_dict(attribution: Attribution) -> dict[str, Any]:
    """One attribution as a JSON-ready dict (field order is the reading order: who, how, what)."""
    data = {
        "source": span_to_dict(attribution.source),
        "cue": span_to_dict(attribution.cue),
        "content": span_to_dict(attribution.content),
        "kind": attribution.kind,
        "act": attribution.act,
        "speaker": speaker_to_dict(attribution.speaker),
        "via": [speaker_to_dict(outlet) for outlet in attribution.via],
        "confidence": attribution.confidence,
    }
    if attribution.floating:  # only then, as "truncated": the common case keeps the keys it always had
        data["floating"] = True
    return data


def attribution_from_dict(data: dict[str, Any], text: str) -> Attribution:
    """Rebuild an Attribution whose offsets point into `text`; output written before acts gets its cue's act."""
    cue = span_from_dict(data.get("cue"), text)
    return Attribution(
        content=span_from_dict(data["content"], text),
        kind=data["kind"],
        source=span_from_dict(data.get("source"), text),
        cue=cue,
        speaker=speaker_from_dict(data.get("speaker")),
        via=[speaker_from_dict(outlet) for outlet in data.get("via", [])],
        confidence=float(data.get("confidence", 1.0)),
        act=data.get("act") or act_of(cue and cue.text),
        floating=bool(data.get("floating", False)),
    )


def metadata_to_dict(metadata: DocumentMetadata) -> dict[str, Any]:
    """`{"url", "published", "title", "byline", "outlet"}`, None where unknown."""
    return asdict(metadata)


def metadata_from_dict(data: dict[str, Any] | None) -> DocumentMetadata:
    """Rebuild DocumentMetadata; unknown keys are ignored, missing ones are None."""
    data = data or {}
    return DocumentMetadata(**{f.name: data.get(f.name) for f in fields(DocumentMetadata)})


def segment_to_dict(segment: Segment) -> dict[str, Any]:
    """`{"start", "end", "label", "reason"}`: a [start, end) stretch of the input and what it is."""
    return {"start": segment.start, "end": segment.end, "label": segment.label, "reason": segment.reason}


def segment_from_dict(data: dict[str, Any]) -> Segment:
    """Rebuild a Segment from its dict."""
    return Segment(int(data["start"]), int(data["end"]), data["label"], data.get("reason", ""))


def document_to_dict(doc: Document, include_text: bool = True) -> dict[str, Any]:
    """`{"doc_id", "text", "metadata", "segments", "attributions"}`, and `"truncated": true` for a text cut at
    `max_chars`; every offset points into `text`, the text onrecord analysed (for HTML, WARC and JSONL
    with `html`, the page's extracted article text). `include_text=False` leaves `text` out (`--no-text`)."""
    data: dict[str, Any] = {"doc_id": doc.doc_id}
    if include_text:
        data["text"] = doc.text
    data.update({
        "metadata": metadata_to_dict(doc.metadata),
        "segments": [segment_to_dict(s) for s in doc.segments],
        "attributions": [attribution_to_dict(a) for a in doc.attributions],
    })
    if doc.truncated:  # only then: the common case keeps the keys it always had
        data["truncated"] = True
    return data


def document_from_dict(data: dict[str, Any], text: str | None = None) -> Document:
    """Rebuild a Document from `document_to_dict` output: its own `text`, or the `text` passed in (which wins).

    Output written without the text (`--no-text`, versions before it was included) needs `text` passed in;
    output written before metadata and segments existed reads back with empty ones.
    """
    if text is None:
        text = data.get("text")
    if not isinstance(text, str):
        raise ValueError("document_from_dict needs the document's text: the dict has no \"text\" "
                         "(written with --no-text?), so pass text=")
    attributions = [attribution_from_dict(a, text) for a in data.get("attributions", [])]
    return Document(text=text, doc_id=data.get("doc_id"), attributions=attributions,
                    metadata=metadata_from_dict(data.get("metadata")),
                    segments=[segment_from_dict(s) for s in data.get("segments") or []],
                    truncated=bool(data.get("truncated", False)))


def to_jsonl_line(doc: Document, include_text: bool = True) -> str:
    """One JSON line (no trailing newline) for a document; non-ASCII kept as is, so quotes stay readable."""
    return json.dumps(document_to_dict(doc, include_text), ensure_ascii=False)

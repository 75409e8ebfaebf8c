"""Serialiser: Document ⇄ dict ⇄ JSON line, losslessly."""
from __future__ import annotations

import json

import pytest

from onrecord.document import Attribution, Document, DocumentMetadata, Segment, Speaker, TextSpan
from onrecord.serialize import document_from_dict, document_to_dict, to_jsonl_line

TEXT = "“We will win,” Smith said. The talks will resume, a spokesman told TASS, Reuters reported."


def span(needle: str, occurrence: int = 0) -> tuple[int, int]:
    """[start, end) of `needle` in TEXT."""
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(needle, start + 1)
    return start, start + len(needle)


def sample_document() -> Document:
    """Two attributions: a direct quote with a resolved speaker, and an indirect one reported via outlets."""
    direct = Attribution(
        content=TextSpan.from_offsets(TEXT, [span("We will win,")]),
        kind="direct",
        source=TextSpan.from_offsets(TEXT, [span("Smith")]),
        cue=TextSpan.from_offsets(TEXT, [span("said")]),
        speaker=Speaker("John Smith", "person", role="coach", affiliation="Zürich Rovers"),
        confidence=0.9,
    )
    reported = Attribution(
        content=TextSpan.from_offsets(TEXT, [span("The talks will resume")]),
        kind="indirect",
        source=TextSpan.from_offsets(TEXT, [span("a spokesman")]),
        cue=TextSpan.from_offsets(TEXT, [span("told"), span("reported")]),  # discontinuous
        via=[Speaker("TASS", "media"), Speaker("Reuters", "media")],
    )
    no_source = Attribution(content=TextSpan.from_offsets(TEXT, [span("We will win")]), kind="direct")
    metadata = DocumentMetadata(url="https://example.org/talks", published="2021-11-24", byline="Jane Doe",
                                outlet="The Example Times")
    body_end = span("Smith said.")[1]
    segments = [Segment(0, body_end, "article", "body text"), Segment(body_end, len(TEXT), "boilerplate", "byline")]
    return Document(text=TEXT, doc_id="talks", attributions=[direct, reported, no_source], metadata=metadata,
                    segments=segments)


def test_round_trip_is_lossless():
    doc = sample_document()
    assert document_from_dict(document_to_dict(doc), TEXT) == doc


def test_the_dict_alone_rebuilds_the_document():
    """The text travels in the dict, so output is enough: no second file to find the offsets' text in."""
    data = json.loads(to_jsonl_line(sample_document()))
    assert data["text"] == TEXT
    assert document_from_dict(data) == sample_document()


def test_without_the_text_the_caller_passes_it():
    doc = sample_document()
    data = document_to_dict(doc, include_text=False)
    assert "text" not in data and "text" not in json.loads(to_jsonl_line(doc, include_text=False))
    assert document_from_dict(data, TEXT) == doc
    with pytest.raises(ValueError, match="--no-text"):
        document_from_dict(data)


def test_a_text_passed_in_wins_over_the_dicts():
    data = document_to_dict(sample_document())
    data["text"] = "something else"
    assert document_from_dict(data, TEXT).text == TEXT


def test_round_trip_through_json_line():
    doc = sample_document()
    line = to_jsonl_line(doc)
    assert "\n" not in line
    assert "Zürich" in line and "\\u" not in line  # ensure_ascii=False
    assert document_from_dict(json.loads(line), TEXT) == doc


def test_dict_shape():
    data = document_to_dict(sample_document())
    assert list(data) == ["doc_id", "text", "metadata", "segments", "attributions"]
    assert data["doc_id"] == "talks" and data["text"] == TEXT
    assert data["metadata"] == {"url": "https://example.org/talks", "published": "2021-11-24", "title": None,
                                "byline": "Jane Doe", "outlet": "The Example Times"}
    assert data["segments"][1] == {"start": span("Smith said.")[1], "end": len(TEXT), "label": "boilerplate",
                                   "reason": "byline"}
    first, second, third = data["attributions"]
    assert set(first) == {"source", "cue", "content", "kind", "act", "speaker", "via", "confidence"}
    assert first["source"] == {"text": "Smith", "spans": [list(span("Smith"))]}
    assert first["speaker"] == {"name": "John Smith", "type": "person", "role": "coach", "affiliation": "Zürich Rovers"}
    assert second["cue"]["spans"] == [list(span("told")), list(span("reported"))]
    assert [outlet["name"] for outlet in second["via"]] == ["TASS", "Reuters"]
    assert third["source"] is None and third["cue"] is None and third["speaker"] is None and third["via"] == []


def test_span_text_is_reread_from_offsets_when_missing():
    data = document_to_dict(sample_document())
    data["attributions"][0]["source"]["text"] = None
    assert document_from_dict(data, TEXT).attributions[0].source.text == "Smith"


def test_output_without_metadata_or_segments_still_reads():
    """Lines written before metadata and segments existed read back with empty ones."""
    data = document_to_dict(sample_document())
    del data["metadata"], data["segments"]
    doc = document_from_dict(data, TEXT)
    assert doc.metadata == DocumentMetadata() and doc.segments == []
    assert doc.attributions == sample_document().attributions

"""The orchestrator (onrecord.pipeline): one place runs read → clean → extract → resolve, for every entry point."""
from __future__ import annotations

import json

import pytest

from onrecord import ExtractOptions, extract
from onrecord.document import DocumentMetadata
from onrecord.pipeline import extract_inputs
from onrecord.read import ReadOptions
from onrecord.stats import RunStats

# "I" outside a quotation is the writer: the resolver needs the byline to name them.
COLUMN = "I said last week that the council would not fund the bridge, and I was wrong.\n"
RULES = ExtractOptions(profile="rules")


def first_person_speaker(doc) -> str | None:
    """The speaker the resolver gave the column's "I said"."""
    said = [a for a in doc.attributions if a.cue is not None and a.cue.text == "said"]
    assert said, [a.content.text for a in doc.attributions]
    return said[0].speaker.name


def test_a_byline_given_as_metadata_reaches_the_resolver():
    doc = extract(COLUMN, RULES, metadata=DocumentMetadata(byline="Maria Lopez"))
    assert first_person_speaker(doc) == "Maria Lopez"


def test_without_a_byline_the_writer_is_not_named():
    assert first_person_speaker(extract(COLUMN, RULES)) != "Maria Lopez"


def test_a_byline_in_the_text_still_reaches_the_resolver():
    doc = extract("By Maria Lopez\n\n" + COLUMN, RULES)
    assert doc.metadata.byline == "Maria Lopez"
    assert first_person_speaker(doc) == "Maria Lopez"


def test_a_jsonl_records_byline_reaches_the_resolver(tmp_path):
    path = tmp_path / "columns.jsonl"
    path.write_text(json.dumps({"id": "c1", "text": COLUMN, "author": "Maria Lopez"}) + "\n", encoding="utf-8")
    stats = RunStats()
    docs = list(extract_inputs([path], stats, RULES, read_options=ReadOptions()))
    assert [d.doc_id for d in docs] == ["c1"]
    assert first_person_speaker(docs[0]) == "Maria Lopez"


def test_an_html_pages_byline_reaches_the_resolver(tmp_path):
    page = ("<html><head><title>Column</title><meta name=\"author\" content=\"Maria Lopez\"></head><body>"
            "<article><h1>Why I changed my mind on the bridge</h1>"
            f"<p>{COLUMN.strip()}</p><p>{'The bridge has been debated for a decade in the county. ' * 6}</p>"
            "</article></body></html>")
    path = tmp_path / "column.html"
    path.write_text(page, encoding="utf-8")
    docs = list(extract_inputs([path], RunStats(), RULES, read_options=ReadOptions()))
    assert docs and docs[0].metadata.byline == "Maria Lopez"
    assert first_person_speaker(docs[0]) == "Maria Lopez"


@pytest.mark.parametrize("profile", ["rules", "fast"])
def test_the_spacy_component_gives_what_the_orchestrator_gives(profile):
    spacy = pytest.importorskip("spacy")
    text = "“We will deliver,” Mayor Ruth Okafor said on Monday. The council said it would vote in May.\n"
    nlp = spacy.blank("en")
    nlp.add_pipe("onrecord_attributions", config={"profile": profile})
    from_spacy = nlp(text)._.attributions
    direct = extract(text, ExtractOptions(profile=profile)).attributions
    assert [(a.content.spans, a.speaker) for a in from_spacy] == [(a.content.spans, a.speaker) for a in direct]

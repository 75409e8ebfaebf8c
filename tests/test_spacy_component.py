"""spaCy component: registration, alignment of onrecord spans to tokens, and one end-to-end run."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import spacy

import onrecord.spacy_component as component
from onrecord.document import Attribution, Document, DocumentMetadata, Segment, Speaker, TextSpan

TEXT = "“We will win,” Smith said, the agency reported."


def offsets(needle: str) -> tuple[int, int]:
    """[start, end) of `needle` in TEXT."""
    start = TEXT.index(needle)
    return start, start + len(needle)


def hand_made_document() -> Document:
    """A Document built by hand, so alignment is tested without the extraction engine."""
    win_start, win_end = offsets("We will win")
    return Document(
        text=TEXT,
        attributions=[
            Attribution(
                content=TextSpan.from_offsets(TEXT, [(win_start + 1, win_end - 1)]),  # mid-token: must expand
                kind="direct",
                source=TextSpan.from_offsets(TEXT, [offsets("Smith")]),
                cue=TextSpan.from_offsets(TEXT, [offsets("said"), offsets("reported")]),  # discontinuous
                speaker=Speaker("Smith", "person"),
            ),
            Attribution(
                content=TextSpan("beyond the text", [(len(TEXT) + 5, len(TEXT) + 20)]),  # can't align: dropped
                kind="indirect",
            ),
        ],
    )


@pytest.fixture()
def nlp():
    """A blank English pipeline with the onrecord component."""
    nlp = spacy.blank("en")
    nlp.add_pipe("onrecord_attributions")
    return nlp


def test_component_sets_attribution_list(nlp):
    doc = nlp(TEXT)
    assert isinstance(doc._.attributions, list)
    assert all(key in doc.spans for key in component.SPAN_KEYS.values())


def test_set_annotations_aligns_spans():
    doc = spacy.blank("en")(TEXT)
    component.set_annotations(doc, hand_made_document())
    assert len(doc._.attributions) == 2
    assert [s.text for s in doc.spans["onrecord_content"]] == ["We will win"]  # expanded to whole tokens
    assert [s.text for s in doc.spans["onrecord_source"]] == ["Smith"]
    cue = doc.spans["onrecord_cue"]
    assert [s.text for s in cue] == ["said", "reported"]
    assert {s.id_ for s in cue} == {"0"} and {s.label_ for s in cue} == {"direct"}  # both pieces of attribution 0


def test_set_annotations_stores_segments_and_metadata():
    doc = spacy.blank("en")(TEXT)
    cut = offsets(", the agency")[0]
    document = hand_made_document()
    document.segments = [Segment(0, cut, "article", "body text"), Segment(cut, len(TEXT), "boilerplate", "byline")]
    document.metadata = DocumentMetadata(byline="Jane Doe")
    component.set_annotations(doc, document)
    assert doc._.segments == document.segments and doc._.metadata.byline == "Jane Doe"
    spans = doc.spans[component.SEGMENTS_KEY]
    assert [(s.label_, s.id_) for s in spans] == [("article", "0"), ("boilerplate", "1")]
    assert spans[0].text == "“We will win,” Smith said"


def test_unalignable_piece_is_skipped():
    doc = spacy.blank("en")(TEXT)
    spans = component.align_span(doc, TextSpan("x", [(3, 3), (len(TEXT), len(TEXT) + 1)]), "direct", 0)
    assert spans == []


def test_import_twice_is_harmless():
    importlib.reload(component)
    nlp = spacy.blank("en")
    nlp.add_pipe("onrecord_attributions")
    assert nlp.pipe_names == ["onrecord_attributions"]


def test_factory_is_found_through_entry_point_without_importing_onrecord():
    script = "import spacy; nlp = spacy.blank('en'); nlp.add_pipe('onrecord_attributions'); print(nlp.pipe_names)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "onrecord_attributions" in result.stdout


@pytest.mark.engine
def test_full_pipeline_finds_direct_quote(nlp):
    doc = nlp("“We will win,” Smith said.")
    assert len(doc._.attributions) == 1
    assert "We will win" in doc._.attributions[0].content.text


@pytest.mark.parametrize("profile", ["rules", "fast"])
def test_profile_is_part_of_the_component_config(profile):
    nlp = spacy.blank("en")
    nlp.add_pipe("onrecord_attributions", config={"profile": profile})
    assert nlp.get_pipe("onrecord_attributions").options.profile == profile
    doc = nlp("“We will not move,” said Mayor Ann Lee.")
    assert [a.content.text for a in doc._.attributions] == ["“We will not move,”"]

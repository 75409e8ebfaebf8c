"""extract never raises on imperfect news text, and what it returns is always well formed."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onrecord import extract
from onrecord.document import KINDS, Document


def _check_document(doc: Document) -> None:
    """Every span lies inside the text and reads back as its own text; every content is non-empty."""
    for a in doc.attributions:
        assert a.kind in KINDS
        assert a.content is not None and a.content.spans and a.content.text.strip()
        for span in (a.content, a.source, a.cue):
            if span is None:
                continue
            for s, e in span.spans:
                assert 0 <= s < e <= len(doc.text)
            assert span.text == " … ".join(doc.text[s:e] for s, e in span.spans)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\n\r\n",
        "“",
        "”",
        "'",
        "''",
        '"',
        "«",
        "«»",
        "“”",
        "” said ”",
        "“ said “",
        "“unclosed quote said he",
        "He said “",
        "said",
        "According to",
        "according to ,",
        ", saying",
        "“" * 10_000,
        "”“" * 5_000,
        '"' * 10_000,
        "''" * 5_000,
        "“a “b “c” d” e” said he, “f",
        "He said ’90s music was the best.",
        "It was rock ’n’ roll, he said, and the ’90s were ’round the corner.",
        "The voters’ anger is real,’ he said ‘",
        "Mr. . . . said . . .",
        "U.S. U.N. Mr. Mrs. Dr.",
        "\u200b“\u200bWe will win,\u200b” Smith said.\u200b",
        "“We will win,” Smith said.\x00",
        "说 “我们会赢” 他说。",
    ],
)
def test_extract_never_raises(text):
    doc = extract(text)
    assert isinstance(doc, Document)
    assert doc.text == text
    _check_document(doc)


def test_extract_many_quote_marks_finds_nothing():
    assert extract("“" * 10_000).attributions == []


def test_extract_large_text_finishes():
    sentence = "“We will win,” Smith said. The senator said that the bill would pass. He walked home.\n"
    text = sentence * (1_000_000 // len(sentence) + 1)
    assert len(text) >= 1_000_000
    doc = extract(text)
    assert isinstance(doc, Document)
    _check_document(doc)
    # two attributions per repeated sentence, none lost or merged across paragraphs
    assert len(doc.attributions) == 2 * text.count("\n")


@pytest.mark.parametrize("value", [None, 0, 12345, b"\"We will win,\" Smith said.", ["a", "b"]])
def test_extract_non_str_is_a_type_error(value):
    # analysed as its repr, a wrong type would hide the caller's bug (issue 22, item 18)
    with pytest.raises(TypeError, match="text must be a str"):
        extract(value)


NEWSY = st.sampled_from(
    ["“", "”", '"', "''", "«", "»", "‘", "’", "'", ",", ".", ":", "—", " ", "\n", "\r\n",
     "said", "says", "told", "according to", "saying", "he", "Smith", "Mr.", "U.S.", "that", "the", "We will win"]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_extract_arbitrary_unicode(text):
    doc = extract(text)
    assert isinstance(doc, Document)
    assert doc.text == text
    _check_document(doc)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NEWSY, max_size=60), st.sampled_from([" ", ""]))
def test_extract_arbitrary_newsy_text(pieces, glue):
    """News-like pieces joined by spaces, or glued together with none."""
    doc = extract(glue.join(pieces))
    assert isinstance(doc, Document)
    _check_document(doc)

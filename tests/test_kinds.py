"""classify_kind: direct / mixed / indirect from the quote marks around and inside a content."""
import pytest

from onrecord.text.kinds import classify_kind, quoted_words


def _spans(text: str, *pieces: str) -> list[tuple[int, int]]:
    """Offsets of each piece (its first occurrence) in `text`."""
    return [(text.index(p), text.index(p) + len(p)) for p in pieces]


@pytest.mark.parametrize(
    "text, pieces, kind",
    [
        # marks inside the content
        ("He said: “We will win.”", ["“We will win.”"], "direct"),
        ('"We will win," he said.', ['"We will win,"'], "direct"),
        # marks left outside the content
        ("He said: “We will win.”", ["We will win."], "direct"),
        ("“We will win,” he said.", ["We will win"], "direct"),
        # an indirect content with a quoted fragment
        ("She said they wanted to “keep details under wraps.”", ["they wanted to “keep details under wraps.”"], "mixed"),
        ("He said the economy is “bad.”", ["the economy is “bad"], "mixed"),
        ("He said the economy is bad.", ["the economy is bad"], "indirect"),
        # apostrophes and elisions are not quote marks
        ("He said Clinton’s team didn’t go in the ’90s.", ["Clinton’s team didn’t go in the ’90s"], "indirect"),
        ("He said the voters’ anger is real.", ["the voters’ anger is real"], "indirect"),
        # discontinuous: the interruption between pieces is not part of the content
        ("“We will win,” he said, “and they will lose.”", ["“We will win,”", "“and they will lose.”"], "direct"),
        ("“We will win,” he said, “and they will lose.”", ["We will win", "and they will lose"], "direct"),
        # a single quote inside a double one, and a double inside a straight one
        ("“He told me ‘no way,’ and left,” she said.", ["“He told me ‘no way,’ and left,”"], "direct"),
        ('"Read this: “Is it true?” Yes, it is," he said.', ['"Read this: “Is it true?” Yes, it is,"'], "direct"),
        # headline-style single quotes
        ("Trump says ‘we will win’", ["‘we will win’"], "direct"),
        # a quote left open at a paragraph end stops there; the next paragraph reopens it or not
        ("“We will win.\nThe crowd cheered.", ["“We will win.\nThe crowd cheered."], "mixed"),
        ("“We will win.\n“They will lose,” he said.", ["“We will win.\n“They will lose,”"], "direct"),
        ("She said: “We will win.", ["“We will win."], "direct"),
        # NYT-style doubled single quotes
        ("''It is over,'' Mr. Smith said.", ["''It is over,''"], "direct"),
        # nothing to classify
        ("He said — .", ["—"], "indirect"),
    ],
)
def test_classify_kind(text, pieces, kind):
    assert classify_kind(text, _spans(text, *pieces)) == kind


def test_classify_kind_without_spans_is_indirect():
    assert classify_kind("anything", []) == "indirect"


def test_quoted_words_flags_each_word():
    text = "He said the economy is “very bad” now."
    start = text.index("the")
    assert [quoted for _, quoted in quoted_words(text, start, len(text))] == [False, False, False, True, True, False]

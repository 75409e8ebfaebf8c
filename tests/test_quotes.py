"""find_quotes and quote_index: pairing quote marks, recovering from unbalanced ones."""
import pytest

from onrecord.text.quotes import find_quotes, quote_index
from onrecord.text.tokens import tokenize


def _quoted(text: str) -> list[tuple[str, bool]]:
    """(quoted text from the first mark to the last token, closed?) for each quote found."""
    tokens = tokenize(text)
    return [(text[tokens[q.first].start:tokens[q.last].end], q.closed) for q in find_quotes(text, tokens)]


@pytest.mark.parametrize(
    "text, quoted",
    [
        # curly marks pair
        ("He said “yes” and “no”.", [("“yes”", True), ("“no”", True)]),
        ("“We will win,” Smith said.", [("“We will win,”", True)]),
        # straight marks pair by position
        ('He said "yes" and "no".', [('"yes"', True), ('"no"', True)]),
        ('"We will win," Smith said.', [('"We will win,"', True)]),
        # NYT-style doubled apostrophes
        ("''It is over,'' Mr. Smith said.", [("''It is over,''", True)]),
        # guillemets
        ("He said «oui».", [("«oui»", True)]),
        ("«Nous gagnerons», a-t-il dit.", [("«Nous gagnerons»", True)]),
        # a stray closing mark with nothing open is ignored
        ("He said ” stray “ok”.", [("“ok”", True)]),
        ("” said ”", []),
        # nothing to pair
        ("He said nothing.", []),
    ],
)
def test_find_quotes(text, quoted):
    assert _quoted(text) == quoted


@pytest.mark.parametrize(
    "text, quoted",
    [
        # news style: the closing mark is left off at a paragraph end; the quote stops at that paragraph
        ("He said “yes and more\nNext paragraph here.", [("“yes and more", False)]),
        ("He said “yes and more.\n“And more,” he added.", [("“yes and more.", False), ("“And more,”", True)]),
        ("He said “yes and more\r\nNext paragraph here.", [("“yes and more", False)]),
        # unclosed at the very end of the text
        ("He said “yes and more", [("“yes and more", False)]),
        # a second opening mark before any closing one: the first quote was never closed
        ("“a b “c d” e", [("“a b", False), ("“c d”", True)]),
    ],
)
def test_find_quotes_recovers_unclosed(text, quoted):
    assert _quoted(text) == quoted


def test_unclosed_quote_ends_at_its_paragraph():
    text = "He said “yes and more\nNext paragraph here."
    tokens = tokenize(text)
    (quote,) = find_quotes(text, tokens)
    assert quote.closed is False
    assert tokens[quote.last].end <= text.index("\n")
    assert tokens[quote.last].text == "more"


def test_quote_index_marks_tokens_inside_quotes():
    text = "He said “yes” and “no”."
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["He", "said", "“", "yes", "”", "and", "“", "no", "”", "."]
    index = quote_index(find_quotes(text, tokens), len(tokens))
    assert index == [-1, -1, 0, 0, 0, -1, 1, 1, 1, -1]


def test_quote_index_without_quotes():
    assert quote_index([], 4) == [-1, -1, -1, -1]

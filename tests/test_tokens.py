"""tokenize and split_sentences: offsets into the original text, abbreviations, quote marks."""
import pytest

from onrecord.text.tokens import retokenize, split_sentences, tokenize


def _texts(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def _sentences(text: str) -> list[str]:
    """Each sentence as the text from its first token's start to its last token's end."""
    tokens = tokenize(text)
    return [text[tokens[a].start:tokens[b - 1].end] for a, b in split_sentences(text, tokens)]


@pytest.mark.parametrize(
    "text",
    [
        "“We will win,” Smith said.",
        "  The U.S. and Mr. Smith met on Jan. 5.\r\nThey talked.",
        "''It is over,'' Mr. Smith said.",
        "Clinton’s team didn’t go in the ’90s — rock ’n’ roll!",
        "«Oui», dit-il. „Ja“, sagte er.",
        "3.5 percent of Washington-based voters (roughly) agreed…",
    ],
)
def test_tokenize_offsets_round_trip(text):
    tokens = tokenize(text)
    assert tokens
    for t in tokens:
        assert text[t.start:t.end] == t.text
    # tokens are in order, do not overlap, and skip only whitespace
    for prev, nxt in zip(tokens, tokens[1:]):
        assert prev.end <= nxt.start
        assert text[prev.end:nxt.start].strip() == ""


@pytest.mark.parametrize(
    "text, token",
    [
        ("The U.S. said so.", "U.S."),
        ("The U.N. said so.", "U.N."),
        ("Mr. Smith said so.", "Mr."),
        ("Ms. Gil said so.", "Ms."),
        ("Clinton’s plan", "Clinton’s"),
        ("Clinton's plan", "Clinton's"),
        ("''Quote,'' he said.", "''"),
    ],
)
def test_tokenize_keeps_single_token(text, token):
    assert token in _texts(text)


def test_tokenize_nyt_double_apostrophe_opens_and_closes():
    assert _texts("''Quote,'' he said.") == ["''", "Quote", ",", "''", "he", "said", "."]


@pytest.mark.parametrize(
    "text, sentences",
    [
        # no break after an abbreviation, an initialism inside a title, or a middle initial
        ("Mr. Smith said hello. He left.", ["Mr. Smith said hello.", "He left."]),
        ("The U.S. Secretary of State said so. Then he left.", ["The U.S. Secretary of State said so.", "Then he left."]),
        ("John F. Kennedy was president. He died.", ["John F. Kennedy was president.", "He died."]),
        # a period, a space and a capital end a sentence
        ("It is over. The end.", ["It is over.", "The end."]),
        ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
        # a closing quote after the period stays in the sentence
        ("“It is over.” He said so.", ["“It is over.”", "He said so."]),
        ("He said “it is over.” Then he left.", ["He said “it is over.”", "Then he left."]),
        ('He said "it is over." Then he left.', ['He said "it is over."', "Then he left."]),
        # a newline always breaks, even with no period and a lower-case start
        ("First line\nsecond line", ["First line", "second line"]),
        ("First line.\n\nSecond line", ["First line.", "Second line"]),
        ("Headline with no stop\r\nBody text here.", ["Headline with no stop", "Body text here."]),
    ],
)
def test_split_sentences(text, sentences):
    assert _sentences(text) == sentences


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_split_sentences_empty(text):
    assert split_sentences(text, tokenize(text)) == []


def test_split_sentences_cover_every_token_once():
    text = "Mr. Smith said hello. “It is over.” He left.\nA new line. U.S. troops left."
    tokens = tokenize(text)
    sentences = split_sentences(text, tokens)
    assert sentences[0][0] == 0
    assert sentences[-1][1] == len(tokens)
    for (a, b), (c, d) in zip(sentences, sentences[1:]):
        assert a < b == c < d


def _blank(text: str, start: int, end: int) -> str:
    """`text` with [start, end) made spaces, newlines kept (as the clean stage blanks)."""
    return text[:start] + "".join(c if c == "\n" else " " for c in text[start:end]) + text[end:]


def _fields(tokens) -> list[tuple]:
    return [(t.start, t.end, t.text, t.lower, t.is_word, t.is_capitalized) for t in tokens]


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("Roxana M.\nLeon said so.\nMore text.", 10, 25),  # a middle initial whose next capital is blanked
        ("He said.\n\nAdvert: buy now!\nShe left.", 10, 26),  # a whole line between article lines
        ("Smith, U.S. envoy, said so. Subscribe here", 28, 42),  # the end of a line, the text's end
        ("WASHINGTON (AP) — The U.S. said\nmore.", 0, 18),  # an inline piece at a line's start
        ("a J.\n   \nLower\nend", 10, 15),  # blank lines between the initial and the blanked line
        ("one two\nthree four\nfive six", 4, 14),  # across lines, mid-word at both ends
    ],
)
def test_retokenize_matches_tokenize(text, start, end):
    blanked = _blank(text, start, end)
    for original, copy in ((text, blanked), (blanked, text)):
        assert _fields(retokenize(original, copy, tokenize(copy))) == _fields(tokenize(original))


def test_retokenize_needs_the_same_lines():
    assert retokenize("one\ntwo", "one\ntwo\n", tokenize("one\ntwo\n")) is None
    assert retokenize("one\ntwo", "one\ntw", tokenize("one\ntw")) is None

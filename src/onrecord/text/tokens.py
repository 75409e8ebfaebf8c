"""Tokens and sentences: a fast regex tokenizer with offsets into the original text."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from operator import attrgetter

# Quote marks are tokens of their own so that quote structure can be read off the token stream.
OPEN_QUOTES = ("“", "«", "„", "‟")
CLOSE_QUOTES = ("”", "»")
STRAIGHT_QUOTES = ('"', "''")  # '' is how some archives (NYT) write a double quote
QUOTE_MARKS = OPEN_QUOTES + CLOSE_QUOTES + STRAIGHT_QUOTES

_TOKEN_RE = re.compile(
    r"""(?:[A-Za-z]\.){2,}          # initialisms: U.S. U.N.
      | (?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Maj|Sgt|Capt|Adm|St|Jr|Sr|Prof|Rev|Atty|Hon|Pres|Sec|Supt|Cmdr)\.
      | [A-Z]\.(?=\s+[A-Z])        # a middle initial: "Roxana M. Leon"
      | ''                          # two apostrophes as a double quote mark (NYT style)
      | \w+(?:['’\-.]\w+)*(?:\++(?!\w))?  # words, with inner apostrophes, hyphens, dots (3.5, Washington-based)
                                    # and trailing plus signs that are part of a name (Disney+, C++)
      | ['’]\w+                     # clitics standing alone: ’ll ’s
      | \S                          # any other single character
    """,
    re.X,
)
# What tokenize runs: the same tokens, found faster. The blanks before a token are matched (possessively)
# with it, so the scanner does not try every alternative at every blank; a plain word not followed by
# ' ’ - . + is taken in one step, the span the `\w+…` alternative would give it (no earlier one can match there).
_SCAN_RE = re.compile(r"\s*+(\w++(?!['’\-.+])|" + _TOKEN_RE.pattern + ")", re.VERBOSE)

# Abbreviations whose period does not end a sentence.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr sen rep gov gen lt col maj sgt capt adm st jr sr prof rev hon pres atty
    jan feb mar apr aug sept sep oct nov dec no vs etc inc corp co ltd dept est ft mt u.s u.n""".split()
)


@dataclass(slots=True, init=False)
class Token:
    """A token: its [start, end) offsets in the text and its text (with what every stage asks of it, read once)."""

    start: int
    end: int
    text: str
    lower: str = field(repr=False, compare=False)
    is_word: bool = field(repr=False, compare=False)
    is_capitalized: bool = field(repr=False, compare=False)

    def __init__(self, start: int, end: int, text: str) -> None:
        # the derived fields are set here, once: the stages read them millions of times per corpus
        self.start, self.end, self.text = start, end, text
        self.lower = text.lower()
        first = text[0]
        self.is_word = first.isalnum() or first == "_" or (len(text) > 1 and text[1].isalnum())
        self.is_capitalized = first.isupper()


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens (words, numbers, punctuation, quote marks) with offsets."""
    # the scan stops at the last token: trailing blanks would be matched, and given up, from every position
    return [Token(m.start(1), m.end(1), m[1]) for m in _SCAN_RE.finditer(text, 0, len(text.rstrip()))]


_start_of = attrgetter("start")  # the bisect key: a token's start offset (read in C, no Python call)


def retokenize(text: str, copy: str, copy_tokens: list[Token]) -> list[Token] | None:
    """The tokens of `text` from those of `copy`, a version of it with some lines changed in place (the clean
    stage's blanking): only the changed lines are tokenized again. None when the lines differ in length."""
    lines, copy_lines = text.split("\n"), copy.split("\n")
    if len(lines) != len(copy_lines):
        return None
    windows: list[tuple[int, int]] = []  # [start, end) character ranges of `text` to tokenize again
    at = 0
    for line, copy_line in zip(lines, copy_lines):
        end = at + len(line)
        if line != copy_line:
            if len(line) != len(copy_line):
                return None
            # a token's span depends on its run of non-blank characters, and a middle initial's ("M.") on the
            # character after the blanks that follow it: so the window opens at the last run before the line
            start = at
            while start > 0 and text[start - 1].isspace():
                start -= 1
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            if windows and start <= windows[-1][1]:
                start = windows.pop()[0]
            windows.append((start, end))  # `end` is a newline (or the text's end): the scans agree after it
        at = end + 1
    tokens: list[Token] = []
    k, stop = 0, len(text.rstrip())
    for start, end in windows:
        i = bisect_left(copy_tokens, start, lo=k, key=_start_of)
        tokens += copy_tokens[k:i]
        for m in _SCAN_RE.finditer(text, start, stop):
            if m.start(1) >= end:
                break
            tokens.append(Token(m.start(1), m.end(1), m[1]))
        k = bisect_left(copy_tokens, end, lo=i, key=_start_of)
    tokens += copy_tokens[k:]
    return tokens


def line_starts(text: str, tokens: list[Token]) -> set[int]:
    """Indices of the tokens with a newline between them and the token before."""
    starts, n = set(), len(tokens)
    at = text.find("\n", tokens[0].end) if tokens else -1
    while at >= 0:
        # tokens hold no whitespace, so the newline lies in the gap before the first token after it
        k = bisect_left(tokens, at, key=_start_of)
        if k >= n:
            break
        starts.add(k)
        at = text.find("\n", tokens[k].end)
    return starts


def paragraph_ends(text: str, tokens: list[Token]) -> list[int]:
    """For each token, the index just past the last token of its paragraph (paragraphs end at newlines)."""
    ends = []
    for end in sorted(line_starts(text, tokens)) + [len(tokens)]:
        ends += [end] * (end - len(ends))
    return ends


_SENTENCE_TRAILERS = CLOSE_QUOTES + STRAIGHT_QUOTES + (")", "]", "’", "'")  # stay with the sentence they close
_SENTENCE_OPENERS = OPEN_QUOTES + STRAIGHT_QUOTES + ("‘", "'", "(", "[")


def split_sentences(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Group tokens into sentences: returns [start_token, end_token) index pairs."""
    sentences = []
    start = 0
    n = len(tokens)
    breaks = line_starts(text, tokens)
    # only a token before a line break or one ending in . ! ? can end a sentence: the others are not visited
    ends = {k - 1 for k in breaks}.union([i for i, tok in enumerate(tokens) if tok.text[-1] in ".!?"])
    for i in sorted(ends):
        if i + 1 >= n:
            break
        tok, nxt = tokens[i], tokens[i + 1]
        # A newline between two tokens always ends the sentence (paragraphs, headlines).
        if i + 1 in breaks:
            sentences.append((start, i + 1))
            start = i + 1
            continue
        if tok.text not in ".!?":
            # a period glued into an initialism ("U.S.") can end a sentence too
            if not (tok.text.endswith(".") and len(tok.text) > 2 and _starts_sentence(nxt)
                    and tok.lower.rstrip(".") not in ABBREVIATIONS and tok.text[-3] == "."
                    and nxt.text not in ("S.",) and _is_sentence_start_word(tokens, i + 1)):
                continue
        elif tok.text == "." and i > 0 and _is_abbreviation(tokens[i - 1], tok):
            continue
        # Closing quotes and brackets right after the stop belong to this sentence.
        j = i + 1
        while j < n and tokens[j].text in _SENTENCE_TRAILERS and tokens[j].start == tokens[j - 1].end:
            j += 1
        if j < n and tokens[j].start > tokens[j - 1].end and _starts_sentence(tokens[j]):
            if j > i + 1:
                continue_at = j
            else:
                continue_at = i + 1
            if continue_at > start:
                sentences.append((start, continue_at))
                start = continue_at
    if start < n:
        sentences.append((start, n))
    # Fix the rare case where closing quotes were left at the head of the next sentence.
    return [s for s in sentences if s[1] > s[0]]


def _starts_sentence(tok: Token) -> bool:
    """Could `tok` be the first token of a sentence?"""
    c = tok.text[0]
    return c.isupper() or c.isdigit() or tok.text in _SENTENCE_OPENERS


def _is_sentence_start_word(tokens: list[Token], i: int) -> bool:
    """After an initialism like "U.S.", only a few words make a real sentence start."""
    return tokens[i].text in ("The", "He", "She", "It", "They", "We", "I", "But", "In", "A", "This")


def _is_abbreviation(prev: Token, period: Token) -> bool:
    """Is the period right after `prev` part of an abbreviation ("Mr.", "Sen.", "J.")?"""
    if prev.end != period.start:
        return False
    low = prev.lower
    if low in ABBREVIATIONS:
        return True
    return len(prev.text) == 1 and prev.text.isupper()  # middle initials: "John F. Kennedy"

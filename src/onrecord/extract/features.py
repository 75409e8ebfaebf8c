"""What the tagger reads per token and per sentence window: word forms, suffixes, shapes, cue-lexicon
strength, quotation state and the role a rule frame gave each token; and the tag sets it writes.

Shared by the PyTorch network (`network.py`), its NumPy forward pass (`cnn_numpy.py`) and training.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

from onrecord.extract.frames import CUE_NOUNS, Frame
from onrecord.text.cues import DEFAULT_LEXICON, load_cue_lexicon

MAX_SENTENCE_TOKENS = 150  # longer "sentences" (lists, tables) are cut into windows of this size
MAX_DISTANCE = 30  # distances to the cue are clipped here
CUE_TAGS = ("O", "B-CUE", "I-CUE")
ROLE_TAGS = ("O", "B-SRC", "I-SRC", "B-CON", "I-CON")
RULE_ROLES = {"source": 1, "cue": 2, "content": 3}
QUOTE_MARKS = frozenset("\"'“”‘’«»„‟")
_DIGITS = re.compile(r"\d")


def word_form(text: str) -> str:
    """The vocabulary key of a token: lower case, digits folded to 0."""
    low = text.lower()
    return low if low.isalpha() else _DIGITS.sub("0", low)  # most words hold no digit: skip the regex


def word_shape(text: str) -> str:
    """A coarse shape: the mark itself for punctuation, else Xx / x / X / d / mixed."""
    if not text[0].isalnum():
        return text[:2]
    if text.isdigit():
        return "d"
    if text.islower():
        return "x"
    if text.isupper():
        return "X" if len(text) > 1 else "Xx"
    return "Xx" if text[0].isupper() else "mixed"


@dataclass
class SentenceFeatures:
    """The symbolic features of one sentence window; `offset` is its first token's index in the text."""

    offset: int
    words: list[str]
    suffixes: list[str]
    shapes: list[str]
    cue_strength: list[int]  # 0..10 from the cue lexicon; 11 "according to", 12 cue nouns
    quote_state: list[int]  # 0 outside, 1 inside a quotation, 2 a quote mark
    rule_role: list[int]  # 0, or the role a rule frame gave the token (RULE_ROLES)


def sentence_windows(analysis) -> list[tuple[int, int]]:
    """Sentences joined where a quotation runs across them, long ones cut at MAX_SENTENCE_TOKENS.

    "“We disagree. We always have,” she said." is one window, so the tagger sees the whole quotation
    next to its cue.
    """
    quote_end = {}
    for q in analysis.quotes:
        quote_end[q.first] = max(quote_end.get(q.first, 0), q.last)
    firsts = sorted(quote_end)
    spans = []
    for start, end in analysis.sentences:
        # the end of the furthest-reaching quotation that opens in this sentence
        last = max((quote_end[k] for k in firsts[bisect_left(firsts, start):bisect_left(firsts, end)]), default=0)
        if spans and spans[-1][2] >= start:  # the previous window's quotation is still open
            spans[-1][1] = end
            spans[-1][2] = max(spans[-1][2], last)
        else:
            spans.append([start, end, last])
    windows = []
    for start, end, _ in spans:
        for a in range(start, end, MAX_SENTENCE_TOKENS):
            windows.append((a, min(end, a + MAX_SENTENCE_TOKENS)))
    return windows


@lru_cache(maxsize=4)
def cue_strengths(lexicon_name: str = DEFAULT_LEXICON) -> dict[str, int]:
    """Word form -> its cue-strength feature: 0..10 from the cue lexicon, 12 for cue nouns."""
    strengths = {form: int(round(p * 10)) for form, p in load_cue_lexicon(lexicon_name).items()}
    strengths.update(dict.fromkeys(CUE_NOUNS, 12))
    return strengths


@lru_cache(maxsize=1 << 14)  # bounded: a server that reads for months must not keep every token it ever saw
def token_features(text: str) -> tuple[str, str, str]:
    """A token's word form, suffix (its last three characters, lower case) and shape."""
    return word_form(text), text[-3:].lower(), word_shape(text)


def _indices(items: list[str], value: str) -> list[int]:
    """Where `value` occurs in `items` (list.index scans without a Python step per item)."""
    found, k = [], -1
    while True:
        try:
            k = items.index(value, k + 1)
        except ValueError:
            return found
        found.append(k)


@dataclass
class TextFeatures:
    """The symbolic features of all sentence windows of a text, laid end to end (the NumPy pass reads them
    so; `sentence_features` cuts them into windows). Each token's text stands for the word form, suffix
    and shape that follow from it."""

    windows: list[tuple[int, int]]  # each window's [start, end) token range in the text
    texts: list[str]
    cue_strength: list[int]
    quote_state: list[int]
    rule_role: list[int]


def text_features(analysis, rule_frames: list[Frame]) -> TextFeatures:
    """Features of every sentence window of an analysed text, laid end to end."""
    tokens, in_quote = analysis.tokens, analysis.in_quote
    rule_role = [0] * len(tokens)
    for frame in rule_frames:
        for role in ("content", "source", "cue"):  # later roles win: cue over source over content
            for a, b in getattr(frame, role):
                rule_role[a:b] = [RULE_ROLES[role]] * (b - a)
    marks = {i for q in analysis.quotes for i in (q.first, q.last) if tokens[i].text in QUOTE_MARKS}
    quote_state = [1 if q >= 0 else 0 for q in in_quote]
    for i in marks:
        quote_state[i] = 2
    lows = [t.lower for t in tokens]
    strengths = cue_strengths()
    strength = list(map(strengths.get, lows, repeat(0)))
    for k in _indices(lows, "according"):
        if k + 1 < len(lows) and lows[k + 1] == "to":
            strength[k] = 11
    columns = [[t.text for t in tokens], strength, quote_state, rule_role]
    windows = sentence_windows(analysis)
    # the windows' tokens end to end are the text's own, as its sentences cover it; otherwise they are picked
    if [a for a, _ in windows] + [len(tokens)] != [0] + [b for _, b in windows]:
        columns = [[x for a, b in windows for x in column[a:b]] for column in columns]
    return TextFeatures(windows, *columns)


def sentence_features(text: TextFeatures) -> list[SentenceFeatures]:
    """A text's features cut into its sentence windows, with each token's word form, suffix and shape."""
    # a text repeats most of its tokens ("the", ","): each form, suffix and shape is worked out once
    words, suffixes, shapes = [], [], []
    for form, suffix, shape in map(token_features, text.texts):
        words.append(form)
        suffixes.append(suffix)
        shapes.append(shape)
    features, row = [], 0
    for start, end in text.windows:
        a, row = row, row + end - start
        features.append(SentenceFeatures(offset=start, words=words[a:row], suffixes=suffixes[a:row],
                                          shapes=shapes[a:row], cue_strength=text.cue_strength[a:row],
                                          quote_state=text.quote_state[a:row], rule_role=text.rule_role[a:row]))
    return features


def featurize(analysis, rule_frames: list[Frame]) -> list[SentenceFeatures]:
    """Features of every sentence window of an analysed text (shared by training and inference)."""
    return sentence_features(text_features(analysis, rule_frames))


def spans_of(tags: list[int], begin: int, inside: int) -> list[tuple[int, int]]:
    """[start, end) runs of a BIO label in a tag sequence; an I without a B starts a run."""
    runs, start = [], None
    # before the label's first tag nothing happens: the loop starts there (list.index scans in C)
    first = min((tags.index(t) for t in (begin, inside) if t in tags), default=len(tags))
    for i, tag in enumerate(tags[first:] + [0], first):
        if tag == begin or (tag == inside and start is None):
            if start is not None:
                runs.append((start, i))
            start = i
        elif tag != inside and start is not None:
            runs.append((start, i))
            start = None
    return runs

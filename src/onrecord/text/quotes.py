"""Quote structure: pair quotation marks into quoted regions, recovering from unbalanced marks."""
from __future__ import annotations

from dataclasses import dataclass

from onrecord.text.tokens import (
    CLOSE_QUOTES,
    OPEN_QUOTES,
    QUOTE_MARKS,
    STRAIGHT_QUOTES,
    Token,
    line_starts,
)

_MARKS = frozenset(QUOTE_MARKS)


@dataclass(slots=True)
class Quote:
    """A quoted region: token indices [first, last] of its marks; `closed` is False when recovered."""

    first: int  # index of the opening mark
    last: int  # index of the closing mark, or of the last token before the paragraph end
    closed: bool = True


def _opens(text: str, tokens: list[Token], i: int) -> bool:
    """Does the straight quote at token i open (rather than close) a quotation?"""
    tok = tokens[i]
    before = text[tok.start - 1] if tok.start > 0 else " "
    after = text[tok.end] if tok.end < len(text) else " "
    if before.isspace() or before in "([{—–-:":
        return not after.isspace()
    return False


def find_quotes(text: str, tokens: list[Token]) -> list[Quote]:
    """Pair quote marks paragraph by paragraph; an unclosed quote runs to its paragraph's end."""
    quotes: list[Quote] = []
    open_at: int | None = None
    breaks = line_starts(text, tokens)
    # only paragraph starts and quote marks change anything: the other tokens are not visited
    marks = [i for i, tok in enumerate(tokens) if tok.text in _MARKS]
    for i in sorted(breaks.union(marks)):
        # A paragraph break closes a quote left open: news style leaves the mark off at paragraph end.
        if open_at is not None and i in breaks:
            quotes.append(Quote(open_at, i - 1, closed=False))
            open_at = None
        ch = tokens[i].text
        if ch not in _MARKS:
            continue
        if ch in STRAIGHT_QUOTES:
            is_open = open_at is None and _opens(text, tokens, i)
            is_close = open_at is not None
        else:
            is_open = ch in OPEN_QUOTES
            is_close = ch in CLOSE_QUOTES
        if is_close and open_at is not None:
            quotes.append(Quote(open_at, i))
            open_at = None
        elif is_open:
            if open_at is not None:  # a second opening mark: the first was never closed
                quotes.append(Quote(open_at, i - 1, closed=False))
            open_at = i
        # a closing mark with nothing open is a stray: ignored
    if open_at is not None:
        quotes.append(Quote(open_at, len(tokens) - 1, closed=False))
    return [q for q in quotes if q.last > q.first]


def quote_index(quotes: list[Quote], n_tokens: int) -> list[int]:
    """For each token, the index of the quote it lies in (marks included), or -1."""
    inside = [-1] * n_tokens
    for qi, q in enumerate(quotes):
        inside[q.first:q.last + 1] = [qi] * (q.last + 1 - q.first)
    return inside

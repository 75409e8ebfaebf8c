"""The kind of a content: `direct` (all quoted), `mixed` (partly quoted) or `indirect` (paraphrase).

One definition shared by the gold reader (evaluate) and the extraction engine, so that the
direct / mixed / indirect groups mean the same on both sides of a score.
"""
from __future__ import annotations

import re

DOUBLE_QUOTES = '"“”„‟«»＂'
SINGLE_QUOTES = "'‘’‚‛‹›"
QUOTE_MARKS = DOUBLE_QUOTES + SINGLE_QUOTES

# What a mark's glyph says when its neighbours don't settle whether it opens or closes.
_GLYPH_DIRECTION = {"“": "open", "„": "open", "‟": "open", "«": "open", "‘": "open", "‚": "open",
                    "‛": "open", "‹": "open", "”": "close", "»": "close", "’": "close", "›": "close"}
_BEFORE_OPENING = "([{<—–-/:" + QUOTE_MARKS
_AFTER_CLOSING = ".,;:!?…)]}>—–-" + QUOTE_MARKS
_WORD = re.compile(r"\w+")
_MARK = re.compile(r"[" + re.escape(QUOTE_MARKS) + r"\n]")


def classify_kind(text: str, spans: list[tuple[int, int]]) -> str:
    """`direct` if every word of the content is quoted, `mixed` if some are, else `indirect`."""
    spans = sorted((s, e) for s, e in spans if e > s)
    if not spans:
        return "indirect"
    # Read the quote marks in the gaps between pieces too: “A, he said, B” is one quotation.
    words = quoted_words(text, spans[0][0], max(e for _, e in spans))
    if len(spans) == 1:  # the words read are all inside the one piece
        flags = [quoted for _, quoted in words]
    else:
        flags = [quoted for start, quoted in words if any(s <= start < e for s, e in spans)]
    if not any(flags):
        return "indirect"
    return "direct" if all(flags) else "mixed"


def quoted_words(text: str, start: int, end: int) -> list[tuple[int, bool]]:
    """(start offset, inside quotation marks?) for each `\\w+` word in text[start:end]."""
    opener = _opened_before(text, start)
    open_marks: list[str] = [opener] if opener else []  # the opening marks in force, innermost last
    starts: list[int] = []
    flags: list[bool] = []
    segment = 0  # flags[segment:] are the words since the last mark or line break
    at = start
    # the marks are read one by one; the words between two marks all share the state the first left
    for m in _MARK.finditer(text, start, end):
        words = [w.start() for w in _WORD.finditer(text, at, m.start())]
        starts += words
        flags += [bool(open_marks)] * len(words)
        at = m.end()
        ch = m.group()
        if ch == "\n":
            # News style leaves the closing mark off at a paragraph end and reopens the next
            # paragraph with a mark; a paragraph that doesn't reopen is not quoted.
            open_marks, segment = [], len(flags)
            continue
        direction = _mark_direction(text, m.start(), open_marks)
        if direction is None:
            continue
        if direction == "close" or (direction == "toggle" and open_marks):
            if open_marks:
                open_marks.pop()
            elif segment == 0:  # the content began inside a quote whose opening mark it left out
                flags = [True] * len(flags)
        elif not open_marks or open_marks[-1] != ch:
            open_marks.append(ch)  # a quote inside a quote ("... “...” ..."); the same mark again only reopens
        segment = len(flags)
    words = [w.start() for w in _WORD.finditer(text, at, end)]
    starts += words
    flags += [bool(open_marks)] * len(words)
    if not open_marks and segment < len(flags) and _closed_after(text, end):
        flags[segment:] = [True] * (len(flags) - segment)  # the content stops just before a closing mark
    return list(zip(starts, flags))


def _mark_direction(text: str, i: int, open_marks: list[str]) -> str | None:
    """What the quote mark at i does here: open, close, toggle, or None (an apostrophe, a nested single)."""
    ch = text[i]
    direction = _direction(text, i)
    if ch in SINGLE_QUOTES:
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if before.isalnum() and after.isalnum():
            return None  # an apostrophe: didn’t, Clinton's
        if any(mark in DOUBLE_QUOTES for mark in open_marks):
            return None  # a single quote inside a double one changes nothing about what is quoted
        if direction != "open" and not open_marks:
            return None  # possessive plural (voters’) or a stray mark
        if direction == "open" and ch == "’":
            return None  # elision: ’90s, ’em
    return direction


def _direction(text: str, i: int) -> str:
    """Does the quote mark at i open or close a quotation, judged by its neighbours, then its glyph?"""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    opens = before.isspace() or before in _BEFORE_OPENING
    closes = after.isspace() or after in _AFTER_CLOSING
    if opens and not closes:
        return "open"
    if closes and not opens:
        return "close"
    return _GLYPH_DIRECTION.get(text[i], "toggle")


def _opened_before(text: str, start: int) -> str | None:
    """The opening quote mark just before `start` (spaces skipped), if there is one."""
    i = start - 1
    while i >= 0 and start - i <= 3 and text[i] in " \t":
        i -= 1
    if i < 0 or text[i] not in QUOTE_MARKS or _direction(text, i) == "close":
        return None
    if text[i] in SINGLE_QUOTES and text[i] not in "‘'‚‛‹":
        return None  # ’ before a word is an elision (’90s), not an opening mark
    return text[i]


def _closed_after(text: str, end: int) -> bool:
    """Is there a closing double quote mark just after `end` (spaces and final punctuation skipped)?"""
    i = end
    while i < len(text) and i - end < 4 and text[i] in " \t.,;:!?…":
        i += 1
    # Single marks are left out: after a word they are mostly possessives (voters’).
    return i < len(text) and text[i] in DOUBLE_QUOTES and _direction(text, i) != "open"

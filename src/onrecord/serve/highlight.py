"""Highlighting: character spans over a text turned into pieces, each with the roles that cover it.

The templates render the pieces (Jinja escapes every piece of text), so article text never becomes
markup. Spans may overlap or nest (a source inside another attribution's content, two attributions
sharing a cue): the text is cut at every span boundary, and each piece carries all roles and
attributions covering it. Offsets out of range are clamped, empty spans dropped: never an exception.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from onrecord.document import Document
from onrecord.store.query import Search, SearchSyntaxError, index_form, parse_search

ROLES = ("source", "cue", "content")  # the colours of an attribution; where they overlap, the first is drawn on top
WORD = re.compile(r"[^\W_]+")  # a word, as the full-text index splits text: letters and digits


@dataclass
class Piece:
    """A stretch of text and what covers it: roles (source, cue, content, match) and attribution numbers."""

    text: str
    roles: tuple[str, ...] = ()
    attributions: tuple[int, ...] = ()

    @property
    def role(self) -> str | None:
        """The role whose colour the piece is drawn in: the first of ROLES covering it, else any."""
        return next((r for r in ROLES if r in self.roles), self.roles[0] if self.roles else None)


@dataclass
class Block:
    """A segment of a document (article, boilerplate, advertorial) as highlighted pieces."""

    label: str
    reason: str
    pieces: list[Piece] = field(default_factory=list)
    inline: bool = False  # part of a line (markup inside a sentence), not whole lines: drawn within the line

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)


Span = tuple[int, int, str, int | None]  # start, end, role, attribution number (None: no attribution)


def pieces(text: str, spans: list[Span], start: int = 0, end: int | None = None) -> list[Piece]:
    """`text[start:end]` cut at every span boundary, each piece with the roles and attributions covering it."""
    end = len(text) if end is None else max(0, min(end, len(text)))
    start = max(0, min(start, end))
    return cut(text, spans, [start, end])[0]


def cut(text: str, spans: list[Span], bounds: list[int]) -> list[list[Piece]]:
    """The stretches `text[bounds[i]:bounds[i+1]]` cut into pieces at every span boundary, in one sweep.

    The span boundaries are sorted once and walked in order, keeping the spans open at each point, so a
    document with thousands of attributions costs about (spans + pieces) × log, not spans × pieces.
    `bounds` are sorted, within the text.
    """
    low, high = bounds[0], bounds[-1]
    opening: dict[int, list[tuple[str, int | None]]] = {}
    closing: dict[int, list[tuple[str, int | None]]] = {}
    for span in spans:
        s, e = max(int(span[0]), low), min(int(span[1]), high)
        if e > s:
            opening.setdefault(s, []).append((span[2], span[3]))
            closing.setdefault(e, []).append((span[2], span[3]))
    open_spans: Counter = Counter()  # (role, attribution) → how many of its spans cover this point
    stretches: list[list[Piece]] = [[] for _ in bounds[1:]]
    stretch = 0
    for here, following in pairwise(sorted({*bounds, *opening, *closing})):
        for key in closing.get(here, ()):
            open_spans[key] -= 1
            if not open_spans[key]:
                del open_spans[key]  # only the spans open here stay: each piece looks at those alone
        for key in opening.get(here, ()):
            open_spans[key] += 1
        while bounds[stretch + 1] <= here:
            stretch += 1
        present = {role for role, _ in open_spans}
        roles = tuple(r for r in ROLES if r in present) + tuple(sorted(present - set(ROLES)))
        numbers = tuple(sorted({n for _, n in open_spans if n is not None}))
        stretches[stretch].append(Piece(text[here:following], roles, numbers))
    return stretches


def match_pieces(content: str, highlights: list[list[int]]) -> list[Piece]:
    """A statement's content cut at its search matches (from `match_spans`), matches marked "match"."""
    return pieces(content, [(s, e, "match", None) for s, e in highlights])


def attribution_spans(doc: Document) -> list[Span]:
    """Every source, cue and content span of a document's attributions, numbered by reading order."""
    spans: list[Span] = []
    for number, attribution in enumerate(doc.attributions):
        for role in ROLES:
            part = getattr(attribution, role)
            if part is not None:
                spans.extend((s, e, role, number) for s, e in part.spans)
    return spans


def document_blocks(doc: Document) -> list[Block]:
    """The document's text as blocks: runs of article text highlighted, boilerplate and advertorial apart.

    Text no segment covers (an unsegmented document, the gaps between segments) counts as article.
    """
    text = doc.text
    spans = attribution_spans(doc)
    stretches: list[tuple[int, int, str, str]] = []
    position = 0
    for segment in sorted(doc.segments, key=lambda s: (s.start, s.end)):
        s, e = max(segment.start, position), min(segment.end, len(text))
        if e <= s:
            continue  # overlapping or out-of-range segments: the first one claims the text
        if s > position:
            stretches.append((position, s, "article", ""))
        stretches.append((s, e, segment.label, segment.reason))
        position = e
    if position < len(text):
        stretches.append((position, len(text), "article", ""))
    if not stretches:
        return []
    cut_up = cut(text, spans, [s for s, *_ in stretches] + [stretches[-1][1]])  # one sweep for the whole text
    blocks: list[Block] = []
    for (s, e, label, reason), stretch_pieces in zip(stretches, cut_up):
        if label == "article" and blocks and blocks[-1].label == "article":
            blocks[-1].pieces.extend(stretch_pieces)  # one run of article text
        else:
            mid_line = (s > 0 and text[s - 1] != "\n") or (e < len(text) and "\n" not in text[e - 1:e + 1])
            blocks.append(Block(label, reason, stretch_pieces, inline=mid_line))
    return blocks


def content_words(content: str) -> list[tuple[int, int, str]]:
    """The words of a text as the full-text index splits them: start, end, and the word as it reads it."""
    return [(m.start(), m.end(), index_form(m.group())) for m in WORD.finditer(content)]


LINE_BREAK = re.compile(r"[ \t]*\n\s*")  # what ends a paragraph: line breaks, with the spaces around them


@dataclass
class Paragraph:
    """A paragraph of the page: article pieces and inline segments, or one segment of whole lines on its own."""

    items: list[Piece | Block] = field(default_factory=list)
    after: str = ""  # the line breaks that end it: kept in the page's text, drawn as the gap between paragraphs
    segment: bool = False  # a boilerplate or advertorial segment of whole lines, drawn as its own block


def paragraphs(blocks: list[Block]) -> list[Paragraph]:
    """The blocks as paragraphs: article text cut at its line breaks (a highlight across a break becomes one
    mark per paragraph), a segment within a line kept in its paragraph, a segment of whole lines apart.

    Every character stays: the pieces, the inline segments and the breaks, in order, are the blocks' text.
    """
    found = [Paragraph()]
    for block in blocks:
        if block.label != "article":
            if block.inline:
                found[-1].items.append(block)
            else:
                found += [Paragraph([block], segment=True), Paragraph()]
            continue
        for piece in block.pieces:
            position = 0
            for match in LINE_BREAK.finditer(piece.text):
                if match.start() > position:
                    found[-1].items.append(Piece(piece.text[position:match.start()], piece.roles, piece.attributions))
                found[-1].after += match.group()
                found.append(Paragraph())
                position = match.end()
            if position < len(piece.text):
                found[-1].items.append(Piece(piece.text[position:], piece.roles, piece.attributions))
    return [p for p in found if p.items or p.after]


@functools.lru_cache(maxsize=256)
def parsed(search: str | None) -> Search:
    """A search text parsed as the ledger parses it; one that can't be run marks nothing."""
    try:
        return parse_search(search or "")
    except SearchSyntaxError:
        return Search()


def words_to_stem(search: str | None, contents: Iterable[str]) -> set[str]:
    """The words whose stems `match_spans` compares (the search's and the contents'): ask `Ledger.stems` once a page."""
    wanted = [w for term in parsed(search).wanted if term.verbatim is None for w in term.words]
    if not wanted:
        return set()
    return {index_form(w) for w in wanted} | {form for content in contents for *_, form in content_words(content)}


def match_spans(content: str, search: str | None, stems: Mapping[str, str] | None = None) -> list[tuple[int, int]]:
    """Where a search matched `content`, merged, in order: its words as the index matched them (same stem,
    by `stems` from `Ledger.stems`; a word missing there is its own stem), its prefixes at the start of a
    word, its "phrases" verbatim. Excluded terms are never marked."""
    stems = stems or {}
    found: list[tuple[int, int]] = []
    wanted_stems: set[str] = set()
    prefixes: list[str] = []
    for term in parsed(search).wanted:
        if term.verbatim is not None:  # a phrase's words are marked where the phrase is
            found += [m.span() for m in re.finditer(re.escape(term.verbatim), content, re.IGNORECASE)]
        elif term.prefix is not None:
            prefixes.append(term.prefix)
        else:
            wanted_stems.update(stems.get(form, form) for form in map(index_form, term.words))
    if wanted_stems or prefixes:
        found += [(s, e) for s, e, form in content_words(content)
                  if stems.get(form, form) in wanted_stems or (prefixes and form.startswith(tuple(prefixes)))]
    merged: list[tuple[int, int]] = []
    for s, e in sorted(span for span in found if span[1] > span[0]):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged

"""Via chains: the outlets a statement reached the reader through ("CNN, citing unnamed sources", "…, TASS reported")."""
from __future__ import annotations

import re
from bisect import bisect_right

from onrecord.document import Speaker, TextSpan
from onrecord.text.cues import ADDRESSEE_VERBS
from onrecord.resolve.index import DocumentIndex
from onrecord.resolve.lexicon import SpeakerLexicon
from onrecord.resolve.mentions import ARTICLES, NOT_NAME_WORDS, parse_mention
from onrecord.resolve.speaker_types import mention_type, outlet_name, speaker_from_mention

# "CNN, citing unnamed sources" / "The Post, quoting a senior official": the outlet relays the cited source.
CITING = re.compile(r"^(?P<relay>.+?),?\s+(?:citing|quoting)\s+(?P<cited>\S.*)$", re.S | re.I)
MAX_OUTLET_WORDS = 8
# How many content pieces, starting before a source, are looked at for one that holds it (contents are local).
MAX_CONTAINER_SCAN = 64


# "Richardson, via USA Today," / "Coach Ferreira, via Lucia Brandt of the Post-Ledger,": the speaker, then the relay.
VIA = re.compile(r"^(?P<cited>.+?),?\s+via\s+(?P<relay>\S.*?)[\s,;—–-]*$", re.S | re.I)


def split_via(text: str) -> tuple[str | None, str]:
    """("USA Today", "Richardson") for "Richardson, via USA Today,"; (None, text) when no relay is named."""
    match = VIA.match(text.strip()) if text else None
    if match is None:
        return None, text
    return match.group("relay"), match.group("cited")


def via_speaker(text: str | None) -> Speaker | None:
    """The outlet a "via" relay names: the outlet itself, or a journalist's outlet ("Lucia Brandt of the Post-Ledger")."""
    outlet = relay_speaker(text) or outlet_of(text)
    if outlet is None and text:
        affiliation = parse_mention(text).affiliation
        if affiliation and mention_type(parse_mention(affiliation)) == "media":
            outlet = speaker_from_mention(parse_mention(affiliation), "media")
    return outlet


def split_citing(text: str) -> tuple[str | None, str]:
    """("CNN", "unnamed sources") for "CNN, citing unnamed sources"; (None, text) when nothing is cited."""
    match = CITING.match(text.strip()) if text else None
    if match is None:
        return None, text
    return match.group("relay"), match.group("cited")


def outlet_after_cue(index: DocumentIndex, cue_word: str, cue_end: int, source_spans: list[tuple[int, int]]) -> str | None:
    """The outlet a statement was made to: "told Bloomberg", "said in an interview with Fox News" → its text."""
    toks, lex = index.tokens, index.lex
    i = index.token_at(cue_end)
    addressed = cue_word in ADDRESSEE_VERBS  # "told Bloomberg"; a bare "said CNN" names a source, not an outlet
    if i < len(toks) and toks[i].lower in ("to", "with", "on"):
        i, addressed = i + 1, True
    elif i + 3 < len(toks) and toks[i].lower == "in" and toks[i + 3].lower in ("with", "to"):
        i, addressed = i + 4, True  # "in an interview with", "in a statement to"
    if not addressed:
        return None
    j = i
    while j < len(toks) and j - i < MAX_OUTLET_WORDS and toks[j].is_word and _outlet_word(toks[j].text, lex):
        j += 1
    if j == i:
        return None
    if j < len(toks) and toks[j].is_word and not toks[j].is_capitalized and toks[j].lower not in NOT_NAME_WORDS | {"during"}:
        return None  # "features a New York Times report": the outlet only describes what follows
    start, end = toks[i].start, toks[j - 1].end
    if any(s < end and start < e for s, e in source_spans):
        return None  # "…,” said Fox News host Sean Hannity: that is the source, after the cue
    return index.text[start:end]


def outlet_of(text: str | None) -> Speaker | None:
    """The outlet a phrase after a cue names: "Bloomberg", "the state news agency KNA", or "CNN" in "CNN’s Jake Tapper"."""
    if not text:
        return None
    mention = parse_mention(text)
    if mention_type(mention) == "media":
        return speaker_from_mention(mention, "media")
    if mention.affiliation and outlet_name(mention.affiliation):
        return Speaker(outlet_name(mention.affiliation), "media")  # an outlet's journalist: "CNN’s Jake Tapper"
    return None


def _outlet_word(word: str, lex: SpeakerLexicon) -> bool:
    """Can this word be part of an outlet's name or description ("The", "Associated", "state-run", "agency")?"""
    low = word.lower()
    return word[:1].isupper() or low in ARTICLES or low in lex.media_words or low in lex.role_modifiers


def relay_speaker(text: str | None) -> Speaker | None:
    """The outlet (or organisation) that relays a cited source, as a Speaker; None for a person or nothing."""
    if not text:
        return None
    mention = parse_mention(text[:-2] if text.endswith(("’s", "'s")) else text)
    kind = mention_type(mention)
    if kind in ("person", "unknown", "anonymous") or mention.pronoun:
        return None
    return speaker_from_mention(mention, kind)


def valid_span(span) -> TextSpan | None:
    """The span when it has text and [start, end) integer pairs, else None (hand-built or damaged input)."""
    if not isinstance(span, TextSpan) or not isinstance(span.text, str) or not isinstance(span.spans, (list, tuple)):
        return None
    if not span.spans or not all(isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], int)
                                 and isinstance(p[1], int) for p in span.spans):
        return None
    return span


def containers(contents: list[list[tuple[int, int]]], anchors: list[list[int]]) -> list[int | None]:
    """For each attribution, the one whose content holds its source and cue (the innermost), or None.

    `contents`: each attribution's content pieces ([start, end) offsets); `anchors`: its source and cue starts.
    """
    pieces = sorted((s, e, k) for k, spans in enumerate(contents) for s, e in spans if e > s)
    starts = [p[0] for p in pieces]
    result: list[int | None] = []
    for k, points in enumerate(anchors):
        best, best_len = None, None
        if points:
            first, last = min(points), max(points)  # a piece holds every point when it holds these two
            i = bisect_right(starts, first)
            for s, e, j in reversed(pieces[max(0, i - MAX_CONTAINER_SCAN):i]):
                if j != k and s <= first and last < e and (best_len is None or e - s < best_len):
                    best, best_len = j, e - s
        result.append(best)
    # a statement can't hold one that holds it: drop the outer link of such a loop
    for k in range(len(result)):
        seen, j = {k}, result[k]
        while j is not None:
            if j in seen:
                result[k] = None
                break
            seen.add(j)
            j = result[j]
    return result


def depth_order(container: list[int | None]) -> list[int]:
    """Attribution indices, outer ones before the ones they hold."""
    def depth(k: int) -> int:
        d, j = 0, container[k]
        while j is not None and d <= len(container):
            d, j = d + 1, container[j]
        return d

    return sorted(range(len(container)), key=depth)


def merge_chain(*parts: list[Speaker]) -> list[Speaker]:
    """Join via lists, nearest first, without repeating an outlet."""
    chain: list[Speaker] = []
    seen: set[tuple[str | None, str]] = set()
    for part in parts:
        for speaker in part:
            key = ((speaker.name or "").lower(), speaker.type)
            if key not in seen:
                seen.add(key)
                chain.append(speaker)
    return chain

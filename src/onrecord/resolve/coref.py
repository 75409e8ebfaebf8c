"""Coreference: who "he", "it", "they", "who" and "the readout" refer to, from what the document said before."""
from __future__ import annotations

import heapq
from bisect import bisect_left
from dataclasses import dataclass, replace
from itertools import islice

from onrecord.document import Speaker
from onrecord.resolve.index import DocumentIndex, NameMention
from onrecord.resolve.mentions import Mention

MAX_LOOKBACK = 200  # earlier speakers (and names) a pronoun or description looks back through, at most
PRONOUN_WINDOW = 6  # sentences searched back for a "he"/"she" antecedent before falling back to the last speaker
THING_TYPES = ("document", "organization", "media")  # what "it" refers to
GROUP_TYPES = ("organization", "anonymous")  # what "they" refers to
# Heads of a description that point to the last outlet, whatever its own head ("the newspaper" → The Times).
GENERIC_MEDIA_HEADS = frozenset("newspaper paper agency network outlet broadcaster daily tabloid channel site magazine".split())


@dataclass(frozen=True, slots=True)
class Antecedent:
    """A speaker resolved earlier in the document, and where its source stood."""

    position: int
    sentence: int
    speaker: Speaker
    key: str | None = None  # person key of a named person
    head: str = ""
    plural: bool = False
    gender: str | None = None


def copy_speaker(speaker: Speaker, **changes) -> Speaker:
    """A new Speaker with the same fields (attributions never share one object)."""
    return replace(speaker, **changes)


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    """Is a character offset inside one of the spans?"""
    return any(s <= position < e for s, e in spans)


def _compatible(wanted: str | None, known: str | None) -> bool:
    """Can a pronoun of gender `wanted` refer to someone of gender `known` (None: unknown)?"""
    return wanted is None or known is None or wanted == known


class Coreference:
    """The resolve stage's memory of earlier speakers, and the rules that look back through it."""

    def __init__(self, index: DocumentIndex):
        self.index = index
        self.history: list[Antecedent] = []
        self._by_sentence: dict[int, list[Antecedent]] = {}

    def remember(self, antecedent: Antecedent) -> None:
        """Add a resolved speaker (attributions arrive in the order of their sources)."""
        self.history.append(antecedent)
        self._by_sentence.setdefault(antecedent.sentence, []).append(antecedent)

    def person(self, position: int, gender: str | None, exclude: list[tuple[int, int]]) -> tuple[Speaker, str | None] | None:
        """The person "he"/"she" at `position` refers to: speakers first, then names, sentence by sentence backwards."""
        index = self.index
        sentence = index.sentence_of(position)
        for s in range(sentence, max(-1, sentence - PRONOUN_WINDOW), -1):
            for antecedent in self._by_sentence.get(s, ()):
                if (antecedent.position < position and antecedent.speaker.type == "person" and not antecedent.plural
                        and _compatible(gender, index.gender(antecedent.key) or antecedent.gender)):
                    return copy_speaker(antecedent.speaker), antecedent.key
            for mention in index.by_sentence.get(s, ()):
                if mention.start < position and not _inside(mention.start, exclude) and _compatible(gender, index.gender(mention.key)):
                    return self._speaker_of(mention), mention.key
        for antecedent in islice(reversed(self.history), MAX_LOOKBACK):
            if antecedent.speaker.type == "person" and not antecedent.plural and _compatible(
                    gender, index.gender(antecedent.key) or antecedent.gender):
                return copy_speaker(antecedent.speaker), antecedent.key
        return None

    def speaker_just_before(self, position: int) -> tuple[Speaker, str | None] | None:
        """The latest person who spoke in this sentence or the one before: who a "he"/"she" that fits no one's known
        gender still refers to ("…,” said T. Drummond, the union's spokeswoman. “…,” he told reporters), so the
        gender evidence shows the conflict instead of giving the quote to nobody."""
        sentence = self.index.sentence_of(position)
        for s in (sentence, sentence - 1):
            for antecedent in reversed(self._by_sentence.get(s, ())):
                if antecedent.position < position and antecedent.speaker.type == "person" and not antecedent.plural:
                    return copy_speaker(antecedent.speaker), antecedent.key
        return None

    def thing(self, types: tuple[str, ...], plural_ok: bool = False) -> Antecedent | None:
        """The latest earlier speaker of one of `types` ("it" → the readout, "they" → the ministry)."""
        for antecedent in islice(reversed(self.history), MAX_LOOKBACK):
            if antecedent.speaker.type in types and (plural_ok or not antecedent.plural):
                return antecedent
            if plural_ok and antecedent.plural:
                return antecedent
        return None

    def described(self, mention: Mention, own_type: str, position: int) -> Antecedent | None:
        """An earlier speaker that a definite description names again: "the readout", "the senator", "the ministry".

        Its capitalised modifiers must be said of the antecedent too: "the Trump campaign" is no "Clinton campaign".
        """
        head = mention.head
        if not head:
            return None
        modifiers = {w.lower().strip(".,’'") for w in mention.core.split()[:-1] if w[:1].isupper()}
        # latest first, lazily: earlier speakers, and for people the names in the text too
        # ("Sen. Lindsey Graham met donors. … the senator said")
        speakers = ((a.position, a.speaker, a.key, a.head) for a in reversed(self.history))
        names = self.index.mentions[:bisect_left(self.index.mention_starts, position)] if own_type == "person" else []
        people = ((m.start, self._speaker_of(m), m.key, "") for m in reversed(names))
        latest = heapq.merge(speakers, people, key=lambda c: -c[0])
        holders: list[Antecedent] = []  # people holding the role, latest first
        for _, speaker, key, antecedent_head in islice(latest, MAX_LOOKBACK):
            if own_type == "media" and head in GENERIC_MEDIA_HEADS and speaker.type == "media":
                return Antecedent(position, 0, speaker, key, antecedent_head)
            if speaker.type != own_type:
                continue
            words = set(f"{speaker.name or ''} {speaker.role or ''} {speaker.affiliation or ''}".lower().replace(".", " ").split())
            if (antecedent_head == head or head in words or mention.core.lower() in words) and modifiers <= words:
                if own_type != "person" or key is None:
                    return Antecedent(position, 0, speaker, key, antecedent_head)
                if all(h.key != key for h in holders):
                    holders.append(Antecedent(position, 0, speaker, key, antecedent_head))
        if not holders:
            return None
        # "the president": the document's most prominent holder of the role (the most often named, then the one whose
        # role is the bare title), not merely the latest ("Colette Marchand, the president of the farm bureau")
        return max(holders, key=lambda h: (self.index.times_named(h.key), " of " not in f" {h.speaker.role or ''} "))

    def _speaker_of(self, mention: NameMention) -> Speaker:
        """The person a name in the text refers to."""
        person = self.index.people[mention.key]
        return Speaker(person.name, "person", person.role, person.affiliation)


"""The gender of person speakers, with the evidence for it: what the article says first, then the first name.

Evidence, strongest first (`GENDER_EVIDENCE_KINDS`):
    pronoun     a "he"/"she" source the resolve stage resolved to the person ("…,” she said")
    honorific   a gendered title right before one of their names: Mr., Ms., Mrs., Miss, Mx., Sir, Dame, Lady …
    role_noun   a gendered role noun in their role or apposition: "chairwoman", "a mother of two", "the boy's father"
    first_name  a first name the nomquamgender table gives to one gender (≥ MIN_NAME_SHARE of ≥ MIN_NAME_COUNT people)
Decision (`decide_gender`): in-text evidence (the first three) that agrees decides; in-text evidence that disagrees
gives "unknown" (all pieces kept, so the conflict shows); without in-text evidence a strongly gendered first name
decides; otherwise "unknown". Never from surnames, outlets, "they", or roles said of both ("spokesperson", "chair").
Speakers other than persons get no gender (None). The words live in onrecord/data/gender_nouns.json.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from onrecord.data import load_json
from onrecord.document import Attribution, GenderEvidence
from onrecord.resolve.first_names import name_table
from onrecord.resolve.index import DocumentIndex, name_key, surname_of
from onrecord.resolve.lexicon import load_speaker_lexicon
from onrecord.resolve.mentions import Mention, is_role_word

WOMAN, MAN, UNKNOWN = "woman", "man", "unknown"
IN_TEXT_KINDS = ("pronoun", "honorific", "role_noun")  # what the article itself says about the person
_FROM_MENTION = {"female": WOMAN, "male": MAN}  # Mention.gender's values
# First names: the table's share for one gender must reach MIN_NAME_SHARE over at least MIN_NAME_COUNT people.
# 0.95 keeps Maria (0.953), Helen, David, Dmitry and drops Alex (0.907 men), Jordan (0.892), Sam (0.926), José (0.935),
# Hillary (0.922), Jean, Taylor, Casey, Riley; 500 people drop rare spellings whose share rests on a few records.
MIN_NAME_SHARE = 0.95
MIN_NAME_COUNT = 500
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # a word, hyphenated ones whole ("mother-in-law")
_POSSESSIVE = re.compile(r"['’]s?\b")


@dataclass(frozen=True)
class GenderWords:
    """The words of onrecord/data/gender_nouns.json: honorific (as written, without its period) → gender, and
    lower-case role noun → gender."""

    honorifics: dict[str, str]
    role_nouns: dict[str, str]
    honorific_before: re.Pattern  # an honorific ending right where a name starts: "Ms. " in "Ms. Harwood"


@lru_cache(maxsize=1)
def gender_words() -> GenderWords:
    """Read gender_nouns.json once."""
    raw = load_json("gender_nouns.json")
    honorifics = {word.rstrip("."): gender for gender, words in raw["honorifics"].items() for word in words}
    role_nouns = {word.lower(): gender for gender, words in raw["role_nouns"].items() for word in words}
    alternatives = "|".join(sorted(map(re.escape, honorifics), key=len, reverse=True))
    return GenderWords(honorifics, role_nouns, re.compile(rf"\b(({alternatives})\.?)[^\S\n]+$"))


def role_evidence(role: str | None) -> list[tuple[str, int, str]]:
    """(noun, offset in `role`, gender) for each gendered role noun in a role as parsed ("mother of three"): not a
    possessor ("the girl's father" is a man), not a plural ("Mothers Against Hunger" says nothing of its member)."""
    nouns = gender_words().role_nouns
    found = []
    for word in _WORD.finditer(role or ""):
        gender = nouns.get(word.group().lower())
        if gender is not None and not _POSSESSIVE.match(role, word.end()):
            found.append((word.group(), word.start(), gender))
    return found


# the appositive after a name: ", a grandmother of six whose …", ", the union's spokeswoman," (its head phrase: up to a
# preposition, a relative pronoun or punctuation)
_APPOSITIVE = re.compile(r",\s+((?:a|an|the)\s+)?((?:(?!(?:of|for|at|in|on|from|with|to|by|who|whose|which|that|and)\b)"
                         r"[^\W\d_][\w'’-]*\s*){1,4})")
# "spokeswoman Jane Roe", "the boy's father, Pell"; on the name's own line (a paragraph's last word is no title)
_WORD_BEFORE = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*),?[^\S\n]+$")


def roles_around(text: str, start: int, end: int,
                 honorific: tuple[str, int, int] | None | bool = False) -> list[tuple[str, int, str]]:
    """(noun, offset, gender) for a gendered role noun right before a name at [start, end) ("Headmistress Ferrant",
    "the company's chairman, R. Brisco", past an honorific: "spokeswoman Ms. Roe") or heading its appositive
    ("E. Lindqvist, a grandmother of six"). `honorific`: honorific_before(text, start), when the caller has it."""
    found = []
    if honorific is False:
        honorific = honorific_before(text, start)
    before = _WORD_BEFORE.search(text, max(0, (honorific[1] if honorific else start) - 40), honorific[1] if honorific else start)
    if before is not None:
        found += [(noun, before.start(1) + at, gender) for noun, at, gender in role_evidence(before.group(1))]
    after = _APPOSITIVE.match(text, end)
    if after is not None:
        # without an article only a role noun right after the comma (", mother of two"), not ", thanked the mayor"
        head = after.group(2) if after.group(1) else after.group(2).split()[0]
        found += [(noun, after.start(2) + at, gender) for noun, at, gender in role_evidence(head) if noun.islower()]
    return found


def honorific_before(text: str, start: int) -> tuple[str, int, int] | None:
    """The honorific right before a name at `start` ("Ms." in "Ms. Harwood"): (word, start, end), else None.

    Only capitalised, as a title is written; the span holds the period ("Ms.")."""
    match = gender_words().honorific_before.search(text, max(0, start - 12), start)
    return (match.group(2), match.start(1), match.end(1)) if match else None


def first_name_evidence(name: str | None, text: str = "", position: int | None = None) -> GenderEvidence | None:
    """A strongly gendered first name as evidence, else None.

    `name`: the person's fullest name ("Maria Kowalczyk"); a name of one word, an initial ("J. R. Maddox") or a
    first name the table doesn't give to one gender is no evidence. `position`: where the name stands in `text`.
    """
    words = (name or "").split()
    lex = load_speaker_lexicon()
    while words and (words[0].rstrip(".") in gender_words().honorifics or is_role_word(words[0], lex)):
        words = words[1:]  # a title or role the name kept ("Madam Liew", "Meteorologist K. Tanaka"): no first name
    if len(words) < 2 or len(words[0].rstrip(".")) < 2 or words[0].endswith(".") or not words[0][:1].isupper():
        return None
    table = name_table()
    found = table.share(words[0]) if table is not None else None
    if found is None or found.count < MIN_NAME_COUNT:
        return None
    value, share = (WOMAN, found.share_women) if found.share_women >= 0.5 else (MAN, 1.0 - found.share_women)
    if share < MIN_NAME_SHARE:
        return None
    # where the first name stands: within the full name at `position` (past a title the name kept)
    start = text.find(words[0], position, position + len(name or "")) if position is not None else -1
    start = start if start >= 0 else None
    return GenderEvidence("first_name", value, words[0], start, None if start is None else start + len(words[0]),
                          round(share, 3))


def decide_gender(evidence: list[GenderEvidence]) -> str:
    """The gender the evidence says (one of GENDERS).

    A user's correction wins (the latest one); else the in-text evidence when it all agrees, "unknown" when it
    disagrees; else the first name's when the first-name evidence agrees; else "unknown".
    """
    corrections = [e.value for e in evidence if e.kind == "correction"]
    if corrections:
        return corrections[-1]
    for kinds in (IN_TEXT_KINDS, ("first_name",)):
        values = {e.value for e in evidence if e.kind in kinds}
        if values:
            return values.pop() if len(values) == 1 else UNKNOWN
    return UNKNOWN


def has_conflict(evidence: list[GenderEvidence]) -> bool:
    """Does the in-text evidence disagree (so the gender is "unknown" for it)?"""
    return len({e.value for e in evidence if e.kind in IN_TEXT_KINDS}) > 1


class GenderEvidenceCollector:
    """Gathers the evidence while the resolve stage resolves sources, then sets it on person speakers."""

    def __init__(self, index: DocumentIndex):
        self.index = index
        self._pronouns: dict[str, list[GenderEvidence]] = {}  # person key → "he"/"she" sources resolved to them
        self._family: Counter[str] | None = None  # surname → people of the document who bear it, counted on first use

    def pronoun(self, key: str | None, mention: Mention, spans: list[tuple[int, int]]) -> None:
        """A gendered pronoun source ("she said") that coreference resolved to the person `key`."""
        evidence = self._pronoun_evidence(mention, spans)
        if key and evidence is not None:
            self._pronouns.setdefault(key, []).append(evidence)

    def set_genders(self, attributions: list[Attribution], mentions: list[Mention | None],
                    spans: list[list[tuple[int, int]]]) -> None:
        """Set `gender` and `gender_evidence` on every person speaker (and person in a via chain); None elsewhere.

        `mentions`/`spans`: each attribution's parsed source and its source spans (what its own words say).
        """
        own: dict[str, list[GenderEvidence]] = {}  # person key → evidence from the sources that name or describe them
        for attribution, mention, source_spans in zip(attributions, mentions, spans):
            speaker = attribution.speaker
            if speaker is not None and speaker.type == "person" and speaker.name and mention is not None:
                key = name_key(speaker.name)
                if mention.name and " " not in mention.name.strip() and self._shares_surname(key):
                    continue  # a surname alone ("Mrs. Khan said") where two people bear it: not sure whose
                own.setdefault(key, []).extend(self._source_evidence(mention, source_spans))
        people: dict[str, list[GenderEvidence]] = {}  # each person's evidence, gathered once
        for attribution, mention, source_spans in zip(attributions, mentions, spans):
            for speaker in [attribution.speaker, *attribution.via]:
                if speaker is None:
                    continue
                if speaker.type != "person":
                    speaker.gender, speaker.gender_evidence = None, []
                    continue
                if speaker.name:
                    key = name_key(speaker.name)
                    if key not in people:
                        people[key] = self._person_evidence(key, speaker.name, own.get(key, []))
                    evidence = people[key]
                elif speaker is attribution.speaker and mention is not None:
                    # an unnamed person ("a spokeswoman said", "she said" with no one before it): its own words only
                    evidence = self._source_evidence(mention, source_spans)
                    pronoun = self._pronoun_evidence(mention, source_spans)
                    evidence = _unique(evidence + ([pronoun] if pronoun is not None else []))
                else:
                    evidence = []
                speaker.gender_evidence = list(evidence)
                speaker.gender = decide_gender(evidence)

    def _shares_surname(self, key: str) -> bool:
        """Does another person the document names bear this person's surname (a family: Bill and Hillary Clinton)?"""
        if self._family is None:
            self._family = Counter(surname_of(k) for k in self.index.people if " " in k)
        return " " in key and self._family[surname_of(key)] > 1

    def _pronoun_evidence(self, mention: Mention, spans: list[tuple[int, int]]) -> GenderEvidence | None:
        """A "he"/"she" source as evidence ("they" never is: a singular they says nothing for sure)."""
        gender = _FROM_MENTION.get(mention.gender or "") if mention.pronoun else None
        if gender is None:
            return None
        if spans:
            start, end = spans[0][0], spans[-1][1]
            return GenderEvidence("pronoun", gender, self.index.text[start:end].strip() or mention.text, start, end)
        return GenderEvidence("pronoun", gender, mention.text)

    def _person_evidence(self, key: str, name: str, own: list[GenderEvidence]) -> list[GenderEvidence]:
        """A named person's evidence across the document: pronouns, honorifics and role nouns at each of their
        names, what the sources naming them say, and the first name."""
        index, text = self.index, self.index.text
        evidence = list(self._pronouns.get(key, [])) + own
        names = [m for m in index.mentions if m.key == key]
        shared = self._shares_surname(key)
        for m in names:
            if shared and text[m.start:m.end].lower() != key:
                continue  # "Mrs. Clinton" near Bill and Hillary Clinton: which of them the index can't say for sure
            found = honorific_before(text, m.start)
            if found is not None:
                word, start, end = found
                evidence.append(GenderEvidence("honorific", gender_words().honorifics[word], text[start:end], start, end))
            for noun, start, gender in roles_around(text, m.start, m.end, found):
                evidence.append(GenderEvidence("role_noun", gender, noun, start, start + len(noun)))
        person = index.people.get(key)
        if person is not None:
            for noun, _, gender in role_evidence(person.role):
                start = self._near(noun, [m.start for m in names])
                evidence.append(GenderEvidence("role_noun", gender, noun, start, None if start is None else start + len(noun)))
        full = person.name if person is not None else name
        first = next((m.start for m in names if text[m.start:m.end] == full), None)
        name_evidence = first_name_evidence(full, text, first)
        if name_evidence is not None:
            evidence.append(name_evidence)
        return _unique(evidence)

    def _source_evidence(self, mention: Mention, spans: list[tuple[int, int]]) -> list[GenderEvidence]:
        """What a source's own words say: an honorific before its name, a gendered noun in its role."""
        evidence: list[GenderEvidence] = []
        if not spans or mention.pronoun:
            return evidence
        start, end = spans[0][0], spans[-1][1]
        source = self.index.text[start:end]
        # a title right before the source's own name ("Ms Harwood"), not any in its clauses ("a former chairman of
        # Mr. Obama's council who has advised Mrs. Clinton")
        name = mention.name or ""
        at = source.find(name) if name else -1
        if at < 0 and name:
            surname = re.search(rf"(?<!\w){re.escape(name.split()[-1])}(?!\w)", source)
            at = surname.start() if surname else -1
        found = honorific_before(self.index.text, start + at) if at >= 0 else None
        if found is not None:
            title, begin, stop = found
            evidence.append(GenderEvidence("honorific", gender_words().honorifics[title], self.index.text[begin:stop],
                                           begin, stop))
        role = mention.role or (mention.head if mention.definite and not mention.name else None)
        for noun, _, gender in role_evidence(role):
            found = re.search(rf"\b{re.escape(noun)}\b", source)
            at = start + found.start() if found else None
            evidence.append(GenderEvidence("role_noun", gender, noun, at, None if at is None else at + len(noun)))
        return evidence

    def _near(self, noun: str, positions: list[int]) -> int | None:
        """Where a role noun stands in the sentence of one of the person's names (None when not found)."""
        text, index = self.index.text, self.index
        for position in positions:
            sentence = index.sentence_of(position)
            begin = index.sentence_starts[sentence]
            stop = index.sentence_starts[sentence + 1] if sentence + 1 < len(index.sentence_starts) else len(text)
            found = re.search(rf"\b{re.escape(noun)}\b", text[begin:stop])
            if found:
                return begin + found.start()
        return None


def _unique(evidence: list[GenderEvidence]) -> list[GenderEvidence]:
    """Each piece of evidence once (the same honorific is seen from the index and from the source), in text order."""
    seen: dict[tuple, GenderEvidence] = {}
    for e in evidence:
        seen.setdefault((e.kind, e.text.lower(), e.start), e)
    return sorted(seen.values(), key=lambda e: (e.start is None, e.start or 0))

"""The gender of person speakers, from what the article itself says about them, with the evidence.

In order of strength: "he"/"she" sources resolved to the person, an honorific before their name ("Ms Harwood",
"Sir Keir"), a gendered role noun in their role or apposition ("the victim's mother", "a businesswoman").
All evidence agrees → that gender; evidence on both sides → "unknown" (the evidence kept shows the conflict);
no evidence → "unknown". Never from surnames, outlets, first names (a later step) or roles that aren't gendered.
Speakers other than persons get no gender (None).
"""
from __future__ import annotations

import re

from onrecord.document import Attribution, GenderEvidence, Speaker
from onrecord.resolve.index import DocumentIndex, name_key
from onrecord.resolve.mentions import Mention

WOMAN, MAN, UNKNOWN = "woman", "man", "unknown"
_FROM_MENTION = {"female": WOMAN, "male": MAN}  # Mention.gender's values

# Honorifics that say a gender ("Dr", "Prof" and "Sheikh"-like titles of office are left out: they don't, or not
# reliably). Capitalised as written before a name.
HONORIFICS = {"Mr": MAN, "Sir": MAN, "Lord": MAN,
              "Ms": WOMAN, "Mrs": WOMAN, "Miss": WOMAN, "Madam": WOMAN, "Dame": WOMAN, "Lady": WOMAN}
_HONORIFIC_BEFORE = re.compile(r"\b((" + "|".join(HONORIFICS) + r")\.?)\s+$")

# Role nouns that name one gender only. Left out on purpose: "chairman" and "alderman" (official titles that
# women hold under the same word) and "actor" (said of actresses too). "spokesman", "congressman" and
# "businessman" are kept: news style writes the -woman form for a woman.
ROLE_NOUNS = {
    **dict.fromkeys("""mother daughter wife sister aunt niece grandmother granddaughter widow girlfriend fiancee
                       actress queen princess duchess spokeswoman congresswoman assemblywoman councilwoman
                       businesswoman chairwoman policewoman sportswoman stepmother mum mom woman girl""".split(), WOMAN),
    **dict.fromkeys("""father son husband brother uncle nephew grandfather grandson widower boyfriend fiance
                       king prince duke spokesman congressman assemblyman councilman businessman policeman
                       sportsman stepfather dad man boy""".split(), MAN),
}
_WORD = re.compile(r"[A-Za-z]+")


def role_evidence(role: str | None) -> list[tuple[str, str]]:
    """(noun, gender) for each gendered role noun in a role as the text wrote it: lower-case words only
    ("Mothers Against Drunk Driving" is a name, not a role noun)."""
    found = []
    for word in _WORD.findall(role or ""):
        if word.islower() and word in ROLE_NOUNS:
            found.append((word, ROLE_NOUNS[word]))
    return found


def honorific_before(text: str, start: int) -> tuple[str, int, int] | None:
    """The honorific right before a name at `start` ("Ms." in "Ms. Harwood"): (word, start, end), else None.

    The word is written without its period ("Ms"), the span holds it ("Ms.")."""
    match = _HONORIFIC_BEFORE.search(text, max(0, start - 12), start)
    return (match.group(2), match.start(1), match.end(1)) if match else None


def decide_gender(evidence: list[GenderEvidence]) -> str:
    """One gender when all evidence agrees; "unknown" when there is none or it conflicts."""
    genders = {e.gender for e in evidence}
    return genders.pop() if len(genders) == 1 else UNKNOWN


def has_conflict(speaker: Speaker) -> bool:
    """Does the evidence kept on a speaker say both genders (so its gender is "unknown")?"""
    return len({e.gender for e in speaker.gender_evidence}) > 1


class GenderEvidenceCollector:
    """Gathers the evidence while the resolve stage resolves sources, then sets it on person speakers."""

    def __init__(self, index: DocumentIndex):
        self.index = index
        self._pronouns: dict[str, list[GenderEvidence]] = {}  # person key → "he"/"she" sources resolved to them

    def pronoun(self, key: str | None, mention: Mention, spans: list[tuple[int, int]]) -> None:
        """A gendered pronoun source ("she said") that coreference resolved to the person `key`."""
        gender = _FROM_MENTION.get(mention.gender or "")
        if key and gender:
            start, end = (spans[0][0], spans[-1][1]) if spans else (None, None)
            text = self.index.text[start:end].strip() if start is not None else mention.text
            self._pronouns.setdefault(key, []).append(GenderEvidence("pronoun", text or mention.text, gender, start, end))

    def set_genders(self, attributions: list[Attribution], mentions: list[Mention | None],
                    spans: list[list[tuple[int, int]]]) -> None:
        """Set `gender` and `gender_evidence` on every person speaker (and person in a via chain).

        `mentions`/`spans`: each attribution's parsed source and its source spans (what its own words say).
        """
        own: dict[str, list[GenderEvidence]] = {}  # person key → evidence from the sources naming them
        for attribution, mention, source_spans in zip(attributions, mentions, spans):
            speaker = attribution.speaker
            if speaker is not None and speaker.type == "person" and speaker.name and mention is not None:
                own.setdefault(name_key(speaker.name), []).extend(self._source_evidence(mention, source_spans))
        for attribution, mention, source_spans in zip(attributions, mentions, spans):
            for speaker in [attribution.speaker, *attribution.via]:
                if speaker is None or speaker.type != "person":
                    continue
                if speaker.name:
                    key = name_key(speaker.name)
                    evidence = self._person_evidence(key) + own.get(key, [])
                elif speaker is attribution.speaker and mention is not None:
                    # an unnamed person ("she said" with no one before it): only its own words
                    evidence = self._source_evidence(mention, source_spans)
                    gender = _FROM_MENTION.get(mention.gender or "") if mention.pronoun else None
                    if gender and source_spans:
                        start, end = source_spans[0][0], source_spans[-1][1]
                        evidence.append(GenderEvidence("pronoun", self.index.text[start:end].strip(), gender, start, end))
                else:
                    evidence = []
                speaker.gender_evidence = _unique(evidence)
                speaker.gender = decide_gender(speaker.gender_evidence)

    def _person_evidence(self, key: str) -> list[GenderEvidence]:
        """A named person's evidence across the document: pronouns, honorifics at each name, role nouns."""
        index, text = self.index, self.index.text
        evidence = list(self._pronouns.get(key, []))
        names = [m for m in index.mentions if m.key == key]
        for m in names:
            found = honorific_before(text, m.start)
            if found is None:  # a name mention that holds its honorific: "Ms Harwood"
                found = honorific_before(text, m.start + _leading_honorific(text[m.start:m.end]))
            if found is not None:
                word, start, end = found
                evidence.append(GenderEvidence("honorific", word, HONORIFICS[word], start, end))
        person = index.people.get(key)
        if person is not None:
            for noun, gender in role_evidence(person.role):
                start = self._near(noun, [m.start for m in names])
                evidence.append(GenderEvidence("role", noun, gender, start, None if start is None else start + len(noun)))
        return evidence

    def _source_evidence(self, mention: Mention, spans: list[tuple[int, int]]) -> list[GenderEvidence]:
        """What a source's own words say: an honorific before its name, a gendered noun in its role."""
        evidence = []
        if not spans:
            return evidence
        start, end = spans[0][0], spans[-1][1]
        source = self.index.text[start:end]
        for word in _WORD.finditer(source):
            w = word.group()
            if w in HONORIFICS and not mention.pronoun and source[word.end():word.end() + 2].lstrip(".")[:1] == " ":
                end_at = word.end() + (source[word.end():word.end() + 1] == ".")  # the span holds "Ms."
                evidence.append(GenderEvidence("honorific", w, HONORIFICS[w], start + word.start(), start + end_at))
        for noun, gender in role_evidence(mention.role):
            found = re.search(rf"\b{noun}\b", source)
            at = start + found.start() if found else None
            evidence.append(GenderEvidence("role", noun, gender, at, None if at is None else at + len(noun)))
        return evidence

    def _near(self, noun: str, positions: list[int]) -> int | None:
        """Where a role noun stands in the sentence of one of the person's names (None when not found)."""
        text, index = self.index.text, self.index
        for position in positions:
            sentence = index.sentence_of(position)
            begin = index.sentence_starts[sentence]
            stop = index.sentence_starts[sentence + 1] if sentence + 1 < len(index.sentence_starts) else len(text)
            found = re.search(rf"\b{noun}\b", text[begin:stop])
            if found:
                return begin + found.start()
        return None


def _leading_honorific(name: str) -> int:
    """Offset just past an honorific that opens a name's text ("Ms Harwood" → 3), else 0."""
    match = re.match(r"(" + "|".join(HONORIFICS) + r")\.?\s+", name)
    return match.end() if match else 0


def _unique(evidence: list[GenderEvidence]) -> list[GenderEvidence]:
    """Each piece of evidence once (the same honorific is seen from the index and from the source), in text order."""
    seen: dict[tuple, GenderEvidence] = {}
    for e in evidence:
        seen.setdefault((e.kind, e.text.lower(), e.start), e)
    return sorted(seen.values(), key=lambda e: (e.start is None, e.start or 0))

"""Resolve stage: name the speaker behind each attribution's source, and the outlets it reached the reader through.

    doc = onrecord.extract(text)          # the orchestrator runs resolve_speakers last
    doc.attributions[0].speaker           # Speaker("Dmitry Peskov", "person", "Kremlin spokesman", "Kremlin")
    doc.attributions[0].via               # [Speaker("TASS", "media", "state-run news agency", "Russia")]

One pass over the attributions in the order of their sources, with a per-document index built once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from onrecord.document import Attribution, Document, Speaker, TextSpan
from onrecord.text.cues import RELAY_CUES
from onrecord.options import ExtractOptions
from onrecord.resolve.coref import GROUP_TYPES, THING_TYPES, Antecedent, Coreference, copy_speaker
from onrecord.resolve.gender import GenderEvidenceCollector
from onrecord.resolve.index import DocumentIndex, name_key
from onrecord.resolve.lexicon import load_speaker_lexicon
from onrecord.resolve.mentions import RELATIVE_PRONOUNS, Mention, is_acronym, parse_mention
from onrecord.resolve.organizations import OrganizationIndex
from onrecord.resolve.speaker_types import mention_type, speaker_from_mention
from onrecord.text.analysis import Analysis
from onrecord.resolve.via import (
    containers,
    depth_order,
    merge_chain,
    outlet_after_cue,
    outlet_of,
    relay_speaker,
    split_citing,
    split_via,
    valid_span,
    via_speaker,
)

FIRST_PERSON = frozenset("i me we us".split())
QA_LABELS = frozenset("Q A".split())  # the speaker labels of a Q&A: question, answer


@dataclass
class SourceReading:
    """What the resolve stage reads off one attribution before resolving it."""

    mention: Mention | None  # the source as parsed (the cited part of "CNN, citing unnamed sources")
    kind: str | None  # the mention's speaker type before coreference (None without a mention)
    relay: str | None  # "CNN" in "CNN, citing unnamed sources"
    anchor: int  # where the source stands (else the cue, else the content): the order of resolution
    points: list[int]  # source and cue starts: where this attribution sits inside another's content
    source_spans: list[tuple[int, int]]
    exclude: list[tuple[int, int]]  # the content: names in it are not what the source's pronoun refers to
    cue: TextSpan | None  # the cue, when it is a valid span
    via: str | None = None  # "USA Today" in "Richardson, via USA Today,"


def resolve_speakers(doc: Document, options: ExtractOptions | None = None, analysis: Analysis | None = None) -> Document:
    """Set `speaker` and `via` on every attribution of `doc` (options: reserved; the stage has no settings yet).

    `analysis`: the extract stage's analysis of `doc.text`, or of its blanked copy, whose tokens are reused.
    """
    attributions = [a for a in (doc.attributions or []) if isinstance(a, Attribution)]
    if not attributions:
        return doc
    text = doc.text if isinstance(doc.text, str) else ""
    readings = [read_source(a) for a in attributions]
    people = [(r.anchor, r.mention) for r in readings if r.kind == "person"]
    resolver = SpeakerResolver(DocumentIndex(text, people, analysis=analysis, byline=doc.metadata.byline))
    container = containers([r.exclude for r in readings], [r.points for r in readings])
    own_via: list[list[Speaker]] = [[] for _ in attributions]
    deferred: set[int] = set()
    for k in sorted(range(len(attributions)), key=lambda k: (readings[k].anchor, k)):
        attribution, reading = attributions[k], readings[k]
        mention = reading.mention
        if mention is not None and mention.pronoun in FIRST_PERSON and container[k] is not None:
            deferred.add(k)  # "“I told him …,” Trump said": known once the outer speaker is
        else:
            attribution.speaker = resolver.resolve(mention, reading)
        own_via[k] = resolver.own_via(attribution, reading)
    outer_first = depth_order(container)
    for k in outer_first:
        if k in deferred:
            attributions[k].speaker = first_person(readings[k].mention, attributions[container[k]].speaker)
    for k in outer_first:
        outer = container[k]
        if outer is None:
            attributions[k].via = merge_chain(own_via[k])
            continue
        outer_speaker = attributions[outer].speaker
        # "Peskov told reporters …, TASS reported": what TASS reports reached us through TASS (and its own chain)
        relayed = [outer_speaker] if outer_speaker is not None and outer_speaker.type == "media" else []
        chain = merge_chain(own_via[k], relayed, attributions[outer].via)
        speaker = attributions[k].speaker
        attributions[k].via = [copy_speaker(s) for s in chain if not _same(s, speaker)]
    # last: a person's evidence is gathered from all the document's sources (a later "she said" counts too)
    resolver.genders.set_genders(attributions, [r.mention for r in readings], [r.source_spans for r in readings])
    return doc


def read_source(attribution: Attribution) -> SourceReading:
    """Parse an attribution's source and find where it stands."""
    source, cue = valid_span(attribution.source), valid_span(attribution.cue)
    content = valid_span(attribution.content)
    relay, cited = split_citing(source.text) if source is not None else (None, None)
    via = None
    if source is not None and relay is None:
        via, cited = split_via(source.text)  # "Richardson, via USA Today, said": the speaker comes first
    cited_by = valid_span(getattr(attribution, "_cited_by", None))  # set by extractors that read "X, citing Y"
    if cited_by is not None and relay is None:
        relay = cited_by.text
    mention = parse_mention(cited) if cited else None
    kind = mention_type(mention) if mention is not None else None
    if relay is not None and mention_type(parse_mention(relay)) == "person":
        # "Trump, citing a poll, said …": the person speaks for himself
        mention, kind, relay = parse_mention(relay), "person", None
    anchor = next((span.spans[0][0] for span in (source, cue, content) if span is not None), 0)
    points = [span.spans[0][0] for span in (source, cue) if span is not None]
    return SourceReading(mention, kind, relay, anchor, points, list(source.spans) if source else [],
                         list(content.spans) if content else [], cue, via)


def _same(a: Speaker | None, b: Speaker | None) -> bool:
    """Do two speakers name the same entity?"""
    return a is not None and b is not None and a.type == b.type and (a.name or "").lower() == (b.name or "").lower()


def _surname_in_capitals(mention: Mention, full_name: str) -> bool:
    """A transcript's speaker label: "IDRIS" for Pavel Idris, a surname in capitals (no acronym)."""
    words = mention.name_words
    return (len(words) == 1 and words[0].isupper() and len(full_name.split()) > 1
            and words[0].lower() == full_name.split()[-1].lower())


def first_person(mention: Mention | None, outer: Speaker | None) -> Speaker:
    """ "I" inside someone's quotation is that someone; "we" is their organisation when known."""
    if outer is None:
        return Speaker(None, "person")
    if mention is not None and mention.pronoun in ("we", "us"):
        if outer.type == "person":
            return Speaker(outer.affiliation, "organization") if outer.affiliation else Speaker(None, "unknown")
        return copy_speaker(outer)
    return copy_speaker(outer)


class SpeakerResolver:
    """Resolves sources one after another, remembering who spoke for later pronouns and descriptions."""

    def __init__(self, index: DocumentIndex):
        self.index = index
        self.coref = Coreference(index)
        self.lex = load_speaker_lexicon()
        self.organizations = OrganizationIndex(index.text, self.lex)
        self.genders = GenderEvidenceCollector(index)

    def resolve(self, mention: Mention | None, reading: SourceReading) -> Speaker:
        """The speaker a source refers to; remembered for what comes after."""
        if mention is None or not (mention.core or mention.name or mention.pronoun):
            return Speaker(None, "unknown")  # no source given
        if mention.written in QA_LABELS:
            speaker, key, head = self._interview_party(mention.written)
        elif mention.pronoun:
            speaker, key, head = self._pronoun(mention, reading)
        else:
            named = self._organization_named(mention, reading)
            if named is not None:
                mention = parse_mention(named)
                # an organisation by how the text names it; an outlet where its name says so
                kind = "media" if mention_type(mention, self.lex) == "media" else "organization"
                speaker, key, head = self._described(mention, reading.anchor, kind)
                speaker = copy_speaker(speaker, name=named)  # as the text writes it: "Corp." and list commas kept
            else:
                speaker, key, head = self._described(mention, reading.anchor, reading.kind)
        self.coref.remember(Antecedent(
            position=reading.anchor, sentence=self.index.sentence_of(reading.anchor), speaker=speaker, key=key,
            head=head, plural=mention.plural and not mention.name, gender=mention.gender))
        return speaker

    def _organization_named(self, mention: Mention, reading: SourceReading) -> str | None:
        """The full name of an organisation the source refers to, where the text gave it: the name the source lies
        inside ("Innovation and Technology" of "Ministry of Industry, Innovation and Technology"), the latest
        earlier one a description names back ("the company", "the sheriff's office"), or the one a short form or
        an acronym stands for ("Corvane" → Corvane Semiconductor, "KBC" → Kestrian Broadcasting Corporation)."""
        organizations, anchor = self.organizations, reading.anchor
        if reading.source_spans and reading.relay is None and reading.via is None:
            start, end = reading.source_spans[0][0], reading.source_spans[-1][1]
            source = self.index.text[start:end]
            start += re.match(r"[\s,;:—–\-\"“”‘’']*(?:(?:the|a|an)\s+)?", source, re.IGNORECASE).end()
            possessor = re.match(r"\S+['’]s\s+", self.index.text[start:end])  # "Sundara's Agency for …"
            for begin in (start, start + possessor.end()) if possessor else (start,):
                inside = organizations.containing(begin, end) if begin < end else None
                if inside is not None:
                    return inside
        if mention.definite and not mention.proper and not mention.plural and (
                mention.head in self.lex.company_nouns or mention.head in self.lex.organization_words):
            modifiers = {w.lower().removesuffix("’s").removesuffix("'s") for w in mention.core.split()[:-1]}
            return organizations.latest_for(mention.head, modifiers, anchor)
        words = mention.name_words
        if len(words) == 1 and not mention.plural:
            if is_acronym(words[0]):
                return organizations.acronym(words[0], anchor)
            person = self.index.facts(words[0], anchor)
            if person is None or " " not in person.name:  # no person's surname: "Corvane" after Corvane Semiconductor
                return organizations.short_form(words[0], anchor)
        return None

    def _interview_party(self, label: str) -> tuple[Speaker, str | None, str]:
        """ "Q:" and "A:" in a Q&A: the interviewer (unnamed: anonymous "Q") and the interviewee."""
        person = self.index.interviewee() if label == "A" else self.index.interviewer()
        if person is None:
            return Speaker(label, "anonymous" if label == "Q" else "person"), None, label
        return Speaker(person.name, "person", person.role, person.affiliation), name_key(person.name), label

    def _pronoun(self, mention: Mention, reading: SourceReading) -> tuple[Speaker, str | None, str]:
        """He, she, I, it, they, we, who: the antecedent's speaker, or a bare speaker of the right type."""
        pronoun, anchor = mention.pronoun, reading.anchor
        if pronoun in ("he", "him", "she", "her", "i", "me"):
            if pronoun in ("i", "me") and self.index.author:
                # first person outside any quotation: the writer
                author = self.index.facts(self.index.author, anchor)
                return Speaker(author.name if author else self.index.author, "person"), None, "author"
            found = self.coref.person(anchor, mention.gender, reading.exclude)
            if found is None and mention.gender:
                found = self.coref.speaker_just_before(anchor)
            if found is None:
                return Speaker(None, "person"), None, pronoun
            speaker, key = found
            self.genders.pronoun(key or name_key(speaker.name or ""), mention, reading.source_spans)
            if key and mention.gender and key in self.index.people:
                self.index.people[key].learn(gender=mention.gender)  # "she said" tells Psaki's gender
            return speaker, key, pronoun
        if pronoun == "it":
            antecedent = self.coref.thing(THING_TYPES)
        elif pronoun in ("they", "them"):
            antecedent = self.coref.thing(GROUP_TYPES, plural_ok=True)
        elif pronoun in RELATIVE_PRONOUNS and reading.source_spans:
            # "Trump, who said …": the noun phrase before the relative pronoun
            before = parse_mention(self.index.phrase_before(reading.source_spans[0][0]))
            if before.core and not before.pronoun:
                return self._described(before, anchor)
            antecedent = None
        else:
            antecedent = None
        if antecedent is None:
            return Speaker(None, "unknown"), None, pronoun
        return copy_speaker(antecedent.speaker), antecedent.key, antecedent.head

    def _described(self, mention: Mention, anchor: int, kind: str | None = None) -> tuple[Speaker, str | None, str]:
        """A source that names or describes its speaker: expand surnames, follow "the readout" back.

        `kind`: the mention's type when already read (`mention_type`).
        """
        kind = kind or mention_type(mention, self.lex)
        # "the readout", "the senator", and "The Post" after "The New York Post"
        if (mention.definite and not mention.proper) or (kind == "media" and mention.capital_article and not mention.name
                                                         and mention.core in self.lex.media_name_heads):
            antecedent = self.coref.described(mention, kind, anchor)
            if antecedent is not None:
                return copy_speaker(antecedent.speaker), antecedent.key, antecedent.head
        person = None
        if mention.name and not mention.plural and kind in ("person", "media", "unknown", "organization"):
            person = self.index.facts(mention.name, anchor)
            if person is not None and kind == "organization" and not _surname_in_capitals(mention, person.name):
                person = None  # "Pentagon", "Mexico": never a person's surname
            if person is not None and kind != "person":
                # one word that is a person's surname elsewhere in the text ("Bloomberg" after "Michael Bloomberg")
                if len(mention.name_words) == 1 and len(person.name.split()) > 1:
                    kind = "person"
                else:
                    person = None
        if person is not None:
            person.learn(mention.role, mention.affiliation, mention.gender)
        speaker = speaker_from_mention(mention, kind, person)
        key = name_key(person.name) if person is not None else None
        return speaker, key, mention.head

    def own_via(self, attribution: Attribution, reading: SourceReading) -> list[Speaker]:
        """Outlets named with the attribution itself: "CNN, citing …", "told Bloomberg"."""
        chain: list[Speaker] = []
        cue = reading.cue
        relay = reading.relay
        if relay is None and cue is not None and cue.text.strip().lower() in RELAY_CUES:
            relay = self.index.phrase_before(cue.spans[0][0])  # "CNN, [citing] unnamed sources, reported"
        relayed = relay_speaker(relay)
        if relayed is not None:
            chain.append(relayed)
        passed_through = via_speaker(reading.via)
        if passed_through is not None:
            chain.append(passed_through)
        if cue is not None:
            cue_words = cue.text.split()
            cue_word = cue_words[-1].lower() if cue_words else ""
            told = outlet_of(outlet_after_cue(self.index, cue_word, cue.spans[-1][1], reading.source_spans))
            if told is not None:
                chain.append(told)
        return [s for s in chain if not _same(s, attribution.speaker)]

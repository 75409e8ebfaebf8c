"""Speaker types: person, organization, media, anonymous, document or unknown, read off a parsed mention."""
from __future__ import annotations

from onrecord.document import Speaker
from onrecord.resolve.lexicon import SpeakerLexicon, load_speaker_lexicon, outlet_key, singular
from onrecord.resolve.mentions import FUNCTION_WORDS, INDEFINITE, Mention, is_acronym

PERSON_PRONOUNS = frozenset("he him she her i me".split())


def outlet_name(text: str | None, lex: SpeakerLexicon | None = None) -> str | None:
    """The canonical name of a news outlet ("the Associated Press" → "Associated Press"), or None."""
    if not text:
        return None
    lex = lex or load_speaker_lexicon()
    return lex.outlets.get(outlet_key(text))


def mention_outlet(mention: Mention, lex: SpeakerLexicon) -> str | None:
    """The outlet a mention names as a whole ("the Times", "The Daily Caller") or by its proper name ("TASS")."""
    for text in (mention.core, f"The {mention.core}", mention.name):
        name = outlet_name(text, lex)
        if name:
            return name
    return None


def looks_like_media_name(words: list[str], lex: SpeakerLexicon) -> bool:
    """A capitalised name ending in a newspaper word: "The Harbor Post", "Valdorian Daily News"."""
    # ("Post-Ledger": the last piece of a hyphenated name counts)
    return len(words) >= 2 and words[-1].rsplit("-", 1)[-1] in lex.media_name_heads and all(w[:1].isupper() for w in words)


def looks_like_person_name(words: list[str], lex: SpeakerLexicon) -> bool:
    """1–4 capitalised words that are no place, group, outlet, acronym or organisation word."""
    if not 1 <= len(words) <= 4 or len(words[0]) < 2:
        return False  # (one letter is a label, "Q", or an initial, never a whole name)
    joined = " ".join(words)
    if joined.lower() in lex.places or joined.lower() in lex.groups or outlet_name(joined, lex):
        return False
    for w in words:
        low = w.lower()
        # (letters are never digits: the character scan is for words with something else in them)
        if not w[:1].isupper() or (not w.isalpha() and any(c.isdigit() for c in w)) or low in FUNCTION_WORDS:
            return False
        if len(words) == 1 and is_acronym(w):
            return False
    return not (len(words) == 1 and (words[0].lower() in lex.organization_words or words[0].lower() in lex.demonyms))


def is_media_noun(mention: Mention, lex: SpeakerLexicon) -> bool:
    """Is the head a media noun ("newspaper", "news agency", "the state-run broadcaster")?"""
    return mention.head_phrase in lex.media_nouns or (mention.head in lex.media_nouns and mention.head != "agency"
                                                     and mention.head not in lex.document_nouns)


def mention_type(mention: Mention, lex: SpeakerLexicon | None = None) -> str:
    """The speaker type a mention reads as, before any coreference ("he" → person, "it" → unknown)."""
    lex = lex or load_speaker_lexicon()
    if mention.pronoun:
        return "person" if mention.pronoun in PERSON_PRONOUNS else "unknown"
    if mention.anonymous:
        return "anonymous"
    if mention.name:
        return _named_type(mention, lex)
    return _described_type(mention, lex)


def _named_type(mention: Mention, lex: SpeakerLexicon) -> str:
    """Type of a mention with a proper name: outlets, places, acronyms, then people."""
    words = mention.name_words
    if mention_outlet(mention, lex) or looks_like_media_name(words, lex) or is_media_noun(mention, lex):
        return "media"
    low = mention.name.lower()
    if low in lex.places or low in lex.groups or singular(low) in lex.groups:
        return "organization"
    if words[-1].lower() in lex.organization_words and words[0].lower() not in lex.first_names and not mention.role:
        return "organization"
    if len(words) == 1 and is_acronym(words[0]):
        return "organization"
    if len(words) == 1 and (singular(low) in lex.demonyms or low.endswith("-americans")):
        return "anonymous"  # "Many Russians", "African-Americans": people, unnamed
    if mention.plural:
        conjuncts = mention.name.replace(" or ", " and ").split(" and ")
        if all(c.lower() in lex.places or outlet_name(c, lex) is None and is_acronym(c) for c in conjuncts):
            return "organization"  # "China and Russia"
        return "person" if all(looks_like_person_name(p.split(), lex) for p in conjuncts) else "unknown"
    if looks_like_person_name(words, lex):
        return "person"
    return "unknown"


def _described_type(mention: Mention, lex: SpeakerLexicon) -> str:
    """Type of a mention without a proper name, from its head noun: "the newspaper", "a readout", "officials"."""
    core_words = mention.core.split()
    if mention_outlet(mention, lex) or looks_like_media_name(core_words, lex) or is_media_noun(mention, lex):
        return "media"
    head = mention.head
    if mention.capital_article and mention.core in lex.media_name_heads:
        return "media"  # "The Post", "The Times"
    if mention.proper and any(w.lower() in lex.organization_words for w in core_words):
        return "organization"  # "Joint Chiefs of Staff", "The Russian Defense Ministry"
    if mention.head_phrase in lex.places or mention.core.lower() in lex.places:
        return "organization"
    if head in lex.document_nouns or mention.head_phrase in lex.document_nouns:
        return "document"
    if head in lex.anonymous_nouns or (mention.plural and head in lex.person_role_nouns):
        return "anonymous"
    if head in lex.organization_words or head in lex.groups:
        return "organization"
    if head in lex.person_role_nouns:
        # "one trade expert", "a spokeswoman for the ministry": an unnamed human source
        return "anonymous" if mention.written.split(maxsplit=1)[0].lower() in INDEFINITE else "person"
    return "unknown"


def speaker_from_mention(mention: Mention, kind: str, person=None) -> Speaker:
    """The Speaker a mention names; `person` (an index PersonFacts) completes a person's name, role and affiliation."""
    lex = load_speaker_lexicon()
    role, affiliation = mention.role, mention.affiliation
    if kind == "person":
        name = mention.name
        if person is not None:
            name, role, affiliation = person.name, role or person.role, affiliation or person.affiliation
        return Speaker(name, kind, role, affiliation)
    if kind == "media":
        if outlet_name(mention.core, lex) or outlet_name(f"The {mention.core}", lex):
            affiliation = None  # "The Washington Post" is one name: no "Washington" affiliation
        name = mention_outlet(mention, lex)
        if not name and mention.capital_article and mention.proper and (
                looks_like_media_name(mention.core.split(), lex) or mention.core in lex.media_name_heads):
            name = f"The {mention.core}"  # "The Harbor Post" keeps its article
        name = name or mention.name or mention.core  # "the newspaper" is named by its description
        return Speaker(name or None, kind, role, affiliation)
    if mention.name:
        return Speaker(mention.name, kind, role, affiliation)
    # unnamed sources and documents are named as written: "A senior official", "a memo included in the packet"
    name = mention.written if kind in ("anonymous", "document") else (mention.core or mention.description)
    return Speaker(name or None, kind, role, affiliation)

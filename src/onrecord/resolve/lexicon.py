"""The speaker lexicon: outlets, role nouns, organization and document heads, first names (hand-written lists)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from onrecord.data import load_json
from onrecord.errors import Errors

DEFAULT_SPEAKER_LEXICON = "onrecord.speaker_lexicon.v1"


@dataclass(frozen=True)
class SpeakerLexicon:
    """Word lists the resolve stage reads; every set holds lower-case forms unless said otherwise."""

    outlets: dict[str, str]  # outlet_key(name or alias) -> canonical outlet name
    media_name_heads: frozenset[str]  # last word of an outlet's name, case kept: "Times", "Post"
    media_nouns: frozenset[str]  # "news agency", "newspaper"
    document_nouns: frozenset[str]
    organization_words: frozenset[str]
    anonymous_nouns: frozenset[str]
    anonymity_markers: tuple[str, ...]
    person_role_nouns: frozenset[str]
    role_modifiers: frozenset[str]
    titles: dict[str, str | None]  # "sen." -> "Senator"; honorifics ("mr.") -> None
    female_titles: frozenset[str]
    male_titles: frozenset[str]
    female_nouns: frozenset[str]
    male_nouns: frozenset[str]
    groups: frozenset[str]
    places: frozenset[str]
    demonyms: dict[str, str]  # "russian" -> "Russia"
    female_names: frozenset[str]
    male_names: frozenset[str]
    pronoun_gender: dict[str, str | None]

    first_names: frozenset[str] = frozenset()  # female_names | male_names
    media_words: frozenset[str] = frozenset()  # the words of media_nouns: "news", "agency", "state"
    # "the company", "the brokerage" name back a company: a name ending in one of company_name_words (case kept)
    company_nouns: frozenset[str] = frozenset()
    company_name_words: frozenset[str] = frozenset()


def outlet_key(name: str) -> str:
    """Lookup key of an outlet name: lower case, one space, straight apostrophes, no leading 'the' before two words."""
    key = " ".join(name.replace("’", "'").lower().split())
    # "The Hill" keeps its article (else any "Hill" would be an outlet); "The New York Times" drops it
    if key.startswith("the ") and " " in key[4:]:
        key = key[4:]
    return key


@lru_cache(maxsize=2)
def load_speaker_lexicon(name: str = DEFAULT_SPEAKER_LEXICON) -> SpeakerLexicon:
    """Read the packaged lexicon file once."""
    if name != DEFAULT_SPEAKER_LEXICON:
        raise ValueError(Errors.E101.format(name=name, available=DEFAULT_SPEAKER_LEXICON))
    raw = load_json("speaker_lexicon.json")
    gendered = load_json("gender_nouns.json")  # the one home of the words that say a gender (resolve/gender.py too)

    def lowered(words: list[str]) -> frozenset[str]:
        return frozenset(w.lower() for w in words)

    def lower_set(key: str) -> frozenset[str]:
        return lowered(raw[key])

    outlets = {outlet_key(o): o for o in raw["outlets"]}
    outlets.update({outlet_key(alias): canonical for alias, canonical in raw["outlet_aliases"].items()})
    titles: dict[str, str | None] = {}
    for title, expansion in raw["titles"].items():
        titles[title.lower()] = expansion
        titles[title.lower().rstrip(".")] = expansion  # "Sen" written without its period
    return SpeakerLexicon(
        outlets=outlets,
        media_name_heads=frozenset(raw["media_name_heads"]),
        media_nouns=lower_set("media_nouns"),
        document_nouns=lower_set("document_nouns"),
        organization_words=lower_set("organization_words"),
        anonymous_nouns=lower_set("anonymous_nouns"),
        anonymity_markers=tuple(m.lower() for m in raw["anonymity_markers"]),
        person_role_nouns=lower_set("person_role_nouns"),
        role_modifiers=lower_set("role_modifiers"),
        titles=titles,
        female_titles=lowered(gendered["honorifics"]["woman"]),
        male_titles=lowered(gendered["honorifics"]["man"]),
        female_nouns=lowered(gendered["role_nouns"]["woman"]),
        male_nouns=lowered(gendered["role_nouns"]["man"]),
        groups=lower_set("groups"),
        places=lower_set("places"),
        demonyms={k.lower(): v for k, v in raw["demonyms"].items()},
        female_names=lower_set("female_names"),
        male_names=lower_set("male_names"),
        pronoun_gender=dict(raw["pronouns"]),
        first_names=lower_set("female_names") | lower_set("male_names"),
        media_words=frozenset(w for phrase in lower_set("media_nouns") for w in phrase.split()),
        company_nouns=lower_set("company_nouns"),
        company_name_words=frozenset(raw["company_name_words"]),
    )


_ES_PLURAL = re.compile(r"(ss|sh|ch|x)es$")  # "witnesses", "speeches", "taxes"
_PLURAL_IRREGULAR = {"people": "person", "men": "man", "women": "woman", "spokesmen": "spokesman",
                     "spokeswomen": "spokeswoman", "spokespeople": "spokesperson", "staffers": "staffer"}


@lru_cache(maxsize=8192)  # a pure function of the word, asked for the same words again and again
def singular(word: str) -> str:
    """Singular form of a lower-case English noun, good enough for lexicon lookups ("agencies" → "agency")."""
    if word in _PLURAL_IRREGULAR:
        return _PLURAL_IRREGULAR[word]
    if word.endswith("men") and len(word) > 5:
        return word[:-3] + "man"  # congressmen, chairmen
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if _ES_PLURAL.search(word):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "news")) and len(word) > 3:
        return word[:-1]
    return word


def is_plural(word: str) -> bool:
    """Does this lower-case noun look plural ("officials", "people"), unlike "news" or "analysis"?"""
    return singular(word) != word

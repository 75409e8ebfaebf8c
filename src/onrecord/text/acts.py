"""Which act an attribution reports: `speech` (said, told, according to) or `thought` (believes, hopes).

PolNeAR annotates attributed speech and attributed inner states alike; a fact-checker's statements are
the speech acts. The cue decides, through a lexicon of cue words by act (`data/act_lexicon.json`):
verbs are listed as lemmas and matched in every inflection ("warned", "urging", "tells").
"""
from __future__ import annotations

import re
from functools import lru_cache

from onrecord.data import load_json
from onrecord.document import ACTS

DEFAULT_ACT_LEXICON = "onrecord.act_lexicon.v1"

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")  # letters, with inner hyphens or apostrophes
_VOWELS = frozenset("aeiou")


def inflections(lemma: str) -> set[str]:
    """The lemma's regular verb forms (-s, -ed, -ing), generously: a form no verb has is never looked up."""
    forms = {lemma}
    if lemma.endswith("y") and len(lemma) > 2 and lemma[-2] not in _VOWELS:
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    elif lemma.endswith(("s", "sh", "ch", "x", "z", "o")):
        forms.add(lemma + "es")
    else:
        forms.add(lemma + "s")
    stems = [lemma[:-1]] if lemma.endswith("e") and not lemma.endswith("ee") else [lemma]
    if len(lemma) > 2 and lemma[-1] not in _VOWELS | set("wxy") and lemma[-2] in _VOWELS and lemma[-3] not in _VOWELS:
        stems.append(lemma + lemma[-1])  # "admit" → "admitted", "plan" → "planning" (and "visitted", unused)
    for stem in stems:
        forms |= {stem + "ed" if not stem.endswith("e") else stem + "d", stem + "ing"}
    if lemma.endswith("e"):
        forms |= {lemma + "d", lemma + "ing"}  # "agreed", "seeing"
    return forms


@lru_cache(maxsize=2)
def load_act_lexicon(name: str = DEFAULT_ACT_LEXICON) -> tuple[dict[str, str], dict[str, str]]:
    """(word → act, preposition → act): word forms that decide a cue's act, and those that decide only alone."""
    if name != DEFAULT_ACT_LEXICON:
        raise ValueError(f"Unknown act lexicon '{name}'. Available: {DEFAULT_ACT_LEXICON}")
    raw = load_json("act_lexicon.json")
    words: dict[str, str] = {}
    prepositions: dict[str, str] = {}
    for act in ACTS:
        entry = raw[act]
        lemmas = set(entry["verbs"])
        for lemma in lemmas:
            words.update(dict.fromkeys(inflections(lemma), act))
        words.update({form: act for form, lemma in raw["irregular"].items() if lemma in lemmas})
        words.update(dict.fromkeys(entry["forms"], act))
        prepositions.update(dict.fromkeys(entry["prepositions"], act))
    return words, prepositions


def act_of(cue_text: str | None) -> str:
    """`speech` or `thought` for a cue's text; a cue-less attribution (floating quote, "Name:" label) is speech.

    The first word of the cue found in the lexicon decides ("is expected" → thought, "expressed hope" →
    speech); a preposition decides only when no other word does ("in a poll" → speech, "for X" → thought).
    A cue with no word (":", "—") is speech. A cue with words the lexicon doesn't know is `thought`: the
    lexicon lists communication verbs broadly, so what it doesn't know is an act or a state, not a statement
    ("signed", "voted against").
    """
    return explain_act(cue_text)[0]


def explain_act(cue_text: str | None) -> tuple[str, str]:
    """(act, why) for a cue's text: why is the deciding word, "no cue word" or "not in the lexicon"."""
    words = [w.replace("’", "'") for w in _WORD.findall((cue_text or "").lower())]
    if not words:
        return "speech", "no cue word"
    lexicon, prepositions = load_act_lexicon()
    for table in (lexicon, prepositions):
        for word in words:
            if word in table:
                return table[word], word
    return "thought", "not in the lexicon"

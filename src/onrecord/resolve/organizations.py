"""The organisations a document names, by place: what "the company", "Corvane" and "KBC" refer back to.

    index = OrganizationIndex("Corvane Semiconductor (CVS) rose. … the company said …")
    index.latest_for("company", set(), position)   # "Corvane Semiconductor"
    index.short_form("Corvane", position)          # "Corvane Semiconductor"
    index.acronym("CVS", position)                 # "Corvane Semiconductor"

Names are read off the text with capitals and the speaker lexicon: a capitalised run whose last word is an
organisation word ("Ministry", "Office", "Union") or a company word ("Ltd", "Energy", "Capital"), or that opens
with one and goes on with "of"/"for" ("Ministry of Industry, Innovation and Technology").
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from onrecord.resolve.lexicon import SpeakerLexicon, load_speaker_lexicon

# A capitalised word, with a possessive ("Sheriff's", "Renters’") and the period of a company suffix ("Corp.").
_WORD = r"[A-Z][\w\-]*(?:(?:(?<=Corp)|(?<=Inc)|(?<=Ltd)|(?<=Co))\.|['’]s\b|(?<=s)['’](?=[ \t]+[A-Z]))?"
# Inside a name: spaces, "of", "for", "and", "&", "of the", and a comma of a list that ends in "and X"
# ("Ministry of Industry, Innovation and Technology").
_JOIN = r"(?:[ \t]+(?:of|for|and|&|of[ \t]+the|on)[ \t]+|[ \t]+|,[ \t]+(?=(?:[A-Z][\w\-]*,[ \t]+)*[A-Z][\w\-]*,?[ \t]+and[ \t]+[A-Z]))"
_RUN = re.compile(rf"{_WORD}(?:{_JOIN}{_WORD})*")
_LIST_COMMA = re.compile(r",\s+")
# A definition of an acronym: "Kestrian Broadcasting Corporation (KBC)".
_ACRONYM_AFTER = re.compile(r"\s*\(([A-Z][A-Z&]{1,9})\)")
_OPENERS = frozenset("the a an in on at by for from of to and but as after before when while with this that".split())


@dataclass(frozen=True, slots=True)
class OrganizationName:
    """An organisation's name where the text gives it."""

    start: int
    end: int
    name: str

    @property
    def words(self) -> list[str]:
        """Its words without possessives and periods, lower case."""
        return [w.lower().rstrip(".").removesuffix("'s").removesuffix("’s").rstrip("'’")
                for w in re.findall(r"[\w\-.'’]+", self.name)]


class OrganizationIndex:
    """The organisation names of one text, in order, with the acronyms it defines."""

    def __init__(self, text: str, lex: SpeakerLexicon | None = None):
        self.lex = lex or load_speaker_lexicon()
        self.names: list[OrganizationName] = []
        self.acronyms: list[tuple[int, str, OrganizationName]] = []  # (where defined, acronym, name)
        for match in _RUN.finditer(text):
            found = self._organization(text, match.start(), match.end())
            if found is None:
                continue
            self.names.append(found)
            defined = _ACRONYM_AFTER.match(text, found.end)
            if defined and defined.group(1) == _initials(found.name):
                self.acronyms.append((found.start, defined.group(1), found))
        self._starts = [n.start for n in self.names]

    def _organization(self, text: str, start: int, end: int) -> OrganizationName | None:
        """The organisation name in a capitalised run, or None when the run names none."""
        words = list(re.finditer(r"\S+", text[start:end]))
        # a sentence opener or an article before the name: "The Water Services Authority", "In Harlan County"
        while words and words[0].group().lower() in _OPENERS:
            words.pop(0)
        if len(words) > 2 and words[1].group() == "of" and words[0].group().lower() not in self.lex.organization_words:
            words = words[2:]  # "Shares of Brightwell Media": a quantity of the company, not its name
        if not words:
            return None
        first = words[0].group()
        rest = text[start + words[0].end():end]
        if first.endswith(("'s", "’s")) and len(words) > 1 and re.match(r"\s+\S+\s+(?:of|for)\s", rest):
            words.pop(0)  # "Valdoria's Ministry of Industry": the country is the affiliation, not the name
        a, b = start + words[0].start(), start + words[-1].end()
        name = text[a:b].rstrip(",")
        if not self._is_organization(name.split()):
            return None
        return OrganizationName(a, a + len(name), name)

    def _is_organization(self, words: list[str]) -> bool:
        """Does a capitalised run name an organisation (by its last word, or its first before "of"/"for")?"""
        if len(words) < 2:
            return False
        last = words[-1].rstrip(".,")
        if last in self.lex.company_name_words or last.lower() in self.lex.organization_words:
            return last.lower() not in _OPENERS
        return words[1] in ("of", "for") and words[0].lower() in self.lex.organization_words

    def _before(self, position: int) -> list[OrganizationName]:
        """The names that start before a position, latest last."""
        return self.names[:bisect_left(self._starts, position)]

    def containing(self, start: int, end: int) -> str | None:
        """The name a source span lies inside ("Innovation and Technology" in "Ministry of Industry, …")."""
        for found in self._before(end):
            if found.start <= start and end <= found.end:
                return found.name
        return None

    def latest_for(self, head: str, modifiers: set[str], position: int) -> str | None:
        """The latest name before `position` that a description with this head noun names back.

        "the company", "the brokerage" → a company's name ("Borrin Capital", "Norgate Energy Corp.");
        "the ministry", "the sheriff's office" → a name holding that word and the modifiers ("Harlan County
        Sheriff's Office").
        """
        earlier = self._before(position)
        for found in reversed(earlier):
            if self._names_back(found, head, modifiers):
                return found.name
        # none before: the one such organisation the document names ("The ministry told us …" before the name)
        later = {found.name for found in self.names[len(earlier):] if self._names_back(found, head, modifiers)}
        return later.pop() if len(later) == 1 else None

    def _names_back(self, found: OrganizationName, head: str, modifiers: set[str]) -> bool:
        """Can a description with this head noun and modifiers name this organisation?"""
        if head in self.lex.company_nouns and found.name.split()[-1].rstrip(".") in self.lex.company_name_words:
            return True
        return head in found.words and modifiers <= set(found.words)

    def short_form(self, word: str, position: int) -> str | None:
        """The latest earlier name a single word opens: "Corvane" → "Corvane Semiconductor"."""
        for found in reversed(self._before(position)):
            if found.name.split()[0] == word:
                return found.name
        return None

    def acronym(self, word: str, position: int) -> str | None:
        """The earlier name an acronym stands for: one defined for it ("Kestrian Broadcasting Corporation (KBC)"),
        else the latest whose capitalised words' initials spell it (three letters at least)."""
        for where, acronym, found in reversed(self.acronyms):
            if where < position and acronym == word:
                return found.name
        if len(word) < 3:
            return None
        for found in reversed(self._before(position)):
            if _initials(found.name) == word:
                return found.name
        return None


def _initials(name: str) -> str:
    """The first letters of a name's capitalised words: "Kestrian Broadcasting Corporation" → KBC."""
    return "".join(w[0] for w in name.split() if w[:1].isupper())

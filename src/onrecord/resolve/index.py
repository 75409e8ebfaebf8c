"""A per-document index, built once: sentences, the people named in the text, and what the text says about them."""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass

from onrecord.text.analysis import Analysis
from onrecord.text.tokens import CLOSE_QUOTES, OPEN_QUOTES, STRAIGHT_QUOTES, Token, retokenize, split_sentences, tokenize
from onrecord.resolve.lexicon import SpeakerLexicon, load_speaker_lexicon
from onrecord.resolve.mentions import (
    FUNCTION_WORDS,
    NAME_PARTICLES,
    Mention,
    Word,
    is_role_word,
    name_after_complement,
    name_run_start,
    parse_mention,
)
from onrecord.resolve.speaker_types import looks_like_person_name

MAX_PREFIX_WORDS = 10  # a role before a name: "U.S. Chairman of the Joint Chiefs of Staff Mark Milley"
MAX_APPOSITIVE_WORDS = 12  # "Mo Elleithee, a Clinton campaign aide during her failed 2008 run"


@dataclass
class PersonFacts:
    """What the document says about one named person."""

    name: str  # the fullest form: "Dmitry Polyanskiy"
    role: str | None = None
    affiliation: str | None = None
    gender: str | None = None

    def learn(self, role: str | None = None, affiliation: str | None = None, gender: str | None = None) -> None:
        """Fill what is still unknown."""
        self.role = self.role or role
        self.affiliation = self.affiliation or affiliation
        self.gender = self.gender or gender


@dataclass(frozen=True, slots=True)
class NameMention:
    """A person's name at a place in the text ("Blinken" at 1042 → key "antony blinken")."""

    start: int
    end: int
    key: str  # the person it refers to


_QUOTE_OPENERS = OPEN_QUOTES + STRAIGHT_QUOTES
# "He spoke with the Courier's Anneli Fisk", "interviewed by Jane Doe": the one who asks in a Q&A.
_SPOKE_WITH = re.compile(r"\b(?:spoke|spoken|talked|speaks|talks|sat down)\s+(?:with|to)\b|\binterviewed\s+by\b")
_INTERVIEWER_REACH = 40  # characters from "spoke with" to the interviewer's name ("the Courier's …")
_QUOTE_CLOSERS = CLOSE_QUOTES + STRAIGHT_QUOTES
NAME_SUFFIXES = frozenset("jr jr. sr sr. ii iii iv".split())


def name_key(name: str) -> str:
    """The person key of a name: lower case, single spaces."""
    return " ".join(name.lower().split())


def surname_of(key: str) -> str:
    """The surname of a person key: its last word but for "Jr." and the like ("john g. roberts jr." → roberts)."""
    words = key.split()
    while len(words) > 1 and words[-1] in NAME_SUFFIXES:
        words.pop()
    return words[-1] if words else ""


class DocumentIndex:
    """Sentences and people of one document, looked up by position and by surname."""

    def __init__(self, text: str, sources: list[tuple[int, Mention]] | None = None,
                 lex: SpeakerLexicon | None = None, analysis: Analysis | None = None, byline: str | None = None):
        """`analysis`: the shared analysis of this text or of its blanked copy (its tokens are reused);
        `byline`: the document's byline (`doc.metadata.byline`, from the text, the page or the record)."""
        self.text = text
        self.lex = lex or load_speaker_lexicon()
        if analysis is not None and analysis.text == text:
            self.tokens: list[Token] = analysis.tokens
            sentences = analysis.sentences
        else:
            tokens = retokenize(text, analysis.text, analysis.tokens) if analysis is not None else None
            self.tokens = tokenize(text) if tokens is None else tokens
            sentences = split_sentences(text, self.tokens) if self.tokens else []
        self.sentence_starts = [self.tokens[a].start for a, _ in sentences] or [0]
        self._sentence_first = {a for a, _ in sentences}
        self.token_starts = [t.start for t in self.tokens]
        self.people: dict[str, PersonFacts] = {}
        self.mentions: list[NameMention] = []  # sorted by start
        self.mention_starts: list[int] = []
        self.by_sentence: dict[int, list[NameMention]] = {}
        self._surnames: dict[str, list[tuple[int, str]]] = {}
        self._lone_names: dict[tuple[str, bool], bool] = {}  # _lone_name's verdicts
        self._times_named: Counter[str] | None = None  # times_named's counts, built on first use
        self.author = self._author(byline)
        self._build(sources or [])

    # -- positions -------------------------------------------------------------------------------------------
    def sentence_of(self, position: int) -> int:
        """Index of the sentence holding a character offset."""
        return max(0, bisect_right(self.sentence_starts, position) - 1)

    def token_at(self, position: int) -> int:
        """Index of the first token starting at or after a character offset."""
        return bisect_left(self.token_starts, position)

    # -- people ----------------------------------------------------------------------------------------------
    def facts(self, name: str | None, position: int) -> PersonFacts | None:
        """The person a name refers to at a position: a full name directly, a surname through the nearest full name."""
        key = name_key(name or "")
        if not key:
            return None
        if " " in key:
            return self.people.get(key)
        entries = self._surnames.get(key)
        if not entries:
            return self.people.get(key)
        # the nearest earlier mention of a full name with this surname, else the first later one
        i = bisect_right(entries, (position, "\uffff"))
        return self.people[entries[i - 1][1] if i > 0 else entries[0][1]]

    def gender(self, key: str | None) -> str | None:
        """The known gender of a person."""
        person = self.people.get(key) if key else None
        return person.gender if person else None

    def _add_person(self, name: str, mention: Mention | None, position: int) -> str:
        """Record a person (or what more we learn about one); returns its key."""
        key = name_key(name)
        person = self.people.get(key)
        if person is None:
            person = self.people[key] = PersonFacts(name=name)
            self._surnames.setdefault(surname_of(key), []).append((position, key))
        if mention is not None:
            person.learn(mention.role, mention.affiliation, mention.gender)
        return key

    def _build(self, sources: list[tuple[int, Mention]]) -> None:
        """One pass over capitalised runs: full names first, then surnames standing alone."""
        lex = self.lex
        lowercase_forms = {t.lower for t in self.tokens if t.is_word and t.text[0].islower()}
        runs = list(self._capitalised_runs(lowercase_forms))
        # one-word names in text order, each with whether it still has to pass as a name (a word standing alone
        # is only read when it is some full name's surname: most capitalised words are not)
        singles: list[tuple[Word, bool]] = []
        surnames_alone = {words[-1].lower for _, words in runs if len(words) == 1}
        # a surname after a personal title ("Mr Kolstad", "Ms Harwood") is a surname used alone too
        surnames_alone |= {words[1].lower for _, words in runs if len(words) == 2 and words[0].lower in lex.titles}
        inside_sentences = {tuple(w.lower for w in words) for first, words in runs
                            if len(words) > 1 and not self._opens_sentence(first)}
        for first_token, words in runs:
            if len(words) == 1:
                singles.append((words[0], True))
                continue
            a = name_run_start(words, lex)
            if a < len(words) and first_token >= 2 and self.tokens[first_token - 1].text == "of" and is_role_word(
                    self.tokens[first_token - 2].text, lex):
                a = name_after_complement(words, a)  # "Director of Public Prosecutions Eva Sandberg"
            name_words = words[a:]
            nickname = any(self.text[w.start - 1:w.start] in _QUOTE_OPENERS for w in name_words[1:])
            if a == 0 and len(name_words) > 1 and not nickname and self._opens_sentence(first_token) and (
                    name_words[0].lower not in lex.first_names
                    and tuple(w.lower for w in name_words) not in inside_sentences):
                # "Unlike Patriot", "Poor Mexico": a sentence's capitalised first word is no first name unless
                # the text says so elsewhere
                name_words = name_words[1:]
            texts = [w.text for w in name_words]
            if not name_words or not self._person_like(texts):
                continue
            if len(name_words) == 1:
                singles.append((name_words[0], False))
                continue
            prefix_has_role = any(is_role_word(w.text, lex) for w in words[:a]) or (
                first_token > 0 and is_role_word(self.tokens[first_token - 1].text, lex))
            # evidence that a capitalised pair is a person: a first name, a title, or the surname used alone
            if not (texts[0].lower() in lex.first_names or prefix_has_role or nickname
                    or texts[-1].lower() in surnames_alone):
                continue
            start = name_words[0].start
            end = name_words[-1].start + len(name_words[-1].text)  # without a possessive ’s
            key = self._add_person(self.text[start:end], self._describe(start, end), start)
            self._add_mention(NameMention(start, end, key))
        for position, mention in sources:
            # sources are read with their own role ("Ministry spokesman Pavel Idris") even when the text has no other
            if mention.name and len(mention.name.split()) > 1:
                self._add_person(mention.name, mention, position)
        for position, mention in sources:
            if mention.name and len(mention.name.split()) == 1 and name_key(mention.name) not in self._surnames:
                self._add_person(mention.name, mention, position)
        for w, alone in singles:
            low = w.lower
            if low in self._surnames and (not alone or self._lone_name(w)):
                person = self.facts(low, w.start)
                if person is not None:
                    self._add_mention(NameMention(w.start, w.start + len(w.text), name_key(person.name)))
        self.mentions.sort(key=lambda m: m.start)
        self.mention_starts = [m.start for m in self.mentions]
        for entries in self._surnames.values():
            entries.sort()

    def _person_like(self, texts: list[str]) -> bool:
        """Can these words be a person's name (and not a place)?"""
        return looks_like_person_name(texts, self.lex) and texts[-1].lower() not in self.lex.places

    def _lone_name(self, word: Word) -> bool:
        """Can a capitalised word standing alone be a name ("Peskov", not "Moscow")? Read once per spelling."""
        spelling = (word.text, word.possessive)  # all that name_run_start reads of a one-word run
        verdict = self._lone_names.get(spelling)
        if verdict is None:
            verdict = self._lone_names[spelling] = name_run_start([word], self.lex) == 0 and self._person_like([word.text])
        return verdict

    def _add_mention(self, mention: NameMention) -> None:
        """Keep a name mention, findable by sentence."""
        self.mentions.append(mention)
        self.by_sentence.setdefault(self.sentence_of(mention.start), []).append(mention)

    def _capitalised_runs(self, lowercase_forms: set[str]):
        """Yield (first token index, words) for each run of capitalised words (a possessive ends a run)."""
        toks, text, n = self.tokens, self.text, len(self.tokens)
        after = 0  # the first token no run has read yet
        for i in [k for k, t in enumerate(toks) if t.is_capitalized and t.is_word]:
            if i < after:
                continue
            j = i
            words: list[Word] = []
            while j < n:
                if j > i and self._nickname_at(j) and not words[-1].possessive:
                    # a nickname in quotation marks inside the name: Riefan "Ifan" Kolle
                    words.append(Word(toks[j + 1].text, toks[j + 1].start, toks[j + 1].end))
                    j += 3
                    continue
                if not (toks[j].is_word and (toks[j].is_capitalized or (
                        toks[j].lower in NAME_PARTICLES and j + 1 < n and toks[j + 1].is_capitalized))):
                    break
                if j > i and "\n" in text[toks[j - 1].end:toks[j].start]:
                    break
                t = toks[j].text
                clitic = toks[j].lower.endswith(("’s", "'s")) and len(t) > 2
                possessive = clitic
                if not possessive and j + 1 < n and toks[j + 1].text in ("’", "'") and toks[j + 1].start == toks[j].end:
                    possessive = t.endswith("s")  # "Sanders’ campaign"
                words.append(Word(t[:-2] if clitic else t, toks[j].start, toks[j].end, possessive))
                j += 1
                if possessive:
                    break
            first = i
            # a capitalised word opening a sentence is no name when the text also writes it in lower case
            if words and self._opens_sentence(i) and words[0].lower not in self.lex.first_names and (
                    words[0].lower in lowercase_forms or words[0].lower in FUNCTION_WORDS):
                words, first = words[1:], i + 1
            if words:
                yield first, words
            after = max(j, i + 1)

    def _nickname_at(self, i: int) -> bool:
        """Is token i a quotation mark opening a one-word nickname between two capitalised name words?"""
        toks = self.tokens
        return (i > 0 and i + 3 < len(toks) and toks[i].text in _QUOTE_OPENERS and toks[i + 1].is_capitalized
                and toks[i + 1].is_word and toks[i + 2].text in _QUOTE_CLOSERS and toks[i + 3].is_capitalized
                and toks[i + 3].is_word and toks[i - 1].end < toks[i].start and toks[i + 2].end < toks[i + 3].start)

    def _opens_sentence(self, i: int) -> bool:
        """Is token i the first word of a sentence (or of a quotation)?"""
        return i in self._sentence_first or (i > 0 and self.tokens[i - 1].text in _QUOTE_OPENERS)

    def phrase_start(self, i: int) -> int:
        """First token of the noun phrase that ends before token i ("… after [CNN], citing", "[Kremlin spokesman] Dmitry")."""
        toks, lex = self.tokens, self.lex
        k = i
        while k > 0 and i - k < MAX_PREFIX_WORDS:
            prev = toks[k - 1]
            if not prev.is_word or "\n" in self.text[prev.end:toks[k].start]:
                break
            low = prev.lower
            # "of" / "of the" inside a title: "Chairman of the Joint Chiefs of Staff"
            before = toks[k - 2] if k >= 2 else None
            if before is not None and (
                    (low == "the" and before.lower == "of" and toks[k].is_capitalized)
                    or (low == "of" and (before.is_capitalized or is_role_word(before.text, lex)))):
                k -= 1
                continue
            if low in ("a", "an", "the"):
                return k - 1  # an article opens the phrase
            if prev.is_capitalized and low not in FUNCTION_WORDS:
                k -= 1
                if low.endswith(("’s", "'s")):
                    break  # "Russia’s deputy U.N. ambassador": the possessor opens the phrase
                continue
            if (is_role_word(prev.text, lex) or low in lex.organization_words or low in lex.media_words
                    or low in lex.anonymous_nouns or low in lex.document_nouns):
                k -= 1
                continue
            break
        return k

    def phrase_before(self, position: int) -> str:
        """The noun phrase that ends right before a character offset, over one comma: "CNN, citing" → "CNN"."""
        i = self.token_at(position)
        if i > 0 and self.tokens[i - 1].text in ",—–":
            i -= 1
        k = self.phrase_start(i)
        return self.text[self.tokens[k].start:self.tokens[i - 1].end] if k < i else ""

    def _describe(self, start: int, end: int) -> Mention | None:
        """Parse the role before a name and an appositive after it: "Kremlin spokesman Dmitry Peskov"."""
        toks = self.tokens
        i = self.token_at(start)
        k = self.phrase_start(i)
        phrase = self.text[toks[k].start:end] if k < i else self.text[start:end]
        j = self.token_at(end)
        # an appositive after the name: ", a Clinton campaign aide"
        if j + 1 < len(toks) and toks[j].text == "," and toks[j + 1].lower in ("a", "an", "the"):
            e = j + 1
            while e < len(toks) and e - j <= MAX_APPOSITIVE_WORDS and toks[e].text not in ",.;:()“”\"":
                e += 1
            phrase += self.text[toks[j].start:toks[e - 1].end]
        mention = parse_mention(phrase)
        return mention if mention.name and name_key(mention.name) == name_key(self.text[start:end]) else None

    def times_named(self, key: str | None) -> int:
        """How often the text names a person (full name or surname): how prominent they are in the document."""
        if self._times_named is None:
            self._times_named = Counter(m.key for m in self.mentions)
        return self._times_named[key] if key else 0

    def interviewee(self) -> PersonFacts | None:
        """Who answers in a Q&A ("A:"): the first person the document names (its headline or its lead)."""
        if self.mentions:
            return self.people[self.mentions[0].key]
        return self._name_pair_after(0, len(self.text))

    def interviewer(self) -> PersonFacts | None:
        """Who asks in a Q&A ("Q:"): the person the interviewee "spoke with", else the byline's author, else None."""
        for match in _SPOKE_WITH.finditer(self.text):
            i = bisect_left(self.mention_starts, match.end())
            if i < len(self.mentions) and self.mentions[i].start - match.end() <= _INTERVIEWER_REACH:
                return self.people[self.mentions[i].key]
            person = self._name_pair_after(match.end(), _INTERVIEWER_REACH)
            if person is not None:
                return person
        return self.facts(self.author, len(self.text)) if self.author else None

    def _name_pair_after(self, position: int, reach: int) -> PersonFacts | None:
        """The first capitalised pair that can be a person's name, starting within `reach` characters of `position`.

        For a name the index passed over for want of evidence (a first name it doesn't know, said once).
        """
        for first_token, words in self._capitalised_runs(set()):
            start = self.tokens[first_token].start
            if start < position:
                continue
            if start - position > reach:
                return None
            texts = [w.text for w in words[name_run_start(words, self.lex):]]
            if len(texts) >= 2 and self._person_like(texts):
                return self.people[self._add_person(" ".join(texts), None, start)]
        return None

    def _author(self, byline: str | None) -> str | None:
        """The article's author from its byline ("Isabel Van Brugen"), when it names a person."""
        return byline if byline and looks_like_person_name(byline.split(), self.lex) else None

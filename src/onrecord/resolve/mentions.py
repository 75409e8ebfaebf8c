"""Mentions: parse a piece of text that refers to a speaker into its name, role and affiliation.

"Russia’s deputy U.N. ambassador Dmitry Polyanskiy" → name "Dmitry Polyanskiy", role "deputy U.N. ambassador",
affiliation "Russia". The parser reads words, capitals and the speaker lexicon; it needs no parse tree.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from onrecord.text.tokens import tokenize
from onrecord.resolve.lexicon import SpeakerLexicon, is_plural, load_speaker_lexicon, singular

ARTICLES = frozenset("a an the".split())
# Determiners of an unnamed one among many: "a senior official", "one trade expert", "another diplomat".
INDEFINITE = frozenset("a an one another".split())
# Determiners that make a description point back to something named before ("the readout", "this official").
DEFINITE = frozenset("the this that".split())
DEMONSTRATIVES = frozenset("these those".split())
POSSESSIVE_PRONOUNS = frozenset("his her their its our my your".split())
RELATIVE_PRONOUNS = frozenset("who whom which that".split())
# Lower-case pieces of names: "Isabel van Brugen", "Osama bin Laden".
NAME_PARTICLES = frozenset("van von de da der den del della di du la le bin ibn al el abu ben".split())
# Words after the head noun that open a post-modifier: the core noun phrase ends there.
POSTMODIFIER_OPENERS = frozenset(
    """who whom whose which that familiar close speaking citing with for from by at in on during after before to
    according when while since because as if than about regarding who's involved knowledgeable being including
    among like released published conducted issued filed obtained posted sent signed written commissioned leaked
    unveiled shared prepared made given seen reviewed viewed quoted cited aired broadcast produced funded sponsored
    paid""".split()
)
# "a number of tax experts", "dozens of papers": the head is after "of".
QUANTITY_HEADS = frozenset(
    """number majority minority handful dozens dozen hundreds thousands millions lot lots few couple some many most
    all none one two three four five several each both plenty bunch series raft group percent""".split()
)
# "his" as a whole source stands for "he".
POSSESSIVE_TO_PRONOUN = {"his": "he", "her": "she", "its": "it", "their": "they", "our": "we", "my": "i", "your": "you"}
PREPOSITIONS = frozenset("by on in to with at for from about of over under into".split())
# Prepositions whose object can be the speaker's organisation: "a spokesman for the Pentagon".
AFFILIATION_PREPOSITIONS = frozenset("for at of with from by in to".split())
# Capitalised words that start sentences but never names.
FUNCTION_WORDS = frozenset(
    """the a an his her their its our my your this that these those he she it they we i you but and or so yet
    in on at by for with from of to as if when while since after before although though because according
    however meanwhile also still now then there here what who why how where which some many several both
    all any each every no not another other others such few fewer more most""".split()
)

# Honours and post-nominal letters written after a name ("Philip Arne KC"): no part of the name.
POST_NOMINALS = frozenset("KC QC SC MP MSP MLA MPP MEP MBE OBE CBE PhD".split())
QUOTE_CHARS = "\"“”‘’'«»"

# Capitalised words that are no part of a person's name: days, months, sentence adverbs.
NOT_NAME_WORDS = FUNCTION_WORDS | frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march july august september october
    november december today yesterday tomorrow even just only yet already perhaps maybe indeed instead earlier later
    last next recently""".split()
)


class Word(NamedTuple):
    """A word of a mention: its text (without a possessive ’s), offsets in the parsed string, possessive or not.

    A tuple underneath: the name rules build one per capitalised word of a text, and tuples are built cheaply.
    """

    text: str
    start: int
    end: int
    possessive: bool = False

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_capitalized(self) -> bool:
        return self.text[:1].isupper()


class Mention(NamedTuple):
    """A piece of text that refers to a speaker, parsed into its parts (a tuple underneath: built cheaply)."""

    text: str  # as written
    name: str | None = None  # a proper name: "Dmitry Peskov", "TASS", "Russia"
    role: str | None = None  # "Kremlin spokesman"
    affiliation: str | None = None  # "Kremlin", "Russia"
    head: str = ""  # lower-case head noun ("spokesman", "sources", "readout"), or the name's last word
    head_phrase: str = ""  # the head with the word before it ("news agency"), lower case
    core: str = ""  # the core noun phrase without articles: "readout of the call", "Kestria’s foreign ministry"
    description: str = ""  # the mention less its leading article: "people familiar with the matter"
    written: str = ""  # its first comma-free piece as written, determiner kept: "One senior government source"
    pronoun: str | None = None  # "he", "they", "who" … when the mention is one
    plural: bool = False
    gender: str | None = None  # "female" / "male" when the text says so
    definite: bool = False  # "the readout", "this official": may refer back to an earlier speaker
    anonymous: bool = False  # "unnamed", "on condition of anonymity", "familiar with"
    capital_article: bool = False  # written with a capital "The" (kept in outlet names: "The Harbor Post")
    proper: bool = False  # the core is itself a proper name: "Joint Chiefs of Staff", "The Harbor Post"

    @property
    def name_words(self) -> list[str]:
        """The proper name's words, a nickname without its quotation marks (Riefan "Ifan" Kolle)."""
        return [w.strip(QUOTE_CHARS) for w in self.name.split()] if self.name else []


def words_of(text: str) -> list[Word]:
    """The words of a mention string; possessive ’s and trailing apostrophes become a flag on the word."""
    words: list[Word] = []
    for tok in tokenize(text):
        t = tok.text
        if tok.start > 0 and words and words[-1].end == tok.start:
            # "Sanders’" → possessive; a clitic standing alone ("’s") too
            if t in ("’", "'") and words[-1].text.endswith(("s", "S")) or t.lower() in ("’s", "'s"):
                words[-1] = words[-1]._replace(possessive=True, end=tok.end)
                continue
            if t in ("/", "&", "-") or words[-1].text.endswith(("/", "&")):
                # "CNN/ORC", "AT&T" stay one word
                last = words[-1]
                words[-1] = Word(last.text + t, last.start, tok.end, last.possessive)
                continue
        if not tok.is_word:
            continue
        low = t.lower()
        if low.endswith(("’s", "'s")) and len(t) > 2:
            words.append(Word(t[:-2], tok.start, tok.end, possessive=True))
        else:
            words.append(Word(t, tok.start, tok.end))
    return words


def is_role_word(word: str, lex: SpeakerLexicon) -> bool:
    """Is this word a title, a role noun or a role modifier ("Sen.", "spokesman", "deputy")?"""
    low = word.lower()
    return (low in lex.titles or low in lex.person_role_nouns or singular(low) in lex.person_role_nouns
            or low in lex.role_modifiers)


def is_acronym(word: str) -> bool:
    """An all-capitals word of 2+ letters ("TASS", "FBI", "U.N.")."""
    letters = list(filter(str.isalpha, word))
    return len(letters) >= 2 and all(map(str.isupper, letters))


def _is_initial(text: str) -> bool:
    """A middle initial: "J."."""
    return len(text) == 2 and text[0].isupper() and text[1] == "."


def proper_word(words: list[Word], i: int, last: int, lex: SpeakerLexicon) -> bool:
    """Can words[i] belong to a proper name that ends at words[last]?"""
    w = words[i]
    if not w.is_capitalized:
        return False
    low = w.lower
    if low in NOT_NAME_WORDS:
        return False
    blocked = (is_role_word(w.text, lex) or low in lex.organization_words or singular(low) in lex.organization_words
               or w.text in lex.media_name_heads or low in lex.media_nouns or low in lex.document_nouns
               or low in lex.anonymous_nouns)
    if blocked:
        # a surname that is also a role or organization word: "Dan Bishop", "Frank Church";
        # a first name that is also a common noun: "Bill Clinton", "Dean Baquet"
        prev = words[i - 1].lower if i > 0 else ""
        return (i == last and (prev in lex.first_names or lex.titles.get(prev, "") is None) and not words[i].possessive) or (
            i < last and low in lex.first_names and words[i + 1].is_capitalized)
    return True


def name_run_start(words: list[Word], lex: SpeakerLexicon) -> int:
    """Index where the proper name at the end of `words` starts (len(words) when there is none)."""
    last = len(words) - 1
    i = len(words)
    while i > 0:
        k = i - 1
        if proper_word(words, k, last, lex) or _is_initial(words[k].text):
            # a possessive ends its own noun phrase: "Russia’s deputy …" is not part of the name
            if words[k].possessive and k != last:
                break
            i = k
            continue
        # a lower-case particle inside a name: "Isabel van Brugen"
        if words[k].lower in NAME_PARTICLES and i <= last and k > 0 and words[k - 1].is_capitalized:
            i = k
            continue
        break
    while i <= last and words[i].text in NAME_PARTICLES:  # "Van" in "Mr. Van Voorhis" stays
        i += 1
    # a known first name inside the run starts the name: "Staff Mark Milley", "Affairs Sergey Lavrov"
    for k in range(i + 1, last + 1):
        if words[k].lower in lex.first_names and words[k - 1].lower not in lex.first_names and not _is_initial(words[k - 1].text):
            return k
    j = i
    while j > 0 and words[j - 1].is_capitalized:
        j -= 1  # the capitalised stretch the name ends, role words included
    if j >= 2 and words[j - 1].text == "of" and is_role_word(words[j - 2].text, lex):
        return name_after_complement(words, i)
    return i


def name_after_complement(words: list[Word], i: int) -> int:
    """Where the name starts in a run that follows "<title> of": "(Director of) Public Prosecutions Eva Sandberg".

    The complement is an organisation's name and the person's name is unknown to the lexicon: the person keeps
    the last two words (with an initial or a particle before the surname).
    """
    k = max(i, len(words) - 2)
    while k > i and (_is_initial(words[k - 1].text) or words[k - 1].lower in NAME_PARTICLES):
        k -= 1
    return k


def _ends_with_person(words: list[Word], lex: SpeakerLexicon) -> bool:
    """Do the words end in a person's name with something to show for it (a title, a first name, two words)?"""
    a = name_run_start(words, lex)
    if a >= len(words):
        return False
    evidence = words[a].lower in lex.first_names or len(words) - a >= 2 or (a > 0 and is_role_word(words[a - 1].text, lex))
    return evidence and not any(w.lower in lex.organization_words or w.lower in lex.places for w in words[a:])


def _core_end(words: list[Word], lex: SpeakerLexicon) -> int:
    """Where the core noun phrase ends: at a relative clause, a preposition or a participle + preposition."""
    for k in range(1, len(words)):
        w = words[k]
        if w.is_capitalized:
            continue
        low = w.lower
        if low in POSTMODIFIER_OPENERS:
            return k
        # "released by", "speaking on", "briefed on": a participle with its preposition
        if (low.endswith("ed") or low.endswith("ing")) and k + 1 < len(words) and words[k + 1].lower in PREPOSITIONS \
                and low not in lex.document_nouns and low not in lex.anonymous_nouns:
            return k
    return len(words)


def _text(source: str, words: list[Word]) -> str:
    """The stretch of `source` the words cover, as written."""
    return source[words[0].start:words[-1].end] if words else ""


def _possessor_text(source: str, words: list[Word]) -> str:
    """Words as written but without a final ’s: "Russia’s" → Russia, "Sanders's" → Sanders."""
    return source[words[0].start:words[-1].start] + words[-1].text


def is_proper_phrase(words: list[Word]) -> bool:
    """Are all words capitalised but for inner "of", "the", "and" ("Joint Chiefs of Staff")?"""
    return bool(words) and all(w.is_capitalized or (0 < k < len(words) - 1 and w.lower in ("of", "the", "and", "for"))
                               for k, w in enumerate(words))


def _of_split(words: list[Word]) -> int:
    """Index of the first lower-case "of" (the head noun is before it: "readout of the call"), else len(words)."""
    for k, w in enumerate(words):
        if w.text == "of" and k > 0:
            return k
    return len(words)


def _prepositional_affiliation(source: str, words: list[Word]) -> str | None:
    """The first capitalised object of a preposition: "released by the Joint Chiefs of Staff" → Joint Chiefs of Staff."""
    k = 0
    while k < len(words):
        if words[k].lower in AFFILIATION_PREPOSITIONS:
            j = k + 1
            while j < len(words) and words[j].lower in ARTICLES:
                j += 1
            e = j
            # the object runs over capitalised words, joined by "of" / "the" inside a name
            while e < len(words) and (words[e].is_capitalized or (
                    words[e].lower in ("of", "the", "and") and e + 1 < len(words) and words[e + 1].is_capitalized and e > j)):
                e += 1
                if words[e - 1].possessive:
                    break
            if e > j:
                return _text(source, words[j:e])
        k += 1
    return None


def _affiliation_from_prefix(source: str, prefix: list[Word], lex: SpeakerLexicon, named: bool) -> str | None:
    """The organisation or country named before a role: "White House press secretary" → White House."""
    head_words = prefix[: _of_split(prefix)]
    if len(head_words) < 2:
        return None
    body = head_words[:-1]  # the head noun itself is the role, not the affiliation
    if not named and is_proper_phrase(head_words):
        # a proper organisation name ("White House", "Russian Defense Ministry"): only a country before it counts
        first = body[0].text
        return lex.demonyms.get(first.lower()) or (first if first.lower() in lex.places else None)
    i = 0
    while i < len(body) and not body[i].is_capitalized and body[i].lower in lex.role_modifiers:
        i += 1  # "top Russian military officer"
    j = i
    while j < len(body) and (body[j].is_capitalized and body[j].lower not in FUNCTION_WORDS
                             or (j > i and body[j].lower in lex.organization_words)):
        j += 1
        if body[j - 1].possessive:
            break
    run = body[i:j]
    # trailing titles and modifiers are part of the role: "Valdorian Foreign (Minister)", "Senate Majority (Leader)"
    while run and is_role_word(run[-1].text, lex) and run[-1].lower not in lex.organization_words:
        run.pop()
    if not run:
        return None
    return normalise_affiliation(_text(source, run), lex)


def normalise_affiliation(text: str, lex: SpeakerLexicon) -> str:
    """A demonym stands for its country ("Russian" → Russia); other names are kept as written."""
    return lex.demonyms.get(text.lower(), text)


def gender_of(first_word: str | None, role_words: list[str], lex: SpeakerLexicon) -> str | None:
    """Gender when a title, a gendered role noun or a known first name says it, else None."""
    for w in role_words:
        low = w.lower()
        if low in lex.female_titles or low in lex.female_nouns:
            return "female"
        if low in lex.male_titles or low in lex.male_nouns:
            return "male"
    if first_word:
        low = first_word.lower()
        if low in lex.female_names:
            return "female"
        if low in lex.male_names:
            return "male"
    return None


_SEGMENT_BREAK = re.compile(r"\s*[,;]\s+|\s*[,;]$")  # the commas and semicolons between appositives
_PARENTHETICAL = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
_EDGE_PUNCT = " \t\r\n,;:—–-\"“”‘’'«»()[]"


def clean_mention(text: str) -> str:
    """Drop parentheticals ("(I-Vt.)"), outer punctuation and extra spaces."""
    text = _PARENTHETICAL.sub("", text)
    text = " ".join(text.split()).strip(_EDGE_PUNCT)
    # a sentence period at the end, not the one of "U.S." or "Jr."
    if text.endswith(".") and len(text) > 1 and (text[-2].islower() or text[-2].isdigit()) and not text.endswith("Jr."):
        text = text[:-1]
    return text


@lru_cache(maxsize=8192)
def parse_mention(text: str) -> Mention:
    """Parse a source mention into name, role, affiliation and the cues its type is read from."""
    lex = load_speaker_lexicon()
    raw = text if isinstance(text, str) else ""
    cleaned = clean_mention(raw)
    if not cleaned:
        return Mention(text=raw)
    segments = [s for s in _SEGMENT_BREAK.split(cleaned) if s and s.strip(_EDGE_PUNCT)]
    if not segments:
        return Mention(text=raw)
    mention = _parse_segment(segments[0], lex)
    anonymous = _has_marker(segments[0], lex)
    for segment in segments[1:]:
        first = segment.split()[0].lower()
        if first in ("citing", "quoting", "via"):
            continue  # "CNN, citing unnamed sources": the cited part is the via module's business
        if first in ("including", "among", "like", "such", "especially", "notably"):
            continue  # "many tax experts, including Mr. Goldberg": an example, not the speaker
        anonymous = anonymous or _has_marker(segment, lex)
        if first in RELATIVE_PRONOUNS or first in POSTMODIFIER_OPENERS:
            continue  # "an official, who spoke on condition of anonymity"
        mention = _merge_appositive(mention, _parse_segment(segment, lex))
    return mention._replace(text=raw, anonymous=anonymous and not (mention.name and not mention.pronoun),
                            written=segments[0].strip(_EDGE_PUNCT))


def _has_marker(text: str, lex: SpeakerLexicon) -> bool:
    """Does the text say its source is unnamed ("unnamed", "on condition of anonymity", "familiar with")?"""
    low = text.lower()
    return any(marker in low for marker in lex.anonymity_markers)


def _merge_appositive(main: Mention, other: Mention) -> Mention:
    """Join a mention with its appositive: "Mo Elleithee, a Clinton campaign aide" / "his spokeswoman, Hope Hicks"."""
    lex = load_speaker_lexicon()
    if other.pronoun:
        return main
    if main.name and not other.name and other.head in lex.person_role_nouns:
        role = main.role or (other.role or other.core or None)
        return main._replace(role=role, affiliation=main.affiliation or other.affiliation,
                             gender=main.gender or other.gender)
    # "his spokeswoman, Hope Hicks" names a role; "The 30-second spot, titled “Arrogant”" names no one
    if not main.name and other.name and not main.pronoun and main.head in lex.person_role_nouns:
        role = main.role or main.core or None
        return other._replace(role=other.role or role, affiliation=main.affiliation or other.affiliation,
                              gender=other.gender or main.gender)
    return main


def _parse_segment(segment: str, lex: SpeakerLexicon) -> Mention:
    """Parse one comma-free piece of a mention."""
    words = words_of(segment)
    if not words:
        return Mention(text=segment)
    if len(words) == 1 and (words[0].lower in lex.pronoun_gender or words[0].lower in RELATIVE_PRONOUNS
                            or words[0].lower in POSSESSIVE_TO_PRONOUN):
        low = POSSESSIVE_TO_PRONOUN.get(words[0].lower, words[0].lower)
        return Mention(text=segment, pronoun=low, gender=lex.pronoun_gender.get(low),
                       plural=low in ("they", "them", "we", "us"), head=low, core=words[0].text,
                       description=words[0].text)
    definite = False
    capital_article = False
    start = 0
    while start < len(words) - 1 and words[start].lower in ARTICLES | DEFINITE | DEMONSTRATIVES:
        definite = definite or words[start].lower in DEFINITE
        capital_article = words[start].text == "The"
        start += 1
    description = segment[words[start].start:].strip(_EDGE_PUNCT)
    core_end = max(start + 1, _core_end(words, lex))
    core, post = words[start:core_end], words[core_end:]
    # a possessor ("Russia’s", "Sanders's") or a possessive pronoun opens the phrase
    possessor: list[Word] = []
    for k, w in enumerate(core[:-1]):
        if w.possessive:
            possessor, core = core[: k + 1], core[k + 1:]
            break
    of_at = _of_split(core)
    if of_at + 1 < len(core) and core[of_at - 1].lower in QUANTITY_HEADS and (of_at == 1 or not core[of_at - 1].is_capitalized):
        # "a number of other members of Congress": what is counted is the speaker
        inner = _parse_segment(segment[core[of_at + 1].start:], lex)
        return inner._replace(text=segment, core=_text(segment, core), description=description,
                              plural=inner.plural or not inner.name, definite=False)
    if of_at < len(core) and _ends_with_person(core[:of_at], lex):
        # "Gov. Earl Ray Tomblin of West Virginia", "Mr. Morgan of the Sierra Club": the "of" part is where they're from
        core, post = core[:of_at], core[of_at:] + post
    if len(core) > 1 and core[0].lower in POSSESSIVE_PRONOUNS:
        core = core[1:]
        definite = True  # "his spokeswoman" refers to someone named before
    while len(core) > 1 and core[0].lower in ARTICLES:
        core = core[1:]
    if any(w.lower in ("and", "or", "&") for w in core):
        conjuncts = _CONJUNCTION.split(_text(segment, words[start:core_end]))
        if len(conjuncts) > 1 and all(c.strip() for c in conjuncts):
            joined = _coordination(segment, words[start:core_end], conjuncts, description, lex)
            return joined._replace(definite=definite and not joined.name and not joined.plural)
    a = name_run_start(core, lex)
    name_words, prefix = core[a:], core[:a]
    while len(name_words) > 1 and name_words[-1].text in POST_NOMINALS:
        name_words = name_words[:-1]  # "Philip Arne KC"
    affiliation = None
    # "a spokesman of Donald Trump": a name right after "of" (or "of the") is the complement, not the speaker
    after_of = [k for k in (a - 1, a - 2) if k > 0 and core[k].text == "of" and all(w.lower == "the" for w in core[k + 1:a])]
    if name_words and after_of and is_proper_phrase(core):
        # "Federal Bureau of Prisons", "University of California": the name after "of" is part of the whole
        prefix, name_words = core, []
    elif name_words and after_of:
        affiliation = _text(segment, name_words)
        prefix, name_words = core[:after_of[0]], []
    head_words = (prefix or core)[: _of_split(prefix or core)] if (prefix or not name_words) else name_words
    head = head_words[-1].lower if head_words else ""
    head_phrase = " ".join(w.lower for w in head_words[-2:])
    role_pieces = [w for w in prefix if lex.titles.get(w.lower, "") is not None]
    role = _role_text(segment, role_pieces, lex) if name_words else None
    if affiliation is None:
        if possessor:
            affiliation = normalise_affiliation(_possessor_text(segment, possessor), lex)
        else:
            affiliation = _affiliation_from_prefix(segment, prefix if name_words else core, lex, bool(name_words))
        if affiliation is None and not (not name_words and is_proper_phrase(core)):
            # ("Joint Chiefs of Staff" is one name: its "of Staff" is no affiliation)
            complement = (prefix or core)[_of_split(prefix or core):]
            affiliation = _prepositional_affiliation(segment, complement + post)
    name = _possessor_text(segment, name_words) if name_words else None  # "Stumpf’s" → Stumpf
    core_text = _text(segment, possessor + core)
    if not name_words and singular(head) in lex.person_role_nouns and not is_plural(head):
        role = _role_text(segment, [w for w in core if lex.titles.get(w.lower, "") is not None], lex) or None
    first_name = name_words[0].text if len(name_words) > 1 else None
    gender = gender_of(first_name, [w.text for w in (prefix if name_words else core)], lex)
    return Mention(
        text=segment, name=name, role=role or None, affiliation=affiliation,
        head=head if name_words else singular(head), head_phrase=head_phrase, core=core_text, description=description,
        plural=bool(head) and is_plural(head) and not name_words, gender=gender,
        definite=definite and not name_words, capital_article=capital_article,
        proper=bool(name_words) or is_proper_phrase(core),
    )


def _role_text(source: str, words: list[Word], lex: SpeakerLexicon) -> str:
    """The role as written, with title abbreviations spelled out ("Sen." → "Senator")."""
    pieces = []
    for w in words:
        expansion = lex.titles.get(w.lower)
        pieces.append(expansion if expansion and w.text.endswith(".") else source[w.start:w.end])
    return " ".join(pieces)


_CONJUNCTION = re.compile(r"\s+(?:and|or|&)\s+")


def _coordination(segment: str, words: list[Word], parts: list[str], description: str, lex: SpeakerLexicon) -> Mention:
    """ "Trump and Clinton", "the FBI and the Justice Department": a plural speaker named by its conjuncts."""
    conjuncts = [m for m in (_parse_segment(part, lex) for part in parts) if m.core]
    last = conjuncts[-1] if conjuncts else Mention(text=segment)
    named = all(m.name for m in conjuncts) and len(conjuncts) > 1
    if conjuncts and not any(m.name or m.plural for m in conjuncts):
        # "the former secretary of state and current Democratic nominee": one speaker, described twice
        return conjuncts[0]._replace(text=segment, core=_text(segment, words), description=description)
    return Mention(text=segment, name=_text(segment, words) if named else None, head=last.head,
                   head_phrase=last.head_phrase, core=_text(segment, words), description=description, plural=True)

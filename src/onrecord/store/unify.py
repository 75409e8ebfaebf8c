"""Speakers unified across a corpus: "Peskov", "Mr. Peskov" and "Dmitry Peskov" become one speaker.

Unification is a pure function of (all mentions with their statement counts, the user's corrections), so
it is recomputed after every ingest and a user's `merge` / `split` survives re-ingestion.

    persons        grouped by surname; full names cluster by first name (equal, initial, nickname);
                   surname-only mentions join the cluster their role / affiliation agree with, else the
                   dominant one (≥ 3/4 of the statements), else stay a speaker of their own
    organizations  and media: equal normalised names merge; an acronym joins the name it abbreviates
    descriptions   a name without a capital ("company", "the newspaper") is never unified across documents
    corrections    replayed in order on the automatic clusters; then speaker ids are assigned
    gender         persons only, from every mention's per-document value: a document's in-text evidence
                   (pronoun, honorific, role noun) beats first names; documents that disagree → unknown,
                   counted as conflicts; a user's `gender` correction beats everything
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from onrecord.document import GENDER_EVIDENCE_KINDS, GENDERS, GenderEvidence
from onrecord.resolve.gender import IN_TEXT_KINDS  # what the article says of the person: beats a first name
from onrecord.resolve.index import NAME_SUFFIXES, surname_of
from onrecord.resolve.lexicon import load_speaker_lexicon
from onrecord.resolve.mentions import NAME_PARTICLES, is_role_word, name_run_start, normalise_affiliation, words_of

UNIFIED_TYPES = ("person", "organization", "media")  # the speaker types unified across documents
DOMINANT_SHARE = 0.75  # a surname-only mention with no role evidence joins a cluster holding this share
GENDER_EXAMPLES = 5  # evidence examples a unified speaker keeps (strongest kinds first)
CLEAR_GENDER = "auto"  # the value of a `gender` correction that drops the user's earlier one

# titles and role words dropped from the start of a person's name (besides the lexicon's titles)
_LEADING_TITLES = frozenset(
    "former then acting vice deputy prime minister chancellor ambassador mayor judge justice chairman chairwoman "
    "speaker congressman congresswoman councilman councilwoman commissioner rabbi father detective officer the".split())
# nicknames that stand for one given name only: no "Ted" (Edward or Theodore), no "Jeb"
_NICKNAMES = {
    "bill": "william", "bob": "robert", "mike": "michael", "jim": "james", "joe": "joseph",
    "tom": "thomas", "dick": "richard", "chris": "christopher", "dan": "daniel", "ben": "benjamin",
    "don": "donald", "liz": "elizabeth", "kate": "katherine", "nick": "nicholas",
    "tony": "anthony", "steve": "steven", "stephen": "steven", "dave": "david",
}
_ROLE_STOPWORDS = frozenset("a an and at for in of on the to with former then current new".split())
_ACRONYM_SKIP = frozenset("of the and for".split())  # words an acronym leaves out: Federal Bureau of Investigation
_POSSESSIVE = re.compile(r"['’]s\b|(?<=[sS])['’](?=\s|$)")  # "Clinton’s campaign" = "Clinton campaign"


@dataclass(frozen=True)
class ResolvedSpeaker:
    """A speaker as one document's resolve stage named it."""

    name: str
    type: str  # person | organization | media (other types are never unified; unify() ignores them)
    role: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Correction:
    """A user's fix, replayed after every automatic unification, in order."""

    action: str  # "merge": the speakers holding names a and b become one; "split": mentions named b leave the speaker holding name a;
    # "gender": the person holding name a is b (one of GENDERS), or decided from the evidence again (b = CLEAR_GENDER)
    a: str
    b: str


@dataclass
class UnifiedSpeaker:
    """One speaker across the corpus, with every name, role and affiliation its mentions gave it."""

    speaker_id: str  # stable, readable slug ("hillary-clinton"); a collision gets "-2", "-3"
    name: str  # canonical display name: the most frequent full name (ties: longer, then alphabetical)
    type: str
    names: list[str]  # name variants as written (honorifics stripped), most statements first, ties alphabetical
    roles: list[str]
    affiliations: list[str]
    statements: int
    gender: str | None = None  # persons: one of GENDERS (see decide_gender); None for other types
    gender_conflicts: int = 0  # documents whose decision disagreed with the others' (the gender is then unknown)
    gender_evidence: dict[str, Any] = field(default_factory=dict)  # GenderDecision.evidence_dict()


@dataclass(frozen=True)
class MentionGender:
    """One document's gender for one of its person mentions, with that document's evidence."""

    doc_id: str
    gender: str  # one of GENDERS
    evidence: tuple[GenderEvidence, ...] = ()

    @property
    def basis(self) -> str | None:
        """What decided it: "in_text", "first_name", or None when nothing did (unknown, or evidence without a value)."""
        if self.gender not in GENDERS or self.gender == "unknown":
            return None
        kinds = {e.kind for e in self.evidence if e.value == self.gender}
        if kinds & set(IN_TEXT_KINDS):
            return "in_text"
        return "first_name" if "first_name" in kinds else None


@dataclass
class GenderDecision:
    """A unified person's gender, what decided it, and a summary of its evidence."""

    gender: str
    basis: str | None  # "correction" | "in_text" | "first_name" | None (no evidence, or a conflict)
    conflicts: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # evidence kind → value → pieces
    examples: list[dict[str, Any]] = field(default_factory=list)  # a few pieces, with their documents

    def evidence_dict(self) -> dict[str, Any]:
        """The summary as stored in speakers.gender_evidence and shown on the speaker's page."""
        return {"basis": self.basis, "conflicts": self.conflicts, "counts": self.counts, "examples": self.examples}


@dataclass
class GenderTally:
    """What a person's gender is decided from, summed over its documents: small enough to compute anywhere (in
    Python from MentionGenders, `tally_genders`, or in the ledger's SQL) and decided by one function
    (`gender_decision`), so both ways give the same speaker."""

    documents: Counter = field(default_factory=Counter)  # (basis, gender) → documents whose mentions decided it
    split: int = 0  # documents whose mentions disagree among themselves (they decide nothing)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, value) → distinct evidence pieces
    examples: list[dict[str, Any]] = field(default_factory=list)  # the first GENDER_EXAMPLES pieces (example_order)


def example_order(piece: Mapping[str, Any]) -> tuple:
    """Where an evidence piece ranks among a person's examples: strongest kind first, then document and place
    (every field breaks ties, so the choice of examples depends on nothing else)."""
    strength = GENDER_EVIDENCE_KINDS.index(piece["kind"]) if piece["kind"] in GENDER_EVIDENCE_KINDS \
        else len(GENDER_EVIDENCE_KINDS)
    start, end = piece["start"], piece["end"]
    return (strength, piece["doc_id"], start if start is not None else -1, piece["text"], piece["kind"],
            piece["value"], end if end is not None else -1)


def tally_genders(mentions: Iterable[MentionGender]) -> GenderTally:
    """The tally of a person's per-document genders (each mention's, with its document's evidence)."""
    by_document: dict[str, list[MentionGender]] = defaultdict(list)
    pieces: dict[tuple, dict[str, Any]] = {}
    for mention in mentions:
        by_document[mention.doc_id].append(mention)
        for e in mention.evidence:
            pieces.setdefault((mention.doc_id, e.kind, e.value, e.start, e.end, e.text), {
                "doc_id": mention.doc_id, "kind": e.kind, "value": e.value, "text": e.text,
                "start": e.start, "end": e.end})
    tally = GenderTally(counts=Counter((p["kind"], p["value"]) for p in pieces.values()),
                        examples=sorted(pieces.values(), key=example_order)[:GENDER_EXAMPLES])
    for records in by_document.values():
        bases = [m.basis for m in records if m.basis]
        if not bases:
            continue
        basis = "in_text" if "in_text" in bases else "first_name"
        values = {m.gender for m in records if m.basis == basis}
        if len(values) > 1:  # two mentions of one document disagree: it decides nothing
            tally.split += 1
        else:
            tally.documents[(basis, values.pop())] += 1
    return tally


def gender_decision(tally: GenderTally, correction: str | None = None) -> GenderDecision:
    """A person's gender from its tally: the user's correction, else the documents with in-text evidence, else
    those with a first name; documents that disagree make it unknown (and are counted)."""
    order = {kind: i for i, kind in enumerate(GENDER_EVIDENCE_KINDS)}
    counts: dict[str, dict[str, int]] = {}  # strongest kind first, values in GENDERS' order
    for kind, value in sorted(tally.counts, key=lambda kv: (order.get(kv[0], len(order)), kv[0],
                                                            GENDERS.index(kv[1]) if kv[1] in GENDERS else 9, kv[1])):
        counts.setdefault(kind, {})[value] = tally.counts[(kind, value)]
    examples = list(tally.examples[:GENDER_EXAMPLES])
    conflicts = tally.split
    basis = next((b for b in ("in_text", "first_name") if any(k[0] == b for k in tally.documents)), None)
    decided = Counter({gender: n for (b, gender), n in tally.documents.items() if b == basis})
    if len(decided) > 1:
        conflicts += sum(decided.values()) - max(decided.values())
        gender, basis = "unknown", None
    else:
        gender = next(iter(decided)) if decided else "unknown"
    if correction is not None:
        gender, basis = correction, "correction"
        counts = {"correction": {correction: 1}, **counts}
        examples = [{"doc_id": None, "kind": "correction", "value": correction, "text": "set by a user",
                     "start": None, "end": None}, *examples[:GENDER_EXAMPLES - 1]]
    return GenderDecision(gender, basis, conflicts, counts, examples)


def decide_gender(mentions: Iterable[MentionGender], correction: str | None = None) -> GenderDecision:
    """A person's gender from every document's decision (see gender_decision)."""
    return gender_decision(tally_genders(mentions), correction)


# ---------------------------------------------------------------- names


def _fold(text: str) -> str:
    """Lower case without accents, punctuation or extra spaces: "Zelenskyy’s" → zelenskyys, "U.S." → us."""
    text = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in text if c.isalnum() or c.isspace())
    return " ".join(kept.lower().split())


@lru_cache(maxsize=1)
def _title_words() -> frozenset[str]:
    """Folded titles that may open a person's name: the lexicon's ("mr", "sen", "senator") and ours."""
    lex = load_speaker_lexicon()
    titles = {_fold(t) for t in lex.titles} | {_fold(t) for t in lex.titles.values() if t}
    return frozenset(titles | _LEADING_TITLES)


def _needs_name_parse(words: list[str]) -> bool:
    """Does a role or lower-case word before the last one show a role prefix ("Kremlin spokesman Dmitry Peskov")?"""
    lex = load_speaker_lexicon()
    return any((w[:1].islower() and w not in NAME_PARTICLES) or is_role_word(w, lex) for w in words[:-1])


def _display_name(name: str, type: str = "person") -> str:
    """A name as written, but for a person without possessive, leading titles and role words ("Mr. Peskov" → Peskov)."""
    text = " ".join(name.split())
    if type != "person":
        return text
    words = _POSSESSIVE.sub("", text).split()
    while len(words) > 1 and _fold(words[0]) in _title_words():
        words.pop(0)
    if len(words) > 1 and _needs_name_parse(words):
        parsed = words_of(" ".join(words))
        start = name_run_start(parsed, load_speaker_lexicon())
        if start < len(parsed):
            words = [w.text for w in parsed[start:]]
    return " ".join(words)


def _key(display: str) -> str:
    """The matching key of a display name: no possessive, accents, punctuation, case or leading "the"."""
    key = _fold(_POSSESSIVE.sub("", display))
    # an article is never part of a name's identity: "The Kremlin" = "Kremlin"
    return key[4:] if key.startswith("the ") else key


def normalize_name(name: str, type: str = "person") -> str:
    """The matching key of a name: leading titles (persons), possessive, accents, punctuation, case and "the" removed."""
    return _key(_display_name(name, type))


def _slugify(name: str) -> str:
    """A readable ascii id for a name: "Hillary Clinton" → hillary-clinton, "The Kremlin" → kremlin."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "").replace("’", "")).strip("-")
    return slug[4:] if slug.startswith("the-") and len(slug) > 4 else slug


# ---------------------------------------------------------------- mentions


@dataclass(eq=False)
class _Entry:
    """One mention with its count and the keys clustering reads."""

    mention: ResolvedSpeaker
    count: int
    display: str  # name as written, honorifics stripped
    key: str  # normalize_name(display)
    order: tuple  # a total order on mentions, independent of input order and hash seed

    @cached_property
    def first(self) -> str | None:
        """A person's first name as a key ("hillary"), None for a surname alone ("Clinton", "von der Leyen")."""
        words = self.key.split()
        while len(words) > 1 and words[-1] in NAME_SUFFIXES:
            words.pop()
        body = words[:-1]
        first_names = load_speaker_lexicon().first_names
        # a leading particle is no first name ("von der Leyen"), unless it is one ("Ben Carson", "Al Gore")
        while body and body[0] in NAME_PARTICLES and body[0] not in first_names:
            body.pop(0)
        return body[0] if body else None


def _mention_order(mention: ResolvedSpeaker) -> tuple:
    """Sort key that tells any two distinct mentions apart."""
    return (mention.type, mention.name, mention.role is not None, mention.role or "",
            mention.affiliation is not None, mention.affiliation or "")


def _entries(mentions: Mapping[ResolvedSpeaker, int]) -> list[_Entry]:
    """The unifiable mentions (person, organization, media, with a name), in a fixed order."""
    entries = []
    for mention, count in mentions.items():
        if mention.type not in UNIFIED_TYPES or not mention.name or is_common_noun(mention.name):
            continue
        display = _display_name(mention.name, mention.type)
        key = _key(display)
        if key:
            entries.append(_Entry(mention, int(count), display, key, _mention_order(mention)))
    entries.sort(key=lambda e: e.order)
    return entries


def is_common_noun(name: str) -> bool:
    """A description, not a name ("company", "the ministry", "sheriff's office"): no capitalised word.

    Each document's "the company" is a different company: a bare common noun is never one speaker across documents.
    """
    return not any(w[:1].isupper() or w[:1].isdigit() for w in name.split())


def _statements(entries: Iterable[_Entry]) -> int:
    """Statements of a group of mentions."""
    return sum(e.count for e in entries)


# ---------------------------------------------------------------- persons


def _canonical_first_name(first: str) -> str:
    """A first name with its nickname spelled out: "Bill" → william, "Mike" → michael."""
    return _NICKNAMES.get(first, first)


def _initial_fits(initial: str, firsts: Iterable[str]) -> bool:
    """Is a one-letter first name the initial of one of these first names ("h" of "hillary")?"""
    return any(f.startswith(initial) or _canonical_first_name(f).startswith(initial) for f in firsts)


def _dominant(clusters: Sequence[list[_Entry]]) -> list[_Entry] | None:
    """The cluster holding at least DOMINANT_SHARE of all their statements, if one does."""
    if not clusters:
        return None
    total = sum(_statements(c) for c in clusters)
    best = max(clusters, key=_statements)  # two equal leaders can't both hold 3/4: no tie to break
    return best if total and _statements(best) >= DOMINANT_SHARE * total else None


def _cluster_first_names(full: list[_Entry]) -> list[list[_Entry]]:
    """Full names of one surname clustered by first name: equal, nickname, or an initial of one."""
    by_first: dict[str, list[_Entry]] = defaultdict(list)
    initials: list[tuple[str, _Entry]] = []
    for entry in full:
        first = entry.first or ""
        if len(first) == 1:
            initials.append((first, entry))
        else:
            by_first[_canonical_first_name(first)].append(entry)
    clusters = [by_first[f] for f in sorted(by_first)]
    by_initial: dict[str, list[_Entry]] = defaultdict(list)
    for initial, entry in initials:
        fitting = [c for c in clusters if _initial_fits(initial, {e.first or "" for e in c})]
        # "H. Clinton" with both a Hillary and a Harold: only a clearly dominant one may take it
        target = _dominant(fitting)
        (target if target is not None else by_initial[initial]).append(entry)
    return clusters + [by_initial[i] for i in sorted(by_initial)]


def _role_words(role: str | None) -> set[str]:
    """The content words of a role: "U.S. Secretary of State" → {us, secretary, state}."""
    return set(_fold(role).split()) - _ROLE_STOPWORDS if role else set()


def _affiliation_key(affiliation: str | None) -> str:
    """An affiliation's matching key: demonyms read as their country ("Russian" → russia)."""
    if not affiliation:
        return ""
    return normalize_name(normalise_affiliation(affiliation, load_speaker_lexicon()), "organization")


@dataclass
class _Evidence:
    """What a cluster's mentions say about its person: role words and affiliations."""

    role_words: set[str] = field(default_factory=set)
    affiliations: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, cluster: list[_Entry]) -> "_Evidence":
        """Collect a cluster's evidence."""
        evidence = cls()
        for e in cluster:
            evidence.role_words |= _role_words(e.mention.role)
            if e.mention.affiliation:
                evidence.affiliations.add(_affiliation_key(e.mention.affiliation))
        return evidence


def _agreement(entry: _Entry, evidence: _Evidence) -> int | None:
    """How well a mention's role and affiliation agree with a cluster's; None when they conflict."""
    words = _role_words(entry.mention.role)
    shared = len(words & evidence.role_words)
    affiliation = _affiliation_key(entry.mention.affiliation)
    same_affiliation = bool(affiliation) and affiliation in evidence.affiliations
    # a conflict needs both: roles on both sides with nothing in common, and two known, different affiliations
    if words and evidence.role_words and not shared and affiliation and evidence.affiliations and not same_affiliation:
        return None
    return shared + same_affiliation


def _attach_surname_only(bare: list[_Entry], clusters: list[list[_Entry]]) -> list[_Entry]:
    """Put each surname-only mention into the full-name cluster it fits; return those that fit none."""
    evidence = [_Evidence.of(c) for c in clusters]
    dominant = _dominant(clusters)
    # decided against the full-name clusters as they were, so the order of surname-only mentions can't matter
    moves: list[tuple[_Entry, list[_Entry]]] = []
    leftover = []
    for entry in bare:
        scores = [(_agreement(entry, ev), c) for ev, c in zip(evidence, clusters)]
        agreeing = [(s, c) for s, c in scores if s]
        if agreeing:
            # equal scores and statements: max keeps the first, and clusters come sorted by first name
            best = max(agreeing, key=lambda sc: (sc[0], _statements(sc[1])))
            moves.append((entry, best[1]))
        elif dominant is not None and next(s for s, c in scores if c is dominant) is not None:
            moves.append((entry, dominant))
        else:
            leftover.append(entry)
    for entry, cluster in moves:
        cluster.append(entry)
    return leftover


def _cluster_persons(entries: list[_Entry]) -> list[list[_Entry]]:
    """Person mentions clustered within their surname groups."""
    by_surname: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        by_surname[surname_of(entry.key)].append(entry)
    clusters = []
    for surname in sorted(by_surname):
        group = by_surname[surname]
        named = _cluster_first_names([e for e in group if e.first])
        leftover = _attach_surname_only([e for e in group if not e.first], named)
        clusters.extend(named)
        if leftover:
            clusters.append(leftover)  # "Clinton" when no Clinton clearly owns it: a speaker of its own
    return clusters


# ---------------------------------------------------------------- organizations and media


def _acronym(entry: _Entry) -> str | None:
    """The letters of an all-capitals one-word name ("FBI", "U.N." → un), else None."""
    letters = entry.display.replace(".", "")
    return letters.lower() if len(letters) >= 2 and letters.isalpha() and letters.isupper() else None


def _initials(key: str) -> str:
    """Initials of a several-word name, skipping of/the/and/for: "federal bureau of investigation" → fbi."""
    words = [w for w in key.split() if w not in _ACRONYM_SKIP]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def _majority_type(entries: Iterable[_Entry]) -> str:
    """The type most statements give a group of mentions (ties: alphabetical)."""
    counts: Counter[str] = Counter()
    for e in entries:
        counts[e.mention.type] += e.count
    return min(counts, key=lambda t: (-counts[t], t))


def _cluster_organizations(entries: list[_Entry]) -> list[list[_Entry]]:
    """Organization and media mentions merged on their normalised name, then acronyms into their full names."""
    by_key: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        by_key[entry.key].append(entry)
    by_initials: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in sorted(by_key):
        if initials := _initials(key):
            by_initials[(_majority_type(by_key[key]), initials)].append(key)
    absorbed: set[str] = set()
    for key in sorted(by_key):
        group = by_key[key]
        letters = next((a for a in map(_acronym, group) if a == key), None)
        targets = by_initials.get((_majority_type(group), letters or ""), [])
        if letters and targets:
            # several full names with these initials: the most quoted one takes the acronym
            target = min(targets, key=lambda k: (-_statements(by_key[k]), k))
            by_key[target].extend(group)
            absorbed.add(key)
    return [by_key[k] for k in sorted(by_key) if k not in absorbed]


# ---------------------------------------------------------------- speakers


@dataclass(eq=False)
class _Cluster:
    """A speaker under construction: its mentions, its type, and what ranking it needs (kept by refresh())."""

    members: list[_Entry]
    type: str
    gender: str | None = None  # a user's `gender` correction, replayed (persons only)
    statements: int = 0
    name: str = ""
    order: tuple = ()  # deterministic rank: most statements, then name, then its first mention

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute statements, canonical name and rank after the members changed."""
        self.statements = _statements(self.members)
        self.name = _canonical_name(self.members, self.type)
        self.order = (-self.statements, self.name, min(e.order for e in self.members))


def _ranked(counts: Counter[str]) -> list[str]:
    """Keys by count, most first, ties alphabetical."""
    return sorted(counts, key=lambda k: (-counts[k], k))


def _contains_words(longer: list[str], shorter: list[str]) -> bool:
    """Do the words `shorter` occur as a run inside the words `longer`?"""
    n = len(shorter)
    return any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


def distinct_variants(values: Sequence[str], affiliations: bool = False) -> list[str]:
    """Roles (or `affiliations`) without their duplicates, in the order given (most frequent first).

    Variants that differ in case or punctuation are one ("US President", "U.S. President": the first
    given is kept), and so are a country and its demonym among affiliations ("Russia", "Russian"); a
    variant whose words occur inside a longer one is dropped for it ("President" in "US President"):
    "President · US President · U.S. President" → "US President".
    """
    key = _affiliation_key if affiliations else _fold
    folded = [key(v).split() for v in values]
    kept: list[str] = []
    kept_words: list[list[str]] = []
    for value, words in zip(values, folded):
        if not words or words in kept_words:
            continue
        if any(len(other) > len(words) and _contains_words(other, words) for other in folded):
            continue  # the longer variant says more
        kept.append(value)
        kept_words.append(words)
    return kept


def _canonical_name(members: list[_Entry], type: str) -> str:
    """The most frequent full name of a speaker (ties: longer, then alphabetical)."""
    counts: Counter[str] = Counter()
    full_names = set()
    for e in members:
        counts[e.display] += e.count
        if len(e.key.split()) > 1:
            full_names.add(e.display)
    # a person's full name beats a bare surname however often "Peskov" alone is quoted
    full = [n for n in counts if type != "person" or n in full_names] or list(counts)
    return min(full, key=lambda n: (-counts[n], -len(n), n))


def _assign_ids(clusters: Sequence[_Cluster]) -> dict[int, str]:
    """Speaker ids by cluster position: slugs of canonical names, "-2", "-3" … on collisions, biggest first."""
    ids: dict[int, str] = {}
    used: set[str] = set()
    for i in sorted(range(len(clusters)), key=lambda i: clusters[i].order):
        base = _slugify(clusters[i].name) or clusters[i].type
        speaker_id, n = base, 1
        while speaker_id in used:
            n += 1
            speaker_id = f"{base}-{n}"
        used.add(speaker_id)
        ids[i] = speaker_id
    return ids


def _query_keys(query: str) -> dict[str, str]:
    """A user's name normalised the way each type's mentions are."""
    person = normalize_name(query, "person")
    other = normalize_name(query, "organization")
    return {"person": person, "organization": other, "media": other}


class _Replay:
    """Clusters under correction, with their lookups by name and by speaker id kept up to date."""

    def __init__(self, clusters: list[_Cluster]):
        self.clusters = clusters
        self.holders: dict[tuple[str, str], set[_Cluster]] = defaultdict(set)  # (mention type, key) → clusters
        for cluster in clusters:
            self._index(cluster)
        self._ids: dict[str, _Cluster] | None = None

    def _index(self, cluster: _Cluster) -> None:
        """Record which names a cluster holds."""
        for e in cluster.members:
            self.holders[(e.mention.type, e.key)].add(cluster)

    def find(self, query: str) -> _Cluster | None:
        """The cluster a correction names: by a name it holds, else by speaker id; the biggest when several."""
        found = {c for mention_type, key in _query_keys(query).items() for c in self.holders.get((mention_type, key), ())}
        if not found and _slugify(query) == query:  # only a slug can be a speaker id
            if self._ids is None:
                self._ids = {speaker_id: self.clusters[i] for i, speaker_id in _assign_ids(self.clusters).items()}
            found = {self._ids[query]} if query in self._ids else set()
        # clusters hold distinct mentions, so `order` is a total order: the choice can't depend on set order
        return min(found, key=lambda c: c.order) if found else None

    def merge(self, a: str, b: str) -> None:
        """Correction `merge a b`: the speakers holding a and b become one, of the bigger one's type."""
        first, second = self.find(a), self.find(b)
        if first is None or second is None or first is second:
            return
        big, small = (first, second) if first.order <= second.order else (second, first)
        for e in small.members:
            self.holders[(e.mention.type, e.key)].discard(small)
        big.members.extend(small.members)
        big.gender = big.gender or small.gender  # a correction of either holds for both
        big.refresh()
        self._index(big)
        self.clusters.remove(small)
        self._ids = None

    def split(self, a: str, b: str) -> None:
        """Correction `split a b`: mentions named b leave the speaker holding a and form their own speaker."""
        holder = self.find(a)
        if holder is None:
            return
        keys = _query_keys(b)
        leaving = [e for e in holder.members if e.key == keys[e.mention.type]]
        if not leaving or len(leaving) == len(holder.members):
            return  # nothing to take out, or nothing would stay
        # every mention of holder with these names leaves, so holder holds none of them any more
        for e in leaving:
            self.holders[(e.mention.type, e.key)].discard(holder)
        holder.members = [e for e in holder.members if e not in leaving]
        holder.refresh()
        new = _Cluster(leaving, _majority_type(leaving))
        self._index(new)
        self.clusters.append(new)
        self._ids = None

    def gender(self, a: str, value: str) -> None:
        """Correction `gender a value`: the person holding a is `value`, or decided automatically again (CLEAR_GENDER)."""
        holder = self.find(a)
        if holder is None or holder.type != "person" or value not in (*GENDERS, CLEAR_GENDER):
            return
        holder.gender = None if value == CLEAR_GENDER else value


def _apply_corrections(clusters: list[_Cluster], corrections: Sequence[Correction]) -> None:
    """Replay the user's corrections in order; one naming nothing (yet) is skipped."""
    replay = _Replay(clusters)
    actions = {"merge": replay.merge, "split": replay.split, "gender": replay.gender}
    for correction in corrections:
        if correction.action in actions:
            actions[correction.action](correction.a, correction.b)


def _speaker(cluster: _Cluster, speaker_id: str) -> UnifiedSpeaker:
    """The public record of a cluster (a person's gender is decided after, for all of them at once: _decide_genders)."""
    names: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    affiliations: Counter[str] = Counter()
    for e in cluster.members:
        names[e.display] += e.count
        if e.mention.role:
            roles[e.mention.role] += e.count
        if e.mention.affiliation:
            affiliations[e.mention.affiliation] += e.count
    return UnifiedSpeaker(speaker_id=speaker_id, name=cluster.name, type=cluster.type,
                          names=_ranked(names), roles=_ranked(roles), affiliations=_ranked(affiliations),
                          statements=cluster.statements)


def _decide_genders(pairs: Sequence[tuple[_Cluster, UnifiedSpeaker]], genders: "Genders | GenderSource | None") -> None:
    """Set the gender of every person among the speakers from its cluster's mentions' genders: a mapping of each
    mention's MentionGenders, or a GenderSource that tallies all the persons at once (the ledger, in SQL)."""
    persons = [(cluster, speaker) for cluster, speaker in pairs if cluster.type == "person"]
    groups = [[e.mention for e in cluster.members] for cluster, _ in persons]
    if callable(genders):
        tallies = genders(groups)
    else:
        tallies = [tally_genders(g for m in group for g in (genders or {}).get(m, ())) for group in groups]
    for (cluster, speaker), tally in zip(persons, tallies):
        decision = gender_decision(tally, cluster.gender)
        speaker.gender, speaker.gender_conflicts = decision.gender, decision.conflicts
        speaker.gender_evidence = decision.evidence_dict()


def block_of(mention: ResolvedSpeaker) -> str | None:
    """The block a mention is unified within: mentions of different blocks never become one speaker
    automatically (only a user's correction joins them). None for a mention never unified (a description).

    Persons block by surname (`_cluster_persons`); organizations and media by the initials of their name, or
    the name itself when it is one word, so an acronym ("FBI") meets the names it may abbreviate.
    """
    entries = _entries({mention: 1})
    if not entries:
        return None
    return _block(mention.type, entries[0].key)


def _block(kind: str, key: str) -> str:
    """The block of a mention key of this type: a person's surname, an organization's initials (or its one word)."""
    if kind == "person":
        return f"person:{surname_of(key)}"
    return f"organization:{_initials(key) or key}"


def _clusters(mentions: Mapping[ResolvedSpeaker, int]) -> list[_Cluster]:
    """The automatic clusters of mentions (before corrections), each within one block (see block_of)."""
    entries = _entries(mentions)
    persons = [e for e in entries if e.mention.type == "person"]
    others = [e for e in entries if e.mention.type != "person"]
    clusters = [_Cluster(c, "person") for c in _cluster_persons(persons)]
    return clusters + [_Cluster(c, _majority_type(c)) for c in _cluster_organizations(others)]


Genders = Mapping[ResolvedSpeaker, Sequence[MentionGender]]  # each person mention's per-document genders
# the tallies of persons given as their mentions (one list per person), in order: a ledger sums them in SQL
GenderSource = Callable[[Sequence[Sequence[ResolvedSpeaker]]], list[GenderTally]]


def _finish(clusters: Sequence[_Cluster], genders: Genders | GenderSource | None
            ) -> tuple[list[UnifiedSpeaker], dict[ResolvedSpeaker, str]]:
    """Speaker ids assigned, and the speakers (most statements first, then speaker_id) with each mention's id."""
    ids = _assign_ids(clusters)
    speakers = [_speaker(c, ids[i]) for i, c in enumerate(clusters)]
    _decide_genders(list(zip(clusters, speakers)), genders)
    speakers.sort(key=lambda s: (-s.statements, s.speaker_id))
    speaker_of = {e.mention: ids[i] for i, c in enumerate(clusters) for e in c.members}
    return speakers, speaker_of


def unify(mentions: Mapping[ResolvedSpeaker, int], corrections: Sequence[Correction] = (),
          genders: Genders | GenderSource | None = None) -> tuple[list[UnifiedSpeaker], dict[ResolvedSpeaker, str]]:
    """Cluster mentions (with their statement counts) into speakers; return the speakers (most statements first, then speaker_id) and each unified mention's speaker_id. The result must not depend on the order of `mentions` or on Python's hash seed.

    `genders`: each person mention's per-document genders, from which a person's gender is decided (or a
    GenderSource that tallies them)."""
    clusters = _clusters(mentions)
    _apply_corrections(clusters, corrections)
    return _finish(clusters, genders)


@dataclass
class _Kept:
    """A speaker kept from the last unification (its block unchanged): what ranking and ids read of it."""

    speaker: UnifiedSpeaker
    order: tuple

    @property
    def name(self) -> str:
        return self.speaker.name

    @property
    def type(self) -> str:
        return self.speaker.type


def _named(correction: Correction) -> tuple[str, ...]:
    """The speaker names a correction gives (a gender correction's second value is the gender, not a name)."""
    return (correction.a,) if correction.action == "gender" else (correction.a, correction.b)


def correction_blocks(corrections: Sequence[Correction]) -> set[str]:
    """The blocks holding the names the corrections give: re-unified with every refresh (see reunify)."""
    blocks = set()
    for correction in corrections:
        for name in _named(correction):
            blocks.update(_block(kind, key) for kind, key in _query_keys(name).items() if key)
    return blocks


def reunify(changed: Mapping[ResolvedSpeaker, int],
            kept: Sequence[tuple[UnifiedSpeaker, Sequence[ResolvedSpeaker]]],
            corrections: Sequence[Correction] = (), genders: Genders | GenderSource | None = None,
            ) -> tuple[list[UnifiedSpeaker], dict[ResolvedSpeaker, str], dict[str, str]] | None:
    """`unify`, re-clustering only some blocks: `changed` holds every mention of the blocks that changed and of
    the `correction_blocks` (with its count), `kept` the speakers of every other block with their mentions, as
    the last unification left them. Returns what `unify` returns for all the mentions, and each kept speaker's
    new id by its old one (ids are assigned across all speakers: a slug taken elsewhere moves a kept one's
    suffix); None when only `unify` can say: a correction names a speaker by no name any mention holds (then
    it may name one by id, and ids are only known across all speakers).
    """
    fresh = _clusters(changed)
    if corrections:
        held = {(e.mention.type, e.key) for c in fresh for e in c.members}
        for correction in corrections:
            for name in _named(correction):
                if not any(item in held for item in _query_keys(name).items()):
                    return None
        # merges and splits act on clusters holding these names alone, all of them among the fresh ones
        _apply_corrections(fresh, corrections)
    others = [_Kept(speaker, (-speaker.statements, speaker.name, min(map(_mention_order, mentions))))
              for speaker, mentions in kept]
    clusters: list[_Cluster | _Kept] = [*fresh, *others]
    ids = _assign_ids(clusters)  # type: ignore[arg-type]  (it reads name, type and order alone)
    speakers = [_speaker(c, ids[i]) for i, c in enumerate(fresh)]
    _decide_genders(list(zip(fresh, speakers)), genders)  # the fresh persons alone: what changed
    renamed = {}
    for i, k in enumerate(others, start=len(fresh)):
        renamed[k.speaker.speaker_id] = ids[i]
        speakers.append(replace(k.speaker, speaker_id=ids[i], names=list(k.speaker.names),
                                roles=list(k.speaker.roles), affiliations=list(k.speaker.affiliations)))
    speakers.sort(key=lambda s: (-s.statements, s.speaker_id))
    speaker_of = {e.mention: ids[i] for i, c in enumerate(fresh) for e in c.members}
    return speakers, speaker_of, renamed


def find_speaker(speakers: Sequence[UnifiedSpeaker], query: str) -> list[UnifiedSpeaker]:
    """Speakers a user means by `query`: the one with that speaker_id, else those with a name variant equal to it."""
    exact = [s for s in speakers if s.speaker_id == query]
    if exact:
        return exact
    keys = _query_keys(query)
    return [s for s in speakers
            if any(normalize_name(n, s.type) == keys.get(s.type, keys["organization"]) for n in s.names)]


def mention_of_key(key: str) -> ResolvedSpeaker:
    """The mention a speaker_mentions key stands for (rows.mention_key's JSON: type, name, role, affiliation)."""
    kind, name, role, affiliation = json.loads(key)
    return ResolvedSpeaker(name, kind, role, affiliation)

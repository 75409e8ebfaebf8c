"""Statement queries: full text plus filters, turned into one parameterised SQL statement.

User text never enters the SQL itself: every value is a bound parameter, and LIKE patterns escape
the user's own `%` and `_`. The search text is parsed once (`parse_search`) into a `Search`: clauses
that must all hold, each one term or several joined by `OR`, and terms that must not occur. Words
go through the ledger's postings (store/index.py: BM25, Porter stemming); "quoted phrases" must also appear verbatim;
a `prefix*` matches the words of the content that begin with it. Without an index (a ledger flagged
stale), words are matched with ILIKE instead, so results are right, only unranked. The parser knows
nothing of SQL, so another index can reuse it.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

TERM = re.compile(r"\w+")
SEARCH_SYNTAX = 'all words required · "exact phrase" · -exclude · prefix* · a OR b'  # the search box's hint
MAX_CLAUSES = 32  # OR alternatives, exclusions, prefixes and phrases: each is one more condition in the SQL
MIN_PREFIX = 2  # letters before a prefix's star: "a*" would match most of the corpus
CLOSING_QUOTE = re.compile(r'["”]')  # either closes a phrase: "…" and “…”, and the mixed ones people type
TOKEN = re.compile(r'(-?)(?:(["“])|([^\s"“]+))')  # an optional exclusion dash, then a phrase's opening quote or a run
PREFIX = re.compile(r"([^\W_]+)\*")  # a word run, its star (in the index's terms: letters and digits)


class SearchSyntaxError(ValueError):
    """A search text that can't be run (only exclusions, a prefix too short, too many terms)."""


@dataclass(frozen=True)
class Term:
    """One thing to look for: words (stemmed, as the index reads them), verbatim text, or a prefix."""

    words: tuple[str, ...] = ()  # every one must occur ("al-Qaeda": al, Qaeda); as written, the index stems them
    verbatim: str | None = None  # must occur as written, case aside: a "quoted phrase", or text without words ("%")
    prefix: str | None = None  # a content word must begin with this (lowered, accents stripped)


@dataclass(frozen=True)
class Search:
    """A parsed search text: every clause must hold (a clause holds when one of its terms occurs); no excluded term may."""

    clauses: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def wanted(self) -> list[Term]:
        """The terms whose matches a result shows (never an excluded one)."""
        return [term for clause in self.clauses for term in clause]


@functools.lru_cache(maxsize=1 << 16)
def index_form(word: str) -> str:
    """A word as the full-text index reads it: accents stripped, lowered (then stemmed, for a whole word)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def parse_search(text: str) -> Search:
    """The search text as clauses and exclusions; SearchSyntaxError (one line) for text that can't be run.

    Words are all required; `OR` (capitals) between two terms makes them one clause, binding tighter than
    the implicit AND (`a b OR c` is a AND (b OR c)); `-term` excludes; a quote mark without its closing
    one runs to the end; an `OR` with no term on one side is ignored.
    """
    if not text.strip():
        return Search()
    items: list[Term | str] = []  # the terms and "OR"s in order
    negated: set[int] = set()  # the positions in `items` of excluded terms
    position = 0
    while match := TOKEN.search(text, position):
        dash, quote, run = match.groups()
        if quote:
            start = match.end()
            closing = CLOSING_QUOTE.search(text, start)
            end = closing.start() if closing else len(text)
            position = end + 1
            term = phrase_term(text[start:end])
        else:
            position = match.end()
            if dash and not TERM.match(run):  # "--": text, not an exclusion
                run, dash = dash + run, ""
            if run == "-":  # a lone dash excludes nothing and is no text to look for
                continue
            if run == "OR" and not dash:
                items.append("OR")
                continue
            term = run_term(run or "")
        if term is None:
            continue
        if dash:
            negated.add(len(items))
        items.append(term)
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False
    for index, item in enumerate(items):
        if item == "OR":
            if index and items[index - 1] != "OR":  # "a OR OR b" is "a OR b"
                joining = bool(clauses) and index - 1 not in negated
            continue
        if index in negated:
            excluded.append(item)
            joining = False
        elif joining:
            clauses[-1].append(item)
            joining = False
        else:
            clauses.append([item])
    if not clauses and not excluded:  # nothing but quote marks, ORs or dashes: the text itself is looked for
        clauses.append([run_term(text.strip())])
    search = Search(tuple(tuple(c) for c in clauses), tuple(excluded))
    conditions = sum(len(c) for c in clauses if len(c) > 1 or not plain(c[0])) + len(excluded)
    if conditions > MAX_CLAUSES:
        raise SearchSyntaxError(f"too many OR, -exclusion, prefix* and \"phrase\" terms ({conditions}): "
                                f"at most {MAX_CLAUSES}")
    if excluded and not clauses:
        raise SearchSyntaxError("only exclusions (-word): add a word, phrase or prefix* to look for")
    return search


def phrase_term(inside: str) -> Term | None:
    """A "quoted phrase": its words, and the phrase verbatim; None when empty."""
    inside = inside.strip()
    return Term(tuple(TERM.findall(inside)), inside) if inside else None


def run_term(run: str) -> Term | None:
    """A run of text between spaces: a prefix (`trade*`), its words, or (without any) the run verbatim."""
    if prefix := PREFIX.fullmatch(run):
        stem = index_form(prefix.group(1))
        if len(stem) < MIN_PREFIX:
            raise SearchSyntaxError(f"prefix {run!r} is too short: give at least {MIN_PREFIX} letters before the *")
        return Term(prefix=stem)
    words = tuple(TERM.findall(run))
    return Term(words) if words else Term(verbatim=run) if run else None


def plain(term: Term) -> bool:
    """Whether a term is words alone (what the index scores in one call with the other required words)."""
    return bool(term.words) and term.verbatim is None and term.prefix is None


@dataclass
class Statement:
    """One attribution as the ledger returns it: who said what, in which document, when, via whom."""

    attribution_id: int
    doc_id: str
    ordinal: int
    speaker: str | None  # the unified speaker's name, else the speaker as resolved, else the source text
    speaker_id: str | None
    speaker_type: str | None
    source: str | None
    cue: str | None
    content: str
    kind: str
    via: str | None
    outlet: str | None
    published: str | None
    title: str | None
    url: str | None
    act: str | None  # speech | thought
    floating: bool  # no cue: a floating or pull quote, its speaker from the layout
    confidence: float
    gender: str | None  # persons: the unified speaker's gender (one of GENDERS); None for every other type
    score: float | None = None  # full-text relevance, when searched by text

    def to_dict(self) -> dict[str, Any]:
        """The statement as a JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class StatementQuery:
    """What to look for in the ledger; fields left None don't filter."""

    text: str | None = None  # full text over the content: words (all required) and "exact phrases"
    speaker: str | None = None  # a speaker id, or part of any of the speaker's names
    outlet: str | None = None  # an outlet's whole name, else part of names (see outlet_condition)
    kind: str | None = None  # direct | mixed | indirect
    since: date | None = None  # published on or after
    until: date | None = None  # published on or before
    anonymous: bool = False  # only anonymous sources ("officials said", "a source familiar with")
    act: str | None = None  # speech (statements: said, told, according to) | thought (believes, hopes, plans)
    min_confidence: float | None = None  # only attributions whose confidence is at least this (0–1)
    doc_id: str | None = None
    speaker_id: str | None = None  # exactly this unified speaker (what a speaker's page lists)
    gender: str | None = None  # only persons of this gender (one of GENDERS: woman, man, nonbinary, unknown)
    limit: int | None = 20
    offset: int = 0


def like_pattern(text: str) -> str:
    """`%text%` for ILIKE ... ESCAPE '\\', with the user's own % and _ matched literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def outlet_condition(column: str, outlet: str) -> tuple[str, list[Any]]:
    """The one rule for an outlet a user names, as SQL over `column` and its parameters.

    An outlet's whole name (in any case) means that outlet alone — "CNN" is not also "CNN Money";
    otherwise every outlet whose name contains the text (in any case) — "bbc" is "BBC News".
    """
    sql = (f"(lower({column}) = lower(?) OR ({column} ILIKE ? ESCAPE '\\' AND NOT EXISTS "
           "(SELECT 1 FROM documents named WHERE lower(named.outlet) = lower(?))))")
    return sql, [outlet, like_pattern(outlet), outlet]


# a statement's gender: its person's, as unified across the ledger, else as its document decided it, else unknown
# (a document stored before schema version 3); NULL for every speaker that is no person
GENDER_SQL = "CASE WHEN a.speaker_type = 'person' THEN coalesce(s.gender, a.speaker_gender, 'unknown') END"
# who a person statement's speaker is, to count distinct people: the unified speaker, else the mention in its document
PERSON_SQL = "coalesce(m.speaker_id, a.doc_id || chr(31) || a.mention_key)"

STATEMENT_COLUMNS = """a.attribution_id, a.doc_id, a.ordinal,
    coalesce(s.name, a.speaker_name, a.source_text) AS speaker, s.speaker_id, a.speaker_type,
    a.source_text AS source, a.cue_text AS cue, a.content_text AS content, a.kind, a.via_names AS via,
    d.outlet, d.published, d.title, d.url, a.act, a.floating, a.confidence, """ + GENDER_SQL + " AS gender"

EXPORT_EXTRA_COLUMNS = """, a.speaker_name AS speaker_as_written, a.speaker_role, a.speaker_affiliation,
    a.source_spans, a.cue_spans, a.content_spans, d.byline"""

FROM = """FROM attributions a JOIN documents d ON d.doc_id = a.doc_id
    LEFT JOIN speaker_mentions m ON m.mention_key = a.mention_key
    LEFT JOIN speakers s ON s.speaker_id = m.speaker_id"""

VERBATIM = "x.content_text ILIKE ? ESCAPE '\\'"
def page_rows_sql() -> str:
    """The SQL of a page's statements (columns: see Statement), in order, from the lists of their ids, their
    documents' ids, their scores and ranks.

    Their attributions' and documents' rows are read first, each on its own (MATERIALIZED, by a semi-join on the
    listed ids), then joined: joined in one plan, DuckDB read every document and the attributions' ids through
    the other joins' filters (a page's rows 11.3 → 8.5 ms at a million attributions)."""
    return (f"WITH a AS MATERIALIZED (SELECT * FROM attributions WHERE attribution_id IN (SELECT unnest(?))), "
            f"d AS MATERIALIZED (SELECT doc_id, outlet, published, title, url FROM documents "
            f"WHERE doc_id IN (SELECT unnest(?))) "
            f"SELECT {STATEMENT_COLUMNS}, page.score FROM (SELECT unnest(?) AS attribution_id, unnest(?) AS score, "
            f"unnest(?) AS rank) page JOIN a ON a.attribution_id = page.attribution_id JOIN d ON d.doc_id = a.doc_id "
            f"LEFT JOIN speaker_mentions m ON m.mention_key = a.mention_key "
            f"LEFT JOIN speakers s ON s.speaker_id = m.speaker_id ORDER BY page.rank")


# a word of the content, as the index splits it (letters and digits, accents stripped), begins with the prefix
PREFIXED = "regexp_matches(strip_accents(lower(x.content_text)), ?)"
Condition = tuple[str, list[Any]]  # SQL over one attributions row `x` (and the word tables), and its parameters


class Matches(Protocol):
    """The full-text index as a search reads it (store/index.py's TermIndex)."""

    def matches(self, words: Sequence[str]) -> tuple[str, list[Any]] | None:
        """SELECT attribution_id, s (BM25) of the statements holding every word; None when none can."""

    def few(self, table: tuple[str, list[Any]]) -> tuple[str, list[Any]] | None:
        """The same table as literal lists when it holds few statements (their text is then read by id)."""


class SearchSQL:
    """A Search as the derived table `hits(attribution_id, score)`: the index's word tables it needs, and its conditions.

    Every set of words is one table of the statements holding them all, with their BM25 (`w0`, `w1`, ...); the
    required words are one such table, and the statements of `hits` are drawn from it (so a search reads the
    postings of its words, never every row); the other terms are joined onto it. Without an index (None: it is
    stale), words are matched with ILIKE over every row instead, unranked.
    """

    def __init__(self, search: Search, index: Matches | None) -> None:
        self.index = index
        self.tables: list[tuple[str, list[Any]]] = []  # the word tables w0, w1, ...
        self.scored: list[str] = []  # the columns that add to the score (not the excluded terms')
        self.base: str | None = None  # the word table every hit is in, when the search requires words
        self.content = False  # whether a condition reads the content itself (phrases, prefixes, ILIKE)
        conditions: list[Condition] = []
        required = [w for clause in search.clauses if len(clause) == 1 for w in clause[0].words]
        if required:  # every required word in one table, ranked as one query (as before OR and -word existed)
            conditions.append(self.words(required, scored=True))
            if self.tables:
                self.base = "w0"
        for clause in search.clauses:
            if len(clause) == 1:
                conditions.append(self.term(clause[0], scored=True, words=False))
            else:
                conditions.append(either([self.term(term, scored=True) for term in clause]))
        for term in search.excluded:
            sql, params = self.term(term, scored=False)
            conditions.append((f"NOT ({sql})", params))
        self.conditions = [c for c in conditions if c[0]]

    def words(self, words: list[str] | tuple[str, ...], scored: bool) -> Condition:
        """All of `words` occur: one word table (stemmed), or ILIKE each without an index."""
        if self.index is None:
            self.content = True
            return both([(VERBATIM, [like_pattern(w)]) for w in words])
        found = self.index.matches(words)
        if found is None:
            return "FALSE", []
        name = f"w{len(self.tables)}"
        self.tables.append(found)
        if scored:
            self.scored.append(f"{name}.s")
        return f"{name}.s IS NOT NULL", []

    def term(self, term: Term, scored: bool, words: bool = True) -> Condition:
        """A term occurs: its words (unless already required), its verbatim text, its prefix."""
        parts = [self.words(term.words, scored)] if words and term.words else []
        if term.verbatim is not None:
            parts.append((VERBATIM, [like_pattern(term.verbatim)]))
            self.content = True
        if term.prefix is not None:
            parts.append((PREFIXED, [rf"(^|[^a-z0-9]){re.escape(term.prefix)}"]))
            self.content = True
        return both(parts)

    def join(self) -> tuple[str, list[Any], bool]:
        """The JOIN onto `a`, its parameters, and whether its score ranks the results."""
        sql, params, ranked = self.hits()
        return f"JOIN ({sql}) hits ON hits.attribution_id = a.attribution_id", params, ranked

    def hits(self) -> tuple[str, list[Any], bool]:
        """The SELECT of `hits(attribution_id, score)`, its parameters, and whether its score ranks the results."""
        if len(self.scored) == 1:
            score = self.scored[0]
        else:
            score = " + ".join(f"coalesce({c}, 0)" for c in self.scored) or "NULL::DOUBLE"
        params: list[Any] = []
        if self.base:
            base = self.tables[0]
            if self.content:  # the text of the required words' statements alone is read: by id, when few
                base = self.index.few(base) or base
            sql, params = base[0], list(base[1])
            source = f"({sql}) w0"
            if self.content:
                source += " JOIN attributions x ON x.attribution_id = w0.attribution_id"
            key = "w0.attribution_id"
        else:
            source, key = "attributions x", "x.attribution_id"
        for n, (sql, table_params) in enumerate(self.tables):
            if f"w{n}" != self.base:
                source += f" LEFT JOIN ({sql}) w{n} ON w{n}.attribution_id = {key}"
                params += table_params
        where, where_params = both(self.conditions)
        if self.base and self.content and where:
            # one condition over both sides of the join: DuckDB would otherwise push the text's conditions
            # down into its scan of attributions, reading every row's text instead of the matches'
            where = f"CASE WHEN w0.attribution_id IS NULL THEN FALSE ELSE ({where}) END"
        sql = f"SELECT {key} AS attribution_id, {score} AS score FROM {source} WHERE {where or 'true'}"
        return sql, params + where_params, bool(self.scored)


def both(conditions: list[Condition]) -> Condition:
    """Conditions that must all hold, as one."""
    return " AND ".join(sql for sql, _ in conditions), [p for _, params in conditions for p in params]


def either(conditions: list[Condition]) -> Condition:
    """Conditions of which one must hold, as one."""
    return "(" + " OR ".join(f"({sql})" for sql, _ in conditions) + ")", [p for _, ps in conditions for p in ps]


def statement_sql(query: StatementQuery, index: Matches | None = None, export: bool = False,
                  page: bool = False) -> tuple[str, list[Any]]:
    """The SQL and its parameters for the statements matching `query` (columns: see Statement), its words
    read from `index` (None: matched with ILIKE, unranked); `page`: only their attribution_id and score
    (what `page_rows_sql` then reads the page's rows by).

    SearchSyntaxError (one line) when the search text can't be run.
    """
    params: list[Any] = []
    joins = ""
    ranked = False
    search = parse_search(query.text or "")
    if search.clauses:
        joins, params, ranked = SearchSQL(search, index).join()
    return statement_select(query, joins, params, ranked, export, page=page)


# "the mention is one of these" over a subquery of mention keys, and a speaker filter's condition: its unified
# speaker's id or names, or the name as its document gave it, matched on the distinct mentions (search_mentions),
# not once per attribution row
MENTIONS_IN = "a.mention_key IN ({})"
SPEAKER_MENTIONS = ("SELECT sm.mention_key FROM speaker_mentions sm JOIN speakers sp ON sp.speaker_id = sm.speaker_id "
                    "WHERE sp.speaker_id = ? OR array_to_string(sp.names, ' | ') ILIKE ? ESCAPE '\\'")
SPEAKER_KEYS = SPEAKER_MENTIONS + " UNION ALL SELECT mention_key FROM search_mentions WHERE speaker_name ILIKE ? ESCAPE '\\'"
SPEAKER_CONDITION = MENTIONS_IN.format(SPEAKER_KEYS)


def statement_select(query: StatementQuery, joins: str, params: list[Any], ranked: bool, export: bool,
                     no_score: str = "NULL::DOUBLE", speaker_condition: str = SPEAKER_CONDITION,
                     page: bool = False) -> tuple[str, list[Any]]:
    """The statements' SELECT around a search's JOIN `hits(attribution_id, score)` (`joins`, with its `params`),
    with the query's filters, order and page: one for every index, which differ only in their JOIN; `page`: only
    the matches' attribution_id, score and doc_id, on the narrow columns."""
    score = "hits.score AS score" if ranked else f"{no_score} AS score"
    where, values = statement_filters(query, speaker_condition)
    params = [*params, *values]
    columns = STATEMENT_COLUMNS + (EXPORT_EXTRA_COLUMNS if export else "") + f", {score}"
    sql = f"SELECT {columns} {FROM} {joins}"
    if page:  # the narrow columns alone: a page's ids are found without reading every row's text
        documents = " JOIN documents d ON d.doc_id = a.doc_id" if query.outlet else ""  # (dates are a's own)
        mentions = (" LEFT JOIN speaker_mentions m ON m.mention_key = a.mention_key"
                    if query.speaker_id or query.gender else "")
        speakers = " LEFT JOIN speakers s ON s.speaker_id = m.speaker_id" if query.gender else ""
        sql = f"SELECT a.attribution_id, {score}, a.doc_id FROM attributions a{documents}{mentions}{speakers} {joins}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    order = "score DESC, " if ranked else ""  # ranked by relevance when the index was searched
    sql += f" ORDER BY {order}a.published_date DESC NULLS LAST, a.doc_id, a.ordinal"
    if query.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [query.limit, query.offset]
    return sql, params


def statement_filters(query: StatementQuery,
                      speaker_condition: str = SPEAKER_CONDITION) -> tuple[list[str], list[Any]]:
    """The conditions of `query` other than its search text (SQL over `a`, `d`, `m`, `s` of FROM) and their
    parameters, in the SQL DuckDB and PostgreSQL both read; `speaker_condition` matches a speaker filter (three
    parameters: an id, a names pattern, a name-as-written pattern)."""
    where: list[str] = []
    params: list[Any] = []
    if query.speaker:
        where.append(speaker_condition)
        params += [query.speaker, like_pattern(query.speaker), like_pattern(query.speaker)]
    if query.speaker_id:
        where.append("m.speaker_id = ?")
        params.append(query.speaker_id)
    if query.outlet:
        condition, values = outlet_condition("d.outlet", query.outlet)
        where.append(condition)
        params += values
    if query.kind:
        where.append("a.kind = ?")
        params.append(query.kind)
    if query.since:
        where.append("a.published_date >= ?")
        params.append(query.since)
    if query.until:
        where.append("a.published_date <= ?")
        params.append(query.until)
    if query.anonymous:
        where.append("a.speaker_type = 'anonymous'")
    if query.act:
        where.append("a.act = ?")
        params.append(query.act)
    if query.min_confidence:  # 0 keeps everything: no condition
        where.append("a.confidence >= ?")
        params.append(query.min_confidence)
    if query.doc_id:
        where.append("a.doc_id = ?")
        params.append(query.doc_id)
    if query.gender:
        where.append(f"{GENDER_SQL} = ?")
        params.append(query.gender)
    return where, params


def parse_day(value: str) -> date:
    """A query's YYYY-MM-DD bound as a date; ValueError (saying the expected form) for anything else."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None

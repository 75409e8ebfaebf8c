"""The search index: postings of every attribution's content, kept in step with the attributions.

Tables written inside the same transactions as the attributions they index (`add_postings`,
`remove_postings`), so the index is never stale and never rebuilt whole:

    search_postings  (term, attribution_id, tf, len)  a stemmed term, a statement holding it, how often,
                                                       and the statement's length in terms (BM25 reads it),
                                                       sorted by term: a term's postings are a few row groups,
                                                       which DuckDB finds by their min/max without reading others
    search_postings_new                               the same, for statements written since the last
                                                       `compact` (appended per write: not in term order)
    search_terms     (term, df)                       how many statements hold each term
    search_mentions  (mention_key, speaker_name)      every mention ever written, once: a speaker filter
                                                       matches names here, not once per statement
    search_stats     (attributions, terms)            the corpus figures BM25 needs (N and the total length)

Terms are made exactly as DuckDB's FTS index made them (the same `tokenize` expression — accents
stripped, lowered, split on anything but a-z0-9 — and the same Porter stemmer), and a search scores
with the FTS macro's own BM25 formula (k = 1.2, b = 0.75), so results and scores equal `match_bm25`'s
(tests/test_ledger.py compares them). A search reads only the postings of its terms: the cost follows
the matches, not the ledger.

Why our own tables and not the alternatives, by measurement (bench/ledger.py on the shared 2-core
machine): DuckDB's FTS index is a snapshot — it can't be updated, so every ingest rebuilt it whole
(refresh 20.7 s at 1M attributions, issue 18) — and `match_bm25` is evaluated for every row (search
median 146 ms, p95 327 ms at 1M). With these postings: median 27.6 ms, p95 66.5 ms at 1M, 95.3 / 189.2 ms
at 5M; 100 documents added and refreshed in 0.42 s at 1M, 1.26 s at 5M (docs/ledger.md, "At scale"). tantivy (PyPI `tantivy`) searches fast, but
is a second store beside the DuckDB file: its commits can't share a DuckDB transaction (a crash between the
two leaves them disagreeing), its scores differ from the FTS ones (its field lengths are quantised to one
byte), and the ledger's filters (outlet, dates, speaker) live in DuckDB, so every match would cross back
into SQL anyway. Postings in the ledger are one file, one transaction, the same scores, and plain SQL.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

STEMMER = "porter"  # the index's stemmer; `Ledger.stems` gives the same stems, for highlighting
# the FTS extension's tokenize(), with the `ignore` pattern the ledger's FTS index used: FTS's documented
# default plus digits, so marks outside ASCII don't stay glued to words (“Yes → "“ye")
TOKENIZE = "string_split_regex(regexp_replace(lower(strip_accents(CAST({} AS VARCHAR))), '(\\.|[^a-z0-9])+', ' ', 'g'), '\\s+')"

TABLES = """
CREATE TABLE search_postings (       -- (no NOT NULL: `compact` makes it anew from a SELECT)
    term VARCHAR,                       -- a stemmed term of the content (see TOKENIZE, STEMMER)
    attribution_id BIGINT,
    tf INTEGER,                         -- how often the term occurs in the content
    len INTEGER                         -- how many terms the content holds
);
CREATE TABLE search_postings_new (term VARCHAR, attribution_id BIGINT, tf INTEGER, len INTEGER);
CREATE TABLE search_terms (
    term VARCHAR PRIMARY KEY,
    df BIGINT NOT NULL                  -- statements holding the term (0 once the last one is gone)
);
CREATE TABLE search_mentions (
    mention_key VARCHAR PRIMARY KEY,    -- attributions.mention_key (never removed: a gone one matches nothing)
    speaker_name VARCHAR
);
CREATE TABLE search_stats (
    attributions BIGINT NOT NULL,       -- every attribution, those without a term included (BM25's N)
    terms BIGINT NOT NULL               -- the sum of their lengths (N × the average length)
);
INSERT INTO search_stats VALUES (0, 0);
"""
TABLE_NAMES = ("search_postings", "search_postings_new", "search_terms", "search_mentions", "search_stats")
POSTINGS = ("search_postings", "search_postings_new")
COMPACT_ROWS = 1_000_000  # new postings beyond this (and beyond a quarter of the sorted ones) are sorted in
COMPACT_SHARE = 0.25
JOINED_TERMS = 8  # words up to this many are intersected by joins; more, by one scan and a count per statement
KNOWN_WORDS = 4096  # searches whose terms a TermIndex given `known` remembers (then forgets all at once)
FEW = 5000  # statements a word table may hold to be handed over as lists (`few`): read by id, not by scan

def bm25(tf: str, length: str, df: str) -> str:
    """BM25 of one posting over the SQL expressions of its tf, length and df, with the parameters N and the
    average length (in this order), written as the FTS extension's match_bm25 macro writes it: the same
    literals, the same types, so the same scores."""
    return (f"log((((?::BIGINT - {df}) + 0.5) / ({df} + 0.5)) + 1) * (({tf} * (1.2 + 1)) / "
            f"({tf} + (1.2 * ((1 - 0.75) + (0.75 * ({length} / ?::DOUBLE))))))")


def postings_sql(source: str) -> str:
    """SELECT of the postings (term, attribution_id, tf, len) of the rows of `source` (attribution_id, content_text)."""
    words = f"SELECT attribution_id, unnest({TOKENIZE.format('content_text')}) AS word FROM {source}"
    return (f"SELECT term, attribution_id, count(*)::INTEGER AS tf, any_value(len)::INTEGER AS len FROM "
            f"(SELECT stem(word, '{STEMMER}') AS term, attribution_id, count(*) OVER (PARTITION BY attribution_id) AS len "
            f"FROM ({words}) WHERE word <> '') GROUP BY term, attribution_id")


def add_postings(connection: duckdb.DuckDBPyConnection, source: str) -> None:
    """Index the attributions `source` names (a table or a subquery with attribution_id, content_text,
    mention_key and speaker_name), inside the caller's transaction: their postings, their terms' counts, the
    corpus figures, their mentions."""
    con = connection
    con.execute(f"CREATE OR REPLACE TEMP TABLE new_postings AS {postings_sql(source)}")
    con.execute("INSERT INTO search_postings_new SELECT * FROM temp.new_postings ORDER BY term")
    con.execute("INSERT INTO search_terms SELECT term, count(*) FROM temp.new_postings GROUP BY term "
                "ON CONFLICT (term) DO UPDATE SET df = search_terms.df + excluded.df")
    con.execute(f"INSERT INTO search_mentions SELECT DISTINCT mention_key, speaker_name FROM {source} "
                "WHERE mention_key IS NOT NULL ON CONFLICT DO NOTHING")
    con.execute(f"UPDATE search_stats SET attributions = attributions + (SELECT count(*) FROM {source}), "
                "terms = terms + (SELECT coalesce(sum(tf), 0) FROM temp.new_postings)")
    con.execute("DROP TABLE temp.new_postings")


def remove_postings(connection: duckdb.DuckDBPyConnection, ids: str, params: Sequence[Any] = ()) -> None:
    """Take the attributions whose ids the query `ids` selects out of the index (inside the caller's transaction),
    before they are deleted. Terms keep their row at df 0: a term deleted and inserted again in one DuckDB
    transaction would trip its key check; `prune` drops them, in the refresh after."""
    con = connection
    con.execute(f"CREATE OR REPLACE TEMP TABLE gone AS {ids}", list(params))
    if con.execute("SELECT count(*) FROM temp.gone").fetchone()[0]:
        con.execute("CREATE OR REPLACE TEMP TABLE old_postings AS " + " UNION ALL ".join(
            f"SELECT term, tf FROM {table} WHERE attribution_id IN (SELECT attribution_id FROM temp.gone)"
            for table in POSTINGS))
        for table in POSTINGS:
            con.execute(f"DELETE FROM {table} WHERE attribution_id IN (SELECT attribution_id FROM temp.gone)")
        con.execute("UPDATE search_terms SET df = search_terms.df - old.n FROM "
                    "(SELECT term, count(*) AS n FROM temp.old_postings GROUP BY term) old WHERE search_terms.term = old.term")
        con.execute("UPDATE search_stats SET attributions = attributions - (SELECT count(*) FROM temp.gone), "
                    "terms = terms - (SELECT coalesce(sum(tf), 0) FROM temp.old_postings)")
        con.execute("DROP TABLE temp.old_postings")
    con.execute("DROP TABLE temp.gone")


def prune(connection: duckdb.DuckDBPyConnection) -> None:
    """Drop the terms no statement holds any more (their rows stay at df 0 within a write; see remove_postings)."""
    connection.execute("DELETE FROM search_terms WHERE df = 0")


def rebuild(connection: duckdb.DuckDBPyConnection) -> None:
    """Index every stored attribution afresh, the postings sorted by term (inside the caller's transaction)."""
    con = connection
    for table in (*POSTINGS, "search_terms", "search_mentions"):
        con.execute(f"DELETE FROM {table}")
    con.execute("UPDATE search_stats SET attributions = 0, terms = 0")
    add_postings(con, "attributions")
    compact(con, always=True)


def compact(connection: duckdb.DuckDBPyConnection, always: bool = False) -> bool:
    """Sort the new postings in with the others once they are many (inside the caller's transaction); whether
    it did. Unsorted, every search reads all of them; the threshold grows with the index, so each posting is
    sorted again a bounded number of times (as an LSM tree merges its levels)."""
    con = connection
    sorted_rows, new_rows = (con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in POSTINGS)
    if not always and new_rows <= max(COMPACT_ROWS, COMPACT_SHARE * sorted_rows):
        return False
    con.execute("CREATE TABLE search_postings_sorted AS SELECT * FROM (SELECT * FROM search_postings UNION ALL "
                "SELECT * FROM search_postings_new) ORDER BY term, attribution_id")
    con.execute("DROP TABLE search_postings")
    con.execute("ALTER TABLE search_postings_sorted RENAME TO search_postings")
    con.execute("DELETE FROM search_postings_new")
    return True


class TermIndex:
    """The postings as a search reads them: a set of words → the statements holding them all, with their BM25."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, stats: tuple[int, float] | None = None,
                 known: dict | None = None) -> None:
        self.connection = connection
        self._stats = stats  # (N, average length) when the caller read them already (see stats)
        self.known = known  # words → `terms`, kept by a caller that knows the index has not changed since

    def stats(self) -> tuple[int, float]:
        """N (every attribution) and the average length in terms, as FTS's stats table held them."""
        if self._stats is None:
            attributions, terms = self.connection.execute("SELECT attributions, terms FROM search_stats").fetchone()
            self._stats = (attributions, terms / attributions if attributions else 0.0)
        return self._stats

    def terms(self, words: Sequence[str]) -> list[tuple[str, int]] | None:
        """The distinct stemmed terms of `words` with their document frequencies, rarest first; None when
        one of them is in no statement (then nothing can match them all)."""
        key = " ".join(words)
        if self.known is not None and key in self.known:
            return self.known[key]
        rows = self.connection.execute(
            f"SELECT t.term, coalesce(s.df, 0) FROM (SELECT DISTINCT stem(unnest({TOKENIZE.format('?')}), "
            f"'{STEMMER}') AS term) t LEFT JOIN search_terms s USING (term)", [key]).fetchall()
        # '' (text that makes no term) is in no statement either
        found = None if not rows or any(df == 0 for _, df in rows) else sorted(rows, key=lambda row: (row[1], row[0]))
        if self.known is not None:
            if len(self.known) >= KNOWN_WORDS:
                self.known.clear()
            self.known[key] = found
        return found

    def few(self, table: tuple[str, list[Any]]) -> tuple[str, list[Any]] | None:
        """A word table (`matches`) as lists of its statements and scores, when it holds at most FEW; else None.

        Where the text itself must be read (a "phrase", a prefix), DuckDB reads the rows of a short list of ids
        through the attributions' key index, but would join a table it can't size by reading every row."""
        sql, params = table
        rows = self.connection.execute(f"{sql} LIMIT {FEW + 1}", params).fetchall()
        if len(rows) > FEW:
            return None
        return ("SELECT unnest(?::BIGINT[]) AS attribution_id, unnest(?::DOUBLE[]) AS s",
                [[row[0] for row in rows], [row[1] for row in rows]])

    def matches(self, words: Sequence[str]) -> tuple[str, list[Any]] | None:
        """SELECT attribution_id, s (BM25, as match_bm25 with conjunctive := 1) of the statements holding every
        word; None when none can."""
        terms = self.terms(words)
        if terms is None:
            return None
        n, average = self.stats()
        if len(terms) <= JOINED_TERMS:
            # each term's postings, rarest first, kept only where the rarer ones hold the statement too: the
            # postings of a frequent word ("to") are looked up in a short list, never joined or scored whole
            steps, scores, params = [], [], []
            for i, (term, df) in enumerate(terms):
                rarer = f" AND attribution_id IN (SELECT attribution_id FROM t{i - 1})" if i else ""
                steps.append(f"t{i} AS (" + " UNION ALL ".join(
                    f"SELECT attribution_id, tf::BIGINT AS tf, len::BIGINT AS len FROM {table} WHERE term = ?{rarer}"
                    for table in POSTINGS) + ")")
                params += [term for _ in POSTINGS]
                scores.append(bm25(f"t{i}.tf", f"t{i}.len", "?::BIGINT"))
            score_params = [value for _, df in terms for value in (n, df, df, average)]
            joined = " JOIN ".join(["t0", *(f"t{i} USING (attribution_id)" for i in range(1, len(terms)))])
            return (f"WITH {', '.join(steps)} SELECT t0.attribution_id, {' + '.join(scores)} AS s FROM {joined}",
                    params + score_params)
        marks = ", ".join("?" for _ in terms)
        frequencies = " ".join("WHEN ? THEN ?::BIGINT" for _ in terms)
        postings = " UNION ALL ".join(f"SELECT term, attribution_id, tf, len FROM {table} WHERE term IN ({marks})"
                                      for table in POSTINGS)
        sql = (f"SELECT attribution_id, sum({bm25('tf', 'len', 'df')}) AS s FROM (SELECT attribution_id, "
               f"tf::BIGINT AS tf, len::BIGINT AS len, CASE term {frequencies} END AS df FROM ({postings})) "
               f"GROUP BY attribution_id HAVING count(*) = {len(terms)}")
        params = [n, average, *(value for term, df in terms for value in (term, df)),
                  *(term for _ in POSTINGS for term, _ in terms)]
        return sql, params

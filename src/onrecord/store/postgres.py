"""The ledger in PostgreSQL: for teams (one server, many readers and writers) and clusters (Ray workers that
write their shards concurrently).

`PostgresLedger(url)` is the DuckDB `Ledger` on a PostgreSQL database: the same tables (schema.TABLES,
translated), the same meta, schema version checks and migrations, and the same Python on top. It inherits
every method whose SQL both databases read (DuckDB's `?` parameters are translated, see `Connection`) and
overrides only what differs: writing rows (COPY), the full-text index, writing speakers, export, stems.

Full-text search is PostgreSQL's own: a tsvector column `attributions.terms` with a GIN index, written by
`write_rows` in the same transaction as its rows, so it is never stale and `refresh` only re-unifies the
speakers. Its lexemes are the DuckDB index's terms — each content tokenised and Porter-stemmed by DuckDB's
own FTS functions (`content_terms`, on an in-memory DuckDB), so a word matches the same statements in both
ledgers — plus every word unstemmed, as `w:word`, which `prefix*` matches with a GIN prefix search. The
search syntax is the one parser's (`parse_search`); what is ranked differs: ts_rank, not BM25, so the same
statements match, and their order within a page may differ from the DuckDB ledger's.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb

import onrecord.store.schema as schema
from onrecord.store.ledger import (
    STALE_SEARCH, STALE_SPEAKERS, STEMMER, EXPORT_FORMATS, Ledger, LedgerError, RowsError, Statement, copy_rows,
    first_line, fts_extension, speaker_gender_json,
)
from onrecord.store.query import (
    SPEAKER_MENTIONS, Condition, Search, SearchSQL, SearchSyntaxError, StatementQuery, Term, both, parse_search,
    statement_filters, statement_select,
)
from onrecord.store.index import TOKENIZE  # the DuckDB index's own words, so both backends match alike
from onrecord.store.rows import ATTRIBUTION_SCHEMA, DOCUMENT_SCHEMA
from onrecord.store.unify import UnifiedSpeaker

POSTGRES_INSTALL = 'pip install "onrecord[postgres]"'
URL_SCHEMES = ("postgresql://", "postgres://")
WORD_PREFIX = "w:"  # a lexeme of an unstemmed word (for prefix*), beside the bare stems
MAX_POSITION, MAX_POSITIONS = 16383, 256  # a tsvector's limits: the last position, positions per lexeme
IDLE_CONNECTIONS = 8  # a server's connections kept open between requests
# a speaker's mentions as an array, not IN (subquery): then "these mentions OR a name like this" is two index
# scans OR-ed (mention_key's B-tree, speaker_name's trigrams), not a walk through every document by date
MENTIONS_IN = "a.mention_key = ANY(ARRAY({}))"
SPEAKER_CONDITION = f"({MENTIONS_IN.format(SPEAKER_MENTIONS)} OR a.speaker_name ILIKE ? ESCAPE '\\')"
CREATE_LOCK = 0x6F6E7265  # pg_advisory_xact_lock key: two processes creating one ledger at once take turns

# What PostgreSQL adds to the shared tables: the order documents were stored in (DuckDB's rowid), the
# full-text index, and the indexes DuckDB does without (it scans columns; PostgreSQL reads rows).
EXTRAS = """
ALTER TABLE documents ADD COLUMN stored BIGSERIAL;
ALTER TABLE attributions ADD COLUMN terms TSVECTOR NOT NULL DEFAULT '';
CREATE INDEX attributions_terms ON attributions USING GIN (terms);
CREATE INDEX attributions_doc ON attributions (doc_id, ordinal);
CREATE INDEX attributions_mention ON attributions (mention_key);
CREATE INDEX speaker_mentions_speaker ON speaker_mentions (speaker_id);
CREATE INDEX documents_published ON documents (published_date);
CREATE INDEX attributions_published ON attributions (published_date DESC NULLS LAST, doc_id, ordinal);
"""
# A speaker named by part of a name (`--speaker Smith`) is looked for in speaker_name with ILIKE '%Smith%', which
# only trigrams index. pg_trgm is a trusted extension (a database owner may create it); without it, such
# searches still work, scanning instead.
TRIGRAMS = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX attributions_speaker_name ON attributions USING GIN (speaker_name gin_trgm_ops);
"""


def is_server_url(db: object) -> bool:
    """Whether `--db` names a PostgreSQL database (a URL) rather than a DuckDB file."""
    return isinstance(db, str) and db.startswith(URL_SCHEMES)


def redacted(url: str) -> str:
    """The URL without its password: what messages name the ledger by."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def import_psycopg() -> Any:
    """The psycopg module; a LedgerError saying what to install when the extra isn't."""
    try:
        import psycopg
    except ImportError:
        raise LedgerError(f"a postgresql:// ledger needs psycopg, which is not installed: {POSTGRES_INSTALL}") from None
    return psycopg


def pg_tables() -> str:
    """The shared tables in PostgreSQL's words, then its extras."""
    return re.sub(r"\bDOUBLE\b", "DOUBLE PRECISION", schema.SHARED_TABLES) + EXTRAS


def add_published_date(connection: Any) -> None:
    """Version 3 → 4 of a PostgreSQL ledger (its own full-text index needs no postings): attributions.published_date
    (their documents'), speaker_mentions.block (empty: the next refresh unifies in full) and speaker_pending."""
    connection.execute("ALTER TABLE attributions ADD COLUMN published_date DATE")
    connection.execute("UPDATE attributions a SET published_date = d.published_date FROM documents d "
                       "WHERE d.doc_id = a.doc_id")
    connection.execute("CREATE INDEX attributions_published ON attributions "
                       "(published_date DESC NULLS LAST, doc_id, ordinal)")  # the statements' order
    connection.execute("ALTER TABLE speaker_mentions ADD COLUMN block VARCHAR")
    connection.execute("CREATE TABLE speaker_pending (mention_key VARCHAR NOT NULL)")


def qmark(sql: str) -> str:
    """DuckDB's `?` parameters as psycopg's `%s` (a literal % doubled). The ledger's SQL holds no `?` of its own:
    every value, user text above all, is a parameter."""
    return sql.replace("%", "%%").replace("?", "%s")


class Connection:
    """A psycopg connection that answers DuckDB's `execute(sql, params)`: the SQL the two share runs on either.

    `cursor()` gives a connection of its own (a web request's), taken from the idle ones this one keeps, or new;
    closing it puts it back, so a busy server doesn't connect once a request.
    """

    def __init__(self, raw: Any, connect: Callable[[], Any], root: "Connection | None" = None) -> None:
        self.raw = raw
        self.connect = connect
        self.root = root  # None: this is the root, which keeps the idle connections of its cursors
        self.idle: list[Any] = root.idle if root is not None else []
        self.lock: threading.Lock = root.lock if root is not None else threading.Lock()

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """Run one statement (several, without parameters); returns the cursor with its rows."""
        cursor = self.raw.cursor()
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(qmark(sql), list(params))
        return cursor

    def cursor(self) -> "Connection":
        """A connection of its own: queries on it run beside this one's."""
        with self.lock:
            raw = self.idle.pop() if self.idle else None
        return Connection(raw if raw is not None and not raw.closed else self.connect(), self.connect,
                          self.root or self)

    def close(self) -> None:
        """Close the connection; a cursor's goes back to the idle ones while it is sound and they are few."""
        import psycopg

        if self.root is not None and not self.root.raw.closed and not self.raw.closed \
                and len(self.idle) < IDLE_CONNECTIONS \
                and self.raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            with self.lock:
                self.idle.append(self.raw)
            return
        self.raw.close()
        if self.root is None:
            with self.lock:
                while self.idle:
                    self.idle.pop().close()


# -- the index's terms, by DuckDB's own FTS functions -------------------------------------------------

_local = threading.local()  # a DuckDB connection is not shared across threads: one in-memory database each


def terms_database() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB with the FTS extension: its tokenizer and stemmer are the DuckDB ledger's."""
    if getattr(_local, "connection", None) is None:
        connection = duckdb.connect()
        connection.execute(f"LOAD '{fts_extension()}'")
        _local.connection = connection
    return _local.connection


def content_words(texts: Sequence[str]) -> list[list[str]]:
    """Each text's words as the DuckDB index tokenises them (accents stripped, lowered, split at all but a-z0-9)."""
    if not texts:
        return []
    sql = f"SELECT list_transform(?::VARCHAR[], lambda c: list_filter({TOKENIZE.format('c')}, lambda w: w <> ''))"
    return terms_database().execute(sql, [list(texts)]).fetchone()[0]


def stem_words(words: Sequence[str]) -> list[str]:
    """Each word's stem by the DuckDB index's stemmer."""
    if not words:
        return []
    sql = f"SELECT list_transform(?::VARCHAR[], lambda w: stem(w, '{STEMMER}'))"
    return terms_database().execute(sql, [list(words)]).fetchone()[0]


def content_terms(texts: Sequence[str]) -> list[str]:
    """Each text's tsvector (as text): its stems and its words (as `w:word`), with their positions, which
    ts_rank weighs (how often, in how long a statement)."""
    words = content_words(texts)
    vocabulary = sorted({w for ws in words for w in ws})
    stems = dict(zip(vocabulary, stem_words(vocabulary)))
    vectors = []
    for ws in words:
        positions: dict[str, list[int]] = {}
        for position, word in enumerate(ws[:MAX_POSITION], 1):
            for lexeme in (stems[word], WORD_PREFIX + word):
                if lexeme:  # (a stem can be empty: Porter takes "s" to ""; a lexeme can't)
                    positions.setdefault(lexeme, []).append(position)
        vectors.append(" ".join(f"'{lexeme}':{','.join(map(str, at[:MAX_POSITIONS]))}"
                                for lexeme, at in sorted(positions.items())))
    return vectors


def query_stems(words: Iterable[str]) -> list[str]:
    """The distinct stems a search's words look for (as match_bm25 tokenises and stems its query string)."""
    (tokens,) = content_words([" ".join(words)])
    return sorted(set(stem_words(tokens)) - {""})


# -- search ---------------------------------------------------------------------------------------------

TSQUERY = "terms @@ ?::tsquery"


class TermsSQL(SearchSQL):
    """A Search as the derived table `hits(attribution_id, score)` over the tsvector index, clause by clause as
    SearchSQL walks it: words match when every stem is in the statement's terms, "phrases" also verbatim,
    prefix* a word lexeme's prefix; ranked by ts_rank."""

    def __init__(self, search: Search) -> None:
        super().__init__(search, None)  # (its own words(): the tsvector, not an index of word tables)

    def words(self, words: Sequence[str], scored: bool) -> Condition:
        """Every stem of `words` is in the statement's terms (no stem at all: nothing matches, as in DuckDB)."""
        stems = query_stems(words)
        if not stems:
            return "FALSE", []
        query = " & ".join(f"'{stem}'" for stem in stems)
        if scored:
            self.scored.append(query)  # (the tsqueries whose ranks add up to the score)
        return TSQUERY, [query]

    def term(self, term: Term, scored: bool, words: bool = True) -> Condition:
        """A term occurs: its words (unless already required), its verbatim text, its prefix."""
        found = super().term(replace(term, prefix=None), scored, words)
        if term.prefix is None:
            return found
        (tokens,) = content_words([term.prefix])  # "u.s*": the index's words hold no dot
        prefixed = both([(TSQUERY, [f"'{WORD_PREFIX}{token}':*"]) for token in tokens] or [("FALSE", [])])
        return both([part for part in (found, prefixed) if part[0]])

    def join(self, page: StatementQuery | None = None) -> tuple[str, list[Any], bool]:
        """The JOIN onto `a`, its parameters, and whether its score ranks the results.

        With `page` (a query whose filters are all on the attribution itself, and a limit), only the matches
        that score at least as well as its last statement are joined onward: ranking 30,000 matches takes
        PostgreSQL 50 ms, joining them all to their documents (for the order's dates) four times that. Ties
        with the last are kept, so the order and the page are exactly the unpruned query's.
        """
        # (normalisation 1: a match in a long statement counts for less, as BM25's length does)
        score = " + ".join("ts_rank(terms, ?::tsquery, 1)" for _ in self.scored) or "NULL::DOUBLE PRECISION"
        where, params = both(self.conditions)
        # (x: the row as SearchSQL's conditions name it; a: as the filters name it)
        scored = (f"SELECT a.attribution_id, {score} AS score FROM attributions a "
                  f"CROSS JOIN LATERAL (SELECT a.content_text) x(content_text) WHERE {where or 'TRUE'}")
        params = [*self.scored, *params]
        if page is None or page.limit is None or page.limit < 1 or not self.scored:
            return f"JOIN ({scored}) hits ON hits.attribution_id = a.attribution_id", params, bool(self.scored)
        filters, values = statement_filters(page)
        scored += "".join(f" AND {condition}" for condition in filters)
        sql = (f"JOIN (WITH scored AS ({scored}) SELECT attribution_id, score FROM scored WHERE score >= coalesce("
               "(SELECT score FROM scored ORDER BY score DESC OFFSET ? LIMIT 1), '-infinity')) hits "
               "ON hits.attribution_id = a.attribution_id")
        return sql, [*params, *values, page.limit + page.offset - 1], True


# -- the ledger -----------------------------------------------------------------------------------------

class PostgresLedger(Ledger):
    """A ledger in a PostgreSQL database, named by a `postgresql://` URL (libpq's: host, port, user, dbname)."""

    PROPER_NAME = "name ~ '(^|[^[:alpha:]])[[:upper:]]'"
    MOST_FREQUENT = "mode() WITHIN GROUP (ORDER BY {})"
    STORED_ORDER = "d.stored"
    MONTH = "to_char({}, 'YYYY-MM')"
    TABLE_NAMES = schema.SHARED_TABLE_NAMES  # its own full-text index, not DuckDB's postings tables
    MIGRATIONS = {**schema.MIGRATIONS, 3: add_published_date}
    CONCURRENT_WRITERS = True  # a sharded ingest's workers write their shards themselves, side by side
    GENDER_TALLIES_IN_SQL = False  # it always unifies in full (refresh), and has no DuckDB from_json: in Python

    def __init__(self, url: str, read_only: bool = False, migrate: bool = False) -> None:
        psycopg = import_psycopg()
        self.url = url
        self.path = redacted(url)  # what messages name it by (the DuckDB ledger's file path)
        self.read_only = read_only
        self.connection = Connection(self._connect(), self._connect)
        try:
            if not self._table_names():
                if read_only:
                    raise LedgerError(f"no ledger at {self.path} (create one with: onrecord ingest PATH "
                                      f"--db {self.path})")
                self._create()
            self._check_schema(migrate)
        except psycopg.Error as error:
            self.connection.close()
            raise LedgerError(f"cannot open the ledger at {self.path}: {first_line(error)}") from None
        except BaseException:
            self.connection.close()
            raise

    def _connect(self) -> Any:
        """A new psycopg connection to the ledger's database (read-only sessions for a ledger opened read-only)."""
        psycopg = import_psycopg()
        try:
            raw = psycopg.connect(self.url, autocommit=True, connect_timeout=10, application_name="onrecord")
        except psycopg.Error as error:
            raise LedgerError(f"cannot connect to the ledger at {self.path}: {first_line(error)}") from None
        # strings as text, not "unknown": DuckDB's SQL passes lists of them (`unnest(?)`), typed by their values
        raw.adapters.register_dumper(str, psycopg.types.string.StrDumper)
        raw.execute("SET jit = off")  # compiling costs more than these short queries take to run
        if self.read_only:
            raw.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        return raw

    def _create(self) -> None:
        """Create the tables of the current schema in an empty database (once, when two processes try at once)."""
        with self._transaction() as con:
            con.execute("SELECT pg_advisory_xact_lock(?)", [CREATE_LOCK])
            if self._table_names():  # the other one did
                return
            con.execute(pg_tables())
            con.execute("INSERT INTO meta VALUES ('application', ?), ('schema_version', ?), (?, '0'), (?, '0')",
                        [schema.APPLICATION, str(schema.SCHEMA_VERSION), STALE_SPEAKERS, STALE_SEARCH])
            try:
                with con.raw.transaction():  # a savepoint: its failure leaves the tables created
                    con.execute(TRIGRAMS)
            except import_psycopg().Error:
                pass  # no pg_trgm here, or no right to create it

    def _table_names(self) -> set[str]:
        return {name for (name,) in self.connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}

    # -- writing ------------------------------------------------------------------------------------

    def write_rows(self, documents: Sequence[dict[str, Any]], attributions: Sequence[dict[str, Any]]) -> int:
        """Store documents-table rows and their attributions-table rows (with their index terms) in one
        transaction, replacing stored documents with the same id. Several processes may write at once."""
        psycopg = import_psycopg()
        if not documents:
            return 0
        document_columns = DOCUMENT_SCHEMA().names
        attribution_columns = ATTRIBUTION_SCHEMA().names
        terms = content_terms([row["content_text"] for row in attributions])
        doc_ids = [row["doc_id"] for row in documents]
        published = {row["doc_id"]: row["published_date"] for row in documents}  # copied onto each attribution
        try:
            with self._transaction() as con:
                con.execute("DELETE FROM attributions WHERE doc_id = ANY(?)", [doc_ids])
                con.execute("DELETE FROM documents WHERE doc_id = ANY(?)", [doc_ids])
                cursor = con.raw.cursor()
                with cursor.copy(f"COPY documents ({', '.join(document_columns)}) FROM STDIN") as rows:
                    for row in documents:
                        rows.write_row([row[c] for c in document_columns])
                with cursor.copy(f"COPY attributions ({', '.join(attribution_columns)}, terms, published_date) "
                                 "FROM STDIN") as rows:
                    for row, text in zip(attributions, terms):
                        rows.write_row([*(row[c] for c in attribution_columns), text, published.get(row["doc_id"])])
                # (an UPDATE that finds the flag set locks nothing: concurrent writers don't queue on it)
                con.execute("UPDATE meta SET value = '1' WHERE key = ? AND value IS DISTINCT FROM '1'",
                            [STALE_SPEAKERS])
        except (psycopg.DataError, UnicodeError, KeyError, TypeError) as error:  # a NUL in a text, a bad value
            raise RowsError(f"{type(error).__name__}: {first_line(error)}") from error
        return len(attributions)

    def refresh(self, force: bool = False) -> None:
        """Re-unify the speakers (when stale): the index needs nothing, write_rows keeps it. Writers wait while
        it runs, so the speakers it writes are those of every committed attribution."""
        if not force and not self.is_stale():
            return
        with self._transaction() as con:
            con.execute("LOCK TABLE attributions IN SHARE MODE")
            speakers, mapping = self._unify()
            self._write_speakers(speakers, mapping)
            self._set_meta(STALE_SPEAKERS, "0")
            self._set_meta(STALE_SEARCH, "0")

    def _write_speakers(self, speakers: list[UnifiedSpeaker], mapping: dict[str, str]) -> None:
        con = self.connection
        con.execute("DELETE FROM speakers")
        con.execute("DELETE FROM speaker_mentions")
        cursor = con.raw.cursor()
        with cursor.copy("COPY speakers (speaker_id, name, type, names, roles, affiliations, statements, gender, "
                         "gender_conflicts, gender_evidence) FROM STDIN") as rows:
            for s in speakers:
                rows.write_row([s.speaker_id, s.name, s.type, list(s.names), list(s.roles), list(s.affiliations),
                                s.statements, s.gender, s.gender_conflicts, speaker_gender_json(s)])
        with cursor.copy("COPY speaker_mentions (mention_key, speaker_id) FROM STDIN") as rows:
            for key, speaker_id in mapping.items():
                rows.write_row([key, speaker_id])

    # -- reading ------------------------------------------------------------------------------------

    def search(self, query: StatementQuery | None = None) -> list[Statement]:
        """Statements matching a query, best match first, or newest first: one query, its page cut by TermsSQL."""
        query = query or StatementQuery()
        sql, params = self._statement_sql(query)
        return [Statement(*row) for row in self.connection.execute(sql, params).fetchall()]

    def _statement_sql(self, query: StatementQuery, export: bool = False, page: bool = False) -> tuple[str, list[Any]]:
        try:
            search = parse_search(query.text or "")
        except SearchSyntaxError as error:
            raise LedgerError(f"search {query.text!r}: {error}") from None
        # (filters on the document or the speaker leave the page to the outer query: see TermsSQL.join)
        own = not (query.speaker or query.speaker_id or query.outlet or query.since or query.until or query.gender)
        joins, params, ranked = TermsSQL(search).join(query if own else None) if search.clauses else ("", [], False)
        return statement_select(query, joins, params, ranked, export, no_score="NULL::DOUBLE PRECISION",
                                speaker_condition=SPEAKER_CONDITION, page=page)

    def stems(self, words: Iterable[str]) -> dict[str, str]:
        words = sorted(set(words))
        return dict(zip(words, stem_words(words)))

    def export(self, out: Any, output_format: str, query: StatementQuery | None = None) -> int:
        """Write the statements matching `query` (all when None) to `out` as parquet, csv or jsonl, in the very
        format of the DuckDB ledger's export (DuckDB writes it); returns rows."""
        import pyarrow as pa

        if output_format not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {output_format!r}")
        sql, params = self._statement_sql(query or StatementQuery(limit=None), export=True)
        cursor = self.connection.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
        table = pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})  # noqa: F841
        with duckdb.connect() as local:
            local.register("export_rows", table)
            copy_rows(local, "export_rows", out, output_format)
        return len(rows)

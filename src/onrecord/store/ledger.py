"""The ledger: documents and their attributions in one DuckDB file, speakers unified across them.

One writer, many readers (as in datasette): `Ledger(path)` opens for writing and creates the file when
missing; `Ledger(path, read_only=True)` is what search, export and profile use. Documents are written
in transactions of a batch each (`write_documents`), so a run killed at any moment leaves whole
batches or nothing. The full-text index (store/index.py's postings) is written in the same transactions,
so it is never stale; the unified speakers are derived by `refresh()` in one more transaction — only for
the blocks of mentions that changed — and flagged stale in `meta` until then.
"""
from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from onrecord.document import GENDER_EVIDENCE_KINDS, GENDERS, KINDS, Document, Speaker
from onrecord.resolve.gender import IN_TEXT_KINDS
from onrecord.serialize import document_from_dict, gender_evidence_from_dict
import onrecord.store.schema as schema
from onrecord.store.columns import Selection, StatementColumns, page_query
from onrecord.store.index import STEMMER, TermIndex, add_postings, compact, prune, rebuild, remove_postings
from onrecord.store.facets import FACETS, FACETS_SQL, facet_keys, rank_facets
from onrecord.store.query import (
    FROM, GENDER_SQL, PERSON_SQL, SearchSyntaxError, Statement, StatementQuery, like_pattern, outlet_condition,
    page_rows_sql, statement_sql,
)
from onrecord.store.rows import ATTRIBUTION_COLUMNS, ATTRIBUTION_SCHEMA, DOCUMENT_SCHEMA, attribution_dict, mention_key
from onrecord.store.unify import (
    CLEAR_GENDER, GENDER_EXAMPLES, UNIFIED_TYPES, Correction, GenderTally, MentionGender, ResolvedSpeaker,
    UnifiedSpeaker, block_of, correction_blocks, example_order, find_speaker, mention_of_key, reunify, tally_genders,
    unify,
)

STALE_SPEAKERS = "speakers_stale"  # meta keys: set with every write, cleared by refresh()
STALE_SEARCH = "search_stale"  # "1": search without the index (ILIKE, unranked); no write sets it any more
KNOWN_STEMS: dict[str, str] = {}  # words → their stems (Ledger.stems), as DuckDB's stemmer gave them
MAX_KNOWN_STEMS = 200_000
FEW_FACETS = 1_000  # matches up to this many are counted from their rows read by id, not by a scan (facets)
PAGE_FILTER_VALUES = 256  # ids a semi-join hands to the table scan as a filter (above MAX_LIMIT, a page's most)
INDEX_SCAN_ROWS = 10_000  # ids a lookup reads through a key index rather than by a scan (see Ledger.__init__)
DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file
# attributions.speaker_gender_evidence's pieces as DuckDB's from_json reads them (the score is not tallied)
EVIDENCE_JSON = '[{"kind": "VARCHAR", "value": "VARCHAR", "text": "VARCHAR", "start": "BIGINT", "end": "BIGINT"}]'


CORRUPT_ADVICE = "restore a backup, or ingest again into a new ledger file (--db NEW.duckdb)"


class LedgerError(Exception):
    """A ledger that can't be used as asked, with a one-line reason that says what to do."""


class RowsError(ValueError):
    """Rows `write_rows` can't convert for DuckDB (a value Arrow can't encode); nothing of them was written."""


@dataclass
class Outlet:
    """An outlet of the ledger: its name (outlets differing only in case are one), documents, attributions."""

    name: str
    documents: int
    attributions: int

    def to_dict(self) -> dict[str, Any]:
        """The outlet as a JSON-ready dict."""
        return {"outlet": self.name, "documents": self.documents, "attributions": self.attributions}


@dataclass
class SourcingFigures:
    """Who a document or outlet quotes: shares of source types and of speech kinds."""

    scope: str  # "document X" or "outlet X"
    documents: int
    attributions: int
    source_types: dict[str, int] = field(default_factory=dict)  # named/anonymous/organisational/media/other
    kinds: dict[str, int] = field(default_factory=dict)  # direct/mixed/indirect
    distinct_speakers: int = 0
    genders: "GenderFigures | None" = None  # the persons quoted, by gender

    def share(self, counts: dict[str, int], key: str) -> float:
        """`counts[key]` as a share of all attributions (0 when there are none)."""
        return counts.get(key, 0) / self.attributions if self.attributions else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The figures with counts and shares, JSON-ready: every source type and kind, 0 included (as the table)."""
        return {
            "scope": self.scope, "documents": self.documents, "attributions": self.attributions,
            "distinct_speakers": self.distinct_speakers,
            "source_types": {k: {"count": self.source_types.get(k, 0), "share": round(self.share(self.source_types, k), 4)}
                             for k in SOURCE_LABELS},
            "kinds": {k: {"count": self.kinds.get(k, 0), "share": round(self.share(self.kinds, k), 4)} for k in KINDS},
            "genders": self.genders.to_dict() if self.genders else None,
        }


def gender_shares(counts: dict[str, int]) -> dict[str, dict[str, float | int]]:
    """Every gender's count and share of the total (0 when there is none), JSON-ready, in GENDERS' order."""
    total = sum(counts.values())
    return {g: {"count": counts.get(g, 0), "share": round(counts.get(g, 0) / total, 4) if total else 0.0}
            for g in GENDERS}


@dataclass
class GenderMonth:
    """The persons quoted in one month's documents, by gender: statements and distinct people."""

    month: str  # YYYY-MM of the documents' publication date
    statements: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "statements": gender_shares(self.statements), "people": gender_shares(self.people),
                "total_statements": sum(self.statements.values()), "total_people": sum(self.people.values())}


@dataclass
class GenderFigures:
    """Who gets a voice: the persons quoted (only persons: never organisations, media, documents or anonymous
    sources), by gender — their statements, the distinct people, and both per month of publication."""

    statements: dict[str, int] = field(default_factory=dict)  # gender → statements by persons of that gender
    people: dict[str, int] = field(default_factory=dict)  # gender → distinct (unified) people
    months: list[GenderMonth] = field(default_factory=list)  # oldest first; undated documents left out

    @property
    def total_statements(self) -> int:
        return sum(self.statements.values())

    @property
    def total_people(self) -> int:
        return sum(self.people.values())

    def to_dict(self) -> dict[str, Any]:
        """Counts and shares of every gender (0 included), overall and per month."""
        return {"total_statements": self.total_statements, "total_people": self.total_people,
                "statements": gender_shares(self.statements), "people": gender_shares(self.people),
                "months": [m.to_dict() for m in self.months]}


@dataclass
class DocumentSummary:
    """One stored document as a list of documents shows it."""

    doc_id: str
    title: str | None
    outlet: str | None
    published: str | None  # as found in the input
    published_date: date | None  # its date, when it parses
    url: str | None
    statements: int  # its attributions

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict (the date as YYYY-MM-DD)."""
        published_date = self.published_date.isoformat() if self.published_date else None
        return {**self.__dict__, "published_date": published_date}


SOURCE_TYPE_GROUPS = {"person": "named", "anonymous": "anonymous", "organization": "organisational",
                        "media": "media"}  # everything else (document, unknown, none) is "other"
SOURCE_LABELS = (*SOURCE_TYPE_GROUPS.values(), "other")  # the source types of sourcing figures, in their order


def fts_extension() -> str:
    """The path of DuckDB's FTS extension, shipped by the PyPI package duckdb-extension-fts."""
    try:
        import duckdb_extension_fts
    except ImportError as error:  # the package is a dependency; this only happens in a broken install
        raise LedgerError("the full-text search extension is missing: pip install duckdb-extension-fts") from error
    folder = Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    path = folder / "fts.duckdb_extension"
    if not path.is_file():
        raise LedgerError(f"no FTS extension for duckdb {duckdb.__version__} in {folder.parent} "
                          "(duckdb and duckdb-extension-fts versions must match)")
    return str(path)


def check_database_file(path: Path) -> None:
    """Refuse, before DuckDB opens it, a file that is not a DuckDB database (so it is never written to)."""
    if not path.exists():
        return
    if path.is_dir():
        raise LedgerError(f"{path} is a folder, not a ledger file")
    with open(path, "rb") as handle:
        header = handle.read(12)
    if len(header) and header[8:12] != DUCKDB_MAGIC:
        raise LedgerError(f"{path} is not a DuckDB database file; refusing to open it as a ledger")


def is_empty_database(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether a database holds no table at all."""
    return connection.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0


def is_damage(error: Exception) -> bool:
    """Whether DuckDB's error says the database file is damaged, or DuckDB can't go on with it."""
    text = str(error).lower()
    return "corrupt" in text or "checksum" in text or isinstance(error, duckdb.FatalException)


LOCK_HOLDER = re.compile(r"lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")  # in DuckDB's "Could not set lock"


def process_name(pid: int, exe: str, width: int | None = 200) -> str:
    """The command line of process `pid` as its user typed it (`onrecord serve --db x`, cut at `width`), else `exe`."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:  # gone, another user's, or no /proc (macOS): DuckDB's executable path is what is known
        return exe
    argv = [arg for arg in argv if arg]
    if "-m" in argv[:-1] and argv[argv.index("-m") + 1].startswith("onrecord"):  # python -m onrecord.cli ...
        argv = ["onrecord", *argv[argv.index("-m") + 2:]]
    elif argv:
        argv[0] = Path(argv[0]).name
    line = " ".join(argv) or exe
    return line if width is None or len(line) <= width else line[:width - 1] + "…"


def lock_error(path: Path, message: str, read_only: bool) -> LedgerError:
    """The LedgerError for a ledger another process holds: which process, and what to do."""
    match = LOCK_HOLDER.search(message)
    holder = f"{process_name(int(match['pid']), match['exe'])} (pid {match['pid']})" if match else "another process"
    kill = f"kill {match['pid']}" if match else "kill it"
    serving = holder.startswith("onrecord serve ")  # the web UI: ingest through it rather than stop it
    watched = re.search(r" --watch[ =](\S+)", process_name(int(match["pid"]), "", None)) if serving else None
    if watched and not read_only:
        return LedgerError(f"{path} is in use by {holder}, which ingests the files dropped in {watched[1]}: put them "
                           "there instead (its /watch page says what it did with them)")
    if watched:
        return LedgerError(f"{path} is in use by {holder}, which writes to it while it serves: search it through that "
                           f"server (/search, /search.json), or stop it (Ctrl-C where it runs, or {kill})")
    if serving and not read_only:
        return LedgerError(f"{path} is in use by {holder}: to ingest while it serves, start it with --watch DIR "
                           f"and drop the files in DIR; or stop it (Ctrl-C where it runs, or {kill}), run this, "
                           "and start it again")
    # (" is in use by " is what the web UI recognises such an error by; see serve.guard.ledger_error_message)
    if read_only:  # readers share a ledger: the holder is writing to it
        return LedgerError(f"{path} is in use by {holder}, which is writing to it: wait for it to finish, "
                           f"or stop it ({kill})")
    return LedgerError(f"{path} is in use by {holder}; DuckDB lets one process write a ledger, or several read it: "
                       f"stop that one (Ctrl-C where it runs, or {kill}) and run this again; commands that only "
                       "read (search, speakers, outlets, export, sourcing) work beside a reader such as onrecord serve")


def database_error(path: Path, error: Exception, opening: bool = True, read_only: bool = False) -> LedgerError:
    """A one-line LedgerError, saying what to do, for what DuckDB raised while opening `path` (or using it)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
    message = lines[0]
    if "corrupt" in str(error).lower() or "checksum" in str(error).lower():
        # a FATAL error's first line is "Failed to rollback transaction"; the line that says why comes after it
        detail = next(line for line in lines if "corrupt" in line.lower() or "checksum" in line.lower())
        return LedgerError(f"{path} is corrupt ({detail.removeprefix('Original Error: ')}): {CORRUPT_ADVICE}")
    if isinstance(error, duckdb.FatalException):
        detail = next((line for line in lines if line.startswith("Original Error:")), message)
        return LedgerError(f"DuckDB can't go on with {path} ({detail.removeprefix('Original Error: ')}): run the "
                           f"command again; if it fails the same way, the ledger is corrupt: {CORRUPT_ADVICE}")
    if re.search(r"\block\b", message.lower()):  # "Could not set lock", not "block" in a checksum message
        return lock_error(path, message, read_only)
    if isinstance(error, PermissionError) or "permission denied" in message.lower() or "read-only" in message.lower():
        return LedgerError(f"cannot write the ledger at {path}: permission denied (choose a writable --db path)")
    return LedgerError(f"cannot open the ledger at {path}: {message}" if opening else f"{path}: {message}")


def first_line(error: BaseException) -> str:
    """An error's message on one line (its type's name when it has none)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def speaker_gender_json(speaker: UnifiedSpeaker) -> str | None:
    """A unified person's gender evidence summary as the speakers table stores it (None for other types)."""
    return json.dumps(speaker.gender_evidence, ensure_ascii=False) if speaker.gender else None


def guarded(method):  # type: ignore[no-untyped-def]
    """A Ledger method whose DuckDB errors that mean a damaged file become one LedgerError saying what to do."""

    @functools.wraps(method)
    def wrapper(self: "Ledger", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except duckdb.Error as error:
            if is_damage(error):
                raise database_error(self.path, error, opening=False) from None
            raise

    return wrapper


class Ledger:
    """A corpus of documents and their attributions in a DuckDB file (the Python API the CLI uses)."""

    # What the SQL of another database (store/postgres.py) says differently; everything else is shared.
    PROPER_NAME = "regexp_matches(name, '(^|[^\\pL])\\p{Lu}')"  # a capitalised word in a speaker's name
    MOST_FREQUENT = "mode({})"  # an aggregate: the most frequent value of a column
    STORED_ORDER = "d.rowid"  # documents in the order they were stored
    MONTH = "strftime({}, '%Y-%m')"  # a date's month as "2016-09"
    TABLE_NAMES = schema.TABLE_NAMES  # what a ledger of the current version holds
    MIGRATIONS = schema.MIGRATIONS  # from_version → the step to the next
    CONCURRENT_WRITERS = False  # DuckDB: one writing process; a sharded ingest merges its shards through it
    GENDER_TALLIES_IN_SQL = True  # persons' gender evidence summed in SQL (DuckDB's from_json): _gender_tallies
    few_facets = FEW_FACETS  # matches `facets` reads by id (more: by a scan of the table)
    columns: StatementColumns | None = None  # the server's in-memory columns of this generation (store/columns.py)
    _selected: tuple[StatementQuery, Selection | None] | None = None  # this cursor's last selection

    def __init__(self, path: str | Path, read_only: bool = False, migrate: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        check_database_file(self.path)
        exists = self.path.exists() and self.path.stat().st_size > 0
        if not exists:
            if read_only:
                raise LedgerError(f"no ledger at {self.path} (create one with: onrecord ingest PATH --db {self.path})")
            parent = self.path.parent if str(self.path.parent) else Path(".")
            if not parent.is_dir():
                raise LedgerError(f"cannot create the ledger at {self.path}: folder {parent} does not exist")
            if not os.access(parent, os.W_OK):
                raise LedgerError(f"cannot create the ledger at {self.path}: folder {parent} is not writable")
        try:
            self.connection = duckdb.connect(str(self.path), read_only=read_only)
        except (duckdb.Error, OSError) as error:
            raise database_error(self.path, error, read_only=read_only) from None
        try:
            self.connection.execute(f"LOAD '{fts_extension()}'")
            self.connection.execute("SET enable_progress_bar = false")  # DuckDB's own bar would cut into ours
            # a search reads a short list of statements (a page, a phrase's candidates) through the attributions'
            # key index; by default DuckDB scans the table instead beyond 2,048 of 0.1 % of its rows
            self.connection.execute(f"SET index_scan_max_count = {INDEX_SCAN_ROWS}")
            self.connection.execute("SET index_scan_percentage = 1.0")
            # a page's rows are read by a semi-join on its ids; DuckDB turns a join's build side into a filter on the
            # scan only up to this many values (50 by default: a page of 60 statements cost 100 ms, not 10)
            self.connection.execute(f"SET dynamic_or_filter_threshold = {PAGE_FILTER_VALUES}")
            if not exists or (not read_only and is_empty_database(self.connection)):
                # a database without a single table is a ledger whose creation was cut short (killed between
                # creating the file and committing the schema): create it now rather than refuse it
                schema.create(self.connection)
            self._check_schema(migrate)
        except duckdb.Error as error:  # a damaged file often fails here, reading the catalog or meta
            self.connection.close()
            raise database_error(self.path, error) from None
        except BaseException:
            self.connection.close()
            raise

    # -- opening and closing ------------------------------------------------------------------------

    def _check_schema(self, migrate: bool) -> None:
        """Check that this is an onrecord ledger of the current schema; migrate an older one when asked."""
        tables = self._table_names()
        # (an error reading meta, such as a failed checksum, is the caller's to report: not "no meta")
        rows = dict(self.connection.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
        if rows.get("application") != schema.APPLICATION and not {"documents", "attributions"} <= tables:
            raise LedgerError(f"{self.path} is a DuckDB database but not an onrecord ledger")
        try:
            version: int | None = int(rows.get("schema_version", ""))
        except ValueError:
            version = None
        # the tables of the ledger's version (of every version, while it can't be read) must all be there
        missing = [name for name in self.TABLE_NAMES
                   if name not in tables and schema.TABLES_SINCE.get(name, 1) <= (version or 1)]
        if missing:
            raise LedgerError(f"{self.path} is corrupt (table {', '.join(missing)} missing): {CORRUPT_ADVICE}")
        if version is None:
            raise LedgerError(f"{self.path} has no readable schema version")
        if version > schema.SCHEMA_VERSION:
            raise LedgerError(f"{self.path} has schema version {version}, newer than this onrecord's "
                              f"({schema.SCHEMA_VERSION}); upgrade onrecord to use it")
        if version < schema.SCHEMA_VERSION:
            if not migrate:
                raise LedgerError(f"{self.path} has schema version {version}, older than this onrecord's "
                                  f"({schema.SCHEMA_VERSION}); back it up, then run: onrecord migrate --db {self.path}")
            if self.read_only:
                raise LedgerError("a ledger opened read-only can't be migrated")
            try:
                schema.migrate(self.connection, version, self.MIGRATIONS)
            except LookupError as error:
                raise LedgerError(f"{self.path}: {error}") from None
        self.schema_version = schema.SCHEMA_VERSION

    def _table_names(self) -> set[str]:
        """The names of the tables in the ledger's database."""
        return {name for (name,) in self.connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'").fetchall()}

    def close(self) -> None:
        """Close the database connection."""
        self.connection.close()

    def cursor(self) -> "Ledger":
        """This ledger on a cursor of its own: one per thread, as a DuckDB connection isn't shared across threads.

        Closing the returned ledger closes only its cursor; it sees the same database, extension and data.
        """
        view = copy.copy(self)
        view.connection = self.connection.cursor()
        view._selected = None
        return view

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: committed when the block ends, rolled back (and re-raised) when it fails."""
        self.connection.execute("BEGIN")
        try:
            yield self.connection
        except BaseException:
            try:
                self.connection.execute("ROLLBACK")
            except duckdb.Error:  # a damaged file can fail the rollback too; the first error says why
                pass
            raise
        self.connection.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.connection.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                [key, value])

    # -- writing ------------------------------------------------------------------------------------

    @guarded
    def document_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id → (text hash, pipeline version) of every stored document: what ingest may skip."""
        rows = self.connection.execute("SELECT doc_id, text_hash, pipeline FROM documents").fetchall()
        return {doc_id: (digest, pipeline) for doc_id, digest, pipeline in rows}

    @guarded
    def write_rows(self, documents: Sequence[dict[str, Any]], attributions: Sequence[dict[str, Any]]) -> int:
        """Store documents-table rows and their attributions-table rows in one transaction, replacing stored
        documents with the same id (`document_row`, `attribution_rows` build them).

        Returns the number of attributions written. Their postings are written in the same transaction;
        speakers are flagged stale, and `refresh()` re-unifies them.
        """
        import pyarrow as pa

        if not documents:
            return 0
        # Both tables are read by name in the SQL below.
        try:
            document_table = pa.Table.from_pylist(list(documents), schema=DOCUMENT_SCHEMA())  # noqa: F841
            attribution_table = pa.Table.from_pylist(list(attributions), schema=ATTRIBUTION_SCHEMA())  # noqa: F841
        except (UnicodeError, pa.ArrowException, TypeError, ValueError, OverflowError) as error:
            raise RowsError(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}") from error
        doc_ids = [row["doc_id"] for row in documents]
        with self._transaction() as con:
            gone = "SELECT attribution_id FROM attributions WHERE doc_id IN (SELECT unnest(?))"
            remove_postings(con, gone, [doc_ids])  # a document stored again: its old statements leave the index
            # the mentions whose statement counts change: refresh() re-unifies their blocks
            con.execute("INSERT INTO speaker_pending SELECT DISTINCT mention_key FROM attributions "
                        "WHERE doc_id IN (SELECT unnest(?)) AND speaker_type IN (SELECT unnest(?)) "
                        "AND speaker_name IS NOT NULL", [doc_ids, list(UNIFIED_TYPES)])
            con.execute("DELETE FROM attributions WHERE doc_id IN (SELECT unnest(?))", [doc_ids])
            con.execute("DELETE FROM documents WHERE doc_id IN (SELECT unnest(?))", [doc_ids])
            con.execute("INSERT INTO documents BY NAME SELECT * FROM document_table")
            if attributions:
                con.execute("INSERT INTO attributions BY NAME SELECT a.*, d.published_date FROM attribution_table a "
                            "JOIN document_table d USING (doc_id)")
                con.register("written_attributions", attribution_table)  # a name the index's SQL can read
                try:
                    add_postings(con, "written_attributions")
                finally:
                    con.unregister("written_attributions")
                con.execute("INSERT INTO speaker_pending SELECT DISTINCT mention_key FROM attribution_table "
                            "WHERE speaker_type IN (SELECT unnest(?)) AND speaker_name IS NOT NULL",
                            [list(UNIFIED_TYPES)])
            self._set_meta(STALE_SPEAKERS, "1")
        return len(attributions)

    @guarded
    def is_stale(self) -> bool:
        """Whether speakers or the search index lag behind the stored attributions."""
        if self.columns is not None:  # read with them, for their generation
            return self.columns.stale
        return self._meta(STALE_SPEAKERS) == "1" or self._meta(STALE_SEARCH) == "1"

    @guarded
    def refresh(self, force: bool = False) -> None:
        """Re-unify the speakers of the mentions written since the last refresh (when stale); `force` (or an
        index flagged stale): rebuild the speakers and the full-text index whole, from the stored attributions."""
        if not force and not self.is_stale():
            return
        force = force or self._meta(STALE_SEARCH) == "1"  # an index flagged stale is rebuilt whole
        if force or not self._unify_in_blocks():
            speakers, mapping = self._unify()
            with self._transaction() as con:
                self._write_speakers(speakers, mapping)
                if force:
                    rebuild(con)
                else:
                    prune(con)
                    compact(con)
                self._set_meta(STALE_SPEAKERS, "0")
                self._set_meta(STALE_SEARCH, "0")

    def _unify_in_blocks(self) -> bool:
        """Re-unify only the blocks (unify.block_of) of the mentions whose statements changed since the last
        unification, and those the user's corrections name (they join and split across blocks, and are
        replayed), keeping every other speaker; False (nothing done) where only a full unification is right:
        a ledger migrated from version 2 has no blocks yet, and a correction may name a speaker by id."""
        con = self.connection
        if con.execute("SELECT count(*) FROM speaker_mentions WHERE block IS NULL").fetchone()[0]:
            return False
        corrections = self.corrections()
        pending = [key for (key,) in con.execute("SELECT DISTINCT mention_key FROM speaker_pending").fetchall()]
        blocks = sorted({block for key in pending if (block := block_of(mention_of_key(key))) is not None}
                        | correction_blocks(corrections))
        stored = con.execute("SELECT mention_key FROM speaker_mentions WHERE block IN (SELECT unnest(?))",
                             [blocks]).fetchall()
        keys = sorted({key for (key,) in stored} | set(pending))
        rows = con.execute(
            "SELECT mention_key, count(*) FROM attributions WHERE mention_key IN (SELECT unnest(?)) "
            "AND speaker_name IS NOT NULL AND speaker_type IN (SELECT unnest(?)) GROUP BY mention_key",
            [keys, list(UNIFIED_TYPES)]).fetchall()
        changed = {mention_of_key(key): count for key, count in rows}
        kept_rows = con.execute(
            f"SELECT {SPEAKER_COLUMNS}, list(m.mention_key), "
            "any_value(m.block) FROM speakers s JOIN speaker_mentions m USING (speaker_id) "
            "WHERE m.block NOT IN (SELECT unnest(?)) GROUP BY ALL", [blocks]).fetchall()
        width = len(UnifiedSpeaker.__dataclass_fields__)  # the SPEAKER_COLUMNS, then the mentions and their block
        kept = [(unified_speaker(row[:width]), [mention_of_key(key) for key in row[width]]) for row in kept_rows]
        known = {key: row[width + 1] for row in kept_rows for key in row[width]}  # a kept speaker's mentions share its block
        unified = reunify(changed, kept, corrections, self._gender_tallies)
        if unified is None:
            return False
        speakers, assigned, renamed = unified
        mapping = {key_of_mention(m): speaker_id
                   for m, speaker_id in assigned.items()}
        for row in kept_rows:  # (their keys as stored)
            for key in row[width]:
                mapping[key] = renamed[row[0]]
        with self._transaction() as con:
            self._write_speakers(speakers, mapping, known)
            prune(con)
            compact(con)
            self._set_meta(STALE_SPEAKERS, "0")
        return True

    def _unify(self) -> tuple[list[UnifiedSpeaker], dict[str, str]]:
        """Unify every stored mention (with the user's corrections); returns speakers and mention_key → id."""
        rows = self.connection.execute(
            "SELECT speaker_name, speaker_type, speaker_role, speaker_affiliation, count(*) FROM attributions "
            "WHERE speaker_name IS NOT NULL AND speaker_type IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1, 2, 3, 4",
            [list(UNIFIED_TYPES)],
        ).fetchall()
        mentions = {ResolvedSpeaker(name, kind, role, affiliation): count for name, kind, role, affiliation, count in rows}
        speakers, assigned = unify(mentions, self.corrections(), self._gender_tallies)
        mapping = {key_of_mention(m): speaker_id
                   for m, speaker_id in assigned.items()}
        return speakers, mapping

    def _mention_genders(self) -> dict[ResolvedSpeaker, list[MentionGender]]:
        """Each person mention's gender in each document that decided one (one row per document and mention)."""
        rows = self.connection.execute(
            "SELECT DISTINCT speaker_name, speaker_role, speaker_affiliation, doc_id, speaker_gender, "
            "speaker_gender_evidence FROM attributions WHERE speaker_type = 'person' AND speaker_name IS NOT NULL "
            "AND speaker_gender IS NOT NULL").fetchall()
        genders: dict[ResolvedSpeaker, list[MentionGender]] = {}
        for name, role, affiliation, doc_id, gender, evidence in rows:
            pieces = tuple(gender_evidence_from_dict(e) for e in json.loads(evidence or "[]"))
            genders.setdefault(ResolvedSpeaker(name, "person", role, affiliation), []).append(
                MentionGender(doc_id, gender, pieces))
        return genders

    def _gender_tallies(self, persons: Sequence[Sequence[ResolvedSpeaker]]) -> list[GenderTally]:
        """Each person's gender tally (unify.GenderTally), the person given as its mentions, summed in SQL: what
        reaches Python is a few rows per person however many documents quote it.

        Why SQL and not per-speaker aggregates kept up to date: a tally does not add up over a person's mentions
        (a document's evidence pieces are counted once for all its mentions of the person, and its decision
        reads them all, so a document where "Park" is "he" and "Lena Park" is "she" decides nothing), and which
        mentions make a person changes with every re-clustering of a block. Measured on a 1M-statement ledger
        (bench/ledger.py step 5: 100 documents added, then refresh), whose touched blocks hold the most-quoted
        persons (thousands of documents each): parsing every document's evidence into objects and deciding in
        Python took 3.9 of the refresh's 4.4 s; tallied here, 0.4 to 0.6 s of a 0.7 to 1.2 s refresh (and a full
        unification's 2,016 persons 1.4 s, not 12 s). PostgreSQL has no DuckDB from_json and always unifies in
        full: it tallies the same way in Python (tally_genders), which the tests compare with this."""
        if not self.GENDER_TALLIES_IN_SQL:
            genders = self._mention_genders()  # every person's: PostgreSQL unifies in full
            return [tally_genders(g for m in group for g in genders.get(m, ())) for group in persons]
        keys, numbers = [], []
        for number, group in enumerate(persons):
            for m in group:
                if m.type == "person":
                    keys.append(key_of_mention(m))
                    numbers.append(number)
        tallies = [GenderTally() for _ in persons]
        if not keys:
            return tallies
        import pyarrow as pa

        con = self.connection
        con.register("gender_persons", pa.table({"mention_key": keys, "person": numbers}))  # noqa: F841 (joined)
        try:
            self._tally_in_sql(tallies)
        finally:
            con.execute("DROP TABLE IF EXISTS gender_pieces")
            con.unregister("gender_persons")
        return tallies

    def _tally_in_sql(self, tallies: list[GenderTally]) -> None:
        """Fill each person's tally (numbered as in the registered table gender_persons) from the attributions."""
        con = self.connection
        # every evidence piece of each person's distinct (document, gender, evidence) rows: the queries below read it
        con.execute(f"CREATE OR REPLACE TEMP TABLE gender_pieces AS SELECT person, doc_id, gender, unnest(from_json("
                    f"evidence, '{EVIDENCE_JSON}'), recursive := true) FROM (SELECT DISTINCT m.person, a.doc_id, "
                    "a.speaker_gender AS gender, a.speaker_gender_evidence AS evidence FROM attributions a "
                    "JOIN gender_persons m USING (mention_key) WHERE a.mention_key IN (SELECT mention_key FROM "
                    "gender_persons) AND a.speaker_type = 'person' AND a.speaker_name IS NOT NULL "
                    "AND a.speaker_gender IS NOT NULL)")
        # a document decides a gender by its strongest basis (in-text evidence, else a first name) for the
        # value its mentions give; two values on that basis split it (MentionGender.basis, tally_genders)
        documents = con.execute(
            "WITH bases AS (SELECT person, doc_id, gender, CASE WHEN bool_or(kind IN (SELECT unnest(?::VARCHAR[]))) "
            "  THEN 'in_text' ELSE 'first_name' END AS basis FROM gender_pieces WHERE value = gender "
            "  AND gender IN (SELECT unnest(?::VARCHAR[])) AND (kind IN (SELECT unnest(?::VARCHAR[])) "
            "  OR kind = 'first_name') GROUP BY ALL), "
            "chosen AS (SELECT *, max(basis) OVER (PARTITION BY person, doc_id) AS strongest FROM bases), "
            "decided AS (SELECT person, doc_id, basis, CASE WHEN count(*) = 1 THEN min(gender) END AS gender "
            "  FROM chosen WHERE basis = strongest GROUP BY ALL) "
            "SELECT person, basis, gender, count(*) FROM decided GROUP BY ALL",
            [list(IN_TEXT_KINDS), [g for g in GENDERS if g != "unknown"], list(IN_TEXT_KINDS)]).fetchall()
        for person, basis, gender, count in documents:
            if gender is None:
                tallies[person].split += count
            else:
                tallies[person].documents[(basis, gender)] += count
        # each (kind, value)'s distinct pieces, counted, with its first examples in example_order (the person's
        # first examples are among them): a top-n aggregate, no sort of every piece
        strength = "coalesce(list_position(?::VARCHAR[], kind) - 1, ?)"
        examples: dict[int, list[dict[str, Any]]] = {}
        for person, kind, value, count, firsts in con.execute(
                "SELECT person, kind, value, count(*), min_by({'doc_id': doc_id, 'kind': kind, 'value': value, "
                "'text': text, 'start': start, 'end': \"end\"}, "
                f"({strength}, doc_id, coalesce(start, -1), text, kind, value, coalesce(\"end\", -1)), ?) FROM "
                "(SELECT DISTINCT person, doc_id, kind, value, coalesce(text, '') AS text, start, \"end\" "
                "FROM gender_pieces) GROUP BY ALL",
                [list(GENDER_EVIDENCE_KINDS), len(GENDER_EVIDENCE_KINDS), GENDER_EXAMPLES]).fetchall():
            tallies[person].counts[(kind, value)] = count
            examples.setdefault(person, []).extend(firsts)
        for person, pieces in examples.items():
            tallies[person].examples = sorted(pieces, key=example_order)[:GENDER_EXAMPLES]

    def _write_speakers(self, speakers: list[UnifiedSpeaker], mapping: dict[str, str],
                        blocks: dict[str, str] | None = None) -> None:
        """Replace the speakers and speaker_mentions tables, each mention with its block (from `blocks` where
        known) inside the caller's transaction; no mention is pending any more."""
        import pyarrow as pa

        con = self.connection
        con.execute("DELETE FROM speakers")
        con.execute("DELETE FROM speaker_mentions")
        con.execute("DELETE FROM speaker_pending")
        if speakers:
            speaker_table = pa.Table.from_pylist([  # noqa: F841
                {"speaker_id": s.speaker_id, "name": s.name, "type": s.type, "names": list(s.names),
                 "roles": list(s.roles), "affiliations": list(s.affiliations), "statements": s.statements,
                 "gender": s.gender, "gender_conflicts": s.gender_conflicts,
                 "gender_evidence": speaker_gender_json(s)}
                for s in speakers], schema=SPEAKER_SCHEMA())
            con.execute("INSERT INTO speakers BY NAME SELECT * FROM speaker_table")
        if mapping:
            mention_table = pa.table({"mention_key": list(mapping), "speaker_id": list(mapping.values()),  # noqa: F841
                                      "block": [(blocks or {}).get(key) or block_of(mention_of_key(key))
                                                for key in mapping]})
            con.execute("INSERT INTO speaker_mentions BY NAME SELECT * FROM mention_table")

    # -- speakers -----------------------------------------------------------------------------------

    @guarded
    def corrections(self) -> list[Correction]:
        """The user's speaker corrections, in the order they were made."""
        rows = self.connection.execute("SELECT action, a, b FROM corrections ORDER BY seq").fetchall()
        return [Correction(action, a, b) for action, a, b in rows]

    @guarded
    def speakers(self, limit: int | None = None, name: str | None = None, speaker_type: str | None = None,
                 proper_names: bool = False, gender: str | None = None) -> list[UnifiedSpeaker]:
        """Unified speakers, most statements first; `name` filters on any name variant (substring);
        `proper_names` keeps only those whose name holds a capitalised word ("Reuters", not "the company")."""
        sql = f"SELECT {SPEAKER_COLUMNS} FROM speakers WHERE TRUE"
        params: list[Any] = []
        if proper_names:
            sql += f" AND {self.PROPER_NAME}"
        if name:
            sql += " AND (speaker_id = ? OR array_to_string(names, '\x1f') ILIKE ? ESCAPE '\\')"
            params += [name, like_pattern(name)]
        if speaker_type:
            sql += " AND type = ?"
            params.append(speaker_type)
        if gender:
            sql += " AND coalesce(gender, CASE WHEN type = 'person' THEN 'unknown' END) = ?"
            params.append(gender)
        sql += " ORDER BY statements DESC, speaker_id"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [unified_speaker(row) for row in self.connection.execute(sql, params).fetchall()]

    @guarded
    def speaker(self, speaker_id: str) -> UnifiedSpeaker | None:
        """The unified speaker with exactly this id, or None."""
        row = self.connection.execute(f"SELECT {SPEAKER_COLUMNS} FROM speakers WHERE speaker_id = ?",
                                      [speaker_id]).fetchone()
        return unified_speaker(row) if row else None

    def find_speakers(self, query: str) -> list[UnifiedSpeaker]:
        """Speakers whose id is `query`, or who hold `query` as one of their names."""
        return find_speaker(self.speakers(), query)

    def _one_speaker(self, query: str) -> UnifiedSpeaker:
        """The one speaker `query` names, else a LedgerError listing the candidates."""
        found = self.find_speakers(query)
        if not found:
            raise LedgerError(f"no speaker named {query!r} (see: onrecord speakers --name ...)")
        if len(found) > 1:
            ids = ", ".join(s.speaker_id for s in found[:10])
            raise LedgerError(f"{query!r} names {len(found)} speakers ({ids}); use a speaker id")
        return found[0]

    @guarded
    def merge_speakers(self, a: str, b: str) -> UnifiedSpeaker:
        """Make the speakers named `a` and `b` one; the correction is kept and replayed after every ingest."""
        first, second = self._one_speaker(a), self._one_speaker(b)
        if first.speaker_id == second.speaker_id:
            raise LedgerError(f"{a!r} and {b!r} are already one speaker ({first.speaker_id})")
        self._add_correction("merge", first.name, second.name)
        return max(self.find_speakers(first.name), key=lambda s: s.statements)

    @guarded
    def split_speaker(self, a: str, name: str) -> UnifiedSpeaker:
        """Take the mentions called `name` out of speaker `a` into a speaker of their own (kept as a correction)."""
        speaker = self._one_speaker(a)
        if not any(n.casefold() == name.casefold() for n in speaker.names):
            raise LedgerError(f"{speaker.speaker_id} has no name {name!r} (its names: {', '.join(speaker.names)})")
        if len(speaker.names) == 1:
            raise LedgerError(f"{speaker.speaker_id} has only the name {name!r}; nothing to split")
        self._add_correction("split", speaker.name, name)
        return min(self.find_speakers(name), key=lambda s: len(s.names))  # the new speaker holds that name alone

    @guarded
    def set_gender(self, a: str, gender: str) -> UnifiedSpeaker:
        """Correct person `a`'s gender (one of GENDERS), or drop the correction (CLEAR_GENDER): kept as a correction
        and replayed after every ingest, like merge and split."""
        if gender not in (*GENDERS, CLEAR_GENDER):
            raise LedgerError(f"gender {gender!r}: choose one of {', '.join((*GENDERS, CLEAR_GENDER))}")
        speaker = self._one_speaker(a)
        if speaker.type != "person":
            raise LedgerError(f"{speaker.speaker_id} is a speaker of type {speaker.type}: only persons have a gender")
        self._add_correction("gender", speaker.name, gender)
        return self.speaker(speaker.speaker_id) or max(self.find_speakers(speaker.name), key=lambda s: s.statements)

    def _add_correction(self, action: str, a: str, b: str) -> None:
        """Record a correction and re-unify the speakers."""
        with self._transaction() as con:
            con.execute("INSERT INTO corrections SELECT coalesce(max(seq), 0) + 1, ?, ?, ? FROM corrections",
                        [action, a, b])
            self._set_meta(STALE_SPEAKERS, "1")
        speakers, mapping = self._unify()
        with self._transaction():
            self._write_speakers(speakers, mapping)
            self._set_meta(STALE_SPEAKERS, "0")

    # -- reading ------------------------------------------------------------------------------------

    @guarded
    def counts(self) -> dict[str, int]:
        """How many documents, attributions and speakers the ledger holds."""
        return {table: self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("documents", "attributions", "speakers")}

    @guarded
    def search(self, query: StatementQuery | None = None) -> list[Statement]:
        """Statements matching a query (full text and filters), best match first, or newest first."""
        query = query or StatementQuery()
        if query.limit is None:
            sql, params = self._statement_sql(query)
            return [Statement(*row) for row in self.connection.execute(sql, params).fetchall()]
        # a page: its ids first (narrow columns), then its rows by id, so no text is read but the page's
        selection = self._selection(query)
        if selection is not None:
            statements = self.columns.statements(self, *self.columns.page(selection, query.limit, query.offset))
            if statements is not None:
                return statements
        sql, params = self._statement_sql(query, page=True)
        found = self.connection.execute(sql, params).fetchall()
        ids, scores, documents = ([row[i] for row in found] for i in range(3))
        if not ids:
            return []
        rows = self.connection.execute(page_rows_sql(), [ids, sorted(set(documents)), ids, scores,
                                                         list(range(len(ids)))]).fetchall()
        return [Statement(*row) for row in rows]

    def _statement_sql(self, query: StatementQuery, export: bool = False, page: bool = False) -> tuple[str, list[Any]]:
        """The SQL of a statement query over this ledger (unranked while the index is stale); a search text
        that can't be run is a LedgerError saying why."""
        try:
            return statement_sql(query, self.term_index(), export=export, page=page)
        except SearchSyntaxError as error:
            raise LedgerError(f"search {query.text!r}: {error}") from None

    def term_index(self) -> TermIndex | None:
        """The full-text index as searches read it; None while it is flagged stale (words matched with ILIKE)."""
        if self.columns is not None:  # its figures read with the columns, for their generation
            return (TermIndex(self.connection, self.columns.index_stats, self.columns.known_terms)
                    if self.columns.index_stats else None)
        return TermIndex(self.connection) if self._meta(STALE_SEARCH) != "1" else None

    def _selection(self, query: StatementQuery) -> Selection | None:
        """What `query` matches, read from the in-memory columns (`columns`, set by the server) when they can
        answer it, else None. The page and the facets of one request share it (kept on this cursor)."""
        if self.columns is None:
            return None
        key = page_query(query)
        if self._selected is not None and self._selected[0] == key:
            return self._selected[1]
        try:
            selection = self.columns.select(self, key)
        except SearchSyntaxError as error:
            raise LedgerError(f"search {query.text!r}: {error}") from None
        self._selected = (key, selection)
        return selection

    def _matches_sql(self, query: StatementQuery, page: bool = False) -> tuple[str, list[Any]]:
        """The SQL of every statement matching `query` (all pages), in no order: what counts and facets read
        (`page`: on the narrow columns alone, as the page query finds its ids).

        Without its ORDER BY: DuckDB would sort every match (all their columns) before counting them, which
        took as long as the counting (a facet query 0.43 s → 0.15 s at a million attributions). The order is
        the statement SQL's last clause when it has no LIMIT.
        """
        sql, params = self._statement_sql(replace(query, limit=None, offset=0), page=page)
        return sql[: sql.rindex(" ORDER BY ")], params

    @guarded
    def stems(self, words: Iterable[str]) -> dict[str, str]:
        """Each word's stem by the full-text index's stemmer (words as `index_form` gives them)."""
        words = set(words)
        found = {word: stem for word in words if (stem := KNOWN_STEMS.get(word)) is not None}
        missing = sorted(words - found.keys())
        if missing:  # (the stemmer never changes: a word's stem is asked for once a process)
            sql = f"SELECT w, stem(w, '{STEMMER}') FROM unnest(?::VARCHAR[]) t(w)"
            stems = dict(self.connection.execute(sql, [missing]).fetchall())
            if len(KNOWN_STEMS) > MAX_KNOWN_STEMS:
                KNOWN_STEMS.clear()
            KNOWN_STEMS.update(stems)
            found.update(stems)
        return found

    @guarded
    def document(self, doc_id: str) -> Document | None:
        """A stored document rebuilt with its metadata, segments and attributions, or None."""
        row = self.connection.execute(
            "SELECT text, url, published, title, byline, outlet, segments FROM documents WHERE doc_id = ?",
            [doc_id]).fetchone()
        if row is None:
            return None
        text, url, published, title, byline, outlet, segments = row
        attributions = self.connection.execute(
            f"SELECT {ATTRIBUTION_COLUMNS} FROM attributions WHERE doc_id = ? ORDER BY ordinal", [doc_id]).fetchall()
        data = {
            "doc_id": doc_id,
            "metadata": {"url": url, "published": published, "title": title, "byline": byline, "outlet": outlet},
            "segments": json.loads(segments),
            "attributions": [attribution_dict(row) for row in attributions],
        }
        return document_from_dict(data, text)

    @guarded
    def sourcing(self, doc_id: str | None = None, outlet: str | None = None) -> SourcingFigures:
        """The sourcing figures of one document, of every document of the one outlet `outlet` names (the rule
        of `outlets`; naming none or several is a LedgerError that lists them), or, given neither, of the
        whole ledger."""
        if doc_id is not None and outlet is not None:
            raise ValueError("give at most one of doc_id and outlet")
        if doc_id is None and outlet is None:
            where, params, scope = "TRUE", [], "the whole ledger"
        elif doc_id is not None:
            where, params, scope = "d.doc_id = ?", [doc_id], f"document {doc_id}"
        else:
            name = self._one_outlet(outlet)
            where, params, scope = "lower(d.outlet) = lower(?)", [name], f"outlet {name}"
        documents = self.connection.execute(f"SELECT count(*) FROM documents d WHERE {where}", params).fetchone()[0]
        if documents == 0:
            raise LedgerError(f"no stored {scope}")
        rows = self.connection.execute(
            f"SELECT a.speaker_type, a.kind, m.speaker_id, count(*) FROM attributions a "
            f"JOIN documents d USING (doc_id) LEFT JOIN speaker_mentions m USING (mention_key) "
            f"WHERE {where} GROUP BY 1, 2, 3", params).fetchall()
        profile = SourcingFigures(scope=scope, documents=documents, attributions=sum(r[3] for r in rows))
        speakers = set()
        for speaker_type, kind, speaker_id, count in rows:
            label = SOURCE_TYPE_GROUPS.get(speaker_type or "", "other")
            profile.source_types[label] = profile.source_types.get(label, 0) + count
            profile.kinds[kind] = profile.kinds.get(kind, 0) + count
            if speaker_id:
                speakers.add(speaker_id)
        profile.distinct_speakers = len(speakers)
        profile.genders = self._gender_figures(where, params)
        return profile

    @guarded
    def genders(self, outlet: str | None = None) -> GenderFigures:
        """The persons quoted in the whole ledger, or in the one outlet `outlet` names, by gender (see GenderFigures)."""
        if outlet is None:
            return self._gender_figures("TRUE", [])
        return self._gender_figures("lower(d.outlet) = lower(?)", [self._one_outlet(outlet)])

    def _gender_figures(self, where: str, params: list[Any]) -> GenderFigures:
        """Persons' statements and distinct people by gender, overall and per month, in documents `d` where `where`."""
        rows = self.connection.execute(
            f"SELECT GROUPING(month), month, gender, count(*), count(DISTINCT person) FROM "
            f"(SELECT {self.MONTH.format('d.published_date')} AS month, {GENDER_SQL} AS gender, {PERSON_SQL} AS person "
            f"{FROM} WHERE a.speaker_type = 'person' AND {where}) persons "
            "GROUP BY GROUPING SETS ((gender), (month, gender)) ORDER BY month, gender", params).fetchall()
        figures = GenderFigures()
        months: dict[str, GenderMonth] = {}
        for overall, month, gender, statements, people in rows:
            if overall:
                figures.statements[gender], figures.people[gender] = statements, people
            elif month is not None:  # undated documents count overall, in no month
                found = months.setdefault(month, GenderMonth(month))
                found.statements[gender], found.people[gender] = statements, people
        figures.months = [months[m] for m in sorted(months)]
        return figures

    @guarded
    def outlets(self, outlet: str | None = None) -> list[Outlet]:
        """The outlets (all, or those `outlet` names: see `outlet_condition`), most documents first.

        Names that differ only in case are one outlet, under its most frequent spelling.
        """
        condition, params = outlet_condition("d.outlet", outlet) if outlet else ("TRUE", [])
        rows = self.connection.execute(
            f"SELECT {self.MOST_FREQUENT.format('d.outlet')}, count(DISTINCT d.doc_id), count(a.attribution_id) FROM documents d "
            f"LEFT JOIN attributions a USING (doc_id) WHERE d.outlet IS NOT NULL AND {condition} "
            "GROUP BY lower(d.outlet) ORDER BY 2 DESC, 1", params).fetchall()
        return [Outlet(*row) for row in rows]

    def _one_outlet(self, outlet: str) -> str:
        """The name of the one outlet `outlet` names, else a LedgerError listing the candidates."""
        found = self.outlets(outlet)
        if not found:
            raise LedgerError(f"no outlet matches {outlet!r} (list them: onrecord outlets)")
        if len(found) > 1:
            names = ", ".join(repr(o.name) for o in found[:10]) + (", ..." if len(found) > 10 else "")
            raise LedgerError(f"{outlet!r} matches {len(found)} outlets ({names}); give one's whole name")
        return found[0].name

    @guarded
    def date_range(self) -> dict[str, Any]:
        """The first and last publication dates of the stored documents (YYYY-MM-DD), and how many have none."""
        first, last, undated = self.connection.execute(
            "SELECT min(published_date), max(published_date), count(*) - count(published_date) FROM documents"
        ).fetchone()
        return {"first": first.isoformat() if first else None, "last": last.isoformat() if last else None,
                "undated": undated}

    @staticmethod
    def _document_filter(outlet: str | None, since: date | None, until: date | None) -> tuple[str, list[Any]]:
        """The WHERE clause on documents `d` for a list of documents: the outlet rule of search, publication dates."""
        where, params = ["TRUE"], []
        if outlet:
            condition, values = outlet_condition("d.outlet", outlet)
            where.append(condition)
            params += values
        if since:
            where.append("d.published_date >= ?")
            params.append(since)
        if until:
            where.append("d.published_date <= ?")
            params.append(until)
        return " AND ".join(where), params

    @guarded
    def documents(self, outlet: str | None = None, since: date | None = None, until: date | None = None,
                  limit: int | None = 20, offset: int = 0) -> list[DocumentSummary]:
        """Stored documents, newest published first, then the most recently stored first; undated last."""
        where, params = self._document_filter(outlet, since, until)
        sql = ("SELECT d.doc_id, d.title, d.outlet, d.published, d.published_date, d.url, coalesce(n.statements, 0) "
               "FROM documents d LEFT JOIN (SELECT doc_id, count(*) AS statements FROM attributions GROUP BY doc_id) n "
               f"ON n.doc_id = d.doc_id WHERE {where} ORDER BY d.published_date DESC NULLS LAST, {self.STORED_ORDER} DESC")
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [DocumentSummary(*row) for row in self.connection.execute(sql, params).fetchall()]

    @guarded
    def count_documents(self, outlet: str | None = None, since: date | None = None, until: date | None = None) -> int:
        """How many stored documents `documents` lists for these filters, on every page together."""
        where, params = self._document_filter(outlet, since, until)
        return self.connection.execute(f"SELECT count(*) FROM documents d WHERE {where}", params).fetchone()[0]

    def _narrow_matches(self, query: StatementQuery) -> tuple[str, list[Any]]:
        """`FROM attributions a ... WHERE ...` of every statement matching `query`, on the narrow columns the page
        query finds its ids by (its documents, mentions and speakers joined only when a filter reads them)."""
        sql, params = self._matches_sql(query, page=True)
        return sql[sql.index(" FROM attributions a"):], params

    @guarded
    def facets(self, query: StatementQuery, top: int = 10) -> tuple[int, dict[str, list[dict[str, Any]]]]:
        """How many statements match `query` (every page), and their counts by speaker, outlet, kind,
        anonymous source and (persons') gender (each facet's `top` values, most first, then by value).

        The matches are counted in narrow groups first (by mention, by document, by kind: FACETS_SQL), and the
        names, outlets and genders attached to those groups: joining every match to its document and speaker and
        reading its names cost 60–120 ms a search at a million attributions, whatever the matches. When they are
        few (FEW_FACETS), their ids are found first and their rows read by id rather than by a scan of the table.
        """
        selection = self._selection(query)
        if selection is not None:
            return self.columns.facets(selection, top)
        source, params = self._narrow_matches(query)
        ids = [row[0] for row in self.connection.execute(
            f"SELECT a.attribution_id{source} LIMIT {self.few_facets + 1}", params).fetchall()]
        if len(ids) <= self.few_facets:  # (listed in the SQL: DuckDB reads a literal list's rows by the key index)
            source, params = f" FROM attributions a WHERE a.attribution_id IN ({', '.join(map(str, ids)) or 'NULL'})", []
        counts: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
        for facet, *row, n in self.connection.execute(FACETS_SQL.format(source=source), params).fetchall():
            for name, value in facet_keys(facet, *row):
                counts[name][value] = counts[name].get(value, 0) + n
        return sum(counts["kind"].values()), rank_facets(counts, top)

    @guarded
    def statements_per_day(self, query: StatementQuery) -> list[tuple[date, int]]:
        """How many statements matching `query` were published each day, oldest first; undated left out."""
        sql, params = self._matches_sql(query)
        return self.connection.execute(
            f"SELECT d.published_date AS day, count(*) FROM ({sql}) statements "
            "JOIN documents d USING (doc_id) WHERE d.published_date IS NOT NULL GROUP BY day ORDER BY day",
            params).fetchall()

    @guarded
    def statements_per_outlet(self, query: StatementQuery) -> list[tuple[str | None, int]]:
        """How many statements matching `query` each outlet published, most first (None: no outlet named)."""
        sql, params = self._matches_sql(query)
        return self.connection.execute(
            f"SELECT outlet, count(*) AS n FROM ({sql}) statements GROUP BY outlet ORDER BY n DESC, outlet NULLS LAST",
            params).fetchall()

    @guarded
    def export(self, out: str | Path, output_format: str, query: StatementQuery | None = None) -> int:
        """Write the statements matching `query` (all when None) to `out` as parquet, csv or jsonl; returns rows."""
        if output_format not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {output_format!r}")
        query = query or StatementQuery(limit=None)
        sql, params = self._statement_sql(query, export=True)
        con = self.connection
        con.execute("DROP TABLE IF EXISTS temp.export_rows")
        con.execute(f"CREATE TEMP TABLE export_rows AS {sql}", params)
        copy_rows(con, "temp.export_rows", out, output_format)
        rows = con.execute("SELECT count(*) FROM temp.export_rows").fetchone()[0]
        con.execute("DROP TABLE temp.export_rows")
        return rows


SPEAKER_COLUMNS = ("speaker_id, name, type, names, roles, affiliations, statements, gender, "
                   "coalesce(gender_conflicts, 0), gender_evidence")


def unified_speaker(row: tuple) -> UnifiedSpeaker:
    """A speakers-table row (SPEAKER_COLUMNS) as a UnifiedSpeaker; a person stored without a gender (a ledger
    migrated from schema version 2, not yet refreshed) is unknown."""
    *identity, gender, conflicts, evidence = row
    speaker = UnifiedSpeaker(*identity, gender_conflicts=conflicts, gender_evidence=json.loads(evidence or "{}"))
    speaker.gender = gender or ("unknown" if speaker.type == "person" else None)
    return speaker


def SPEAKER_SCHEMA():  # noqa: N802  (a constant, built lazily so pyarrow loads only to write)
    """The Arrow schema of speaker rows (explicit, so a batch of all-None columns keeps its types)."""
    import pyarrow as pa

    text, texts = pa.string(), pa.list_(pa.string())
    return pa.schema([("speaker_id", text), ("name", text), ("type", text), ("names", texts), ("roles", texts),
                      ("affiliations", texts), ("statements", pa.int32()), ("gender", text),
                      ("gender_conflicts", pa.int32()), ("gender_evidence", text)])


def key_of_mention(mention: ResolvedSpeaker) -> str:
    """A mention's speaker_mentions key (rows.mention_key of its Speaker): mention_of_key's inverse."""
    return mention_key(Speaker(mention.name, mention.type, mention.role, mention.affiliation))


EXPORT_FORMATS = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER true", "jsonl": "FORMAT json"}


def copy_rows(connection: duckdb.DuckDBPyConnection, table: str, out: str | Path, output_format: str) -> None:
    """Write a DuckDB table to `out` in an export format (every ledger's export ends here); a LedgerError when
    the file can't be written."""
    target = str(out).replace("'", "''")  # COPY takes no parameters; the path is quoted as a literal
    try:
        connection.execute(f"COPY {table} TO '{target}' ({EXPORT_FORMATS[output_format]})")
    except duckdb.Error as error:
        raise LedgerError(f"cannot write {out}: {str(error).splitlines()[0]}") from None

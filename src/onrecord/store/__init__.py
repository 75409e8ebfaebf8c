"""Store stage: the ledger, a DuckDB file of documents, attributions and speakers unified across them.

    schema.py   tables, versions, migrations
    ledger.py   `Ledger`: the one writer (write_rows, refresh) and the readers (search, speakers, outlets, export, sourcing)
    rows.py     Documents ↔ rows and Arrow batches; stable ids
    query.py    the search syntax (`parse_search` → `Search`) and `StatementQuery` → SQL; `Statement`, what it finds
    facets.py   a search's counts by speaker, outlet, kind, anonymous source and gender, and their order
    columns.py  `StatementColumns`: every statement's narrow columns in memory, for a server's search pages
    index.py    the search postings, kept in step with the attributions; BM25 over the matches only
    unify.py    speakers unified across the corpus, with the user's corrections
    postgres.py `PostgresLedger`: the same ledger in a PostgreSQL database (teams, clusters; tsvector search)
    backend.py  `open_ledger(db)`: the DuckDB file or the PostgreSQL database a --db names

Filling a ledger is the runner's job (`onrecord.run.ingest`):

    from onrecord.run import ingest
    from onrecord.store import Ledger, StatementQuery
    with Ledger("ledger.duckdb") as ledger:
        ingest(ledger, ["articles/"])
        for statement in ledger.search(StatementQuery(text="emergency room", speaker="Clinton")):
            print(statement.speaker, statement.content)
"""
from onrecord.store.ledger import DocumentSummary, Ledger, LedgerError, Outlet, SourcingFigures, Statement
from onrecord.store.query import StatementQuery

__all__ = ["DocumentSummary", "Ledger", "LedgerError", "Outlet", "SourcingFigures", "Statement", "StatementQuery"]

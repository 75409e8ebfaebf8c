"""Which database a `--db` names: a DuckDB file (the embedded default) or a PostgreSQL server (`postgresql://`).

Every entry point that opens a ledger by name (the CLI, the web server, the Ray workers) opens it here, so a
URL works wherever a file does; PostgreSQL and its driver are imported only for a URL.
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from onrecord.store.ledger import Ledger
from onrecord.store.postgres import is_server_url


def open_ledger(db: str | Path, read_only: bool = False, migrate: bool = False) -> Ledger:
    """The ledger `db` names: a `PostgresLedger` for a postgresql:// URL, else the DuckDB `Ledger` of that file."""
    if is_server_url(db):
        from onrecord.store.postgres import PostgresLedger

        return PostgresLedger(str(db), read_only=read_only, migrate=migrate)
    return Ledger(db, read_only=read_only, migrate=migrate)


def ledger_location(value: str | Path) -> str | Path:
    """A `--db` value as `open_ledger` takes it: a URL kept as written (a Path would fold its `//`), else a Path."""
    return str(value) if is_server_url(str(value)) else Path(value)


def database_errors() -> tuple[type[BaseException], ...]:
    """The errors a ledger's database driver raises (psycopg's only once it is loaded)."""
    psycopg = sys.modules.get("psycopg")
    return (duckdb.Error, psycopg.Error) if psycopg is not None else (duckdb.Error,)

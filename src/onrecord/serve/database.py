"""The server's hold on the ledger: a cursor per request, one way to write, and a generation per commit.

DuckDB lets one process write a file, or several read it; inside one process a connection serves many
cursors (one per thread, never shared), each statement reading a snapshot (MVCC) while another cursor
commits. So the server holds the ledger in one of two ways:

- read-only (the default): other processes may read the ledger too (`onrecord search`), none may write.
  The paste box's "store", the only write, waits for the requests in flight, holds new ones back,
  closes the read-only connection, writes with an ordinary read-write Ledger, and opens read-only again.
- read-write (`onrecord serve --watch DIR`): the server is the ledger's one writing process, and writes
  while it serves: the folder watcher's batches and refreshes, and the paste box's store, each on a
  cursor of its own (`SharedLedger`), taking turns only for the moment they write — never while they
  read or extract — while requests go on reading from their snapshots. No other process can open the
  ledger meanwhile, not even to read: DuckDB's rule.

Each write that commits starts a new `generation`: a page computed from an older one is out of date
(onrecord/serve/cache.py keys what it keeps by it), and so are the in-memory columns searches are answered
from (store/columns.py): they are read when the server starts, and read again in the background after a
write, while searches run their SQL in the meantime. A PostgreSQL ledger (`--db postgresql://…`) is written
by other processes too, so no generation tells its pages apart (`cacheable` is False); `--watch` then
ingests on a connection of its own, and requests read what is committed, as they would anyway.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Sequence

import duckdb

from onrecord.store import Ledger, LedgerError
from onrecord.store.backend import ledger_location, open_ledger
from onrecord.store.columns import StatementColumns
from onrecord.store.postgres import is_server_url

log = logging.getLogger("onrecord.serve")
LOAD_SHARE = 0.2  # of the time, at most, spent reading the columns again after writes


class SharedLedger(Ledger):
    """The server's read-write ledger (and its cursors): writes take turns, and each one starts a new generation."""

    def __init__(self, path: str | Path, access: "LedgerAccess") -> None:
        super().__init__(path)  # LedgerError: not a ledger, another process holds it
        self.access = access

    def write_rows(self, documents: Sequence[dict[str, Any]], attributions: Sequence[dict[str, Any]]) -> int:
        with self.access.turn():
            return super().write_rows(documents, attributions)

    def refresh(self, force: bool = False) -> None:
        with self.access.turn():
            super().refresh(force)


class LedgerAccess:
    """Readers each get a cursor; writers take turns; `generation` counts the writes committed."""

    def __init__(self, path: str | Path, writable: bool = False, query_threads: int | None = None,
                 columns: bool = True) -> None:
        self.path = ledger_location(path)  # a file, or a postgresql:// URL
        self.query_threads = query_threads  # DuckDB threads for each statement (None: DuckDB's default, every core)
        self.shared_server = is_server_url(str(self.path))  # PostgreSQL: other processes write meanwhile
        self.cacheable = not self.shared_server  # a DuckDB file: every write goes through this server
        self.writable = writable and not self.shared_server  # (PostgreSQL: the watcher writes on its own connection)
        self.generation = 0  # +1 after each write: what a cached page is keyed by
        self._turns = threading.Lock()  # read-write: one write at a time (DuckDB would abort a conflicting one)
        self._state = threading.Condition()  # read-only: readers and the one writer
        self._readers = 0
        self._writers = 0  # waiting or writing: new readers wait for them, so a write is never starved
        self._writing = False
        # LedgerError: missing (read-only), not a ledger, locked by another process
        self._ledger: Ledger | None = self._tuned(SharedLedger(self.path, self) if self.writable
                                                  else open_ledger(self.path, read_only=True))
        # the narrow columns searches read (store/columns.py), for a DuckDB ledger: every write goes through here
        self.columns_wanted = columns and self.cacheable
        self._columns: StatementColumns | None = None  # of some generation: used only while it is the current one
        self._loading = threading.Lock()  # one read of the columns at a time
        self._next_load = 0.0  # (monotonic) not before: reading the columns takes at most 1/LOAD_SHARE of the time

    def load_columns(self) -> StatementColumns | None:
        """Read the current generation's columns (the server does at start; `read` again after each write), unless
        a read is under way already; the columns, or None."""
        if not self.columns_wanted or not self._loading.acquire(blocking=False):
            return None
        began = time.monotonic()
        try:
            generation = self.generation  # read first: columns are never taken for a newer generation than they saw
            with self.read(columns=False) as ledger:
                self._columns = StatementColumns(ledger, generation)
            return self._columns
        except (LedgerError, duckdb.Error) as error:  # the server goes on with SQL alone; said once, not per page
            log.warning("searches read the ledger without in-memory columns: %s", error)
            self.columns_wanted = False
            return None
        finally:
            ended = time.monotonic()
            self._next_load = ended + (ended - began) * (1 / LOAD_SHARE - 1)
            self._loading.release()

    def current_columns(self) -> StatementColumns | None:
        """The columns of the current generation; None while they are (re)read in the background, or while the last
        read is too recent (a folder watched while it fills writes every few seconds: reading a million statements'
        columns after each write would keep a core busy; searches run their SQL meanwhile)."""
        columns = self._columns
        if columns is not None and columns.generation == self.generation:
            return columns
        if self.columns_wanted and not self._loading.locked() and time.monotonic() >= self._next_load:
            threading.Thread(target=self.load_columns, name="onrecord-columns", daemon=True).start()
        return None

    def _tuned(self, ledger: Ledger) -> Ledger:
        """The ledger with its DuckDB statements run on `query_threads` threads each (a database-wide setting: its
        cursors and the --watch writer's share it). The server computes a few pages at once (ledger_readers, one per
        core), so one thread each keeps every core busy without each query splitting, and paying for, work the
        others' threads contend for (see docs/web-ui.md, "Under load"). PostgreSQL plans its own workers."""
        if self.query_threads and isinstance(ledger.connection, duckdb.DuckDBPyConnection):
            ledger.connection.execute(f"SET threads = {int(self.query_threads)}")
        return ledger

    @contextmanager
    def turn(self) -> Iterator[None]:
        """One write at a time; when it ends, a new generation (even when it failed: the page may still differ)."""
        with self._turns:
            try:
                yield
            finally:
                self.generation += 1

    @contextmanager
    def read(self, columns: bool = True) -> Iterator[Ledger]:
        """The ledger on a cursor of this request's own (in one transaction when writes go on meanwhile, so that
        every figure of a page comes from the same snapshot), with the current generation's in-memory columns
        when they are read (`columns`; store/columns.py)."""
        current = self.current_columns() if columns else None
        if self.writable:
            view = self._shared().cursor()
            view.columns = current
            try:
                view.connection.execute("BEGIN TRANSACTION")
                yield view
            finally:
                try:
                    view.connection.execute("ROLLBACK")  # it wrote nothing
                except duckdb.Error:  # a failed statement may have ended it already
                    pass
                view.close()
            return
        with self._state:
            self._state.wait_for(lambda: self._writers == 0)
            if self._ledger is None:  # a failed write left it closed: try again, or say why not
                self._ledger = self._tuned(open_ledger(self.path, read_only=True))
            view = self._ledger.cursor()
            view.columns = current
            self._readers += 1
        try:
            yield view
        finally:
            view.close()
            with self._state:
                self._readers -= 1
                self._state.notify_all()

    def writer(self) -> Ledger:
        """A read-write ledger for a writer of its own (the folder watcher's thread): a cursor of the server's, or a
        PostgreSQL connection of its own; its owner closes it."""
        if self.shared_server:
            return open_ledger(self.path)
        return self._shared().cursor()

    @contextmanager
    def write(self) -> Iterator[Ledger]:
        """The ledger for one write (the paste box's store): a cursor of the read-write ledger, or, when the server
        holds it read-only, the file opened read-write with no reader in flight, and read-only again afterwards."""
        if self.writable:
            view = self.writer()
            try:
                yield view
            finally:
                view.close()
            return
        with self._state:
            self._writers += 1
            self._state.wait_for(lambda: self._readers == 0 and not self._writing)
            self._writing = True
        try:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
            try:
                with open_ledger(self.path) as writable:  # LedgerError when another process holds the file
                    yield writable
            finally:
                self.generation += 1
                try:
                    self._ledger = self._tuned(open_ledger(self.path, read_only=True))
                except LedgerError:
                    self._ledger = None  # the next read tries again
        finally:
            with self._state:
                self._writing = False
                self._writers -= 1
                self._state.notify_all()

    def _shared(self) -> Ledger:
        if self._ledger is None:
            raise LedgerError(f"{self.path} is closed (the server is stopping)")
        return self._ledger

    def close(self) -> None:
        """Close the ledger's connection (after the server stops), once a read of the columns under way has ended."""
        self.columns_wanted = False
        with self._loading:
            pass
        with self._state:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None

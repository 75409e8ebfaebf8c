"""The server's hold on the ledger: read-only, a cursor per request, and one explicit way to write.

DuckDB allows one writer or many readers per file across processes, and a connection is not shared
across threads. The server opens the ledger read-only once (so `onrecord ingest` into the same file
is refused while it runs) and gives each request a cursor of its own. The paste box's "store" is the
only write: it waits for the requests in flight, holds new ones back, closes the read-only
connection, writes with an ordinary read-write Ledger, and opens read-only again.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from onrecord.store import Ledger, LedgerError
from onrecord.store.backend import ledger_location, open_ledger


class LedgerAccess:
    """Readers share the read-only ledger (a cursor each); a writer has the file to itself while it writes."""

    def __init__(self, path: str | Path) -> None:
        self.path = ledger_location(path)  # a file, or a postgresql:// URL
        self._ledger: Ledger | None = open_ledger(self.path, read_only=True)  # LedgerError: missing, not a ledger, locked
        self._state = threading.Condition()
        self._readers = 0
        self._writers = 0  # waiting or writing: new readers wait for them, so a write is never starved
        self._writing = False

    @contextmanager
    def read(self) -> Iterator[Ledger]:
        """The ledger on a cursor of this request's own, read-only."""
        with self._state:
            self._state.wait_for(lambda: self._writers == 0)
            if self._ledger is None:  # a failed write left it closed: try again, or say why not
                self._ledger = open_ledger(self.path, read_only=True)
            view = self._ledger.cursor()
            self._readers += 1
        try:
            yield view
        finally:
            view.close()
            with self._state:
                self._readers -= 1
                self._state.notify_all()

    @contextmanager
    def write(self) -> Iterator[Ledger]:
        """The ledger opened read-write, with no reader in flight; read-only again afterwards."""
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
                try:
                    self._ledger = open_ledger(self.path, read_only=True)
                except LedgerError:
                    self._ledger = None  # the next read tries again
        finally:
            with self._state:
                self._writing = False
                self._writers -= 1
                self._state.notify_all()

    def close(self) -> None:
        """Close the read-only connection (after the server stops)."""
        with self._state:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None

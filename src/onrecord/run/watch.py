"""Watching a folder: files dropped in it are ingested as they arrive, while the ledger is read meanwhile.

`FolderWatcher` polls a folder (a listing every `interval` seconds: no new dependency, and it works on
network folders where file events don't) and hands the files whose size or modification time changed to
`ingest`, the machinery of `onrecord ingest`: documents stored unchanged are skipped by their text's
hash, skips are counted by reason, the same limits apply, batches are one transaction each, and the
ledger is refreshed after each pass. A file is taken once it has looked the same on two polls in a
row, so one still being written is not read half-way (writing elsewhere and renaming into the folder
is atomic, and quicker). Removing a file removes nothing from the ledger.

`onrecord serve --watch DIR` runs one in a thread beside the web UI (onrecord/serve/database.py
says how the two share the ledger); `WatchStatus` is what the UI shows of it.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from onrecord.read import RunStats, find_files
from onrecord.run.ingest import IngestOptions, IngestReport, ingest
from onrecord.store import Ledger
from onrecord.store.ledger import first_line

DEFAULT_INTERVAL = 2.0  # seconds between polls
RECENT_MESSAGES = 20  # skip and repair lines the status keeps, newest last
log = logging.getLogger("onrecord.watch")

Signature = tuple[int, int]  # (modification time in ns, size): a file changed when it differs


class WatchStopped(Exception):
    """Raised between two documents when the watcher is asked to stop: the batch in flight is not written
    (the next pass redoes it, as after a killed ingest)."""


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class WatchStatus:
    """What a watcher has done since it started: passes, files and documents, skips by reason, the last error."""

    folder: str
    interval: float
    passes: int = 0  # polls that found files to ingest
    files: int = 0  # files handed to ingest
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    attributions: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # documents or files dropped, by reason
    recovered: Counter[str] = field(default_factory=Counter)  # read after a repair, by reason
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT_MESSAGES))
    ingesting: int = 0  # files in the pass running now (0: waiting for the next poll)
    last_pass: str | None = None  # when the last pass ended (UTC)
    last_error: str | None = None  # why the last pass failed, one line; None once one succeeds

    def count(self, report: IngestReport, files: int) -> None:
        """Add what one pass did."""
        self.passes += 1
        self.files += files
        self.added += report.added
        self.updated += report.updated
        self.unchanged += report.unchanged
        self.attributions += report.attributions
        self.skipped.update(report.stats.skipped)
        self.recovered.update(report.stats.recovered)
        self.messages.extend(report.stats.messages)

    def line(self) -> str:
        """The status on one line (the server's log, the home page)."""
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{n} {reason}" for reason, n in self.skipped.most_common())
        text = (f"watching {self.folder}: {self.files} files in {self.passes} passes; {self.added} documents added, "
                f"{self.updated} updated, {self.unchanged} unchanged, {skipped} skipped" + (f" ({reasons})" if reasons else ""))
        if self.ingesting:
            text += f"; ingesting {self.ingesting} files now"
        if self.last_error:
            text += f"; last pass failed: {self.last_error}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The status as JSON."""
        return {"folder": self.folder, "interval": self.interval, "passes": self.passes, "files": self.files,
                "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "attributions": self.attributions, "skipped": dict(self.skipped.most_common()),
                "recovered": dict(self.recovered.most_common()), "messages": list(self.messages),
                "ingesting": self.ingesting, "last_pass": self.last_pass, "last_error": self.last_error,
                "line": self.line()}


class FolderWatcher:
    """Polls `folder` and ingests what changed into `ledger` (a ledger or cursor of this watcher's own)."""

    def __init__(self, folder: str | Path, ledger: Ledger, options: IngestOptions | None = None,
                 interval: float = DEFAULT_INTERVAL) -> None:
        self.folder = Path(folder)
        self.ledger = ledger
        self.options = options or IngestOptions()
        self.interval = interval
        self.status = WatchStatus(str(self.folder), interval)
        self.lock = threading.Lock()  # guards `status` between the watching thread and its readers
        self.ingested: dict[Path, Signature] = {}  # what each file looked like when it was last ingested
        self.seen: dict[Path, Signature] = {}  # what each file looked like at the last poll
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def ready_files(self) -> list[Path]:
        """Files new or changed since they were ingested that look as they did at the last poll (settled)."""
        if not self.folder.is_dir():
            raise OSError(f"{self.folder} is not a folder (any more)")
        current: dict[Path, Signature] = {}
        for path in find_files(self.folder, RunStats()):  # (a subfolder that can't be listed is passed over)
            try:
                info = os.stat(path)
            except OSError:  # gone since it was listed
                continue
            current[path] = (info.st_mtime_ns, info.st_size)
        ready = [path for path, signature in current.items()
                 if self.seen.get(path) == signature and self.ingested.get(path) != signature]
        self.seen = current
        return ready

    def poll(self) -> IngestReport | None:
        """One poll: ingest the files that are ready, and count what was done; None when there were none.

        A failed pass (the folder gone, the ledger unwritable) is the status's `last_error`; its files are
        tried again at the next poll."""
        try:
            ready = self.ready_files()
            if not ready:
                return None
            with self.lock:
                self.status.ingesting = len(ready)
            report = ingest(self.ledger, ready, self.options, on_progress=self.check_stopping)
        except WatchStopped:
            raise
        except Exception as error:  # noqa: BLE001 - a watcher outlives a bad pass; the status says why
            message = first_line(error)
            log.warning("watch: pass failed: %s", message)
            with self.lock:
                self.status.ingesting = 0
                self.status.last_error = message
                self.status.last_pass = now()
            return None
        for path in ready:
            self.ingested[path] = self.seen[path]
        with self.lock:
            self.status.count(report, len(ready))
            self.status.ingesting = 0
            self.status.last_error = None
            self.status.last_pass = now()
            log.info("watch: %s", self.status.line())
        return report

    def check_stopping(self, report: IngestReport) -> None:
        """ingest's progress hook: stop between two documents once asked to."""
        if self.stopping.is_set():
            raise WatchStopped()

    def snapshot(self) -> dict[str, Any]:
        """The status as JSON, read safely from another thread."""
        with self.lock:
            return self.status.to_dict()

    def run(self) -> None:
        """Poll until stopped (the watching thread's body)."""
        while not self.stopping.is_set():
            try:
                self.poll()
            except WatchStopped:
                break
            self.stopping.wait(self.interval)

    def start(self) -> "FolderWatcher":
        """Start polling in a daemon thread."""
        self.thread = threading.Thread(target=self.run, name="onrecord-watch", daemon=True)
        self.thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop polling; a pass in flight stops at its next document (what was committed stays)."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout)

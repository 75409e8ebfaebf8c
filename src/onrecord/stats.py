"""Counts of a run: documents forwarded, and those dropped or repaired, by reason (datatrove's habit).

Every step that drops a document counts it here with a one-line reason; the CLI prints the summary.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from onrecord.document import replace_surrogates

MESSAGES_PER_REASON = 20  # stderr lines per skip reason; past that a reason is only counted


@dataclass
class RunStats:
    """What a run forwarded, and what it dropped or repaired, by reason: reading, extraction and the ledger's
    duplicate ids alike."""

    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    recovered: Counter[str] = field(default_factory=Counter)  # read anyway, after a repair
    messages: list[str] = field(default_factory=list)  # one line per skip or repair, for stderr

    def skip(self, path: str | Path, reason: str, detail: str = "") -> None:
        """Count a dropped input under `reason` (listed in `messages` up to MESSAGES_PER_REASON times)."""
        self.count("skipped", reason, f"skipped {path}: {reason}" + (f" ({detail})" if detail else ""))

    def recover(self, path: str | Path, reason: str) -> None:
        """Count an input that was read after a repair (e.g. undecodable bytes replaced)."""
        self.count("recovered", reason, f"repaired {path}: {reason}")

    def count(self, kind: str, reason: str, message: str) -> None:
        """Count one skip or repair (`kind`: "skipped" or "recovered") with its message line.

        What `skip` and `recover` call, and how a shard's skips, recorded by a worker, are counted where it is merged.
        """
        # A path or id quoted in a message may hold lone surrogates (a file name that isn't UTF-8): the
        # message must still print, and travel in a shard's Parquet file.
        reason, message = replace_surrogates(reason)[0], replace_surrogates(message)[0]
        counter: Counter[str] = getattr(self, kind)
        counter[reason] += 1
        self._note(counter[reason], reason, message)

    def _note(self, count: int, reason: str, message: str) -> None:
        """Keep a message line; a WARC of 30,000 request records must not print 30,000 lines."""
        if count <= MESSAGES_PER_REASON:
            self.messages.append(message)
        elif count == MESSAGES_PER_REASON + 1:
            self.messages.append(f"… more '{reason}' are counted in the summary, not listed")

    @property
    def skipped_total(self) -> int:
        """How many inputs were dropped, all reasons together."""
        return sum(self.skipped.values())


@dataclass
class RecordedRunStats(RunStats):
    """RunStats that also keep every skip and repair, in order, to be counted again elsewhere (a shard's, at merge)."""

    events: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, reason, message)

    def count(self, kind: str, reason: str, message: str) -> None:
        super().count(kind, reason, message)
        self.events.append((kind, reason, message))

"""The sharded ingest without an engine: planning shards, processing one, merging them — the same ledger as the
in-process ingest, resumable shard by shard. (On Ray: tests/test_ray_engine.py.)"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onrecord.cli import app
from onrecord.pipeline import pipeline_version
from onrecord.read import ReadOptions, RunStats, read_inputs, read_path
from onrecord.run import ingest
from onrecord.store import Ledger
from onrecord.run.shards import (
    InProcessExecutor, ShardError, ShardJob, ShardOptions, ShardOutcome, StoredIndex, ingest_shards, plan_shards,
    process_shard, read_shard, shard_key,
)
from shard_corpus import RULES, snapshot, write_shard_corpus

PIPELINE = pipeline_version(RULES.extract)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_shard_corpus(tmp_path_factory.mktemp("shards") / "corpus")


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple[Path, object]:
    """The in-process ingest of the corpus (and a missing path): the ledger every sharded run must equal."""
    db = tmp_path_factory.mktemp("reference") / "reference.duckdb"
    with Ledger(db) as ledger:
        report = ingest(ledger, [corpus, corpus / "missing.txt"], RULES)
    return db, report


# -- planning ----------------------------------------------------------------------------------------

def test_a_plan_is_deterministic_and_cuts_big_jsonl_files_into_windows(corpus):
    stats = RunStats()
    plan = plan_shards([corpus, corpus / "missing.txt"], ReadOptions(), 4, stats)
    again = plan_shards([corpus, corpus / "missing.txt"], ReadOptions(), 4, RunStats())
    assert plan == again
    assert stats.skipped == {"missing path": 1}
    pieces = [piece for task in plan for piece in task.pieces]
    files = sorted(p for p in corpus.iterdir())
    assert [Path(p.path) for p in pieces if p.records is None] == [f for f in files if f.suffix == ".txt"]
    windows = [p.records for p in pieces if p.records is not None]
    assert windows == [(1, 5), (5, 9), (9, 13), (13, sys.maxsize)]  # 16 lines, the last window open-ended
    assert all(sum(1 if p.records is None else 4 for p in task.pieces) <= 4 for task in plan)
    assert [task.index for task in plan] == list(range(len(plan)))
    assert len({task.key for task in plan}) == len(plan)


def test_reading_every_window_reads_the_file_once(corpus):
    whole, windowed = RunStats(), RunStats()
    expected = [(d.doc_id, d.text) for d in read_path(corpus / "wire.jsonl", whole)]
    plan = plan_shards([corpus / "wire.jsonl"], ReadOptions(), 3, RunStats())
    found = [(d.doc_id, d.text) for task in plan for piece in task.pieces
             for d in read_path(Path(piece.path), windowed, records=piece.window())]
    assert len(plan) == 6
    assert found == expected
    assert (windowed.read, windowed.skipped) == (whole.read, whole.skipped)
    assert windowed.skipped == {"jsonl: not JSON": 1}


def test_a_changed_file_or_option_changes_the_shard_key(corpus, tmp_path):
    task = plan_shards([corpus / "story-001.txt"], ReadOptions(), 4, RunStats(), salt="a")[0]
    assert shard_key(task.pieces, "a") == task.key
    assert shard_key(task.pieces, "b") != task.key  # another pipeline or options
    copy = tmp_path / "story.txt"
    copy.write_text("one")
    before = plan_shards([copy], ReadOptions(), 4, RunStats())[0].key
    copy.write_text("two, longer")
    assert plan_shards([copy], ReadOptions(), 4, RunStats())[0].key != before


def test_standard_input_cannot_be_sharded():
    with pytest.raises(ShardError, match="standard input"):
        plan_shards(["-"], ReadOptions(), 4, RunStats())


def test_the_stored_index_finds_exactly_the_stored_documents():
    hashes = {f"doc-{n}": (f"hash-{n}", PIPELINE) for n in range(500)}
    hashes["old"] = ("hash-old", "an older model")
    index = StoredIndex.from_hashes(hashes, PIPELINE)
    assert len(index) == 500
    assert all(index.contains(f"doc-{n}", f"hash-{n}") for n in range(500))
    assert not index.contains("doc-1", "hash-2")
    assert not index.contains("old", "hash-old")  # stored by another pipeline: extracted again
    assert not StoredIndex().contains("doc-1", "hash-1")


# -- processing and merging --------------------------------------------------------------------------

def test_sharded_ingest_writes_the_in_process_ledger(corpus, reference, tmp_path):
    reference_db, expected = reference
    db = tmp_path / "sharded.duckdb"
    with Ledger(db) as ledger:
        report = ingest_shards(ledger, [corpus, corpus / "missing.txt"], RULES, InProcessExecutor(),
                               ShardOptions(shard_size=4))
    assert snapshot(db) == snapshot(reference_db)
    assert (report.added, report.updated, report.unchanged) == (expected.added, 0, 0)
    assert report.stats.skipped == expected.stats.skipped == {
        "binary": 1, "empty": 1, "missing path": 1, "jsonl: not JSON": 1, "duplicate document id": 1}
    assert report.stats.read == expected.stats.read
    assert report.shards.processed == report.shards.total > 5 and report.shards.failed == []
    assert not (tmp_path / "sharded.duckdb.shards").exists()  # all merged: the shard files are gone


def test_a_worker_does_not_extract_stored_documents_again(corpus, reference, tmp_path):
    reference_db, _ = reference
    with Ledger(reference_db, read_only=True) as ledger:
        stored = StoredIndex.from_hashes(ledger.document_hashes(), PIPELINE)
    task = plan_shards([corpus / "wire.jsonl"], ReadOptions(), 100, RunStats())[0]
    (tmp_path / "fresh.parquet").write_bytes(process_shard(task, ShardJob(RULES, PIPELINE, StoredIndex(), os.getcwd())))
    (tmp_path / "known.parquet").write_bytes(process_shard(task, ShardJob(RULES, PIPELINE, stored, os.getcwd())))
    fresh, known = read_shard(tmp_path / "fresh.parquet"), read_shard(tmp_path / "known.parquet")
    assert [d.doc_id for d in fresh.documents] == [d.doc_id for d in known.documents]
    assert all(d.document is not None for d in fresh.documents[:-1])
    # every record but the last (story-002, another text under an id stored from a text file) is stored unchanged
    assert [d.unchanged for d in known.documents] == [True] * (len(known.documents) - 1) + [False]
    assert all(d.document is None for d in known.documents[:-1])
    assert fresh.events == known.events == [("skipped", "jsonl: not JSON", f"skipped {corpus / 'wire.jsonl'}:4: "
                                                                           "jsonl: not JSON")]


class FailingExecutor(InProcessExecutor):
    """The in-process executor with one shard failing, as a shard whose worker kept dying fails on Ray."""

    def __init__(self, failing: int) -> None:
        self.failing = failing
        self.ran: list[int] = []

    def run(self, tasks, job):
        self.ran = [task.index for task in tasks]
        if self.failing in self.ran:
            yield ShardOutcome(self.failing, error="ActorDiedError: killed")
        yield from super().run([t for t in tasks if t.index != self.failing], job)


def test_a_rerun_processes_only_the_unfinished_shards(corpus, reference, tmp_path):
    reference_db, expected = reference
    db = tmp_path / "resumed.duckdb"
    paths = [corpus, corpus / "missing.txt"]
    with Ledger(db) as ledger:
        first = ingest_shards(ledger, paths, RULES, FailingExecutor(3), ShardOptions(shard_size=4))
    assert first.shards.failed == [(3, "ActorDiedError: killed")]
    assert first.shards.processed == first.shards.total - 1
    partial = snapshot(db)
    assert 0 < len(partial["documents"]) < len(snapshot(reference_db)["documents"])
    executor = InProcessExecutor()
    with Ledger(db) as ledger:
        second = ingest_shards(ledger, paths, RULES, executor, ShardOptions(shard_size=4))
    assert (second.shards.processed, second.shards.reused) == (1, first.shards.total - 1)
    assert second.added == len(snapshot(reference_db)["documents"]) - len(partial["documents"])
    assert second.unchanged == first.added  # the reused shards' documents, stored by the first run
    assert second.stats.skipped == first.stats.skipped == expected.stats.skipped
    assert snapshot(db) == snapshot(reference_db)


def test_a_kept_shard_is_redone_when_the_ledger_changed_under_it(corpus, reference, tmp_path):
    """A shard that found a document stored unchanged is not reused once another run replaced that document."""
    db = tmp_path / "changed.duckdb"
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("story-000.txt", "story-001.txt"):
        (folder / name).write_bytes((corpus / name).read_bytes())
    with Ledger(db) as ledger:
        ingest(ledger, [folder], RULES)
        failing = ingest_shards(ledger, [folder], RULES, FailingExecutor(1), ShardOptions(shard_size=1))
        assert failing.shards.failed and failing.unchanged == 1  # shard 0's file is kept: story-000 unchanged
        other = tmp_path / "other" / "story-000.txt"
        other.parent.mkdir()
        other.write_text("“A new text,” Lena Ortiz said.\n", encoding="utf-8")
        ingest(ledger, [other], RULES)  # another input replaces story-000
        executor = FailingExecutor(-1)
        again = ingest_shards(ledger, [folder], RULES, executor, ShardOptions(shard_size=1))
    assert executor.ran == [0, 1] and again.shards.reused == 0
    assert (again.updated, again.unchanged) == (1, 1)
    with Ledger(db, read_only=True) as ledger:
        assert ledger.document("story-000").text == (corpus / "story-000.txt").read_text(encoding="utf-8")


def test_a_second_sharded_run_changes_nothing(corpus, reference, tmp_path):
    db = tmp_path / "twice.duckdb"
    with Ledger(db) as ledger:
        first = ingest_shards(ledger, [corpus], RULES, shard_options=ShardOptions(shard_size=8))
        second = ingest_shards(ledger, [corpus], RULES, shard_options=ShardOptions(shard_size=8))
    assert (second.added, second.updated, second.unchanged, second.attributions) == (0, 0, first.added, 0)


# -- the command line without Ray --------------------------------------------------------------------

runner = CliRunner()


def test_ray_options_need_the_ray_engine(corpus, tmp_path):
    result = runner.invoke(app, ["ingest", str(corpus), "--db", str(tmp_path / "l.duckdb"), "--workers", "2"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --workers: only with --engine ray"


def test_the_ray_engine_without_ray_installed_is_one_line(corpus, tmp_path):
    """The core install has no Ray: `--engine ray` says how to get it (Ray hidden from this process)."""
    code = "import sys; sys.modules['ray'] = None\nfrom onrecord.cli import app; app()"
    result = subprocess.run(
        [sys.executable, "-c", code, "ingest", str(corpus), "--db", str(tmp_path / "l.duckdb"), "--engine", "ray",
         "--profile", "rules"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        'error: --engine ray needs Ray, which is not installed: pip install "onrecord[ray]"']


def test_the_ray_engine_refuses_standard_input(tmp_path):
    result = runner.invoke(app, ["ingest", "-", "--db", str(tmp_path / "l.duckdb"), "--engine", "ray"], input="x")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --engine ray reads files and folders, not standard input (-)"


def test_read_inputs_still_reads_everything_in_order(corpus):
    """The in-process reading the shards are compared with: the folder's files sorted, then the JSONL lines."""
    stats = RunStats()
    ids = [d.doc_id for d in read_inputs([corpus], stats)]
    assert ids[:2] == ["story-000", "story-001"] and ids[-1] == "story-002"
    assert stats.skipped == {"binary": 1, "empty": 1, "jsonl: not JSON": 1}

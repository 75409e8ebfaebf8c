"""`onrecord ingest --engine ray` on a real local Ray cluster (two CPUs, no dashboard, usage stats off): the same
ledger as the in-process ingest, a killed worker's shard retried by Ray, and a failed run resumed shard by shard.

The cluster starts once for the module; the corpus is a few dozen short texts of our own (tests/shard_corpus.py),
extracted with the rules profile, so the whole module takes well under a minute.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onrecord.cli import app
from onrecord.run import ingest
from onrecord.store import Ledger
from onrecord.run.shards import CRASH_HOOK_ENV, ShardOptions, ingest_shards
from shard_corpus import RULES, snapshot, write_shard_corpus

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # before Ray is imported
ray = pytest.importorskip("ray", reason='Ray is an optional extra: pip install "onrecord[ray]"')
from onrecord.run.ray import RayExecutor  # noqa: E402

SHARDS = ShardOptions(shard_size=4)


@pytest.fixture(scope="module", autouse=True)
def cluster():
    """One local Ray cluster for the module; the engine joins it instead of starting its own."""
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_shard_corpus(tmp_path_factory.mktemp("ray") / "corpus")


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """The in-process ingest of the corpus: what every Ray run must leave, table by table."""
    db = tmp_path_factory.mktemp("reference") / "reference.duckdb"
    with Ledger(db) as ledger:
        report = ingest(ledger, [corpus, corpus / "missing.txt"], RULES)
    return db, report


def ray_ingest(db: Path, corpus: Path, retries: int = 3):
    with Ledger(db) as ledger, RayExecutor(workers=2, retries=retries) as executor:
        return ingest_shards(ledger, [corpus, corpus / "missing.txt"], RULES, executor, SHARDS)


def attempts(marker: Path) -> list[str]:
    """The worker processes that started the hooked shard, one line (its pid) per attempt."""
    return marker.read_text().split()


def test_ray_ingest_writes_exactly_the_in_process_ledger(corpus, reference, tmp_path):
    reference_db, expected = reference
    report = ray_ingest(tmp_path / "ray.duckdb", corpus)
    assert snapshot(tmp_path / "ray.duckdb") == snapshot(reference_db)
    assert len(snapshot(reference_db)["documents"]) > 30
    assert (report.added, report.updated, report.unchanged) == (expected.added, 0, 0)
    assert report.stats.skipped == expected.stats.skipped  # binary, empty, not JSON, missing, duplicate id
    assert report.stats.read == expected.stats.read
    assert report.shards.total == report.shards.processed > 5 and report.shards.workers == 2


def test_a_killed_worker_is_retried_and_the_ledger_is_the_same(corpus, reference, tmp_path, monkeypatch):
    marker = tmp_path / "attempts"
    monkeypatch.setenv(CRASH_HOOK_ENV, f"2:{marker}:1")  # the worker on shard 2 kills itself on its first try
    report = ray_ingest(tmp_path / "killed.duckdb", corpus)
    tries = attempts(marker)
    assert len(tries) == 2 and tries[0] != tries[1]  # killed once, then done by the restarted worker
    assert report.shards.failed == [] and report.shards.processed == report.shards.total
    assert snapshot(tmp_path / "killed.duckdb") == snapshot(reference[0])


def test_a_failed_run_is_resumed_with_only_the_unfinished_shards(corpus, reference, tmp_path, monkeypatch):
    db, marker = tmp_path / "resumed.duckdb", tmp_path / "attempts"
    monkeypatch.setenv(CRASH_HOOK_ENV, f"3:{marker}:99")  # shard 3's worker dies on every try
    first = ray_ingest(db, corpus, retries=1)
    assert len(attempts(marker)) == 2  # the first try and Ray's one retry
    assert [index for index, _ in first.shards.failed] == [3]
    assert first.shards.failed[0][1].startswith(("ActorDiedError", "ActorUnavailableError"))  # how Ray words it
    assert first.shards.processed == first.shards.total - 1
    assert any((tmp_path / "resumed.duckdb.shards").glob("shard-*.parquet"))  # kept for the next run
    assert len(snapshot(db)["documents"]) < len(snapshot(reference[0])["documents"])

    monkeypatch.delenv(CRASH_HOOK_ENV)
    second = ray_ingest(db, corpus)
    assert (second.shards.processed, second.shards.reused) == (1, first.shards.total - 1)
    assert second.added == len(snapshot(reference[0])["documents"]) - first.added
    assert snapshot(db) == snapshot(reference[0])
    assert not (tmp_path / "resumed.duckdb.shards").exists()


def test_the_command_line_ingests_on_ray_and_says_so(corpus, reference, tmp_path):
    db = tmp_path / "cli.duckdb"
    command = ["ingest", str(corpus), str(corpus / "missing.txt"), "--db", str(db), "--profile", "rules",
               "--engine", "ray", "--workers", "2", "--shard-size", "4"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    shards = next(line for line in lines if line.startswith("shards: "))
    total = reference[1].stats.read  # a shard of 4 records or fewer each: at least a quarter as many shards
    assert shards.endswith("processed on 2 workers, 0 reused from an earlier run)")
    assert any(line.startswith(f"processed {reference[1].processed}, skipped 5") for line in lines)
    assert int(shards.split()[1]) >= total / 4
    assert snapshot(db) == snapshot(reference[0])
    again = CliRunner().invoke(app, command)
    assert again.exit_code == 0, again.output
    assert f"(added 0, updated 0, unchanged {reference[1].processed})" in again.stderr


def test_more_workers_than_cpus_is_one_error_line(corpus, tmp_path):
    result = CliRunner().invoke(app, ["ingest", str(corpus), "--db", str(tmp_path / "l.duckdb"), "--profile",
                                      "rules", "--engine", "ray", "--workers", "3"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --workers 3 needs 3 CPUs (one per worker); the Ray cluster has 2"]

"""`ingest --engine ray` into a PostgreSQL ledger, on a real local Ray cluster (two CPUs) and a real throwaway
server: the workers write their shards themselves, side by side (the driver writes no row), and the ledger
equals the in-process ingest's, a killed worker's shard retried included."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from onrecord.cli import app
from onrecord.run import ingest
from onrecord.run.shards import CRASH_HOOK_ENV, ingest_shards
from onrecord.store.backend import open_ledger
from postgres_fixture import create_database
from shard_corpus import RULES, write_shard_corpus
from test_ledger_postgres import table_rows

pytest.importorskip("ray", reason='Ray is an optional extra: pip install "onrecord[ray]"')
from onrecord.run.ray import RayExecutor  # noqa: E402
from test_ray_engine import SHARDS, cluster  # noqa: E402,F401  (one local Ray cluster for the module)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_shard_corpus(tmp_path_factory.mktemp("raypg") / "corpus")  # ids read twice across shards included


@pytest.fixture(scope="module")
def reference(corpus, postgres_server):
    """The in-process ingest into PostgreSQL: its tables and report."""
    url = create_database(postgres_server)
    with open_ledger(url) as ledger:
        report = ingest(ledger, [corpus, corpus / "missing.txt"], RULES)
        return table_rows(ledger), report


def ray_ingest(url: str, corpus, retries: int = 3):
    """The Ray ingest, counting the rows the driver's own ledger writes."""
    with open_ledger(url) as ledger, RayExecutor(workers=2, retries=retries) as executor:
        written = []
        write_rows = ledger.write_rows
        ledger.write_rows = lambda documents, attributions: written.append(len(documents)) or write_rows(
            documents, attributions)
        report = ingest_shards(ledger, [corpus, corpus / "missing.txt"], RULES, executor, SHARDS)
        return report, written, table_rows(ledger)


def test_workers_write_concurrently_and_the_ledger_equals_the_in_process_one(corpus, reference, postgres_url,
                                                                              tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expected, expected_report = reference
    report, driver_writes, rows = ray_ingest(postgres_url, corpus)
    assert sum(driver_writes) == 0  # every row came from the workers (the driver only flushes an empty batch)
    assert rows == expected
    assert len(rows["documents"]) > 30
    assert (report.added, report.updated, report.unchanged) == (expected_report.added, 0, 0)
    assert report.attributions == expected_report.attributions
    assert report.stats.skipped == expected_report.stats.skipped  # binary, empty, not JSON, missing, duplicate id
    assert report.shards.total == report.shards.processed > 5 and report.shards.workers == 2
    assert not list(tmp_path.iterdir()) and report.shards.work_dir == ""  # no shard files anywhere


def test_a_killed_worker_is_retried_and_the_ledger_is_the_same(corpus, reference, postgres_url, tmp_path,
                                                               monkeypatch):
    marker = tmp_path / "attempts"
    monkeypatch.setenv(CRASH_HOOK_ENV, f"2:{marker}:1")  # the worker on shard 2 kills itself on its first try
    report, _, rows = ray_ingest(postgres_url, corpus)
    assert len(marker.read_text().split()) == 2
    assert report.shards.failed == [] and rows == reference[0]


def test_the_command_line_ingests_into_postgresql_on_ray(corpus, reference, postgres_url):
    command = ["ingest", str(corpus), str(corpus / "missing.txt"), "--db", postgres_url, "--profile", "rules",
               "--engine", "ray", "--workers", "2", "--shard-size", "4"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert f"(added {reference[1].added}, updated 0, unchanged 0)" in result.stderr
    with open_ledger(postgres_url, read_only=True) as ledger:
        assert table_rows(ledger) == reference[0]

"""Crash safety on PostgreSQL, as tests/test_ledger_crash.py checks it on DuckDB: `onrecord ingest --db
postgresql://…` killed with SIGKILL at random moments, then resumed, ends with exactly the ledger an
uninterrupted ingest writes; after every kill, each stored document is whole."""
from __future__ import annotations

import random

from onrecord.store import StatementQuery
from onrecord.store.backend import open_ledger
from postgres_fixture import create_database
from test_ledger_crash import assert_whole_documents, ingest_process, kill_after_changes, write_corpus
from test_ledger_postgres import table_rows


def stored_documents(url: str) -> int:
    """How many documents the ledger holds now (0 before its tables exist)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        exists = connection.execute("SELECT to_regclass('documents') IS NOT NULL").fetchone()[0]
        return connection.execute("SELECT count(*) FROM documents").fetchone()[0] if exists else 0


def searches(url: str) -> list[list[int]]:
    with open_ledger(url, read_only=True) as ledger:
        return [sorted(s.attribution_id for s in ledger.search(StatementQuery(text=text, limit=None)))
                for text in ("answer days", "going nowhere", '"still open"')]


def test_killed_ingests_resume_to_the_uninterrupted_result(tmp_path, postgres_server):
    corpus = write_corpus(tmp_path / "corpus", 120)
    reference_url = create_database(postgres_server)
    reference = ingest_process(corpus, reference_url)
    assert reference.wait(timeout=300) == 0, reference.stderr.read().decode()
    with open_ledger(reference_url, read_only=True) as ledger:
        expected = table_rows(ledger)
    assert len(expected["documents"]) == 120

    url = create_database(postgres_server)
    rnd = random.Random(7)
    kills = 0
    for _ in range(5):  # at most 5 × 3 batches of the 24: each run is cut short, however loaded the machine
        process = ingest_process(corpus, url)
        kills += kill_after_changes(process, lambda: stored_documents(url), rnd.randint(1, 3), rnd)
        process.wait(timeout=60)
        if stored_documents(url):
            with open_ledger(url, read_only=True) as ledger:
                state = table_rows(ledger)  # what a reader sees after the crash: whole documents only
            assert_whole_documents(state, expected)
    assert kills >= 3  # most runs were cut short, or the test proved nothing
    final = ingest_process(corpus, url)
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()
    with open_ledger(url, read_only=True) as ledger:
        assert table_rows(ledger) == expected
    assert searches(url) == searches(reference_url)

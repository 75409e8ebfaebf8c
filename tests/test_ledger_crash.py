"""Crash safety: `onrecord ingest` killed with SIGKILL at random moments, then resumed, ends with exactly
the ledger an uninterrupted ingest writes; after every kill, each stored document is whole."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from onrecord.store import Ledger, StatementQuery

PEOPLE = [("Dmitry", "Peskov", "Kremlin spokesman"), ("Lena", "Ortiz", "Harbour authority chief"),
          ("John", "Smith", "Senator"), ("Anna", "Smith", "Mayor"), ("Ruth", "Okafor", "Deputy Energy Minister"),
          ("Pavel", "Idris", "Ministry spokesman"), ("Elena", "Marsh", "Foreign Minister")]
TOPICS = ["the dam", "the port", "the border", "the budget", "the hearings", "the exercises", "the ceasefire"]
OUTLETS = ["The Northern Ledger", "The Harbor Post", "The Example Times"]
TABLES = ("documents", "attributions", "speakers", "speaker_mentions", "corrections")


def article(number: int) -> str:
    """A short news text of our own, different for every number, with a few attributions."""
    rnd = random.Random(number)
    first, last, role = rnd.choice(PEOPLE)
    other = rnd.choice([p for p in PEOPLE if p[1] != last])
    topic, outlet = rnd.choice(TOPICS), rnd.choice(OUTLETS)
    return (
        f"date 2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}\n"
        f"{role} {first} {last} said on Monday that {topic} would be discussed again in round {number}.\n\n"
        f"Article by Jane Doe from our partners at {outlet}.\n\n"
        f"“We expect an answer on {topic} within {number % 9 + 2} days,” {last} told reporters.\n\n"
        f"{other[2]} {other[0]} {other[1]} said the talks on {topic} were “going nowhere.”\n\n"
        f"Officials, speaking on condition of anonymity, said item {number} was still open.\n"
    )


def write_corpus(folder: Path, size: int) -> Path:
    folder.mkdir()
    for number in range(size):
        (folder / f"story-{number:04d}.txt").write_text(article(number), encoding="utf-8")
    return folder


def ingest_process(corpus: Path, db: Path) -> subprocess.Popen:
    """`onrecord ingest` in its own process (so it can be killed), rules profile, small batches."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-c", "from onrecord.cli import app; app()", "ingest", str(corpus),
               "--db", str(db), "--profile", "rules", "--batch-size", "5", "--quiet"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted."""
    with Ledger(db, read_only=True) as ledger:
        return {table: sorted(ledger.connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in TABLES}


def ledger_files(db: Path) -> tuple:
    """Name, size and modification stamp of the ledger's files (the database, its WAL): they change as it writes."""
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(db.parent.glob(db.name + "*")))


def kill_after_writes(process: subprocess.Popen, db: Path, writes: int, rnd: random.Random) -> bool:
    """SIGKILL `process` a random moment after it has changed the ledger's files `writes` times; False if it
    finished first."""
    return kill_after_changes(process, lambda: ledger_files(db), writes, rnd)


def kill_after_changes(process: subprocess.Popen, state, changes: int, rnd: random.Random) -> bool:
    """SIGKILL `process` a random moment after `state()` has changed `changes` times; False if it finished first.
    Moments come from the ingest's own progress, not from a clock, so a loaded machine moves them no nearer the
    end of the run."""
    seen = state()
    while changes and process.poll() is None:
        now = state()
        if now != seen:
            changes, seen = changes - 1, now
        time.sleep(0.002)
    time.sleep(rnd.uniform(0, 0.02))  # in the middle of the next write, or between two
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGKILL)
    return True


def searches(db: Path) -> list[list[int]]:
    with Ledger(db, read_only=True) as ledger:
        return [[s.attribution_id for s in ledger.search(StatementQuery(text=text, limit=50))]
                for text in ("answer days", "going nowhere", '"still open"')]


def assert_whole_documents(state: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    """Every stored document has exactly the attributions the uninterrupted ingest gave it; none is orphaned."""
    by_doc: dict[str, list[tuple]] = {}
    for row in expected["attributions"]:
        by_doc.setdefault(row[1], []).append(row)
    for doc in state["documents"]:
        stored = [row for row in state["attributions"] if row[1] == doc[0]]
        assert sorted(stored, key=repr) == sorted(by_doc.get(doc[0], []), key=repr)
    assert {row[1] for row in state["attributions"]} <= {doc[0] for doc in state["documents"]}


def test_killed_ingests_resume_to_the_uninterrupted_result(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 240)
    reference_db = tmp_path / "reference.duckdb"
    reference = ingest_process(corpus, reference_db)
    assert reference.wait(timeout=300) == 0, reference.stderr.read().decode()
    expected = snapshot(reference_db)
    assert len(expected["documents"]) == 240

    db = tmp_path / "crashed.duckdb"
    rnd = random.Random(7)
    kills = 0
    for _ in range(6):  # at most 6 × 4 writes of the 48 batches: each run is cut short, however loaded the machine
        process = ingest_process(corpus, db)
        kills += kill_after_writes(process, db, rnd.randint(1, 4), rnd)
        process.wait(timeout=60)
        if db.exists():
            state = snapshot(db)  # what a reader sees after the crash: whole documents only
            assert_whole_documents(state, expected)
    assert kills >= 3  # most runs were cut short, or the test proved nothing
    final = ingest_process(corpus, db)
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()
    assert snapshot(db) == expected
    assert searches(db) == searches(reference_db)


@pytest.mark.parametrize("moment", ["after a batch", "before refresh"])
def test_stale_speakers_and_index_are_rebuilt_by_the_next_run(tmp_path, moment):
    """A run that dies between writing and refreshing leaves flags that the next run acts on."""
    corpus = write_corpus(tmp_path / "corpus", 12)
    reference_db = tmp_path / "reference.duckdb"
    assert ingest_process(corpus, reference_db).wait(timeout=120) == 0
    db = tmp_path / "l.duckdb"
    assert ingest_process(corpus, db).wait(timeout=120) == 0
    with Ledger(db) as ledger:  # simulate the crash: speakers gone, flags set, as if refresh never ran
        ledger.connection.execute("DELETE FROM speakers")
        ledger.connection.execute("DELETE FROM speaker_mentions")
        ledger.connection.execute("UPDATE meta SET value = '1' WHERE key IN ('speakers_stale', 'search_stale')")
        if moment == "after a batch":
            ledger.connection.execute("DELETE FROM attributions WHERE doc_id = 'story-0003'")
            ledger.connection.execute("DELETE FROM documents WHERE doc_id = 'story-0003'")
    assert ingest_process(corpus, db).wait(timeout=120) == 0
    assert snapshot(db) == snapshot(reference_db)
    assert searches(db) == searches(reference_db)

"""Acceptance on real news: PolNeAR train+dev, then the seed article, into one ledger (skips without ../shared)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onrecord.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory, polnear_train, polnear_dev, seed_path) -> Path:
    """PolNeAR train+dev ingested with the default (accurate) profile, then the seed article."""
    path = tmp_path_factory.mktemp("polnear") / "ledger.duckdb"
    corpus = runner.invoke(app, ["ingest", str(polnear_train / "text"), str(polnear_dev / "text"),
                                 "--db", str(path), "--quiet"])
    assert corpus.exit_code == 0, corpus.output
    articles = sum(1 for split in (polnear_train, polnear_dev) for _ in (split / "text").glob("*.txt"))
    assert corpus.stderr.startswith(f"processed {articles}, skipped 0")
    seed = runner.invoke(app, ["ingest", str(seed_path), "--db", str(path), "--quiet"])
    assert seed.exit_code == 0 and seed.stderr.startswith("processed 1, skipped 0 (added 1")
    return path


def search(db: Path, *args: str) -> list[dict]:
    result = runner.invoke(app, ["search", *args, "--format", "jsonl", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_search_by_speaker(db):
    rows = search(db, "--speaker", "Clinton", "--limit", "5")
    assert len(rows) == 5
    assert all("Clinton" in row["speaker"] for row in rows)


def test_search_by_text(db):
    rows = search(db, "emergency room")
    assert rows and all("emergency room" in row["content"].lower() for row in rows)
    assert any("Hillary Clinton" in row["content"] and "emergency room" in row["content"] for row in rows)


def test_hillary_and_bill_clinton_are_two_speakers(db):
    result = runner.invoke(app, ["speakers", "--name", "Clinton", "--format", "jsonl", "--db", str(db)])
    people = {row["name"]: row for row in map(json.loads, result.stdout.splitlines()) if row["type"] == "person"}
    assert {"Hillary Clinton", "Bill Clinton"} <= set(people)
    assert people["Hillary Clinton"]["speaker_id"] != people["Bill Clinton"]["speaker_id"]
    assert people["Hillary Clinton"]["statements"] > people["Bill Clinton"]["statements"] > 10
    assert "Hillary Clinton" not in people["Bill Clinton"]["names"]


def test_the_seed_is_in_the_ledger_with_its_speakers(db):
    rows = search(db, '"Never planned, never did."')
    assert [row["speaker"] for row in rows] == ["Dmitry Polyanskiy"]
    assert rows[0]["outlet"] == "The Epoch Times" and rows[0]["published"] == "2021-11-24"
    assert not search(db, "promo code")  # nothing from the advert
    peskov = search(db, "--speaker", "Peskov")
    assert peskov and peskov[0]["speaker"] == "Dmitry Peskov" and peskov[0]["via"] == "TASS"

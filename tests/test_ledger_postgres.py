"""The PostgreSQL ledger on a real throwaway server (tests/postgres_fixture.py): the same input gives the same
documents, attributions, speakers and search results as the DuckDB ledger; schema versions are checked and
migrated the same way; the CLI and the web server take a postgresql:// --db."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onrecord.cli import app
from onrecord.run import ingest
from onrecord.store import Ledger, LedgerError, StatementQuery
from onrecord.store.backend import open_ledger
from onrecord.store.rows import ATTRIBUTION_SCHEMA, DOCUMENT_SCHEMA
from shard_corpus import RULES, write_shard_corpus

STYLES = Path(__file__).parent / "fixtures" / "styles" / "text"
COLUMNS = {  # the shared tables' columns (PostgreSQL adds its own: the index's terms, the order stored)
    "documents": DOCUMENT_SCHEMA().names, "attributions": ATTRIBUTION_SCHEMA().names,
    "speakers": ["speaker_id", "name", "type", "names", "roles", "affiliations", "statements"],
    "speaker_mentions": ["mention_key", "speaker_id"], "corrections": ["seq", "action", "a", "b"],
}
QUERIES = ["nobody", "nobody month", '"far from finished"', "plan -bridge", "bridge OR trains", "reop*",
           "settled week", "ferry strike -nobody", '"month of this" OR reopened', "officials"]


def table_rows(ledger: Ledger) -> dict[str, list[tuple]]:
    """Every shared table's rows (its shared columns), sorted."""
    return {table: sorted((tuple(row) for row in ledger.connection.execute(
        f"SELECT {', '.join(columns)} FROM {table}").fetchall()), key=repr) for table, columns in COLUMNS.items()}


def search_results(ledger: Ledger, **filters) -> dict[str, list[int]]:
    """The statements each query finds, as sorted ids (the two indexes rank differently; they match the same)."""
    return {text: sorted(s.attribution_id for s in ledger.search(StatementQuery(text=text, limit=None, **filters)))
            for text in QUERIES}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = write_shard_corpus(tmp_path_factory.mktemp("pg") / "corpus")
    for path in STYLES.glob("*.txt"):  # real newsroom styles beside the made-up stories
        (folder / f"style-{path.name}").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def duckdb_ledger(corpus, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("duck") / "ledger.duckdb"
    with Ledger(db) as ledger:
        ingest(ledger, [corpus], RULES)
    return db


def test_the_same_input_gives_the_same_ledger(corpus, duckdb_ledger, postgres_url):
    with open_ledger(postgres_url) as ledger:
        report = ingest(ledger, [corpus], RULES)
        assert report.added > 30 and report.attributions > 100
    with Ledger(duckdb_ledger, read_only=True) as expected, open_ledger(postgres_url, read_only=True) as found:
        assert table_rows(found) == table_rows(expected)
        assert found.counts() == expected.counts()
        assert search_results(found) == search_results(expected)
        assert all(search_results(expected).values())  # every query finds something: the comparison means something
        assert search_results(found, kind="direct") == search_results(expected, kind="direct")
        for query in (StatementQuery(), StatementQuery(speaker="Nakamura"), StatementQuery(outlet="riverton"),
                      StatementQuery(anonymous=True, limit=5, offset=2)):
            assert [s.to_dict() for s in found.search(query)] == [s.to_dict() for s in expected.search(query)]
        assert found.speakers() == expected.speakers()
        assert found.speakers(proper_names=True, name="a") == expected.speakers(proper_names=True, name="a")
        assert found.outlets() == expected.outlets()
        assert found.documents(limit=None) == expected.documents(limit=None)
        assert found.date_range() == expected.date_range()
        query = StatementQuery(text="nobody OR plan")
        assert found.facets(query) == expected.facets(query)
        assert found.statements_per_day(query) == expected.statements_per_day(query)
        assert found.statements_per_outlet(query) == expected.statements_per_outlet(query)
        assert found.sourcing(outlet="Riverton Daily") == expected.sourcing(outlet="Riverton Daily")
        doc_id = expected.documents(limit=1)[0].doc_id
        assert found.document(doc_id) == expected.document(doc_id)
        assert found.stems(["running", "harbours"]) == expected.stems(["running", "harbours"])
        for text in QUERIES:  # a page of a ranked search is that slice of the whole ranked list
            whole = [s.attribution_id for s in found.search(StatementQuery(text=text, limit=None))]
            page = [s.attribution_id for s in found.search(StatementQuery(text=text, limit=4, offset=3))]
            kind = [s.attribution_id for s in found.search(StatementQuery(text=text, kind="direct", limit=2))]
            assert page == whole[3:7]
            assert kind == [s.attribution_id for s in found.search(
                StatementQuery(text=text, kind="direct", limit=None))][:2]


def test_ingest_again_changes_nothing_and_corrections_replay(corpus, postgres_url):
    with open_ledger(postgres_url) as ledger:
        ingest(ledger, [corpus], RULES)
        before = table_rows(ledger)
        again = ingest(ledger, [corpus], RULES)
        assert again.added == again.updated == 0 and again.unchanged > 30
        assert table_rows(ledger) == before
        merged = ledger.merge_speakers("grace-nakamura", "idris-bello")
        assert {"Grace Nakamura", "Idris Bello"} <= set(merged.names)
        ingest(ledger, [corpus], RULES)  # a later ingest replays the correction
        assert len(ledger.find_speakers("Idris Bello")) == 1
        assert ledger.find_speakers("Idris Bello")[0].speaker_id == merged.speaker_id


def test_schema_versions_are_checked_and_migrated(postgres_url):
    with open_ledger(postgres_url) as ledger:
        ledger.connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(LedgerError, match="schema version 99, newer"):
        open_ledger(postgres_url)
    with _raw(postgres_url) as con:  # back to version 1, as an older onrecord left it
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        con.execute("ALTER TABLE attributions DROP COLUMN act, DROP COLUMN floating, DROP COLUMN speaker_gender, "
                    "DROP COLUMN speaker_gender_evidence")
        con.execute("ALTER TABLE speakers DROP COLUMN gender, DROP COLUMN gender_conflicts, DROP COLUMN gender_evidence")
    with pytest.raises(LedgerError, match="older than this onrecord's .* onrecord migrate --db"):
        open_ledger(postgres_url)
    result = CliRunner().invoke(app, ["migrate", "--db", postgres_url])
    assert result.exit_code == 0, result.output
    with open_ledger(postgres_url, read_only=True) as ledger:
        assert ledger.connection.execute("SELECT act, floating, speaker_gender FROM attributions").fetchall() == []
        assert ledger.connection.execute("SELECT gender, gender_conflicts FROM speakers").fetchall() == []


def _raw(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def test_the_cli_and_the_web_server_take_a_postgresql_url(corpus, postgres_url, tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["ingest", str(corpus), "--db", postgres_url, "--profile", "rules", "--quiet"])
    assert done.exit_code == 0, done.output
    found = runner.invoke(app, ["search", "nobody month", "--db", postgres_url, "--format", "jsonl"])
    assert found.exit_code == 0, found.output
    contents = [json.loads(line)["content"].lower() for line in found.stdout.splitlines()]
    assert contents and all("nobody" in content and "month" in content for content in contents)
    speakers = runner.invoke(app, ["speakers", "--db", postgres_url, "--format", "jsonl"])
    assert speakers.exit_code == 0 and "grace-nakamura" in speakers.stdout
    out = tmp_path / "statements.jsonl"
    exported = runner.invoke(app, ["export", str(out), "--db", postgres_url, "--text", "nobody"])
    assert exported.exit_code == 0, exported.output
    assert all("nobody" in json.loads(line)["content"].lower() for line in out.read_text().splitlines())
    assert len(out.read_text().splitlines()) >= len(contents)
    sourcing = runner.invoke(app, ["profile", "--outlet", "Riverton Daily", "--db", postgres_url, "--format", "json"])
    assert sourcing.exit_code == 0 and '"scope": "outlet Riverton Daily"' in sourcing.stdout
    page = runner.invoke(app, ["serve", "--db", postgres_url, "--get", "/search.json?q=nobody"])
    assert page.exit_code == 0, page.output
    assert json.loads(page.stdout)["statements"]


def test_a_server_that_is_not_there_is_one_line(tmp_path):
    url = f"postgresql://nobody@/nothing?host={tmp_path}&port=1"
    result = CliRunner().invoke(app, ["search", "x", "--db", url])
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot connect to the ledger at postgresql://")
    assert "Traceback" not in result.output


def test_an_ingest_while_the_server_serves_shows_up_without_a_restart(corpus, postgres_url, tmp_path):
    """PostgreSQL takes writers beside readers: `onrecord ingest` runs while `onrecord serve` serves."""
    from serve_support import client_over

    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir(), later.mkdir()
    for path in sorted(corpus.glob("story-*.txt")):
        (first if path.name < "story-010" else later).joinpath(path.name).write_bytes(path.read_bytes())
    with open_ledger(postgres_url) as ledger:
        ingest(ledger, [first], RULES)
    with client_over(postgres_url, 10_000) as client:
        before = client.get("/search.json?q=nobody").json()["total"]
        with open_ledger(postgres_url) as writer:  # another writer, as another process would be
            ingest(writer, [later], RULES)
        after = client.get("/search.json?q=nobody").json()["total"]
    assert 0 < before < after

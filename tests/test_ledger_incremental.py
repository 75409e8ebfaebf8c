"""Incremental refresh: a ledger filled in steps, refreshed after each, equals one filled at once and rebuilt whole
(`refresh(force=True)`): speakers, their mentions, the search postings and what searches return."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from onrecord.options import ExtractOptions
from onrecord.run import IngestOptions, ingest
from onrecord.store import Ledger, StatementQuery
from onrecord.store import index

FIXTURES = Path(__file__).parent / "fixtures" / "ledger"
RULES = IngestOptions(extract=ExtractOptions(profile="rules"), batch_size=2)
SEARCHES = ("said", "exercises routine", "troops border", '"no build-up"', "hospital OR troops -border",
            "Peskov", "president", "minister*")
# the postings are one set in two tables (sorted, and new since the last compaction)
POSTINGS = "(SELECT * FROM search_postings UNION ALL SELECT * FROM search_postings_new)"
TABLES = ("speakers", "speaker_mentions", POSTINGS, "search_terms", "search_stats")


def table_rows(ledger: Ledger, table: str) -> list[tuple]:
    """Every row of a table, sorted: what two ledgers must share to be equal."""
    return sorted(ledger.connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


SPEAKERS = ("Peskov", "dmitry-peskov", "Smith", "ministry")


def results(ledger: Ledger) -> dict[str, list[tuple]]:
    """What each search of SEARCHES and SPEAKERS returns, in order (a page, and all): ids, speakers, scores."""
    queries = [StatementQuery(text=text) for text in SEARCHES] + [StatementQuery(speaker=name) for name in SPEAKERS]
    return {repr(query) + str(limit): [(s.attribution_id, s.speaker_id, s.score)
                                       for s in ledger.search(replace(query, limit=limit))]
            for query in queries for limit in (None, 5)}


def assert_equal(stepwise: Ledger, whole: Ledger) -> None:
    for table in TABLES:
        assert table_rows(stepwise, table) == table_rows(whole, table), table
    assert not stepwise.is_stale() and not whole.is_stale()
    assert results(stepwise) == results(whole)
    assert stepwise.speakers() == whole.speakers()


def rebuilt(path: Path, folders: list[Path]) -> Ledger:
    """A ledger of every file of `folders`, ingested at once and rebuilt whole."""
    ledger = Ledger(path)
    ingest(ledger, folders, RULES)
    ledger.refresh(force=True)
    return ledger


def split_files(source: Path, folder: Path, parts: int) -> list[Path]:
    """The files of `source` dealt into `parts` folders (round robin, sorted by name)."""
    folders = [folder / f"part{n}" for n in range(parts)]
    for part in folders:
        part.mkdir(parents=True)
    for n, path in enumerate(sorted(p for p in source.iterdir() if p.is_file())):
        shutil.copy(path, folders[n % parts] / path.name)
    return folders


@pytest.mark.parametrize("parts", [2, 3])
def test_ingesting_in_steps_equals_ingesting_at_once(tmp_path, parts):
    folders = split_files(FIXTURES, tmp_path / "in", parts)
    with Ledger(tmp_path / "steps.duckdb") as stepwise, rebuilt(tmp_path / "whole.duckdb", folders) as whole:
        for folder in folders:
            ingest(stepwise, [folder], RULES)  # each ingest ends with its refresh
        assert_equal(stepwise, whole)


def test_new_postings_are_sorted_in_once_many_and_found_either_way(tmp_path, monkeypatch):
    folders = split_files(FIXTURES, tmp_path / "in", 3)
    monkeypatch.setattr(index, "COMPACT_ROWS", 50)  # a few documents' postings are "many"
    monkeypatch.setattr(index, "COMPACT_SHARE", 0.0)
    with Ledger(tmp_path / "steps.duckdb") as stepwise, rebuilt(tmp_path / "whole.duckdb", folders) as whole:
        ingest(stepwise, [folders[0]], RULES)
        assert count(stepwise, "search_postings_new") == 0 < count(stepwise, "search_postings")
        monkeypatch.setattr(index, "COMPACT_ROWS", 10 ** 9)
        for folder in folders[1:]:
            ingest(stepwise, [folder], RULES)
        assert count(stepwise, "search_postings_new") > 0  # searched in both tables
        assert_equal(stepwise, whole)
        sorted_terms = [term for (term,) in stepwise.connection.execute("SELECT term FROM search_postings").fetchall()]
        assert sorted_terms == sorted(sorted_terms)


def count(ledger: Ledger, table: str) -> int:
    return ledger.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_document_changed_and_one_emptied_leave_no_trace(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(FIXTURES, folder)
    with Ledger(tmp_path / "steps.duckdb") as stepwise:
        ingest(stepwise, [folder], RULES)
        files = sorted(p for p in folder.iterdir() if p.is_file())
        # a document re-extracted with other statements, another now without any: their old postings and
        # mentions must go (the ids are the file names, so both are replaced, not added)
        files[0].write_text(files[0].read_text("utf-8").replace("said", "told reporters"), "utf-8")
        files[1].write_text("Nothing anyone said here is a quotation.\n", "utf-8")
        ingest(stepwise, [folder], RULES)
        with rebuilt(tmp_path / "whole.duckdb", [folder]) as whole:
            assert_equal(stepwise, whole)


@pytest.mark.parametrize("by_id", [False, True])
def test_refresh_after_corrections_replays_them(tmp_path, by_id):
    folders = split_files(FIXTURES, tmp_path / "in", 3)
    with Ledger(tmp_path / "steps.duckdb") as stepwise:
        ingest(stepwise, [folders[0]], RULES)
        people = [s for s in stepwise.speakers() if s.type == "person"]
        first, second = people[0], people[1]
        stepwise.merge_speakers(first.speaker_id, second.speaker_id)
        several = next((s for s in stepwise.speakers() if len(s.names) > 1), None)
        if several:
            stepwise.split_speaker(several.speaker_id, several.names[-1])
        if by_id:  # a correction naming a speaker by id alone: only a full unification can replay it
            last = [s.speaker_id for s in stepwise.speakers()][-2:]
            stepwise.connection.execute("INSERT INTO corrections VALUES (99, 'merge', ?, ?)", last)
        ingest(stepwise, [folders[1]], RULES)
        ingest(stepwise, [folders[2]], RULES)
        with Ledger(tmp_path / "whole.duckdb") as whole:
            ingest(whole, folders, RULES)
            for seq, action, a, b in stepwise.connection.execute("SELECT * FROM corrections ORDER BY seq").fetchall():
                whole.connection.execute("INSERT INTO corrections VALUES (?, ?, ?, ?)", [seq, action, a, b])
            whole.refresh(force=True)
            assert_equal(stepwise, whole)


def test_polnear_in_steps_equals_at_once(tmp_path, polnear_dev):
    texts = sorted((polnear_dev / "text").glob("*.txt"))[:90]
    folders = [tmp_path / f"part{n}" for n in range(3)]
    for n, folder in enumerate(folders):
        folder.mkdir()
        for path in texts[n::3]:
            shutil.copy(path, folder / path.name)
    with Ledger(tmp_path / "steps.duckdb") as stepwise, rebuilt(tmp_path / "whole.duckdb", folders) as whole:
        for folder in folders:
            ingest(stepwise, [folder], RULES)
        assert_equal(stepwise, whole)


# persons with gender evidence in several documents, the kinds mixed, some documents disagreeing (with another,
# or with themselves: "Park" is "he" where "Lena Park" is "she"), one stored again with other evidence
GENDER_DOCUMENTS = {  # doc_id → (outlet, published, rows as known_genders.DOCUMENTS gives them)
    "park-1": ("Metro", "2025-01-05", [
        ("Lena Park", "person", "woman", [("pronoun", "woman", "she"), ("first_name", "woman", "Lena")], "Rents rise"),
        ("Park", "person", "man", [("pronoun", "man", "he")], "Rents fall"),
        ("Tom Berg", "person", "man", [("first_name", "man", "Tom")], "Buses run late")]),
    "park-2": ("Metro", "2025-01-12", [
        ("Lena Park", "person", "woman", [("honorific", "woman", "Ms."), ("pronoun", "woman", "she")], "Rents hold"),
        ("Sam Ortiz", "person", "woman", [("pronoun", "woman", "she")], "The port is busy")]),
    "park-3": ("Courier", "2025-02-01", [
        ("Lena Park", "person", "woman", [("first_name", "woman", "Lena")], "Parks reopen"),
        ("Berg", "person", "man", [("pronoun", "man", "he")], "Trams are new"),
        ("Sam Ortiz", "person", "man", [("pronoun", "man", "he")], "The port is quiet")]),
    "park-4": ("Courier", "2025-02-09", [
        ("Park", "person", "man", [("pronoun", "man", "he")], "Taxes stay"),
        ("Lena Park", "person", "woman", [("role_noun", "woman", "chairwoman")], "Taxes go"),
        ("Robin Hale", "person", "woman", [("first_name", "woman", "Robin")], "Ships are late")]),
    "park-5": ("Metro", "2025-03-01", [
        ("Robin Hale", "person", "man", [("honorific", "man", "Mr.")], "Cargo is up"),
        ("Jordan Lee", "person", "unknown", [], "The road stays open"),
        ("Lena Park", "person", "woman", [("pronoun", "woman", "she"), ("honorific", "woman", "Ms.")], "Rents calm")]),
}
CHANGED = {"park-4": ("Courier", "2025-02-09", [  # stored again: Park is now "she" here
    ("Park", "person", "woman", [("pronoun", "woman", "she")], "Taxes stay")])}


def write_gender_documents(ledger: Ledger, documents: dict) -> None:
    """Write hand-made documents (known_genders.gender_document) and refresh: an incremental refresh where it can."""
    from known_genders import gender_document
    from onrecord.store.rows import attribution_rows, document_row, text_hash

    docs = [gender_document(doc_id, *rows) for doc_id, rows in documents.items()]
    ledger.write_rows([document_row(doc, None, text_hash(doc.text), "hand-written") for doc in docs],
                      [row for doc in docs for row in attribution_rows(doc)])
    ledger.refresh()


def test_genders_refreshed_in_steps_equal_a_full_rebuild_and_the_python_decision(tmp_path):
    with Ledger(tmp_path / "steps.duckdb") as stepwise, Ledger(tmp_path / "whole.duckdb") as whole:
        for doc_id, rows in GENDER_DOCUMENTS.items():
            write_gender_documents(stepwise, {doc_id: rows})
            if doc_id == "park-2":
                stepwise.set_gender("Sam Ortiz", "nonbinary")  # a correction, then more of Sam's documents
        write_gender_documents(stepwise, CHANGED)
        write_gender_documents(whole, GENDER_DOCUMENTS | CHANGED)
        for seq, action, a, b in stepwise.connection.execute("SELECT * FROM corrections ORDER BY seq").fetchall():
            whole.connection.execute("INSERT INTO corrections VALUES (?, ?, ?, ?)", [seq, action, a, b])
        whole.refresh(force=True)
        assert_equal(stepwise, whole)
        lena = stepwise.find_speakers("Lena Park")[0]
        # park-1 disagrees with itself ("she" and "he" in one document); park-4's "he" is gone with its old text
        assert (lena.gender, lena.gender_conflicts) == ("woman", 1)
        assert lena.gender_evidence["counts"] == {"pronoun": {"woman": 4, "man": 1}, "honorific": {"woman": 2},
                                                  "first_name": {"woman": 2}}
        assert [e["doc_id"] for e in lena.gender_evidence["examples"]] == ["park-1", "park-1", "park-2", "park-4",
                                                                           "park-5"]
        assert stepwise.find_speakers("Sam Ortiz")[0].gender_evidence["basis"] == "correction"
        assert stepwise.find_speakers("Robin Hale")[0].gender == "man"  # "Mr." beats the first name
        # the same speakers as decide_gender gives from every document's MentionGenders, in Python
        in_sql = whole.speakers()
        whole.GENDER_TALLIES_IN_SQL = False
        whole.refresh(force=True)
        assert whole.speakers() == in_sql

"""The ledger through its Python API: ingest, idempotence, search, speakers, export, profile, errors."""
from __future__ import annotations

import json
import os
from collections import Counter
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest
from known_acts import DOC_ID, KNOWN, build_known_ledger, kept_contents, known_document

from onrecord.options import ExtractOptions
from onrecord.pipeline import extract
from onrecord.serialize import document_to_dict
from onrecord.run import IngestOptions, ingest
from onrecord.store import Ledger, LedgerError, StatementQuery
from onrecord.store import schema
from onrecord.store.ledger import STALE_SEARCH
from onrecord.store.rows import content_doc_id

FIXTURES = Path(__file__).parent / "fixtures" / "ledger"
RULES = IngestOptions(extract=ExtractOptions(profile="rules"), batch_size=2)


def copy_fixtures(folder: Path) -> Path:
    """The ledger fixtures copied into `folder` (tests may change them)."""
    shutil.copytree(FIXTURES, folder)
    return folder


@pytest.fixture
def corpus(tmp_path) -> Path:
    return copy_fixtures(tmp_path / "corpus")


@pytest.fixture
def ledger(tmp_path, corpus):
    with Ledger(tmp_path / "ledger.duckdb") as opened:
        ingest(opened, [corpus], RULES)
        yield opened


def table_rows(ledger: Ledger, table: str) -> list[tuple]:
    """Every row of a table, sorted: what two ledgers must share to be equal."""
    return sorted(ledger.connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


# -- ingest and idempotence -------------------------------------------------------------------------

def test_ingest_stores_documents_with_metadata_and_attributions(ledger):
    counts = ledger.counts()
    assert counts["documents"] == 5  # three text files, two JSONL lines
    assert counts["attributions"] > 15
    doc = ledger.document("kremlin-denies")
    assert doc.metadata.outlet == "The Northern Ledger"
    assert doc.metadata.published == "2025-06-02"
    assert {s.label for s in doc.segments} >= {"article", "boilerplate", "advertorial"}
    # none of the advert's words were stored as a statement
    assert not ledger.search(StatementQuery(text="tyres"))


def test_stored_document_reads_back_as_extracted(ledger, corpus):
    text = (corpus / "kremlin-briefing.txt").read_text("utf-8")
    fresh = extract(text, ExtractOptions(profile="rules"), doc_id="kremlin-briefing")
    stored = ledger.document("kremlin-briefing")
    assert stored.text == text
    assert document_to_dict(stored) == document_to_dict(fresh)


def test_jsonl_ids_are_kept_and_missing_ids_are_the_text_hash(ledger, corpus):
    assert ledger.document("wire-1").metadata.title == "Kremlin rejects report"
    second = json.loads((corpus / "wire.jsonl").read_text("utf-8").splitlines()[1])
    assert ledger.document(content_doc_id(second["text"])).metadata.title == "Port update"
    assert ledger.document("wire:2") is None  # a line number is no stable id


def test_reingesting_the_same_input_adds_nothing(ledger, corpus):
    before = {table: table_rows(ledger, table) for table in ("documents", "attributions", "speakers")}
    report = ingest(ledger, [corpus], RULES)
    assert (report.added, report.updated, report.unchanged, report.attributions) == (0, 0, 5, 0)
    assert {table: table_rows(ledger, table) for table in before} == before


def test_a_changed_document_is_updated_not_duplicated(ledger, corpus):
    path = corpus / "kremlin-briefing.txt"
    path.write_text(path.read_text("utf-8").replace("routine", "entirely routine"), encoding="utf-8")
    report = ingest(ledger, [corpus], RULES)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 4)
    assert ledger.counts()["documents"] == 5
    contents = [s.content for s in ledger.search(StatementQuery(doc_id="kremlin-briefing", limit=None))]
    assert any("entirely routine" in c for c in contents)
    assert not any("are routine" in c for c in contents)
    ids = [r[0] for r in ledger.connection.execute("SELECT attribution_id FROM attributions").fetchall()]
    assert len(ids) == len(set(ids))


def test_a_repeated_id_in_one_run_is_a_counted_skip(tmp_path):
    folder = tmp_path / "in"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    (folder / "a" / "story.txt").write_text("“Yes,” Ann Lee said.\n", encoding="utf-8")
    (folder / "b" / "story.txt").write_text("“No,” Bob Ray said.\n", encoding="utf-8")
    with Ledger(tmp_path / "l.duckdb") as ledger:
        report = ingest(ledger, [folder], RULES)
        assert report.added == 1
        assert report.stats.skipped == {"duplicate document id": 1}
        assert ledger.counts()["documents"] == 1


def test_a_new_pipeline_version_reextracts(ledger, corpus):
    ledger.connection.execute("UPDATE documents SET pipeline = 'an older model'")
    report = ingest(ledger, [corpus], RULES)
    assert (report.updated, report.unchanged) == (5, 0)


def test_a_failing_batch_leaves_nothing_half_written(tmp_path, corpus, monkeypatch):
    import importlib

    ledger_module = importlib.import_module("onrecord.run.ingest")  # where ingest builds a document's rows

    real_rows = ledger_module.attribution_rows

    def failing_rows(doc):
        if doc.doc_id == "kremlin-denies":
            raise RuntimeError("disk on fire")
        return real_rows(doc)

    with Ledger(tmp_path / "l.duckdb") as ledger:
        monkeypatch.setattr(ledger_module, "attribution_rows", failing_rows)
        with pytest.raises(RuntimeError):
            ingest(ledger, [corpus], IngestOptions(extract=ExtractOptions(profile="rules"), batch_size=5))
        assert ledger.counts()["documents"] == 0  # the batch with the failure: all or nothing
        assert ledger.counts()["attributions"] == 0
        monkeypatch.setattr(ledger_module, "attribution_rows", real_rows)
        assert ingest(ledger, [corpus], RULES).added == 5


# -- search ------------------------------------------------------------------------------------------

def contents(statements) -> list[str]:
    return [s.content for s in statements]


def test_full_text_search_requires_every_word_and_ranks(ledger):
    found = ledger.search(StatementQuery(text="exercises routine"))
    assert found and all("routine" in s.content and "exercises" in s.content for s in found)
    assert found[0].score is not None
    assert not ledger.search(StatementQuery(text="exercises tyres"))


@pytest.fixture
def fts_index(ledger):
    """DuckDB's own FTS index over the ledger, built as the ledger built it before it kept postings: the reference."""
    ledger.connection.execute(
        "PRAGMA create_fts_index('attributions', 'attribution_id', 'content_text', stemmer='porter', "
        "stopwords='none', strip_accents=1, lower=1, overwrite=1, ignore='(\\.|[^a-z0-9])+')")
    yield
    ledger.connection.execute("PRAGMA drop_fts_index('attributions')")


@pytest.mark.parametrize("text", ["exercises routine", "hospital", "troops border", "said", "zzzz", "“Yes", "2027",
                                  "naïve café", "_", "hospital hospitals"])
def test_search_scores_are_fts_match_bm25(ledger, fts_index, text):
    expected = dict(ledger.connection.execute(
        "SELECT attribution_id, score FROM (SELECT attribution_id, "
        "fts_main_attributions.match_bm25(attribution_id, ?, conjunctive := 1) AS score FROM attributions) "
        "WHERE score IS NOT NULL", [text]).fetchall())
    found = {s.attribution_id: s.score for s in ledger.search(StatementQuery(text=text, limit=None))}
    assert found.keys() == expected.keys()
    assert found == pytest.approx(expected, rel=1e-9)


def test_a_search_of_many_words_scores_as_fts(ledger, fts_index):
    # more words than are intersected by joins (index.JOINED_TERMS): one scan and a count per statement
    content = max((s.content for s in ledger.search(StatementQuery(limit=None))), key=lambda c: len(set(c.split())))
    assert len(set(content.split())) > 8
    test_search_scores_are_fts_match_bm25(ledger, None, content)


def test_search_stems_words(ledger):
    assert any("hospitals" in c for c in contents(ledger.search(StatementQuery(text="hospital"))))


def test_words_next_to_typographic_quotes_and_numbers_are_searchable(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "grain.txt").write_text(
        "Ana Ruiz, the agriculture minister, said on Monday that the ministry would “deliver the grain by 2027.”\n",
        "utf-8")
    with Ledger(tmp_path / "l.duckdb") as ledger:
        ingest(ledger, [tmp_path / "in"], IngestOptions(extract=ExtractOptions(profile="rules")))
        for word in ("deliver", "Deliver", "2027", "grain"):  # "“deliver": the word a quote mark opens
            assert [s.content for s in ledger.search(StatementQuery(text=word))] == [
                "the ministry would “deliver the grain by 2027.”"], word


def test_an_interrupted_creation_is_completed_not_refused(tmp_path):
    path = tmp_path / "l.duckdb"
    duckdb.connect(str(path)).close()  # killed after DuckDB made the file, before the schema was committed
    with Ledger(path) as ledger:
        assert ledger.counts()["documents"] == 0
    with Ledger(path, read_only=True) as ledger:
        assert ledger.schema_version == schema.SCHEMA_VERSION


def test_quoted_phrase_must_appear_verbatim(ledger):
    assert ledger.search(StatementQuery(text='"no build-up"'))
    assert not ledger.search(StatementQuery(text='"build-up no"'))


@pytest.mark.parametrize(("query", "check"), [
    (StatementQuery(speaker="Peskov"), lambda s: s.speaker == "Dmitry Peskov"),
    (StatementQuery(speaker="dmitry-peskov"), lambda s: s.speaker_id == "dmitry-peskov"),
    (StatementQuery(outlet="harbor"), lambda s: s.outlet == "The Harbor Post"),
    (StatementQuery(kind="direct"), lambda s: s.kind == "direct"),
    (StatementQuery(anonymous=True), lambda s: s.speaker_type == "anonymous"),
    (StatementQuery(since=date(2025, 6, 9)), lambda s: s.published >= "2025-06-09"),
    (StatementQuery(until=date(2025, 6, 9)), lambda s: s.published <= "2025-06-09"),
    (StatementQuery(speaker="Peskov", since=date(2025, 6, 3), until=date(2025, 6, 20)),
     lambda s: s.speaker == "Dmitry Peskov" and "2025-06-03" <= s.published <= "2025-06-20"),
])
def test_filters(ledger, query, check):
    found = ledger.search(query)
    assert found
    assert all(check(s) for s in found)
    everything = ledger.search(StatementQuery(limit=None))
    assert len([s for s in everything if check(s)]) == len(ledger.search(
        StatementQuery(**{**query.__dict__, "limit": None})))


def test_limit_and_offset_page_through_results(ledger):
    everything = [s.attribution_id for s in ledger.search(StatementQuery(limit=None))]
    pages = [s.attribution_id for offset in range(0, len(everything), 4)
             for s in ledger.search(StatementQuery(limit=4, offset=offset))]
    assert pages == everything


def test_newest_first_without_text(ledger):
    dates = [s.published for s in ledger.search(StatementQuery(limit=None))]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("hostile", [
    "'; DROP TABLE documents; --", "%", "_", "\\", '"', "' OR 1=1 --", "Peskov'); DELETE FROM speakers; --",
])
def test_sql_metacharacters_are_plain_text(ledger, hostile):
    before = ledger.counts()
    for query in (StatementQuery(text=hostile), StatementQuery(speaker=hostile), StatementQuery(outlet=hostile),
                  StatementQuery(text=hostile, speaker=hostile, outlet=hostile, doc_id=hostile)):
        found = ledger.search(query)
        assert all(hostile in s.content or hostile.strip('"') in s.content for s in found) or not found
    assert ledger.counts() == before
    assert ledger.speakers(name=hostile) == []


def test_search_still_works_while_the_index_is_stale(ledger):
    ledger.connection.execute("UPDATE meta SET value = '1' WHERE key = ?", [STALE_SEARCH])
    found = ledger.search(StatementQuery(text="exercises routine"))
    assert found and all("routine" in s.content for s in found)
    assert found[0].score is None


# -- speakers ----------------------------------------------------------------------------------------

def test_speakers_are_unified_across_documents(ledger):
    peskov = ledger.find_speakers("Peskov")
    assert [s.speaker_id for s in peskov] == ["dmitry-peskov"]
    # "Mr. Peskov" and "Peskov" alone (wire-1) joined the full name from the other articles
    statements = ledger.search(StatementQuery(speaker="dmitry-peskov", limit=None))
    assert {s.doc_id for s in statements} == {"kremlin-denies", "kremlin-briefing", "wire-1"}
    assert peskov[0].statements == len(statements)
    assert "Kremlin spokesman" in peskov[0].roles


def test_people_sharing_a_surname_stay_apart(ledger):
    smiths = {s.name for s in ledger.speakers(name="Smith")}
    assert smiths == {"John Smith", "Anna Smith"}


def test_merge_and_split_survive_reingestion(ledger, corpus):
    merged = ledger.merge_speakers("John Smith", "Anna Smith")
    assert set(merged.names) >= {"John Smith", "Anna Smith"}
    assert len(ledger.speakers(name="Smith")) == 1
    split = ledger.split_speaker(merged.speaker_id, "Anna Smith")
    assert split.names == ["Anna Smith"]
    ledger.merge_speakers("Lena Ortiz", "dmitry-peskov")
    (corpus / "more.txt").write_text("“We will see,” Lena Ortiz said on Sunday.\n", encoding="utf-8")
    assert ingest(ledger, [corpus], RULES).added == 1
    assert len(ledger.speakers(name="Smith")) == 2
    ortiz = ledger.find_speakers("Lena Ortiz")
    assert len(ortiz) == 1 and "Dmitry Peskov" in ortiz[0].names


@pytest.mark.parametrize(("a", "b", "message"), [
    ("Nobody Atall", "Lena Ortiz", "no speaker named"),
    ("Lena Ortiz", "Lena Ortiz", "already one speaker"),
])
def test_bad_merges_are_clear_errors(ledger, a, b, message):
    with pytest.raises(LedgerError, match=message):
        ledger.merge_speakers(a, b)


# -- export and profile ------------------------------------------------------------------------------

@pytest.mark.parametrize("output_format", ["parquet", "csv", "jsonl"])
def test_export_writes_every_statement(ledger, tmp_path, output_format):
    out = tmp_path / f"out.{output_format}"
    rows = ledger.export(out, output_format)
    assert rows == ledger.counts()["attributions"]
    reader = {"parquet": "read_parquet", "csv": "read_csv_auto", "jsonl": "read_json_auto"}[output_format]
    exported = duckdb.execute(f"SELECT doc_id, content, speaker FROM {reader}(?)", [str(out)]).fetchall()
    assert len(exported) == rows
    assert any(speaker == "Dmitry Peskov" for _, _, speaker in exported)


def test_export_of_a_query(ledger, tmp_path):
    out = tmp_path / "peskov.csv"
    rows = ledger.export(out, "csv", StatementQuery(speaker="Peskov", limit=None))
    assert rows == len(ledger.search(StatementQuery(speaker="Peskov", limit=None)))
    assert rows < ledger.counts()["attributions"]


def test_profile_of_a_document_and_an_outlet(ledger):
    profile = ledger.sourcing(doc_id="kremlin-denies")
    assert profile.attributions == len(ledger.search(StatementQuery(doc_id="kremlin-denies", limit=None)))
    assert sum(profile.source_types.values()) == sum(profile.kinds.values()) == profile.attributions
    assert profile.source_types["named"] >= 3 and profile.source_types["anonymous"] >= 1
    assert profile.distinct_speakers >= 2
    outlet = ledger.sourcing(outlet="the northern ledger")
    assert outlet.documents == 2
    with pytest.raises(LedgerError, match="no outlet matches 'Nowhere Gazette'"):
        ledger.sourcing(outlet="Nowhere Gazette")


# -- opening: bad files, versions, locations ---------------------------------------------------------

def test_a_file_that_is_not_duckdb_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(LedgerError, match="not a DuckDB database"):
            Ledger(path, read_only=read_only)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.duckdb"]


def test_a_duckdb_file_that_is_not_a_ledger_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as other:
        other.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(LedgerError, match="not an onrecord ledger"):
        Ledger(path)


def set_version(path: Path, version: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])


def test_a_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "l.duckdb"
    Ledger(path).close()
    set_version(path, schema.SCHEMA_VERSION + 1)
    for kwargs in ({}, {"read_only": True}, {"migrate": True}):
        with pytest.raises(LedgerError, match="newer than this onrecord"):
            Ledger(path, **kwargs)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
            schema.SCHEMA_VERSION + 1)


def test_an_older_schema_needs_an_explicit_migration(tmp_path, monkeypatch):
    path = tmp_path / "l.duckdb"
    Ledger(path).close()
    set_version(path, schema.SCHEMA_VERSION - 1)
    with pytest.raises(LedgerError, match="onrecord migrate"):
        Ledger(path)
    steps = []

    def step(con):
        con.execute("CREATE TABLE migrated_marker (x INTEGER)")
        steps.append(True)

    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION - 1, step)
    with Ledger(path, migrate=True) as ledger:
        assert ledger.schema_version == schema.SCHEMA_VERSION
    assert steps == [True]
    with Ledger(path, read_only=True) as ledger:  # now current: opens without migrating again
        assert ledger.connection.execute("SELECT count(*) FROM migrated_marker").fetchone() == (0,)
    assert steps == [True]


def test_an_older_schema_without_a_migration_path_is_a_clear_error(tmp_path):
    path = tmp_path / "l.duckdb"
    Ledger(path).close()
    set_version(path, 0)
    with pytest.raises(LedgerError, match="no migration from schema version 0"):
        Ledger(path, migrate=True)


def test_a_read_only_location_is_a_clear_error(tmp_path):
    if os.geteuid() == 0:  # root writes through file modes; sysfs refuses even root
        with pytest.raises(LedgerError, match="permission denied"):
            Ledger("/sys/onrecord-ledger.duckdb")
        return
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(LedgerError, match="not writable"):
            Ledger(folder / "l.duckdb")
    finally:
        folder.chmod(0o700)


def test_a_missing_folder_or_ledger_is_a_clear_error(tmp_path):
    with pytest.raises(LedgerError, match="does not exist"):
        Ledger(tmp_path / "nowhere" / "l.duckdb")
    with pytest.raises(LedgerError, match="no ledger at"):
        Ledger(tmp_path / "l.duckdb", read_only=True)
    assert not (tmp_path / "l.duckdb").exists()


def test_a_read_only_ledger_file_can_be_searched_but_not_written(tmp_path, corpus):
    path = tmp_path / "l.duckdb"
    with Ledger(path) as ledger:
        ingest(ledger, [corpus], RULES)
    path.chmod(0o400)
    try:
        with Ledger(path, read_only=True) as ledger:
            assert ledger.search(StatementQuery(speaker="Peskov"))
        if os.geteuid() != 0:
            with pytest.raises(LedgerError):
                Ledger(path)
    finally:
        path.chmod(0o600)


def test_the_ledger_is_part_of_the_top_level_api(tmp_path, corpus):
    import onrecord

    seen = []
    with onrecord.Ledger(tmp_path / "l.duckdb") as ledger:
        report = onrecord.ingest(ledger, [corpus], RULES, on_progress=lambda r: seen.append(
            (r.processed, r.attributions)))
        assert ledger.search(onrecord.StatementQuery(speaker="Peskov"))
    assert [processed for processed, _ in seen] == list(range(1, 6))
    assert report.processed == 5 and report.elapsed > 0 and 0 < report.database_seconds <= report.elapsed


# -- facets: counted in narrow groups, by id or by scan --------------------------------------------------

def counted(statements, top: int = 10) -> dict[str, list[dict]]:
    """The facets of a list of statements, counted one by one: most first, then by value (None last)."""
    values = {"speaker": lambda s: (s.speaker, s.speaker_id), "outlet": lambda s: s.outlet, "kind": lambda s: s.kind,
              "anonymous": lambda s: s.speaker_type == "anonymous", "gender": lambda s: s.gender}
    found = {}
    for name, value in values.items():
        counts = Counter(value(s) for s in statements)
        ranked = sorted(((n, v) for v, n in counts.items() if (v[0] if name == "speaker" else v) is not None),
                        key=lambda item: (-item[0], *[(p is None, p or "") for p in
                                                        (item[1] if name == "speaker" else (item[1],))]))
        found[name] = [{"value": v[0], "count": n, "speaker_id": v[1]} if name == "speaker" else
                       {"value": v, "count": n} for n, v in ranked[:top]]
    return found


@pytest.mark.parametrize("query", [
    StatementQuery(), StatementQuery(text="said"), StatementQuery(text='"the"'), StatementQuery(kind="direct"),
    StatementQuery(outlet="Reuters"), StatementQuery(anonymous=True), StatementQuery(speaker="Peskov"),
    StatementQuery(text="nothing-matches-this-zzz"),
], ids=repr)
@pytest.mark.parametrize("few_facets", [0, 1_000])  # every match read by a scan; or by id (these ledgers are small)
def test_facets_equal_the_statements_counted_one_by_one(ledger, query, few_facets):
    ledger.few_facets = few_facets
    statements = ledger.search(replace(query, limit=None))
    total, facets = ledger.facets(query, top=50)
    assert total == len(statements)
    assert facets == counted(statements, top=50)


@pytest.mark.parametrize("few_facets", [0, 1_000])
def test_a_facet_counts_a_speaker_without_a_name_under_its_source(ledger, corpus, few_facets):
    """A statement whose speaker has no name (a role alone) or no speaker at all is counted under its source's
    words, as the statement itself shows it."""
    from onrecord.document import Speaker
    from onrecord.store.rows import attribution_rows, document_row

    doc = ledger.document("kremlin-briefing")
    first, second, *_ = doc.attributions
    first.speaker = Speaker(None, "person", role="a senior official")
    second.speaker = None
    doc.doc_id = "kremlin-briefing-copy"
    ledger.write_rows([document_row(doc, None, "digest", "test")], list(attribution_rows(doc)))
    ledger.refresh()
    ledger.few_facets = few_facets
    query = StatementQuery(doc_id=doc.doc_id)
    statements = ledger.search(replace(query, limit=None))
    assert {s.speaker for s in statements} >= {first.source.text, second.source.text}
    assert ledger.facets(query, top=50) == (len(statements), counted(statements, top=50))


# -- act, floating and confidence: stored, filtered, migrated ---------------------------------------

@pytest.fixture
def known(tmp_path) -> Ledger:
    with Ledger(build_known_ledger(tmp_path / "known.duckdb"), read_only=True) as opened:
        yield opened


def test_act_floating_and_confidence_round_trip(known):
    stored = known.document(DOC_ID)
    assert document_to_dict(stored) == document_to_dict(known_document())
    assert [(a.act, a.floating, a.confidence) for a in stored.attributions] == [
        (act, floating, confidence) for _, _, act, confidence, floating in KNOWN.values()]
    found = {s.content: s for s in known.search(StatementQuery(limit=None))}
    assert found['"The crews start on Monday."'].floating and found['"The crews start on Monday."'].cue is None
    assert found["the budget is safe"].to_dict()["act"] == "thought"


@pytest.mark.parametrize(("act", "min_confidence"), [
    (None, None), ("speech", None), ("thought", None), (None, 0.9), (None, 0.7), ("speech", 0.9),
    ("thought", 0.9), ("speech", 0.0), (None, 1.0),
])
def test_act_and_min_confidence_narrow_exactly(known, tmp_path, act, min_confidence):
    query = StatementQuery(act=act, min_confidence=min_confidence, limit=None)
    expected = kept_contents(act, min_confidence or 0.0)
    assert {s.content for s in known.search(query)} == expected
    assert known.facets(query)[0] == len(expected)  # totals and facets follow the filters
    assert known.export(tmp_path / "out.jsonl", "jsonl", query) == len(expected)


def drop_gender_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Take out the columns schema version 3 added (a person's gender and its evidence)."""
    for table, column in (("attributions", "speaker_gender"), ("attributions", "speaker_gender_evidence"),
                          ("speakers", "gender"), ("speakers", "gender_conflicts"), ("speakers", "gender_evidence")):
        con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def v3_ledger(path: Path, corpus: Path) -> Path:
    """A ledger as schema version 3 wrote it: DuckDB's FTS index, no postings, no speaker blocks."""
    with Ledger(path) as ledger:
        ingest(ledger, [corpus], RULES)
        drop_postings(ledger.connection)
    set_version(path, 3)
    return path


def drop_postings(con: duckdb.DuckDBPyConnection) -> None:
    """Take out what schema version 4 added (the search postings, speaker blocks) and build DuckDB's FTS index as
    version 3 had it."""
    for table in ("search_postings", "search_postings_new", "search_terms", "search_mentions", "search_stats",
                  "speaker_pending"):
        con.execute(f"DROP TABLE {table}")
    con.execute("ALTER TABLE speaker_mentions DROP COLUMN block")
    con.execute("ALTER TABLE attributions DROP COLUMN published_date")
    con.execute("PRAGMA create_fts_index('attributions', 'attribution_id', 'content_text', stemmer='porter', "
                "stopwords='none', strip_accents=1, lower=1, overwrite=1, ignore='(\\.|[^a-z0-9])+')")


def test_a_version_3_ledger_migrates_to_postings_equal_to_a_new_ledgers(tmp_path, corpus, ledger):
    path = v3_ledger(tmp_path / "old.duckdb", corpus)
    with pytest.raises(LedgerError, match="schema version 3, older.*onrecord migrate"):
        Ledger(path, read_only=True)
    with Ledger(path, migrate=True) as migrated:
        assert migrated.schema_version == schema.SCHEMA_VERSION
        ledger.refresh(force=True)  # the new ledger's postings sorted in, as the migration sorts them
        for table in ("attributions", "search_postings", "search_postings_new", "search_terms", "search_mentions",
                      "search_stats"):
            assert table_rows(migrated, table) == table_rows(ledger, table), table
        assert not migrated.connection.execute(
            "SELECT * FROM duckdb_schemas() WHERE schema_name = 'fts_main_attributions'").fetchall()
        for text in ("exercises routine", "said", '"no build-up"', "troops OR hospital -border"):
            assert ([(s.attribution_id, s.score) for s in migrated.search(StatementQuery(text=text, limit=None))]
                    == [(s.attribution_id, s.score) for s in ledger.search(StatementQuery(text=text, limit=None))])
        ingest(migrated, [corpus], RULES)  # stored again: the first refresh unifies in full (no blocks yet)
        assert table_rows(migrated, "speakers") == table_rows(ledger, "speakers")


def v1_ledger(path: Path, corpus: Path) -> Path:
    """A ledger as schema version 1 wrote it: no act or floating column (nor version 3's gender columns)."""
    v3_ledger(path, corpus)
    with duckdb.connect(str(path)) as con:
        drop_gender_columns(con)
        con.execute("ALTER TABLE attributions DROP COLUMN act")
        con.execute("ALTER TABLE attributions DROP COLUMN floating")
    set_version(path, 1)
    return path


def test_a_version_1_ledger_migrates_to_acts_from_its_cues(tmp_path, corpus):
    from onrecord.text.acts import act_of

    path = v1_ledger(tmp_path / "old.duckdb", corpus)
    with pytest.raises(LedgerError, match="schema version 1, older.*onrecord migrate"):
        Ledger(path, read_only=True)
    with Ledger(path, migrate=True) as ledger:
        assert ledger.schema_version == schema.SCHEMA_VERSION
        rows = ledger.connection.execute("SELECT cue_text, act, floating FROM attributions").fetchall()
        assert rows and all(act == act_of(cue) and floating is False for cue, act, floating in rows)
        assert {act for _, act, _ in rows} == {"speech", "thought"}  # the fixtures hold both ("voted": thought)
        speech = ledger.search(StatementQuery(act="speech", limit=None))
        assert speech and all(s.act == "speech" for s in speech)
        ingest(ledger, [corpus], RULES)  # a migrated ledger takes new rows as a new one does

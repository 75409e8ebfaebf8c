"""The in-memory columns (store/columns.py) answer a search page exactly as the SQL does: the same statements in
the same order, the same total and facets, for every shape of query; and the server never answers from the
columns of an older generation."""
from __future__ import annotations

import random
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from onrecord.run import IngestOptions, ingest
from onrecord.serve.database import LedgerAccess
from onrecord.store import Ledger, StatementQuery
from onrecord.store.columns import StatementColumns
from onrecord.store.facets import FACETS
from serve_support import RULES, SQL_PAYLOADS, build_ledger

WORD = re.compile(r"[A-Za-z]{4,}")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_ledger(tmp_path_factory.mktemp("columns"))


@pytest.fixture(scope="module")
def polnear_db(tmp_path_factory, polnear_dev) -> Path:
    """PolNeAR dev ingested with the rules profile: hundreds of speakers, outlets and dates (skips without it)."""
    path = tmp_path_factory.mktemp("columns-polnear") / "ledger.duckdb"
    with Ledger(path) as ledger:
        ingest(ledger, [polnear_dev / "text"], IngestOptions(extract=RULES))
    return path


def queries(ledger: Ledger, count: int, seed: int = 0) -> list[StatementQuery]:
    """Searches of every shape the search page sends, drawn from the stored statements, and a few hostile ones."""
    rng = random.Random(seed)
    rows = ledger.connection.execute(
        "SELECT a.content_text, a.kind, a.speaker_name, m.speaker_id, d.outlet, a.published_date, a.act "
        "FROM attributions a JOIN documents d USING (doc_id) LEFT JOIN speaker_mentions m USING (mention_key) "
        "ORDER BY a.attribution_id").fetchall()
    assert rows
    found: list[StatementQuery] = [StatementQuery(), StatementQuery(act="speech"), StatementQuery(anonymous=True),
                                   StatementQuery(min_confidence=0.7), StatementQuery(kind="direct", act="thought")]
    for payload in SQL_PAYLOADS:
        found += [StatementQuery(speaker=payload), StatementQuery(outlet=payload), StatementQuery(text=payload)]
    for gender in ("woman", "man", "unknown"):
        found.append(StatementQuery(gender=gender, act="speech"))
    for _ in range(count):
        content, kind, name, speaker_id, outlet, day, act = rng.choice(rows)
        words = WORD.findall(content) or ["said"]
        word = rng.choice(words)
        day = day or date(2025, 1, 1)
        shape = rng.randrange(12)
        if shape == 0:
            query = StatementQuery(text=word)
        elif shape == 1:
            query = StatementQuery(text=" ".join(rng.sample(words, min(2, len(words)))), act=act)
        elif shape == 2:
            start = rng.randrange(max(1, len(content.split()) - 2))
            query = StatementQuery(text='"' + " ".join(content.split()[start:start + 3]) + '"')
        elif shape == 3:
            query = StatementQuery(text=f"{word} OR {rng.choice(words)} -{rng.choice(WORD.findall(rng.choice(rows)[0]) or ['x'])}")
        elif shape == 4:
            query = StatementQuery(text=word[:3] + "*", kind=kind)
        elif shape == 5:
            query = StatementQuery(speaker=(name or word).split()[-1])
        elif shape == 6:
            query = StatementQuery(speaker=speaker_id or word, text=rng.choice(("", word)) or None)
        elif shape == 7:
            query = StatementQuery(outlet=outlet or "wire", kind=rng.choice((kind, None)))
        elif shape == 8:
            query = StatementQuery(outlet=(outlet or "wire")[:3].lower(), act="speech")
        elif shape == 9:
            query = StatementQuery(since=day - timedelta(days=rng.randrange(30)), until=day + timedelta(days=7))
        elif shape == 10:
            query = StatementQuery(text=word, since=day, anonymous=rng.random() < 0.5)
        else:
            query = StatementQuery(speaker_id=speaker_id, gender=rng.choice((None, "man", "woman")),
                                   min_confidence=rng.choice((None, 0.5, 0.9)))
        found.append(query)
    return found


def both_ways(path: Path, query: StatementQuery, columns: StatementColumns, top: int = 3):
    """(SQL, columns): a search page's statements at a few pages and sizes, and its facets, each way."""
    with Ledger(path, read_only=True) as ledger:
        return [answer(ledger, query, held, top) for held in (None, columns)]


def answer(ledger: Ledger, query: StatementQuery, columns: StatementColumns | None, top: int = 3):
    """A search page's statements at a few pages and sizes, and its facets, read with `columns` (None: SQL)."""
    view = ledger.cursor()
    view.columns = columns
    try:
        pages = [view.search(StatementQuery(**{**query.__dict__, "limit": limit, "offset": offset}))
                 for limit, offset in ((20, 0), (2, 0), (2, 2), (1, 5))]
        return pages, view.facets(query, top), view.facets(query)
    finally:
        view.close()


def check_equal(path: Path, count: int) -> int:
    """Compare both ways on `count` drawn searches (and the fixed ones); how many found something."""
    matched = 0
    with Ledger(path, read_only=True) as ledger:
        columns = StatementColumns(ledger.cursor(), 0)
        assert len(columns) == ledger.counts()["attributions"]
        for query in queries(ledger, count):
            by_sql = answer(ledger, query, None)
            by_columns = answer(ledger, query, columns)
            assert by_columns == by_sql, query
            assert [list(facets) for _, (_, facets), _ in (by_columns, by_sql)] == [list(FACETS)] * 2  # their order too
            matched += bool(by_sql[0][0])
    return matched


def test_columns_answer_as_the_sql_does(db):
    matched = check_equal(db, 100)
    assert matched > 60  # most searches find something: the comparison is not between empty pages


def test_columns_answer_as_the_sql_does_on_polnear(polnear_db):
    assert check_equal(polnear_db, 80) > 40


def test_a_ranked_search_orders_by_score_then_date(db):
    with Ledger(db, read_only=True) as ledger:
        view = ledger.cursor()
        view.columns = StatementColumns(ledger.cursor(), 0)
        found = view.search(StatementQuery(text="sanctions OR troops OR talks", limit=50))
    scores = [s.score for s in found]
    assert found and all(score is not None for score in scores)
    assert scores == sorted(scores, reverse=True)


def test_stale_index_and_document_filters_fall_back_to_sql(tmp_path):
    path = build_ledger(tmp_path)
    with Ledger(path) as ledger:
        ledger.connection.execute("UPDATE meta SET value = '1' WHERE key = 'search_stale'")
        if not ledger.connection.execute("SELECT count(*) FROM meta WHERE key = 'search_stale'").fetchone()[0]:
            ledger.connection.execute("INSERT INTO meta VALUES ('search_stale', '1')")
    with Ledger(path, read_only=True) as ledger:
        columns = StatementColumns(ledger.cursor(), 0)
        assert columns.select(ledger, StatementQuery(text="sanctions")) is None  # unranked ILIKE: the SQL's to run
        assert columns.select(ledger, StatementQuery(doc_id="peskov-talks")) is None
        assert columns.select(ledger, StatementQuery(outlet="Global Wire")) is not None
        doc_id = ledger.connection.execute("SELECT min(doc_id) FROM attributions").fetchone()[0]
    by_sql, by_columns = both_ways(path, StatementQuery(text="sanctions"), columns)
    assert by_sql == by_columns and by_sql[0][0]
    by_sql, by_columns = both_ways(path, StatementQuery(doc_id=doc_id), columns)
    assert by_sql == by_columns and by_sql[0][0]


def test_the_server_never_answers_from_an_older_generation(tmp_path):
    path = build_ledger(tmp_path / "a")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text("Zephyrine Okonkwo said the quokkas would return to the island on Friday.\n", encoding="utf-8")
    access = LedgerAccess(path)
    try:
        first = access.load_columns()
        assert first is not None and access.current_columns() is first
        with access.read() as ledger:
            assert ledger.columns is first
            assert not ledger.search(StatementQuery(text="quokkas"))
        with access.write() as ledger:
            ingest(ledger, [extra], IngestOptions(extract=RULES))
        with access.read() as ledger:  # the old columns are never used: SQL answers while new ones are read
            assert ledger.columns is None
            assert [s.speaker for s in ledger.search(StatementQuery(text="quokkas"))] == ["Zephyrine Okonkwo"]
        deadline = time.monotonic() + 60
        while access.current_columns() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        second = access.current_columns()
        assert second is not None and second is not first and len(second) == len(first) + 1
        with access.read() as ledger:
            assert ledger.columns is second
            assert [s.speaker for s in ledger.search(StatementQuery(text="quokkas"))] == ["Zephyrine Okonkwo"]
            total, facets = ledger.facets(StatementQuery(speaker="Okonkwo"))
            assert total == 1 and facets["speaker"][0]["value"] == "Zephyrine Okonkwo"
    finally:
        access.close()


def test_columns_off_means_sql_alone(db):
    access = LedgerAccess(db, columns=False)
    try:
        assert access.load_columns() is None
        with access.read() as ledger:
            assert ledger.columns is None
            assert ledger.search(StatementQuery(text="sanctions"))
    finally:
        access.close()


def test_an_empty_ledger_answers_both_ways(tmp_path):
    path = tmp_path / "empty.duckdb"
    Ledger(path).close()
    with Ledger(path, read_only=True) as ledger:
        columns = StatementColumns(ledger.cursor(), 0)
        assert len(columns) == 0
    for query in (StatementQuery(), StatementQuery(text="ceasefire"), StatementQuery(speaker="Lee", act="speech")):
        by_sql, by_columns = both_ways(path, query, columns)
        assert by_sql == by_columns and by_sql[1][0] == 0

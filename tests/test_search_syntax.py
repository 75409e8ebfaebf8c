"""The search syntax: the parser (words, "phrases", -exclusion, prefix*, OR), what the ledger selects with
it, how the web UI and the CLI take it, and the matches the results mark (stemmed as the index stems)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from onrecord.cli import app
from onrecord.options import ExtractOptions
from onrecord.run import IngestOptions, ingest
from onrecord.serve.highlight import match_spans, words_to_stem
from onrecord.store import Ledger, LedgerError, StatementQuery
from onrecord.store.ledger import STALE_SEARCH
from onrecord.store.query import (MAX_CLAUSES, SEARCH_SYNTAX, Search, SearchSyntaxError, Term, parse_search,
                                  statement_sql)
from serve_support import client_over

# one statement per file, each quoted as the rules profile extracts it: the content is the quotation
STATEMENTS = {
    "trading": "Trading resumed after the trade war ended",
    "tariffs": "The tariffs stay until the war is over",
    "trumpeters": "Trumpeters played at the café",
    "deals": "Trade deals will follow",
    "trump": "Trump said nothing new about sanctions",
}


def words(*words: str) -> Term:
    return Term(tuple(words))


# -- the parser --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "clauses", "excluded"), [
    ("trade war", [[words("trade")], [words("war")]], []),
    ("trade -war", [[words("trade")]], [words("war")]),
    ('trade -"trade war"', [[words("trade")]], [Term(("trade", "war"), "trade war")]),
    ("Trump*", [[Term(prefix="trump")]], []),
    ("naïve*", [[Term(prefix="naive")]], []),  # as the index reads words: accents stripped, lowered
    ("-Trump* trade", [[words("trade")]], [Term(prefix="trump")]),
    ("tariffs OR sanctions", [[words("tariffs"), words("sanctions")]], []),
    # OR binds tighter than the implicit AND: war AND (tariffs OR trading) AND ended
    ("war tariffs OR trading ended", [[words("war")], [words("tariffs"), words("trading")], [words("ended")]], []),
    ('"trade war" OR tariffs OR Trump*',
     [[Term(("trade", "war"), "trade war"), words("tariffs"), Term(prefix="trump")]], []),
    ("“trade war”", [[Term(("trade", "war"), "trade war")]], []),
    ('"trade war” ended', [[Term(("trade", "war"), "trade war")], [words("ended")]], []),  # mixed quote marks
    ("al-Qaeda", [[words("al", "Qaeda")]], []),  # a dash inside a word is no exclusion
    ("or", [[words("or")]], []),  # only capitals make the operator
])
def test_parse(text, clauses, excluded):
    assert parse_search(text) == Search(tuple(map(tuple, clauses)), tuple(excluded))


@pytest.mark.parametrize(("text", "clauses", "excluded"), [
    ('"trade war', [[Term(("trade", "war"), "trade war")]], []),  # an unclosed quote runs to the end
    ("OR trade OR", [[words("trade")]], []),  # an OR with nothing on one side is ignored
    ("trade OR OR tariffs", [[words("trade"), words("tariffs")]], []),
    ("trade OR -war", [[words("trade")]], [words("war")]),
    ("-war OR trade", [[words("trade")]], [words("war")]),
    ("trade - war", [[words("trade")], [words("war")]], []),  # a lone dash is dropped
    ("trade --", [[words("trade")], [Term(verbatim="--")]], []),
    ('trade ""', [[words("trade")]], []),
    ("-", [[Term(verbatim="-")]], []),  # nothing else: the text itself is looked for, as written
    ("*", [[Term(verbatim="*")]], []),
    ("OR", [[words("OR")]], []),
    ('"', [[Term(verbatim='"')]], []),
    ("%", [[Term(verbatim="%")]], []),
    ("   ", [], []),
])
def test_malformed_text_is_recovered(text, clauses, excluded):
    assert parse_search(text) == Search(tuple(map(tuple, clauses)), tuple(excluded))


@pytest.mark.parametrize(("text", "message"), [
    ("-war", "only exclusions"),
    ('-war -"trade deal" -Trump*', "only exclusions"),
    ("a*", "prefix 'a*' is too short"),
    ("é*", "prefix 'é*' is too short"),
    (" OR ".join(f"w{n}" for n in range(MAX_CLAUSES + 1)), f"at most {MAX_CLAUSES}"),
    (" ".join(f"-w{n}" for n in range(MAX_CLAUSES + 1)) + " trade", f"at most {MAX_CLAUSES}"),
])
def test_text_that_cannot_be_run_is_one_clear_error(text, message):
    with pytest.raises(SearchSyntaxError, match=re.escape(message)) as error:
        parse_search(text)
    assert "\n" not in str(error.value)


def test_a_long_plain_text_is_one_index_call():
    text = " ".join(f"word{n}" for n in range(5000))
    search = parse_search(text)
    assert len(search.clauses) == 5000

    class Words:  # the index's side of the contract: one call per set of words
        calls: list = []

        def matches(self, words):
            self.calls.append(list(words))
            return "SELECT attribution_id, 1.0 AS s FROM search_postings", []

    index = Words()
    statement_sql(StatementQuery(text=text), index)
    assert index.calls == [text.split()]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab -*"“”OR%_\\\';é\t')), max_size=40) | st.text(max_size=40))
def test_any_text_parses_or_is_a_syntax_error_and_never_enters_the_sql(text):
    try:
        search = parse_search(text)
    except SearchSyntaxError:
        return
    sql, params = statement_sql(StatementQuery(text=text))
    assert sql.count("?") == len(params)
    marker = "zqxjv"  # the same text with a word no SQL holds: the SQL is the same, the word is a parameter
    if search.clauses and any(t.words for c in search.clauses for t in c):
        assert marker not in statement_sql(StatementQuery(text=f"{text} {marker}"))[0]


# -- what the ledger selects -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("search")
    (folder / "corpus").mkdir()
    for name, content in STATEMENTS.items():
        (folder / "corpus" / f"{name}.txt").write_text(
            f"“{content},” Ana Ruiz, the trade minister, said on Monday.\n", "utf-8")
    path = folder / "ledger.duckdb"
    with Ledger(path) as ledger:
        ingest(ledger, [folder / "corpus"], IngestOptions(extract=ExtractOptions(profile="rules")))
        assert sorted(s.content.strip("“”,") for s in ledger.search(StatementQuery(limit=None))) == sorted(
            STATEMENTS.values())
    return path


@pytest.fixture
def ledger(db):
    with Ledger(db, read_only=True) as opened:
        yield opened


def found(ledger: Ledger, text: str) -> set[str]:
    """The names (keys of STATEMENTS) of the statements a search finds."""
    names = {content: name for name, content in STATEMENTS.items()}
    return {names[s.content.strip("“”,")] for s in ledger.search(StatementQuery(text=text, limit=None))}


SELECTIONS = [
    ("trade", {"trading", "deals"}),  # stemmed: "Trading", "trade", "Trade"
    ("trade -war", {"deals"}),
    ("trade -wars", {"deals"}),  # an excluded word is stemmed too
    ('war -"trade war"', {"tariffs"}),
    ("Trump*", {"trumpeters", "trump"}),  # a prefix matches the words of the content, not their stems
    ("trump", {"trump"}),
    ("-Trump* played OR said OR ended", {"trading"}),
    ("caf*", {"trumpeters"}),  # "café", accents stripped as the index strips them
    ("tariffs OR trumpeters", {"tariffs", "trumpeters"}),
    ("war tariffs OR trading", {"tariffs", "trading"}),  # war AND (tariffs OR trading)
    ('"trade war" OR sanctions', {"trading", "trump"}),
    ('"war trade" OR sanctions', {"trump"}),  # a phrase in an OR is still verbatim
    ("war OR deals -ended -tariffs", {"deals"}),
]


@pytest.mark.parametrize(("text", "expected"), SELECTIONS)
def test_exclusion_prefix_and_or_select_exactly(ledger, text, expected):
    assert found(ledger, text) == expected


@pytest.mark.parametrize(("text", "expected"), [s for s in SELECTIONS if s[0] not in ("trade", "trade -wars", "trump")])
def test_the_syntax_holds_while_the_index_is_stale(db, tmp_path, text, expected):
    # unranked ILIKE matching meanwhile: substrings, not stems (so the stem-only cases are left out)
    stale = tmp_path / "stale.duckdb"
    stale.write_bytes(db.read_bytes())
    with Ledger(stale) as ledger:
        ledger.connection.execute("UPDATE meta SET value = '1' WHERE key = ?", [STALE_SEARCH])
        assert found(ledger, text) == expected
        assert all(s.score is None for s in ledger.search(StatementQuery(text=text)))


def test_or_ranks_by_the_terms_found_and_a_prefix_alone_by_date(ledger):
    ranked = ledger.search(StatementQuery(text="war tariffs OR trading"))
    assert all(s.score is not None for s in ranked)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    assert all(s.score is None for s in ledger.search(StatementQuery(text="Trump*")))


def test_filters_still_combine_with_the_syntax(ledger):
    assert found(ledger, "trade -war") == {"deals"}
    assert not ledger.search(StatementQuery(text="trade -war", kind="indirect"))


def test_a_text_that_cannot_be_run_is_a_ledger_error(ledger):
    with pytest.raises(LedgerError, match="only exclusions"):
        ledger.search(StatementQuery(text="-war"))
    with pytest.raises(LedgerError, match="too short"):
        ledger.export(Path("unused.csv"), "csv", StatementQuery(text="t*"))


# -- marking the matches -----------------------------------------------------------------------------

def marked(ledger: Ledger, content: str, search: str) -> list[str]:
    stems = ledger.stems(words_to_stem(search, [content]))
    return [content[a:b] for a, b in match_spans(content, search, stems)]


def test_stemmed_words_are_marked_as_the_index_matched_them(ledger):
    content = "Trading resumed; the trade war ended, and trades and traders followed."
    assert marked(ledger, content, "trade") == ["Trading", "trade", "trades"]  # "traders" stems to "trader"
    assert marked(ledger, content, "trading -war") == ["Trading", "trade", "trades"]  # excluded: never marked
    assert marked(ledger, content, '"trade war"') == ["trade war"]
    assert marked(ledger, content, "trad*") == ["Trading", "trade", "trades", "traders"]
    assert marked(ledger, content, "ended OR follow") == ["ended", "followed"]
    assert marked(ledger, "Trumpeters played at the café", "caf* trump*") == ["Trumpeters", "café"]


def test_marking_without_stems_marks_the_words_as_written():
    assert match_spans("Trade and trading", "trade") == [(0, 5)]
    assert match_spans("anything", "-war") == []  # a text the ledger refuses marks nothing
    assert match_spans("anything", None) == []


def test_the_ledger_stems_as_the_index_does(ledger):
    assert ledger.stems(["trading", "trades", "presidency"]) == {
        "trading": "trade", "trades": "trade", "presidency": "presid"}
    assert ledger.stems([]) == {}


# -- the web UI and the CLI --------------------------------------------------------------------------

def test_the_web_ui_searches_with_the_syntax_and_shows_the_hint(db):
    with client_over(db, 1 << 20) as client:
        data = client.get("/search.json", params={"q": "trade -war"}).json()
        assert [s["content"] for s in data["statements"]] == ["“Trade deals will follow,”"]
        data = client.get("/search.json", params={"q": "war trad*"}).json()
        assert {s["content"][a:b] for s in data["statements"] for a, b in s["highlights"]} == {
            "Trading", "trade", "war"}
        data = client.get("/search.json", params={"q": "trade"}).json()
        assert {s["content"][a:b] for s in data["statements"] for a, b in s["highlights"]} == {
            "Trading", "trade", "Trade"}
        bad = client.get("/search.json", params={"q": "-war"})
        assert bad.status_code == 400 and bad.json()["error"].startswith("q: only exclusions")
        for path in ("/", "/search?q=trade"):
            assert SEARCH_SYNTAX.replace('"', "&#34;") in client.get(path).text


def test_the_cli_takes_the_syntax_and_says_it_in_help(db):
    runner = CliRunner()
    result = runner.invoke(app, ["search", "trade -war", "--db", str(db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "Trade deals will follow" in result.stdout and "trade war" not in result.stdout
    result = runner.invoke(app, ["search", "--db", str(db), "--", "-war"])
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [
        "error: search '-war': only exclusions (-word): add a word, phrase or prefix* to look for"]
    help_text = " ".join(runner.invoke(app, ["search", "--help"], env={"COLUMNS": "300"}).stdout.split())
    assert SEARCH_SYNTAX in help_text

"""The ledger's commands: ingest, search, speakers, export, profile, migrate — and their errors."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from onrecord.cli import app
from known_acts import build_known_ledger, kept_contents
from onrecord.store import schema

FIXTURES = Path(__file__).parent / "fixtures" / "ledger"
runner = CliRunner()


def run(*args: str):
    """Invoke the CLI; stdout and stderr apart."""
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ledger")
    corpus = folder / "corpus"
    shutil.copytree(FIXTURES, corpus)
    path = folder / "ledger.duckdb"
    result = run("ingest", corpus, "--db", path, "--profile", "rules")
    assert result.exit_code == 0, result.output
    return path


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assert_one_line_error(result, fragment: str) -> None:
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr


def test_ingest_prints_a_summary_and_is_idempotent(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES, corpus)
    first = run("ingest", corpus, "--db", tmp_path / "l.duckdb", "--profile", "rules")
    assert first.exit_code == 0
    lines = first.stderr.splitlines()
    assert lines[0] == "processed 5, skipped 0 (added 5, updated 0, unchanged 0)"
    assert lines[1].startswith("stored ") and "docs/s; database" in lines[1]
    assert lines[2].startswith("ledger: 5 documents, ")
    again = run("ingest", corpus, "--db", tmp_path / "l.duckdb", "--profile", "rules")
    assert again.stderr.splitlines()[0] == "processed 5, skipped 0 (added 0, updated 0, unchanged 5)"
    assert again.stderr.splitlines()[1].startswith("stored 0 attributions")


def test_ingest_counts_bad_inputs_and_fails_when_nothing_was_read(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.jsonl").write_text("not json\n{\"id\": \"x\"}\n", encoding="utf-8")
    result = run("ingest", tmp_path / "in", "--db", tmp_path / "l.duckdb", "--profile", "rules")
    assert result.exit_code == 1
    assert "processed 0, skipped 2: " in result.stderr
    assert "jsonl: not JSON → 1" in result.stderr and "jsonl: no text field → 1" in result.stderr


def test_search_table_names_speakers_and_documents(db):
    result = run("search", "build-up", "--db", db)
    assert result.exit_code == 0
    assert "Dmitry Peskov" in result.stdout and "kremlin-denies" in result.stdout


def test_search_jsonl_and_csv_agree(db):
    as_jsonl = jsonl(run("search", "--speaker", "Peskov", "--format", "jsonl", "--db", db).stdout)
    as_csv = list(csv.DictReader(io.StringIO(run("search", "--speaker", "Peskov", "-f", "csv", "--db", db).stdout)))
    assert as_jsonl and [r["content"] for r in as_jsonl] == [r["content"] for r in as_csv]
    assert {r["speaker"] for r in as_jsonl} == {"Dmitry Peskov"}


@pytest.mark.parametrize(("options", "field", "expected"), [
    (["--kind", "direct"], "kind", {"direct"}),
    (["--outlet", "Harbor"], "outlet", {"The Harbor Post"}),
    (["--anonymous"], "speaker_type", {"anonymous"}),
    (["--since", "2025-06-16"], "published", {"2025-06-16", "2025-06-20", "2025-06-21"}),
    (["--until", "2025-06-02"], "published", {"2025-06-02"}),
])
def test_search_filters(db, options, field, expected):
    rows = jsonl(run("search", *options, "-f", "jsonl", "--limit", "100", "--db", db).stdout)
    assert rows and {r[field] for r in rows} <= expected


def test_search_limit(db):
    assert len(jsonl(run("search", "-f", "jsonl", "--limit", "3", "--db", db).stdout)) == 3


def test_a_bad_date_is_a_usage_error(db):
    result = run("search", "--since", "last week", "--db", db)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("args", "choices"), [
    (["speakers", "--type", "persn"], "'person', 'organization', 'media'"),
    (["search", "--kind", "quote"], "'direct', 'mixed', 'indirect'"),
    (["search", "--format", "xml"], "'table', 'jsonl', 'csv'"),
    (["sourcing", "d", "--format", "csv"], "'table', 'json'"),
    (["export", "out.x", "--format", "xlsx"], "'parquet', 'csv', 'jsonl'"),
    (["ingest", "x", "--engine", "spark"], "'local', 'ray'"),
    (["search", "--act", "belief"], "'speech', 'thought'"),
    (["export", "out.csv", "--act", "said"], "'speech', 'thought'"),
])
def test_a_value_outside_a_closed_set_is_one_line_listing_the_choices(db, args, choices):
    result = run(*args, "--db", db)
    assert_one_line_error(result, choices)
    assert result.stdout == ""


def test_speakers_of_one_type(db):
    rows = jsonl(run("speakers", "--type", "person", "-f", "jsonl", "--db", db).stdout)
    assert rows and {row["type"] for row in rows} == {"person"}


@pytest.mark.parametrize("option", ["TEXT", "--speaker", "--outlet", "--since"])
def test_sql_metacharacters_in_every_option(db, option):
    hostile = "'; DROP TABLE attributions; --"
    args = [hostile] if option == "TEXT" else [option, hostile]
    result = run("search", *args, "-f", "jsonl", "--db", db)
    if option == "--since":
        assert result.exit_code == 2  # not a date: refused before any query
    else:
        assert result.exit_code == 0 and jsonl(result.stdout) == []
    assert len(jsonl(run("search", "-f", "jsonl", "--limit", "1000", "--db", db).stdout)) > 15


def test_speakers_lists_unified_speakers(db):
    rows = jsonl(run("speakers", "-f", "jsonl", "--db", db).stdout)
    peskov = [r for r in rows if r["speaker_id"] == "dmitry-peskov"]
    assert len(peskov) == 1 and peskov[0]["statements"] >= 6
    assert {r["name"] for r in rows if r["name"].endswith("Smith")} == {"John Smith", "Anna Smith"}
    assert [r["statements"] for r in rows] == sorted((r["statements"] for r in rows), reverse=True)
    table = run("speakers", "--name", "Smith", "--db", db)
    assert "John Smith" in table.stdout and "Peskov" not in table.stdout


def test_speakers_merge_and_split(tmp_path, db):
    copy = tmp_path / "l.duckdb"
    shutil.copy(db, copy)
    merged = run("speakers", "merge", "John Smith", "anna-smith", "--db", copy)
    assert merged.exit_code == 0 and merged.stdout.startswith("merged into ")
    assert len(jsonl(run("speakers", "--name", "Smith", "-f", "jsonl", "--db", copy).stdout)) == 1
    speaker_id = merged.stdout.split()[2].rstrip(":")
    split = run("speakers", "split", speaker_id, "Anna Smith", "--db", copy)
    assert split.exit_code == 0 and "Anna Smith" in split.stdout
    assert len(jsonl(run("speakers", "--name", "Smith", "-f", "jsonl", "--db", copy).stdout)) == 2


def test_merging_an_unknown_speaker_is_one_line(db, tmp_path):
    copy = tmp_path / "l.duckdb"
    shutil.copy(db, copy)
    assert_one_line_error(run("speakers", "merge", "Nobody Atall", "John Smith", "--db", copy), "no speaker named")


@pytest.mark.parametrize("name", ["out.parquet", "out.csv", "out.jsonl"])
def test_export_picks_the_format_from_the_suffix(db, tmp_path, name):
    out = tmp_path / name
    result = run("export", out, "--db", db)
    assert result.exit_code == 0 and result.stderr.startswith("wrote ")
    rows = duckdb.execute("SELECT count(*) FROM read_parquet(?)", [str(out)]).fetchone()[0] if name.endswith("parquet") else None
    count = int(result.stderr.split()[1])
    if rows is not None:
        assert rows == count
    assert count == len(jsonl(run("search", "-f", "jsonl", "--limit", "1000", "--db", db).stdout))


def test_export_of_a_query_and_an_unknown_suffix(db, tmp_path):
    result = run("export", tmp_path / "peskov.jsonl", "--speaker", "Peskov", "--db", db)
    rows = jsonl((tmp_path / "peskov.jsonl").read_text("utf-8"))
    assert result.exit_code == 0 and rows and {r["speaker"] for r in rows} == {"Dmitry Peskov"}
    assert_one_line_error(run("export", tmp_path / "out.xlsx", "--db", db), "can't tell the format")


def test_profile_of_a_document_and_an_outlet(db):
    data = json.loads(run("sourcing", "kremlin-denies", "-f", "json", "--db", db).stdout)
    assert data["documents"] == 1
    assert abs(sum(v["share"] for v in data["kinds"].values()) - 1) < 0.01
    assert data["source_types"]["anonymous"]["count"] >= 1
    table = run("sourcing", "--outlet", "The Northern Ledger", "--db", db)
    assert table.exit_code == 0 and "anonymous sources" in table.stdout and "2 documents" in table.stdout
    whole = json.loads(run("sourcing", "-f", "json", "--db", db).stdout)  # neither: the whole ledger
    assert whole["scope"] == "the whole ledger" and whole["documents"] >= 2
    assert whole["attributions"] >= data["attributions"]
    assert sum(whole["genders"]["statements"][g]["count"] for g in whole["genders"]["statements"]) == sum(
        c["count"] for t, c in whole["source_types"].items() if t == "named")  # every named person, by gender
    assert_one_line_error(run("sourcing", "kremlin-denies", "--outlet", "x", "--db", db), "not both")
    assert_one_line_error(run("sourcing", "no-such-doc", "--db", db), "no stored document")


@pytest.fixture(scope="module")
def outlets_db(tmp_path_factory) -> Path:
    """A ledger whose outlets share words: "Daily Star", "daily star" (one outlet), "Daily Star Sport", "Evening Post"."""
    folder = tmp_path_factory.mktemp("outlets")
    records = [("Daily Star", "“The bridge will reopen on Monday,” Mayor Anna Berg said."),
               ("daily star", "“Taxes will fall next year,” Governor Paul Rand said."),
               ("Daily Star Sport", "“The team is ready for the final,” coach Mia Holt said."),
               ("Evening Post", "“Talks will resume in June,” Minister Omar Diaz said.")]
    (folder / "news.jsonl").write_text("".join(
        json.dumps({"id": f"doc-{i}", "outlet": outlet, "text": text}) + "\n"
        for i, (outlet, text) in enumerate(records)), encoding="utf-8")
    result = run("ingest", folder / "news.jsonl", "--db", folder / "l.duckdb", "--profile", "rules")
    assert result.exit_code == 0, result.output
    return folder / "l.duckdb"


def test_outlets_lists_names_documents_and_attributions(outlets_db):
    rows = jsonl(run("outlets", "-f", "jsonl", "--db", outlets_db).stdout)
    assert [(r["outlet"].casefold(), r["documents"], r["attributions"]) for r in rows] == [
        ("daily star", 2, 2), ("daily star sport", 1, 1), ("evening post", 1, 1)]  # case variants are one outlet
    table = run("outlets", "--db", outlets_db)
    assert table.exit_code == 0 and "3 outlets" in table.stdout and "Evening Post" in table.stdout
    csv_rows = list(csv.DictReader(io.StringIO(run("outlets", "-f", "csv", "--name", "post", "--db", outlets_db).stdout)))
    assert [r["outlet"] for r in csv_rows] == ["Evening Post"]


@pytest.mark.parametrize(("given", "outlets"), [
    ("DAILY STAR", {"daily star"}),  # a whole name, in any case: that outlet alone, not Daily Star Sport
    ("star", {"daily star", "daily star sport"}),  # else part of names
    ("sport", {"daily star sport"}),
])
def test_one_outlet_rule_for_search_export_and_outlets(outlets_db, tmp_path, given, outlets):
    found = {r["outlet"].casefold() for r in jsonl(run("search", "--outlet", given, "-f", "jsonl", "--db", outlets_db).stdout)}
    assert found == outlets
    listed = {r["outlet"].casefold() for r in jsonl(run("outlets", "--name", given, "-f", "jsonl", "--db", outlets_db).stdout)}
    assert listed == outlets
    assert run("export", tmp_path / "out.jsonl", "--outlet", given, "--db", outlets_db).exit_code == 0
    exported = {json.loads(line)["outlet"].casefold() for line in (tmp_path / "out.jsonl").read_text().splitlines()}
    assert exported == outlets


def test_sourcing_of_an_outlet_needs_one_outlet(outlets_db):
    whole = json.loads(run("sourcing", "--outlet", "daily STAR", "-f", "json", "--db", outlets_db).stdout)
    assert whole["documents"] == 2 and whole["scope"].casefold() == "outlet daily star"
    assert json.loads(run("sourcing", "--outlet", "sport", "-f", "json", "--db", outlets_db).stdout)["documents"] == 1
    assert_one_line_error(run("sourcing", "--outlet", "star", "--db", outlets_db),
                          "'star' matches 2 outlets (")
    assert_one_line_error(run("sourcing", "--outlet", "gazette", "--db", outlets_db), "onrecord outlets")


def test_sourcing_json_has_the_table_keys_even_at_zero(outlets_db):
    data = json.loads(run("sourcing", "--outlet", "evening post", "-f", "json", "--db", outlets_db).stdout)
    assert list(data["source_types"]) == ["named", "anonymous", "organisational", "media", "other"]
    assert list(data["kinds"]) == ["direct", "mixed", "indirect"]
    assert data["source_types"]["media"] == {"count": 0, "share": 0.0}


def test_migrate_reports_the_version(db, tmp_path):
    copy = tmp_path / "l.duckdb"
    shutil.copy(db, copy)
    result = run("migrate", "--db", copy)
    assert result.exit_code == 0 and f"schema version {schema.SCHEMA_VERSION}" in result.stdout


def test_bad_ledger_files_are_one_line_errors(tmp_path):
    notes = tmp_path / "notes.duckdb"
    notes.write_text("my notes\n" * 20, encoding="utf-8")
    for command in (["search", "x"], ["speakers"], ["export", tmp_path / "o.csv"], ["profile", "d"],
                    ["ingest", FIXTURES / "wire.jsonl"], ["migrate"]):
        assert_one_line_error(run(*command, "--db", notes), "not a DuckDB database")
    assert notes.read_text("utf-8") == "my notes\n" * 20
    assert_one_line_error(run("search", "x", "--db", tmp_path / "missing.duckdb"), "no ledger at")


def test_a_newer_schema_is_a_one_line_error(db, tmp_path):
    copy = tmp_path / "l.duckdb"
    shutil.copy(db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    for command in (["search", "x"], ["ingest", FIXTURES / "wire.jsonl", "--profile", "rules"], ["migrate"]):
        assert_one_line_error(run(*command, "--db", copy), "newer than this onrecord")


def test_an_unwritable_location_is_a_one_line_error(tmp_path):
    assert_one_line_error(run("ingest", FIXTURES / "wire.jsonl", "--profile", "rules",
                              "--db", "/sys/onrecord.duckdb"), "cannot")


def test_a_ledger_held_by_another_writer_is_a_one_line_error(db, tmp_path):
    import subprocess
    import sys

    copy = tmp_path / "l.duckdb"
    shutil.copy(db, copy)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from onrecord.store import Ledger; "
                               f"l = Ledger({str(copy)!r}); print('open', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        assert_one_line_error(run("search", "x", "--db", copy), f"(pid {holder.pid}), which is writing to it: wait")
        assert_one_line_error(run("ingest", FIXTURES / "wire.jsonl", "--profile", "rules", "--db", copy),
                              f"(pid {holder.pid}); DuckDB lets one process write")
    finally:
        holder.kill()
        holder.wait()


def test_a_ledger_open_in_onrecord_serve_names_it_and_says_what_to_do(db, tmp_path):
    """The lock error names the process that holds the ledger, as its user typed it, with its pid."""
    import socket
    import subprocess
    import sys

    copy = tmp_path / "l.duckdb"
    shutil.copy(db, copy)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "onrecord.cli", "serve", "--db", str(copy), "--port", str(port),
                               "--profile", "rules", "--paste-workers", "1"], stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr.readline().startswith("serving ")  # the ledger is open (read-only) from here on
        result = run("speakers", "merge", "Peskov", "Smith", "--db", copy)
        assert_one_line_error(result, f"is in use by onrecord serve --db {copy} --port {port} ")
        assert f"(pid {server.pid})" in result.stderr and f"kill {server.pid}" in result.stderr
        assert run("search", "x", "--db", copy).exit_code == 0  # reading beside the server works
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_old_profile_command_still_gives_the_sourcing_figures(db):
    """`onrecord profile` was renamed `onrecord sourcing` ("profile" is the model choice); kept one release."""
    old = json.loads(run("profile", "kremlin-denies", "-f", "json", "--db", db).stdout)
    assert old == json.loads(run("sourcing", "kremlin-denies", "-f", "json", "--db", db).stdout)
    assert "profile" not in run("--help").stdout.split("Commands")[-1].split()


def test_speakers_lists_each_role_once(tmp_path):
    """Roles that differ only in case or punctuation, or sit inside a longer one, are listed once (as on the
    web UI's speaker page)."""
    corpus = tmp_path / "roles"
    corpus.mkdir()
    for n, role in enumerate(["U.S. President", "US President", "President"]):
        (corpus / f"d{n}.txt").write_text(f"{role} Joe Carvell said the talks would resume in round {n}.\n",
                                          encoding="utf-8")
    assert run("ingest", corpus, "--db", tmp_path / "l.duckdb", "--profile", "rules").exit_code == 0
    rows = jsonl(run("speakers", "-f", "jsonl", "--db", tmp_path / "l.duckdb").stdout)
    carvell = [r for r in rows if r["name"] == "Joe Carvell"]
    assert len(carvell) == 1 and carvell[0]["statements"] == 3
    assert len(carvell[0]["roles"]) == 1 and carvell[0]["roles"][0].replace(".", "") == "US President"
    table = run("speakers", "--name", "Carvell", "--db", tmp_path / "l.duckdb").stdout
    assert "U.S. President" not in table or "US President" not in table


# -- --act and --min-confidence ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def known_db(tmp_path_factory) -> Path:
    return build_known_ledger(tmp_path_factory.mktemp("known") / "known.duckdb")


@pytest.mark.parametrize(("options", "act", "min_confidence"), [
    ([], None, 0.0), (["--act", "speech"], "speech", 0.0), (["--act", "thought"], "thought", 0.0),
    (["--min-confidence", "0.9"], None, 0.9), (["--act", "speech", "--min-confidence", "0.7"], "speech", 0.7),
])
def test_search_and_export_keep_the_act_and_confidence_asked(known_db, tmp_path, options, act, min_confidence):
    rows = jsonl(run("search", *options, "-f", "jsonl", "--db", known_db).stdout)
    assert {r["content"] for r in rows} == kept_contents(act, min_confidence)
    assert all({"act", "floating", "confidence"} <= set(r) for r in rows)
    result = run("export", tmp_path / "out.csv", *options, "--db", known_db)
    exported = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert result.exit_code == 0 and {r["content"] for r in exported} == kept_contents(act, min_confidence)


def test_the_search_table_marks_floating_and_thought(known_db):
    result = run("search", "--db", known_db)
    assert "(floating)" in result.stdout and "believes (thought)" in result.stdout


@pytest.mark.parametrize("value", ["1.5", "-0.1", "high"])
@pytest.mark.parametrize("command", [["search"], ["export", "out.csv"]])
def test_min_confidence_outside_0_to_1_is_one_line(known_db, command, value):
    assert_one_line_error(run(*command, "--min-confidence", value, "--db", known_db), "--min-confidence")


def test_ingest_says_it_stores_every_act_and_confidence():
    assert "Every attribution is stored" in " ".join(run("ingest", "--help").stdout.split())

"""Hostile input (issue 22): every bad input is a counted skip or a counted repair, and the run goes on.

One section per item of the issue, each built from its repro: lone surrogates (5), inputs without a
size cap (6), deep JSON (9), texts cut at max_chars (12), corrupt ledgers (14), broken WARC records
(15), unreadable folders (16), legacy encodings (17), wrong argument types (18), bad document ids (19);
then a bounded fuzz test over the readers.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tempfile
import zlib
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from onrecord.cli import app
from onrecord.document import MAX_DOC_ID, BadDocumentId, Document, DocumentMetadata, check_doc_id
from onrecord.options import ExtractOptions
from onrecord.pipeline import extract, extract_item
from onrecord.read import InputDocument, ReadOptions, RunStats, read_inputs
from onrecord.run import IngestOptions, ingest
from onrecord.run.ingest import IngestReport, LedgerWriter, prepared_document, store_document
from onrecord.serialize import document_from_dict, document_to_dict
from onrecord.store import Ledger, LedgerError
from onrecord.store.ledger import database_error
from onrecord.store.rows import text_hash

FIXTURES = Path(__file__).parent / "fixtures"
STRIKE = (FIXTURES / "html" / "harbour-strike.html").read_bytes()
RULES = ExtractOptions(profile="rules")
ARTICLE = "“We will win,” Senator Smith said on Tuesday.\n"
SURROGATE_LINE = '{"id":"g10","text":"\\ud800 \\"G,\\" he said."}'  # the JSON escape, as the repro
runner = CliRunner()


def read_all(paths, options=None):
    """Read `paths`; (documents, stats)."""
    stats = RunStats()
    return list(read_inputs(paths, stats, options=options)), stats


def record(doc_id: str, text: str = ARTICLE) -> str:
    return json.dumps({"id": doc_id, "text": text})


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    pytest.skip("no /proc/self/status")


def zeros_gzip(members: int, member_bytes: int = 10_000_000) -> bytes:
    """A gzip file of `members` members of zeros: `members` × 10 MB once decompressed, ~10 KB each compressed."""
    return gzip.compress(b"\0" * member_bytes, compresslevel=9) * members


# -- 5: lone surrogates --------------------------------------------------------------------------------

def test_a_lone_surrogate_in_jsonl_is_repaired_naming_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([record("g9"), SURROGATE_LINE, record("g11")]) + "\n")
    docs, stats = read_all([path])
    assert [d.doc_id for d in docs] == ["g9", "g10", "g11"]
    assert docs[1].text == "\ufffd \"G,\" he said."
    assert stats.recovered == {"lone surrogates replaced": 1} and stats.skipped_total == 0
    assert f"repaired {path}:2: lone surrogates replaced" in stats.messages


def test_a_lone_surrogate_is_stored_and_the_ledger_is_not_stale(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "bad.jsonl").write_text("\n".join([record("g9"), SURROGATE_LINE, record("g11")]) + "\n")
    (folder / "plain.txt").write_text(ARTICLE)
    with Ledger(tmp_path / "l.duckdb") as ledger:
        report = ingest(ledger, [folder], IngestOptions(extract=RULES))
        assert report.added == 4 and report.stats.skipped_total == 0
        assert report.stats.recovered == {"lone surrogates replaced": 1}
        assert not ledger.is_stale()
        assert ledger.document("g10").text.startswith("\ufffd")
        again = ingest(ledger, [folder], IngestOptions(extract=RULES))  # the rerun that used to crash at the same place
        assert again.unchanged == 4 and not ledger.is_stale()


def test_a_file_name_that_is_not_utf8_is_repaired(tmp_path):
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), "wb") as handle:
        handle.write(ARTICLE.encode())
    docs, stats = read_all([tmp_path])
    assert [d.doc_id for d in docs] == ["caf\ufffd"] and docs[0].path.endswith("caf\ufffd.txt")
    assert stats.recovered == {"file name not UTF-8": 1}
    with Ledger(tmp_path / "l.duckdb") as ledger:
        report = ingest(ledger, [tmp_path], IngestOptions(extract=RULES))
        assert report.added == 1 and not ledger.is_stale()


def test_extract_on_a_lone_surrogate_prints_its_summary(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([record("g9"), SURROGATE_LINE]) + "\n")
    result = runner.invoke(app, ["extract", str(path), "--profile", "rules", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == "processed 2, skipped 0; repaired: lone surrogates replaced → 1"


def test_the_writer_replaces_surrogates_the_readers_let_through(tmp_path):
    # the last line of defence: a Document built elsewhere (the Python API, the paste box) with a lone surrogate
    doc = extract("\ud800 “We will win,” Smith said.", RULES, doc_id="api-doc")
    with Ledger(tmp_path / "l.duckdb") as ledger:
        report = store_document(ledger, doc, "api", "rules-test")
        assert report.added == 1 and report.stats.recovered == {"lone surrogates replaced": 1}
        assert "repaired api (api-doc): lone surrogates replaced" in report.stats.messages
        assert ledger.document("api-doc").text.startswith("\ufffd") and not ledger.is_stale()


def test_rows_arrow_refuses_cost_only_their_document(tmp_path):
    docs = [extract(ARTICLE, RULES, doc_id=f"d{i}") for i in range(3)]
    report = IngestReport()
    with Ledger(tmp_path / "l.duckdb") as ledger:
        writer = LedgerWriter(ledger, "p", report, batch_size=10)
        for doc in docs:
            prepared = prepared_document(doc, "x.jsonl", text_hash(doc.text), "p")
            if doc.doc_id == "d1":
                prepared.document["published_date"] = "not a date"  # Arrow can't convert it: the batch fails
            writer.accept(prepared)
        writer.finish()
        assert report.added == 2 and report.stats.skipped == {"cannot store": 1}
        assert any(m.startswith("skipped x.jsonl: cannot store (d1: ") for m in report.stats.messages)
        assert ledger.document("d1") is None and ledger.document("d0") and ledger.document("d2")
        assert not ledger.is_stale()


# -- 6: inputs without a size cap -----------------------------------------------------------------------

def test_a_text_over_the_limit_is_skipped(tmp_path):
    (tmp_path / "big.txt").write_text("x" * 1001)
    (tmp_path / "small.txt").write_text(ARTICLE)
    docs, stats = read_all([tmp_path], ReadOptions(max_input_bytes=1000))
    assert [d.doc_id for d in docs] == ["small"]
    assert stats.skipped == {"text: too large": 1}


def test_a_gzip_bomb_text_is_not_decompressed_past_the_limit(tmp_path):
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(zeros_gzip(200))  # 2 GB once decompressed, 2 MB on disk
    before = peak_rss()
    docs, stats = read_all([bomb])
    assert docs == [] and stats.skipped == {"text: too large": 1}
    assert peak_rss() - before < 500_000_000  # the default limit is 10 MB; reading it whole would take 2 GB


def test_a_jsonl_line_over_the_limit_is_skipped_and_the_next_lines_read(tmp_path):
    path = tmp_path / "dump.jsonl.gz"
    path.write_bytes(gzip.compress((record("a") + "\n").encode()) + zeros_gzip(20, 1_000_000)
                     + gzip.compress(("\n" + record("b") + "\n").encode()))
    before = peak_rss()
    docs, stats = read_all([path], ReadOptions(max_input_bytes=100_000))
    assert [d.doc_id for d in docs] == ["a", "b"]
    assert stats.skipped == {"jsonl: line too large": 1}
    assert any(f"{path}:2: jsonl: line too large" in m for m in stats.messages)
    assert peak_rss() - before < 100_000_000  # the 20 MB line is read past in pieces, never held


def test_a_large_jsonl_file_of_small_lines_is_read_whole(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("".join(record(f"r{i}") + "\n" for i in range(200)))
    docs, stats = read_all([path], ReadOptions(max_input_bytes=200))  # the file is far over; no line is
    assert len(docs) == 200 and stats.skipped_total == 0


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_named_as_input_is_refused():
    docs, stats = read_all(["/dev/zero"])
    assert docs == [] and stats.skipped == {"not a regular file": 1}
    assert stats.messages == ["skipped /dev/zero: not a regular file (a character device)"]


def test_max_input_bytes_on_the_command_line(tmp_path):
    (tmp_path / "big.txt").write_text(ARTICLE * 10)
    (tmp_path / "small.txt").write_text(ARTICLE)
    result = runner.invoke(app, ["extract", str(tmp_path), "--profile", "rules", "--format", "jsonl",
                                 "--max-input-bytes", "100"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines()[-1] == "processed 1, skipped 1: text: too large → 1"
    result = runner.invoke(app, ["ingest", str(tmp_path), "--db", str(tmp_path / "l.duckdb"), "--profile", "rules",
                                 "--max-input-bytes", "100"])
    assert result.exit_code == 0, result.output
    assert "processed 1, skipped 1: text: too large → 1" in result.stderr


# -- 9: deep JSON ---------------------------------------------------------------------------------------

def test_a_deeply_nested_line_is_skipped_and_the_next_lines_read(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join([record("a"), "[" * 100_000 + "]" * 100_000, '{"x":' * 100_000, record("b")]) + "\n")
    docs, stats = read_all([path])
    assert [d.doc_id for d in docs] == ["a", "b"]
    assert stats.skipped_total == 2 and set(stats.skipped) <= {"jsonl: too deeply nested", "jsonl: not JSON"}
    assert stats.skipped["jsonl: too deeply nested"] >= 1


# -- 12: texts cut at max_chars -------------------------------------------------------------------------

def test_a_text_over_max_chars_is_cut_and_says_so():
    options = ExtractOptions(profile="rules", max_chars=100)
    text = ARTICLE * 10
    doc = extract(text, options)
    assert doc.truncated and doc.text == text and all(a.content.end <= 100 for a in doc.attributions)
    assert document_to_dict(doc)["truncated"] is True
    assert document_from_dict(document_to_dict(doc), text).truncated
    assert "truncated" not in document_to_dict(extract(ARTICLE, options))  # the usual output keeps the keys it always had


def test_a_cut_text_is_a_counted_repair_in_extract_and_ingest(tmp_path):
    options = ExtractOptions(profile="rules", max_chars=100)
    stats = RunStats()
    doc = extract_item(InputDocument("long", ARTICLE * 10, "long.txt"), stats, options)
    assert doc.truncated and stats.recovered == {"text cut at 100 characters": 1}
    assert stats.messages == ["repaired long.txt: text cut at 100 characters"]
    (tmp_path / "long.txt").write_text(ARTICLE * 10)
    with Ledger(tmp_path / "l.duckdb") as ledger:
        report = ingest(ledger, [tmp_path / "long.txt"], IngestOptions(extract=options))
    assert report.added == 1 and report.stats.recovered == {"text cut at 100 characters": 1}


def test_the_default_limit_reads_two_million_characters():
    assert ExtractOptions().max_chars == 2_000_000
    stats = RunStats()
    extract_item(InputDocument("x", "a" * 2_000_001, "x.txt"), stats, ExtractOptions(profile="rules", segment=False,
                                                                                     resolve_speakers=False))
    assert stats.recovered == {"text cut at 2,000,000 characters": 1}


# -- 14: corrupt ledgers --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_ledger(tmp_path_factory) -> Path:
    """A small ledger, ingested from the ledger fixtures with the rules profile."""
    path = tmp_path_factory.mktemp("ledger") / "good.duckdb"
    with Ledger(path) as ledger:
        ingest(ledger, [FIXTURES / "ledger"], IngestOptions(extract=RULES))
    return path


def damaged_copy(good: Path, folder: Path, damage: str) -> Path:
    """A copy of `good` damaged as the issue's repros damage it."""
    path = folder / f"{damage}.duckdb"
    shutil.copy(good, path)
    size = path.stat().st_size
    if damage == "garbled-middle":  # bytes overwritten in the middle of the file
        with open(path, "r+b") as handle:
            handle.seek(size // 4)
            handle.write((b"garbage!" * size)[: size // 2])
    elif damage == "garbled-blocks":  # a few bytes inside every 256 KB block (DuckDB's block size)
        with open(path, "r+b") as handle:
            for offset in range(12288 + 100, size, 262144):
                handle.seek(offset)
                handle.write(b"\xff" * 64)
    elif damage == "zeroed-blocks":
        with open(path, "r+b") as handle:
            handle.seek(size // 4)
            handle.write(b"\0" * (size // 2))
    else:  # a dropped table
        connection = duckdb.connect(str(path))
        connection.execute(f"DROP TABLE {damage.removeprefix('dropped-')}")
        connection.close()
    return path


def use_ledger(path: Path) -> None:
    """Open, read and write a ledger as the commands do."""
    with Ledger(path) as ledger:
        ledger.counts()
        ledger.search()
        ledger.document("kremlin-denies")
        ingest(ledger, [FIXTURES / "ledger"], IngestOptions(extract=ExtractOptions(profile="rules", max_chars=500)))
        ledger.refresh(force=True)


@pytest.mark.parametrize("damage", ["garbled-middle", "garbled-blocks", "zeroed-blocks", "dropped-attributions",
                                    "dropped-meta", "dropped-speakers"])
def test_a_damaged_ledger_is_one_line_saying_corrupt_and_what_to_do(good_ledger, tmp_path, damage):
    path = damaged_copy(good_ledger, tmp_path, damage)
    with pytest.raises(LedgerError) as caught:
        use_ledger(path)
    message = str(caught.value)
    assert "corrupt" in message and "restore a backup" in message and "in use" not in message
    assert len(message.splitlines()) == 1
    result = runner.invoke(app, ["search", "--db", str(path)])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(errors) == 1 and "corrupt" in errors[0]


@pytest.mark.parametrize(("message", "expected"), [
    ("IO Error: Corrupt database file: computed checksum 5381 does not match stored checksum 0 in block at location 8192",
     "is corrupt (IO Error: Corrupt database file"),  # "block": not taken for a lock
    ('IO Error: Could not set lock on file "l.duckdb": Conflicting lock is held in python (PID 7)', " is in use by "),
])
def test_lock_and_checksum_errors_are_told_apart(message, expected):
    assert expected in str(database_error(Path("l.duckdb"), duckdb.IOException(message)))


def test_a_failed_rollback_names_the_original_error():
    error = duckdb.FatalException(
        "FATAL Error: Failed to rollback transaction. Cannot continue operation.\n"
        "Original Error: IO Error: Corrupt database file: computed checksum 5381 does not match stored checksum 0\n"
        "Rollback Error: IO Error: Corrupt database file")
    message = str(database_error(Path("l.duckdb"), error, opening=False))
    assert message.startswith("l.duckdb is corrupt (IO Error: Corrupt database file") and "restore a backup" in message
    other = duckdb.FatalException("FATAL Error: Failed to commit\nOriginal Error: IO Error: No space left on device")
    assert "No space left on device" in str(database_error(Path("l.duckdb"), other, opening=False))


# -- 15: WARC records -----------------------------------------------------------------------------------

def warc_records(uris: list[str]) -> list[bytes]:
    """One uncompressed WARC response record per URI, each holding the harbour-strike page."""
    records = []
    for uri in uris:
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(STRIKE), http_headers=headers))
        records.append(buffer.getvalue())
    return records


def write_archive(path: Path, records: list[bytes], compress: bool) -> Path:
    """Records as a .warc, or a .warc.gz of one gzip member per record (as crawlers write them)."""
    path.write_bytes(b"".join(gzip.compress(r) if compress else r for r in records))
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_a_response_without_target_uri_is_skipped_and_the_file_goes_on(tmp_path, compress):
    records = warc_records(["https://a.example/1", "https://a.example/2", "https://a.example/3"])
    records[1] = b"".join(line for line in records[1].splitlines(keepends=True)
                          if not line.startswith(b"WARC-Target-URI:"))
    path = write_archive(tmp_path / ("crawl.warc.gz" if compress else "crawl.warc"), records, compress)
    docs, stats = read_all([path])
    assert len(docs) == 2
    assert stats.skipped == {"warc: no target URI": 1}
    assert any(m.startswith(f"skipped {path} record 2: warc: no target URI") for m in stats.messages)


@pytest.mark.parametrize("compress", [False, True])
def test_a_record_claiming_more_than_the_file_holds_is_counted(tmp_path, compress):
    records = warc_records(["https://a.example/1", "https://a.example/2", "https://a.example/3"])
    head, body = records[1].split(b"\r\n\r\n", 1)
    lines = [line if not line.startswith(b"Content-Length:") else b"Content-Length: 1000000000"
             for line in head.split(b"\r\n")]
    records[1] = b"\r\n".join(lines) + b"\r\n\r\n" + body  # the page itself is whole: only the length lies
    path = write_archive(tmp_path / ("crawl.warc.gz" if compress else "crawl.warc"), records, compress)
    docs, stats = read_all([path])
    assert len(docs) == 1  # record 1; record 3 went into record 2, which is not read as a page
    assert stats.skipped == {"warc: record cut short": 1}
    message = next(m for m in stats.messages if "record cut short" in m)
    assert f"{path} record 2 (https://a.example/2)" in message and "Content-Length 1,000,000,000" in message


def test_an_empty_warc_is_counted(tmp_path):
    (tmp_path / "empty.warc").write_bytes(b"")
    docs, stats = read_all([tmp_path / "empty.warc"])
    assert docs == [] and stats.skipped == {"empty": 1}


def test_a_warc_of_zeros_is_refused_without_reading_it_whole(tmp_path):
    bomb = tmp_path / "bomb.warc.gz"
    bomb.write_bytes(zeros_gzip(100))  # 1 GB of zeros: warcio would gather it into one header line
    before = peak_rss()
    docs, stats = read_all([bomb])
    assert docs == [] and stats.skipped == {"warc: too large": 1}
    assert peak_rss() - before < 500_000_000


# -- 16: unreadable folders -----------------------------------------------------------------------------

def refuse_listing(monkeypatch, refused: Path) -> None:
    """Make listing `refused` fail as a mode-000 folder does (chmod 000 doesn't stop root)."""
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == refused:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_folder_is_not_an_empty_one(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(ARTICLE)
    refuse_listing(monkeypatch, tmp_path)
    docs, stats = read_all([tmp_path])
    assert docs == [] and stats.skipped == {"unreadable folder": 1}
    assert stats.messages == [f"skipped {tmp_path}: unreadable folder (Permission denied)"]


def test_an_unreadable_subfolder_is_counted_and_the_rest_read(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text(ARTICLE)
    refuse_listing(monkeypatch, tmp_path / "locked")
    docs, stats = read_all([tmp_path])
    assert [d.doc_id for d in docs] == ["a"] and stats.skipped == {"unreadable folder": 1}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads mode-000 folders")
def test_a_mode_000_folder_for_real(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text(ARTICLE)
    locked.chmod(0)
    try:
        docs, stats = read_all([tmp_path])
    finally:
        locked.chmod(0o755)
    assert docs == [] and stats.skipped == {"unreadable folder": 1}


# -- 17: legacy encodings -------------------------------------------------------------------------------

FRENCH = "« Nous gagnerons », a déclaré François Müller à Montréal, “sans aucun doute”.\n"


@pytest.mark.parametrize(("text", "encoding", "reason"), [
    (FRENCH, "cp1252", "decoded as cp1252"),
    (FRENCH.replace("“", '"').replace("”", '"'), "latin-1", "decoded as cp1252"),  # Latin-1 is cp1252's subset
    ("Заявление Кремля: «мы не планировали», сказал Песков.\n", "cp1251", "decoded as cp1251"),
    (ARTICLE, "utf-16-le", "decoded as utf-16-le"),  # without a byte-order mark: was called binary
    (ARTICLE, "utf-16-be", "decoded as utf-16-be"),
])
def test_text_in_another_encoding_is_decoded_and_counted(tmp_path, text, encoding, reason):
    (tmp_path / "legacy.txt").write_bytes(text.encode(encoding))
    docs, stats = read_all([tmp_path / "legacy.txt"])
    assert [d.text for d in docs] == [text]
    assert stats.recovered == {reason: 1} and stats.skipped_total == 0


def test_binary_is_still_binary(tmp_path):
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    docs, stats = read_all([tmp_path / "image.txt"])
    assert docs == [] and stats.skipped == {"binary": 1}


# -- 18: the Python API's argument types ----------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"text": b"\"Yes,\" he said."}, "text must be a str, not bytes (decode bytes first"),
    ({"text": ["a", "b"]}, "text must be a str, not list"),
    ({"text": None}, "text must be a str, not NoneType"),
    ({"text": ARTICLE, "options": {"profile": "rules"}}, "options must be an onrecord.ExtractOptions"),
    ({"text": ARTICLE, "options": RULES, "metadata": {"title": "x"}}, "metadata must be"),
    ({"text": ARTICLE, "options": RULES, "doc_id": 7}, "doc_id must be a str"),
])
def test_wrong_argument_types_are_a_type_error(kwargs, fragment):
    with pytest.raises(TypeError, match="onrecord.extract: ") as caught:
        extract(**kwargs)
    assert fragment in str(caught.value)


def test_right_argument_types_still_extract():
    doc = extract(ARTICLE, RULES, doc_id="ok", metadata=DocumentMetadata(title="t"))
    assert isinstance(doc, Document) and doc.doc_id == "ok" and doc.attributions


# -- 19: document ids -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("doc_id", "problem"), [
    ("", "empty"),
    ("x" * (MAX_DOC_ID + 1), f"at most {MAX_DOC_ID} characters"),
    ("a\nb", "control characters"),
    ("a\tb", "control characters"),
    ("a\x00b", "control characters"),
    ("half\ud800", "not valid Unicode"),
])
def test_bad_document_ids(doc_id, problem):
    with pytest.raises(BadDocumentId, match=problem):
        check_doc_id(doc_id)


@pytest.mark.parametrize("doc_id", ["kremlin-denies", "x" * MAX_DOC_ID, "news:12", "Zürich – 2024/03", "caf\ufffd", "draft "])
def test_good_document_ids(doc_id):
    assert check_doc_id(doc_id) == doc_id


def test_ingest_skips_ids_the_web_ui_would_refuse(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text("\n".join([record("good"), record("x" * 1001), record("tab\there"), record("fine")]) + "\n")
    docs, stats = read_all([path])
    assert [d.doc_id for d in docs] == ["good", "fine"]
    assert stats.skipped == {"bad document id": 2}
    assert any(m.startswith(f"skipped {path}:3: bad document id (control characters") for m in stats.messages)
    from onrecord.serve.params import BadParameter, check_id  # the web UI's check is the same rule

    for refused in ("x" * 1001, "tab\there"):
        with pytest.raises(BadParameter):
            check_id("doc_id", refused)
    assert check_id("doc_id", "good") == "good"


# -- fuzz: random and damaged bytes through every reader ------------------------------------------------

def sample_files() -> dict[str, bytes]:
    """A valid input of each kind, for the fuzzer to damage."""
    records = warc_records(["https://a.example/1", "https://a.example/2"])
    return {
        "a.txt": ARTICLE.encode(),
        "a.html": STRIKE,
        "a.jsonl": ("\n".join([record("a"), record("b"), json.dumps({"html": STRIKE.decode()})]) + "\n").encode(),
        "a.jsonl.gz": gzip.compress(("\n".join([record("a"), record("b")]) + "\n").encode()),
        "a.warc": b"".join(records),
        "a.warc.gz": b"".join(gzip.compress(r) for r in records),
    }


SAMPLES = sample_files()


@st.composite
def hostile_files(draw) -> tuple[str, bytes]:
    """(file name, bytes): random bytes, or a valid sample cut short, overwritten in places or spliced."""
    name = draw(st.sampled_from(sorted(SAMPLES)))
    how = draw(st.sampled_from(["random", "cut", "overwrite", "splice"]))
    data = SAMPLES[name]
    if how == "random":
        data = draw(st.binary(max_size=4096))
    elif how == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "overwrite":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            piece = draw(st.binary(min_size=1, max_size=64))
            data[at: at + len(piece)] = piece
        data = bytes(data)
    else:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=256)) + data[at:]
    return name, data


def jsonl_lines(data: bytes) -> int:
    """The non-blank lines the JSONL reader will account for, once gzip is undone."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return -1  # a damaged gzip: counted as such, after the lines before the damage
    return sum(1 for line in io.BytesIO(data) if line.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(hostile_files(), min_size=1, max_size=3))
def test_no_input_escapes_or_goes_unaccounted(files):
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, (name, data) in enumerate(files):
            path = Path(folder) / f"{index}-{name}"
            path.write_bytes(data)
            paths.append(path)
        for path, (name, data) in zip(paths, files):
            stats = RunStats()
            docs = list(read_inputs([path], stats))  # nothing may escape
            assert len(docs) == stats.read
            accounted = stats.read + stats.skipped_total
            if name.endswith((".txt", ".html")):
                assert accounted == 1, stats.messages
            elif ".jsonl" in name:
                lines = jsonl_lines(data)
                assert accounted == lines if lines >= 0 else accounted >= 1, stats.messages
            else:  # a WARC: an empty or unreadable file is counted too
                assert accounted >= 1, stats.messages
            for doc in docs:  # what is read can be stored and printed
                doc.text.encode("utf-8")
                doc.doc_id.encode("utf-8")
                if doc.id_from_input:
                    check_doc_id(doc.doc_id)
        stats = RunStats()
        assert len(list(read_inputs([folder], stats))) == stats.read  # the folder as a whole, too
    assert peak_rss() < 1_500_000_000

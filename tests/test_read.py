"""Read stage: files, folders and stdin in; bad input is a counted skip with its reason."""
from __future__ import annotations

import codecs
import io

import pytest

from onrecord.read import RunStats, find_files, read_inputs, read_path

ARTICLE = "“We will win,” Smith said.\n"


def read_all(paths, stdin=None):
    """Read `paths` and return (documents, stats)."""
    stats = RunStats()
    return list(read_inputs(paths, stats, stdin=stdin)), stats


def test_file_doc_id_is_name_without_extension(tmp_path):
    (tmp_path / "story-1.txt").write_text(ARTICLE, encoding="utf-8")
    docs, stats = read_all([tmp_path / "story-1.txt"])
    assert [(d.doc_id, d.text) for d in docs] == [("story-1", ARTICLE)]
    assert stats.read == 1 and stats.skipped_total == 0


def test_folder_is_recursive_sorted_and_txt_only(tmp_path):
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not read", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text("hidden", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path)] == ["b.txt", "sub/a.txt"]
    docs, _ = read_all([tmp_path])
    assert [d.doc_id for d in docs] == ["b", "a"]


def test_explicit_file_with_other_suffix_is_read_as_text(tmp_path):
    (tmp_path / "wire").write_text(ARTICLE, encoding="utf-8")
    docs, _ = read_all([tmp_path / "wire"])
    assert [d.doc_id for d in docs] == ["wire"]


def test_stdin_is_one_document():
    stdin = io.TextIOWrapper(io.BytesIO(ARTICLE.encode("utf-8")), encoding="utf-8")
    docs, stats = read_all(["-"], stdin=stdin)
    assert [(d.doc_id, d.text, d.path) for d in docs] == [("stdin", ARTICLE, "-")]
    assert stats.read == 1


def test_text_only_stdin_without_buffer():
    docs, _ = read_all(["-"], stdin=io.StringIO(ARTICLE))
    assert [d.text for d in docs] == [ARTICLE]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
        ("empty.txt", b"  \n\n", "empty"),
    ],
)
def test_bad_file_is_counted_skip(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    docs, stats = read_all([tmp_path / name])
    assert docs == []
    assert stats.skipped == {reason: 1}
    assert stats.messages == [f"skipped {tmp_path / name}: {reason}"]


def test_missing_path_and_empty_folder_are_counted(tmp_path):
    (tmp_path / "empty").mkdir()
    docs, stats = read_all([tmp_path / "nope.txt", tmp_path / "empty"])
    assert docs == []
    assert stats.skipped == {"missing path": 1, "empty folder": 1}


def test_unreadable_file_is_counted(tmp_path):
    # A directory passed straight to the file reader stands in for any OSError on open.
    docs = list(read_path(tmp_path, stats := RunStats()))
    assert docs == [] and stats.skipped == {"unreadable": 1}


def test_invalid_utf8_is_read_with_replacement_and_counted(tmp_path):
    # UTF-8 with a character cut at the end: the rest is UTF-8, so only the stray bytes are replaced
    # (a cp1252 file is decoded as cp1252 instead: tests/test_hostile_input.py)
    (tmp_path / "cut.txt").write_bytes("“Nous gagnerons”, a dit Müller.".encode("utf-8") + b"\xe2\x80")
    docs, stats = read_all([tmp_path / "cut.txt"])
    assert len(docs) == 1 and docs[0].text.endswith("Müller.\ufffd") and "gagnerons" in docs[0].text
    assert stats.recovered == {"invalid utf-8 replaced": 1} and stats.skipped_total == 0


@pytest.mark.parametrize("encoding, bom", [("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE)])
def test_byte_order_mark_is_honoured_and_dropped(tmp_path, encoding, bom):
    (tmp_path / "bom.txt").write_bytes(bom + ARTICLE.encode(encoding))
    docs, stats = read_all([tmp_path / "bom.txt"])
    assert [d.text for d in docs] == [ARTICLE] and stats.skipped_total == 0


def test_reading_is_lazy(tmp_path):
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    stream = read_inputs([tmp_path / "a.txt", tmp_path / "missing.txt"], stats := RunStats())
    next(stream)
    assert stats.skipped_total == 0  # the second path isn't looked at until asked for


def test_skip_lines_are_capped_per_reason_but_all_counted():
    from onrecord.stats import MESSAGES_PER_REASON

    stats = RunStats()
    for i in range(MESSAGES_PER_REASON + 5):
        stats.skip(f"r{i}.warc", "warc: not an HTTP response")
    stats.skip("x.txt", "binary")
    assert stats.skipped == {"warc: not an HTTP response": MESSAGES_PER_REASON + 5, "binary": 1}
    assert len(stats.messages) == MESSAGES_PER_REASON + 2  # the listed ones, one "more" note, the binary one
    assert "counted in the summary" in stats.messages[MESSAGES_PER_REASON]
    assert stats.messages[-1] == "skipped x.txt: binary"


@pytest.mark.parametrize(
    "name, stem, suffix",
    [
        ("story-1.txt", "story-1", ".txt"),
        ("CC-NEWS-2017.warc.gz", "CC-NEWS-2017", ".warc"),
        ("part-0.jsonl.gz", "part-0", ".jsonl"),
        ("page.HTML", "page", ".html"),
        ("dump.gz", "dump", ".gz"),
        ("README", "README", ""),
    ],
)
def test_split_name_looks_through_gz(name, stem, suffix):
    from pathlib import Path

    from onrecord.read import split_name

    assert split_name(Path(name)) == (stem, suffix)

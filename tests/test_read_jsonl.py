"""JSONL reader: one document per line; news-please and CC-News fields by default, others by option."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from onrecord.read import ReadOptions, RunStats, find_files, read_inputs

FIXTURES = Path(__file__).parent / "fixtures" / "html"

NEWS_PLEASE = {  # the fields news-please writes
    "authors": ["Maria Lindqvist", "Tom Reyes"],
    "date_download": "2024-03-12 09:00:00",
    "date_publish": "2024-03-12 07:45:00",
    "description": "Union members back a walkout.",
    "language": "en",
    "maintext": "“Nobody agreed to this,” said Tomasz Brekke.",
    "source_domain": "portmouthherald.example",
    "title": "Dock workers vote to strike",
    "url": "https://portmouthherald.example/strike",
}
CC_NEWS = {  # the Hugging Face cc_news layout
    "id": 7,
    "title": "Council approves cycle lanes",
    "text": "The lanes will make the road safer, the council said.",
    "domain": "millbrookpost.example",
    "date": "2025-06-19 18:20:00",
    "url": "https://millbrookpost.example/lanes",
}


def write_jsonl(path: Path, lines: list) -> Path:
    """Write records (dicts are dumped, strings written as they are) one per line."""
    path.write_text("".join((json.dumps(line) if not isinstance(line, str) else line) + "\n" for line in lines))
    return path


def read_all(paths, options=None):
    """Read `paths` and return (documents, stats)."""
    stats = RunStats()
    return list(read_inputs(paths, stats, options=options)), stats


def test_news_please_record(tmp_path):
    (doc,), stats = read_all([write_jsonl(tmp_path / "crawl.jsonl", [NEWS_PLEASE])])
    assert stats.read == 1 and stats.skipped_total == 0
    assert doc.text == NEWS_PLEASE["maintext"] and doc.doc_id == "crawl:1" and doc.path == str(tmp_path / "crawl.jsonl")
    meta = doc.metadata
    assert (meta.title, meta.published, meta.url) == (NEWS_PLEASE["title"], "2024-03-12 07:45:00", NEWS_PLEASE["url"])
    assert meta.byline == "Maria Lindqvist, Tom Reyes" and meta.outlet == "portmouthherald.example"


def test_cc_news_record_with_id(tmp_path):
    (doc,), _ = read_all([write_jsonl(tmp_path / "cc.ndjson", [CC_NEWS])])
    assert (doc.doc_id, doc.text) == ("7", CC_NEWS["text"])
    assert (doc.metadata.published, doc.metadata.outlet, doc.metadata.title) == (
        CC_NEWS["date"], CC_NEWS["domain"], CC_NEWS["title"])


def test_text_is_kept_unchanged_for_offsets(tmp_path):
    record = {"text": "  “Yes,” she said.\n\n"}
    (doc,), _ = read_all([write_jsonl(tmp_path / "a.jsonl", [record])])
    assert doc.text == record["text"]


def test_fields_chosen_by_option(tmp_path):
    record = {"uid": "s-1", "body": "Talks will resume, he said.", "text": "not this", "link": "https://x.example/1",
              "when": "2020-01-02", "headline": "Talks to resume", "title": "not this either"}
    options = ReadOptions(text_field="body", id_field="uid", url_field="link", date_field="when", title_field="headline")
    (doc,), _ = read_all([write_jsonl(tmp_path / "custom.jsonl", [record])], options)
    assert (doc.doc_id, doc.text) == ("s-1", "Talks will resume, he said.")
    assert (doc.metadata.url, doc.metadata.published, doc.metadata.title) == ("https://x.example/1", "2020-01-02", "Talks to resume")


def test_a_named_text_field_has_no_fallback(tmp_path):
    docs, stats = read_all([write_jsonl(tmp_path / "a.jsonl", [{"text": "Something else."}])], ReadOptions(text_field="body"))
    assert docs == [] and stats.skipped == {"jsonl: no text field": 1}


def test_bad_lines_are_counted_and_the_rest_is_read(tmp_path):
    path = write_jsonl(tmp_path / "mixed.jsonl", [
        {"text": "First, she said."},
        '{"text": "cut off',
        ["a", "list"],
        {"title": "no text here"},
        {"text": 42},
        {"text": "   "},
        "",
        {"text": "Last, he said."},
    ])
    docs, stats = read_all([path])
    assert [(d.doc_id, d.text) for d in docs] == [("mixed:1", "First, she said."), ("mixed:8", "Last, he said.")]
    assert stats.skipped == {"jsonl: not JSON": 1, "jsonl: not an object": 1, "jsonl: no text field": 2, "empty": 1}
    assert stats.messages[0] == f"skipped {path}:2: jsonl: not JSON"  # file and line of each bad record


def test_record_with_raw_html_goes_through_html_extraction(tmp_path):
    page = (FIXTURES / "harbour-strike.html").read_text(encoding="utf-8")
    record = {"id": "h1", "html": page, "title": "Headline from the record"}
    (doc,), stats = read_all([write_jsonl(tmp_path / "pages.jsonl", [record])])
    assert stats.skipped_total == 0
    assert "“Nobody was asked, and nobody agreed to this,” said Tomasz Brekke" in doc.text
    assert "Accept all cookies" not in doc.text and "<p>" not in doc.text
    assert doc.metadata.title == "Headline from the record"  # the record's own fields win
    assert doc.metadata.byline == "Maria Lindqvist" and doc.metadata.published == "2024-03-12"  # the page fills gaps


def test_gzipped_jsonl_and_folder_walk(tmp_path):
    lines = "".join(json.dumps({"text": f"Story {i}, he said."}) + "\n" for i in range(3)).encode()
    (tmp_path / "part-0.jsonl.gz").write_bytes(gzip.compress(lines))
    (tmp_path / "notes.json").write_text("{}")
    assert [p.name for p in find_files(tmp_path)] == ["part-0.jsonl.gz"]
    docs, stats = read_all([tmp_path])
    assert [d.doc_id for d in docs] == ["part-0:1", "part-0:2", "part-0:3"] and stats.skipped_total == 0


def test_truncated_gzip_yields_what_was_read_then_a_skip(tmp_path):
    lines = "".join(json.dumps({"text": f"Story {i}, he said.", "pad": "x" * 200}) + "\n" for i in range(2000)).encode()
    compressed = gzip.compress(lines)
    (tmp_path / "cut.jsonl.gz").write_bytes(compressed[: len(compressed) * 2 // 3])
    (tmp_path / "whole.jsonl").write_text(json.dumps({"text": "After, she said."}) + "\n")
    docs, stats = read_all([tmp_path / "cut.jsonl.gz", tmp_path / "whole.jsonl"])
    assert stats.skipped == {"gzip: truncated": 1}
    from_cut = [d for d in docs if d.path.endswith("cut.jsonl.gz")]
    assert 0 < len(from_cut) < 2000
    assert [d.text for d in from_cut] == [f"Story {i}, he said." for i in range(len(from_cut))]
    assert docs[-1].text == "After, she said."


def test_a_cut_anywhere_after_the_first_member_is_a_truncation(tmp_path):
    # Multi-member gzip, as .warc.gz and concatenated dumps are: a cut may fall inside the next member's header.
    members = [gzip.compress((json.dumps({"text": f"Story {i}, he said."}) + "\n").encode()) for i in range(3)]
    data = b"".join(members)
    boundaries = {len(members[0]), len(members[0]) + len(members[1])}  # a cut there leaves a valid, shorter file
    for cut in sorted(set(range(len(members[0]) + 1, len(data))) - boundaries):
        (tmp_path / "cut.jsonl.gz").write_bytes(data[:cut])
        docs, stats = read_all([tmp_path / "cut.jsonl.gz"])
        assert docs and docs[0].text == "Story 0, he said.", cut
        assert stats.skipped == {"gzip: truncated": 1}, cut


def test_damaged_gzip_is_corrupt(tmp_path):
    data = bytearray(gzip.compress(b"".join(json.dumps({"text": f"Story {i}."}).encode() + b"\n" for i in range(500))))
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "bad.jsonl.gz").write_bytes(bytes(data))
    _, stats = read_all([tmp_path / "bad.jsonl.gz"])
    # The damage may first show as garbled lines; the checksum at the member's end names it.
    assert stats.skipped["gzip: corrupt"] == 1 and "gzip: truncated" not in stats.skipped


@pytest.mark.parametrize("value, expected", [(["A", None, "", "B"], "A, B"), ("  C  ", "C"), (12, "12"), ({"n": 1}, None)])
def test_byline_values_of_any_shape(tmp_path, value, expected):
    (doc,), _ = read_all([write_jsonl(tmp_path / "a.jsonl", [{"text": "Yes, she said.", "authors": value}])])
    assert doc.metadata.byline == expected

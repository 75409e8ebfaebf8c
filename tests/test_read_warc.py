"""WARC reader: HTML pages from HTTP response records; every other record is a counted skip."""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from onrecord.read import ReadOptions, RunStats, read_inputs

FIXTURES = Path(__file__).parent / "fixtures" / "html"
STRIKE = (FIXTURES / "harbour-strike.html").read_bytes()
COUNCIL = (FIXTURES / "council-vote.html").read_bytes()
UNDATED = b"""<html><head><title>Ferry fares rise</title></head><body><article>
<p>Ferry fares will rise by eight percent from May, the operator said on Monday in a short statement.</p>
<p>\xe2\x80\x9cWe have held prices for three years,\xe2\x80\x9d a spokeswoman said. Passenger groups called the rise unfair.</p>
</article></body></html>"""


def http_response(writer, uri, body, status="200 OK", content_type="text/html; charset=utf-8", extra_headers=()):
    """A WARC response record holding an HTTP response."""
    headers = StatusAndHeaders(status, [("Content-Type", content_type), *extra_headers], protocol="HTTP/1.1")
    return writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)


def write_warc(path: Path, compress: bool = True) -> Path:
    """A small crawl: warcinfo, a request, HTML responses, and records that hold no article."""
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=compress)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "onrecord tests"}))
        request = StatusAndHeaders("GET /strike HTTP/1.1", [("Host", "herald.example")], is_http_request=True)
        writer.write_record(writer.create_warc_record("https://herald.example/strike", "request", http_headers=request))
        writer.write_record(http_response(writer, "https://herald.example/strike", STRIKE))
        writer.write_record(http_response(writer, "https://herald.example/logo.png", b"\x89PNG\r\n\x00\x00", content_type="image/png"))
        writer.write_record(http_response(writer, "https://herald.example/gone", b"<html>Not found</html>", status="404 Not Found"))
        writer.write_record(writer.create_warc_record(
            "file:///notes.html", "resource", payload=io.BytesIO(COUNCIL), warc_content_type="text/html"))
        writer.write_record(http_response(
            writer, "https://post.example/lanes", gzip.compress(COUNCIL), extra_headers=[("Content-Encoding", "gzip")]))
        writer.write_record(http_response(writer, "https://ferry.example/fares", UNDATED))
    return path


def read_all(paths, options=None):
    """Read `paths` and return (documents, stats)."""
    stats = RunStats()
    return list(read_inputs(paths, stats, options=options)), stats


@pytest.mark.parametrize("name, compress", [("crawl.warc.gz", True), ("crawl.warc", False)])
def test_html_responses_are_documents_and_other_records_counted(tmp_path, name, compress):
    docs, stats = read_all([write_warc(tmp_path / name, compress)])
    assert [d.metadata.url for d in docs] == [
        "https://www.portmouthherald.example/news/2024/03/12/dock-workers-strike",  # the page's canonical URL
        "https://post.example/lanes",
        "https://ferry.example/fares",
    ]
    assert stats.skipped == {"warc: not an HTTP response": 3, "warc: not HTML": 1, "warc: not a 2xx response": 1}
    assert stats.read == 3 and all(d.path == str(tmp_path / name) for d in docs)
    strike, lanes, _ = docs
    assert "“Nobody was asked, and nobody agreed to this,” said Tomasz Brekke" in strike.text
    assert "Share on Facebook" not in strike.text and "Accept all cookies" not in strike.text
    assert strike.metadata.published == "2024-03-12" and strike.metadata.byline == "Maria Lindqvist"
    assert "Sunita Mehra" in lanes.text and "Most read" not in lanes.text  # gzip content-encoding undone


def test_doc_id_is_the_record_id(tmp_path):
    path = write_warc(tmp_path / "crawl.warc.gz")
    docs, _ = read_all([path])
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as stream:
        record_ids = [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(stream)
                      if r.rec_type == "response" and r.http_headers.get_header("Content-Type").startswith("text/html")
                      and r.http_headers.get_statuscode() == "200"]
    assert [f"<urn:uuid:{d.doc_id}>" for d in docs] == record_ids and len(set(record_ids)) == 3


def test_crawl_date_stands_in_for_a_missing_publication_date(tmp_path):
    docs, _ = read_all([write_warc(tmp_path / "crawl.warc.gz")])
    ferry = docs[-1]
    assert "Ferry fares will rise" in ferry.text
    assert ferry.metadata.published and ferry.metadata.published.endswith("Z")  # the WARC-Date, ISO 8601 UTC


def test_truncated_warc_gz_yields_what_was_read_then_a_skip(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as output:
        writer = WARCWriter(output, gzip=True)
        record_ends = []
        for i in range(40):
            writer.write_record(http_response(writer, f"https://herald.example/{i}", STRIKE))
            record_ends.append(output.tell())
    data = path.read_bytes()
    path.write_bytes(data[: (record_ends[20] + record_ends[21]) // 2])  # cut inside the 22nd record
    docs, stats = read_all([path])
    assert [d.metadata.url for d in docs][-1] == docs[0].metadata.url and len(docs) == 21
    assert stats.skipped == {"gzip: truncated": 1}


def test_file_that_is_not_a_warc_is_a_counted_skip(tmp_path):
    (tmp_path / "fake.warc").write_bytes(STRIKE)
    write_warc(tmp_path / "real.warc.gz")
    docs, stats = read_all([tmp_path])
    assert len(docs) == 3
    assert stats.skipped["warc: not a WARC file or corrupt"] == 1


def test_oversized_page_in_a_warc_is_skipped(tmp_path):
    docs, stats = read_all([write_warc(tmp_path / "crawl.warc.gz")], ReadOptions(max_html_bytes=len(COUNCIL) - 1))
    assert [d.metadata.url for d in docs] == ["https://ferry.example/fares"]
    assert stats.skipped["html: too large"] == 2


def test_input_format_reads_a_warc_without_its_suffix(tmp_path):
    path = write_warc(tmp_path / "crawl.warc.gz")
    renamed = path.rename(tmp_path / "crawl.bin")
    docs, _ = read_all([renamed], ReadOptions(input_format="warc"))
    assert len(docs) == 3 and docs[0].path == str(renamed)

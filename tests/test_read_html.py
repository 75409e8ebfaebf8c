"""HTML reader: the article body is kept, page chrome dropped, metadata read; hostile pages are counted skips."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

import onrecord.read.html as html_reader
from onrecord.read import ReadOptions, RunStats, read_inputs

FIXTURES = Path(__file__).parent / "fixtures" / "html"

# Per page: sentences of the article that must survive, and page chrome (cookie banners, menus,
# share widgets, comments, newsletter forms, related links, footers, scripts, styles) that must not.
PAGES = {
    "harbour-strike": {
        "kept": [
            "Dock workers at the port of Portmouth have voted overwhelmingly to strike",
            "“Nobody was asked, and nobody agreed to this,” said Tomasz Brekke",
            "“We want a solution before a single ship is turned away,” she said.",
            "cost local businesses an estimated £40 million.",
        ],
        "dropped": [
            "Accept all cookies", "We use cookies", "Weather forecast", "Subscribe today", "Share on Facebook",
            "Share on WhatsApp", "Ferry timetable cut", "Sign up for our morning newsletter",
            "About time somebody stood up", "empty shelves", "harbourwatcher", "All rights reserved",
            "Privacy notice", "dataLayer", "HRLD-000-TRACKER", "font-family", "trackPageView",
        ],
        "metadata": {
            "title": "Dock workers vote to strike over night shifts",
            "published": "2024-03-12",
            "byline": "Maria Lindqvist",
            "outlet": "The Portmouth Herald",
            "url": "https://www.portmouthherald.example/news/2024/03/12/dock-workers-strike",
        },
    },
    "minister-interview": {
        "kept": [
            "The finance minister, Ada Vuković, said on Thursday",
            '"There will be no new taxes on working families this year, full stop," Vuković told reporters',
            "He said the treasury's own forecasts showed a shortfall of at least 3 billion crowns.",
            "The ministry is expected to publish its revised forecast in December.",
        ],
        "dropped": [
            "Advertisement", "scroll to continue reading", "Log in", "Markets", "Share on LinkedIn", "Copy link",
            "Crown falls to six-month low", "Join the conversation", "raised VAT", "Reproduction without permission",
            "Advertise with us", "googletag", "adSlots", "min-height", "disqus",
        ],
        "metadata": {
            "title": "Finance minister rules out tax rise before election",
            "published": "2023-11-02",
            "byline": "Jonas Okonkwo",
            "outlet": "Kestrel News Agency",
        },
    },
    "council-vote": {
        "kept": [
            "Millbrook councillors voted 31 to 24 on Wednesday night",
            "“This is the most dangerous stretch of road in the borough and we have the accident figures to prove it,”",
            "Sunita Mehra, who runs a florist's shop on the road, said traders had been ignored.",
            "Work is due to start in September and should take about five months, the council said.",
        ],
        "dropped": [
            "Your privacy matters", "143 partners", "Reject non-essential", "Puzzles and crosswords", "Dating",
            "Most read", "Beloved bakery", "Derby day tickets", "just £1 a month", "Have your say",
            "Finally some common sense", "Watch the high street die", "Independent Press Standards",
            "Registered in England", "_comscore", "line-height", "Reddit",
        ],
        "metadata": {
            "title": "Council approves new cycle lanes after heated debate",
            "published": "2025-06-19",
            "byline": "Priya Raman",
            "outlet": "Millbrook Evening Post",
        },
    },
}


def read_all(paths, options=None):
    """Read `paths` and return (documents, stats)."""
    stats = RunStats()
    return list(read_inputs(paths, stats, options=options)), stats


@pytest.mark.parametrize("name", sorted(PAGES))
def test_body_kept_and_chrome_dropped(name):
    (doc,), stats = read_all([FIXTURES / f"{name}.html"])
    assert stats.skipped_total == 0 and doc.doc_id == name
    for sentence in PAGES[name]["kept"]:
        assert sentence in doc.text
    for chrome in PAGES[name]["dropped"]:
        assert chrome not in doc.text, chrome


@pytest.mark.parametrize("name", sorted(PAGES))
def test_metadata_from_the_page(name):
    (doc,), _ = read_all([FIXTURES / f"{name}.html"])
    for field, value in PAGES[name]["metadata"].items():
        assert getattr(doc.metadata, field) == value, field


def test_folder_reads_html_and_htm_beside_txt(tmp_path):
    page = (FIXTURES / "council-vote.html").read_bytes()
    (tmp_path / "a.htm").write_bytes(page)
    (tmp_path / "b.html").write_bytes(page)
    (tmp_path / "c.txt").write_text("“Yes,” she said.", encoding="utf-8")
    docs, stats = read_all([tmp_path])
    assert [d.doc_id for d in docs] == ["a", "b", "c"] and stats.skipped_total == 0
    assert docs[0].metadata.title == docs[1].metadata.title and docs[2].metadata.title is None


def test_legacy_charset_is_honoured(tmp_path):
    page = (FIXTURES / "harbour-strike.html").read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="windows-1252"')
    (tmp_path / "old.html").write_bytes(page.encode("cp1252"))
    (doc,), stats = read_all([tmp_path / "old.html"])
    assert "“Nobody was asked, and nobody agreed to this,” said Tomasz Brekke" in doc.text
    assert "\ufffd" not in doc.text and stats.recovered == {}


def test_gzipped_page_is_read(tmp_path):
    import gzip

    (tmp_path / "page.html.gz").write_bytes(gzip.compress((FIXTURES / "council-vote.html").read_bytes()))
    (doc,), _ = read_all([tmp_path / "page.html.gz"])
    assert doc.doc_id == "page" and "Station Road" in doc.text


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8, "binary"),
        (b"   \n ", "empty"),
        (b"<html><head><title>Live</title></head><body><script>var a = 1;</script></body></html>", "html: no main text"),
    ],
)
def test_bad_page_is_counted_skip(tmp_path, content, reason):
    (tmp_path / "bad.html").write_bytes(content)
    (tmp_path / "good.html").write_bytes((FIXTURES / "council-vote.html").read_bytes())
    docs, stats = read_all([tmp_path])
    assert [d.doc_id for d in docs] == ["good"]
    assert stats.skipped == {reason: 1}
    assert stats.messages[0].startswith(f"skipped {tmp_path / 'bad.html'}: {reason}")


def test_twenty_megabytes_of_nested_divs_is_skipped_unparsed(tmp_path, monkeypatch):
    depth = 20_000_000 // len("<div></div>")
    (tmp_path / "bomb.html").write_text("<html><body>" + "<div>" * depth + "x" + "</div>" * depth + "</body></html>")
    parsed = []  # lxml can't be interrupted mid-parse, so a page this size must never reach it
    monkeypatch.setattr(html_reader.trafilatura, "bare_extraction", lambda html, **kwargs: parsed.append(len(html)))
    docs, stats = read_all([tmp_path / "bomb.html"])
    assert docs == [] and stats.skipped == {"html: too large": 1}
    assert parsed == []


def test_deep_nesting_under_the_size_limit_is_one_document_or_one_counted_skip(tmp_path):
    depth = 200_000
    body = "<div>" * depth + "<p>“We will win,” Smith said.</p>" + "</div>" * depth
    (tmp_path / "deep.html").write_text(f"<html><body>{body}</body></html>")
    docs, stats = read_all([tmp_path / "deep.html"], ReadOptions(timeout=5))
    assert len(docs) + stats.skipped_total == 1  # it ends, either way: a page, or a timeout or error counted
    assert all(reason.startswith("html: ") for reason in stats.skipped)


def test_slow_extraction_is_a_timeout_skip_and_the_next_page_is_read(tmp_path, monkeypatch):
    real_extraction = html_reader.trafilatura.bare_extraction
    extracted = {}  # page → trafilatura's result, worked out once outside any time limit

    def extraction(html, **kwargs):
        if b"HANG" in html:
            while True:  # hangs, and swallows ordinary exceptions as libraries do
                try:
                    time.sleep(0.01)
                except Exception:
                    pass
        if html not in extracted:
            extracted[html] = real_extraction(html, **kwargs)
        return extracted[html]

    monkeypatch.setattr(html_reader.trafilatura, "bare_extraction", extraction)
    (tmp_path / "a-hang.html").write_bytes(b"<html><body><p>HANG</p></body></html>")
    (tmp_path / "b-good.html").write_bytes((FIXTURES / "council-vote.html").read_bytes())
    # The good page is read once without a limit first, so that under the limit its extraction is a lookup:
    # whether it is read can't depend on how loaded the machine is.
    assert [d.doc_id for d in read_all([tmp_path / "b-good.html"], ReadOptions(timeout=0))[0]] == ["b-good"]
    docs, stats = read_all([tmp_path], ReadOptions(timeout=0.5))
    assert [d.doc_id for d in docs] == ["b-good"]  # only reached because the hanging page was cut off
    assert stats.skipped == {"html: timeout": 1}


def test_extraction_error_is_counted(tmp_path, monkeypatch):
    def broken(html, **kwargs):
        raise ValueError("lxml gave up")

    monkeypatch.setattr(html_reader.trafilatura, "bare_extraction", broken)
    (tmp_path / "page.html").write_bytes((FIXTURES / "council-vote.html").read_bytes())
    docs, stats = read_all([tmp_path / "page.html"])
    assert docs == [] and stats.skipped == {"html: extraction error": 1}
    assert "ValueError: lxml gave up" in stats.messages[0]


@pytest.mark.parametrize(
    "name, outlet, byline",
    [  # a site name that is a fragment of the host ("hosted" → "Hosted"), and a page that gives none
        ("wire-hosted", "valdoria-wire.org", "Mara Quist"),
        ("gazette-no-sitename", "harbourgazette.co.uk", "Tom Reyes"),
        ("harbour-strike", "The Portmouth Herald", "Maria Lindqvist"),  # og:site_name wins over the host
    ],
)
def test_outlet_is_the_site_name_else_the_registrable_domain(name, outlet, byline):
    from onrecord import extract

    (doc,), _ = read_all([FIXTURES / f"{name}.html"])
    assert doc.metadata.outlet == outlet
    assert extract(doc.text, metadata=doc.metadata).metadata.byline == byline  # roles and "Analysis by" go


@pytest.mark.parametrize(
    "site_name, url, outlet",
    [
        ("The Portmouth Herald", "https://www.portmouthherald.example/a", "The Portmouth Herald"),
        ("Hosted", "https://hosted.valdoria-wire.org/a", "valdoria-wire.org"),
        ("Edition", "https://edition.kestrel.com/a", "kestrel.com"),
        ("KESTREL", "https://edition.kestrel.com/a", "KESTREL"),  # the registrable label is the name, not a fragment
        ("www.kestrel.com", None, "kestrel.com"),
        ("https://www.facebook.com/kestrel", "https://news.kestrel.org/a", "kestrel.org"),
        (None, "https://www.millbrookpost.co.uk/a", "millbrookpost.co.uk"),
        (None, "https://www.portmouthherald.example/a", "portmouthherald.example"),  # unknown suffix: "www." goes
        ("@Kestrel", None, "Kestrel"),
        (None, None, None),
        ("", "not a url", None),
    ],
)
def test_outlet_name(site_name, url, outlet):
    assert html_reader.outlet_name(site_name, url) == outlet

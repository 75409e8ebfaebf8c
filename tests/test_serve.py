"""The web UI in process (Starlette's TestClient, no socket): every page and its JSON twin, search,
documents, speakers, outlets, the paste box and its one write, XSS, SQL metacharacters, size limits."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from serve_support import (
    SQL_PAYLOADS,
    XSS_PAYLOADS,
    LiveServer,
    app_over,
    build_ledger,
    client_of,
    client_over,
    form_token,
    table_counts,
)
from typer.testing import CliRunner
from known_acts import DOC_ID, KNOWN, build_known_ledger, kept_contents

import onrecord.serve.charts as charts
from onrecord.cli import app as cli_app
from onrecord.document import Attribution, Document, TextSpan
from onrecord.serve.highlight import document_blocks, match_spans, paragraphs, pieces, words_to_stem
from onrecord.serve.params import SearchParams
from onrecord.store import Ledger, StatementQuery
from onrecord.store.query import parse_search
from onrecord.store.unify import distinct_variants

LIMIT = 50_000  # the paste limit of the app under test (bytes)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_ledger(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def client(db):
    with client_over(db, LIMIT) as test_client:
        yield test_client


@pytest.fixture
def writable(tmp_path):
    """A client over a ledger of its own, for the tests that store (module ledger stays as built)."""
    path = build_ledger(tmp_path / "own")
    with client_over(path, LIMIT) as test_client:
        yield test_client, path


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def get_html(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def text_of(html: str) -> str:
    """The visible text of some HTML (tags dropped, entities decoded)."""
    return unescape(re.sub(r"<[^>]+>", "", html))


# -- every page and its JSON twin --------------------------------------------------------------------

PAGES = ["/", "/search?q=border", "/search?speaker=Peskov&kind=direct", "/documents", "/documents?outlet=wire&limit=2",
         "/documents/peskov-talks", "/speakers",
         "/speakers?name=ortiz", "/speakers/dmitry-peskov", "/outlets", "/paste"]


def twin_url(url: str) -> str:
    path, _, query = url.partition("?")
    return path.rstrip("/") + "/.json" * (path == "/") + ".json" * (path != "/") + (f"?{query}" if query else "")


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_a_json_twin(client, url):
    html = get_html(client, url)
    assert "<main>" in html and "/static/style.css" in html
    twin = twin_url(url)
    assert f'href="{twin}"'.replace("&", "&amp;") in html  # the page links its twin
    data = get_json(client, twin)
    by_header = client.get(url, headers={"accept": "application/json"})
    assert by_header.headers["content-type"].startswith("application/json")
    # the same data; its links (pages, facets) lead to the kind of URL that was asked for
    assert by_header.json() == json.loads(json.dumps(data).replace('.json?', '?'))


def test_pages_send_security_headers(client):
    response = client.get("/search?q=border")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_static_assets_are_served_by_the_app(client):
    for asset in ("/static/style.css", "/static/document.js", "/static/paste.js"):
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 100
    html = get_html(client, "/documents/peskov-talks")
    assert not re.search(r"""(src|href)=["']https?://""", html.split("<main>")[0])  # no CDN anywhere


def test_home_counts_what_the_ledger_holds(client, db):
    data = get_json(client, "/.json")
    assert data["counts"] == table_counts(db)
    assert data["speakers"][0]["speaker_id"] == "dmitry-peskov"
    assert {o["outlet"] for o in data["outlets"]} >= {"Global Wire", "Northern Ledger", "City Times"}
    assert data["dates"] == {"first": "2025-05-05", "last": "2025-06-24", "undated": 0}


def test_home_labels_its_counts_and_links_the_documents(client, db):
    counts = table_counts(db)
    shown = text_of(get_html(client, "/"))
    assert (f"{counts['documents']} documents · {counts['attributions']} statements · {counts['speakers']} speakers"
            in shown)
    assert "Published from 2025-05-05 to 2025-06-24" in shown
    assert "Dmitry Peskov person 8 statements" in " ".join(shown.split())  # no bare number beside a name
    assert 'href="/documents"' in get_html(client, "/") and 'href="/documents"' in get_html(client, "/speakers")


def test_most_quoted_lists_only_proper_names(tmp_path):
    with Ledger(tmp_path / "speakers.duckdb") as ledger:
        ledger.connection.execute(
            "INSERT INTO speakers (speaker_id, name, type, names, roles, affiliations, statements) VALUES "
            "('company', 'company', 'organization', ['company'], [], [], 40), "
            "('the-group', 'the group', 'organization', ['the group'], [], [], 30), "
            "('reuters', 'Reuters', 'media', ['Reuters'], [], [], 20), "
            "('elysee', 'the Élysée', 'organization', ['the Élysée'], [], [], 10), "
            "('ana-lima', 'Ana Lima', 'person', ['Ana Lima'], [], [], 5)")
        assert [s.speaker_id for s in ledger.speakers()][:2] == ["company", "the-group"]
        assert [s.speaker_id for s in ledger.speakers(proper_names=True)] == ["reuters", "elysee", "ana-lima"]


# -- the documents list ------------------------------------------------------------------------------

def test_documents_list_newest_first_with_counts(client, db):
    data = get_json(client, "/documents.json")
    with Ledger(db, read_only=True) as ledger:
        stored = ledger.connection.execute("SELECT doc_id, published FROM documents").fetchall()
        statements = {d: len(ledger.search(StatementQuery(doc_id=d, limit=None))) for d, _ in stored}
    assert data["total"] == len(stored) == len(data["documents"])
    assert [d["doc_id"] for d in data["documents"]] == [d for d, _ in sorted(stored, key=lambda r: r[1], reverse=True)]
    assert {d["doc_id"]: d["statements"] for d in data["documents"]} == statements
    first = data["documents"][0]
    assert first["document_url"] == f"/documents/{first['doc_id']}" and first["published_date"] == "2025-06-24"
    html = get_html(client, "/documents")
    assert f'href="{first["document_url"]}"' in html and "of <span id=\"total\">7</span>" in html


@pytest.mark.parametrize(("params", "expected"), [
    ("outlet=global", {"kremlin-denies-buildup", "peskov-sanctions", "peskov-late"}),
    ("outlet=NORTHERN+ledger", {"peskov-talks", "harbour-strike"}),
    ("since=2025-06-03&until=2025-06-11", {"harbour-strike", "council-vote", "xss-article"}),
    ("outlet=wire&until=2025-05-31", {"kremlin-denies-buildup", "peskov-sanctions"}),
    ("outlet=zeppelin", set()),
])
def test_documents_list_filters(client, params, expected):
    data = get_json(client, f"/documents.json?{params}")
    assert {d["doc_id"] for d in data["documents"]} == expected and data["total"] == len(expected)
    search = get_json(client, f"/search.json?{params}&limit=100")["statements"]  # the search's outlet rule
    assert {s["doc_id"] for s in search} <= expected


def test_documents_list_pages(client):
    everything = [d["doc_id"] for d in get_json(client, "/documents.json")["documents"]]
    seen, url = [], "/documents.json?limit=3"
    while url:
        data = get_json(client, url)
        assert data["total"] == len(everything)
        seen += [d["doc_id"] for d in data["documents"]]
        url = data["next_url"]
    assert seen == everything
    html = get_html(client, "/documents?limit=3&page=2")
    assert 'rel="next" href="/documents?page=3&amp;limit=3"' in html and 'rel="prev" href="/documents?limit=3"' in html


@pytest.mark.parametrize(("query", "fragment"), [
    ("since=2025-13-45", "since: '2025-13-45' is not a date (YYYY-MM-DD)"),
    ("since=2025-07-01&until=2025-06-01", "since (2025-07-01) is after until (2025-06-01)"),
    ("page=0", "page: must be between 1 and"),
    ("limit=1000", "limit: must be between 1 and 100"),
    ("outlet=a%00b", "outlet: control characters are not allowed"),
])
def test_documents_list_bad_parameters_are_a_400(client, query, fragment):
    assert fragment in get_json(client, f"/documents.json?{query}", status=400)["error"]
    assert fragment.split("'")[0] in text_of(get_html(client, f"/documents?{query}", status=400))


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in response.content
    assert '<link rel="icon" href="/static/favicon.svg"' in get_html(client, "/")
    assert client.get("/static/favicon.svg").status_code == 200


# -- search ------------------------------------------------------------------------------------------

def test_search_finds_and_highlights_the_match(client):
    data = get_json(client, "/search.json?q=border")
    assert data["statements"]
    for s in data["statements"]:
        assert "border" in s["content"].lower()
        assert s["highlights"] and all(s["content"][a:b].lower().startswith("border") for a, b in s["highlights"])
        assert s["document_url"] == f"/documents/{s['doc_id']}"
    html = get_html(client, "/search?q=border")
    assert '<mark class="match">border</mark>' in html
    first = data["statements"][0]
    assert f'href="{first["document_url"]}#a{first["ordinal"]}"' in html
    for field in ("speaker", "cue", "outlet", "published"):
        assert str(first[field]) in text_of(html)


def test_search_highlights_stemmed_words(client):
    data = get_json(client, "/search.json?q=hospital")
    marked = [s["content"][a:b] for s in data["statements"] for a, b in s["highlights"]]
    assert "hospitals" in marked


@pytest.mark.parametrize(("params", "check"), [
    ("speaker=Peskov", lambda s: s["speaker"] == "Dmitry Peskov"),
    ("speaker=dmitry-peskov", lambda s: s["speaker_id"] == "dmitry-peskov"),
    ("outlet=northern", lambda s: s["outlet"] == "Northern Ledger"),
    ("kind=direct", lambda s: s["kind"] == "direct"),
    ("anonymous=1", lambda s: s["speaker_type"] == "anonymous"),
    ("since=2025-06-03", lambda s: s["published"] >= "2025-06-03"),
    ("until=2025-05-31", lambda s: s["published"] <= "2025-05-31"),
    ("since=2025-05-10&until=2025-06-05&speaker=Peskov",
     lambda s: "2025-05-10" <= s["published"] <= "2025-06-05" and s["speaker"] == "Dmitry Peskov"),
])
def test_search_filters(client, db, params, check):
    shown = get_json(client, f"/search.json?{params}&limit=100")["statements"]
    assert shown and all(check(s) for s in shown)
    everything = get_json(client, "/search.json?limit=100")["statements"]
    assert len(shown) == len([s for s in everything if check(s)])


def test_search_pages_through_results(client):
    everything = [s["attribution_id"] for s in get_json(client, "/search.json?limit=100")["statements"]]
    seen, url = [], "/search.json?limit=5"
    while url:
        data = get_json(client, url)
        seen += [s["attribution_id"] for s in data["statements"]]
        url = data["next_url"]
        assert url is None or url.startswith("/search.json?")
    assert seen == everything
    html = get_html(client, "/search?limit=5&page=2")
    assert 'rel="next" href="/search?page=3&amp;limit=5"' in html
    assert 'rel="prev" href="/search?limit=5"' in html


def test_search_counts_every_match_and_its_facets(client):
    everything = get_json(client, "/search.json?limit=100")["statements"]
    data = get_json(client, "/search.json?limit=5")
    assert data["total"] == len(everything) and len(data["statements"]) == 5
    facets = data["facets"]
    assert {f["value"]: f["count"] for f in facets["kind"]} == {
        k: sum(s["kind"] == k for s in everything) for k in {s["kind"] for s in everything}}
    assert {f["value"]: f["count"] for f in facets["outlet"]} == {
        o: sum(s["outlet"] == o for s in everything) for o in {s["outlet"] for s in everything}}
    assert {f["value"]: f["count"] for f in facets["anonymous"]} == {
        True: sum(s["speaker_type"] == "anonymous" for s in everything),
        False: sum(s["speaker_type"] != "anonymous" for s in everything)}
    peskov = next(f for f in facets["speaker"] if f["value"] == "Dmitry Peskov")
    assert peskov["count"] == 8 and peskov["url"] == "/search.json?speaker=dmitry-peskov&limit=5"
    assert get_html(client, "/search?q=border").count('<span id="total">2</span>') == 1


@pytest.mark.parametrize("facet", ["speaker", "outlet", "kind", "anonymous"])
def test_a_facet_link_adds_its_filter(client, facet):
    data = get_json(client, "/search.json?q=said&limit=2")
    for value in data["facets"][facet]:
        if value["url"] is None:  # "not anonymous" is no filter
            assert facet == "anonymous" and value["value"] is False
            continue
        narrowed = get_json(client, value["url"])
        assert narrowed["total"] == value["count"] <= data["total"], value
        assert narrowed["query"]["q"] == "said" and narrowed["query"]["page"] == 1
        chosen = next(f for f in narrowed["facets"][facet] if f["selected"])
        assert get_json(client, chosen["remove_url"])["total"] == data["total"]


def test_search_downloads_every_match_as_csv_and_jsonl(client):
    import csv
    import io

    total = get_json(client, "/search.json?outlet=wire&limit=2")["total"]
    assert total > 2
    jsonl = client.get("/search.jsonl?outlet=wire&limit=2&page=2")  # the whole result, whatever the page
    assert jsonl.status_code == 200 and jsonl.headers["content-type"].startswith("application/x-ndjson")
    assert 'filename="onrecord-search.jsonl"' in jsonl.headers["content-disposition"]
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert len(rows) == total == int(jsonl.headers["x-total-count"])
    assert all(r["outlet"] == "Global Wire" and "speaker_as_written" in r for r in rows)  # export's columns
    table = client.get("/search.csv?outlet=wire")
    assert table.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(table.text)))) == total
    html = get_html(client, "/search?outlet=wire")
    assert 'href="/search.csv?outlet=wire"' in html and 'href="/search.jsonl?outlet=wire"' in html
    assert client.get("/search.csv?since=nope").status_code == 400


def test_dates_show_as_iso_whatever_the_locale(client):
    html = get_html(client, "/search?q=border")
    assert 'type="date"' not in html and 'placeholder="YYYY-MM-DD"' in html  # no locale-formatted date picker
    assert "<time>2025-05-05</time>" in html


def test_search_without_matches_says_so(client):
    html = get_html(client, "/search?q=zeppelin")
    assert "No statements match" in html and "zeppelin" in html


@pytest.mark.parametrize(("query", "fragment"), [
    ("since=2025-13-45", "since: '2025-13-45' is not a date (YYYY-MM-DD)"),
    ("until=yesterday", "until: 'yesterday' is not a date"),
    ("since=2025-07-01&until=2025-06-01", "is after until"),
    ("page=0", "page: must be between 1 and"),
    ("page=two", "page: 'two' is not a whole number"),
    ("page=99999999999999999999", "page: must be between"),
    ("limit=1000", "limit: must be between 1 and 100"),
    ("kind=shouted", "kind: 'shouted' is not one of direct, mixed, indirect"),
    ("anonymous=maybe", "anonymous: 'maybe' is not one of"),
    ("q=" + "x" * 501, "q: at most 500 characters"),
    ("speaker=a%00b", "speaker: control characters are not allowed"),
    ("act=belief", "act: 'belief' is not one of speech, thought, all"),
    ("min_confidence=2", "min_confidence: must be between 0 and 1 (got 2.0)"),
    ("min_confidence=-0.5", "min_confidence: must be between 0 and 1"),
    ("min_confidence=nan", "min_confidence: must be between 0 and 1"),
    ("min_confidence=high", "min_confidence: 'high' is not a number"),
])
def test_bad_parameters_are_a_400_with_a_message(client, query, fragment):
    data = get_json(client, f"/search.json?{query}", status=400)
    assert data["ok"] is False and fragment in data["error"]
    html = get_html(client, f"/search?{query}", status=400)
    assert text_of(html).count(fragment.split("'")[0]) >= 1


def test_unknown_ids_are_a_404_with_a_message(client):
    assert "no document 'nope'" in get_json(client, "/documents/nope.json", status=404)["error"]
    assert "no speaker 'nobody'" in get_json(client, "/speakers/nobody.json", status=404)["error"]
    assert "no speaker" in get_html(client, "/speakers/nobody", status=404)
    assert get_json(client, "/no/such/page.json", status=404)["ok"] is False
    assert client.post("/search.json").status_code == 405


# -- document page -----------------------------------------------------------------------------------

def test_document_page_highlights_sources_cues_and_contents(client, db):
    data = get_json(client, "/documents/kremlin-denies-buildup.json")
    with Ledger(db, read_only=True) as ledger:
        stored = ledger.document("kremlin-denies-buildup")
    assert data["text"] == stored.text and len(data["attributions"]) == len(stored.attributions)
    assert data["attributions"][0]["speaker_url"] == "/speakers/dmitry-peskov"
    html = get_html(client, "/documents/kremlin-denies-buildup")
    for role in ("source", "cue", "content"):
        marks = re.findall(rf'<mark class="hl {role}[^"]*" data-attributions="([\d ]+)"[^>]*>([^<]*)</mark>', html)
        assert marks, role
        for numbers, text in marks:  # each mark is a piece of one of its attributions' spans
            assert any(unescape(text) in (data["attributions"][int(n)][role] or {}).get("text", "")
                       for n in numbers.split())
    first = data["attributions"][1]  # “There is no build-up ...,” Peskov told
    assert first["content"]["text"].startswith("“There is no build-up")
    assert "There is no build-up" in html and "Peskov" in html
    assert "source" in html and "cue" in html and 'class="legend"' in html  # the colours are explained
    assert 'title="content: #1 Dmitry Peskov · told · direct (click for the record)"' in html  # what hovering shows


def test_document_page_collapses_boilerplate_and_advertorial(client):
    html = get_html(client, "/documents/kremlin-denies-buildup")
    segment = r'<details class="segment {}"><summary[^>]*>([^<]*)</summary><span class="segment-text">([^<]*)</span></details>'
    boilerplate = re.search(segment.format("boilerplate"), html)
    advertorial = re.search(segment.format("advertorial"), html)
    assert boilerplate and "Morning Briefing newsletter" in boilerplate.group(2)
    assert advertorial and "promo code SNOW30" in unescape(advertorial.group(2))
    assert "open" not in boilerplate.group(0).split(">")[0]  # collapsed


def test_document_page_shows_metadata_and_sourcing(client):
    data = get_json(client, "/documents/kremlin-denies-buildup.json")
    assert data["metadata"]["outlet"] == "Global Wire" and data["metadata"]["published"] == "2025-05-05"
    profile = data["sourcing"]
    assert profile["attributions"] == len(data["attributions"])
    html = get_html(client, "/documents/kremlin-denies-buildup")
    for text in ("Kremlin denies troop build-up", "Global Wire", "2025-05-05", "Maria Lopez",
                 'href="https://globalwire.example/kremlin-denies"', "Sourcing"):
        assert text in html
    bars = re.findall(r'<rect class="bar src-(\w+)"[^>]*data-count="(\d+)"', html)
    assert {t: int(n) for t, n in bars} == {t: f["count"] for t, f in profile["source_types"].items() if f["count"]}


def test_document_ids_are_percent_encoded_in_links(client):
    html = get_html(client, "/search?q=summit")
    assert 'href="/documents/peskov-late#a0"' in html


# -- speakers ----------------------------------------------------------------------------------------

def test_speaker_page_lists_names_roles_count_chart_and_statements(client, db):
    data = get_json(client, "/speakers/dmitry-peskov.json")
    speaker = data["speaker"]
    assert speaker["names"] == ["Dmitry Peskov", "Peskov"] and speaker["roles"] == ["Kremlin spokesman"]
    with Ledger(db, read_only=True) as ledger:
        expected = ledger.search(StatementQuery(speaker_id="dmitry-peskov", limit=None))
    assert speaker["statements"] == len(expected) == 8
    assert [s["attribution_id"] for s in data["statements"]] == [s.attribution_id for s in expected]
    # 2025-05-05 to 06-24: seven weeks, counted by week (Mondays); 05-14 (Wed) → 05-12, 06-24 (Tue) → 06-23
    assert data["period"] == "week"
    assert data["statements_per_period"] == [{"start": s, "statements": 2}
                                             for s in ("2025-05-05", "2025-05-12", "2025-06-02", "2025-06-23")]
    assert data["statements_per_outlet"] == [
        {"outlet": "Global Wire", "statements": 6, "search_url": "/search?speaker=dmitry-peskov&outlet=Global+Wire"},
        {"outlet": "Northern Ledger", "statements": 2,
         "search_url": "/search?speaker=dmitry-peskov&outlet=Northern+Ledger"}]
    html = get_html(client, "/speakers/dmitry-peskov")
    bars = re.findall(r'<rect class="bar"[^>]*data-start="([\d-]+)" data-statements="(\d+)"', html)
    assert {w: int(n) for w, n in bars} == {p["start"]: p["statements"] for p in data["statements_per_period"]}
    assert 'id="timeline"' in html and "Kremlin spokesman" in html and '<dd id="statement-count">8</dd>' in html
    assert "Statements per week" in html and 'id="per-outlet"' in html
    # how each statement referred to the speaker, as written
    written = re.findall(r'<span class="as-written"[^>]*><span class="label">as</span> ([^<]+)</span>', html)
    assert sorted(set(written)) == sorted({s["source"] for s in data["statements"]}) and "Peskov" in written


def test_statements_per_day_and_outlet(db):
    with Ledger(db, read_only=True) as ledger:
        days = dict(ledger.statements_per_day(StatementQuery(speaker_id="dmitry-peskov")))
        outlets = ledger.statements_per_outlet(StatementQuery(speaker_id="dmitry-peskov"))
    assert days == {date(2025, 5, 5): 2, date(2025, 5, 14): 2, date(2025, 6, 2): 2, date(2025, 6, 24): 2}
    assert outlets == [("Global Wire", 6), ("Northern Ledger", 2)]


@pytest.mark.parametrize(("first", "last", "bucket"), [
    (date(2025, 6, 2), date(2025, 6, 2), "day"),
    (date(2025, 6, 2), date(2025, 6, 8), "day"),  # a corpus of one week: seven days, not one bar
    (date(2025, 6, 1), date(2025, 7, 1), "day"),  # 31 days
    (date(2025, 6, 1), date(2025, 7, 2), "week"),
    (date(2025, 1, 1), date(2025, 12, 31), "week"),
    (date(2024, 1, 1), date(2024, 12, 31), "week"),  # 366 days
    (date(2024, 1, 1), date(2025, 1, 1), "month"),
    (date(2016, 1, 1), date(2025, 6, 30), "month"),
])
def test_timeline_bucket_follows_the_span(first, last, bucket):
    assert charts.bucket_for(first, last) == bucket


def test_timeline_of_one_week_has_a_bar_per_day_empty_days_included():
    bucket, periods = charts.per_period([(date(2025, 6, 2), 3), (date(2025, 6, 4), 1), (date(2025, 6, 8), 2)])
    assert bucket == "day" and periods == [(date(2025, 6, 2), 3), (date(2025, 6, 4), 1), (date(2025, 6, 8), 2)]
    chart = charts.timeline(periods, bucket)
    assert [b["start"] for b in chart["bars"]] == [f"2025-06-0{d}" for d in range(2, 9)]
    assert [b["statements"] for b in chart["bars"]] == [3, 0, 1, 0, 0, 0, 2] and chart["total"] == 6
    assert [t["label"] for t in chart["ticks"]] == [f"2025-06-0{d}" for d in (2, 3, 4, 6, 7, 8)]
    assert all(b["width"] <= charts.MAX_BAR_WIDTH for b in chart["bars"])


def test_timeline_by_month_and_by_week():
    bucket, periods = charts.per_period([(date(2024, 11, 30), 1), (date(2024, 12, 1), 2), (date(2026, 1, 15), 4)])
    assert bucket == "month" and periods == [(date(2024, 11, 1), 1), (date(2024, 12, 1), 2), (date(2026, 1, 1), 4)]
    chart = charts.timeline(periods, bucket)
    assert len(chart["bars"]) == 15 and chart["bars"][-1]["start"] == "2026-01-01" and chart["total"] == 7
    bucket, periods = charts.per_period([(date(2025, 6, 4), 1), (date(2025, 6, 8), 1), (date(2025, 7, 20), 5)])
    assert bucket == "week" and periods == [(date(2025, 6, 2), 2), (date(2025, 7, 14), 5)]
    assert charts.timeline([], "day") is None


@pytest.mark.parametrize(("values", "affiliations", "expected"), [
    (["President", "US President", "U.S. President"], False, ["US President"]),
    (["U.S. President", "President", "US President"], False, ["U.S. President"]),
    (["Kremlin spokesman", "spokesman"], False, ["Kremlin spokesman"]),
    (["spokesman", "Kremlin spokesman", "spokeswoman"], False, ["Kremlin spokesman", "spokeswoman"]),
    (["Secretary of State", "coach"], False, ["Secretary of State", "coach"]),
    (["president", "vice president"], False, ["vice president"]),  # contained words: the longer says more
    (["US", "U.S."], True, ["US"]),
    (["Russia", "Russian", "Kremlin"], True, ["Russia", "Kremlin"]),
    (["", "  ", "NATO"], True, ["NATO"]),
    ([], False, []),
])
def test_distinct_variants_collapse_duplicate_roles_and_affiliations(values, affiliations, expected):
    assert distinct_variants(values, affiliations=affiliations) == expected


def test_speaker_and_speaker_id_query(db):
    with Ledger(db, read_only=True) as ledger:
        assert ledger.speaker("dmitry-peskov").name == "Dmitry Peskov"
        assert ledger.speaker("peskov") is None  # an id, not a name
        assert ledger.speaker("' OR 1=1 --") is None
        exact = ledger.search(StatementQuery(speaker_id="dmitry-peskov", limit=None))
        assert exact and {s.speaker_id for s in exact} == {"dmitry-peskov"}


def test_ledger_cursor_reads_alongside_its_ledger(db):
    with Ledger(db, read_only=True) as ledger:
        views = [ledger.cursor() for _ in range(4)]
        results = []

        def read(view):
            results.append(len(view.search(StatementQuery(text="border", limit=None))))
            view.close()

        threads = [threading.Thread(target=read, args=(v,)) for v in views]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(results)) == 1 and results[0] > 0
        assert ledger.counts()["documents"] == 7  # closing the cursors left the ledger open


def test_speaker_timeline_chart_spans_empty_weeks():
    from onrecord.serve.charts import timeline

    chart = timeline([(date(2025, 5, 5), 2), (date(2025, 6, 23), 4)])
    assert len(chart["bars"]) == 8  # 05-05 .. 06-23: eight weeks, six of them empty
    assert [b["statements"] for b in chart["bars"]] == [2, 0, 0, 0, 0, 0, 0, 4]
    assert chart["bars"][-1]["height"] == 2 * chart["bars"][0]["height"]
    long = timeline([(date(2000, 1, 3), 1), (date(2025, 1, 6), 1)])
    assert len(long["bars"]) <= 260 and sum(b["statements"] for b in long["bars"]) == 2
    assert timeline([]) is None


def test_speakers_index_filters(client):
    data = get_json(client, "/speakers.json?name=ortiz")
    assert [s["speaker_id"] for s in data["speakers"]] == ["lena-ortiz"]
    media = get_json(client, "/speakers.json?type=media")["speakers"]
    assert media and all(s["type"] == "media" for s in media)
    assert "type: 'alien'" in get_json(client, "/speakers.json?type=alien", status=400)["error"]


# -- outlets -----------------------------------------------------------------------------------------

def test_outlets_page_sourcing_side_by_side(client, db):
    data = get_json(client, "/outlets.json")
    names = [o["outlet"] for o in data["outlets"]]
    assert names[0] == "Global Wire" and {"Northern Ledger", "City Times"} <= set(names)
    with Ledger(db, read_only=True) as ledger:
        for outlet in data["outlets"]:
            assert outlet["sourcing"] == ledger.sourcing(outlet=outlet["outlet"]).to_dict()
    html = get_html(client, "/outlets")
    rows = re.findall(r'<g class="row[^"]*">(.*?)</g>', html, re.S)
    assert len(rows) == len(names)
    for row, outlet in zip(rows, data["outlets"]):
        counts = {t: int(n) for t, n in re.findall(r'class="bar src-(\w+)"[^>]*data-count="(\d+)"', row)}
        assert counts == {t: f["count"] for t, f in outlet["sourcing"]["source_types"].items() if f["count"]}
    for label in ("named", "anonymous", "organisational", "media"):
        assert f'<i class="swatch src-{label}"></i>{label}' in html


def test_outlets_sort_by_any_column_both_ways(client):
    default = get_json(client, "/outlets.json")
    assert (default["sort"], default["order"]) == ("documents", "desc")
    by_name = get_json(client, "/outlets.json?sort=outlet")
    names = [o["outlet"] for o in by_name["outlets"]]
    assert by_name["order"] == "asc" and names == sorted(names, key=str.casefold)
    assert [o["outlet"] for o in get_json(client, "/outlets.json?sort=outlet&order=desc")["outlets"]] == names[::-1]
    named = [o["sourcing"]["source_types"].get("named", {}).get("share", 0)
             for o in get_json(client, "/outlets.json?sort=named")["outlets"]]
    assert named == sorted(named, reverse=True) and len(set(named)) > 1
    attributions = [o["sourcing"]["attributions"]
                    for o in get_json(client, "/outlets.json?sort=attributions&order=asc")["outlets"]]
    assert attributions == sorted(attributions)
    # each header links its column; the current one links the other direction
    headers = dict(re.findall(r'<a href="([^"]+)" data-sort="(\w+)"', get_html(client, "/outlets?sort=outlet")))
    assert {v: unescape(k) for k, v in headers.items()}["outlet"] == "/outlets?sort=outlet&order=desc"
    assert {v: unescape(k) for k, v in headers.items()}["indirect"] == "/outlets?sort=indirect&order=desc"
    assert "sort: 'bogus' is not one of outlet, documents," in get_json(client, "/outlets.json?sort=bogus", 400)["error"]
    assert "order: 'up' is not one of asc, desc" == get_json(client, "/outlets.json?order=up", 400)["error"]


def test_outlets_with_few_attributions_are_marked_small_samples(client):
    data = get_json(client, "/outlets.json")
    assert data["small_sample"] == 20
    assert all(o["small_sample"] == (o["sourcing"]["attributions"] < 20) for o in data["outlets"])
    html = get_html(client, "/outlets")
    small = [o for o in data["outlets"] if o["small_sample"]]
    assert small and html.count('<span class="tag small-sample" title="only') == len(small)
    assert html.count('<g class="row small-sample">') == len(small)
    assert f'{small[0]["sourcing"]["attributions"]} attributions (small sample)</text>' in html
    assert re.search(r'<svg class="chart sourcing" viewBox="0 0 1100 \d+" width="100%"', html)  # the page's width


def test_document_sourcing_bar_labels_its_number(client):
    data = get_json(client, "/documents/kremlin-denies-buildup.json")
    html = get_html(client, "/documents/kremlin-denies-buildup")
    assert f'>{data["sourcing"]["attributions"]} attributions</text>' in html


# -- the paste box -----------------------------------------------------------------------------------

ARTICLE = ("Finance minister Ruth Adler said on Monday that the budget was balanced.\n\n"
           "“We kept every promise,” Adler told reporters.\n")


def test_paste_finds_attributions_without_storing(client, db):
    before = table_counts(db)
    response = client.post("/paste", data={"text": ARTICLE, "action": "analyse"})
    assert response.status_code == 200
    html = response.text
    assert 'class="hl source' in html and "Adler" in html and "not stored" in html
    assert "We kept every promise" in html
    data = client.post("/paste.json", data={"text": ARTICLE}).json()
    assert data["stored"] is False
    speakers = {a["speaker"]["name"] for a in data["attributions"] if a["speaker"]}
    assert "Ruth Adler" in speakers
    assert table_counts(db) == before


def test_paste_accepts_json_and_files(client):
    by_json = client.post("/paste.json", json={"text": ARTICLE, "title": "Budget day"}).json()
    assert by_json["metadata"]["title"] == "Budget day" and by_json["attributions"]
    html_file = ("<html><head><title>Budget day</title></head><body><article><p>"
                 + ARTICLE.replace("\n\n", "</p><p>") + "</p></article></body></html>").encode()
    by_file = client.post("/paste.json", files={"file": ("budget.html", html_file, "text/html")}).json()
    assert by_file["doc_id"] == "budget" and by_file["attributions"]
    assert "Adler" in by_file["text"] and "<p>" not in by_file["text"]


@pytest.mark.parametrize(("form", "files", "status", "fragment"), [
    ({"text": "   "}, None, 400, "paste an article's text or choose a file"),
    ({"text": ARTICLE, "action": "publish"}, None, 400, "action: 'publish' is not one of analyse, store"),
    ({}, {"file": ("blob.txt", b"\x00\x01\x02binary", "application/octet-stream")}, 422, "blob.txt: nothing to read (binary)"),
    ({}, {"file": ("empty.txt", b"", "text/plain")}, 422, "nothing to read"),
    ({"action": "store"}, {"file": ("blob.txt", b"\x00\x01binary", "text/plain")}, 422, "nothing to read (binary)"),
    ({"text": ARTICLE, "doc_id": "x" * 201}, None, 400, "doc_id: at most 200 characters"),
])
def test_bad_pastes_are_refused_with_a_message(client, form, files, status, fragment):
    if form.get("action") == "store":
        form = {**form, "form_token": form_token(client)}
    response = client.post("/paste.json", data=form, files=files)
    assert response.status_code == status and fragment in response.json()["error"]


def test_store_writes_the_paste_into_the_ledger(writable):
    client, path = writable
    before = table_counts(path)
    token = form_token(client)
    response = client.post("/paste", data={"text": ARTICLE, "action": "store", "doc_id": "budget-day",
                                           "outlet": "City Times", "published": "2025-06-30", "form_token": token},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/documents/budget-day?stored=added"
    page = get_html(client, response.headers["location"])
    assert "Stored in the ledger (added)" in page and 'class="hl source' in page
    after = table_counts(path)
    assert after["documents"] == before["documents"] + 1 and after["attributions"] > before["attributions"]
    found = get_json(client, "/search.json?q=promise")["statements"]  # the search index was refreshed
    assert [s["doc_id"] for s in found] == ["budget-day"] and found[0]["outlet"] == "City Times"
    assert get_json(client, "/speakers.json?name=adler")["speakers"]  # and the speakers
    again = client.post("/paste.json", data={"text": ARTICLE, "action": "store", "doc_id": "budget-day",
                                             "form_token": token})
    assert again.status_code == 201 and again.json()["outcome"] == "unchanged"
    assert table_counts(path) == after


def test_store_without_an_id_keys_on_the_text(writable):
    client, _ = writable
    stored = client.post("/paste.json", json={"text": ARTICLE, "action": "store", "form_token": form_token(client)}).json()
    assert stored["doc_id"].startswith("sha256-") and stored["outcome"] == "added"
    assert get_json(client, stored["url"] + ".json")["text"] == ARTICLE


def test_store_while_another_process_holds_the_ledger_is_a_clear_error(writable):
    client, path = writable
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from onrecord.store import Ledger; "
        f"l = Ledger({str(path)!r}, read_only=True); print('ready', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        response = client.post("/paste.json", data={"text": ARTICLE, "action": "store", "form_token": form_token(client)})
        assert response.status_code == 503 and "in use by another onrecord process" in response.json()["error"]
        assert str(path) not in response.text and "PID" not in response.text  # no paths or process ids in an answer
        assert get_json(client, "/.json")["counts"]["documents"] == 7  # reading goes on
    finally:
        holder.kill()
        holder.wait()


def test_a_running_server_makes_ingest_fail_at_once(writable, tmp_path):
    # the app holds its ledger read-only: a writer in another process is refused with one line
    client, path = writable
    assert get_json(client, "/.json")["counts"]["documents"] == 7
    corpus = tmp_path / "one"
    corpus.mkdir()
    (corpus / "x.txt").write_text(ARTICLE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "onrecord.cli", "ingest", str(corpus), "--db", str(path),
                           "--profile", "rules"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and " is in use by " in done.stderr and "stop that one" in done.stderr
    assert table_counts(path)["documents"] == 7


# -- size limits -------------------------------------------------------------------------------------

TOO_LARGE = "the paste is too large"


def test_a_10_mb_paste_is_refused_with_413(client):
    text = "x" * 10_000_000
    response = client.post("/paste", data={"text": text})
    assert response.status_code == 413
    assert TOO_LARGE in response.text and "at most 50 KB" in response.text
    as_json = client.post("/paste.json", data={"text": text})
    assert as_json.status_code == 413 and as_json.json()["error"].startswith(TOO_LARGE)
    upload = client.post("/paste.json", files={"file": ("big.txt", b"y" * 10_000_000, "text/plain")})
    assert upload.status_code == 413 and "10 MB" in upload.json()["error"]


def test_a_paste_without_content_length_is_counted(client):
    def chunks():  # a chunked body: no Content-Length to check first
        yield b"text="
        for _ in range(20):
            yield b"z" * 500_000

    response = client.post("/paste.json", content=chunks(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413 and "more than 50 KB" in response.json()["error"]


def test_a_paste_under_the_limit_is_accepted(client):
    text = (ARTICLE * 200)[:LIMIT - 1000]
    assert client.post("/paste.json", data={"text": text}).status_code == 200


# -- XSS ---------------------------------------------------------------------------------------------

def assert_no_live_payload(html: str) -> None:
    """No payload survives as markup; what is shown of it is escaped text."""
    assert "<script>alert" not in html and "<img src=x" not in html and "onerror=alert(1)>" not in html


def test_payloads_in_article_text_title_outlet_and_url_show_as_text(client):
    html = get_html(client, "/documents/xss-article")
    assert_no_live_payload(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html  # shown, never a link
    data = get_json(client, "/documents/xss-article.json")
    assert "<script>alert(1)</script>" in data["text"]  # the JSON twin carries the text as it is
    assert '"><img src=x onerror=alert(1)>' == data["metadata"]["outlet"]
    embedded = re.search(r'<script type="application/json" id="attribution-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in embedded and json.loads(embedded) == data["attributions"]  # |tojson escapes for <script>


def test_payloads_in_speaker_names_show_as_text(client):
    data = get_json(client, "/search.json?q=never did")
    assert any(s["speaker"] == "Jon<script>alert" for s in data["statements"])
    html = get_html(client, "/search?q=never+did")
    assert_no_live_payload(html)
    assert "Jon&lt;script&gt;alert" in html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize("url", ["/search?q={}", "/search?speaker={}", "/search?outlet={}", "/documents?outlet={}",
                                 "/speakers?name={}",
                                 "/documents/{}", "/speakers/{}", "/search?since={}"])
def test_payloads_in_parameters_show_as_text(client, url, payload):
    from urllib.parse import quote

    response = client.get(url.format(quote(payload, safe="")))
    assert response.status_code in (200, 400, 404)
    assert_no_live_payload(response.text)


def test_payloads_across_listing_pages(client):
    for url in ("/", "/search", "/outlets", "/search?outlet=img"):
        html = get_html(client, url)
        assert_no_live_payload(html)
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in get_html(client, "/outlets")


def test_payloads_in_a_paste_show_as_text(client):
    text = "Ann Lee said <script>alert(1)</script> and \"><img src=x onerror=alert(1)> were text.\n"
    response = client.post("/paste", data={"text": text, "title": XSS_PAYLOADS[0]})
    assert response.status_code == 200
    assert_no_live_payload(response.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


# -- SQL metacharacters ------------------------------------------------------------------------------

QUERY_PARAMETERS = ["q", "speaker", "outlet", "kind", "since", "until", "anonymous", "page", "limit"]


@pytest.mark.parametrize("payload", SQL_PAYLOADS)
def test_sql_metacharacters_in_every_parameter(client, db, payload):
    from urllib.parse import quote

    before = table_counts(db)
    encoded = quote(payload, safe="")
    urls = [f"/search.json?{name}={encoded}" for name in QUERY_PARAMETERS]
    urls += [f"/documents.json?{name}={encoded}" for name in ("outlet", "since", "until", "page", "limit")]
    urls += [f"/speakers.json?name={encoded}", f"/speakers.json?type={encoded}",
             f"/documents/{encoded}.json", f"/speakers/{encoded}.json", f"/speakers/dmitry-peskov.json?page={encoded}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.text)
        assert response.json()  # a JSON answer, never a crash page
    found = get_json(client, f"/search.json?q={encoded}")["statements"]
    # searched for as text, by the search syntax (" OR " is its operator): each clause holds in every result
    clauses = parse_search(payload).clauses
    assert all(any(all(w.lower() in content for w in t.words) and (t.verbatim or "").lower() in content for t in clause)
               for clause in clauses for content in (s["content"].lower() for s in found))
    assert table_counts(db) == before
    assert get_json(client, "/.json")["counts"] == before


def test_the_sql_payload_in_an_article_is_found_as_text(client):
    found = get_json(client, "/search.json?q=" + "%27%3B%20DROP%20TABLE%20attributions%3B%20--")["statements"]
    assert found and {s["doc_id"] for s in found} == {"xss-article"}


# -- highlighting ------------------------------------------------------------------------------------

def test_overlapping_and_nested_spans_are_cut_into_pieces():
    text = "abcdefghij"
    spans = [(0, 6, "content", 0), (2, 4, "source", 1), (3, 8, "content", 1), (5, 20, "cue", 2), (-5, 1, "cue", 3),
             (7, 7, "source", 4)]
    result = pieces(text, spans)
    assert "".join(p.text for p in result) == text
    assert [(p.text, p.roles, p.attributions) for p in result] == [
        ("a", ("cue", "content"), (0, 3)), ("b", ("content",), (0,)), ("c", ("source", "content"), (0, 1)),
        ("d", ("source", "content"), (0, 1)), ("e", ("content",), (0, 1)), ("f", ("cue", "content"), (0, 1, 2)),
        ("gh", ("cue", "content"), (1, 2)), ("ij", ("cue",), (2,))]
    assert result[2].role == "source"


def test_document_blocks_cover_the_text_once(client, db):
    with Ledger(db, read_only=True) as ledger:
        doc = ledger.document("kremlin-denies-buildup")
    blocks = document_blocks(doc)
    assert "".join(b.text for b in blocks) == doc.text
    assert [b.label for b in blocks] == ["article", "boilerplate", "advertorial"]


def test_paragraphs_keep_every_character_and_cut_highlights_at_breaks():
    text = "One said \u201chello\n\nworld\u201d today.\n\nTwo  spaces.\n"
    doc = Document(doc_id="p", text=text, attributions=[
        Attribution(content=TextSpan.from_offsets(text, [(9, 23)]), kind="direct")])
    found = paragraphs(document_blocks(doc))
    flat = "".join("".join(i.text for i in p.items) + p.after for p in found)
    assert flat == text
    assert [("".join(i.text for i in p.items), p.after) for p in found] == [
        ("One said \u201chello", "\n\n"), ("world\u201d today.", "\n\n"), ("Two  spaces.", "\n")]
    marked = [(i.text, i.attributions) for p in found for i in p.items if i.roles]
    assert marked == [("\u201chello", (0,)), ("world\u201d", (0,))]  # one mark per paragraph, same attribution


def test_document_page_has_a_block_per_paragraph(client):
    data = get_json(client, "/documents/kremlin-denies-buildup.json")
    html = get_html(client, "/documents/kremlin-denies-buildup")
    article = [p for p in data["text"].split("\n\n") if p.strip()][:3]  # then boilerplate and advertorial
    shown = re.findall(r'<div class="para">(.*?)</div>', html, re.S)
    assert [unescape(re.sub(r"<[^>]+>", "", p)) for p in shown] == article


def test_match_spans(db):
    content = "He planned it; plans change. The PLAN was a “plan”."
    with Ledger(db, read_only=True) as ledger:  # the index's stems: "planned", "plans" and "plan" are all "plan"
        stems = ledger.stems(words_to_stem("planned", [content]))
    assert [content[a:b] for a, b in match_spans(content, "planned", stems)] == ["planned", "plans", "PLAN", "plan"]
    assert [content[a:b] for a, b in match_spans(content, '"plans change"')] == ["plans change"]
    assert match_spans("100% sure", "%") == [(3, 4)]
    assert match_spans("anything", None) == []


def test_search_params_round_trip_into_urls():
    params = SearchParams.parse({"q": "a & b", "kind": "direct", "since": "2025-01-01", "anonymous": "on"})
    assert params.url("/search", page=2) == "/search?q=a+%26+b&kind=direct&since=2025-01-01&anonymous=1&page=2"
    assert SearchParams.parse({}).url("/search") == "/search"


# -- statements and beliefs, confidence ----------------------------------------------------------------

@pytest.fixture(scope="module")
def known_client(tmp_path_factory):
    with client_over(build_known_ledger(tmp_path_factory.mktemp("known") / "known.duckdb"), LIMIT) as test_client:
        yield test_client


def test_search_shows_statements_first_and_the_toggle_shows_beliefs(known_client):
    data = get_json(known_client, "/search.json")
    assert data["query"]["act"] == "speech" and data["total"] == 3
    assert {s["content"] for s in data["statements"]} == kept_contents("speech")
    assert data["show_all_url"] == "/search.json?act=all"
    assert {s["content"] for s in get_json(known_client, data["show_all_url"])["statements"]} == kept_contents()
    beliefs = get_json(known_client, "/search.json?act=thought")
    assert {s["content"] for s in beliefs["statements"]} == kept_contents("thought") and beliefs["show_all_url"] is None
    html = get_html(known_client, "/search")
    assert "Beliefs, hopes and plans (thought) are hidden" in text_of(html) and 'href="/search?act=all"' in html
    assert '<option value="speech" selected>' in html and "act-thought" not in html
    shown = get_html(known_client, "/search?act=all")
    assert 'id="act-note"' not in shown and '<option value="all" selected>' in shown
    assert shown.count('class="tag act-thought"') == 2 and shown.count('class="tag floating"') == 1


@pytest.mark.parametrize(("query", "act", "min_confidence"), [
    ("min_confidence=0.7", "speech", 0.7), ("act=all&min_confidence=0.9", None, 0.9),
    ("act=thought&min_confidence=0.9", "thought", 0.9), ("act=all&min_confidence=0.0", None, 0.0),
])
def test_min_confidence_narrows_the_list_its_total_and_its_downloads(known_client, query, act, min_confidence):
    import csv
    import io

    expected = kept_contents(act, min_confidence)
    data = get_json(known_client, f"/search.json?{query}")
    assert {s["content"] for s in data["statements"]} == expected and data["total"] == len(expected)
    assert data["query"]["min_confidence"] == min_confidence
    rows = list(csv.DictReader(io.StringIO(known_client.get(f"/search.csv?{query}").text)))
    assert {r["content"] for r in rows} == expected
    html = get_html(known_client, f"/search?{query}")
    assert f'<option value="{min_confidence}" selected>' in html
    assert 'href="/search.csv?' + query.replace("&", "&amp;").replace("&amp;min_confidence=0.0", "") in html


def test_a_speakers_statements_follow_the_act_and_confidence_filters(known_client):
    default = get_json(known_client, "/speakers/ana-ruiz.json")
    ruiz = {c for c, (source, *_) in KNOWN.items() if "Ruiz" in source[0]}
    assert {s["content"] for s in default["statements"]} == ruiz & kept_contents("speech") and default["total"] == 3
    everything = get_json(known_client, "/speakers/ana-ruiz.json?act=all")
    assert {s["content"] for s in everything["statements"]} == ruiz and everything["total"] == 4
    assert sum(p["statements"] for p in everything["statements_per_period"]) == 4
    assert get_json(known_client, "/speakers/ana-ruiz.json?act=all&min_confidence=0.9")["total"] == 1
    html = get_html(known_client, "/speakers/ana-ruiz")
    assert 'href="/speakers/ana-ruiz?act=all"' in html and 'name="min_confidence"' in html
    assert "act: 'x'" in get_json(known_client, "/speakers/ana-ruiz.json?act=x", status=400)["error"]


def test_the_document_page_shows_every_attribution_and_marks_beliefs_and_floating_quotes(known_client):
    data = get_json(known_client, f"/documents/{DOC_ID}.json")
    assert [a["act"] for a in data["attributions"]] == [known[2] for known in KNOWN.values()]
    assert [a.get("floating", False) for a in data["attributions"]] == [known[4] for known in KNOWN.values()]
    html = get_html(known_client, f"/documents/{DOC_ID}")
    table = html[html.index('<table class="attributions">'):]
    assert table.count('class="tag act-thought"') == 2 and table.count('class="tag floating"') == 1


def test_a_min_confidence_of_0_is_kept_in_urls_when_the_default_is_higher():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Stricter(SearchParams):
        min_confidence: float = 0.7

    assert Stricter(min_confidence=0.0).url("/search") == "/search?min_confidence=0.0"
    assert Stricter().url("/search") == SearchParams().url("/search") == "/search"


# -- the command -------------------------------------------------------------------------------------

runner = CliRunner()


def test_serve_refuses_a_non_loopback_host_without_public(db):
    result = runner.invoke(cli_app, ["serve", "--db", str(db), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: refusing to listen on 0.0.0.0") and "--public" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "fragment"), [
    (["--db", "/nonexistent/ledger.duckdb"], "no ledger at /nonexistent/ledger.duckdb"),
    (["--max-paste-bytes", "lots"], "'lots' is not a size"),
])
def test_serve_errors_are_one_line(db, args, fragment):
    full = ["serve", "--get", "/"] + (args if "--db" in args else ["--db", str(db), *args])
    result = runner.invoke(cli_app, full)
    assert result.exit_code == 2 and fragment in result.stderr and "Traceback" not in result.output


def test_serve_get_prints_a_page_and_its_twin(db):
    html = runner.invoke(cli_app, ["serve", "--db", str(db), "--get", "/speakers/dmitry-peskov"])
    assert html.exit_code == 0 and "Kremlin spokesman" in html.stdout and html.stdout.startswith("<!DOCTYPE html>")
    data = runner.invoke(cli_app, ["serve", "--db", str(db), "--get", "/search.json?q=border"])
    assert data.exit_code == 0 and json.loads(data.stdout)["statements"]
    missing = runner.invoke(cli_app, ["serve", "--db", str(db), "--get", "/documents/nope"])
    assert missing.exit_code == 1 and missing.stderr.strip() == "error: 404: no document 'nope' in the ledger"


def test_serve_refuses_a_port_in_use(db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli_app, ["serve", "--db", str(db), "--port", str(port), "--profile", "rules"])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_the_seed_article_pasted(client, seed_text):
    data = client.post("/paste.json", data={"text": seed_text}).json()
    said = [a for a in data["attributions"] if "Never planned, never did." in a["content"]["text"]]
    assert said and said[0]["speaker"]["name"] == "Dmitry Polyanskiy"


# -- over a real socket ------------------------------------------------------------------------------

def raw_request(port: int, head: bytes, body_chunks, pause: float = 0.0) -> tuple[bytes, int]:
    """Send a request by hand; stop sending once the server answered. Returns the answer and the body bytes sent."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head)
        connection.setblocking(False)
        answer = b""
        for chunk in body_chunks:
            try:
                answer += connection.recv(65536)
            except BlockingIOError:
                pass
            if answer:
                break
            try:
                connection.setblocking(True)
                connection.sendall(chunk)
                sent += len(chunk)
            except OSError:  # the server closed the connection after answering
                break
            finally:
                connection.setblocking(False)
            time.sleep(pause)
        connection.setblocking(True)
        try:
            while b"\r\n\r\n" not in answer or len(answer) < 200:
                more = connection.recv(65536)
                if not more:
                    break
                answer += more
        except OSError:
            pass
    return answer, sent


@pytest.fixture(scope="module")
def live(db):
    with app_over(db, LIMIT) as app, LiveServer(app) as server:
        yield server


def test_a_declared_10_mb_body_is_refused_before_it_is_sent(live):
    head = (b"POST /paste.json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 10000005\r\n\r\n")
    answer, sent = raw_request(live.port, head, (b"z" * 100_000 for _ in range(100)), pause=0.01)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"at most 50 KB" in answer
    assert sent < 10_000_000  # answered while most of the body was still unsent


def test_a_chunked_body_is_counted_while_it_streams(live):
    head = (b"POST /paste.json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"z" * 100_000
    framed = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(100))
    answer, sent = raw_request(live.port, head, framed, pause=0.01)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"more than 50 KB" in answer
    assert sent < 2_000_000


def test_concurrent_requests_over_a_socket(live):
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    urls = ["/search.json?q=border", "/search.json?speaker=Peskov", "/speakers/dmitry-peskov.json", "/outlets.json",
            "/documents/peskov-talks.json", "/search?q=never"] * 8
    with httpx.Client(base_url=live.url, timeout=30) as http, ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda url: http.get(url).status_code, urls))
    assert statuses == [200] * len(urls)


def test_reads_go_on_around_a_store(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    path = build_ledger(tmp_path)
    with app_over(path, LIMIT) as app, LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        def reader(_: int) -> list[int]:
            return [http.get("/search.json?q=border").status_code for _ in range(10)]

        with ThreadPoolExecutor(4) as pool:
            reads = pool.map(reader, range(4))
            stored = http.post("/paste.json", data={"text": ARTICLE, "action": "store", "doc_id": "during-reads",
                                                    "form_token": form_token(http)})
            statuses = [status for batch in reads for status in batch]
        assert stored.status_code == 201, stored.text
        assert statuses == [200] * 40
        assert http.get("/documents/during-reads.json").status_code == 200


def test_serve_command_serves_until_interrupted(db):
    import signal

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "onrecord.cli", "serve", "--db", str(db), "--port", str(port),
                               "--profile", "rules"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/.json", timeout=5)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    pytest.fail(f"the server exited: {server.stderr.read()}")
                if time.monotonic() > deadline:  # a hang guard for start-up, not a speed check
                    pytest.fail("the server never answered")
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["counts"]["documents"] == 7
    finally:
        server.send_signal(signal.SIGINT)
        code = server.wait(timeout=30)
    stderr = server.stderr.read()
    assert code == 0, stderr
    assert f"serving {db} read-only at http://127.0.0.1:{port}/" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("query_threads", [1, 2])
def test_the_ledgers_queries_run_on_query_threads_and_answer_the_same(db, client, query_threads):
    """`--query-threads`: each DuckDB query of the server runs on that many threads, and the pages are the same."""
    with app_over(db, LIMIT, query_threads=query_threads) as app, client_of(app) as threaded:
        with app.state.web.access.read() as ledger:
            assert ledger.connection.execute("SELECT current_setting('threads')").fetchone()[0] == query_threads
        for url in ("/search.json?q=said", "/search.json?kind=direct&anonymous=1", "/.json"):
            assert get_json(threaded, url) == get_json(client, url)

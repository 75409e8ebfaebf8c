"""Persons' gender in the web UI (in process): the home and outlets pages' gender figures and their JSON twins,
the speaker page's gender and evidence, search's gender filter and facet, all escaped."""
from __future__ import annotations

import json
import re

import pytest
from known_genders import PERSONS, build_known_genders, gender_document
from serve_support import XSS_PAYLOADS, client_over

from onrecord.store import Ledger
from onrecord.store.rows import attribution_rows, document_row, text_hash

LIMIT = 50_000


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = build_known_genders(tmp_path_factory.mktemp("genders") / "genders.duckdb")
    with client_over(path, LIMIT) as test_client:
        yield test_client


def cells(html: str, table_id: str) -> dict[str, list[str]]:
    """A figures table's rows by their first cell: the other cells' text."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        texts = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if texts:
            rows[texts[0]] = texts[1:]
    return rows


def test_the_home_page_shows_persons_by_gender_as_its_json_twin_counts_them(client):
    twin = client.get("/.json").json()["genders"]
    assert (twin["total_statements"], twin["total_people"]) == (10, 5)
    page = client.get("/").text
    table = cells(page, "genders-all")
    for gender in ("woman", "man", "nonbinary", "unknown"):
        statements, people = twin["statements"][gender], twin["people"][gender]
        assert table[gender] == [str(statements["count"]), f"{statements['share'] * 100:.1f}%",
                                 str(people["count"]), f"{people['share'] * 100:.1f}%"]
    assert table["woman"] == ["3", "30.0%", "1", "20.0%"]
    months = cells(page, "genders-all-months")
    assert list(months) == [m["month"] for m in twin["months"]] == ["2025-03", "2025-04", "2025-05"]
    assert months["2025-03"][0] == "2 (67%) · 1 (50%)"  # women: statements (share) · people (share)


def test_the_outlets_page_shows_each_outlets_gender_figures(client):
    twin = {o["outlet"]: o["sourcing"]["genders"] for o in client.get("/outlets.json").json()["outlets"]}
    assert twin["Harbor Times"]["statements"]["man"] == {"count": 2, "share": 0.5}
    page = client.get("/outlets").text
    sections = dict(re.findall(r'<section class="outlet-genders" data-outlet="([^"]+)">(.*?)</section>', page, re.S))
    assert set(sections) == set(twin)
    harbor = sections["Harbor Times"]
    table_id = re.search(r'id="(genders-outlet-\d+)"', harbor).group(1)
    assert cells(harbor, table_id)["man"] == ["2", "50.0%", "1", "50.0%"]
    assert cells(harbor, table_id)["woman"] == ["0", "0.0%", "0", "0.0%"]


def test_the_speaker_page_shows_the_gender_with_its_evidence(client):
    page = client.get("/speakers/robin-hale").text
    assert re.search(r'<dd id="gender">man <span class="note">\(from what the articles say', page)
    evidence = re.search(r'<section class="gender-evidence".*?</section>', page, re.S).group(0)
    assert '<tr data-kind="honorific" data-value="man">' in evidence
    assert '<tr data-kind="first_name" data-value="woman">' in evidence  # what was outweighed is shown too
    assert '<a href="/documents/harbor-2">harbor-2</a>' in evidence
    twin = client.get("/speakers/robin-hale.json").json()["speaker"]
    assert twin["gender"] == "man" and twin["gender_evidence"]["basis"] == "in_text"
    assert twin["gender_evidence"]["examples"][0]["document_url"] == "/documents/harbor-2"
    sam = client.get("/speakers/sam-ortiz").text
    assert "the articles disagree: 1 conflicting document" in sam
    assert 'id="gender"' not in client.get("/speakers/city-hall").text  # organisations have none


@pytest.mark.parametrize("gender", ["woman", "man", "unknown"])
def test_search_filters_by_gender_and_counts_it_as_a_facet(client, gender):
    twin = client.get(f"/search.json?gender={gender}&limit=100").json()
    expected = {"woman": 3, "man": 4, "unknown": 3}[gender]
    assert twin["total"] == expected == len(twin["statements"])
    assert {s["gender"] for s in twin["statements"]} == {gender}
    assert twin["facets"]["gender"][0]["selected"] and twin["facets"]["gender"][0]["value"] == gender
    page = client.get(f"/search?gender={gender}").text
    assert f'<option value="{gender}" selected>' in page
    download = client.get(f"/search.csv?gender={gender}")
    assert download.headers["x-total-count"] == str(expected)


def test_the_search_facet_lists_genders_with_links(client):
    facets = {f["value"]: f for f in client.get("/search.json").json()["facets"]["gender"]}
    assert {g: f["count"] for g, f in facets.items()} == {"woman": 3, "man": 4, "unknown": 3}
    assert facets["woman"]["url"] == "/search.json?gender=woman"  # the twin links its own kind


@pytest.mark.parametrize("value", ["female", "<script>", "WOMAN"])
def test_a_gender_outside_the_choices_is_a_400(client, value):
    response = client.get("/search", params={"gender": value})
    assert response.status_code == 400 and "<script>" not in response.text


def test_hostile_names_outlets_and_evidence_are_escaped(tmp_path):
    payload = XSS_PAYLOADS[1]
    doc = gender_document("hostile", f"Courier {payload}", "2025-06-01", [
        (f"Eve Doe{payload}", "person", "woman", [("honorific", "woman", f"Ms.{payload}")], "Fine"),
    ])
    path = tmp_path / "hostile.duckdb"
    with Ledger(path) as ledger:
        ledger.write_rows([document_row(doc, None, text_hash(doc.text), "hand-written")], list(attribution_rows(doc)))
        ledger.refresh()
        speaker_id = ledger.speakers(speaker_type="person")[0].speaker_id
    with client_over(path, LIMIT) as hostile:
        for url in ("/", "/outlets", f"/speakers/{speaker_id}", "/search?gender=woman"):
            page = hostile.get(url)
            assert page.status_code == 200 and "<img src=x" not in page.text, url
        assert "Ms.&#34;&gt;&lt;img src=x" in hostile.get(f"/speakers/{speaker_id}").text
        assert json.loads(hostile.get(f"/speakers/{speaker_id}.json").text)["speaker"]["gender"] == "woman"


def test_every_person_of_the_fixture_shows_its_gender_on_the_speakers_page(client):
    speakers = client.get("/speakers.json").json()["speakers"]
    assert {s["name"]: s["gender"] for s in speakers if s["type"] == "person"} == PERSONS

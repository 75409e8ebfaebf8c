"""The document, speaker and outlets pages in a real headless Chromium (as tests/test_serve_browser.py, whose
browser and page fixtures these reuse): a search hit scrolling to its passage in the text, a speaker's
roles without duplicate variants, the outlets table sorted by clicking its headers.

The ledger is the serve fixtures plus tests/fixtures/serve_pages (a speaker named with three variants of
one role over one week, an outlet served from hosted.ap.org, a long article). Screenshots go to
artifacts/screenshots/.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from serve_support import RULES, LiveServer, app_over, build_ledger
from test_serve_browser import PASTE_LIMIT, REASON, browser, page, screenshot  # noqa: F401 (fixtures)

from onrecord.run import IngestOptions, ingest
from onrecord.store import Ledger

PAGES_FIXTURES = Path(__file__).parent / "fixtures" / "serve_pages"
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = build_ledger(tmp_path_factory.mktemp("browser-pages"))
    with Ledger(db) as ledger:
        assert ingest(ledger, [PAGES_FIXTURES], IngestOptions(extract=RULES)).added == 4
    with app_over(db, PASTE_LIMIT) as app, LiveServer(app) as live:
        yield live


def in_viewport(locator) -> bool:
    """Is the element wholly inside the browser's viewport?"""
    return locator.evaluate("el => { const r = el.getBoundingClientRect();"
                            " return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }")


def test_a_search_hit_scrolls_to_its_passage_and_marks_it(page):
    page.goto("/search?q=lamp")
    page.locator("article.statement a.doc", has_text="A long day in Eastport").first.click()
    page.wait_for_url("**/documents/eastport-long#a1")
    assert page.locator("#article-text .para").count() >= 25  # a block per paragraph, not a wall of text
    passage = page.locator("#article-text mark.hl.passage")
    assert passage.count() >= 1 and "The lamp needs tending by hand" in passage.first.inner_text()
    page.wait_for_function("() => { const r = document.querySelector('mark.hl.passage').getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    assert in_viewport(passage.first)
    assert page.evaluate("window.scrollY") > 0  # the passage is far down the page: the page moved to it
    outline = passage.first.evaluate("el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px")
    # only this attribution's content is marked; its table row is selected too
    assert all(n == "1" for n in passage.evaluate_all("all => all.map(m => m.dataset.attributions)"))
    assert page.locator("tr.selected").get_attribute("id") == "a1"
    # paragraphs are apart: the second starts below the first
    first, second = (page.locator("#article-text .para").nth(i).bounding_box() for i in (0, 1))
    assert second["y"] >= first["y"] + first["height"]
    screenshot(page, "document-passage")
    page.screenshot(path=str(Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
                             / "document-passage-viewport.png"))  # what the user sees on arrival


def test_speaker_page_shows_normalised_roles_days_outlets_and_mentions(page):
    page.goto("/speakers/anna-berg")
    # stored as President · U.S. President · US President: one is shown
    assert page.locator("#roles").inner_text() == "U.S. President"
    assert page.locator("#affiliations").inner_text() == "U.S."
    bars = page.locator("svg#timeline rect.bar")  # three statements days within one week: a bar per day
    assert [bars.nth(i).get_attribute("data-start") for i in range(bars.count())] == [
        "2025-09-01", "2025-09-03", "2025-09-05"]
    assert "Statements per day" in page.locator("section.timeline h2").inner_text()
    outlets = page.locator("#per-outlet tbody tr")
    assert outlets.count() == 2 and "Associated Press" in outlets.first.inner_text()
    written = page.locator("article.statement .as-written").all_inner_texts()
    assert {"as she", "as U.S. President Anna Berg", "as Berg"} <= {w.strip() for w in written}
    screenshot(page, "speaker-roles")


def test_outlets_sort_by_clicking_a_header(page):
    page.goto("/outlets")

    def names() -> list[str]:
        return page.locator("#outlets-table tbody tr td:first-child a").all_inner_texts()

    by_documents = names()
    assert by_documents[0] == "Global Wire"
    assert "Associated Press" in by_documents and "Hosted" not in " ".join(by_documents)  # the stored name
    page.locator('#outlets-table th a[data-sort="outlet"]').click()
    page.wait_for_url("**/outlets?sort=outlet&order=asc")
    assert names() == sorted(by_documents, key=str.casefold) != by_documents
    page.locator('#outlets-table th a[data-sort="outlet"]').click()
    page.wait_for_url("**/outlets?sort=outlet&order=desc")
    assert names() == sorted(by_documents, key=str.casefold, reverse=True)
    assert page.locator('#outlets-table th[aria-sort="descending"]').inner_text().startswith("outlet")
    assert page.locator("#outlets-table .tag.small-sample").first.is_visible()
    chart = page.locator("svg.chart.sourcing").bounding_box()
    main = page.locator("main").bounding_box()
    assert chart["width"] > main["width"] * 0.9  # the chart uses the page's width
    screenshot(page, "outlets-sorted")


def test_home_page_shows_persons_by_gender_with_months_on_demand(page):
    page.goto("/")
    rows = page.locator("#genders-all tbody tr")
    assert rows.count() == 4 and rows.first.inner_text().startswith("woman")
    months = page.locator("#genders-all-months")
    assert not months.is_visible()  # folded until asked for
    page.locator("details.gender-months summary").first.click()
    assert months.is_visible() and page.locator("#genders-all-months tbody tr").count() >= 1
    screenshot(page, "home-genders")

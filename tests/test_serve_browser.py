"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright): the documents list,
search with its total, facets and downloads, a document
with its highlights, a speaker with the chart, outlets, the seed article pasted, XSS and the paste limit.

Screenshots of every page go to artifacts/screenshots/ (the CI artifact path). Without /usr/bin/chromium
or playwright the tests skip, unless ONRECORD_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from serve_support import XSS_PAYLOADS, LiveServer, app_over, build_ledger

from onrecord.options import ExtractOptions

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASTE_LIMIT = 2_000_000


def missing_browser() -> str | None:
    """Why the browser tests can't run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python package playwright is not installed (pip install -e '.[test]')"
    return None


REASON = missing_browser()
if REASON and os.environ.get("ONRECORD_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"ONRECORD_REQUIRE_BROWSER=1 but the browser tests can't run: {REASON}")
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = build_ledger(tmp_path_factory.mktemp("browser"))
    # the paste box extracts with the default (accurate) profile, as `onrecord serve` does
    with app_over(db, PASTE_LIMIT, ExtractOptions()) as app, LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A fresh page; every dialog it opens (an alert would be an XSS) is recorded in page.dialogs and dismissed."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server.url)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    opened.dialogs = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    assert opened.dialogs == [], f"a dialog fired: {opened.dialogs}"
    assert opened.errors == [], f"script errors: {opened.errors}"
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_search_then_document_with_highlights(page):
    page.goto("/")
    screenshot(page, "home")
    page.fill("input[name=q]", "border")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=border")
    matches = page.locator("mark.match")
    assert matches.count() >= 2 and matches.first.inner_text().lower() == "border"
    assert page.locator("article.statement").count() >= 2
    screenshot(page, "search")
    page.locator("article.statement a.doc", has_text="Kremlin denies troop build-up").first.click()
    page.wait_for_url("**/documents/kremlin-denies-buildup#a*")
    for role in ("source", "cue", "content"):
        assert page.locator(f"#article-text mark.hl.{role}").count() >= 1, role
        assert page.locator(f"#article-text mark.hl.{role}").first.is_visible()
    # distinct colours for the three roles
    colours = {role: page.locator(f"#article-text mark.hl.{role}").first.evaluate(
        "el => getComputedStyle(el).backgroundColor") for role in ("source", "cue", "content")}
    assert len(set(colours.values())) == 3, colours
    # boilerplate and advertorial: collapsed and greyed
    advert = page.locator("details.segment.advertorial")
    assert advert.count() == 1 and advert.get_attribute("open") is None
    advert_text = advert.locator(".segment-text")
    assert "promo code SNOW30" in advert_text.text_content() and not advert_text.is_visible()
    advert.locator("summary").click()
    assert advert_text.is_visible()
    assert advert_text.evaluate("el => getComputedStyle(el).color") != page.locator("#article-text").evaluate(
        "el => getComputedStyle(el).color")  # greyed
    advert.locator("summary").click()
    # clicking a content highlight shows its attribution record
    page.locator("#article-text mark.hl.content", has_text="There is no build-up").first.click()
    record = page.locator("#record")
    assert record.is_visible()
    assert "Dmitry Peskov" in record.locator('[data-field="speaker"]').inner_text()
    assert "There is no build-up" in record.locator('[data-field="content"]').inner_text()
    assert page.locator("tr.selected").count() == 1
    assert page.locator("section.sourcing svg rect.bar").count() >= 2  # the sourcing figures
    screenshot(page, "document")


def test_documents_list_filters_and_pages(page):
    page.goto("/")
    page.locator("header.site nav a", has_text="Documents").click()
    page.wait_for_url("**/documents")
    rows = page.locator("table.documents tbody tr")
    assert rows.count() == 7 and page.locator("#total").inner_text() == "7"
    dates = [rows.nth(i).locator("time").inner_text() for i in range(rows.count())]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2025-06-24"  # newest first, ISO
    screenshot(page, "documents")
    page.fill("input[name=outlet]", "global")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/documents?outlet=global*")
    assert rows.count() == 3 and page.locator("#total").inner_text() == "3"
    assert {rows.nth(i).locator("td").nth(2).inner_text() for i in range(3)} == {"Global Wire"}
    screenshot(page, "documents-filtered")
    page.goto("/documents?limit=3")
    first_page = rows.all_inner_texts()
    page.locator("a[rel=next]").click()
    page.wait_for_url("**/documents?page=2*")
    assert rows.count() == 3 and not set(rows.all_inner_texts()) & set(first_page)
    rows.first.locator("a").first.click()
    page.wait_for_url("**/documents/*")
    assert page.locator("#article-text").is_visible()


def test_search_total_facets_and_download(page):
    page.goto("/search")  # every statement
    total = int(page.locator("#total").inner_text())
    assert total >= page.locator("article.statement").count() > 0
    facets = page.locator("#facets section.facet")
    assert [facets.nth(i).get_attribute("data-facet") for i in range(facets.count())] == [
        "speaker", "outlet", "kind", "anonymous", "gender"]  # gender: persons' statements
    screenshot(page, "search-facets")
    link = page.locator('#facets [data-facet="outlet"] li', has_text="Global Wire")
    expected = int(link.locator(".count").inner_text())
    link.locator("a").click()
    page.wait_for_url("**/search?outlet=Global+Wire")
    narrowed = int(page.locator("#total").inner_text())
    assert narrowed == expected < total
    assert page.locator("article.statement .outlet").all_inner_texts() == ["Global Wire"] * min(narrowed, 20)
    assert page.locator('#facets [data-facet="outlet"] li strong').inner_text() == "Global Wire"  # selected
    with page.expect_download() as download:
        page.locator(".downloads a", has_text="JSONL").click()
    lines = Path(download.value.path()).read_text("utf-8").splitlines()
    assert download.value.suggested_filename == "onrecord-search.jsonl"
    assert len(lines) == narrowed and all('"outlet":"Global Wire"' in line for line in lines)
    with page.expect_download() as download:
        page.locator(".downloads a", has_text="CSV").click()
    assert len(Path(download.value.path()).read_text("utf-8").splitlines()) == narrowed + 1  # a header line
    page.locator('#facets [data-facet="outlet"] a.remove').click()
    page.wait_for_url("**/search")
    assert int(page.locator("#total").inner_text()) == total


def test_search_hides_beliefs_until_the_toggle_shows_them(browser, tmp_path_factory):
    from known_acts import build_known_ledger, kept_contents

    db = build_known_ledger(tmp_path_factory.mktemp("known") / "known.duckdb")
    with app_over(db, PASTE_LIMIT) as app, LiveServer(app) as live:
        context = browser.new_context(base_url=live.url)
        page = context.new_page()
        page.goto("/search")
        assert int(page.locator("#total").inner_text()) == len(kept_contents("speech"))
        assert page.locator("#act-note").is_visible() and page.locator(".tag.act-thought").count() == 0
        page.select_option('select[name="act"]', "all")
        page.locator("form.search button[type=submit]").click()
        page.wait_for_url("**/search?*act=all*")
        assert int(page.locator("#total").inner_text()) == len(kept_contents())
        assert page.locator("#act-note").count() == 0 and page.locator(".tag.act-thought").count() == 2
        context.close()


def test_speaker_page_draws_the_chart(page):
    page.goto("/documents/peskov-talks")
    page.locator("table.attributions a", has_text="Dmitry Peskov").first.click()
    page.wait_for_url("**/speakers/dmitry-peskov")
    chart = page.locator("svg#timeline")
    assert chart.is_visible()
    bars = chart.locator("rect.bar")
    assert bars.count() == 4  # four weeks with statements in the fixtures
    heights = [float(bars.nth(i).get_attribute("height")) for i in range(bars.count())]
    assert all(h > 0 for h in heights)
    assert chart.bounding_box()["width"] > 400
    assert page.locator("#statement-count").inner_text() == "8"
    assert page.locator("article.statement").count() == 8
    screenshot(page, "speaker")


def test_outlets_page_compares_profiles(page):
    page.goto("/outlets")
    rows = page.locator("svg.chart.sourcing g.row")
    assert rows.count() == 4
    assert page.locator("svg.chart.sourcing rect.bar.src-anonymous").count() >= 1
    assert page.locator("svg.chart.sourcing rect.bar.src-named").count() >= 3
    screenshot(page, "outlets")


def test_pasting_the_seed_article_attributes_polyanskiy(page, seed_text):
    page.goto("/paste")
    page.fill("textarea[name=text]", seed_text)
    page.get_by_role("button", name="Find attributions").click()
    page.wait_for_selector("#result", timeout=120_000)  # the first paste loads the accurate model
    quote = page.locator("#article-text mark.hl.content", has_text="Never planned, never did.")
    assert quote.count() >= 1 and quote.first.is_visible()
    quote.first.click()
    record = page.locator("#record")
    assert record.is_visible()
    assert "Dmitry Polyanskiy" in record.locator('[data-field="speaker"]').inner_text()
    assert "Never planned, never did." in record.locator('[data-field="content"]').inner_text()
    row = page.locator("table.attributions tr", has_text="Never planned, never did.")
    assert "Dmitry Polyanskiy" in row.first.inner_text()
    assert page.locator("details.segment.advertorial").count() >= 1  # the promo block is set apart
    assert "not stored" in page.locator("#result h2").first.inner_text()
    screenshot(page, "paste")
    quote.first.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -200)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "paste-seed-polyanskiy.png"))  # the viewport: what the README shows


def test_payloads_show_as_text_and_never_run(page):
    page.goto("/documents/xss-article")
    # the clean stage sets markup in a text apart as boilerplate: opened, it reads as text
    page.locator("#article-text details").evaluate_all("all => all.forEach(d => { d.open = true; })")
    shown = page.locator("#article-text").evaluate(
        "el => { const copy = el.cloneNode(true); copy.querySelectorAll('summary').forEach(s => s.remove());"
        " return copy.textContent; }")
    stored = page.request.get("/documents/xss-article.json").json()["text"]
    assert shown == stored  # every character of the article, payloads included, is text on the page
    assert XSS_PAYLOADS[0] in shown and XSS_PAYLOADS[1] in shown
    assert page.get_by_text("<script>", exact=True).first.is_visible()
    assert page.locator("h1").inner_text() == "<script>alert(1)</script> in the headline"
    assert page.locator("#article-text img, main img").count() == 0
    assert page.locator("main script").count() == 1  # only the page's own JSON data block
    screenshot(page, "xss-document")
    page.goto("/search")
    page.fill("input[name=q]", XSS_PAYLOADS[0])
    page.fill("input[name=speaker]", XSS_PAYLOADS[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")  # the submitted search, not the blank form still on screen
    assert page.locator("input[name=q]").input_value() == XSS_PAYLOADS[0]
    assert page.locator("input[name=speaker]").input_value() == XSS_PAYLOADS[1]
    assert page.locator("main img").count() == 0
    page.goto("/search?q=never+did")
    # a speaker name with a payload, as text in the statement and in the speaker facet
    assert page.locator("article span.speaker").get_by_text("Jon<script>alert", exact=True).is_visible()
    assert page.get_by_role("link", name="Jon<script>alert").is_visible()
    page.goto("/outlets")
    assert page.get_by_text(XSS_PAYLOADS[1]).first.is_visible()
    assert page.locator("main img").count() == 0
    screenshot(page, "xss-outlets")


def test_an_oversized_paste_is_refused_with_a_message(page):
    page.goto("/paste")
    page.fill("textarea[name=text]", "x" * (PASTE_LIMIT + 1000))
    page.get_by_role("button", name="Find attributions").click()
    message = page.locator("#size-message")
    assert message.is_visible() and "at most 2.0 MB" in message.inner_text()
    # the server refuses it too, whatever the page's script says: 10 MB from the browser's own fetch
    status, body = page.evaluate("""async () => {
        const form = new FormData();
        form.append("text", "y".repeat(10 * 1000 * 1000));
        const response = await fetch("/paste.json", {method: "POST", body: form});
        return [response.status, await response.json()];
    }""")
    assert status == 413 and "the paste is too large" in body["error"] and "at most 2 MB" in body["error"]
    screenshot(page, "paste-too-large")

"""Hostile pages in a real headless Chromium (issue 22): a page from another origin tries to make a running
`onrecord serve` store a document, with an auto-submitted form and with `fetch(..., {mode: "no-cors"})`
carrying a file; a DNS name re-pointed at loopback (DNS rebinding) asks for the ledger. The server answers
403 (400 for the foreign name) and the ledger is unchanged; the server's own paste form still stores.

The hostile page is served by a second small web server on another port of 127.0.0.1: another port is
another origin. Skips without Chromium or Playwright, as tests/test_serve_browser.py does.
"""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from serve_support import LiveServer, app_over, build_ledger, table_counts
from test_serve_browser import CHROMIUM, CHROMIUM_ARGS, REASON

pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

ARTICLE = ("Finance minister Ruth Adler said on Monday that the budget was balanced.\n\n"
           "“We kept every promise,” Adler told reporters.\n")
REBOUND = "rebind.test"  # a name the browser resolves to 127.0.0.1, as a rebinding attacker's DNS would

ATTACK_PAGE = """<!DOCTYPE html>
<html><head><title>cute cats</title></head><body>
<form id="attack" action="{target}/paste" method="post" enctype="multipart/form-data">
  <input name="text" value="Mallory said the ledger is hers.">
  <input name="action" value="store">
  <input name="doc_id" value="planted-by-form">
  <input name="form_token" value="guessed">
</form>
<script>
  const body = new FormData();
  body.append("action", "store");
  body.append("doc_id", "planted-by-fetch");
  body.append("file", new Blob(["Mallory said the ledger is hers, again."], {{type: "text/plain"}}), "planted.txt");
  fetch("{target}/paste.json", {{method: "POST", mode: "no-cors", body}})
    .catch(() => null)
    .then(() => {{ document.title = "fetched"; document.getElementById("attack").submit(); }});
</script>
</body></html>
"""


class AttackSite:
    """A second web server on another port of 127.0.0.1, serving the attack page aimed at `target`."""

    def __init__(self, target: str) -> None:
        page = ATTACK_PAGE.format(target=target).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> "AttackSite":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return build_ledger(tmp_path_factory.mktemp("browser-hostile"))


@pytest.fixture(scope="module")
def server(ledger):
    with app_over(ledger, 2_000_000) as app, LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            *CHROMIUM_ARGS, f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1"])
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    opened = browser.new_context()
    yield opened
    opened.close()


def onrecord_answers(context, server) -> list[tuple[str, str, int]]:
    """Every answer the onrecord server gives in this context, as (method, url, status), as the network saw it."""
    answers: list[tuple[str, str, int]] = []
    context.on("response", lambda response: answers.append((response.request.method, response.url, response.status))
               if response.url.startswith(server.url) else None)
    return answers


def test_another_origins_form_and_no_cors_fetch_cannot_store(context, server, ledger):
    before = table_counts(ledger)
    answers = onrecord_answers(context, server)
    page = context.new_page()
    with AttackSite(server.url) as attacker:
        with page.expect_navigation(url=f"{server.url}/paste", timeout=60_000):  # the auto-submitted form lands
            page.goto(attacker.url)
        page.wait_for_load_state()
    posts = [(url.removeprefix(server.url), status) for method, url, status in answers if method == "POST"]
    assert sorted(posts) == [("/paste", 403), ("/paste.json", 403)], answers
    assert "store refused: the request came from another site" in page.locator("#error-message").inner_text()
    assert table_counts(ledger) == before
    assert page.request.get(f"{server.url}/documents/planted-by-form.json").status == 404
    assert page.request.get(f"{server.url}/documents/planted-by-fetch.json").status == 404


def test_a_rebound_dns_name_gets_no_ledger(context, server):
    port = server.url.rsplit(":", 1)[1]
    page = context.new_page()
    response = page.goto(f"http://{REBOUND}:{port}/.json")
    assert response.status == 400
    assert "counts" not in page.content()
    fetched = page.evaluate("""async () => {
        const answer = await fetch("/paste.json");
        return [answer.status, await answer.text()];
    }""")
    assert fetched[0] == 400 and "form_token" not in fetched[1]  # the token can't be read through the rebound name


def test_the_servers_own_paste_form_still_stores(context, server, ledger):
    before = table_counts(ledger)
    page = context.new_page()
    page.goto(f"{server.url}/paste")
    page.fill("textarea[name=text]", ARTICLE)
    page.locator("details.optional summary").click()
    page.fill("input[name=doc_id]", "stored-from-the-form")
    page.get_by_role("button", name="Find and store in the ledger").click()
    page.wait_for_url("**/documents/stored-from-the-form?stored=added", timeout=60_000)
    assert "Stored in the ledger (added)" in page.content()
    assert table_counts(ledger)["documents"] == before["documents"] + 1

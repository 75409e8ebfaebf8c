"""The web UI against hostile pages and clients (issue 22), each test built from its repro: cross-site stores,
DNS rebinding, gzip bombs, a page that holds the parser for minutes, a flood of pastes, lone surrogates, deep
JSON, a big document's page, off-site links, slow bodies, what errors say, the headers, and a fuzz run.

In process (Starlette's TestClient) unless the test needs a socket (those are in conftest.SERVER_TESTS).
"""
from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_support import LiveServer, app_over, build_ledger, client_of, client_over, form_token, table_counts
from test_serve import ARTICLE

from onrecord.document import Attribution, Document, TextSpan
from onrecord.serve import get
from onrecord.serve.guard import ledger_error_message, on_site
from onrecord.serve.highlight import ROLES, Piece, cut, document_blocks, pieces
from onrecord.serve.paste import UploadTooLarge, gunzipped
from onrecord.store import LedgerError

LIMIT = 2_000_000  # the paste limit here: the repro's 1.4 MB bomb and 1.2 MB page fit under it
OTHER_SITE = "http://127.0.0.1:9"  # another port is another origin (and the same site, for Sec-Fetch-Site)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_ledger(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def client(db):
    with client_over(db, LIMIT) as test_client:
        yield test_client


@pytest.fixture
def writable(tmp_path):
    """A client over a ledger of its own (for the tests that store), and the ledger's path."""
    path = build_ledger(tmp_path / "own")
    with client_over(path, LIMIT) as test_client:
        yield test_client, path


def hostile_page(attributes: int = 50_000) -> bytes:
    """The repro's page: one element holding 50,000 attributes (lxml and trafilatura take minutes over it)."""
    names = " ".join(f'data-a{i}="value {i}"' for i in range(attributes))
    return f"<html><body><article><p {names}>Ann Lee said the plan was ready.</p></article></body></html>".encode()


def gzip_bomb(expanded: int = 1_500_000_000, member: int = 10_000_000) -> bytes:
    """The repro's bomb: a `.txt.gz` of ~1.5 MB that expands to 1.5 GB (one small member, repeated)."""
    one = gzip.compress(b"a" * member, compresslevel=9)
    return one * (expanded // member)


def peak_memory_kb(pid: int | str = "self") -> int:
    """A process's peak resident memory (VmHWM), in kB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


# -- 1. cross-site stores (CSRF) ---------------------------------------------------------------------

def store_form(client, **extra) -> dict:
    return {"text": ARTICLE, "action": "store", "doc_id": "csrf-victim", "form_token": form_token(client), **extra}


@pytest.mark.parametrize(("headers", "fragment"), [
    ({"origin": "https://evil.example"}, "came from another site (Origin: https://evil.example)"),
    ({"origin": OTHER_SITE}, "came from another site"),  # another loopback port: another origin
    ({"origin": "null"}, "a page with no origin"),
    ({"sec-fetch-site": "cross-site"}, "Sec-Fetch-Site: cross-site"),  # no Origin, but a browser's fetch metadata
    ({"sec-fetch-site": "same-site"}, "Sec-Fetch-Site: same-site"),  # 127.0.0.1:other-port is the same *site*
    ({"origin": "null", "sec-fetch-site": "cross-site"}, "Sec-Fetch-Site: cross-site"),  # a sandboxed frame
    ({"origin": "http://127.0.0.1", "sec-fetch-site": "cross-site"}, "Sec-Fetch-Site: cross-site"),
])
def test_a_cross_site_store_is_refused_and_nothing_is_written(writable, headers, fragment):
    client, path = writable
    before = table_counts(path)
    for send in ({"data": store_form(client)}, {"files": {"file": ("a.txt", ARTICLE.encode(), "text/plain")},
                                                  "data": {"action": "store", "form_token": form_token(client)}}):
        response = client.post("/paste.json", headers=headers, **send)
        assert response.status_code == 403, response.text
        assert fragment in response.json()["error"]
    assert table_counts(path) == before


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_a_store_without_the_form_token_is_refused(writable, token):
    client, path = writable
    before = table_counts(path)
    form = store_form(client)
    form.pop("form_token")
    if token is not None:
        form["form_token"] = token
    response = client.post("/paste.json", data=form, headers={"origin": "http://127.0.0.1"})
    assert response.status_code == 403 and "the form's token is missing or stale" in response.json()["error"]
    assert table_counts(path) == before


def test_a_same_origin_store_with_the_token_is_written(writable):
    client, path = writable
    before = table_counts(path)
    same_origin = client.post("/paste.json", data=store_form(client), headers={"origin": "http://127.0.0.1",
                                                                             "sec-fetch-site": "same-origin"})
    assert same_origin.status_code == 201, same_origin.text
    scripted = client.post("/paste.json", data=store_form(client, doc_id="by-script"))  # curl: no Origin at all
    assert scripted.status_code == 201, scripted.text
    # this site's own form under a no-referrer policy: Origin null, and the browser's word that it is same-origin
    no_referrer = client.post("/paste.json", data=store_form(client, doc_id="no-referrer"),
                              headers={"origin": "null", "sec-fetch-site": "same-origin"})
    assert no_referrer.status_code == 201, no_referrer.text
    assert table_counts(path)["documents"] == before["documents"] + 3


def test_the_paste_form_carries_the_token_and_analysis_stays_open(client):
    html = client.get("/paste").text
    assert f'<input type="hidden" name="form_token" value="{form_token(client)}">' in html
    analysed = client.post("/paste.json", data={"text": ARTICLE}, headers={"origin": "https://evil.example"})
    assert analysed.status_code == 200 and analysed.json()["stored"] is False  # writes nothing: no token needed


def test_a_public_server_stores_only_with_the_write_token(tmp_path):
    path = build_ledger(tmp_path / "public")
    with app_over(path, LIMIT, public=True) as app, client_of(app) as client:
        settings_ = client.get("/paste.json").json()
        assert settings_["store"] == "off" and "form_token" not in settings_
        refused = client.post("/paste.json", data={"text": ARTICLE, "action": "store"})
        assert refused.status_code == 403 and "storing is off on a public server" in refused.json()["error"]
        assert 'value="store"' not in client.get("/paste").text
    with app_over(path, LIMIT, public=True, write_token="s3cret") as app, client_of(app) as client:
        assert client.get("/paste.json").json()["store"] == "write_token"
        assert 'name="write_token"' in client.get("/paste").text
        for wrong in ({}, {"authorization": "Bearer nope"}):
            response = client.post("/paste.json", data={"text": ARTICLE, "action": "store"}, headers=wrong)
            assert response.status_code == 403 and "write token is missing or wrong" in response.json()["error"]
        assert table_counts(path)["documents"] == 7
        by_header = client.post("/paste.json", data={"text": ARTICLE, "action": "store", "doc_id": "a"},
                                headers={"authorization": "Bearer s3cret"})
        by_field = client.post("/paste.json", data={"text": ARTICLE, "action": "store", "doc_id": "b",
                                                    "write_token": "s3cret"})
        assert by_header.status_code == by_field.status_code == 201
        cross_site = client.post("/paste.json", data={"text": ARTICLE, "action": "store", "write_token": "s3cret"},
                                 headers={"origin": "https://evil.example"})
        assert cross_site.status_code == 403
    assert table_counts(path)["documents"] == 9


def test_public_help_says_pastes_can_be_stored_only_with_a_write_token():
    from typer.testing import CliRunner

    from onrecord.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["serve", "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    text = " ".join(result.output.split())
    assert "--write-token" in text and "--allowed-host" in text and "storing pastes stays off" in text


# -- 2. the Host header (DNS rebinding) --------------------------------------------------------------

@pytest.mark.parametrize(("host", "status"), [
    ("127.0.0.1", 200), ("127.0.0.1:8000", 200), ("localhost:1234", 200), ("[::1]:8000", 200), ("LOCALHOST", 200),
    ("evil.example", 400), ("evil.example:8000", 400), ("127.0.0.1.evil.example", 400), ("", 400),
    ("localhost.", 400), ("[::2]", 400),
])
def test_only_loopback_host_names_are_answered(client, host, status):
    response = client.get("/.json", headers={"host": host})
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"  # the 400 carries the headers too


def test_allowed_hosts_add_names(db):
    with app_over(db, LIMIT, allowed_hosts=("news.example.org", "*.ledger.example")) as app, client_of(app) as client:
        for host, status in (("news.example.org", 200), ("a.ledger.example:8443", 200), ("127.0.0.1", 200),
                             ("example.org", 400)):
            assert client.get("/.json", headers={"host": host}).status_code == status, host


def test_the_serve_command_needs_a_name_for_a_wildcard_address(db):
    from typer.testing import CliRunner

    from onrecord.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["serve", "--db", str(db), "--host", "0.0.0.0", "--public",
                                          "--profile", "rules"])
    assert result.exit_code == 2 and "pass --allowed-host NAME" in result.stderr


# -- 3. gzip bombs -----------------------------------------------------------------------------------

def test_a_gzip_bomb_upload_is_refused_with_413_and_memory_stays_flat(tmp_path, db):
    bomb = gzip_bomb()
    assert len(bomb) < LIMIT  # under the paste limit as sent: 1.5 GB once decompressed
    with app_over(db, LIMIT, paste_workers=1) as app, client_of(app) as client:
        before = peak_memory_kb()
        response = client.post("/paste.json", files={"file": ("bomb.txt.gz", bomb, "application/gzip")})
        assert response.status_code == 413
        error = response.json()["error"]
        assert error == ("bomb.txt.gz: the upload is too large once decompressed: more than 2 MB; this server "
                         "accepts at most 2 MB (onrecord serve --max-paste-bytes)")
        [worker] = app.state.web.pool.pids()
        assert peak_memory_kb(worker) < 600_000  # the worker that read it never held the 1.5 GB (nor 600 MB)
        assert peak_memory_kb() - before < 200_000  # nor did the server
        fine = client.post("/paste.json", files={"file": ("a.txt.gz", gzip.compress(ARTICLE.encode()), "application/gzip")})
        assert fine.status_code == 200 and "We kept every promise" in fine.json()["text"]


def test_gunzip_is_bounded_in_every_layer():
    text = b"Ann Lee said it. " * 1000
    assert gunzipped("a", text, 10**6) == text  # not gzip: as it is
    assert gunzipped("a", gzip.compress(text) * 3, 10**6) == text * 3  # members one after another
    assert gunzipped("a", gzip.compress(gzip.compress(text)), 10**6) == text  # gzip inside gzip
    with pytest.raises(UploadTooLarge):
        gunzipped("a", gzip.compress(text), len(text) - 1)
    with pytest.raises(UploadTooLarge):  # the inner layer is the bomb
        gunzipped("a", gzip.compress(gzip.compress(b"x" * 10**7)), 10**6)
    nested = text
    for _ in range(4):
        nested = gzip.compress(nested)
    with pytest.raises(Exception, match="more than 3 deep"):
        gunzipped("a", nested, 10**6)
    with pytest.raises(Exception, match="gzip: truncated"):
        gunzipped("a", gzip.compress(text)[:-20], 10**6)
    with pytest.raises(Exception, match="gzip: corrupt"):
        gunzipped("a", b"\x1f\x8b" + b"\x00" * 30, 10**6)


# -- 4. CPU-heavy pastes in worker processes, with a time limit and a bounded queue --------------------

def test_a_paste_over_the_time_limit_kills_its_worker_and_others_go_on(db):
    with app_over(db, LIMIT, paste_workers=1, paste_timeout=3) as app, client_of(app) as client:
        pool = app.state.web.pool
        assert client.post("/paste.json", data={"text": ARTICLE}).status_code == 200
        [first] = pool.pids()
        response = client.post("/paste.json", files={"file": ("page.html", hostile_page(), "text/html")})
        assert response.status_code == 504, response.text
        assert response.json()["error"] == ("the paste took longer than 3 s and was stopped "
                                            "(onrecord serve --paste-timeout)")
        assert pool.killed == 1 and pool.pids() != [first]
        assert not Path(f"/proc/{first}").exists() or "zombie" in Path(f"/proc/{first}/status").read_text()
        again = client.post("/paste.json", data={"text": ARTICLE})  # the replacement worker takes the next paste
        assert again.status_code == 200 and again.json()["attributions"]


def test_a_long_paste_blocks_nothing_and_a_full_queue_answers_busy_at_once(db):
    with app_over(db, LIMIT, paste_workers=1, paste_queue=0, paste_timeout=600) as app, client_of(app) as client:
        pool = app.state.web.pool
        assert client.post("/paste.json", data={"text": ARTICLE}).status_code == 200  # the worker is up
        [worker] = pool.pids()
        answers: list = []
        holder = threading.Thread(target=lambda: answers.append(
            client.post("/paste.json", files={"file": ("page.html", hostile_page(), "text/html")})))
        holder.start()
        while pool.admitted == 0 and holder.is_alive():  # until the hostile page is in the worker
            holder.join(0.05)
        assert holder.is_alive(), answers[0].text
        # meanwhile: a static file, a search and a page answer, and another paste is refused at once
        assert client.get("/static/style.css").status_code == 200
        assert client.get("/search.json?q=border").json()["statements"]
        assert client.get("/documents/peskov-talks").status_code == 200
        busy = client.post("/paste.json", data={"text": ARTICLE})
        assert busy.status_code == 503 and busy.json()["error"].startswith("busy:")
        assert busy.headers["retry-after"] == "5"
        assert pool.admitted == 1 and holder.is_alive()  # all of the above answered while the page was still read
        os.kill(worker, signal.SIGKILL)  # a worker that dies (out of memory, killed) is a 503, and replaced
        holder.join()
        assert answers[0].status_code == 503 and "stopped without an answer" in answers[0].json()["error"]
        assert client.post("/paste.json", data={"text": ARTICLE}).status_code == 200


# -- 5. lone surrogates and deep JSON -----------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b'{"text": "Ann Lee said \\ud800 the plan was ready.\\n", "title": "\\udfff"}',
    b'{"text": "Ann Lee said \\ud83d the plan was ready.\\n", "\\udc00": "x"}',
])
def test_a_lone_surrogate_is_repaired_never_a_500(writable, body):
    client, path = writable
    analysed = client.post("/paste.json", content=body, headers={"content-type": "application/json"})
    assert analysed.status_code == 200, analysed.text
    assert "\ufffd" in analysed.json()["text"]
    data = json.loads(body)
    data.update(action="store", form_token=form_token(client), doc_id="surrogate")
    stored = client.post("/paste.json", content=json.dumps(data), headers={"content-type": "application/json"})
    assert stored.status_code == 201, stored.text
    assert client.get("/documents/surrogate.json").json()["text"] == data["text"].replace(data["text"][13], "\ufffd")
    assert client.get("/documents/surrogate").status_code == 200


def test_a_surrogate_in_an_uploaded_jsonl_record_is_repaired(client):
    record = b'{"id": "s\\ud800", "title": "t\\udfff", "text": "Ann Lee said \\ud800 the plan was ready."}\n'
    response = client.post("/paste.json", files={"file": ("one.jsonl", record, "application/json")})
    assert response.status_code == 200, response.text
    assert "\ud800" not in response.json()["text"] and response.json()["metadata"]["title"] == "t\ufffd"
    assert client.post("/paste", files={"file": ("one.jsonl", record, "application/json")}).status_code == 200


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
                                  b'{"text": 1' + b"0" * 5000 + b"}", b"\xff\xfe{}"])
def test_a_deeply_nested_or_broken_json_body_is_a_400(client, body):
    response = client.post("/paste.json", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"].startswith("body: ")


# -- 6. a big document's page ------------------------------------------------------------------------

def reference_pieces(text: str, spans, start: int, end: int) -> list[Piece]:
    """The definition, slowly: cut at every boundary, then ask every span whether it covers each stretch."""
    clipped = [(max(s, start), min(e, end), role, n) for s, e, role, n in spans if min(e, end) > max(s, start)]
    cuts = sorted({start, end, *(s for s, *_ in clipped), *(e for _, e, *_ in clipped)})
    result = []
    for here, following in zip(cuts, cuts[1:]):
        covering = {(role, n) for s, e, role, n in clipped if s <= here and following <= e}
        present = {role for role, _ in covering}
        result.append(Piece(text[here:following], tuple(r for r in ROLES if r in present)
                            + tuple(sorted(present - set(ROLES))),
                            tuple(sorted({n for _, n in covering if n is not None}))))
    return result


span_strategy = st.tuples(st.integers(-3, 40), st.integers(-3, 40), st.sampled_from([*ROLES, "match"]),
                          st.one_of(st.none(), st.integers(0, 5)))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.lists(span_strategy, max_size=12), st.integers(-2, 35), st.integers(-2, 35))
def test_the_sweep_cuts_as_the_definition_does(text, spans, start, end):
    expected_end = max(0, min(end, len(text)))
    expected_start = max(0, min(start, expected_end))
    assert pieces(text, spans, start, end) == reference_pieces(text, spans, expected_start, expected_end)


def test_stretches_are_cut_in_one_sweep():
    text = "abcdefghij"
    spans = [(0, 6, "content", 0), (2, 4, "source", 1), (3, 8, "content", 1)]
    assert cut(text, spans, [0, 3, 5, 10]) == [pieces(text, spans, 0, 3), pieces(text, spans, 3, 5),
                                               pieces(text, spans, 5, 10)]


def big_document(attributions: int = 6821) -> Document:
    """A document like the repro's: thousands of attributions, each a source, a cue and a content."""
    lines = [f"“Plan {n} is ready,” Ann Lee said." for n in range(attributions)]
    text = "\n\n".join(lines)
    found, position = [], 0
    for line in lines:
        content = (position + 1, position + line.index("”"))
        source = (position + line.index("Ann"), position + line.index(" said"))
        cue = (source[1] + 1, source[1] + 5)
        found.append(Attribution(source=TextSpan.from_offsets(text, [source]), cue=TextSpan.from_offsets(text, [cue]),
                                 content=TextSpan.from_offsets(text, [content]), kind="direct"))
        position += len(line) + 2
    return Document(doc_id="big", text=text, attributions=found)


def test_a_big_documents_blocks_cover_the_text_once():
    doc = big_document()
    blocks = document_blocks(doc)
    assert "".join(b.text for b in blocks) == doc.text
    marked = [p for b in blocks for p in b.pieces if p.attributions]
    assert {n for p in marked for n in p.attributions} == set(range(6821))


def test_the_json_twin_builds_no_highlighting(client, monkeypatch):
    import onrecord.serve.app as app_module

    calls = []
    monkeypatch.setattr(app_module, "document_blocks", lambda doc: calls.append(doc) or [])
    assert client.get("/documents/peskov-talks.json").status_code == 200
    assert client.post("/paste.json", data={"text": ARTICLE}).status_code == 200
    assert calls == []
    client.get("/documents/peskov-talks")
    assert len(calls) == 1


# -- 7. links stay on this site ------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["//evil.example.com/", "///evil.example.com/x", "/\\evil.example.com/",
                                  "//evil.example.com/search"])
def test_links_built_from_the_request_path_stay_on_site(db, path):
    with app_over(db, LIMIT) as app:
        status, _, body = get(app, path)
    assert status == 404
    hrefs = [h for h in __import__("re").findall(r'href="([^"]*)"', body.decode())]
    assert hrefs and all(h.startswith("/") and not h.startswith(("//", "/\\")) for h in hrefs), hrefs


def test_on_site():
    assert on_site("//evil.example/") == "/evil.example/"
    assert on_site("/\\\\evil.example") == "/evil.example"
    assert on_site("/search") == "/search"


# -- 8. slow clients (over a socket) -------------------------------------------------------------------

def test_a_slow_body_is_cut_off_with_408(db):
    with app_over(db, LIMIT, body_timeout=1) as app, LiveServer(app) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as connection:
            connection.sendall(b"POST /paste.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntext=Ann")
            answer = b""
            while chunk := connection.recv(65536):  # the server answers, then closes the connection
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"the request body did not arrive within 1 s" in answer


def test_idle_connections_are_closed_and_concurrency_is_limited(db):
    with app_over(db, LIMIT) as app, LiveServer(app, timeout_keep_alive=1, limit_concurrency=3) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as idle:
            idle.sendall(b"GET /.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            while chunk := idle.recv(65536):  # answered, then closed after the keep-alive timeout
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200")
        held = [socket.create_connection(("127.0.0.1", server.port), timeout=60) for _ in range(3)]
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=60) as extra:
                extra.sendall(b"GET /.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert extra.recv(65536).startswith(b"HTTP/1.1 503")
        finally:
            for connection in held:
                connection.close()


# -- 9. what an error may say --------------------------------------------------------------------------

def test_a_ledger_error_says_no_path_and_no_pid():
    error = LedgerError("/home/someone/ledger.duckdb is in use by another onrecord process (DuckDB allows one "
                        "writer): Conflicting lock is held in /usr/bin/python3.11 (PID 4242) by user someone")
    message = ledger_error_message(error)
    assert "in use by another onrecord process" in message
    assert "/" not in message.replace("one writer); try", "") and "4242" not in message and "someone" not in message
    assert "/" not in ledger_error_message(LedgerError("cannot open the ledger at /x/y: boom"))


# -- 10. headers on every response ---------------------------------------------------------------------

@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/static/style.css", 200), ("GET", "/static/nope.css", 404), ("GET", "/no/such/page", 404),
    ("POST", "/static/style.css", 405), ("PUT", "/paste", 405), ("DELETE", "/search", 405), ("GET", "/", 200),
])
def test_every_response_carries_the_security_headers(client, method, url, status):
    response = client.request(method, url)
    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    if status == 405:
        assert "GET" in response.headers["allow"]


def test_a_405_names_the_allowed_methods(client):
    assert set(client.put("/paste").headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert set(client.post("/search").headers["allow"].split(", ")) == {"GET", "HEAD"}


# -- 11. fuzzing the app in process --------------------------------------------------------------------

PATH_ALPHABET = st.sampled_from(list("abz019/._-~%:@!$&'()*+,;= \\") + ["json", "documents", "speakers", "search",
                                                                          "paste", "static", "..", "%00", "%2F",
                                                                          "\u00e9", "\ud7ff", "\U0001f600"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "OPTIONS"]),
       path=st.lists(PATH_ALPHABET, max_size=8).map("".join),
       query=st.lists(st.tuples(st.sampled_from(["q", "speaker", "outlet", "kind", "since", "until", "anonymous",
                                                 "page", "limit", "name", "type", "stored", "x"]), TEXT), max_size=4))
def test_fuzz_paths_and_queries_never_make_a_500(client, method, path, query):
    url = "/" + quote(path, safe="/%:@!$&'()*+,;=~") + ("?" + urlencode(query) if query else "")
    # absolute, so that a path opening with "//" is sent as a path, not read by the client as a host ("//:a")
    response = client.request(method, str(client.base_url).rstrip("/") + url)
    assert response.status_code != 500 and response.status_code < 600, (url, response.text[:300])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(target=st.sampled_from(["/paste", "/paste.json"]),
       fields=st.dictionaries(st.sampled_from(["text", "doc_id", "title", "outlet", "published", "byline", "url",
                                               "action", "form_token", "write_token", "x"]), TEXT, max_size=6),
       action=st.sampled_from([None, "analyse", "store", "publish", ""]),
       as_json=st.booleans(), upload=st.one_of(st.none(), st.binary(max_size=200)))
def test_fuzz_paste_bodies_never_make_a_500(client, db, target, fields, action, as_json, upload):
    before = table_counts(db)
    if action is not None:
        fields["action"] = action
    if as_json:
        response = client.post(target, json=fields)
    elif upload is not None:
        response = client.post(target, data=fields, files={"file": ("f.txt.gz" if upload[:1] == b"\x1f" else "f.html",
                                                                    upload, "application/octet-stream")})
    else:
        response = client.post(target, data=fields)
    assert response.status_code != 500 and response.status_code < 600, (fields, response.text[:300])
    assert table_counts(db) == before  # no token: nothing stored

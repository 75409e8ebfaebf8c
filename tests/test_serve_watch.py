"""Ingest while serving: the folder watcher (in process, then in a real `onrecord serve --watch` process while
searches hammer it), the page cache's generations, and what `onrecord ingest` says beside a server."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from serve_support import RULES, app_over, build_ledger, client_of, form_token, table_counts

from onrecord.run import IngestOptions
from onrecord.run.watch import FolderWatcher
from onrecord.serve.cache import PageCache
from onrecord.store import Ledger, StatementQuery

LIMIT = 50_000


def article(name: str, word: str) -> str:
    """A short article whose statement holds `word` (a made-up word no fixture holds), said by `name`."""
    return (f"Harbour master {name} said on Tuesday that the quay would reopen.\n\n"
            f"“The {word} will be back by spring,” {name.split()[-1]} told reporters.\n")


def found(ledger: Ledger, word: str) -> list[str]:
    """The doc ids of the statements a search for `word` finds."""
    return sorted({s.doc_id for s in ledger.search(StatementQuery(text=word))})


# -- the watcher, in process --------------------------------------------------------------------------

def test_watcher_ingests_new_and_changed_files_once_they_settle(tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    db = tmp_path / "ledger.duckdb"
    with Ledger(db) as ledger:
        watcher = FolderWatcher(folder, ledger, IngestOptions(extract=RULES), interval=0.1)
        (folder / "harbour.txt").write_text(article("Olav Brekke", "ferryboats"), encoding="utf-8")
        assert watcher.poll() is None  # seen once: it may still be being written
        report = watcher.poll()
        assert report is not None and report.added == 1 and report.attributions >= 1
        assert watcher.poll() is None  # unchanged: not handed over again
        (folder / "harbour.txt").write_text(article("Olav Brekke", "icebreakers"), encoding="utf-8")
        (folder / "broken.jsonl").write_text('{"id": "x", "text": \n', encoding="utf-8")
        (folder / ".hidden.txt").write_text(article("Hidden Person", "ferryboats"), encoding="utf-8")
        watcher.poll()
        report = watcher.poll()
        assert report.updated == 1 and sum(report.stats.skipped.values()) == 1
        status = watcher.snapshot()
        assert status["files"] == 3 and status["added"] == 1 and status["updated"] == 1 and status["passes"] == 2
        assert list(status["skipped"]) == [next(iter(report.stats.skipped))]  # the reason, as ingest counts it
        assert status["last_error"] is None and "watching" in status["line"]
        assert found(ledger, "icebreakers") == ["harbour"] and found(ledger, "ferryboats") == []  # refreshed


def test_a_watcher_whose_folder_is_gone_says_why_and_goes_on(tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    with Ledger(tmp_path / "ledger.duckdb") as ledger:
        watcher = FolderWatcher(folder, ledger, IngestOptions(extract=RULES), interval=0.1)
        folder.rmdir()
        assert watcher.poll() is None
        assert "is not a folder" in watcher.snapshot()["last_error"]
        folder.mkdir()
        (folder / "a.txt").write_text(article("Olav Brekke", "ferryboats"), encoding="utf-8")
        watcher.poll()
        assert watcher.poll().added == 1 and watcher.snapshot()["last_error"] is None


# -- the page cache ----------------------------------------------------------------------------------

def test_page_cache_keeps_pages_until_a_new_generation():
    cache, calls = PageCache(size=2), []

    def compute(value):
        def run():
            calls.append(value)
            return value
        return run

    assert cache.get(0, "a", compute(1)) == 1 and cache.get(0, "a", compute(2)) == 1
    assert cache.get(1, "a", compute(3)) == 3  # a write committed: computed again
    cache.get(1, "b", compute(4))
    cache.get(1, "c", compute(5))  # past its size: the least recently used ("a") goes
    assert cache.get(1, "a", compute(6)) == 6 and calls == [1, 3, 4, 5, 6]
    assert cache.get(0, "z", compute(7)) == 7 and cache.get(0, "z", compute(8)) == 8  # an older generation: not kept


def test_identical_requests_at_once_run_one_computation():
    cache, started, release, calls = PageCache(), threading.Event(), threading.Event(), []

    def slow():
        calls.append(1)
        started.set()
        release.wait(10)
        return {"page": 1}

    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(cache.get, 0, "k", slow)
        started.wait(10)
        others = [pool.submit(cache.get, 0, "k", slow) for _ in range(4)]
        release.set()
        assert [f.result() for f in (first, *others)] == [{"page": 1}] * 5
    assert calls == [1]


def test_a_failed_computation_fails_its_waiters_and_is_not_kept():
    cache = PageCache()

    def boom():
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get(0, "k", boom)
    assert cache.get(0, "k", lambda: 2) == 2


def test_a_store_makes_cached_pages_new(tmp_path):
    db = build_ledger(tmp_path)
    with app_over(db, LIMIT) as app, client_of(app) as client:
        assert client.get("/search.json?q=quayside").json()["total"] == 0
        before = client.get("/watch.json").json()["cache"]
        assert client.get("/search.json?q=quayside").json()["total"] == 0
        assert client.get("/watch.json").json()["cache"]["hits"] == before["hits"] + 1  # the same page, kept
        stored = client.post("/paste.json", data={"text": article("Olav Brekke", "quayside"), "action": "store",
                                                  "doc_id": "harbour", "form_token": form_token(client)})
        assert stored.status_code == 201
        assert client.get("/search.json?q=quayside").json()["total"] >= 1  # not the page kept before the store
        assert client.get("/watch.json").json()["watching"] is False


# -- a real server process with --watch ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db: Path, port: int, *options: str) -> subprocess.Popen:
    """`onrecord serve` as a user starts it; returns once it answers (fails with its stderr if it exits)."""
    import httpx

    server = subprocess.Popen([sys.executable, "-m", "onrecord.cli", "serve", "--db", str(db), "--port", str(port),
                               "--profile", "rules", *options], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60  # a hang guard for start-up, not a speed check
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/.json", timeout=5)
            return server
        except httpx.TransportError:
            if server.poll() is not None:
                pytest.fail(f"the server exited: {server.stderr.read()}")
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("the server never answered")
            time.sleep(0.2)


def test_serve_watch_ingests_while_searches_go_on(tmp_path):
    import httpx

    db = build_ledger(tmp_path)
    before = table_counts(db)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    port = free_port()
    server = start_server(db, port, "--watch", str(incoming), "--watch-interval", "0.2")
    base = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    try:
        def hammer(_: int) -> list[int]:
            statuses = []
            with httpx.Client(base_url=base, timeout=60) as http:
                while not stop.is_set():
                    for url in ("/search.json?q=border", "/search.json?q=ferryboats", "/.json",
                                "/speakers.json", "/search?q=reopen"):
                        statuses.append(http.get(url).status_code)
            return statuses

        with ThreadPoolExecutor(4) as pool, httpx.Client(base_url=base, timeout=60) as http:
            readers = [pool.submit(hammer, n) for n in range(4)]
            for n in range(6):  # dropped one by one, written elsewhere and renamed in, as the docs advise
                draft = tmp_path / f"draft-{n}.txt"
                draft.write_text(article(f"Olav Brekke{n}", "ferryboats"), encoding="utf-8")
                draft.rename(incoming / f"harbour-{n}.txt")
                time.sleep(0.1)
            (incoming / "batch.jsonl").write_text(
                "".join(json.dumps({"id": f"wire-{n}", "text": article("Ines Sousa", "ferryboats")}) + "\n"
                        for n in range(10)) + "not json\n", encoding="utf-8")
            deadline = time.monotonic() + 120  # bounds the wait for the watcher, not a speed check
            while True:
                found = {s["doc_id"] for s in http.get("/search.json?q=ferryboats&limit=100").json()["statements"]}
                if len(found) == 16 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            stored = http.post("/paste.json", data={"text": article("Mira Holm", "hovercrafts"), "action": "store",
                                                    "doc_id": "pasted-during-watch", "form_token": form_token(http)})
            status = http.get("/watch.json").json()
            home = http.get("/").text
            stop.set()
            statuses = [code for reader in readers for code in reader.result()]
        assert found == {f"harbour-{n}" for n in range(6)} | {f"wire-{n}" for n in range(10)}
        assert statuses and set(statuses) == {200}, sorted(set(statuses))
        assert stored.status_code == 201, stored.text
        assert http_json(base, "/search.json?q=hovercrafts")["total"] >= 1
        assert status["watching"] and status["added"] == 16 and status["files"] == 7
        assert sum(status["skipped"].values()) == 1  # the line that is not JSON, counted as ingest counts it
        assert 'id="watch-line"' in home and "16 documents added" in home

        # another process can't open the ledger meanwhile: ingest says where to put the files instead
        other = tmp_path / "other"
        other.mkdir()
        (other / "x.txt").write_text(article("Olav Brekke", "ferryboats"), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "onrecord.cli", "ingest", str(other), "--db", str(db),
                               "--profile", "rules"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith("error: ") and "onrecord serve --db" in done.stderr
        assert f"ingests the files dropped in {incoming}: put them there" in done.stderr
    finally:
        stop.set()
        server.send_signal(signal.SIGINT)
        code = server.wait(timeout=60)
    stderr = server.stderr.read()
    assert code == 0 and "Traceback" not in stderr, stderr
    assert f"serving {db} read-write, ingesting what is dropped in {incoming}/" in stderr
    assert "watching" in stderr  # a line per pass
    assert table_counts(db)["documents"] == before["documents"] + 17


def http_json(base: str, path: str) -> dict:
    import httpx

    return httpx.get(base + path, timeout=60).json()


def test_ingest_beside_a_read_only_server_says_to_start_it_with_watch(tmp_path):
    db = build_ledger(tmp_path)
    port = free_port()
    server = start_server(db, port)
    try:
        done = subprocess.run([sys.executable, "-m", "onrecord.cli", "ingest", str(tmp_path / "corpus"), "--db",
                               str(db), "--profile", "rules"], capture_output=True, text=True, timeout=120)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert f"(pid {server.pid})" in done.stderr and "start it with --watch DIR and drop the files in DIR" in done.stderr


def test_serve_watch_needs_a_folder(tmp_path):
    db = build_ledger(tmp_path)
    done = subprocess.run([sys.executable, "-m", "onrecord.cli", "serve", "--db", str(db), "--watch",
                           str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("error: --watch") and "no such folder" in done.stderr


def test_watch_on_a_postgresql_ledger_ingests_on_a_connection_of_its_own(postgres_url, tmp_path):
    from onrecord.store.backend import open_ledger

    open_ledger(postgres_url).close()  # an empty ledger
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    with app_over(postgres_url, LIMIT, watch=incoming, watch_interval=0.1) as app, client_of(app) as client:
        assert client.get("/search.json?q=ferryboats").json()["total"] == 0
        (incoming / "harbour.txt").write_text(article("Olav Brekke", "ferryboats"), encoding="utf-8")
        deadline = time.monotonic() + 60  # bounds the wait for the watcher, not a speed check
        while client.get("/search.json?q=ferryboats").json()["total"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.get("/search.json?q=ferryboats").json()["total"] >= 1  # no page kept from before
        assert client.get("/watch.json").json()["added"] == 1

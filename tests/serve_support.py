"""What the web UI's tests share: the fixture ledger, the app over it, and the XSS and SQL payloads."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from onrecord.options import ExtractOptions
from onrecord.serve import ServeOptions, create_app
from onrecord.run import IngestOptions, ingest
from onrecord.store import Ledger

FIXTURES = Path(__file__).parent / "fixtures" / "serve"
RULES = ExtractOptions(profile="rules")  # fast and model-free: what the in-process tests extract with
XSS_PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
SQL_PAYLOADS = ("'; DROP TABLE attributions; --", "%", "_", "\\", "' OR 1=1 --")


def build_ledger(folder: Path, extract: ExtractOptions = RULES) -> Path:
    """The serve fixtures (news.jsonl: ids, outlets, dates, titles, XSS payloads) ingested into folder/ledger.duckdb."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus"
    shutil.copytree(FIXTURES, corpus)
    path = folder / "ledger.duckdb"
    with Ledger(path) as ledger:
        report = ingest(ledger, [corpus], IngestOptions(extract=extract))
    assert report.added == 7 and not report.stats.skipped, report.stats.messages
    return path


@contextmanager
def app_over(db: Path, max_paste_bytes: int, extract: ExtractOptions = RULES, **options) -> Iterator:
    """The web app over `db` (more ServeOptions in `options`), its paste workers and ledger closed afterwards."""
    app = create_app(db, ServeOptions(max_paste_bytes=max_paste_bytes, extract=extract, **options))
    try:
        yield app
    finally:
        app.state.web.close()


@contextmanager
def client_over(db: Path, max_paste_bytes: int, **options) -> Iterator:
    """A TestClient (see `client_of`) for the web app over `db`, everything closed afterwards."""
    with app_over(db, max_paste_bytes, **options) as app, client_of(app) as client:
        yield client


def client_of(app, **kwargs):
    """Starlette's TestClient for `app`, sending `Host: 127.0.0.1` (the app answers loopback names only)."""
    from starlette.testclient import TestClient

    return TestClient(app, base_url="http://127.0.0.1", **kwargs)


def form_token(client) -> str:
    """The paste form's token, as a script gets it: from the paste page's JSON twin."""
    return client.get("/paste.json").json()["form_token"]


def table_counts(path: Path) -> dict[str, int]:
    """Rows per table of a ledger, read in a fresh read-only connection."""
    with Ledger(path, read_only=True) as ledger:
        return ledger.counts()


class LiveServer:
    """The real app under uvicorn on a free loopback port, in a thread of this process (`with LiveServer(app):`)."""

    def __init__(self, app, **settings) -> None:
        import socket

        import uvicorn

        from onrecord.serve.app import SERVER_SETTINGS

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                **{**SERVER_SETTINGS, **settings})
        self.server = uvicorn.Server(config)

    def __enter__(self) -> "LiveServer":
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60  # only bounds the wait for a server to start: generous under load
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

"""The web app: `create_app(db, options)` gives a Starlette application over one ledger (read-only, or read-write
while it ingests a watched folder: `ServeOptions.watch`).

Every HTML page has a JSON twin: the same URL with `.json`, or an `Accept: application/json` header.
The page's data is built once (`onrecord/serve/pages.py`) and either rendered by a Jinja template
(autoescaped: article text is never markup) or returned as JSON. Bad parameters are a 400 with a
message, unknown ids a 404, an oversized paste a 413; no input makes a 500.

Hostile pages and clients (onrecord/serve/guard.py): only the Host names the server is meant for are
answered; the one write (the paste box's store) needs a same-origin request and a token; pastes are
read and extracted in worker processes with a time limit (onrecord/serve/workers.py); a request body
must arrive within `body_timeout`; every response carries the security headers.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from onrecord import __version__
from onrecord.formatting import megabytes, plural
from onrecord.document import GENDERS, KINDS, SPEAKER_TYPES
from onrecord.options import ExtractOptions
import onrecord.serve.charts as charts
import onrecord.serve.pages as pages
from onrecord.run.ingest import IngestOptions
from onrecord.run.watch import DEFAULT_INTERVAL, FolderWatcher
from onrecord.serve.cache import DEFAULT_SIZE, PageCache
from onrecord.serve.database import LedgerAccess
from onrecord.serve.guard import (
    SECURITY_HEADERS,
    SecurityHeaders,
    allowed_hosts,
    bearer_token,
    cross_site_problem,
    ledger_error_message,
    new_form_token,
    on_site,
    token_matches,
)
from onrecord.serve.highlight import ROLES, document_blocks, match_pieces, paragraphs
from onrecord.serve.params import (
    CONFIDENCE_CHOICES, BadParameter, DocumentParams, OutletParams, SearchParams, check_choice, check_id, check_text,
)
from onrecord.serve.paste import PasteError, PasteJob, Prepared, UploadTooLarge, repaired, store
from onrecord.serve.workers import Busy, PasteTimeout, PoolSettings, WorkerFailed, WorkerPool
from onrecord.store import Ledger, LedgerError
from onrecord.store.query import SEARCH_SYNTAX
from onrecord.store.rows import parse_date

HERE = Path(__file__).parent
JSON = ".json"
DEFAULT_MAX_PASTE_BYTES = 2_000_000
ACTIONS = ("analyse", "store")
RETRY_AFTER_SECONDS = "5"  # what a 503 "busy" asks the client to wait
# uvicorn's settings for this app (`onrecord serve` and the tests' live servers): an idle keep-alive connection
# is closed after 5 s, and past 500 connections or requests at once new ones get a 503 rather than a slot
# (200 readers at once, each with its connection and its request, are 400: still answered).
SERVER_SETTINGS = {"timeout_keep_alive": 5, "limit_concurrency": 500, "server_header": False}
log = logging.getLogger("onrecord.serve")


@dataclass(frozen=True)
class ServeOptions:
    """How the web app behaves (one object instead of many keyword arguments)."""

    max_paste_bytes: int = DEFAULT_MAX_PASTE_BYTES  # a larger paste or upload (decompressed, too) is refused with 413
    extract: ExtractOptions = field(default_factory=ExtractOptions)  # the paste box's extraction
    page_size: int = 20  # statements per page
    paste_workers: int = 2  # worker processes reading and extracting pastes
    paste_queue: int = 4  # pastes that may wait for a free worker; one more is a 503 "busy" at once
    paste_timeout: float = 60.0  # seconds a paste may take in its worker; then the worker is killed (504)
    body_timeout: float = 60.0  # seconds a request body may take to arrive; slower is a 408
    allowed_hosts: tuple[str, ...] = ()  # Host names answered besides 127.0.0.1, localhost, [::1]
    public: bool = False  # served beyond loopback: storing needs `write_token`, and is off without one
    write_token: str | None = None  # the secret a store must carry (form field write_token, or Bearer)
    watch: Path | None = None  # a folder whose new and changed files are ingested while serving (ledger read-write)
    watch_interval: float = DEFAULT_INTERVAL  # seconds between two looks at the watched folder
    cache_size: int = DEFAULT_SIZE  # pages whose data is kept until the next write (0: none)
    # pages computed at once; the others wait their turn (about in arrival order): DuckDB runs each query on
    # every core already, so 40 at once (Starlette's thread pool) only share the cores and all finish late
    ledger_readers: int = max(2, os.cpu_count() or 2)
    # DuckDB threads for each of those pages' queries (None: DuckDB's default, every core): with ledger_readers
    # pages at once, one each keeps the cores busy and spares each query its threads' overhead (docs/web-ui.md)
    query_threads: int | None = 1
    # every statement's narrow columns held in memory, so that a search page's matches, order, total and facets
    # are not read from the ledger each time (store/columns.py): read at start, and again after each write
    columns: bool = True


class BodyTimeout(Exception):
    """A request body that did not arrive within the body timeout (a slow or stalled client)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the request body did not arrive within {seconds:g} s")


class PayloadTooLarge(Exception):
    """A request body over the paste limit (`size` is None when it was counted while streaming)."""

    def __init__(self, limit: int, size: int | None = None) -> None:
        self.limit, self.size = limit, size
        sent = f"{megabytes(size)}" if size is not None else f"more than {megabytes(limit)}"
        super().__init__(f"the paste is too large: {sent}; this server accepts at most {megabytes(limit)} "
                         "(onrecord serve --max-paste-bytes)")


def limited_receive(receive, limit: int, seconds: float):
    """`receive` that raises PayloadTooLarge once the request body passes `limit` bytes (nothing more is read),
    and BodyTimeout when the whole body has not arrived `seconds` after the first read."""
    received = 0
    deadline: float | None = None

    async def counted():
        nonlocal received, deadline
        if deadline is None:
            deadline = anyio.current_time() + seconds
        try:
            with anyio.fail_after(max(deadline - anyio.current_time(), 0)):
                message = await receive()
        except TimeoutError:
            raise BodyTimeout(seconds) from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise PayloadTooLarge(limit)
        return message

    return counted


def wants_json(request: Request, suffix: bool = True) -> bool:
    """A `.json` path (when `suffix` is the twin's), or an Accept header that asks for JSON and not HTML."""
    if suffix and request.url.path.endswith(JSON):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def json_twin(request: Request) -> str:
    """The URL of this page's JSON twin: its path as the client sent it (kept on this site), plus `.json`, same query."""
    path = request.scope.get("raw_path", b"").decode("latin-1") or quote(request.url.path)
    query = request.url.query
    return on_site(path.split("?")[0]) + JSON + (f"?{query}" if query else "")


def without_suffix(identifier: str) -> str:
    """A path's identifier without the `.json` suffix of the JSON twin."""
    return identifier.removesuffix(JSON)


def templates() -> Environment:
    """The Jinja environment: autoescaping on for HTML and SVG, the highlight helpers as globals."""
    environment = Environment(loader=FileSystemLoader(HERE / "templates"),
                              autoescape=select_autoescape(("html", "svg"), default=True),
                              trim_blocks=True, lstrip_blocks=True)
    environment.globals.update(match_pieces=match_pieces, paragraphs=paragraphs, roles=ROLES, kinds=KINDS, version=__version__,
                               source_types=charts.SOURCE_TYPES, speaker_types=SPEAKER_TYPES, megabytes=megabytes,
                               genders=GENDERS)
    environment.globals["search_syntax"] = SEARCH_SYNTAX  # the hint under each search box
    environment.globals["confidence_choices"] = CONFIDENCE_CHOICES  # the statement lists' confidence control
    environment.filters["safe_url"] = safe_url
    environment.filters["plural"] = plural
    environment.filters["day"] = day
    return environment


def day(published: str | None) -> str | None:
    """A publication date as YYYY-MM-DD, whatever form the input gave it in (as is when it doesn't parse)."""
    parsed = parse_date(published)
    return parsed.isoformat() if parsed else published


def safe_url(url: str | None) -> str | None:
    """An article's URL when it is http(s), else None (a `javascript:` URL from a crawl is never a link)."""
    return url if url and url.strip().lower().startswith(("http://", "https://")) else None


class WebApp:
    """The routes over one ledger: each builds its page's data, then answers HTML or JSON."""

    def __init__(self, db: str | Path, options: ServeOptions) -> None:
        self.options = options
        self.access = LedgerAccess(db, writable=options.watch is not None, query_threads=options.query_threads,
                                   columns=options.columns)
        self.access.load_columns()  # before the first search (a second or two a million statements)
        # (a PostgreSQL ledger is written by other processes too: no page is kept, identical ones at once still share)
        self.cache = PageCache(options.cache_size if self.access.cacheable else 0)
        self.readers = threading.BoundedSemaphore(options.ledger_readers)
        self.environment = templates()
        self.form_token = new_form_token()  # embedded in this server's paste form; a store must send it back
        self.pool = WorkerPool(PoolSettings(options.extract, options.paste_workers, options.paste_queue,
                                            options.paste_timeout))
        self.watcher: FolderWatcher | None = None
        if options.watch is not None:  # ingests in a thread of its own, on a cursor of its own
            self.watcher = FolderWatcher(options.watch, self.access.writer(), IngestOptions(extract=options.extract),
                                         options.watch_interval).start()

    def close(self) -> None:
        """Stop the watcher and the paste workers, and close the ledger (after the server stops)."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher.ledger.close()
        self.pool.close()
        self.access.close()

    def cached(self, request: Request, compute: Callable[[Ledger], object]):
        """`compute(ledger)` for this request's page (its path and parameters), from the cache while no write has
        committed since it was computed; else computed now on a cursor of this request's own."""
        generation = self.access.generation  # read first: a page is never kept under a newer generation than it saw

        def read():
            with self.readers, self.access.read() as ledger:
                return compute(ledger)

        key = (request.url.path, tuple(sorted(request.query_params.multi_items())))
        return self.cache.get(generation, key, read)

    def respond(self, request: Request, template: str, data: dict, status: int = 200, as_json: bool | None = None,
                html: Callable[[], dict] | None = None) -> Response:
        """`data` as JSON for the twin (or when `as_json`), else rendered by `template` with `html()`'s extras
        (highlighted text, charts: built only for the page)."""
        if wants_json(request) if as_json is None else as_json:
            return JSONResponse(data, status_code=status)
        body = self.environment.get_template(template).render(request=request, json_url=json_twin(request),
                                                              **data, **(html() if html else {}))
        return HTMLResponse(body, status_code=status)

    def error(self, request: Request, status: int, message: str, headers: dict | None = None) -> Response:
        """An error as JSON `{"ok": false, "status", "error"}` or as a page saying it."""
        response = self.respond(request, "error.html", {"ok": False, "status": status, "error": message}, status)
        response.headers.update(headers or {})
        return response

    # -- pages ----------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        data = self.cached(request, pages.home_page)
        if self.watcher is not None:
            data = {**data, "watch": self.watcher.snapshot()}
        return self.respond(request, "home.html", data)

    def search(self, request: Request) -> Response:
        params = SearchParams.parse(request.query_params, self.options.page_size)
        data = self.cached(request, lambda ledger: pages.search_page(ledger, params, on_site(request.url.path)))
        return self.respond(request, "search.html", data)

    def documents(self, request: Request) -> Response:
        params = DocumentParams.parse(request.query_params, self.options.page_size)
        data = self.cached(request, lambda ledger: pages.documents_page(ledger, params, on_site(request.url.path)))
        return self.respond(request, "documents.html", data)

    def watch(self, request: Request) -> Response:
        """What the folder watcher did: files and documents ingested, skips by reason, the last error."""
        data = {"watching": False, "folder": None} if self.watcher is None else {"watching": True,
                                                                                 **self.watcher.snapshot()}
        return self.respond(request, "watch.html", {**data, "cache": self.cache.stats()})

    def download(self, request: Request) -> Response:
        """Every statement a search matches (all pages), as `onrecord export` writes them: CSV or JSON lines.

        The export goes to a temporary file that is streamed, then removed."""
        output_format = request.url.path.rsplit(".", 1)[-1]
        params = SearchParams.parse(request.query_params, self.options.page_size)
        handle, path = tempfile.mkstemp(prefix="onrecord-search-", suffix=f".{output_format}")
        os.close(handle)
        try:
            with self.access.read() as ledger:
                rows = ledger.export(path, output_format, replace(params.statement_query(), limit=None, offset=0))
        except BaseException:
            os.unlink(path)
            raise
        return FileResponse(path, media_type=pages.DOWNLOAD_TYPES[output_format],
                            filename=f"onrecord-search.{output_format}", headers={"x-total-count": str(rows)}, background=BackgroundTask(os.unlink, path))

    def favicon(self, request: Request) -> Response:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    def document(self, request: Request) -> Response:
        doc_id = check_id("doc_id", without_suffix(request.path_params["doc_id"]))
        stored = check_choice("stored", request.query_params.get("stored"), ("added", "updated", "unchanged"))

        def find(ledger: Ledger) -> tuple[tuple | None, bool]:
            """The document's page, and whether its id is the path's with the `.json` (an id ending so)."""
            found = pages.document_page(ledger, doc_id)
            if found is None and request.url.path.endswith(JSON):
                return pages.document_page(ledger, doc_id + JSON), True
            return found, False

        found, suffixed = self.cached(request, find)
        as_json = wants_json(request, suffix=False) if suffixed else None
        if found is None:
            raise HTTPException(404, f"no document {doc_id!r} in the ledger")
        data, doc = found
        return self.respond(request, "document.html", data, as_json=as_json, html=lambda: {
            "blocks": document_blocks(doc), "stored": stored,
            "sourcing_chart": charts.sourcing_bars([("this document", data["sourcing"])], width=320, label_width=0,
                                                 total_width=110)})

    def speakers(self, request: Request) -> Response:
        name = check_text("name", request.query_params.get("name"))
        speaker_type = check_choice("type", request.query_params.get("type"), SPEAKER_TYPES)
        data = self.cached(request, lambda ledger: pages.speakers_page(ledger, name, speaker_type))
        return self.respond(request, "speakers.html", data)

    def speaker(self, request: Request) -> Response:
        speaker_id = check_id("speaker_id", without_suffix(request.path_params["speaker_id"]))
        params = SearchParams.parse({name: request.query_params.get(name)
                                     for name in ("page", "limit", "act", "min_confidence")}, self.options.page_size)
        data = self.cached(request, lambda ledger: pages.speaker_page(ledger, speaker_id, params,
                                                                     on_site(request.url.path)))
        if data is None:
            raise HTTPException(404, f"no speaker {speaker_id!r} in the ledger (see /speakers)")
        periods = [(date.fromisoformat(p["start"]), p["statements"]) for p in data["statements_per_period"]]
        return self.respond(request, "speaker.html", data,
                            html=lambda: {"chart": charts.timeline(periods, data["period"])})

    def outlets(self, request: Request) -> Response:
        params = OutletParams.parse(request.query_params)
        data = self.cached(request, lambda ledger: pages.outlets_page(ledger, params,
                                                                     on_site(request.url.path.removesuffix(JSON))))
        return self.respond(request, "outlets.html", data, html=lambda: {
            "chart": charts.sourcing_bars([(o["outlet"], o["sourcing"]) for o in data["outlets"]], width=1100)})

    # -- the paste box --------------------------------------------------------------------------------

    @property
    def store_mode(self) -> str:
        """How a store is allowed: "form_token" (this server's form), "write_token" (the operator's), or "off"."""
        if self.options.write_token:
            return "write_token"
        return "off" if self.options.public else "form_token"

    def paste_settings(self) -> dict:
        """What the paste box accepts (the twin of the empty form), with the form's token when a store needs it."""
        token_field = [self.store_mode] if self.store_mode != "off" else []
        settings = {"max_paste_bytes": self.options.max_paste_bytes, "profile": self.options.extract.profile,
                    "actions": list(ACTIONS), "fields": ["text", "file", "doc_id", "title", "outlet", "published",
                                                         "byline", "url", "action", *token_field],
                    "store": self.store_mode}
        if self.store_mode == "form_token":
            settings["form_token"] = self.form_token
        return settings

    async def paste(self, request: Request) -> Response:
        """GET: the paste form. POST: find an article's attributions now (action=analyse), or store it (action=store)."""
        if request.method != "POST":
            return self.respond(request, "paste.html", {**self.paste_settings(), "result": None},
                                html=lambda: {"article": None})
        self.pool.admit()  # busy: a 503 now, before the body is read (uvicorn drains it unparsed)
        try:
            fields, upload = await self.read_paste(request)
            action = check_choice("action", fields.get("action"), ACTIONS) or "analyse"
            if action == "store":
                self.check_store(request, fields)  # before any work: a refused store costs nothing
        except BaseException:
            self.pool.release()
            raise
        job = PasteJob({k: v for k, v in fields.items() if k not in ("form_token", "write_token")}, upload,
                       action == "store", self.options.max_paste_bytes)
        prepared = await self.pool.prepare(job, admitted=True)
        if action == "store":
            return await run_in_threadpool(self.store_prepared, request, prepared)
        data = {"stored": False, **pages.document_dict(prepared.doc)}
        return await run_in_threadpool(  # a long article's page is rendered off the event loop
            self.respond, request, "paste.html", data, html=lambda: {
                "result": data, "article": prepared.article, "blocks": document_blocks(prepared.doc),
                **self.paste_settings()})

    def check_store(self, request: Request, fields: dict[str, str]) -> None:
        """A 403 unless this store comes from this site's own pages and carries the token it needs."""
        mode = self.store_mode
        if mode == "off":
            raise HTTPException(403, "storing is off on a public server (start it with --write-token to allow it)")
        problem = cross_site_problem(request)
        if problem:
            raise HTTPException(403, f"store refused: {problem}")
        if mode == "write_token":
            if not token_matches(bearer_token(request) or fields.get("write_token"), self.options.write_token):
                raise HTTPException(403, "store refused: the write token is missing or wrong "
                                         "(field write_token, or Authorization: Bearer)")
        elif not token_matches(fields.get("form_token"), self.form_token):
            raise HTTPException(403, "store refused: the form's token is missing or stale "
                                     "(reload the paste page; scripts: form_token from /paste.json)")

    async def read_paste(self, request: Request) -> tuple[dict[str, str], tuple[str, bytes] | None]:
        """The paste's fields and file: the size limit checked on Content-Length, then counted as it streams."""
        limit = self.options.max_paste_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(limit, int(declared))
        counted = Request(request.scope, limited_receive(request.receive, limit, self.options.body_timeout))
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                data = json.loads(await counted.body())
            except (ValueError, RecursionError) as error:  # RecursionError: [[[[… nested past Python's stack
                reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
                raise BadParameter(f"body: not JSON ({reason})") from None
            if not isinstance(data, dict):
                raise BadParameter("body: a JSON object is expected ({\"text\": ...})")
            return {repaired(k): repaired(str(v)) for k, v in data.items()
                    if isinstance(v, (str, int, float)) and not isinstance(v, bool)}, None
        try:
            async with counted.form(max_files=1, max_fields=20, max_part_size=limit) as form:
                fields = {repaired(k): repaired(v) for k, v in form.items() if isinstance(v, str)}
                file = form.get("file")
                upload = None
                if isinstance(file, UploadFile) and file.filename:
                    upload = (file.filename, await file.read())
        except MultiPartException as error:
            raise BadParameter(f"form: {error.message}") from None
        return fields, upload

    def store_prepared(self, request: Request, prepared: Prepared) -> Response:
        """The one write: the prepared paste ingested into the ledger, then its stored page (303) or a JSON report."""
        with self.access.write() as ledger:
            report = store(ledger, prepared)
        doc_id = prepared.doc.doc_id
        outcome = "added" if report.added else "updated" if report.updated else "unchanged"
        url = pages.document_url(doc_id)
        if wants_json(request):
            return JSONResponse({"stored": True, "doc_id": doc_id, "outcome": outcome, "url": url,
                                 "attributions": report.attributions}, status_code=201)
        return RedirectResponse(f"{url}?stored={outcome}", status_code=303)

    # -- errors ---------------------------------------------------------------------------------------

    async def on_http_error(self, request: Request, error: HTTPException) -> Response:
        return self.error(request, error.status_code, str(error.detail), error.headers)  # a 405's Allow

    async def on_bad_parameter(self, request: Request, error: BadParameter) -> Response:
        return self.error(request, 400, str(error))

    async def on_too_large(self, request: Request, error: PayloadTooLarge | UploadTooLarge) -> Response:
        return self.error(request, 413, str(error), {"connection": "close"})  # the rest of the body is not read

    async def on_body_timeout(self, request: Request, error: BodyTimeout) -> Response:
        return self.error(request, 408, str(error), {"connection": "close"})

    async def on_paste_error(self, request: Request, error: PasteError) -> Response:
        return self.error(request, 422, str(error))

    async def on_busy(self, request: Request, error: Busy) -> Response:
        return self.error(request, 503, str(error), {"retry-after": RETRY_AFTER_SECONDS})

    async def on_paste_timeout(self, request: Request, error: PasteTimeout) -> Response:
        return self.error(request, 504, str(error))

    async def on_worker_failed(self, request: Request, error: WorkerFailed) -> Response:
        return self.error(request, 503, str(error), {"retry-after": RETRY_AFTER_SECONDS})

    async def on_ledger_error(self, request: Request, error: LedgerError) -> Response:
        log.warning("ledger error on %s: %s", request.url.path, error)  # the whole reason, for the operator
        return self.error(request, 503, ledger_error_message(error), {"retry-after": RETRY_AFTER_SECONDS})

    async def on_unexpected(self, request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        response = self.error(request, 500, f"internal error ({type(error).__name__}); see the server's log")
        response.headers.update(SECURITY_HEADERS)  # this handler runs outside the middleware that adds them
        return response


def create_app(db: str | Path, options: ServeOptions | None = None) -> Starlette:
    """The web app over the ledger at `db`, opened now: read-only, or read-write with `options.watch` (LedgerError
    when it can't be)."""
    options = options or ServeOptions()
    web = WebApp(db, options)
    routes = [
        Route("/", web.home), Route("/.json", web.home),
        Route("/search", web.search), Route("/search.json", web.search),
        *[Route(f"/search.{output_format}", web.download) for output_format in pages.DOWNLOAD_TYPES],
        Route("/documents", web.documents), Route("/documents.json", web.documents),
        Route("/documents/{doc_id:path}", web.document),
        Route("/speakers", web.speakers), Route("/speakers.json", web.speakers),
        Route("/speakers/{speaker_id:path}", web.speaker),
        Route("/outlets", web.outlets), Route("/outlets.json", web.outlets),
        Route("/watch", web.watch), Route("/watch.json", web.watch),
        Route("/paste", web.paste, methods=["GET", "POST"]), Route("/paste.json", web.paste, methods=["GET", "POST"]),
        Route("/favicon.ico", web.favicon),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers = {HTTPException: web.on_http_error, BadParameter: web.on_bad_parameter,
                PayloadTooLarge: web.on_too_large, UploadTooLarge: web.on_too_large, BodyTimeout: web.on_body_timeout,
                PasteError: web.on_paste_error, Busy: web.on_busy, PasteTimeout: web.on_paste_timeout,
                WorkerFailed: web.on_worker_failed, LedgerError: web.on_ledger_error, Exception: web.on_unexpected}
    middleware = [Middleware(SecurityHeaders),  # outermost: the headers go on the Host check's 400 too
                  Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(options.allowed_hosts),
                             www_redirect=False)]
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=middleware)
    app.state.web = web
    return app


def get(app: Starlette, path: str, accept: str = "text/html") -> tuple[int, str, bytes]:
    """GET `path` from the app in this process, without a socket (what `onrecord serve --get` prints).

    Returns the status, the content type and the body.
    """
    path_part, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": unquote(path_part), "raw_path": path_part.encode(), "query_string": query.encode(),
             "root_path": "", "headers": [(b"host", b"localhost"), (b"accept", accept.encode())],
             "client": ("127.0.0.1", 0), "server": ("localhost", 80)}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    try:
        asyncio.run(app(scope, receive, send))
    except Exception:
        if not sent:
            raise
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers.get("content-type", ""), body

"""The web app: `create_app(db, options)` gives a Starlette application over one ledger, read-only.

Every HTML page has a JSON twin: the same URL with `.json`, or an `Accept: application/json` header.
The page's data is built once (`onrecord/serve/pages.py`) and either rendered by a Jinja template
(autoescaped: article text is never markup) or returned as JSON. Bad parameters are a 400 with a
message, unknown ids a 404, an oversized paste a 413; no input makes a 500.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from onrecord import __version__
from onrecord.formatting import plural
from onrecord.document import KINDS, SPEAKER_TYPES, Document
from onrecord.options import ExtractOptions
import onrecord.serve.charts as charts
import onrecord.serve.pages as pages
from onrecord.serve.database import LedgerAccess
from onrecord.serve.highlight import ROLES, document_blocks, match_pieces
from onrecord.serve.params import BadParameter, SearchParams, check_choice, check_id, check_text
from onrecord.serve.paste import Article, PasteError, analyse, article_from_form, store
from onrecord.store import LedgerError

HERE = Path(__file__).parent
JSON = ".json"
DEFAULT_MAX_PASTE_BYTES = 2_000_000
ACTIONS = ("analyse", "store")
SECURITY_HEADERS = {  # defence in depth: even markup that slipped through could run no script of its own
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
log = logging.getLogger("onrecord.serve")


@dataclass(frozen=True)
class ServeOptions:
    """How the web app behaves (one object instead of many keyword arguments)."""

    max_paste_bytes: int = DEFAULT_MAX_PASTE_BYTES  # a larger paste or upload is refused with 413
    extract: ExtractOptions = field(default_factory=ExtractOptions)  # the paste box's extraction
    page_size: int = 20  # statements per page


class PayloadTooLarge(Exception):
    """A request body over the paste limit (`size` is None when it was counted while streaming)."""

    def __init__(self, limit: int, size: int | None = None) -> None:
        self.limit, self.size = limit, size
        sent = f"{megabytes(size)}" if size is not None else f"more than {megabytes(limit)}"
        super().__init__(f"the paste is too large: {sent}; this server accepts at most {megabytes(limit)} "
                         "(onrecord serve --max-paste-bytes)")


def megabytes(size: int) -> str:
    """A byte count for people: `2 MB`, `10.5 MB`, `800 KB`."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{size / 1000:.0f} KB" if size >= 1000 else f"{size} bytes"


def limited_receive(receive, limit: int):
    """`receive` that raises PayloadTooLarge once the request body passes `limit` bytes (nothing more is read)."""
    received = 0

    async def counted():
        nonlocal received
        message = await receive()
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
    """The URL of this page's JSON twin: its path as the client sent it, plus `.json`, same query."""
    path = request.scope.get("raw_path", b"").decode("latin-1") or quote(request.url.path)
    query = request.url.query
    return path.split("?")[0] + JSON + (f"?{query}" if query else "")


def without_suffix(identifier: str) -> str:
    """A path's identifier without the `.json` suffix of the JSON twin."""
    return identifier.removesuffix(JSON)


def templates() -> Environment:
    """The Jinja environment: autoescaping on for HTML and SVG, the highlight helpers as globals."""
    environment = Environment(loader=FileSystemLoader(HERE / "templates"),
                              autoescape=select_autoescape(("html", "svg"), default=True),
                              trim_blocks=True, lstrip_blocks=True)
    environment.globals.update(match_pieces=match_pieces, roles=ROLES, kinds=KINDS, version=__version__,
                               source_types=charts.SOURCE_TYPES, speaker_types=SPEAKER_TYPES, megabytes=megabytes)
    environment.filters["safe_url"] = safe_url
    environment.filters["plural"] = plural
    return environment


def safe_url(url: str | None) -> str | None:
    """An article's URL when it is http(s), else None (a `javascript:` URL from a crawl is never a link)."""
    return url if url and url.strip().lower().startswith(("http://", "https://")) else None


class WebApp:
    """The routes over one ledger: each builds its page's data, then answers HTML or JSON."""

    def __init__(self, db: str | Path, options: ServeOptions) -> None:
        self.options = options
        self.access = LedgerAccess(db)
        self.environment = templates()
        self.extracting = threading.Lock()  # one extraction at a time: a paste is seconds of CPU

    def respond(self, request: Request, template: str, data: dict, status: int = 200, as_json: bool | None = None,
                **html) -> Response:
        """`data` as JSON for the twin (or when `as_json`), else rendered by `template` with `html`'s extras."""
        if wants_json(request) if as_json is None else as_json:
            return JSONResponse(data, status_code=status, headers=SECURITY_HEADERS)
        body = self.environment.get_template(template).render(request=request, json_url=json_twin(request),
                                                              **data, **html)
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    def error(self, request: Request, status: int, message: str) -> Response:
        """An error as JSON `{"ok": false, "status", "error"}` or as a page saying it."""
        return self.respond(request, "error.html", {"ok": False, "status": status, "error": message}, status)

    # -- pages ----------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        with self.access.read() as ledger:
            data = pages.home_page(ledger)
        return self.respond(request, "home.html", data)

    def search(self, request: Request) -> Response:
        params = SearchParams.parse(request.query_params, self.options.page_size)
        with self.access.read() as ledger:
            data = pages.search_page(ledger, params, request.url.path)
        return self.respond(request, "search.html", data)

    def document(self, request: Request) -> Response:
        doc_id = check_id("doc_id", without_suffix(request.path_params["doc_id"]))
        stored = check_choice("stored", request.query_params.get("stored"), ("added", "updated", "unchanged"))
        as_json = None
        with self.access.read() as ledger:
            found = pages.document_page(ledger, doc_id)
            if found is None and request.url.path.endswith(JSON):  # an id that itself ends in .json: its page
                found = pages.document_page(ledger, doc_id + JSON)
                as_json = wants_json(request, suffix=False)
        if found is None:
            raise HTTPException(404, f"no document {doc_id!r} in the ledger")
        data, doc = found
        return self.respond(request, "document.html", data, as_json=as_json, blocks=document_blocks(doc), stored=stored,
                            sourcing_chart=charts.sourcing_bars([("this document", data["sourcing"])], width=320, label_width=0))

    def speakers(self, request: Request) -> Response:
        name = check_text("name", request.query_params.get("name"))
        speaker_type = check_choice("type", request.query_params.get("type"), SPEAKER_TYPES)
        with self.access.read() as ledger:
            data = pages.speakers_page(ledger, name, speaker_type)
        return self.respond(request, "speakers.html", data)

    def speaker(self, request: Request) -> Response:
        speaker_id = check_id("speaker_id", without_suffix(request.path_params["speaker_id"]))
        params = SearchParams.parse({"page": request.query_params.get("page"),
                                     "limit": request.query_params.get("limit")}, self.options.page_size)
        with self.access.read() as ledger:
            data = pages.speaker_page(ledger, speaker_id, params, request.url.path)
        if data is None:
            raise HTTPException(404, f"no speaker {speaker_id!r} in the ledger (see /speakers)")
        weeks = [(date.fromisoformat(w["week"]), w["statements"]) for w in data["statements_per_week"]]
        return self.respond(request, "speaker.html", data, chart=charts.timeline(weeks))

    def outlets(self, request: Request) -> Response:
        with self.access.read() as ledger:
            data = pages.outlets_page(ledger)
        chart = charts.sourcing_bars([(o["outlet"], o["sourcing"]) for o in data["outlets"]])
        return self.respond(request, "outlets.html", data, chart=chart)

    # -- the paste box --------------------------------------------------------------------------------

    def paste_settings(self) -> dict:
        """What the paste box accepts (the twin of the empty form)."""
        return {"max_paste_bytes": self.options.max_paste_bytes, "profile": self.options.extract.profile,
                "actions": list(ACTIONS), "fields": ["text", "file", "doc_id", "title", "outlet", "published",
                                                     "byline", "url", "action"]}

    def paste_form(self, request: Request) -> Response:
        return self.respond(request, "paste.html", {**self.paste_settings(), "result": None}, article=None)

    async def paste(self, request: Request) -> Response:
        """Find an article's attributions now (action=analyse), or store it in the ledger (action=store)."""
        fields, upload = await self.read_paste(request)
        action = check_choice("action", fields.get("action"), ACTIONS) or "analyse"
        article = article_from_form(fields, upload)
        if action == "store":
            return await run_in_threadpool(self.store_article, request, article)
        doc = await run_in_threadpool(self.analyse_article, article)
        data = {"stored": False, **pages.document_dict(doc)}
        return self.respond(request, "paste.html", data, result=data, article=article, blocks=document_blocks(doc),
                            **self.paste_settings())

    async def read_paste(self, request: Request) -> tuple[dict[str, str], tuple[str, bytes] | None]:
        """The paste's fields and file: the size limit checked on Content-Length, then counted as it streams."""
        limit = self.options.max_paste_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(limit, int(declared))
        counted = Request(request.scope, limited_receive(request.receive, limit))
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                data = json.loads(await counted.body())
            except ValueError as error:
                raise BadParameter(f"body: not JSON ({error})") from None
            if not isinstance(data, dict):
                raise BadParameter("body: a JSON object is expected ({\"text\": ...})")
            return {k: str(v) for k, v in data.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}, None
        try:
            async with counted.form(max_files=1, max_fields=20, max_part_size=limit) as form:
                fields = {k: v for k, v in form.items() if isinstance(v, str)}
                file = form.get("file")
                upload = None
                if isinstance(file, UploadFile) and file.filename:
                    upload = (file.filename, await file.read())
        except MultiPartException as error:
            raise BadParameter(f"form: {error.message}") from None
        return fields, upload

    def analyse_article(self, article: Article) -> Document:
        with self.extracting:
            return analyse(article, self.options.extract)

    def store_article(self, request: Request, article: Article) -> Response:
        """The one write: the article ingested into the ledger, then its stored page (303) or a JSON report."""
        with self.extracting, self.access.write() as ledger:
            doc_id, report = store(ledger, article, self.options.extract)
        outcome = "added" if report.added else "updated" if report.updated else "unchanged"
        url = pages.document_url(doc_id)
        if wants_json(request):
            return JSONResponse({"stored": True, "doc_id": doc_id, "outcome": outcome, "url": url,
                                 "attributions": report.attributions}, status_code=201, headers=SECURITY_HEADERS)
        return RedirectResponse(f"{url}?stored={outcome}", status_code=303, headers=SECURITY_HEADERS)

    # -- errors ---------------------------------------------------------------------------------------

    async def on_http_error(self, request: Request, error: HTTPException) -> Response:
        return self.error(request, error.status_code, str(error.detail))

    async def on_bad_parameter(self, request: Request, error: BadParameter) -> Response:
        return self.error(request, 400, str(error))

    async def on_too_large(self, request: Request, error: PayloadTooLarge) -> Response:
        response = self.error(request, 413, str(error))
        response.headers["connection"] = "close"  # the rest of the body is not read
        return response

    async def on_paste_error(self, request: Request, error: PasteError) -> Response:
        return self.error(request, 422, str(error))

    async def on_ledger_error(self, request: Request, error: LedgerError) -> Response:
        return self.error(request, 503, str(error))

    async def on_unexpected(self, request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return self.error(request, 500, f"internal error ({type(error).__name__}); see the server's log")


def create_app(db: str | Path, options: ServeOptions | None = None) -> Starlette:
    """The web app over the ledger at `db`, opened read-only now (LedgerError when it can't be)."""
    web = WebApp(db, options or ServeOptions())
    routes = [
        Route("/", web.home), Route("/.json", web.home),
        Route("/search", web.search), Route("/search.json", web.search),
        Route("/documents/{doc_id:path}", web.document),
        Route("/speakers", web.speakers), Route("/speakers.json", web.speakers),
        Route("/speakers/{speaker_id:path}", web.speaker),
        Route("/outlets", web.outlets), Route("/outlets.json", web.outlets),
        Route("/paste", web.paste_form, methods=["GET"]), Route("/paste.json", web.paste_form, methods=["GET"]),
        Route("/paste", web.paste, methods=["POST"]), Route("/paste.json", web.paste, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers = {HTTPException: web.on_http_error, BadParameter: web.on_bad_parameter,
                PayloadTooLarge: web.on_too_large, PasteError: web.on_paste_error,
                LedgerError: web.on_ledger_error, Exception: web.on_unexpected}
    app = Starlette(routes=routes, exception_handlers=handlers)
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

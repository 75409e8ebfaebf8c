"""What a request must show before it is served, and what every answer carries.

- The Host it names: only the names this server is meant to answer (loopback names by default), so a
  page on a hostile site whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) gets a 400, never
  the ledger. Starlette's TrustedHostMiddleware does the check; `allowed_hosts` says what it allows.
- Where a write comes from: the paste box's store needs a same-origin request (the `Origin` header,
  else `Sec-Fetch-Site`) and a token (`write_problem`); any other page's form or `fetch` is a 403.
- Every response carries the security headers (`SecurityHeaders`), static files and errors included.
- An error says nothing of the machine: no paths, no process ids (`ledger_error_message`).
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from onrecord.store import LedgerError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")  # what a server on loopback answers to, on any port
SECURITY_HEADERS = {  # defence in depth: even markup that slipped through could run no script of its own
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    # same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` even with this site's
    # own form posts, and the store's origin check could not tell them from another site's
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
SAME_ORIGIN_FETCHES = ("same-origin", "none")  # Sec-Fetch-Site values of a request this site's pages made
DEFAULT_PORTS = {"http": "80", "https": "443"}


class SecurityHeaders:
    """ASGI middleware: the security headers on every response that doesn't set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def allowed_hosts(extra: tuple[str, ...] = ()) -> list[str]:
    """The Host names this server answers: the loopback names and `extra` (`--allowed-host`; `*.example.org`,
    or `*` for any)."""
    return [*LOOPBACK_HOSTS, *(name.strip().lower() for name in extra if name.strip())]


def new_form_token() -> str:
    """A random token for this server's paste form: a page on another site can't read it, so can't send it."""
    return secrets.token_urlsafe(32)


def on_site(path: str) -> str:
    """A path from the request as a link on this site: `//evil.example/` (a link to another host) → `/evil.example/`."""
    return "/" + path.lstrip("/\\")


def netloc(value: str, scheme: str) -> str:
    """`host[:port]` lower-cased, the scheme's default port left out."""
    value = value.strip().lower()
    default = DEFAULT_PORTS.get(scheme)
    return value.removesuffix(f":{default}") if default else value


def cross_site_problem(request: Request) -> str | None:
    """Why the request did not come from this site's own pages, or None when it did (or is no browser's).

    A browser sends `Origin` with every POST it makes for a page; `Origin: null` (a sandboxed frame, a
    page under a no-referrer policy) says nothing, so then `Sec-Fetch-Site` decides, as it does when a
    browser sends no Origin. A client that sends neither (curl, a script) is no browser, so no other page
    can have made it send the request.
    """
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in SAME_ORIGIN_FETCHES:
        return f"the request came from another site (Sec-Fetch-Site: {fetch_site[:40]})"
    if origin is None or (origin == "null" and fetch_site is not None):
        return None
    parts = urlsplit(origin)
    if origin == "null" or not parts.netloc:
        return f"the request came from a page with no origin (Origin: {origin[:100]})"
    # host and port only: behind a TLS proxy the page is https while this server sees http
    if netloc(parts.netloc, parts.scheme) != netloc(request.headers.get("host", ""), parts.scheme):
        return f"the request came from another site (Origin: {origin[:100]})"
    return None


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def token_matches(given: str | None, expected: str) -> bool:
    """Whether `given` is `expected`, compared in constant time."""
    return given is not None and secrets.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def ledger_error_message(error: LedgerError) -> str:
    """What a 503 may say of a ledger error: its kind, and never the file's path, the holding process or its user."""
    text = str(error)
    if " is in use by " in text:  # the store's lock error (store.ledger.lock_error)
        return ("the ledger is in use by another onrecord process (DuckDB allows one writer); "
                "try again once it has finished")
    if "permission denied" in text:
        return "the ledger can't be written (permission denied); see the server's log"
    return "the ledger can't be used now; see the server's log"

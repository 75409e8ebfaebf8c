"""`onrecord serve`: the ledger in a browser (onrecord/serve), or one page printed with --get.

The server opens the ledger read-only and listens on loopback unless --public is given; it answers
only Host names it is meant for (loopback names, the --host, each --allowed-host). With --watch DIR it
opens the ledger read-write instead and ingests the files dropped in DIR while it serves
(onrecord/run/watch.py). Like the ledger's commands, a ledger that can't be opened is one `error:`
line and exit 2.
"""
from __future__ import annotations

import ipaddress
import json
import re
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from onrecord.cli.common import Profile, ProfileOption, app, engine_options
from onrecord.cli.corpus import DEFAULT_DB, DbOption, fail
from onrecord.options import ExtractOptions
from onrecord.store import LedgerError
from onrecord.store.postgres import redacted

SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
UNITS = {None: 1, "b": 1, "kb": 1000, "mb": 1000_000, "gb": 1000_000_000}
LOOPBACK_NAMES = ("localhost",)
WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]", "")  # every address of the machine: no one name clients use


def parse_size(value: str) -> int:
    """`2MB`, `500KB`, `2000000` as a number of bytes; anything else is one `error:` line (exit 2)."""
    match = SIZE.match(value)
    if not match or float(match.group(1)) <= 0:
        raise fail(f"--max-paste-bytes: {value!r} is not a size (e.g. 2MB, 500KB, 2000000)")
    return int(float(match.group(1)) * UNITS[(match.group(2) or "").lower() or None])


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address (127.0.0.0/8, ::1) or `localhost`."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Fail with one line now, rather than a server log line later, when host:port can't be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            raise fail(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


@app.command("serve")
def serve_command(
    db: DbOption = Path(DEFAULT_DB),
    host: Annotated[str, typer.Option(help="Address to listen on; anything but loopback needs --public.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    public: Annotated[bool, typer.Option("--public", help="Allow a non-loopback --host: the ledger becomes readable, "
                                                           "and the paste box usable, by anyone who can reach it; "
                                                           "storing pastes stays off unless --write-token is given.")] = False,
    allowed_host: Annotated[list[str] | None, typer.Option(
        "--allowed-host", metavar="NAME", help="A Host name clients may use besides 127.0.0.1, localhost and [::1] "
                                               "(repeatable; *.example.org for a domain). Others get 400.")] = None,
    write_token: Annotated[str | None, typer.Option(
        "--write-token", metavar="SECRET", envvar="ONRECORD_WRITE_TOKEN",
        help="Storing a paste needs this secret (form field write_token, or Authorization: Bearer SECRET); "
             "the only way to store on a --public server.")] = None,
    max_paste_bytes: Annotated[str, typer.Option("--max-paste-bytes", help="Largest paste or upload accepted, "
                                                                          "also once decompressed (e.g. 2MB, 500KB); "
                                                                          "larger is refused with 413.")] = "2MB",
    paste_workers: Annotated[int, typer.Option("--paste-workers", min=1, max=64,
                                               help="Worker processes reading and extracting pastes.")] = 2,
    paste_timeout: Annotated[float, typer.Option("--paste-timeout", min=1, metavar="SECONDS",
                                                 help="A paste taking longer has its worker killed (504).")] = 60.0,
    profile: ProfileOption = Profile.accurate,
    watch: Annotated[Path | None, typer.Option(
        "--watch", metavar="DIR", help="Ingest the files dropped in DIR (new or changed; folders within too) while "
                                       "serving, as `onrecord ingest DIR` would: the server then holds the ledger "
                                       "read-write, and no other process can open it.")] = None,
    watch_interval: Annotated[float, typer.Option("--watch-interval", min=0.1, metavar="SECONDS",
                                                  help="Seconds between two looks at the --watch folder.")] = 2.0,
    query_threads: Annotated[int, typer.Option("--query-threads", min=0, metavar="N",
                                               help="DuckDB threads for each query (0: every core). The server "
                                                    "computes one page per core at once, so 1 serves many "
                                                    "searches fastest.")] = 1,
    no_columns: Annotated[bool, typer.Option("--no-columns",
                                             help="Answer searches from SQL alone. By default the server holds every "
                                                  "statement's narrow columns in memory (about 35 bytes a statement, "
                                                  "read at start and again after writes), so that a search's order, "
                                                  "total and facets don't read the ledger's tables each time.")] = False,
    get: Annotated[str | None, typer.Option("--get", metavar="PATH", help="Print the page at PATH (e.g. /search.json?q=war) "
                                                                         "and exit, without starting a server.")] = None,
) -> None:
    """Browse and search the ledger in a web browser (read-only unless --watch; every page has a .json twin).

    Examples:
        onrecord serve --db ledger.duckdb
        onrecord serve --db ledger.duckdb --get "/search.json?q=ceasefire"
        onrecord serve --db ledger.duckdb --watch incoming/
        onrecord serve --host 0.0.0.0 --public --allowed-host news.example.org
    """
    from onrecord.serve import ServeOptions, create_app
    from onrecord.serve import get as get_page

    if get is None and not is_loopback(host) and not public:
        raise fail(f"refusing to listen on {host}: not a loopback address; pass --public to serve the ledger "
                   "to other machines")
    hosts = tuple(allowed_host or ())
    if host.strip("[]") not in WILDCARD_HOSTS and not is_loopback(host):
        hosts += (host if ":" not in host or host.startswith("[") else f"[{host}]",)  # the address listened on
    elif get is None and host.strip("[]") in WILDCARD_HOSTS and not allowed_host:
        raise fail(f"--host {host} listens on every address, but clients use a name: pass --allowed-host NAME "
                   "(the name or address they type) for each")
    if watch is not None:
        if get is not None:
            raise fail("--watch serves while it ingests; --get prints one page and exits: use one of them")
        if not watch.is_dir():
            raise fail(f"--watch {watch}: no such folder (create it, then drop the files to ingest in it)")
    limit = parse_size(max_paste_bytes)
    # --get prints a page without a paste, so the model is loaded (and checked) only for a server
    extract = ExtractOptions(profile=profile.value) if get is not None else engine_options(profile)
    if get is None:
        check_port_free(host, port)
    try:
        application = create_app(db, ServeOptions(max_paste_bytes=limit, extract=extract, paste_workers=paste_workers,
                                                  paste_timeout=paste_timeout, allowed_hosts=hosts, public=public,
                                                  write_token=write_token, watch=watch,
                                                  watch_interval=watch_interval,
                                                  query_threads=query_threads or None,
                                                  columns=not no_columns and get is None))
    except LedgerError as error:
        raise fail(str(error)) from None
    web = application.state.web
    if get is not None:
        if not get.startswith("/"):
            raise fail(f"--get takes a path starting with / (got {get!r})")
        try:
            status, _, body = get_page(application, get)
            if status >= 400:  # the page is printed; its reason also goes to stderr as one line
                message = json.loads(get_page(application, get, accept="application/json")[2]).get("error")
        finally:
            web.close()
        sys.stdout.write(body.decode("utf-8"))
        if not body.endswith(b"\n"):
            sys.stdout.write("\n")
        if status >= 400:
            typer.echo(f"error: {status}: {message}", err=True)
            raise typer.Exit(1)
        return
    import uvicorn

    from onrecord.serve.app import SERVER_SETTINGS

    storing = {"form_token": "stores from its own paste form", "write_token": "stores with the write token",
               "off": "storing off"}[web.store_mode]
    holding = "read-only" if watch is None else f"read-write, ingesting what is dropped in {watch}/,"
    typer.echo(f"serving {redacted(str(db))} {holding} at http://{host if ':' not in host else f'[{host}]'}:{port}/ "
               f"(paste limit {limit:,} bytes; {storing}; Ctrl-C to stop)", err=True)
    if watch is not None:  # each pass of the watcher, on one line (a failed one is a warning, shown anyway)
        import logging

        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        watch_log = logging.getLogger("onrecord.watch")
        watch_log.addHandler(handler)
        watch_log.setLevel(logging.INFO)
        watch_log.propagate = False
    try:
        uvicorn.run(application, host=host.strip("[]"), port=port, log_level="warning", **SERVER_SETTINGS)
    finally:
        web.close()

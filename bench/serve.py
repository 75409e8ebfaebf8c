"""The web UI under load: concurrent searches against a real `onrecord serve` on a ≥200,000-attribution ledger.

    .venv/bin/python bench/ledger.py --db /tmp/big.duckdb --keep     # once: builds the ledger (a few minutes)
    .venv/bin/python bench/serve.py --db /tmp/big.duckdb [--requests 200] [--concurrency 200]

1. draws --requests searches from bench/ledger.py's fixed query mix (random.Random(0): words, two
   words, "phrases", speakers, outlets, kinds, date ranges, anonymous, combinations), as URLs of the
   search page's JSON twin (`/search.json?q=...`) or, with --html, of the HTML page itself;
2. starts `onrecord serve --db DB` as its own process on a free loopback port (never another address)
   and waits until it answers;
3. sends 5 warm-up requests, then --warm-up (200) other searches of the mix two at a time, none of them
   measured (a load test measures the steady state: a server that has been answering has DuckDB's buffers
   filled, which a server just started fills during the burst — --warm-up 0 measures that), then all the
   searches at once from --concurrency connections, each on a connection of its own (a lean client: it
   shares the two cores with the server);
4. prints the latency of each request as the client saw it (median, p95, max), the wall time and
   throughput, the CPU seconds the server and the client used, and the errors (any answer but 200, or no
   answer): there must be none.
Figures are printed, not asserted.

    .venv/bin/python bench/serve.py --db /tmp/big.duckdb --breakdown 60

instead says where a search page's time goes, in this process, one search at a time (no server): the
statements (`Ledger.search`), the stems for highlighting, the total and facets (`Ledger.facets`), the
JSON and the HTML page rendered from the same data.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))  # runs from a checkout without installing the package

from onrecord.store import Ledger, StatementQuery

WARM_UP = 5
REQUEST_TIMEOUT = 120  # seconds: longer is an error
STARTUP_SECONDS = 60


def ledger_bench():
    """bench/ledger.py as a module: its query mix is the one searched here too."""
    spec = importlib.util.spec_from_file_location("ledger_bench", Path(__file__).with_name("ledger.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def search_url(query: StatementQuery, html: bool) -> str:
    """The search page (or its JSON twin) for a StatementQuery."""
    fields = {"q": query.text, "speaker": query.speaker, "outlet": query.outlet, "kind": query.kind,
              "since": query.since, "until": query.until, "anonymous": "1" if query.anonymous else None}
    params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items() if v}
    return ("/search" if html else "/search.json") + ("?" + urlencode(params) if params else "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db: Path, port: int, options: list[str] = ()) -> subprocess.Popen:
    """`onrecord serve` on loopback (with more `options`), as a user starts it; returns once it answers."""
    import httpx

    command = [sys.executable, "-m", "onrecord.cli", "serve", "--db", str(db), "--host", "127.0.0.1",
               "--port", str(port), "--profile", "rules", *options]
    # the server runs this checkout's code too, whatever onrecord the interpreter has installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO / "src"), os.environ.get("PYTHONPATH"))))}
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              cwd=REPO, start_new_session=True, env=env)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"error: the server stopped: {server.stderr.read().strip()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/.json", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"error: the server did not answer within {STARTUP_SECONDS} s")


async def get(host: str, port: int, url: str) -> int:
    """GET `url` over a connection of its own (HTTP/1.1, `Connection: close`); the answer's status.

    The load comes from the same two cores as the server's work, so the client must cost little: httpx's
    AsyncClient spent 3.0 s of CPU on 205 requests (15 ms each, a third of the machine during the run), this
    about 0.1 s. What it checks: a complete answer (its Content-Length, or the body up to the close)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {url} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode("ascii"))
        await writer.drain()
        answer = await reader.read()  # to the server's close
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next((int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:")), None)
    if length is not None and len(body) != length:
        raise ConnectionError(f"{len(body)} of {length} bytes")
    return status


async def warm(base: str, urls: list[str]) -> None:
    """GET the first WARM_UP of `urls` one at a time, then the others two at a time; nothing measured."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    for url in urls[:WARM_UP]:
        await get(host, int(port), url)
    pair = asyncio.Semaphore(2)

    async def one(url: str) -> None:
        async with pair:
            await get(host, int(port), url)

    await asyncio.gather(*(one(url) for url in urls[WARM_UP:]))


async def fire(base: str, urls: list[str], concurrency: int) -> tuple[list[tuple[float, int | str, str]], float]:
    """GET every URL, at most `concurrency` at a time; returns (ms, status or error, url) each, and the wall time."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    gate = asyncio.Semaphore(concurrency)

    async def one(url: str) -> tuple[float, int | str, str]:
        async with gate:
            began = time.perf_counter()
            try:
                outcome: int | str = await asyncio.wait_for(get(host, int(port), url), REQUEST_TIMEOUT)
            except (OSError, ValueError, IndexError, asyncio.TimeoutError) as error:
                outcome = type(error).__name__
            return (time.perf_counter() - began) * 1000, outcome, url

    began = time.perf_counter()
    results = await asyncio.gather(*(one(url) for url in urls))
    return list(results), time.perf_counter() - began


def page_cache(base: str) -> dict | None:
    """The server's page-cache figures (its /watch.json), or None from a server without them."""
    import httpx

    try:
        return httpx.get(f"{base}/watch.json", timeout=30).json().get("cache")
    except (httpx.HTTPError, ValueError):
        return None


def cpu_seconds(pid: int | None = None) -> float:
    """User and system CPU seconds of this process (None) or of the process `pid` (Linux /proc), so far."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def breakdown(db: Path, urls: list[str]) -> None:
    """Time each part of the search page for each URL (the mix, in order), one at a time; print the totals."""
    import json

    from starlette.datastructures import QueryParams
    from starlette.requests import Request

    from onrecord.serve.app import templates
    from onrecord.serve.pages import search_page
    from onrecord.serve.params import SearchParams

    parts = {"statements": 0.0, "stems": 0.0, "total and facets": 0.0, "the rest of the data": 0.0, "JSON": 0.0,
             "HTML page": 0.0}
    template = templates().get_template("search.html")
    with Ledger(db, read_only=True) as ledger:
        def timed(name: str, method):  # the ledger's own method, its time counted under `name`
            def call(*args, **kwargs):
                began = time.perf_counter()
                try:
                    return method(*args, **kwargs)
                finally:
                    parts[name] += time.perf_counter() - began
            return call

        ledger.search = timed("statements", ledger.search)
        ledger.stems = timed("stems", ledger.stems)
        ledger.facets = timed("total and facets", ledger.facets)
        for url in urls:
            path, _, query = url.partition("?")
            request = Request({"type": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                               "headers": [(b"host", b"127.0.0.1")], "scheme": "http", "root_path": "",
                               "server": ("127.0.0.1", 80)})
            began, ledger_seconds = time.perf_counter(), sum(parts.values())
            data = search_page(ledger, SearchParams.parse(QueryParams(query), 20), path)
            parts["the rest of the data"] += time.perf_counter() - began - (sum(parts.values()) - ledger_seconds)
            began = time.perf_counter()
            json.dumps(data)
            parts["JSON"] += time.perf_counter() - began
            began = time.perf_counter()
            template.render(request=request, json_url=url, **data)
            parts["HTML page"] += time.perf_counter() - began
    whole = sum(parts.values())
    print(f"{len(urls)} search pages, one at a time, in this process: {whole:.1f} s "
          f"({whole / len(urls) * 1000:.0f} ms a page)")
    for name, seconds in parts.items():
        print(f"  {name:<20} {seconds:7.2f} s  {seconds / whole:6.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="an existing ledger (bench/ledger.py --keep builds one)")
    parser.add_argument("--requests", type=int, default=200, help="searches to send (after 5 warm-up ones)")
    parser.add_argument("--concurrency", type=int, default=200, help="requests in flight at once")
    parser.add_argument("--warm-up", type=int, default=200, metavar="N",
                        help="searches sent first, two at a time and not measured, drawn from the mix apart from the "
                             "measured ones: the burst then meets the server as its users do once it has been "
                             "answering a while (DuckDB's buffers filled); 0 measures a server just started")
    parser.add_argument("--html", action="store_true", help="request the HTML search page instead of its JSON twin")
    parser.add_argument("--query-threads", type=int, metavar="N",
                        help="the server's DuckDB threads per query (onrecord serve --query-threads; 0: every core)")
    parser.add_argument("--breakdown", type=int, metavar="N", help="no server: time the parts of N search pages")
    args = parser.parse_args(argv)
    if not args.db.is_file():
        print(f"error: no ledger at {args.db} (build one: python bench/ledger.py --db {args.db} --keep)", file=sys.stderr)
        return 2
    with Ledger(args.db, read_only=True) as ledger:
        counts = ledger.counts()
        queries = ledger_bench().query_mix(ledger, WARM_UP + args.requests, random.Random(0))
        # the warm-up: another draw of the mix, none of the measured searches (a page answered once is kept)
        measured = {search_url(q, args.html) for q in queries}
        warm_up = [url for url in dict.fromkeys(search_url(q, args.html) for q in ledger_bench().query_mix(
            ledger, args.warm_up * 2, random.Random(1))) if url not in measured][:args.warm_up]
    urls = [search_url(q, args.html) for q in queries]
    if args.breakdown:
        breakdown(args.db, urls[WARM_UP:WARM_UP + args.breakdown])
        return 0
    print(f"ledger {args.db}: {counts['documents']:,} documents · {counts['attributions']:,} attributions · "
          f"{counts['speakers']:,} speakers" + ("" if counts["attributions"] >= 200_000 else "  (fewer than 200,000!)"))
    port = free_port()
    began = time.perf_counter()
    server = start_server(args.db, port, [] if args.query_threads is None else
                          ["--query-threads", str(args.query_threads)])
    print(f"onrecord serve on 127.0.0.1:{port}, answering after {time.perf_counter() - began:.1f} s; "
          f"{os.cpu_count()} CPU cores on this machine")
    try:
        asyncio.run(warm(f"http://127.0.0.1:{port}", urls[:WARM_UP] + warm_up))
        server_cpu, client_cpu = cpu_seconds(server.pid), cpu_seconds()
        results, wall = asyncio.run(fire(f"http://127.0.0.1:{port}", urls[WARM_UP:], args.concurrency))
        server_cpu, client_cpu = cpu_seconds(server.pid) - server_cpu, cpu_seconds() - client_cpu
        cache = page_cache(f"http://127.0.0.1:{port}")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    ms = [t for t, _, _ in results]
    errors = [(outcome, url) for _, outcome, url in results if outcome != 200]
    print(f"\n{len(results)} searches ({'HTML' if args.html else 'JSON'}), {args.concurrency} at once, after "
          f"{WARM_UP} + {len(warm_up)} warm-up searches, "
          f"in {wall:.1f} s ({len(results) / wall:.1f} requests/s)")
    print(f"latency median {statistics.median(ms):.0f} ms · p95 {percentile(ms, 0.95):.0f} ms · "
          f"max {max(ms):.0f} ms · min {min(ms):.0f} ms")
    print(f"errors {len(errors)}")
    print(f"CPU during the run: server {server_cpu:.1f} s, this client {client_cpu:.1f} s "
          f"(of {wall * (os.cpu_count() or 1):.1f} core-seconds)")
    if cache:
        print(f"server's page cache: {cache['misses']} pages computed, {cache['hits']} answered from the cache "
              "or from the same page in flight (warm-up included)")
    for outcome, url in errors[:10]:
        print(f"  {outcome}  {url}")
    print("slowest:")
    for t, _, url in sorted(results, reverse=True)[:3]:
        print(f"  {t:8.0f} ms  {url}")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())

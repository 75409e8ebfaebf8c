"""The web UI against issue 22's hostile requests, measured on a real `onrecord serve` in its own process.

    .venv/bin/python bench/serve_hostile.py [--pastes 100] [--paste-timeout 20]

1. builds a ledger in a temporary folder: the web UI's test fixtures and one generated document with
   6,821 attributions (the size of the issue's slow page), ingested with the rules profile;
2. starts `onrecord serve --profile rules` on a free loopback port (bench/serve.py's `start_server`);
3. measures, one after another:
   - the 50,000-attribute page (728 KB) uploaded, with a static file requested 5 times meanwhile:
     each static file's latency, and the upload's status and time (a 504 once its worker is killed);
   - --pastes concurrent 63 KB pastes, with a search sent 5 times meanwhile: the pastes' status codes and
     latencies, each search's latency;
   - the gzip bomb (a 1.46 MB `.txt.gz` expanding to 1.5 GB) uploaded: status, time to the answer, its
     body, and the peak resident memory (VmHWM) of the server and of its worker processes;
   - the 6,821-attribution document's page and its JSON twin: status and time.
Figures are printed, not asserted (the tests assert outcomes: tests/test_serve_hostile.py).
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import importlib.util
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "serve"
BIG_ATTRIBUTIONS = 6821
SAMPLES = 5  # requests sent while the hostile work is in flight, one every PAUSE seconds
PAUSE = 0.5


def serve_bench():
    """bench/serve.py as a module: its server start and free port are used here too."""
    spec = importlib.util.spec_from_file_location("serve_bench", Path(__file__).with_name("serve.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hostile_page() -> bytes:
    """Issue 22's page: 728 KB, one element holding 50,000 attributes."""
    names = " ".join(f'a{i}="{i}"' for i in range(50_000))
    return f"<html><body><article><p {names}>Ann Lee said the plan was ready.</p></article></body></html>".encode()


def article(size: int) -> str:
    """A news-like text of about `size` bytes: quotes, speakers, reporting verbs."""
    names = ("Ruth Adler", "Ann Lee", "Dmitry Peskov", "Lena Ortiz", "a spokesman")
    lines, total, n = [], 0, 0
    while total < size:
        line = f"“Plan {n} is ready and the budget is balanced,” {names[n % len(names)]} said on Monday."
        lines.append(line)
        total += len(line.encode()) + 2
        n += 1
    return "\n\n".join(lines)


def gzip_bomb() -> bytes:
    """Issue 22's bomb: ~1.46 MB of gzip (150 members of 10 MB each) expanding to 1.5 GB."""
    return gzip.compress(b"a" * 10_000_000, compresslevel=9) * 150


def build_ledger(folder: Path) -> Path:
    """The serve fixtures and one big generated document, ingested into folder/ledger.duckdb (rules profile)."""
    corpus = folder / "corpus"
    corpus.mkdir()
    for fixture in FIXTURES.iterdir():
        (corpus / fixture.name).write_bytes(fixture.read_bytes())
    lines = [f"“Item {n} is settled,” Ann Lee said." for n in range(BIG_ATTRIBUTIONS)]
    (corpus / "big.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "ledger.duckdb"
    subprocess.run([sys.executable, "-m", "onrecord.cli", "ingest", str(corpus), "--db", str(db), "--profile", "rules"],
                   check=True, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return db


def memory_kb(pid: int) -> dict[str, int]:
    """A process's resident memory now (VmRSS) and at its peak (VmHWM), in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def children(pid: int) -> list[int]:
    """The ids of a process's child processes (the paste workers, multiprocessing's resource tracker), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


async def timed(coroutine) -> tuple[float, object]:
    began = time.perf_counter()
    result = await coroutine
    return time.perf_counter() - began, result


async def meanwhile(client, url: str) -> list[float]:
    """GET `url` SAMPLES times, PAUSE seconds apart (after a first pause); the latency of each."""
    latencies = []
    for _ in range(SAMPLES):
        await asyncio.sleep(PAUSE)
        seconds, response = await timed(client.get(url))
        assert response.status_code == 200, (url, response.status_code)
        latencies.append(seconds)
    return latencies


async def measure(base: str, pastes: int, server_pid: int) -> None:
    import httpx

    limits = httpx.Limits(max_connections=pastes + 20, max_keepalive_connections=pastes + 20)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=600) as client:
        await client.post("/paste.json", data={"text": article(500)})  # the workers start and load
        print("\n1. the 50,000-attribute page (728 KB) uploaded, /static/style.css requested meanwhile")
        upload = asyncio.ensure_future(timed(client.post("/paste.json", files={
            "file": ("page.html", hostile_page(), "text/html")})))
        statics = await meanwhile(client, "/static/style.css")
        seconds, response = await upload
        print(f"   static file: {', '.join(ms(s) for s in statics)} (max {ms(max(statics))})")
        print(f"   upload: {response.status_code} after {ms(seconds)}: {response.json().get('error', 'ok')}")

        print(f"\n2. {pastes} pastes of 63 KB at once, /search.json?q=border requested meanwhile")
        text = article(63_000)
        flood = asyncio.ensure_future(asyncio.gather(*(timed(client.post("/paste.json", data={"text": text}))
                                                       for _ in range(pastes))))
        searches = await meanwhile(client, "/search.json?q=border")
        answers = await flood
        statuses = Counter(r.status_code for _, r in answers)
        by_status = {status: [s for s, r in answers if r.status_code == status] for status in statuses}
        print(f"   search: {', '.join(ms(s) for s in searches)} (max {ms(max(searches))})")
        print("   pastes: " + "; ".join(f"{n} × {status} (median {ms(statistics.median(by_status[status]))}, "
                                         f"max {ms(max(by_status[status]))})" for status, n in sorted(statuses.items())))
        busy = next((r for _, r in answers if r.status_code == 503), None)
        if busy is not None:
            print(f"   a 503 says: {busy.json()['error']} (Retry-After: {busy.headers.get('retry-after')})")

        print("\n3. the gzip bomb (1.46 MB .txt.gz → 1.5 GB) uploaded")
        bomb = gzip_bomb()
        before = memory_kb(server_pid)
        seconds, response = await timed(client.post("/paste.json", files={"file": ("bomb.txt.gz", bomb, "application/gzip")}))
        after = memory_kb(server_pid)
        workers = [("resource tracker" if b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
                    else "paste worker", memory_kb(pid)) for pid in children(server_pid)]
        print(f"   {len(bomb) / 1e6:.2f} MB sent: {response.status_code} after {ms(seconds)}: {response.json()['error']}")
        print(f"   server RSS {before['VmRSS'] / 1000:.0f} MB before, {after['VmRSS'] / 1000:.0f} MB after, "
              f"peak {after['VmHWM'] / 1000:.0f} MB; its child processes' peaks: "
              + ", ".join(f"{m['VmHWM'] / 1000:.0f} MB ({name})" for name, m in workers))

        print(f"\n4. a document with {BIG_ATTRIBUTIONS:,} attributions")
        for url in ("/documents/big", "/documents/big.json"):
            seconds, response = await timed(client.get(url))
            print(f"   {url}: {response.status_code}, {len(response.content) / 1e6:.1f} MB in {ms(seconds)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pastes", type=int, default=100, help="pastes sent at once in the flood")
    parser.add_argument("--paste-timeout", type=float, default=20, help="the server's --paste-timeout (seconds)")
    args = parser.parse_args(argv)
    bench = serve_bench()
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        db = build_ledger(Path(folder))
        print(f"ledger with the serve fixtures and a {BIG_ATTRIBUTIONS:,}-attribution document built in "
              f"{time.perf_counter() - began:.1f} s; {os.cpu_count()} CPU cores on this machine")
        port = bench.free_port()
        server = bench.start_server(db, port, ["--paste-timeout", f"{args.paste_timeout:g}"])
        print(f"onrecord serve on 127.0.0.1:{port} (pid {server.pid}; rules profile, 2 paste workers, queue 4, "
              f"paste timeout {args.paste_timeout:g} s)")
        try:
            asyncio.run(measure(f"http://127.0.0.1:{port}", args.pastes, server.pid))
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())

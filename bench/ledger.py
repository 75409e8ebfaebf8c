"""The ledger at scale: ingest throughput, then search latency on a ledger grown to 200,000 attributions.

    .venv/bin/python bench/ledger.py [--data ../shared/data/polnear] [--profile accurate] [--target 200000]

1. writes PolNeAR train+dev as one JSONL corpus in a temp folder (id, text, outlet, date, title, author
   from metadata.tsv), so the ledger holds real outlets and dates;
2. ingests it end to end into a fresh ledger: docs/s, and the share of the run spent in the database;
3. grows the ledger to --target attributions by storing the documents again under new ids
   (`{id}~r{n}`, published n weeks later), without extracting again, then refreshes it (speaker
   unification and the full-text index): write throughput and the refresh's time;
4. times --queries searches (a fixed mix drawn with random.Random(0): words, two words, "phrases",
   speaker, outlet, kind, date range, anonymous, and combinations; limit 20) on the ledger opened
   read-only, as `onrecord search` opens it, after 5 warm-up searches: median, p95, max, the slowest 3;
   and one `onrecord search` command, cold start included.
`--db postgresql://USER@HOST/DB` runs the same steps on a PostgreSQL ledger (an empty database).
Figures are printed, not asserted; the last table says whether the search median is ≤ 100 ms.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))  # runs from a checkout without installing the package

from onrecord.document import KINDS  # noqa: E402
from onrecord.options import ExtractOptions  # noqa: E402
from onrecord.run import IngestOptions, ingest  # noqa: E402
from onrecord.store import Ledger, StatementQuery  # noqa: E402
from onrecord.store.backend import ledger_location, open_ledger  # noqa: E402
from onrecord.store.postgres import is_server_url, redacted  # noqa: E402
from onrecord.store.rows import attribution_rows, document_row, parse_date  # noqa: E402

SPLITS = ("train", "dev")
REPLICA = "~r"  # replica n of document X is stored as X~r{n}
WRITE_BATCH = 256  # documents per write_rows transaction while growing
WARM_UP = 5
MEDIAN_GOAL_MS = 100.0  # the acceptance line: search median ≤ 100 ms at ≥ 200,000 attributions
WORD = re.compile(r"[A-Za-z]{5,}")
STOPWORDS = frozenset({  # words of five letters or more that say nothing about a statement
    "about", "after", "again", "against", "being", "because", "before", "between", "could", "their", "there",
    "these", "those", "through", "under", "until", "where", "which", "while", "would", "should", "other",
    "every", "never", "still", "think", "going", "really", "people", "years"})


def section(title: str) -> None:
    print(f"\n== {title}")


def write_corpus(data: Path, out: Path) -> int:
    """One JSON line per PolNeAR train/dev article, with its outlet, date, title and author; returns lines."""
    written = 0
    with open(data / "metadata.tsv", encoding="utf-8") as tsv, open(out, "w", encoding="utf-8") as jsonl:
        for row in csv.DictReader(tsv, delimiter="\t"):
            if row["compartment"] not in SPLITS:
                continue
            path = data / row["compartment"] / "text" / f"{row['filename']}.txt"
            if not path.is_file():
                continue
            record = {"id": row["filename"], "text": path.read_text("utf-8"), "outlet": row["publisher"],
                      "date": row["publication_date"], "title": row["title"], "author": row["author"]}
            jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return written


def shifted(published: str | None, weeks: int) -> str | None:
    """The published date `weeks` later (ISO), or the value unchanged when it holds no date."""
    day = parse_date(published)
    return (day + timedelta(weeks=weeks)).isoformat() if day else published


def grow(ledger: Ledger, target: int) -> dict:
    """Store replicas of every document until the ledger holds `target` attributions; then refresh."""
    stored = ledger.document_hashes()
    originals = sorted(doc_id for doc_id in stored if REPLICA not in doc_id)
    began = time.perf_counter()
    documents = [ledger.document(doc_id) for doc_id in originals]
    read_seconds = time.perf_counter() - began
    per_copy = sum(len(doc.attributions) for doc in documents)
    have = ledger.counts()["attributions"]
    copies = max(0, math.ceil((target - have) / per_copy)) if per_copy else 0
    documents_rows: list[dict] = []
    attributions_rows: list[dict] = []
    written_docs = written_attributions = 0
    write_seconds = 0.0

    def flush() -> None:
        nonlocal write_seconds, written_attributions
        began = time.perf_counter()
        written_attributions += ledger.write_rows(documents_rows, attributions_rows)
        write_seconds += time.perf_counter() - began
        documents_rows.clear()
        attributions_rows.clear()

    for n in range(1, copies + 1):
        for doc in documents:
            digest, pipeline = stored[doc.doc_id]
            copy = replace(doc, doc_id=f"{doc.doc_id}{REPLICA}{n}",
                           metadata=replace(doc.metadata, published=shifted(doc.metadata.published, n)))
            documents_rows.append(document_row(copy, None, digest, pipeline))
            attributions_rows.extend(attribution_rows(copy))
            written_docs += 1
            if len(documents_rows) >= WRITE_BATCH:
                flush()
    if documents_rows:
        flush()
    began = time.perf_counter()
    ledger.refresh()
    refresh_seconds = time.perf_counter() - began
    return {"originals": len(documents), "read_seconds": read_seconds, "copies": copies,
            "written_docs": written_docs, "written_attributions": written_attributions,
            "write_seconds": write_seconds, "refresh_seconds": refresh_seconds, "counts": ledger.counts()}


def query_mix(ledger: Ledger, count: int, rng: random.Random) -> list[StatementQuery]:
    """`count` searches of every shape, each drawn from one stored statement (its words, speaker, outlet, date)."""
    rows = ledger.connection.execute(
        "SELECT a.content_text, a.kind, a.speaker_type, a.speaker_name, m.speaker_id, d.outlet, d.published_date "
        "FROM attributions a JOIN documents d USING (doc_id) LEFT JOIN speaker_mentions m USING (mention_key) "
        f"WHERE a.doc_id NOT LIKE '%{REPLICA}%' ORDER BY a.attribution_id").fetchall()
    named = [r for r in rows if r[3] and r[2] == "person"]
    anonymous = [r for r in rows if r[2] == "anonymous"]

    def word(content: str) -> str:  # drawn by frequency in the statements, as people search
        words = [w for w in WORD.findall(content) if w.lower() not in STOPWORDS]
        return rng.choice(words).lower() if words else "said"

    def two_words(content: str) -> str:
        words = sorted({w for w in WORD.findall(content) if w.lower() not in STOPWORDS})
        return " ".join(rng.sample(words, 2)) if len(words) >= 2 else word(content)

    def phrase(content: str) -> str:
        words = [w.strip('"“”') for w in content.split()]
        start = rng.randrange(max(1, len(words) - 2))
        return '"' + " ".join(words[start:start + 3]) + '"'

    def speaker(row: tuple) -> str:  # half by speaker id, half by surname (a substring of the names)
        return row[4] if row[4] and rng.random() < 0.5 else row[3].split()[-1]

    def window(row: tuple) -> dict:
        days = rng.choice((7, 30, 90))
        since = (row[6] or date(2016, 1, 1)) - timedelta(days=rng.randrange(days))
        return {"since": since, "until": since + timedelta(days=days)}

    shapes = [  # (the statements to draw from, the search built from the one drawn)
        (rows, lambda r: StatementQuery(text=word(r[0]))),
        (rows, lambda r: StatementQuery(text=two_words(r[0]))),
        (rows, lambda r: StatementQuery(text=phrase(r[0]))),
        (rows, lambda r: StatementQuery(speaker=rng.choice(("Clinton", "Trump")))),
        (named, lambda r: StatementQuery(speaker=speaker(r))),
        (named, lambda r: StatementQuery(text=word(r[0]), speaker=speaker(r))),
        (rows, lambda r: StatementQuery(outlet=r[5])),
        (rows, lambda r: StatementQuery(outlet=r[5], kind=r[1])),
        (rows, lambda r: StatementQuery(**window(r))),
        (rows, lambda r: StatementQuery(text=word(r[0]), **window(r))),
        (rows, lambda r: StatementQuery(anonymous=True)),
        (anonymous, lambda r: StatementQuery(text=word(r[0]), outlet=r[5], anonymous=True)),
        (named, lambda r: StatementQuery(speaker=speaker(r), kind=r[1], since=window(r)["since"])),
        (rows, lambda r: StatementQuery(text=two_words(r[0]), outlet=r[5], kind=r[1])),
        (rows, lambda r: StatementQuery(text=word(r[0]), kind=rng.choice(KINDS))),  # may find nothing, as searches do
    ]
    shapes = [(pool, build) for pool, build in shapes if pool]  # a ledger may hold no anonymous source
    return [build(rng.choice(pool)) for pool, build in (shapes[i % len(shapes)] for i in range(count))]


def describe(query: StatementQuery) -> str:
    """The fields a query sets, on one line."""
    default = StatementQuery()
    return " ".join(f"{name}={value!r}" if not isinstance(value, date) else f"{name}={value.isoformat()}"
                    for name, value in query.__dict__.items() if value != getattr(default, name))


def time_searches(db: Path, count: int) -> dict:
    """Open the ledger read-only, warm up, then time `count` searches of the seeded mix."""
    began = time.perf_counter()
    ledger = open_ledger(db, read_only=True)
    open_seconds = time.perf_counter() - began
    with ledger:
        queries = query_mix(ledger, WARM_UP + count, random.Random(0))
        for query in queries[:WARM_UP]:
            ledger.search(query)
        timings = []
        for query in queries[WARM_UP:]:
            began = time.perf_counter()
            found = ledger.search(query)
            timings.append(((time.perf_counter() - began) * 1000, len(found), query))
    ms = sorted(t for t, _, _ in timings)
    return {"open_seconds": open_seconds, "median": statistics.median(ms),
            "p95": ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)], "max": ms[-1],
            "empty": sum(1 for _, hits, _ in timings if hits == 0), "count": len(ms),
            "slowest": sorted(timings, key=lambda t: -t[0])[:3]}


def time_cli(db: Path, text: str) -> tuple[float, int]:
    """Seconds of one `onrecord search TEXT --db DB --format jsonl` command (cold start included), and its exit code."""
    command = Path(sys.executable).parent / "onrecord"
    if not command.is_file():
        command = Path(shutil.which("onrecord") or "onrecord")
    began = time.perf_counter()
    done = subprocess.run([str(command), "search", text, "--db", str(db), "--limit", "20", "--format", "jsonl"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    return time.perf_counter() - began, done.returncode


def ledger_megabytes(ledger: Ledger) -> float:
    """The ledger's size on disk: its file, or its PostgreSQL database (indexes included)."""
    if is_server_url(str(ledger.path)):
        return ledger.connection.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6
    return ledger.path.stat().st_size / 1e6


def main(argv: list[str] | None = None) -> int:
    """Run the four steps and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "polnear",
                        help="PolNeAR folder holding metadata.tsv and the split folders (default: ../shared/data/polnear)")
    parser.add_argument("--profile", default="accurate", help="extraction profile of the ingest (default: accurate)")
    parser.add_argument("--target", type=int, default=200_000, help="attributions to grow the ledger to")
    parser.add_argument("--db", type=ledger_location,
                        help="the ledger file to create (default: a temp file), or an empty PostgreSQL database's URL")
    parser.add_argument("--keep", action="store_true", help="keep the ledger file after the run")
    parser.add_argument("--queries", type=int, default=100, help="searches to time (after 5 warm-up ones)")
    args = parser.parse_args(argv)
    if not (args.data / "metadata.tsv").is_file():
        print(f"error: no PolNeAR metadata.tsv in {args.data}", file=sys.stderr)
        return 2
    if isinstance(args.db, Path) and args.db.exists():
        print(f"error: {args.db} exists; the bench needs a fresh ledger (remove it or choose another --db)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-ledger-") as folder:
        db = args.db or Path(folder) / "ledger.duckdb"
        try:
            return run(args, Path(folder), db)
        finally:
            if args.keep:
                print(f"\nledger kept at {redacted(str(db))}" if args.db else "\n--keep needs --db (a temp ledger goes with its folder)")
            elif isinstance(db, Path) and args.db and db.exists():
                db.unlink()
                Path(f"{db}.wal").unlink(missing_ok=True)


def run(args: argparse.Namespace, folder: Path, db: Path) -> int:
    """The four steps; returns the exit code."""
    section("1. corpus")
    corpus = folder / "polnear.jsonl"
    lines = write_corpus(args.data, corpus)
    print(f"{lines} PolNeAR {'+'.join(SPLITS)} articles → {corpus} ({corpus.stat().st_size / 1e6:.1f} MB)")

    section(f"2. ingest, end to end (--profile {args.profile})")
    with open_ledger(db) as ledger:
        if ledger.counts()["documents"]:
            print(f"error: {ledger.path} holds documents; the bench needs a fresh ledger", file=sys.stderr)
            return 2
        report = ingest(ledger, [corpus], IngestOptions(extract=ExtractOptions(profile=args.profile)))
        print(f"documents {report.processed} (skipped {sum(report.stats.skipped.values())}) · attributions {report.attributions} · "
              f"{report.elapsed:.1f} s · {report.docs_per_second:.1f} docs/s end to end")
        db_share = report.database_seconds / report.elapsed if report.elapsed else 0.0
        print(f"database (batch writes + refresh): {report.database_seconds:.2f} s, {db_share:.1%} of the run")

        section(f"3. grow to ≥ {args.target:,} attributions (replicas, no extraction)")
        grown = grow(ledger, args.target)
        size = ledger_megabytes(ledger)
    counts = grown["counts"]
    write_docs_s = grown["written_docs"] / grown["write_seconds"] if grown["write_seconds"] else 0.0
    write_attr_s = grown["written_attributions"] / grown["write_seconds"] if grown["write_seconds"] else 0.0
    print(f"read back {grown['originals']} documents in {grown['read_seconds']:.1f} s; "
          f"wrote {grown['copies']} replicas of each: {grown['written_docs']:,} documents, "
          f"{grown['written_attributions']:,} attributions in {grown['write_seconds']:.1f} s "
          f"({write_docs_s:,.0f} docs/s, {write_attr_s:,.0f} attributions/s; batches of {WRITE_BATCH})")
    print(f"refresh (speaker unification + full-text index): {grown['refresh_seconds']:.1f} s")
    print(f"ledger: {counts['documents']:,} documents · {counts['attributions']:,} attributions · "
          f"{counts['speakers']:,} speakers · {size:.0f} MB")

    section(f"4. search latency ({args.queries} searches after {WARM_UP} warm-up, limit 20, read-only)")
    timed = time_searches(db, args.queries)
    print(f"opened read-only in {timed['open_seconds'] * 1000:.0f} ms")
    print(f"median {timed['median']:.1f} ms · p95 {timed['p95']:.1f} ms · max {timed['max']:.1f} ms · "
          f"{timed['empty']} of {timed['count']} found nothing")
    print("slowest:")
    for ms, hits, query in timed["slowest"]:
        print(f"  {ms:8.1f} ms  {hits:2d} hits  {describe(query)}")
    cli_seconds, cli_code = time_cli(db, "health")
    print(f"`onrecord search health --db … --format jsonl`, a fresh process: {cli_seconds:.2f} s"
          + ("" if cli_code == 0 else f" (exit {cli_code})"))

    section("summary")
    rows = [
        ("ingest: documents", f"{report.processed}"),
        ("ingest: attributions", f"{report.attributions:,}"),
        (f"ingest: docs/s end to end ({args.profile})", f"{report.docs_per_second:.1f}"),
        ("ingest: database share of the run", f"{db_share:.1%}"),
        ("grow: attributions reached", f"{counts['attributions']:,}"),
        ("grow: write docs/s · attributions/s", f"{write_docs_s:,.0f} · {write_attr_s:,.0f}"),
        ("grow: refresh seconds", f"{grown['refresh_seconds']:.1f}"),
        ("search: median ms", f"{timed['median']:.1f}"),
        ("search: p95 ms", f"{timed['p95']:.1f}"),
        ("search: max ms", f"{timed['max']:.1f}"),
        ("onrecord search (cold process) s", f"{cli_seconds:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>14}")
    holds = timed["median"] <= MEDIAN_GOAL_MS and counts["attributions"] >= args.target
    print(f"search median ≤ {MEDIAN_GOAL_MS:.0f} ms at ≥ {args.target:,} attributions: {'yes' if holds else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

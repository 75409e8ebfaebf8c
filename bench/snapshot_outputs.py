"""Write every profile's JSONL output over a corpus, to compare two versions of onrecord byte for byte.

Run: python bench/snapshot_outputs.py OUT_DIR [--profiles accurate,fast,precise,rules]
     [--inputs ../shared/data/polnear/train/text ../shared/data/polnear/dev/text ../shared/examples/seed-article.txt]
then, after a change, into another folder, and `cmp` (or `diff -r`) the two folders. A refactor that
claims "behaviour unchanged" must leave every file identical.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEFAULT_INPUTS = [SHARED / "data/polnear/train/text", SHARED / "data/polnear/dev/text",
                  SHARED / "examples/seed-article.txt"]


def main() -> None:
    """Run `onrecord extract --format jsonl` per profile into OUT_DIR/PROFILE.jsonl and print each file's SHA-256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--profiles", default="accurate,fast,precise,rules")
    parser.add_argument("--inputs", nargs="+", type=Path, default=DEFAULT_INPUTS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for profile in args.profiles.split(","):
        target = args.out / f"{profile}.jsonl"
        with target.open("wb") as out:
            subprocess.run([sys.executable, "-m", "onrecord.cli", "extract", *map(str, args.inputs),
                            "--format", "jsonl", "--profile", profile, "--quiet", "--timeout", "0"],
                           stdout=out, check=True)
        print(f"{profile}\t{hashlib.sha256(target.read_bytes()).hexdigest()}\t{target}")


if __name__ == "__main__":
    main()

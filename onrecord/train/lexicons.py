"""Mine the cue lexicon and the source-head lexicon from a PolNeAR-style training folder.

Run: python -m onrecord.train.lexicons --data ../shared/data/polnear/train
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from onrecord.evaluate.brat import read_folder
from onrecord.extract.tokens import tokenize

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Function words are parts of multi-word cues ("has said", "according to"), never cues on their own.
FUNCTION_WORDS = frozenset(
    """to has of a on about is for in the have also was are not with been out had as at an by his against were
    would did be will made it and from that more up over now back no first her still like just even last their
    could so off later this they he she i we you them him my our its it's it’s""".split()
)
MIN_CUE_COUNT, MIN_CUE_SHARE = 3, 0.3
MIN_HEAD_COUNT = 2


def mine(train_dir: Path) -> tuple[dict, dict]:
    """Count, per lower-case word form, how often it lies in a gold cue / ends a gold source."""
    seen, in_cue, heads = Counter(), Counter(), Counter()
    for gold in read_folder(train_dir):
        cue_chars = set()
        for a in gold.attributions:
            if a.cue:
                for s, e in a.cue.spans:
                    cue_chars.update(range(s, e))
            if a.source:
                words = [t for t in tokenize(a.source.text) if t.is_word]
                if words:
                    heads[words[-1].lower] += 1
        for tok in tokenize(gold.text):
            # capitalised forms are names or sentence starts ("United States", "Says"): only lower case counts
            if tok.text != tok.lower:
                continue
            seen[tok.lower] += 1
            if tok.start in cue_chars:
                in_cue[tok.lower] += 1
    cues = {
        w: [c, seen[w]] for w, c in in_cue.most_common()
        if c >= MIN_CUE_COUNT and c / seen[w] >= MIN_CUE_SHARE and w not in FUNCTION_WORDS
        and w[0].isalpha() and not w.endswith("ly")  # adverbs modify cues, they don't head them
    }
    source_heads = {w: c for w, c in heads.most_common() if c >= MIN_HEAD_COUNT and w[0].isalpha()}
    return cues, source_heads


def main(argv: list[str] | None = None) -> None:
    """Write onrecord/data/cue_lexicon.json and source_heads.json from the training folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/polnear/train"))
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    cues, heads = mine(args.data)
    (args.out / "cue_lexicon.json").write_text(json.dumps(
        {"name": "onrecord.cue_lexicon.v1", "built_from": str(args.data.name),
         "about": "word form -> [times inside a gold Cue span, lower-case occurrences]", "cues": cues},
        ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    (args.out / "source_heads.json").write_text(json.dumps(
        {"name": "onrecord.source_heads.v1", "built_from": str(args.data.name),
         "about": "last word of gold Source spans -> count", "heads": heads},
        ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(cues)} cue forms, {len(heads)} source heads → {args.out}")


if __name__ == "__main__":
    main()

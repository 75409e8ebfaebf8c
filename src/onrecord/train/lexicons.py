"""Mine the cue lexicon and the source-head lexicon from a PolNeAR-style training folder.

Run: python -m onrecord.train.lexicons --data ../shared/data/polnear/train
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from onrecord.evaluate.brat import read_folder
from onrecord.text.cues import load_cue_lexicon, load_source_heads
from onrecord.text.tokens import tokenize

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Function words are parts of multi-word cues ("has said", "according to"), never cues on their own.
FUNCTION_WORDS = frozenset(
    """to has of a on about is for in the have also was are not with been out had as at an by his against were
    would did be will made it and from that more up over now back no first her still like just even last their
    could so off later this they he she i we you them him my our its it's it’s""".split()
)
MIN_CUE_COUNT, MIN_CUE_SHARE = 3, 0.3
MIN_HEAD_COUNT = 2
# A cue form whose frames are mostly wrong on train ("expected", "appeared") is pruned.
PRUNE_MIN_PREDICTED, PRUNE_MAX_PRECISION = 5, 0.35


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


def cue_precision(train_dir: Path) -> dict[str, tuple[int, int]]:
    """Run the engine on the training folder: per cue form, (predictions that count, predictions)."""
    from onrecord.evaluate.harness import evaluate_folder
    from onrecord.evaluate.scorer import HEADLINE_CONTENT_F1, pair_attributions, role_tokens, token_f1

    report = evaluate_folder(train_dir)
    tally: dict[str, list[int]] = {}
    for gold, predicted in report.documents:
        g = [role_tokens(a, gold.text) for a in gold.attributions]
        p = [role_tokens(a, predicted.text) for a in predicted.attributions]
        good = {pi for gi, pi in pair_attributions(g, p)
                if token_f1(g[gi].content, p[pi].content) >= HEADLINE_CONTENT_F1
                and (g[gi].source & p[pi].source or not (g[gi].source or p[pi].source))}
        for pi, attribution in enumerate(predicted.attributions):
            if attribution.cue is None:
                continue
            form = attribution.cue.text.lower().split()[-1]
            counts = tally.setdefault(form, [0, 0])
            counts[0] += pi in good
            counts[1] += 1
    return {form: (c[0], c[1]) for form, c in tally.items()}


def write_cue_lexicon(out: Path, cues: dict, pruned: dict, built_from: str) -> None:
    """Write the cue lexicon file the engine loads (onrecord.cue_lexicon.v1)."""
    (out / "cue_lexicon.json").write_text(json.dumps(
        {"name": "onrecord.cue_lexicon.v1", "built_from": built_from,
         "about": "cues: word form -> [times inside a gold Cue span, lower-case occurrences]; "
                  "pruned: forms whose frames were mostly wrong on train -> [right, predicted]",
         "cues": cues, "pruned": pruned},
        ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Write onrecord/data/cue_lexicon.json and source_heads.json from the training folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/polnear/train"))
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    cues, heads = mine(args.data)
    (args.out / "source_heads.json").write_text(json.dumps(
        {"name": "onrecord.source_heads.v1", "built_from": str(args.data.name),
         "about": "last word of gold Source spans -> count", "heads": heads},
        ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    # two passes: the engine runs with the unpruned lexicon, then forms with poor frames are pruned
    write_cue_lexicon(args.out, cues, {}, args.data.name)
    load_cue_lexicon.cache_clear()
    load_source_heads.cache_clear()
    pruned = {form: [right, n] for form, (right, n) in sorted(cue_precision(args.data).items())
              if n >= PRUNE_MIN_PREDICTED and right / n < PRUNE_MAX_PRECISION and form in cues}
    write_cue_lexicon(args.out, cues, pruned, args.data.name)
    load_cue_lexicon.cache_clear()
    print(f"{len(cues)} cue forms ({len(pruned)} pruned), {len(heads)} source heads → {args.out}")


if __name__ == "__main__":
    main()

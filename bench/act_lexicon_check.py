"""Check the act lexicon against PolNeAR's cues: the most frequent gold cues, each with its act and the word
that decided it, and the share of attributions each act and each way of deciding takes.

    python bench/act_lexicon_check.py --gold ../shared/data/polnear/train --top 60
"""
from __future__ import annotations

import argparse
from collections import Counter

from onrecord.evaluate.brat import read_folder
from onrecord.text.acts import explain_act


def main() -> None:
    """Print the table and the shares."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", required=True, help="a PolNeAR-style folder (text/, attributions/)")
    parser.add_argument("--top", type=int, default=60, help="how many of the most frequent cues to list")
    parser.add_argument("--unknown", type=int, default=30, help="how many cues the lexicon doesn't know to list")
    args = parser.parse_args()
    cues: Counter = Counter()
    for doc in read_folder(args.gold):
        cues.update(" ".join(a.cue.text.lower().split()) if a.cue else "" for a in doc.attributions)
    total = sum(cues.values())
    acts, decided = Counter(), Counter()
    for cue, n in cues.items():
        act, why = explain_act(cue)
        acts[act] += n
        decided[why if why in ("no cue word", "not in the lexicon") else "a lexicon word"] += n
    print(f"{total} attributions, {len(cues)} distinct cues")
    print("by act: " + ", ".join(f"{act} {n / total:.1%}" for act, n in acts.most_common()))
    print("decided by: " + ", ".join(f"{why} {n / total:.1%}" for why, n in decided.most_common()))
    print(f"\n{'count':>6}  {'act':8} {'decided by':18} cue")
    for cue, n in cues.most_common(args.top):
        act, why = explain_act(cue)
        print(f"{n:6}  {act:8} {why:18} {cue or '(none)'}")
    unknown = [(cue, n) for cue, n in cues.most_common() if explain_act(cue)[1] == "not in the lexicon"]
    print(f"\nnot in the lexicon (thought), most frequent {args.unknown}:")
    print(", ".join(f"{cue} {n}" for cue, n in unknown[: args.unknown]))


if __name__ == "__main__":
    main()

"""The cue lexicon: which words signal an attribution, and how reliably (mined from PolNeAR train)."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

DEFAULT_LEXICON = "onrecord.cue_lexicon.v1"

# Verbs whose object is the addressee ("told reporters that ..."), not the content.
ADDRESSEE_VERBS = frozenset(
    "told tell tells telling asked ask asks asking warned warning assured assuring informed "
    "reminded reminding urged urging promised promising briefed".split()
)
# Verbs that open a secondary clause of the same speaker after a comma ("..., adding that ...").
CONTINUATION_CUES = frozenset("adding saying noting arguing suggesting telling explaining calling citing insisting".split())


@lru_cache(maxsize=4)
def load_cue_lexicon(name: str = DEFAULT_LEXICON) -> dict[str, float]:
    """Word form -> probability that it is a cue in news text, from the packaged lexicon file."""
    if name != DEFAULT_LEXICON:
        raise ValueError(f"[E001] Unknown cue lexicon '{name}'. Available: {DEFAULT_LEXICON}")
    raw = json.loads(resources.files("onrecord.data").joinpath("cue_lexicon.json").read_text("utf-8"))
    pruned = raw.get("pruned", {})
    return {form: in_cue / seen for form, (in_cue, seen) in raw["cues"].items() if form not in pruned}


@lru_cache(maxsize=1)
def load_source_heads() -> frozenset[str]:
    """Lower-case words that end sources in news text ("officials", "he", "campaign"), mined from PolNeAR train."""
    raw = json.loads(resources.files("onrecord.data").joinpath("source_heads.json").read_text("utf-8"))
    return frozenset(raw["heads"])

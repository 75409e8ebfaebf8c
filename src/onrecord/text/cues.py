"""The cue lexicon: which words signal an attribution, and how reliably (mined from PolNeAR train)."""
from __future__ import annotations

from functools import lru_cache

from onrecord.data import load_json
from onrecord.errors import Errors

DEFAULT_LEXICON = "onrecord.cue_lexicon.v1"

# Verbs whose object is the addressee ("told reporters that ..."), not the content.
ADDRESSEE_VERBS = frozenset(
    "told tell tells telling asked ask asks asking warned warning assured assuring informed "
    "reminded reminding urged urging promised promising briefed".split()
)
# Verbs that open a secondary clause of the same speaker after a comma ("..., adding that ...").
# Cues that relay someone else's words inside a source: "CNN, citing unnamed sources, reported".
RELAY_CUES = frozenset(["citing", "quoting"])
CONTINUATION_CUES = frozenset("adding saying noting arguing suggesting telling explaining calling citing insisting".split())


@lru_cache(maxsize=4)
def load_cue_lexicon(name: str = DEFAULT_LEXICON) -> dict[str, float]:
    """Word form -> probability that it is a cue in news text, from the packaged lexicon file."""
    if name != DEFAULT_LEXICON:
        raise ValueError(Errors.E001.format(name=name, available=DEFAULT_LEXICON))
    raw = load_json("cue_lexicon.json")
    pruned = raw.get("pruned", {})
    lexicon = {form: in_cue / seen for form, (in_cue, seen) in raw["cues"].items() if form not in pruned}
    # reporting verbs too rare in lower case in the training corpus to be mined ("it states")
    lexicon.update({form: SUPPLEMENT_STRENGTH for form in SUPPLEMENT_CUES if form not in lexicon})
    return lexicon


SUPPLEMENT_CUES = ("states",)
SUPPLEMENT_STRENGTH = 0.5
# Heads of sources that a 2016 campaign corpus rarely shows but news in general does.
GENERIC_SOURCE_HEADS = frozenset("readout transcript memo spokesman spokeswoman spokesperson ministry".split())


@lru_cache(maxsize=1)
def load_source_heads() -> frozenset[str]:
    """Lower-case words that end sources in news text ("officials", "he", "campaign"), mined from PolNeAR train."""
    raw = load_json("source_heads.json")
    return frozenset(raw["heads"]) | GENERIC_SOURCE_HEADS

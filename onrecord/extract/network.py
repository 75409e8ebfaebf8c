"""The tagger's network (PyTorch): embeddings → BiLSTM encoder → cue head; per cue, a BiLSTM role head.

Imported only when a learned profile runs, so the rules profile never loads torch.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from onrecord.extract.tagger import CUE_TAGS, MAX_DISTANCE, ROLE_TAGS, SentenceFeatures

PAD, UNK = 0, 1
N_CUE_STRENGTHS = 13
N_QUOTE_STATES = 3
N_RULE_ROLES = 4


@dataclass
class EncodedBatch:
    """A batch of sentence windows after the encoder: states (B, T, 2H) and each window's length."""

    states: torch.Tensor
    lengths: torch.Tensor
    cue_logits: torch.Tensor  # (B, T, len(CUE_TAGS))


def lookup(vocab: dict[str, int], items: list[str]) -> list[int]:
    """Ids of items in a vocabulary, UNK for unseen ones."""
    return [vocab.get(item, UNK) for item in items]


class AttributionNetwork(nn.Module):
    """Sentence encoder with a cue head and a cue-conditioned role head."""

    def __init__(self, vocab_sizes: dict[str, int], word_dim: int = 100, hidden: int = 128, layers: int = 2,
                 role_hidden: int = 96, dropout: float = 0.3, vector_dim: int = 0, encoder: str = "lstm"):
        super().__init__()
        self.word = nn.Embedding(vocab_sizes["words"], word_dim, padding_idx=PAD)
        # frozen pretrained word vectors (onrecord.train.vectors), when the model was trained with them
        self.vectors = nn.Embedding(vocab_sizes["vectors"], vector_dim, padding_idx=PAD) if vector_dim else None
        if self.vectors is not None:
            self.vectors.weight.requires_grad_(False)
        self.suffix = nn.Embedding(vocab_sizes["suffixes"], 32, padding_idx=PAD)
        self.shape = nn.Embedding(vocab_sizes["shapes"], 16, padding_idx=PAD)
        self.strength = nn.Embedding(N_CUE_STRENGTHS, 8)
        self.quote = nn.Embedding(N_QUOTE_STATES, 8)
        self.rule = nn.Embedding(N_RULE_ROLES, 8)
        in_dim = word_dim + vector_dim + 32 + 16 + 8 + 8 + 8
        self.dropout = nn.Dropout(dropout)
        # "lstm": a BiLSTM (accurate); "cnn": residual 1-D convolutions over a 3-token window (fast)
        self.encoder_kind = encoder
        if encoder == "cnn":
            self.project = nn.Linear(in_dim, 2 * hidden)
            self.convolutions = nn.ModuleList(nn.Conv1d(2 * hidden, 2 * hidden, kernel_size=3, padding=1)
                                              for _ in range(layers))
        else:
            self.encoder = nn.LSTM(in_dim, hidden, num_layers=layers, bidirectional=True, batch_first=True,
                                   dropout=dropout if layers > 1 else 0.0)
        self.cue_out = nn.Linear(2 * hidden, len(CUE_TAGS))
        self.distance = nn.Embedding(2 * MAX_DISTANCE + 1, 16)
        self.role_in = nn.Linear(4 * hidden + 16, role_hidden)
        self.role_lstm = nn.LSTM(role_hidden, role_hidden, bidirectional=True, batch_first=True)
        self.role_out = nn.Linear(2 * role_hidden, len(ROLE_TAGS))

    def tensors(self, features: list[SentenceFeatures], vocab: dict[str, dict[str, int]]) -> dict[str, torch.Tensor]:
        """Padded id tensors (B, T) of a list of sentence windows."""
        width = max(len(f.words) for f in features)

        def pad(rows):
            return torch.tensor([row + [PAD] * (width - len(row)) for row in rows], dtype=torch.long)

        ids = {
            "words": pad([lookup(vocab["words"], f.words) for f in features]),
            "suffixes": pad([lookup(vocab["suffixes"], f.suffixes) for f in features]),
            "shapes": pad([lookup(vocab["shapes"], f.shapes) for f in features]),
            "strength": pad([f.cue_strength for f in features]),
            "quote": pad([f.quote_state for f in features]),
            "rule": pad([f.rule_role for f in features]),
            "lengths": torch.tensor([len(f.words) for f in features], dtype=torch.long),
        }
        if self.vectors is not None:
            ids["vectors"] = pad([lookup(vocab["vectors"], f.words) for f in features])
        return ids

    def encode(self, ids: dict[str, torch.Tensor]) -> EncodedBatch:
        """Run embeddings, encoder and cue head over padded ids."""
        parts = [self.word(ids["words"]), self.suffix(ids["suffixes"]), self.shape(ids["shapes"]),
                 self.strength(ids["strength"]), self.quote(ids["quote"]), self.rule(ids["rule"])]
        if self.vectors is not None:
            parts.append(self.vectors(ids["vectors"]))
        x = torch.cat(parts, dim=-1)
        if self.encoder_kind == "cnn":
            states = self._run_cnn(self.dropout(x), ids["lengths"])
        else:
            states = self._run_lstm(self.encoder, self.dropout(x), ids["lengths"])
        states = self.dropout(states)
        return EncodedBatch(states, ids["lengths"], self.cue_out(states))

    def encode_batch(self, features: list[SentenceFeatures], vocab) -> EncodedBatch:
        """Encode sentence windows given as features."""
        return self.encode(self.tensors(features, vocab))

    def _run_cnn(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Residual convolutions over all windows laid end to end, one zero position between windows.

        The zero separators are re-zeroed after every layer, so each window sees exactly what zero
        padding would show it, and no time is spent on the padding of short windows.
        """
        batch, width, _ = x.shape
        lengths_list = lengths.tolist()
        valid = torch.arange(width).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T)
        # flat position of each real token: its offset in the window plus one slot per earlier window
        starts = torch.tensor([0] + lengths_list[:-1]).cumsum(0) + torch.arange(batch)
        flat_index = (starts.unsqueeze(1) + torch.arange(width).unsqueeze(0))[valid]
        size = sum(lengths_list) + batch
        h = x.new_zeros(size, self.project.out_features)
        h[flat_index] = torch.relu(self.project(x[valid]))
        mask = torch.zeros(size, 1)
        mask[flat_index] = 1.0
        h = h.t().unsqueeze(0)  # (1, C, N)
        mask = mask.t().unsqueeze(0)
        for conv in self.convolutions:
            h = (h + torch.relu(conv(self.dropout(h)))) * mask
        out = x.new_zeros(batch, width, h.shape[1])
        out[valid] = h[0].t()[flat_index]
        return out

    @staticmethod
    def _run_lstm(lstm: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out

    def cue_tags(self, batch: EncodedBatch, threshold: float = 0.5) -> list[list[int]]:
        """Cue tags per window (padding included; callers cut to length): a token is part of a cue when
        P(not O) reaches `threshold`, and then B or I by whichever is likelier."""
        probs = batch.cue_logits.softmax(-1)
        begin_or_inside = torch.where(probs[..., 1] >= probs[..., 2], 1, 2)
        return torch.where(1.0 - probs[..., 0] >= threshold, begin_or_inside, 0).tolist()

    def role_logits(self, batch: EncodedBatch, instances: list[tuple[int, int, int]]) -> torch.Tensor:
        """Role logits (N, T, len(ROLE_TAGS)) for cue instances (window index, cue start, cue end)."""
        index = torch.tensor([n for n, _, _ in instances], dtype=torch.long)
        states = batch.states[index]  # (N, T, 2H)
        width = states.shape[1]
        positions = torch.arange(width).unsqueeze(0)
        starts = torch.tensor([a for _, a, _ in instances]).unsqueeze(1)
        ends = torch.tensor([b for _, _, b in instances]).unsqueeze(1)
        distance = torch.where(positions < starts, positions - starts,
                               torch.where(positions >= ends, positions - ends + 1, torch.zeros_like(positions)))
        distance = distance.clamp(-MAX_DISTANCE, MAX_DISTANCE) + MAX_DISTANCE
        in_cue = ((positions >= starts) & (positions < ends)).float().unsqueeze(-1)  # (N, T, 1)
        cue_vector = (states * in_cue).sum(1) / in_cue.sum(1).clamp(min=1.0)  # (N, 2H)
        x = torch.cat([states, cue_vector.unsqueeze(1).expand(-1, width, -1), self.distance(distance)], dim=-1)
        x = torch.relu(self.role_in(x))
        out = self._run_lstm(self.role_lstm, x, batch.lengths[index])
        return self.role_out(self.dropout(out))

    def role_tags(self, batch: EncodedBatch, instances: list[tuple[int, int, int]]) -> tuple[list[list[int]], list[float]]:
        """Arg-max role tags per instance, and each instance's cue probability (mean over its tokens)."""
        if not instances:
            return [], []
        tags = self.role_logits(batch, instances).argmax(-1).tolist()
        probs = batch.cue_logits.softmax(-1)
        cue_probs = [float(1.0 - probs[n, a:b, 0].mean()) for n, a, b in instances]
        return tags, cue_probs

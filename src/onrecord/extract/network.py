"""The tagger's network (PyTorch): embeddings → encoder → cue head; per cue, a role head.

The accurate profile uses BiLSTMs for both; the fast one convolutions (residual, and dilated in the
role head so that one cue's context reaches 15 tokens), which cost a fraction of an LSTM's steps.

Imported only when a learned profile runs, so the rules profile never loads torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from onrecord.extract.features import CUE_TAGS, MAX_DISTANCE, ROLE_TAGS, SentenceFeatures

PAD, UNK = 0, 1
N_CUE_STRENGTHS = 13
N_QUOTE_STATES = 3
N_RULE_ROLES = 4
ROLE_DILATIONS = (1, 2, 4)  # the convolutional role head: receptive field 15 tokens
CONTEXT_PROJECTION = 128  # contextual encoder features (onrecord.extract.encoder_states) are projected to this size


@dataclass
class EncodedBatch:
    """A batch of sentence windows after the encoder: states (B, T, 2H) and each window's length."""

    states: torch.Tensor
    lengths: torch.Tensor
    cue_logits: torch.Tensor  # (B, T, len(CUE_TAGS))

    @cached_property
    def cue_probs(self) -> torch.Tensor:
        """The cue head's probabilities (B, T, len(CUE_TAGS)), computed once for the cue tags and the role head."""
        return self.cue_logits.softmax(-1)


class AttributionNetwork(nn.Module):
    """Sentence encoder with a cue head and a cue-conditioned role head."""

    def __init__(self, vocab_sizes: dict[str, int], word_dim: int = 100, hidden: int = 128, layers: int = 2,
                 role_hidden: int = 96, dropout: float = 0.3, vector_dim: int = 0, encoder: str = "lstm",
                 role_encoder: str = "lstm", context_layers: tuple[int, ...] = ()):
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
        # a frozen pretrained encoder's hidden states per word, when the model was trained with them
        self.context = None
        if context_layers:
            from onrecord.extract.encoder_states import ContextEncoder

            self.context = ContextEncoder(tuple(context_layers))
            self.context_in = nn.Linear(self.context.dim, CONTEXT_PROJECTION)
            in_dim += CONTEXT_PROJECTION
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
        self.role_encoder_kind = role_encoder
        if role_encoder == "cnn":
            self.role_convolutions = nn.ModuleList(
                nn.Conv1d(role_hidden, role_hidden, kernel_size=3, padding=dilation, dilation=dilation)
                for dilation in ROLE_DILATIONS)
            self.role_out = nn.Linear(role_hidden, len(ROLE_TAGS))
        else:
            self.role_lstm = nn.LSTM(role_hidden, role_hidden, bidirectional=True, batch_first=True)
            self.role_out = nn.Linear(2 * role_hidden, len(ROLE_TAGS))

    def tensors(self, features: list[SentenceFeatures], vocab: dict[str, dict[str, int]]) -> dict[str, torch.Tensor]:
        """Padded id tensors (B, T) of a list of sentence windows."""
        columns = {
            "words": [vocab["words"].get(w, UNK) for f in features for w in f.words],
            "suffixes": [vocab["suffixes"].get(s, UNK) for f in features for s in f.suffixes],
            "shapes": [vocab["shapes"].get(s, UNK) for f in features for s in f.shapes],
            "strength": [k for f in features for k in f.cue_strength],
            "quote": [k for f in features for k in f.quote_state],
            "rule": [k for f in features for k in f.rule_role],
        }
        if self.vectors is not None:
            columns["vectors"] = [vocab["vectors"].get(w, UNK) for f in features for w in f.words]
        lengths = torch.tensor([len(f.words) for f in features], dtype=torch.long)
        valid = torch.arange(int(lengths.max())).unsqueeze(0) < lengths.unsqueeze(1)
        # all windows' ids laid end to end, put into the padded (B, T) grids in one step
        grids = torch.full((len(columns), *valid.shape), PAD, dtype=torch.long)
        grids[:, valid] = torch.tensor(list(columns.values()), dtype=torch.long)
        ids = {**dict(zip(columns, grids)), "lengths": lengths}
        if self.context is not None:
            ids["context"] = torch.zeros(*valid.shape, self.context.dim)
            ids["context"][valid] = self.context_rows(features)
        return ids

    def context_rows(self, features: list[SentenceFeatures]) -> torch.Tensor:
        """The context encoder's features of every window's words, the windows end to end (N, context dim)."""
        return torch.cat(self.context.features([f.words for f in features]))

    def encode(self, ids: dict[str, torch.Tensor]) -> EncodedBatch:
        """Run embeddings, encoder and cue head over padded ids."""
        if self.encoder_kind == "cnn":
            # the convolutions read the real tokens only: the padding is never embedded
            valid = torch.arange(ids["words"].shape[1]).unsqueeze(0) < ids["lengths"].unsqueeze(1)
            states = self._run_cnn(self.dropout(self._embed({k: v[valid] for k, v in ids.items() if k != "lengths"})),
                                   valid)
        else:
            states = self._run_lstm(self.encoder, self.dropout(self._embed(ids)), ids["lengths"])
        states = self.dropout(states)
        return EncodedBatch(states, ids["lengths"], self.cue_out(states))

    def _embed(self, ids: dict[str, torch.Tensor]) -> torch.Tensor:
        """Every token's embeddings, concatenated (ids of any shape; one more dimension out)."""
        parts = [self.word(ids["words"]), self.suffix(ids["suffixes"]), self.shape(ids["shapes"]),
                 self.strength(ids["strength"]), self.quote(ids["quote"]), self.rule(ids["rule"])]
        if self.vectors is not None:
            parts.append(self.vectors(ids["vectors"]))
        if self.context is not None:
            parts.append(torch.relu(self.context_in(ids["context"])))
        return torch.cat(parts, dim=-1)

    def encode_batch(self, features: list[SentenceFeatures], vocab) -> EncodedBatch:
        """Encode sentence windows given as features."""
        return self.encode(self.tensors(features, vocab))

    def _run_cnn(self, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Residual convolutions over all windows laid end to end, one zero position between windows.

        `x` (N, D) holds the real tokens of all windows in order; `valid` (B, T) marks them in the padded
        grid the result (B, T, C) is laid into. The zero separators are re-zeroed after every layer, so
        each window sees exactly what zero padding would show it, and no time is spent on padding.
        """
        batch, width = valid.shape
        # flat position of each real token: its place in order plus one separator slot per earlier window
        window_of = valid.nonzero()[:, 0]
        flat_index = torch.arange(len(window_of)) + window_of
        size = len(window_of) + batch
        h = x.new_zeros(size, self.project.out_features)
        h[flat_index] = torch.relu(self.project(x))
        h = h.t().contiguous().unsqueeze(0)  # (1, C, N), the layout the convolutions read
        mask = torch.zeros(1, 1, size)
        mask[0, 0, flat_index] = 1.0
        for conv in self.convolutions:
            h = (h + torch.relu(conv(self.dropout(h)))) * mask
        out = x.new_zeros(batch, width, h.shape[1])
        out[valid] = h[0].t().contiguous()[flat_index]
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
        probs = batch.cue_probs
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
        if self.role_encoder_kind == "cnn":
            out = self._run_role_cnn(x, batch.lengths[index])
        else:
            out = self._run_lstm(self.role_lstm, x, batch.lengths[index])
        return self.role_out(self.dropout(out))

    def _run_role_cnn(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Residual dilated convolutions over (N, T, C) role inputs; padding is zeroed before every layer."""
        mask = (torch.arange(x.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(1).float()  # (N, 1, T)
        h = x.transpose(1, 2) * mask
        for conv in self.role_convolutions:
            h = (h + torch.relu(conv(self.dropout(h)))) * mask
        return h.transpose(1, 2)

    def role_tags(self, batch: EncodedBatch, instances: list[tuple[int, int, int]]) -> tuple[list[list[int]], list[float]]:
        """Arg-max role tags per instance, and each instance's cue probability (mean over its tokens)."""
        if not instances:
            return [], []
        tags = self.role_logits(batch, instances).argmax(-1).tolist()
        probs = batch.cue_probs
        cue_probs = [float(1.0 - probs[n, a:b, 0].mean()) for n, a, b in instances]
        return tags, cue_probs

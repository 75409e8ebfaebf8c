"""The fast profile's network run in NumPy: the same arithmetic as AttributionNetwork's convolutional
encoder and role head, without PyTorch's per-operation overhead (most of the fast model's time on
documents of a few hundred tokens).

Two rewrites make it cheaper, not just leaner; both are exact up to float rounding:
- the projection of the concatenated embeddings is a sum of per-table projections, so each embedding
  table is multiplied by its slice of the projection once, at load, and a token costs six lookups;
- the role head's input layer splits the same way: the encoder states are projected once per token,
  the cue vector once per cue, the distance embeddings once per distance, instead of once per
  (cue, token) pair.
Windows (and cues) are laid end to end with zero separators as wide as the widest dilation, which
are re-zeroed after every layer, so each sees exactly the zero padding of PyTorch's batched run.
"""
from __future__ import annotations

from itertools import chain, repeat

import numpy as np

from onrecord.extract.tagger import MAX_DISTANCE, SentenceFeatures

UNK = 1
EMBEDDINGS = ("words", "suffixes", "shapes", "strength", "quote", "rule")  # AttributionNetwork._embed's order


def _joined(columns) -> list:
    """The windows' lists of one feature, end to end."""
    return list(chain.from_iterable(columns))


def _conv_stack(h: np.ndarray, mask: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray, int]]) -> np.ndarray:
    """Residual ReLU convolutions (kernel 3) over rows laid end to end; `mask` zeroes the separators.

    Each layer is one matrix product with the three taps side by side; the left and right taps' columns
    are then added one `dilation` row down and up (rows past either end see zeros, as padding would).
    """
    for taps, bias, d in layers:
        width = bias.shape[0]
        y = h @ taps  # (rows, 3 * width): what each row gives as the left, middle and right neighbour
        out = y[:, width:2 * width] + bias
        out[d:] += y[:-d, :width]
        out[:-d] += y[d:, 2 * width:]
        h = (h + np.maximum(out, 0.0)) * mask
    return h


def _conv_layers(convolutions, dilations) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(the three taps' weights side by side (in, 3 * out), bias, dilation) of Conv1d layers."""
    layers = []
    for conv, dilation in zip(convolutions, dilations):
        weight = conv.weight.detach().numpy()  # (out, in, 3)
        taps = np.concatenate([weight[:, :, k].T for k in range(3)], axis=1)
        layers.append((np.ascontiguousarray(taps), conv.bias.detach().numpy().copy(), dilation))
    return layers


class CnnInference:
    """A convolutional AttributionNetwork's forward pass (eval mode) in NumPy."""

    @staticmethod
    def supports(network) -> bool:
        """Whether this pass can run `network`: convolutional encoder and role head, no word vectors."""
        return (getattr(network, "encoder_kind", None) == "cnn" and getattr(network, "role_encoder_kind", None) == "cnn"
                and getattr(network, "vectors", None) is None)

    def __init__(self, network) -> None:
        from onrecord.extract.network import ROLE_DILATIONS

        if not self.supports(network):
            raise ValueError("CnnInference runs only the convolutional encoder and role head without word vectors")
        project = network.project.weight.detach().numpy()  # (C, D)
        tables, column = [], 0
        for name, module in zip(EMBEDDINGS, (network.word, network.suffix, network.shape, network.strength,
                                             network.quote, network.rule)):
            table = module.weight.detach().numpy()
            width = table.shape[1]
            tables.append(np.ascontiguousarray(table @ project[:, column:column + width].T))
            column += width
        self.tables = tables
        self.project_bias = network.project.bias.detach().numpy().copy()
        self.encoder_layers = _conv_layers(network.convolutions, [1] * len(network.convolutions))
        self.cue_weight = np.ascontiguousarray(network.cue_out.weight.detach().numpy().T)
        self.cue_bias = network.cue_out.bias.detach().numpy().copy()
        role_in = network.role_in.weight.detach().numpy()  # (R, 2C' + 16): states, cue vector, distance
        states_dim = network.cue_out.in_features
        self.role_states = np.ascontiguousarray(role_in[:, :states_dim].T)
        self.role_cue = np.ascontiguousarray(role_in[:, states_dim:2 * states_dim].T)
        self.role_distance = (network.distance.weight.detach().numpy() @ role_in[:, 2 * states_dim:].T
                              + network.role_in.bias.detach().numpy())  # bias folded in: one row per distance
        self.role_layers = _conv_layers(network.role_convolutions, ROLE_DILATIONS)
        self.role_gap = max(ROLE_DILATIONS)
        self.role_out_weight = np.ascontiguousarray(network.role_out.weight.detach().numpy().T)
        self.role_out_bias = network.role_out.bias.detach().numpy().copy()

    def encode(self, features: list[SentenceFeatures], vocab: dict[str, dict[str, int]]) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Encoder states (N, C) and cue probabilities (N, 3) of every real token of all windows, in order,
        and each window's first row."""
        words, suffixes, shapes = vocab["words"], vocab["suffixes"], vocab["shapes"]
        unknown = repeat(UNK)
        ids = [
            list(map(words.get, _joined(f.words for f in features), unknown)),
            list(map(suffixes.get, _joined(f.suffixes for f in features), unknown)),
            list(map(shapes.get, _joined(f.shapes for f in features), unknown)),
            _joined(f.cue_strength for f in features),
            _joined(f.quote_state for f in features),
            _joined(f.rule_role for f in features),
        ]
        x = self.project_bias + sum(table[np.asarray(column)] for table, column in zip(self.tables, ids))
        x = np.maximum(x, 0.0, dtype=np.float32)
        starts, place = [], 0
        for f in features:
            starts.append(place)
            place += len(f.words)
        # one zero row after each window: a kernel-3 convolution sees zeros past a window's ends
        rows = np.arange(place) + np.repeat(np.arange(len(features)), [len(f.words) for f in features])
        h = np.zeros((place + len(features), x.shape[1]), dtype=np.float32)
        h[rows] = x
        mask = np.zeros((len(h), 1), dtype=np.float32)
        mask[rows] = 1.0
        states = _conv_stack(h, mask, self.encoder_layers)[rows]
        logits = states @ self.cue_weight + self.cue_bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return states, probs, starts

    def role_tags(self, states: np.ndarray, starts: list[int], lengths: list[int],
                  instances: list[tuple[int, int, int]]) -> list[list[int]]:
        """Arg-max role tags of each cue instance (window index, cue start, cue end) over its window."""
        if not instances:
            return []
        projected = states @ self.role_states  # (N, R): each token's share of the role input, once
        gap = self.role_gap
        pieces, rows, place = [], [], 0
        for n, a, b in instances:
            first, length = starts[n], lengths[n]
            cue_vector = states[first + a:first + b].mean(axis=0) @ self.role_cue
            positions = np.arange(length)
            distance = np.where(positions < a, positions - a, np.where(positions >= b, positions - b + 1, 0))
            distance = np.clip(distance, -MAX_DISTANCE, MAX_DISTANCE) + MAX_DISTANCE
            pieces.append(np.maximum(projected[first:first + length] + cue_vector + self.role_distance[distance], 0.0))
            rows.append(np.arange(place, place + length))
            place += length + gap
        rows_all = np.concatenate(rows)
        h = np.zeros((place, projected.shape[1]), dtype=np.float32)
        h[rows_all] = np.concatenate(pieces)
        mask = np.zeros((place, 1), dtype=np.float32)
        mask[rows_all] = 1.0
        tags = (_conv_stack(h, mask, self.role_layers) @ self.role_out_weight + self.role_out_bias).argmax(axis=1)
        return [tags[r].tolist() for r in rows]

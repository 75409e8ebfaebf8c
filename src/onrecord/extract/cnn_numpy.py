"""The fast profile's network run in NumPy: the same arithmetic as AttributionNetwork's convolutional
encoder and role head, without PyTorch's per-operation overhead (most of the fast model's time on
documents of a few hundred tokens).

Three rewrites make it cheaper, not just leaner; all are exact up to float rounding:
- the projection of the concatenated embeddings is a sum of per-table projections, so each embedding
  table is multiplied by its slice of the projection once, at load; and as texts repeat most of their
  token inputs (text, cue strength, quote state, rule role), each input's first encoder row is worked
  out once and kept;
- the role head's input layer splits the same way: the encoder states are projected once per token,
  the cue vector once per cue, the distance embeddings once per distance, instead of once per
  (cue, token) pair;
- windows (and cues) are laid end to end without padding: a convolution tap that would reach past the
  end of a window is zeroed instead, so each window sees what PyTorch's zero padding would show it.
Each sum is taken in the order the first, plainer version of this pass took it (ndarray.mean's
included), so results match that version's to the bit, except in the last bit of the odd row of a
product that BLAS rounds by the row's place in the matrix.
"""
from __future__ import annotations

import threading
from itertools import compress, repeat

import numpy as np

from onrecord.extract.features import MAX_DISTANCE, TextFeatures, token_features

UNK = 1
EMBEDDINGS = ("words", "suffixes", "shapes", "strength", "quote", "rule")  # AttributionNetwork._embed's order
MAX_INPUT_ROWS = 1 << 15  # token inputs kept per model (8 MiB at 64 channels); past that, it starts afresh
InputKey = tuple[str, int, int, int]  # a token's text, cue strength, quote state and rule role


def _edge_rows(starts: np.ndarray, lengths: np.ndarray, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """The first and the last `reach` rows (all, if fewer) of each sequence laid end to end."""
    if reach == 1:
        return starts, starts + lengths - 1
    counts = np.minimum(lengths, reach)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + step, np.repeat(starts + lengths - counts, counts) + step


def _relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0) in place (NumPy compares with an array of zeros several times faster than with 0.0)."""
    return np.maximum(x, np.zeros_like(x), out=x)


def _conv_stack(h: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                layers: list[tuple[np.ndarray, np.ndarray, int]]) -> np.ndarray:
    """Residual ReLU convolutions (kernel 3) over sequences laid end to end (`starts`, `lengths` in rows).

    Each layer is one (stacked) matrix product for the three taps; the left and right taps' products are
    then added one `dilation` row down and up. A row's left tap feeds the row `dilation` further on, so
    it is zeroed in a sequence's last `dilation` rows, and the right tap in its first: no tap reaches into
    another sequence, and each sees zeros past its ends, as zero padding would show it.
    """
    edges = {d: _edge_rows(starts, lengths, d) for d in {d for _, _, d in layers}}
    for taps, bias, d in layers:
        left, out, right = np.matmul(h, taps)  # what each row gives as the left, middle and right neighbour
        heads, tails = edges[d]
        left[tails] = 0.0
        right[heads] = 0.0
        out += bias
        out[d:] += left[:-d]
        out[:-d] += right[d:]
        _relu(out)
        out += h
        h = out
    return h


def _conv_layers(convolutions, dilations) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(the three taps' weights stacked (3, in, out), bias, dilation) of Conv1d layers."""
    layers = []
    for conv, dilation in zip(convolutions, dilations):
        weight = conv.weight.detach().numpy()  # (out, in, 3)
        layers.append((np.ascontiguousarray(weight.transpose(2, 1, 0)), conv.bias.detach().numpy().copy(), dilation))
    return layers


def run_means(values: np.ndarray, begins: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """values[b:e].mean(axis=0) of each run [b, e) (never empty), to the bit, without a NumPy call per run.

    ndarray.mean adds a run's rows one after the other (along the first axis of a 2-D array; along a 1-D
    one, under 8 values: from 8 on it sums pairwise, so the rare longer runs are left to it).
    """
    lengths = ends - begins
    sums = values[begins]
    for k in range(1, int(lengths.max(initial=1))):
        more = lengths > k
        sums[more] += values[begins[more] + k]
    means = sums / lengths.astype(values.dtype).reshape(-1, *[1] * (values.ndim - 1))
    if values.ndim == 1:
        for i in np.flatnonzero(lengths >= 8):
            means[i] = values[begins[i]:ends[i]].mean()
    return means


def bio_runs(tags: np.ndarray, begin: int, inside: int, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and end rows of the runs of a BIO label in sequences of tags laid end to end (each beginning
    at a row of `starts`), as spans_of finds them in each: an I without a B starts a run."""
    labelled = (tags == begin) | (tags == inside)
    goes_on = tags == inside  # an I after a B or I of its own sequence continues that run
    goes_on[1:] &= labelled[:-1]
    goes_on[starts] = False
    breaks = np.flatnonzero(np.append(~goes_on, True))  # the rows a run cannot span, and the end
    runs = np.flatnonzero(labelled[breaks[:-1]])
    return breaks[runs], breaks[runs + 1]


class _InputRows:
    """The first encoder rows (relu(projected embeddings)) of the token inputs seen so far, by input.

    A row is stored before its key, and new rows are added under a lock, so readers need none.
    """

    def __init__(self, vocab: dict[str, dict[str, int]] | None, width: int) -> None:
        self.vocab = vocab
        self.index: dict[InputKey, int] = {}
        self.rows = np.empty((MAX_INPUT_ROWS, width), dtype=np.float32)  # memory is taken as rows are written
        self.lock = threading.Lock()

    def add(self, keys: list[InputKey], rows: np.ndarray) -> None:
        """Keep `rows`, the rows of new inputs `keys`."""
        size = len(self.index)
        end = size + len(keys)
        if end > len(self.rows):
            grown = np.empty((end, self.rows.shape[1]), dtype=np.float32)  # full: the next text starts afresh
            grown[:size] = self.rows[:size]
            self.rows = grown
        self.rows[size:end] = rows
        self.index.update(zip(keys, range(size, end)))


class CnnInference:
    """A convolutional AttributionNetwork's forward pass (eval mode) in NumPy."""

    @staticmethod
    def supports(network) -> bool:
        """Whether this pass can run `network`: convolutional encoder and role head, no word vectors, no
        contextual features."""
        return (getattr(network, "encoder_kind", None) == "cnn" and getattr(network, "role_encoder_kind", None) == "cnn"
                and getattr(network, "vectors", None) is None and getattr(network, "context", None) is None)

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
        self.role_out_weight = np.ascontiguousarray(network.role_out.weight.detach().numpy().T)
        self.role_out_bias = network.role_out.bias.detach().numpy().copy()
        self._inputs = _InputRows(None, self.project_bias.shape[0])

    def encode(self, text: TextFeatures, vocab: dict[str, dict[str, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Encoder states (N, C) and cue probabilities (N, 3) of every token of all windows, in order,
        and each window's first row."""
        inputs = self._inputs
        if inputs.vocab is not vocab or len(inputs.index) > MAX_INPUT_ROWS:
            inputs = self._inputs = _InputRows(vocab, self.project_bias.shape[0])
        columns = (text.texts, text.cue_strength, text.quote_state, text.rule_role)
        rows = np.fromiter(map(inputs.index.get, zip(*columns), repeat(-1)), dtype=np.intp, count=len(text.texts))
        if rows.size and rows.min() < 0:
            self._add_inputs(inputs, columns, rows)
        lengths = np.array([end - start for start, end in text.windows], dtype=np.intp)
        starts = np.cumsum(lengths) - lengths
        states = _conv_stack(inputs.rows[rows], starts, lengths, self.encoder_layers)
        logits = states @ self.cue_weight + self.cue_bias  # (N, 3): O, B-CUE, I-CUE
        # the softmax's max and sum column by column: NumPy reduces three-wide rows slowly
        logits -= np.maximum(np.maximum(logits[:, 0], logits[:, 1]), logits[:, 2])[:, None]
        probs = np.exp(logits)
        probs /= (probs[:, 0] + probs[:, 1] + probs[:, 2])[:, None]
        return states, probs, starts

    def _add_inputs(self, inputs: _InputRows, columns: tuple[list, ...], rows: np.ndarray) -> None:
        """Work out and keep the inputs not kept yet (-1 in `rows`), and fill in their rows."""
        missing = rows < 0
        keys = list(compress(zip(*columns), missing.tolist()))
        with inputs.lock:
            new = [key for key in dict.fromkeys(keys) if key not in inputs.index]
            if new:
                inputs.add(new, self._input_rows(new, inputs.vocab))
            rows[missing] = list(map(inputs.index.__getitem__, keys))

    def _input_rows(self, keys: list[InputKey], vocab: dict[str, dict[str, int]]) -> np.ndarray:
        """The first encoder rows, relu(projected embeddings), of token inputs."""
        texts, strength, quote, rule = zip(*keys)
        ids = [list(map(vocab[name].get, column, repeat(UNK)))
               for name, column in zip(EMBEDDINGS, zip(*map(token_features, texts)))] + [strength, quote, rule]
        x = self.project_bias + sum(table[np.asarray(column)] for table, column in zip(self.tables, ids))
        return np.maximum(x, 0.0, dtype=np.float32)

    def role_tags(self, states: np.ndarray, starts: np.ndarray, windows: np.ndarray, begins: np.ndarray,
                  ends: np.ndarray) -> list[list[int]]:
        """Arg-max role tags of each cue instance over its window; an instance is given by its window and
        its cue's first and end row in `states` (encode's; `starts`: each window's first row)."""
        if not len(windows):
            return []
        lengths = np.diff(np.append(starts, len(states)))[windows]
        places = np.cumsum(lengths) - lengths  # each instance's first row, its window's tokens end to end
        tokens = np.arange(lengths.sum()) + np.repeat(starts[windows] - places, lengths)
        # the distance to the cue: negative before it, 0 on it, positive after it
        distance = (np.minimum(tokens - np.repeat(begins, lengths), 0)
                    + np.maximum(tokens - np.repeat(ends - 1, lengths), 0))
        distance = np.clip(distance, -MAX_DISTANCE, MAX_DISTANCE) + MAX_DISTANCE
        # one vector-matrix product per cue (stacked), the arithmetic of a cue alone
        cues = (run_means(states, begins, ends)[:, None, :] @ self.role_cue)[:, 0]
        x = (states @ self.role_states)[tokens]  # each token's share of the role input, projected once
        x += np.repeat(cues, lengths, axis=0)
        x += self.role_distance[distance]
        _relu(x)
        tags = (_conv_stack(x, places, lengths, self.role_layers) @ self.role_out_weight
                + self.role_out_bias).argmax(axis=1).tolist()
        return [tags[place:place + n] for place, n in zip(places.tolist(), lengths.tolist())]

"""Train the attribution tagger on PolNeAR train; dev picks the best epoch (`onrecord train`).

    python -m onrecord.train.tagger --data ../shared/data/polnear --out src/onrecord/data/models/accurate

Deterministic for a given seed and thread count. Each epoch writes a checkpoint to OUT, scores it with
the same pipeline `onrecord evaluate` runs, and the best epoch on dev `attribution` F1 is kept.
"""
from __future__ import annotations

import argparse
import datetime
import json
import random
import shutil
import sys
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from onrecord.evaluate.brat import GoldDocument, read_folder
from onrecord.extract import rule_frames
from onrecord.text.analysis import analyse
from onrecord.extract.features import SentenceFeatures, featurize, sentence_windows
from onrecord.extract.tagger import PROFILES, load_tagger, sha256_file
from onrecord.options import ExtractOptions

PROFILE_CONFIGS = {
    "accurate": {"word_dim": 100, "hidden": 128, "layers": 2, "role_hidden": 96},
    "fast": {"word_dim": 48, "hidden": 16, "layers": 2, "role_hidden": 24, "encoder": "cnn", "role_encoder": "cnn"},
    # accurate's tagger also reading all-MiniLM-L6-v2's hidden states at layers 3 and 6 (onrecord.extract.encoder_states)
    "precise": {"word_dim": 100, "hidden": 128, "layers": 2, "role_hidden": 96, "context_layers": [3, 6]},
}
VECTOR_DIM = 128  # onrecord.train.vectors.VECTOR_DIM, repeated so tiny runs need not import the encoder
MIN_COUNT = 2  # words and suffixes seen fewer times in train are UNK
WORD_DROPOUT = 0.05  # share of known words replaced by UNK while training


@dataclass
class Example:
    """One sentence window: its features, gold cue tags and one role-tag row per gold cue in it."""

    features: SentenceFeatures
    cue_tags: list[int]
    instances: list[tuple[int, int, list[int]]]  # (cue start, cue end, role tags), window-relative


def span_tokens(analysis, span, starts: list[int], ends: list[int]) -> set[int]:
    """Token indices that overlap a TextSpan's characters (None → empty); starts/ends are token offsets."""
    if span is None:
        return set()
    # tokens ending after s and starting before e
    return {i for s, e in span.spans for i in range(bisect_right(ends, s), bisect_left(starts, e))}


def bio(tags: list[int], indices, begin: int, inside: int) -> None:
    """Write BIO labels for the runs of consecutive indices (window-relative) into tags."""
    previous = None
    for i in sorted(indices):
        tags[i] = inside if previous is not None and i == previous + 1 else begin
        previous = i


def examples_from_document(gold: GoldDocument, options: ExtractOptions) -> list[Example]:
    """Training examples of one gold document: every sentence window, with the cues and roles in it."""
    analysis = analyse(gold.text)
    if not analysis.tokens:
        return []
    starts, ends = [t.start for t in analysis.tokens], [t.end for t in analysis.tokens]
    features = featurize(analysis, rule_frames(analysis, options))
    windows = sentence_windows(analysis)
    window_of = {}
    for n, (a, b) in enumerate(windows):
        for k in range(a, b):
            window_of[k] = n
    examples = [Example(f, [0] * len(f.words), []) for f in features]
    for attribution in gold.attributions:
        cue = span_tokens(analysis, attribution.cue, starts, ends)
        if not cue:
            continue
        first = min(cue)
        n = window_of.get(first)
        if n is None:
            continue
        a, b = windows[n]
        cue_rel = sorted(k - a for k in cue if a <= k < b)
        example = examples[n]
        bio(example.cue_tags, cue_rel, 1, 2)
        run_end = cue_rel[0] + 1
        while run_end in cue_rel:
            run_end += 1
        roles = [0] * (b - a)
        source = {k - a for k in span_tokens(analysis, attribution.source, starts, ends) if a <= k < b} - set(cue_rel)
        content = {k - a for k in span_tokens(analysis, attribution.content, starts, ends) if a <= k < b} - set(cue_rel) - source
        bio(roles, source, 1, 2)
        bio(roles, content, 3, 4)
        example.instances.append((cue_rel[0], run_end, roles))
    return examples


def build_vocab(examples: list[Example]) -> dict[str, dict[str, int]]:
    """Vocabularies of words, suffixes and shapes (0 = padding, 1 = unknown)."""
    counts = {"words": Counter(), "suffixes": Counter(), "shapes": Counter()}
    for ex in examples:
        counts["words"].update(ex.features.words)
        counts["suffixes"].update(ex.features.suffixes)
        counts["shapes"].update(ex.features.shapes)
    vocab = {}
    for name, counter in counts.items():
        keep = sorted(item for item, c in counter.items() if c >= (MIN_COUNT if name != "shapes" else 1))
        vocab[name] = {item: i + 2 for i, item in enumerate(keep)}
    return vocab


def batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of windows of similar length."""
    order = examples[:]
    rng.shuffle(order)
    out = []
    chunk = size * 50
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda ex: len(ex.features.words))
        out.extend(part[i:i + size] for i in range(0, len(part), size))
    rng.shuffle(out)
    return out


def batch_loss(network, batch: list[Example], vocab, loss_fn):
    """The cue head's loss plus the role head's on its gold cues, over one batch of windows (training mode:
    WORD_DROPOUT of the known words are read as unknown)."""
    import torch

    from onrecord.extract.network import UNK

    ids = network.tensors([ex.features for ex in batch], vocab)
    drop = torch.rand(ids["words"].shape) < WORD_DROPOUT
    ids["words"] = torch.where(drop & (ids["words"] > 0), torch.full_like(ids["words"], UNK), ids["words"])
    encoded = network.encode(ids)
    width = ids["words"].shape[1]
    cue_gold = torch.tensor([ex.cue_tags + [-100] * (width - len(ex.cue_tags)) for ex in batch])
    loss = loss_fn(encoded.cue_logits.reshape(-1, encoded.cue_logits.shape[-1]), cue_gold.reshape(-1))
    instances = [(n, a, b) for n, ex in enumerate(batch) for a, b, _ in ex.instances]
    if instances:
        role_gold = torch.tensor([tags + [-100] * (width - len(tags))
                                  for ex in batch for _, _, tags in ex.instances])
        logits = network.role_logits(encoded, instances)
        loss = loss + loss_fn(logits.reshape(-1, logits.shape[-1]), role_gold.reshape(-1))
    return loss


def save_model(network, vocab, out: Path, profile: str, config: dict, extra: dict) -> None:
    """Write weights (float16), vocab and model.json with the SHA-256 of each file."""
    import torch

    out.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.half() for k, v in network.state_dict().items()}, out / "weights.pt")
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, sort_keys=True), "utf-8")
    meta = {"profile": profile, "version": datetime.date.today().isoformat(), "config": config,
            "sha256": {name: sha256_file(out / name) for name in ("weights.pt", "vocab.json")}, **extra}
    (out / "model.json").write_text(json.dumps(meta, indent=2, sort_keys=True), "utf-8")


def evaluate_checkpoint(folder: Path, dev: Path, limit: int | None = None):
    """Score the checkpoint in `folder` on a gold folder with the full extraction pipeline."""
    from onrecord.evaluate import evaluate_folder

    load_tagger.cache_clear()
    return evaluate_folder(dev, options=ExtractOptions(profile=str(folder.resolve())), limit=limit)


CUE_THRESHOLDS = (0.4, 0.5, 0.6)


def choose_cue_threshold(network, vocab, checkpoint: Path, profile: str, config: dict, dev: Path, log,
                         limit: int | None = None) -> float:
    """The cue probability threshold with the best dev `attribution` F1 (model selection, like the epoch)."""
    best, chosen = -1.0, 0.5
    for threshold in CUE_THRESHOLDS:
        save_model(network, vocab, checkpoint, profile, config, {"cue_threshold": threshold})
        f1 = evaluate_checkpoint(checkpoint, dev, limit).scores["all"]["attribution"].f1
        log(f"cue threshold {threshold}: dev attribution F1 {f1:.3f}")
        if f1 > best:
            best, chosen = f1, threshold
    return chosen


def train(data: Path, out: Path, profile: str = "accurate", epochs: int = 12, seed: int = 0,
          batch_size: int = 32, limit: int | None = None, vectors: bool = True,
          context_layers: tuple[int, ...] = (), log=print) -> dict:
    """Train a profile's tagger from data/train, select the epoch on data/dev, write it to `out`.

    `context_layers` (e.g. (3, 6)) adds a frozen pretrained encoder's hidden states at those layers to the
    tagger's input (onrecord.extract.encoder_states), in place of the profile's own (the precise profile has 3, 6):
    more accurate, several times slower at run time.
    """
    import torch

    from onrecord.extract.network import AttributionNetwork

    torch.manual_seed(seed)
    rng = random.Random(seed)
    options = ExtractOptions()
    started = time.perf_counter()
    train_docs = list(read_folder(data / "train"))[:limit]
    examples = [ex for doc in train_docs for ex in examples_from_document(doc, options)]
    n_instances = sum(len(ex.instances) for ex in examples)
    log(f"train: {len(train_docs)} documents, {len(examples)} sentence windows, {n_instances} cues "
        f"({time.perf_counter() - started:.0f}s)")
    vocab = build_vocab(examples)
    config = {**PROFILE_CONFIGS[profile], "vector_dim": VECTOR_DIM if vectors else 0}
    if context_layers:
        from onrecord.extract.encoder_states import check_layers

        config["context_layers"] = list(check_layers(tuple(context_layers)))
    table = None
    if vectors:
        from onrecord.train.vectors import vector_table

        words, table = vector_table(Counter(w for ex in examples for w in ex.features.words))
        vocab["vectors"] = {w: i + 2 for i, w in enumerate(words)}
        log(f"pretrained vectors: {len(words)} words ({time.perf_counter() - started:.0f}s)")
    network = AttributionNetwork({k: len(v) + 2 for k, v in vocab.items()}, **config)
    if table is not None:
        network.vectors.weight.data[2:] = torch.from_numpy(table)
    if network.context is not None:
        network.context.remember(True)  # each window is encoded once, not once per epoch and dev check
    optimizer = torch.optim.Adam(network.parameters(), lr=2e-3)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    best, best_epoch, history = -1.0, 0, []
    checkpoint = out.with_name(out.name + ".checkpoint")
    for epoch in range(1, epochs + 1):
        network.train()
        total = 0.0
        for batch in batches(examples, batch_size, rng):
            loss = batch_loss(network, batch, vocab, loss_fn)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimizer.step()
            total += loss.item()
        network.eval()
        save_model(network, vocab, checkpoint, profile, config, {})
        report = evaluate_checkpoint(checkpoint, data / "dev")
        scores = report.scores["all"]
        f1, exact = scores["attribution"].f1, scores["content_exact"].f1
        history.append({"epoch": epoch, "loss": round(total, 2), "attribution_f1": round(f1, 4),
                        "content_exact_f1": round(exact, 4)})
        log(f"epoch {epoch}: loss {total:.1f}, dev attribution F1 {f1:.3f}, content_exact F1 {exact:.3f} "
            f"({time.perf_counter() - started:.0f}s)")
        if f1 > best:
            best, best_epoch = f1, epoch
            best_state = {k: v.clone() for k, v in network.state_dict().items()}
    network.load_state_dict(best_state)
    threshold = choose_cue_threshold(network, vocab, checkpoint, profile, config, data / "dev", log)
    extra = {"seed": seed, "epochs": epochs, "best_epoch": best_epoch, "history": history, "cue_threshold": threshold,
             "trained_on": str(data / "train"), "train_seconds": round(time.perf_counter() - started)}
    save_model(network, vocab, out, profile, config, extra)
    shutil.rmtree(checkpoint, ignore_errors=True)
    if network.context is not None:
        network.context.remember(False)
    return extra


def parse_layers(text: str) -> tuple[int, ...]:
    """ "3,6" → (3, 6): encoder layers (1..6) for --context-layers; "" → none."""
    from onrecord.extract.encoder_states import check_layers

    try:
        layers = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"context layers are numbers 1..6 separated by commas, not {text!r}") from None
    return check_layers(layers) if layers else ()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/polnear"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile", choices=PROFILES, default="accurate")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N documents only")
    parser.add_argument("--no-vectors", action="store_true", help="no pretrained word vectors (no `train` extra)")
    parser.add_argument("--context-layers", type=parse_layers, default=(),
                        help="read all-MiniLM-L6-v2's hidden states at these layers, e.g. 3,6 (slower)")
    args = parser.parse_args(argv)
    train(args.data, args.out, args.profile, args.epochs, args.seed, limit=args.limit, vectors=not args.no_vectors,
          context_layers=args.context_layers, log=lambda line: print(line, file=sys.stderr, flush=True))


if __name__ == "__main__":
    main()

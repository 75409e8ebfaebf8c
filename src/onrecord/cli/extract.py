"""`onrecord extract`, `evaluate` and `train`: text in, attributions out; scores; models."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from onrecord.options import ExtractOptions
from onrecord.pipeline import extract_inputs
from onrecord.read import ReadOptions, RunStats, count_documents
from onrecord.serialize import document_to_dict, to_jsonl_line

from onrecord.cli.common import (
    GOLD_HELP, TRAIN_DATA_HELP, ActOption, DateFieldOption, EvaluateFormat, ExtractFormat, IdFieldOption,
    InputFormat, InputFormatOption, InputPaths, MaxInputBytesOption, MinConfidenceOption, Profile, ProfileOption,
    QuietOption, TextFieldOption, TimeoutOption, TitleFieldOption, UrlFieldOption, app, attribution_table,
    engine_options, filtered, segment_table, show_progress, stdout_console, summary_line, with_progress,
)


@app.command("extract")
def extract_command(
    paths: InputPaths,
    output_format: Annotated[ExtractFormat, typer.Option("--format", "-f", help="Output format.")] = ExtractFormat.table,
    profile: ProfileOption = Profile.accurate,
    input_format: InputFormatOption = InputFormat.auto,  # type: ignore[attr-defined]
    text_field: TextFieldOption = None,
    id_field: IdFieldOption = None,
    url_field: UrlFieldOption = None,
    date_field: DateFieldOption = None,
    title_field: TitleFieldOption = None,
    timeout: TimeoutOption = ReadOptions().timeout,
    max_input_bytes: MaxInputBytesOption = ReadOptions().max_input_bytes,
    quiet: QuietOption = False,
    show_segments: Annotated[
        bool,
        typer.Option(
            "--show-segments", help="Table output: each document's segments (article, boilerplate, advertorial) first."
        ),
    ] = False,
    no_text: Annotated[
        bool,
        typer.Option("--no-text", help="JSON output: leave out each document's text (offsets point into it)."),
    ] = False,
    full: Annotated[
        bool,
        typer.Option("--full", help="Table output: every quote and source whole, wrapped, never cut to a line."),
    ] = False,
    act: ActOption = None,
    min_confidence: MinConfidenceOption = None,
) -> None:
    """Find attributions in news texts and print them: a table per document, or JSON with the text.

    Examples:
      onrecord extract article.txt
      onrecord extract page.html --full
      onrecord extract crawl.warc.gz news.jsonl --format jsonl > attributions.jsonl
      onrecord extract - --format json --no-text < article.txt
      onrecord extract article.txt --act speech --min-confidence 0.9
    """
    read_options = ReadOptions(input_format=input_format.value, text_field=text_field, id_field=id_field,
                               url_field=url_field, date_field=date_field, title_field=title_field, timeout=timeout,
                               max_input_bytes=max_input_bytes)
    stats = RunStats()
    processed = 0
    documents = []
    console = stdout_console()
    options = engine_options(profile)
    results = extract_inputs(paths, stats, options, read_options=read_options)
    if show_progress(paths, read_options, quiet):
        results = with_progress(results, stats, count_documents(paths, read_options))
    try:
        for doc in results:
            processed += 1
            doc = filtered(doc, act, min_confidence)
            if output_format is ExtractFormat.jsonl:
                typer.echo(to_jsonl_line(doc, include_text=not no_text))
            elif output_format is ExtractFormat.json:
                documents.append(document_to_dict(doc, include_text=not no_text))
            else:
                if show_segments:
                    console.print(segment_table(doc))
                console.print(attribution_table(doc, full=full))
        if output_format is ExtractFormat.json:
            typer.echo(json.dumps(documents, ensure_ascii=False, indent=2))
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and point stdout at devnull so the
        # interpreter's final flush doesn't print a second error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        results.close()  # ends the progress bar and closes the open input file when the loop stopped early
    if not quiet:
        for message in stats.messages:
            typer.echo(message, err=True)
    typer.echo(summary_line(processed, stats), err=True)
    if processed == 0:
        raise typer.Exit(1)


@app.command("evaluate")
def evaluate_command(
    gold: Annotated[Path, typer.Option("--gold", metavar="DIR", help=GOLD_HELP)],
    output_format: Annotated[EvaluateFormat, typer.Option("--format", "-f", help="Output format.")] = EvaluateFormat.table,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Score only the first N articles.")] = None,
    profile: ProfileOption = Profile.accurate,
    without_floating: Annotated[bool, typer.Option(
        "--without-floating", help="Score without floating and pull quotes (statements with no cue, their speaker "
        "from the paragraph before or the name line after): PolNeAR annotates few of them.")] = False,
) -> None:
    """Score the extractor against hand-annotated articles (a PolNeAR-style folder); prints the model version.

    Examples:
        onrecord evaluate --gold polnear/dev
        onrecord evaluate --gold polnear/dev --profile fast --format json
        onrecord evaluate --gold polnear/dev --without-floating
    """
    if not (gold / "text").is_dir():
        typer.echo(f"error: no text/ folder in {gold}: --gold takes a folder of text/ and attributions/ "
                   "(PolNeAR's brat layout; see docs/evaluation.md)", err=True)
        raise typer.Exit(2)
    try:  # imported here so `extract` works even while the evaluate stage is being written
        from onrecord.evaluate import evaluate_folder, render_report, report_to_dict
    except ImportError as error:
        typer.echo(f"error: the evaluate stage is not available ({error})", err=True)
        raise typer.Exit(2)
    report = evaluate_folder(gold, options=engine_options(profile), limit=limit, without_floating=without_floating)
    if output_format is EvaluateFormat.json:
        typer.echo(json.dumps(report_to_dict(report), ensure_ascii=False, indent=2))
    else:
        render_report(report, stdout_console())


@app.command("train")
def train_command(
    data: Annotated[Path, typer.Option("--data", metavar="DIR", help=TRAIN_DATA_HELP)],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the model to.")] = Path("model"),
    profile: Annotated[Profile, typer.Option("--profile", "-p", help="Which tagger size to train.")] = Profile.accurate,
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs; dev picks the best.")] = 12,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same threads: same model).")] = 0,
    vectors: Annotated[bool, typer.Option(help="Use pretrained word vectors (needs the `train` extra).")] = True,
    context_layers: Annotated[str, typer.Option(
        "--context-layers", help="Also read all-MiniLM-L6-v2's hidden states at these layers, e.g. 3,6 (needs the "
        "`train` extra at run time too; several times slower).")] = "",
) -> None:
    """Train the attribution tagger on DATA/train, select the epoch on DATA/dev, and print dev scores.

    Examples:
        onrecord train --data polnear --out my-model --epochs 6
        onrecord train --data polnear --out my-fast-model --profile fast --no-vectors
    """
    if profile is Profile.rules:
        typer.echo("error: the rules profile has nothing to train (its lexicon: python -m onrecord.train.lexicons)",
                   err=True)
        raise typer.Exit(2)
    for split in ("train", "dev"):
        if not (data / split / "text").is_dir():
            typer.echo(f"error: no {split}/text folder in {data} (pass --data DIR with train/ and dev/)", err=True)
            raise typer.Exit(2)
    try:
        from onrecord.train.tagger import parse_layers, train
    except ImportError as error:
        typer.echo(f"error: training needs torch ({error}); pip install -e '.[train]'", err=True)
        raise typer.Exit(2)
    try:
        layers = parse_layers(context_layers)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2)
    train(data, out, profile.value, epochs=epochs, seed=seed, vectors=vectors, context_layers=layers,
          log=lambda line: typer.echo(line, err=True))
    from onrecord.evaluate import evaluate_folder, render_report

    from onrecord.extract.tagger import load_tagger

    load_tagger.cache_clear()
    render_report(evaluate_folder(data / "dev", options=ExtractOptions(profile=str(out.resolve()))), stdout_console())

"""Command line: `onrecord extract`, `onrecord evaluate`, `onrecord --version`.

Each command is a thin wrapper over importable functions (read_inputs, extract, the serialiser,
the evaluate stage); bad input is a counted skip reported on stderr, never a traceback.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from onrecord import __version__
from onrecord.document import Attribution, Document
from onrecord.extract import extract
from onrecord.options import ExtractOptions
from onrecord.read import ReadStats, read_inputs
from onrecord.serialize import document_to_dict, to_jsonl_line

DEFAULT_GOLD_DIR = Path("../shared/data/polnear/dev")  # relative to the current dir, i.e. the repo root
SNIPPET_CHARS = 80
PIPED_WIDTH = 160  # rich assumes 80 columns when stdout is a file or pipe; score tables need more

app = typer.Typer(
    help="onrecord: who said what, according to whom — attribution extraction for news.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


class ExtractFormat(str, Enum):
    """Output formats of `onrecord extract`."""

    table = "table"
    jsonl = "jsonl"
    json = "json"


class EvaluateFormat(str, Enum):
    """Output formats of `onrecord evaluate`."""

    table = "table"
    json = "json"


def extract_inputs(
    paths: Iterable[str | Path],
    stats: ReadStats,
    options: ExtractOptions | None = None,
    stdin: TextIO | None = None,
) -> Iterator[Document]:
    """Read every input and extract its attributions, lazily; failures are counted in `stats`."""
    for item in read_inputs(paths, stats, stdin=stdin):
        try:
            yield extract(item.text, options, doc_id=item.doc_id)
        except Exception as error:  # an engine bug on one text must not end a run over thousands
            stats.skip(item.path, "extraction error", f"{type(error).__name__}: {error}")


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """Text on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def speaker_label(attribution: Attribution) -> str:
    """The resolved speaker with its type, else the source text as written, else a dash."""
    name = (attribution.speaker and attribution.speaker.name) or (attribution.source and attribution.source.text)
    label = snippet(name, 40) if name else "—"
    return f"{label} ({attribution.speaker.type})" if attribution.speaker else label


def attribution_table(doc: Document) -> Table:
    """A rich table of one document's attributions: speaker, cue, content, kind, via."""
    count = len(doc.attributions)
    table = Table(title=Text(f"{doc.doc_id} — {count} attribution{'s' if count != 1 else ''}"), show_lines=False)
    for column in ("speaker", "cue", "content", "kind", "via"):
        table.add_column(column, overflow="fold")
    for attribution in doc.attributions:
        # Text(...) keeps brackets in news text from being read as rich markup.
        table.add_row(
            Text(speaker_label(attribution)),
            Text(attribution.cue.text if attribution.cue else "—"),
            Text(snippet(attribution.content.text)),
            Text(attribution.kind),
            Text(", ".join(outlet.name or outlet.type for outlet in attribution.via) or "—"),
        )
    return table


def summary_line(processed: int, stats: ReadStats) -> str:
    """`processed N, skipped M: reason → count, ...` (plus repairs, when there were any)."""
    line = f"processed {processed}, skipped {stats.skipped_total}"
    if stats.skipped:
        line += ": " + ", ".join(f"{reason} → {count}" for reason, count in stats.skipped.most_common())
    if stats.recovered:
        line += "; repaired: " + ", ".join(f"{reason} → {count}" for reason, count in stats.recovered.most_common())
    return line


def stdout_console() -> Console:
    """A rich console on stdout: the terminal's width, or PIPED_WIDTH when output goes to a file or pipe."""
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, width=PIPED_WIDTH)
    return console


def _show_version(value: bool) -> None:
    """Print the version and stop (eager --version option)."""
    if value:
        typer.echo(f"onrecord {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """onrecord: who said what, according to whom — attribution extraction for news."""


@app.command("extract")
def extract_command(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (searched for *.txt), or - for stdin.")],
    output_format: Annotated[ExtractFormat, typer.Option("--format", "-f", help="Output format.")] = ExtractFormat.table,
) -> None:
    """Find attributions in news texts and print them (a table per document, or JSON)."""
    stats = ReadStats()
    processed = 0
    documents = []
    console = stdout_console()
    try:
        for doc in extract_inputs(paths, stats):
            processed += 1
            if output_format is ExtractFormat.jsonl:
                typer.echo(to_jsonl_line(doc))
            elif output_format is ExtractFormat.json:
                documents.append(document_to_dict(doc))
            else:
                console.print(attribution_table(doc))
        if output_format is ExtractFormat.json:
            typer.echo(json.dumps(documents, ensure_ascii=False, indent=2))
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and point stdout at devnull so the
        # interpreter's final flush doesn't print a second error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    for message in stats.messages:
        typer.echo(message, err=True)
    typer.echo(summary_line(processed, stats), err=True)
    if processed == 0:
        raise typer.Exit(1)


@app.command("evaluate")
def evaluate_command(
    gold: Annotated[Path, typer.Option("--gold", help="Folder of gold annotations (text/ and attributions/).")] = DEFAULT_GOLD_DIR,
    output_format: Annotated[EvaluateFormat, typer.Option("--format", "-f", help="Output format.")] = EvaluateFormat.table,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Score only the first N articles.")] = None,
) -> None:
    """Score the extractor against a gold folder (PolNeAR dev by default)."""
    if not gold.is_dir():
        typer.echo(f"error: gold folder not found: {gold} (run from the repo root, or pass --gold DIR)", err=True)
        raise typer.Exit(2)
    try:  # imported here so `extract` works even while the evaluate stage is being written
        from onrecord.evaluate import evaluate_folder, render_report, report_to_dict
    except ImportError as error:
        typer.echo(f"error: the evaluate stage is not available ({error})", err=True)
        raise typer.Exit(2)
    report = evaluate_folder(gold, options=ExtractOptions(), limit=limit)
    if output_format is EvaluateFormat.json:
        typer.echo(json.dumps(report_to_dict(report), ensure_ascii=False, indent=2))
    else:
        render_report(report, stdout_console())


if __name__ == "__main__":
    app()

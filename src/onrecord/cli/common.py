"""What the commands share: the Typer app, option types, the model-loading check, tables and summaries."""
from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from onrecord import __version__
from onrecord.document import Attribution, Document, DocumentMetadata
from onrecord.formatting import plural
from onrecord.options import ExtractOptions
from onrecord.read import AUTO, FORMATS, SUFFIX_FORMATS, ReadOptions, RunStats, expects_many_documents
from onrecord.read.jsonl import DATE_FIELDS, ID_FIELDS, TEXT_FIELDS, TITLE_FIELDS, URL_FIELDS

DEFAULT_GOLD_DIR = Path("../shared/data/polnear/dev")  # relative to the current dir, i.e. the repo root
SNIPPET_CHARS = 80
SPEAKER_CHARS = 40  # a speaker or its source as written in the default table: half the content's room
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


# Built from the read stage's registry so that a new reader is a new choice without a second list.
InputFormat = Enum("InputFormat", {name: name for name in (AUTO, *FORMATS)}, type=str)  # type: ignore[misc]
InputFormat.__doc__ = "Input formats of `onrecord extract`: auto picks by file suffix."


class Profile(str, Enum):
    """Extraction profiles: learned taggers of two sizes, one that also reads a pretrained encoder, or the
    cue-lexicon rules alone."""

    accurate = "accurate"
    fast = "fast"
    precise = "precise"
    rules = "rules"


PROFILE_HELP = ("accurate: the larger learned tagger; fast: the smaller one; precise: the larger one reading "
                "all-MiniLM-L6-v2 too (most accurate, ~10x slower than accurate; needs the `train` extra); "
                "rules: cue lexicon and frame rules only.")


def engine_options(profile: Profile) -> ExtractOptions:
    """Options for a profile, with its model loaded and checked now: a broken model is one line, exit 2."""
    from onrecord.pipeline import pipeline_version
    from onrecord.errors import ModelFileError

    options = ExtractOptions(profile=profile.value)
    try:
        pipeline_version(options)
    except (ModelFileError, ImportError) as error:
        typer.echo(f"error: cannot load the {profile.value} model: {error}", err=True)
        raise typer.Exit(2)
    # The model, lexicons and torch are loaded for good: keeping them out of the garbage collector's
    # full passes saves about 1 ms per document over a long run.
    gc.freeze()
    return options


class EvaluateFormat(str, Enum):
    """Output formats of `onrecord evaluate`."""

    table = "table"
    json = "json"


def snippet(text: str, limit: int | None = SNIPPET_CHARS) -> str:
    """Text on one line, cut to `limit` characters with an ellipsis (never cut when `limit` is None)."""
    text = " ".join(text.split())
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"


def speaker_cell(attribution: Attribution, limit: int | None = SPEAKER_CHARS) -> Text:
    """The resolved speaker with its type and, beneath it, the source as written when that reads otherwise
    ("he", "the minister"); an unresolved source as written alone; else a dash."""
    source = attribution.source and snippet(attribution.source.text, None)
    name = (attribution.speaker and attribution.speaker.name) or source
    if not name:
        return Text("—")
    # Text(...) keeps brackets in news text from being read as rich markup.
    cell = Text(snippet(name, limit))
    if attribution.speaker:
        cell.append(f" ({attribution.speaker.type})")
    if source and source != name:
        cell.append(f"\n“{snippet(source, limit)}”", style="dim")
    return cell


def metadata_line(metadata: DocumentMetadata) -> str:
    """What is known of a document's origin on one line: title · published · byline · outlet · url."""
    parts = [
        f"“{snippet(metadata.title)}”" if metadata.title else None,
        metadata.published,
        f"by {snippet(metadata.byline, 60)}" if metadata.byline else None,
        metadata.outlet,
        metadata.url,
    ]
    return " · ".join(part for part in parts if part)


def attribution_table(doc: Document, full: bool = False) -> Table:
    """A rich table of one document's attributions (speaker with the source as written, cue, content, kind,
    via), its metadata below; content, speaker and source cut short, or with `full` whole and wrapped."""
    caption = metadata_line(doc.metadata)
    table = Table(
        title=Text(f"{doc.doc_id} — {plural(len(doc.attributions), 'attribution')}"),
        caption=Text(caption) if caption else None,
        caption_justify="left",
        show_lines=True,  # a speaker above its source, and a wrapped quote, run over lines: a rule keeps rows apart
    )
    for column in ("speaker / “source”", "cue", "content", "kind", "via"):
        table.add_column(column, overflow="fold")
    content_limit, speaker_limit = (None, None) if full else (SNIPPET_CHARS, SPEAKER_CHARS)
    for attribution in doc.attributions:
        # Text(...) keeps brackets in news text from being read as rich markup.
        table.add_row(
            speaker_cell(attribution, speaker_limit),
            Text(attribution.cue.text if attribution.cue else "—"),
            Text(snippet(attribution.content.text, content_limit)),
            Text(attribution.kind),
            Text(", ".join(outlet.name or outlet.type for outlet in attribution.via) or "—"),
        )
    return table


def segment_table(doc: Document) -> Table:
    """A rich table of one document's segments: label (article, boilerplate, advertorial), reason, text."""
    title = f"{doc.doc_id} — {plural(len(doc.segments), 'segment')}" + ("" if doc.segments else " (not segmented)")
    table = Table(title=Text(title), show_lines=False)
    for column in ("label", "reason", "text"):
        table.add_column(column, overflow="fold")
    for segment in doc.segments:
        table.add_row(Text(segment.label), Text(segment.reason), Text(snippet(doc.text[segment.start:segment.end])))
    return table


def summary_line(processed: int, stats: RunStats) -> str:
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


def show_progress(paths: list[str], read_options: ReadOptions, quiet: bool) -> bool:
    """Whether to draw a progress bar: many documents, stderr a terminal, results going to a file or pipe.

    As with curl's progress meter, results printed on the terminal are their own progress, and a live
    bar would tear them up; so the bar is for the long runs whose output is redirected.
    """
    return not quiet and sys.stderr.isatty() and not sys.stdout.isatty() and expects_many_documents(paths, read_options)


def with_progress(documents: Iterator[Document], stats: RunStats, total: int | None = None) -> Iterator[Document]:
    """Pass `documents` through while a transient bar on stderr counts them, with the skips so far.

    With a known `total` (text and HTML files) it is a bar with a count and time left; for JSONL, WARC
    and stdin, whose document count is known only at the end, a spinner with the counts.
    """
    if total:
        columns = (BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[skipped]} skipped"),
                   TimeElapsedColumn(), TimeRemainingColumn())
    else:
        columns = (SpinnerColumn(), TextColumn("{task.completed} processed, {task.fields[skipped]} skipped"),
                   TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("extract", total=total or None, skipped=0)
        for done, doc in enumerate(documents, 1):
            # with a total, each skipped file moves the bar too, so it ends full
            progress.update(task, completed=done + stats.skipped_total if total else done,
                            skipped=stats.skipped_total)
            yield doc


def field_help(kind: str, defaults: tuple[str, ...]) -> str:
    """Help text of a JSONL field option, naming the fields tried when it is not given."""
    tried = defaults[0] if len(defaults) == 1 else "the first of " + ", ".join(defaults)
    return f"JSONL: the field holding the {kind} (default: {tried})."


# Options shared by the commands that read inputs (`extract`, `ingest`), declared once.
ProfileOption = Annotated[Profile, typer.Option("--profile", "-p", help=PROFILE_HELP)]
InputFormatOption = Annotated[
    InputFormat,  # type: ignore[valid-type]
    typer.Option("--input-format", "-i", help="Read every input as this format; auto: by file suffix, stdin as text."),
]
TextFieldOption = Annotated[str | None, typer.Option(help=field_help("text", TEXT_FIELDS))]
IdFieldOption = Annotated[str | None, typer.Option(help=field_help("document id", ID_FIELDS) + " Else FILE:LINE.")]
UrlFieldOption = Annotated[str | None, typer.Option(help=field_help("URL", URL_FIELDS))]
DateFieldOption = Annotated[str | None, typer.Option(help=field_help("publication date", DATE_FIELDS))]
TitleFieldOption = Annotated[str | None, typer.Option(help=field_help("title", TITLE_FIELDS))]
TimeoutOption = Annotated[
    float, typer.Option(min=0, help="Seconds allowed per document for HTML and attribution extraction; 0: no limit.")
]
MaxInputBytesOption = Annotated[
    int, typer.Option("--max-input-bytes", min=1, help=(
        "Largest text file or stream, JSONL line, or WARC run without a line break, in bytes once decompressed; "
        "larger is skipped with a reason (HTML pages: 10 MB)."))
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no line per skipped input; the summary stays.")
]
InputPaths = Annotated[
    list[str],
    typer.Argument(help=f"Files, folders (searched for {', '.join(SUFFIX_FORMATS)}, also .gz), or - for stdin."),
]



"""What the commands share: the Typer app, option types, the model-loading check, tables and summaries."""
from __future__ import annotations

import gc
import inspect
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated

import rich.markup
import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup
from typer._click.exceptions import UsageError  # click's, as vendored by Typer (no public name)
from rich.console import Console
from rich.progress import (
    BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from onrecord import __version__
from onrecord.document import ACTS, Attribution, Document, DocumentMetadata
from onrecord.formatting import plural
from onrecord.options import ExtractOptions
from onrecord.read import AUTO, FORMATS, SUFFIX_FORMATS, ReadOptions, RunStats, expects_many_documents
from onrecord.read.jsonl import DATE_FIELDS, ID_FIELDS, TEXT_FIELDS, TITLE_FIELDS, URL_FIELDS

# Annotated data is the user's to name: no default, so the CLI never reaches outside its folder
ANNOTATED_FORMAT = ("PolNeAR's brat layout: text/ARTICLE.txt beside attributions/ARTICLE_ANNOTATOR.ann "
                    "(Attribution events with Source, Cue, Content); PolNeAR itself: "
                    "github.com/networkdynamics/polnear; see docs/evaluation.md.")
GOLD_HELP = "Folder of hand-annotated articles, in " + ANNOTATED_FORMAT
TRAIN_DATA_HELP = "Folder with train/ and dev/, each in " + ANNOTATED_FORMAT
SNIPPET_CHARS = 80
SPEAKER_CHARS = 40  # a speaker or its source as written in the default table: half the content's room
PIPED_WIDTH = 160  # rich assumes 80 columns when stdout is a file or pipe; score tables need more

EXAMPLES = "Examples:"  # the line that starts a command's examples in its docstring


def split_examples(help_text: str) -> tuple[str, list[str]]:
    """A docstring's purpose, and the lines of its `Examples:` block (what follows that line)."""
    text = inspect.cleandoc(help_text or "")
    purpose, found, examples = text.partition("\n" + EXAMPLES)
    # a paragraph's line breaks are the docstring's, not the reader's: rich would keep them, so they go
    purpose = "\n\n".join(" ".join(paragraph.split()) for paragraph in purpose.strip().split("\n\n"))
    return purpose, [line.strip() for line in examples.splitlines() if line.strip()] if found else []


class Explained:
    """Help that explains itself (mixed into onrecord's Typer command and group classes).

    A docstring's `Examples:` block is shown as is, one command line each, below the options; the
    usage line names arguments by their metavar (`PATH...`, `[DOC_ID]`) instead of Typer's `{paths}...`;
    and a flag shows no value type, since it takes none.
    """

    def explain(self) -> None:
        """Move the help's `Examples:` block into the epilog, each line kept (rich markup escaped)."""
        self.help, examples = split_examples(self.help or "")
        if examples:
            self.epilog = EXAMPLES + "\n" + "\n".join("  " + rich.markup.escape(line) for line in examples)

    def get_params(self, ctx):  # type: ignore[no-untyped-def]
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                param.metavar = ""  # Typer shows `<bool>` beside a flag otherwise, as if it took a value
            elif isinstance(param, TyperArgument) and param.metavar is None:
                param.metavar = param.name.upper()
        return params

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        """Parse the command line; a usage error (a value outside a closed set, a missing option, a bad
        date) is one `error:` line naming the choices, and exit 2, as every other error is."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)  # type: ignore[misc]
        except UsageError as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # the help itself, shown for a bare command
                raise
            raise usage_error(error, " ".join(filter(None, (parent.command_path if parent else None, info_name))))

    def collect_usage_pieces(self, ctx) -> list[str]:  # type: ignore[no-untyped-def]
        pieces = [self.options_metavar] if self.options_metavar else []  # type: ignore[attr-defined]
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        if isinstance(self, TyperGroup):
            pieces.append(self.subcommand_metavar)
        return pieces


def usage_error(error: UsageError, command: str) -> typer.Exit:
    """Print a usage error as one `error:` line pointing at the command's help; return the Exit (2) to raise."""
    message = " ".join(error.format_message().replace("Value error, ", "").split()).rstrip(".")
    typer.echo(f"error: {message} (see: {command} --help)", err=True)
    return typer.Exit(2)


class ExplainedCommand(Explained, TyperCommand):
    """A command whose help explains itself (see Explained)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.explain()


class ExplainedGroup(Explained, TyperGroup):
    """A group of commands whose help explains itself (see Explained)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.explain()

    def resolve_command(self, ctx, args):  # type: ignore[no-untyped-def]
        """The subcommand named in `args`; an unknown one is one `error:` line too."""
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            raise usage_error(error, ctx.command_path) from None


class App(typer.Typer):
    """A Typer app whose commands and groups explain themselves: every `onrecord` command is made by one."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(cls=ExplainedGroup, pretty_exceptions_show_locals=False, **kwargs)

    def command(self, name: str | None = None, *, cls=None, **kwargs):  # type: ignore[no-untyped-def]
        """Typer's command decorator, making an ExplainedCommand."""
        return super().command(name, cls=cls or ExplainedCommand, **kwargs)


app = App(name="onrecord", no_args_is_help=True)


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


Act = Enum("Act", {name: name for name in ACTS}, type=str)  # type: ignore[misc]
Act.__doc__ = "What an attribution reports: speech (a statement) or thought (a belief, hope, plan)."
# Options shared by the commands that filter attributions (`extract`, `search`, `export`), declared once.
ActOption = Annotated[
    Act | None,  # type: ignore[valid-type]
    typer.Option("--act", help="Only speech (statements: said, told, according to, floating quotes) or only "
                               "thought (beliefs, hopes, plans: believes, wants, expects)."),
]
MinConfidenceOption = Annotated[
    float | None, typer.Option("--min-confidence", min=0.0, max=1.0, metavar="X",
                               help="Only attributions whose confidence is at least X (0-1)."),
]


def keeps(attribution: Attribution, act: Act | None, min_confidence: float | None) -> bool:  # type: ignore[valid-type]
    """Whether an attribution passes --act and --min-confidence (the rule StatementQuery applies in the ledger)."""
    return (act is None or attribution.act == act.value) and attribution.confidence >= (min_confidence or 0.0)


def filtered(doc: Document, act: Act | None, min_confidence: float | None) -> Document:  # type: ignore[valid-type]
    """The document with only the attributions that pass --act and --min-confidence (itself when none is given)."""
    if act is None and not min_confidence:
        return doc
    return replace(doc, attributions=[a for a in doc.attributions if keeps(a, act, min_confidence)])


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
            Text(attribution.cue.text if attribution.cue else "(floating)" if attribution.floating else "—"),
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
    """onrecord: who said what, according to whom — attribution extraction for news.

    Extract attributions from text, HTML, JSONL or WARC files; store them in a ledger; search, list
    and export them; browse them in a web browser. Each command's --help has its options and examples.
    Documentation: README.md and the docs/ folder of the onrecord repository (docs/ledger.md for the
    ledger's commands, docs/input-formats.md for inputs, docs/output-schema.md for the JSON).

    Examples:
        onrecord extract article.html --format json
        onrecord ingest articles/ --db ledger.duckdb
        onrecord search "ceasefire" --speaker Peskov --db ledger.duckdb
        onrecord serve --db ledger.duckdb
    """


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
    typer.Argument(metavar="PATH", help=f"Files, folders (searched for {', '.join(SUFFIX_FORMATS)}, also .gz), or - for stdin."),
]



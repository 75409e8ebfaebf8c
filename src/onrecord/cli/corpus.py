"""The ledger's commands: ingest, search, export, outlets, speakers (merge, split, gender), sourcing, migrate.

Each is a thin wrapper over `onrecord.store` (the same Ledger a Python user opens). A ledger that
can't be used as asked (missing, not a ledger, newer schema, locked, read-only folder) is one line
on stderr and exit 2, never a traceback.
"""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from onrecord.cli.common import (
    ActOption, DateFieldOption, IdFieldOption, InputFormat, InputFormatOption, InputPaths, MaxInputBytesOption,
    MinConfidenceOption, Profile, App, ProfileOption, QuietOption, TextFieldOption, TimeoutOption, TitleFieldOption,
    UrlFieldOption, app, engine_options, snippet, stdout_console, summary_line,
)
from onrecord.formatting import plural
from onrecord.document import GENDERS, KINDS
from onrecord.read import STDIN, ReadOptions, count_documents, expects_many_documents
from onrecord.run import IngestOptions, IngestReport, ingest
from onrecord.store import Ledger, LedgerError, StatementQuery
from onrecord.store.backend import database_errors, ledger_location
from onrecord.store.backend import open_ledger as open_database
from onrecord.run.ingest import BATCH_SIZE
from onrecord.run.shards import DEFAULT_SHARD_SIZE, ShardError, ShardOptions, ShardReport, ingest_shards
from onrecord.store.ledger import EXPORT_FORMATS, SOURCE_LABELS, GenderFigures, SourcingFigures, Statement
from onrecord.store.query import parse_day
from onrecord.store.unify import CLEAR_GENDER, UNIFIED_TYPES, distinct_variants

DEFAULT_DB = "ledger.duckdb"
DbOption = Annotated[Path, typer.Option(
    "--db", envvar="ONRECORD_DB", parser=ledger_location,
    help="The ledger: a DuckDB file, or a PostgreSQL database (postgresql://USER@HOST/DB).")]

Kind = Enum("Kind", {name: name for name in KINDS}, type=str)  # type: ignore[misc]
Kind.__doc__ = "Speech kinds: direct, mixed, indirect."
SpeakerType = Enum("SpeakerType", {name: name for name in UNIFIED_TYPES}, type=str)  # type: ignore[misc]
SpeakerType.__doc__ = "The types of the speakers unified across the ledger (others, such as anonymous, are not)."
Gender = Enum("Gender", {name: name for name in GENDERS}, type=str)  # type: ignore[misc]
Gender.__doc__ = "A person's gender: woman, man, nonbinary or unknown (only persons have one)."
GenderOption = Annotated[Gender | None, typer.Option(  # type: ignore[valid-type]
    "--gender", help="Only statements by persons of this gender (organisations, media, anonymous sources have none).")]


class ListFormat(str, Enum):
    """Output formats of the listing commands."""

    table = "table"
    jsonl = "jsonl"
    csv = "csv"


class Engine(str, Enum):
    """Where `onrecord ingest` runs: in this process, or as shards on a Ray cluster."""

    local = "local"
    ray = "ray"


class ExportFormat(str, Enum):
    """File formats of `onrecord export`."""

    parquet = "parquet"
    csv = "csv"
    jsonl = "jsonl"


assert {f.value for f in ExportFormat} == set(EXPORT_FORMATS)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: message` on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def open_ledger(path: Path, read_only: bool, migrate: bool = False) -> Iterator[Ledger]:
    """Open the ledger for a command; its errors (and DuckDB's) become one line and exit 2."""
    try:
        ledger = open_database(path, read_only=read_only, migrate=migrate)
    except LedgerError as error:
        raise fail(str(error)) from None
    try:
        yield ledger
    except LedgerError as error:
        raise fail(str(error)) from None
    except database_errors() as error:
        raise fail(f"{ledger.path}: {str(error).strip().splitlines()[0]}") from None
    finally:
        ledger.close()


def option_day(value: str | None, option: str) -> date | None:
    """A --since/--until value as a date; a bad one is one `error:` line (exit 2)."""
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as error:
        raise fail(f"{option}: {error}") from None


# -- ingest ------------------------------------------------------------------------------------------

@contextmanager
def ingest_progress(enabled: bool, total: int | None) -> Iterator:
    """A transient progress display on stderr, updated from IngestReports; a no-op when disabled."""
    if not enabled:
        yield None
        return
    columns = ((BarColumn(), MofNCompleteColumn()) if total else (SpinnerColumn(),)) + (
        TextColumn("{task.fields[line]}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("ingest", total=total or None, line="")

        def update(report: IngestReport) -> None:
            done = report.processed + report.stats.skipped_total
            progress.update(task, completed=done, line=(
                f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
                f"{report.stats.skipped_total} skipped, {report.attributions} attributions"))

        yield update


def shards_line(shards: ShardReport) -> str:
    """What a sharded ingest did with its shards, on one line."""
    merged = shards.total - len(shards.failed)
    return (f"shards: {merged} of {shards.total} merged ({shards.processed} processed on "
            f"{plural(shards.workers, 'worker')}, {shards.reused} reused from an earlier run)")


def ingest_summary(report: IngestReport, counts: dict[str, int]) -> list[str]:
    """The closing lines of an ingest: what was done, how fast, and what the ledger holds now."""
    return ([shards_line(report.shards)] if report.shards else []) + [
        summary_line(report.processed, report.stats)
        + f" (added {report.added}, updated {report.updated}, unchanged {report.unchanged})",
        f"stored {plural(report.attributions, 'attribution')} in {report.elapsed:.1f} s "
        f"({report.docs_per_second:.1f} docs/s; database {report.database_seconds:.1f} s)",
        f"ledger: {plural(counts['documents'], 'document')}, {plural(counts['attributions'], 'attribution')}, "
        f"{plural(counts['speakers'], 'speaker')}",
    ]


@app.command("ingest")
def ingest_command(
    paths: InputPaths,
    db: DbOption = Path(DEFAULT_DB),
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
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per database transaction.")] = BATCH_SIZE,
    engine: Annotated[Engine, typer.Option(
        help='local: in this process; ray: as shards on a Ray cluster (pip install "onrecord\\[ray]").',
    )] = Engine.local,
    address: Annotated[str | None, typer.Option(
        help="--engine ray: a running cluster (auto, HOST:6379, ray://HOST:10001); default: start Ray here.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="--engine ray: worker processes, one CPU and one model each (default: every CPU).")] = None,
    shard_size: Annotated[int | None, typer.Option(
        min=1, help=f"--engine ray: files or JSONL lines per shard (default: {DEFAULT_SHARD_SIZE}).")] = None,
    work_dir: Annotated[Path | None, typer.Option(
        help="--engine ray: where finished shards wait to be merged (default: DB.shards).")] = None,
) -> None:
    """Extract attributions from inputs and store them in the ledger (unchanged documents are skipped).

    Every attribution is stored, whatever its act or confidence: search, export and the web UI filter at
    query time (--act, --min-confidence).

    Examples:
        onrecord ingest articles/ --db ledger.duckdb
        onrecord ingest crawl.warc.gz feed.jsonl --db ledger.duckdb --profile fast
        onrecord ingest articles/ --db ledger.duckdb --engine ray --workers 8
    """
    ray_only = {"--address": address, "--workers": workers, "--shard-size": shard_size, "--work-dir": work_dir}
    if engine is Engine.local and any(value is not None for value in ray_only.values()):
        given = ", ".join(name for name, value in ray_only.items() if value is not None)
        raise fail(f"{given}: only with --engine ray")
    if engine is Engine.ray and any(str(path) == STDIN for path in paths):
        raise fail("--engine ray reads files and folders, not standard input (-)")
    read_options = ReadOptions(input_format=input_format.value, text_field=text_field, id_field=id_field,
                               url_field=url_field, date_field=date_field, title_field=title_field, timeout=timeout,
                               max_input_bytes=max_input_bytes)
    options = IngestOptions(extract=engine_options(profile), read=read_options,
                            batch_size=batch_size)
    show = not quiet and sys.stderr.isatty() and expects_many_documents(paths, read_options)
    with open_ledger(db, read_only=False) as ledger:
        with ingest_progress(show, count_documents(paths, read_options) if show else None) as update:
            if engine is Engine.local:
                report = ingest(ledger, paths, options, on_progress=update)
            else:
                shard_options = ShardOptions(shard_size=shard_size or DEFAULT_SHARD_SIZE, work_dir=work_dir)
                report = ingest_on_ray(ledger, paths, options, shard_options, address, workers, update)
        counts = ledger.counts()
    if not quiet:
        for message in report.stats.messages:
            typer.echo(message, err=True)
    for line in ingest_summary(report, counts):
        typer.echo(line, err=True)
    if report.shards and report.shards.failed:
        index, reason = report.shards.failed[0]
        raise fail(f"{plural(len(report.shards.failed), 'shard')} of {report.shards.total} failed after retries "
                   f"(shard {index}: {reason}); the others are in the ledger: run the same command again to retry")
    if report.processed == 0:
        raise typer.Exit(1)


def ingest_on_ray(ledger: Ledger, paths: list[str], options: IngestOptions, shard_options: ShardOptions,
                  address: str | None, workers: int | None, on_progress) -> IngestReport:
    """`ingest --engine ray`: the sharded ingest on a Ray cluster; what stops it is one ShardError line."""
    from onrecord.run.ray import RayExecutor  # imports Ray only now: the core install has none

    try:
        with RayExecutor(address=address, workers=workers) as executor:
            return ingest_shards(ledger, paths, options, executor, shard_options, on_progress=on_progress)
    except ShardError as error:
        raise fail(str(error)) from None


# -- search and export -------------------------------------------------------------------------------

SpeakerOption = Annotated[str | None, typer.Option("--speaker", "-s", help="A speaker id, or part of a name.")]
OUTLET_HELP = ("An outlet's whole name (any case) for that outlet alone, else part of outlets' names "
               "(list them: onrecord outlets).")
OutletOption = Annotated[str | None, typer.Option("--outlet", "-o", help=OUTLET_HELP)]
KindOption = Annotated[Kind | None, typer.Option("--kind", "-k", help="direct, mixed or indirect.")]  # type: ignore[valid-type]
SinceOption = Annotated[str | None, typer.Option(help="Published on or after this date (YYYY-MM-DD).")]
UntilOption = Annotated[str | None, typer.Option(help="Published on or before this date (YYYY-MM-DD).")]
AnonymousOption = Annotated[bool, typer.Option("--anonymous", help="Only statements from anonymous sources.")]
TextArgument = Annotated[
    str | None, typer.Argument(
        metavar="TEXT",
        help='Full text over the content: all words required · "exact phrase" · -exclude · prefix* · a OR b.')]


def statement_query(text, speaker, outlet, kind, since, until, anonymous, act, min_confidence, limit,
                    offset=0, gender=None) -> StatementQuery:
    """A StatementQuery from the command line's options (dates checked here)."""
    return StatementQuery(text=text, speaker=speaker, outlet=outlet, kind=kind.value if kind else None,
                          since=option_day(since, "--since"), until=option_day(until, "--until"),
                          anonymous=anonymous, act=act.value if act else None, min_confidence=min_confidence,
                          limit=limit, offset=offset, gender=gender.value if gender else None)


def statement_table(statements: list[Statement], title: str) -> Table:
    """A rich table of statements: speaker, cue, content, kind, outlet and date, document."""
    table = Table(title=Text(title))
    for column in ("speaker", "cue", "content", "kind", "outlet", "published", "document"):
        table.add_column(column, overflow="fold")
    for s in statements:
        speaker = s.speaker or "—"
        if s.speaker_type:
            speaker += f" ({s.speaker_type}, {s.gender})" if s.gender else f" ({s.speaker_type})"
        if s.via:
            speaker += f" via {s.via}"
        cue = s.cue or ("(floating)" if s.floating else "—")
        table.add_row(Text(speaker), Text(cue if s.act != "thought" else f"{cue} (thought)"),
                      Text(snippet(s.content, 120)), Text(s.kind),
                      Text(s.outlet or "—"), Text(s.published or "—"), Text(s.doc_id))
    return table


def write_rows(rows: list[dict], output_format: ListFormat) -> None:
    """Print dicts as JSON lines or CSV on stdout."""
    if output_format is ListFormat.jsonl:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False, default=str))
    elif rows:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            # a list on one line; a nested record (a speaker's gender evidence) as its JSON
            writer.writerow({k: "; ".join(v) if isinstance(v, list) else
                             json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for k, v in row.items()})


@app.command("search")
def search_command(
    text: TextArgument = None,
    speaker: SpeakerOption = None,
    outlet: OutletOption = None,
    kind: KindOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    anonymous: AnonymousOption = False,
    act: ActOption = None,
    min_confidence: MinConfidenceOption = None,
    gender: GenderOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many statements.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first (for paging).")] = 0,
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Search the ledger's statements: full text over the content, filtered by speaker, outlet, kind, date.

    Examples:
        onrecord search "ceasefire" --speaker Peskov --since 2022-01-01
        onrecord search "\"no plans\"" --outlet reuters --kind direct --format jsonl
        onrecord search --anonymous --limit 50 --db ledger.duckdb
        onrecord search "tariffs" --act speech --min-confidence 0.9
        onrecord search --gender woman --outlet reuters --format csv
    """
    query = statement_query(text, speaker, outlet, kind, since, until, anonymous, act, min_confidence, limit, offset,
                            gender)
    with open_ledger(db, read_only=True) as ledger:
        statements = ledger.search(query)
    if output_format is ListFormat.table:
        title = plural(len(statements), "statement") + (f" matching {text!r}" if text else "")
        stdout_console().print(statement_table(statements, title))
    else:
        write_rows([s.to_dict() for s in statements], output_format)


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Argument(metavar="FILE", help="The file to write (.parquet, .csv or .jsonl).")],
    output_format: Annotated[
        ExportFormat | None, typer.Option("--format", "-f", help="File format (default: from OUT's suffix).")] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="Only statements matching this search.")] = None,
    speaker: SpeakerOption = None,
    outlet: OutletOption = None,
    kind: KindOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    anonymous: AnonymousOption = False,
    act: ActOption = None,
    min_confidence: MinConfidenceOption = None,
    gender: GenderOption = None,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Write the ledger's statements (all, or those matching the filters) to parquet, csv or jsonl.

    Examples:
        onrecord export statements.parquet --db ledger.duckdb
        onrecord export peskov.csv --speaker Peskov --since 2022-01-01
        onrecord export statements.jsonl --act speech --min-confidence 0.7
        onrecord export women.csv --gender woman --since 2024-01-01
    """
    if output_format is None:
        suffix = out.suffix.lstrip(".").lower()
        output_format = {"parquet": ExportFormat.parquet, "csv": ExportFormat.csv, "jsonl": ExportFormat.jsonl,
                         "ndjson": ExportFormat.jsonl}.get(suffix)
        if output_format is None:
            raise fail(f"can't tell the format from {out.name!r}; pass --format parquet|csv|jsonl")
    query = statement_query(text, speaker, outlet, kind, since, until, anonymous, act, min_confidence, limit=None,
                            gender=gender)
    with open_ledger(db, read_only=True) as ledger:
        rows = ledger.export(out, output_format.value, query)
    typer.echo(f"wrote {plural(rows, 'statement')} to {out} ({output_format.value})", err=True)


# -- outlets -----------------------------------------------------------------------------------------

@app.command("outlets")
def outlets_command(
    name: Annotated[str | None, typer.Option("--name", help="Only the outlets this names (as --outlet does "
                                                             "elsewhere: a whole name, else part of names).")] = None,
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """List the ledger's outlets with their document and attribution counts, most documents first.

    Examples:
        onrecord outlets --db ledger.duckdb
        onrecord outlets --name bbc --format csv
    """
    with open_ledger(db, read_only=True) as ledger:
        outlets = ledger.outlets(name)
    if output_format is ListFormat.table:
        table = Table(title=Text(plural(len(outlets), "outlet")))
        for column in ("outlet", "documents", "attributions"):
            table.add_column(column, overflow="fold", justify="left" if column == "outlet" else "right")
        for outlet in outlets:
            table.add_row(Text(outlet.name), str(outlet.documents), str(outlet.attributions))
        stdout_console().print(table)
    else:
        write_rows([outlet.to_dict() for outlet in outlets], output_format)


# -- speakers ----------------------------------------------------------------------------------------

speakers_app = App(invoke_without_command=True)
app.add_typer(speakers_app, name="speakers")


@speakers_app.callback()
def speakers_command(
    context: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Only speakers with a name containing this.")] = None,
    speaker_type: Annotated[
        SpeakerType | None, typer.Option("--type", help="Only speakers of this type.")] = None,  # type: ignore[valid-type]
    gender: Annotated[
        Gender | None, typer.Option("--gender", help="Only persons of this gender.")] = None,  # type: ignore[valid-type]
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many speakers.")] = 50,
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """List the speakers unified across the ledger, most quoted first; correct them with merge, split and gender.

    Examples:
        onrecord speakers --type person --limit 20
        onrecord speakers --name Smith --format jsonl
        onrecord speakers --gender woman
        onrecord speakers merge "John Smith" john-smith-2
        onrecord speakers gender jordan-lee woman
    """
    if context.invoked_subcommand is not None:
        return
    with open_ledger(db, read_only=True) as ledger:
        speakers = ledger.speakers(limit=limit, name=name, speaker_type=speaker_type and speaker_type.value,
                                   gender=gender and gender.value)
        stale = ledger.is_stale()
    # roles and affiliations without duplicate variants ("President · US President · U.S. President"), as the web UI
    speakers = [replace(s, roles=distinct_variants(s.roles), affiliations=distinct_variants(s.affiliations, True))
                for s in speakers]
    if output_format is ListFormat.table:
        table = Table(title=Text(plural(len(speakers), "speaker")))
        for column in ("id", "name", "type", "gender", "statements", "also named", "roles", "affiliations"):
            table.add_column(column, overflow="fold")
        for s in speakers:
            table.add_row(Text(s.speaker_id), Text(s.name), Text(s.type), Text(gender_label(s)), str(s.statements),
                          Text(", ".join(n for n in s.names if n != s.name)), Text("; ".join(s.roles[:3])),
                          Text(", ".join(s.affiliations[:3])))
        stdout_console().print(table)
    else:
        write_rows([dict(s.__dict__) for s in speakers], output_format)
    if stale:
        typer.echo("note: the ledger's speakers are from before its last (interrupted) ingest; "
                   "run onrecord ingest again to refresh them", err=True)


def gender_label(speaker) -> str:
    """A speaker's gender as the table shows it: "woman (corrected)", "unknown (2 conflicts)", "—" for a non-person."""
    if speaker.gender is None:
        return "—"
    basis = speaker.gender_evidence.get("basis")
    if basis == "correction":
        return f"{speaker.gender} (corrected)"
    if speaker.gender_conflicts and speaker.gender == "unknown":
        return f"unknown ({plural(speaker.gender_conflicts, 'conflict')})"
    return speaker.gender


@speakers_app.command("merge")
def speakers_merge_command(
    a: Annotated[str, typer.Argument(metavar="SPEAKER", help="A speaker id or name.")],
    b: Annotated[str, typer.Argument(metavar="OTHER", help="Another speaker id or name.")],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Make two speakers one (the correction is kept, and replayed after every ingest).

    Examples:
        onrecord speakers merge "Mr. Peskov" dmitry-peskov
        onrecord speakers merge john-smith "Senator Smith" --db ledger.duckdb
    """
    with open_ledger(db, read_only=False) as ledger:
        merged = ledger.merge_speakers(a, b)
    typer.echo(f"merged into {merged.speaker_id}: {', '.join(merged.names)} ({plural(merged.statements, 'statement')})")


@speakers_app.command("split")
def speakers_split_command(
    a: Annotated[str, typer.Argument(metavar="SPEAKER", help="A speaker id or name.")],
    name: Annotated[str, typer.Argument(metavar="NAME", help="The name variant to take out into a speaker of its own.")],
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Take the statements under one name out of a speaker (kept, and replayed after every ingest).

    Examples:
        onrecord speakers split john-smith "Anna Smith"
        onrecord speakers split "Smith" "Mayor Smith" --db ledger.duckdb
    """
    with open_ledger(db, read_only=False) as ledger:
        split = ledger.split_speaker(a, name)
    typer.echo(f"split off {split.speaker_id}: {', '.join(split.names)} ({plural(split.statements, 'statement')})")


@speakers_app.command("gender")
def speakers_gender_command(
    a: Annotated[str, typer.Argument(metavar="SPEAKER", help="A person's speaker id or name.")],
    value: Annotated[Gender | None, typer.Argument(  # type: ignore[valid-type]
        metavar="GENDER", help="woman, man, nonbinary or unknown.", show_default=False)] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Drop the correction: decided from the evidence again.")] = False,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Correct a person's gender (kept, and replayed after every ingest), or drop the correction with --clear.

    Examples:
        onrecord speakers gender jordan-lee woman
        onrecord speakers gender "Sam Ortiz" nonbinary --db ledger.duckdb
        onrecord speakers gender jordan-lee --clear
    """
    if (value is None) == (not clear):
        raise fail("give a GENDER (woman, man, nonbinary, unknown) or --clear (one of them)")
    with open_ledger(db, read_only=False) as ledger:
        speaker = ledger.set_gender(a, CLEAR_GENDER if clear else value.value)
    how = "decided from the evidence again" if clear else "corrected"
    typer.echo(f"{speaker.speaker_id}: {speaker.gender} ({how})")


# -- sourcing and migrate -----------------------------------------------------------------------------

class SourcingFormat(str, Enum):
    """Output formats of `onrecord sourcing`."""

    table = "table"
    json = "json"


def sourcing_table(figures: SourcingFigures) -> Table:
    """A rich table of sourcing figures: counts and shares of source types and of speech kinds."""
    table = Table(title=Text(f"{figures.scope}: {plural(figures.documents, 'document')}, "
                             f"{plural(figures.attributions, 'attribution')}, "
                             f"{plural(figures.distinct_speakers, 'distinct speaker')}"))
    for column in ("", "count", "share"):
        table.add_column(column, justify="right" if column else "left")
    for label in SOURCE_LABELS:
        table.add_row(f"{label} sources", str(figures.source_types.get(label, 0)),
                      f"{figures.share(figures.source_types, label):.1%}")
    for kind in KINDS:
        table.add_row(f"{kind} speech", str(figures.kinds.get(kind, 0)), f"{figures.share(figures.kinds, kind):.1%}")
    return table


def gender_tables(figures: GenderFigures, scope: str) -> list[Table]:
    """Rich tables of the persons quoted by gender: statements and distinct people, overall and per month."""
    overall = Table(title=Text(f"{scope}: persons quoted, by gender ({plural(figures.total_statements, 'statement')}, "
                               f"{figures.total_people} {'person' if figures.total_people == 1 else 'people'})"))
    for column in ("", "statements", "share", "people", "share "):
        overall.add_column(column, justify="right" if column else "left")
    figured = figures.to_dict()
    statements, people = figured["statements"], figured["people"]
    for gender in GENDERS:
        overall.add_row(gender, str(statements[gender]["count"]), f"{statements[gender]['share']:.1%}",
                        str(people[gender]["count"]), f"{people[gender]['share']:.1%}")
    tables = [overall]
    if figures.months:
        monthly = Table(title=Text(f"{scope}: persons quoted per month (statements · people)"))
        monthly.add_column("month")
        for gender in GENDERS:
            monthly.add_column(gender, justify="right")
        for row in figured["months"]:
            monthly.add_row(row["month"], *(
                f"{row['statements'][g]['count']} ({row['statements'][g]['share']:.0%}) · "
                f"{row['people'][g]['count']} ({row['people'][g]['share']:.0%})" for g in GENDERS))
        tables.append(monthly)
    return tables


def sourcing_command(
    doc_id: Annotated[str | None, typer.Argument(help="A document id.")] = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="All the documents of one outlet: its whole name "
                                                                "(any case), or a part only it has (see: onrecord outlets).")] = None,
    output_format: Annotated[SourcingFormat, typer.Option("--format", "-f", help="Output format.")] = SourcingFormat.table,
    db: DbOption = Path(DEFAULT_DB),
) -> None:
    """Who a document, an outlet or the whole ledger quotes: named, anonymous, organisational, media sources;
    direct vs indirect; the persons quoted by gender (women, men, nonbinary, unknown: statements and distinct
    people, per month).

    Examples:
        onrecord sourcing
        onrecord sourcing kremlin-denies
        onrecord sourcing --outlet reuters --format json
    """
    if doc_id is not None and outlet is not None:
        raise fail("give a DOC_ID or --outlet NAME, not both (neither: the whole ledger)")
    with open_ledger(db, read_only=True) as ledger:
        figures = ledger.sourcing(doc_id=doc_id, outlet=outlet)
    if output_format is SourcingFormat.json:
        typer.echo(json.dumps(figures.to_dict(), ensure_ascii=False, indent=2))
    else:
        console = stdout_console()
        console.print(sourcing_table(figures))
        for table in gender_tables(figures.genders, figures.scope):
            console.print(table)


app.command("sourcing")(sourcing_command)
# the command's name until 0.1: "profile" now only means the model choice (--profile); kept for one release
app.command("profile", hidden=True, deprecated=True)(sourcing_command)


@app.command("migrate")
def migrate_command(db: DbOption = Path(DEFAULT_DB)) -> None:
    """Bring a ledger written by an older onrecord to the current schema version (back it up first).

    Examples:
        cp ledger.duckdb ledger-backup.duckdb
        onrecord migrate --db ledger.duckdb
        onrecord migrate --db archive/2023.duckdb
    """
    if isinstance(db, Path) and not db.exists():
        raise fail(f"no ledger at {db}")
    with open_ledger(db, read_only=False, migrate=True) as ledger:
        version, name = ledger.schema_version, ledger.path
    typer.echo(f"{name}: schema version {version}")

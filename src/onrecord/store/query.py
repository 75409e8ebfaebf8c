"""Statement queries: full text plus filters, turned into one parameterised SQL statement.

User text never enters the SQL itself: every value is a bound parameter, and LIKE patterns escape
the user's own `%` and `_`. Full text goes through DuckDB's FTS index (BM25, every term required);
"quoted phrases" must also appear verbatim. When the index is stale (a run stopped before its
refresh), terms are matched with ILIKE instead, so results are right, only unranked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”')
TERM = re.compile(r"\w+")


@dataclass(frozen=True)
class StatementQuery:
    """What to look for in the ledger; fields left None don't filter."""

    text: str | None = None  # full text over the content: words (all required) and "exact phrases"
    speaker: str | None = None  # a speaker id, or part of any of the speaker's names
    outlet: str | None = None  # part of the outlet's name
    kind: str | None = None  # direct | mixed | indirect
    since: date | None = None  # published on or after
    until: date | None = None  # published on or before
    anonymous: bool = False  # only anonymous sources ("officials said", "a source familiar with")
    doc_id: str | None = None
    speaker_id: str | None = None  # exactly this unified speaker (what a speaker's page lists)
    limit: int | None = 20
    offset: int = 0


def like_pattern(text: str) -> str:
    """`%text%` for ILIKE ... ESCAPE '\\', with the user's own % and _ matched literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def phrases(text: str) -> list[str]:
    """The "quoted phrases" of a search text."""
    return [m.group(1) or m.group(2) for m in PHRASE.finditer(text)]


STATEMENT_COLUMNS = """a.attribution_id, a.doc_id, a.ordinal,
    coalesce(s.name, a.speaker_name, a.source_text) AS speaker, s.speaker_id, a.speaker_type,
    a.source_text AS source, a.cue_text AS cue, a.content_text AS content, a.kind, a.via_names AS via,
    d.outlet, d.published, d.title, d.url"""

EXPORT_EXTRA_COLUMNS = """, a.speaker_name AS speaker_as_written, a.speaker_role, a.speaker_affiliation,
    a.source_spans, a.cue_spans, a.content_spans, a.confidence, d.byline"""

FROM = """FROM attributions a JOIN documents d ON d.doc_id = a.doc_id
    LEFT JOIN speaker_mentions m ON m.mention_key = a.mention_key
    LEFT JOIN speakers s ON s.speaker_id = m.speaker_id"""

# BM25 over the content; conjunctive: every term must occur (as a search box user expects)
FTS_HITS = """JOIN (SELECT attribution_id, score FROM (
        SELECT attribution_id, fts_main_attributions.match_bm25(attribution_id, ?, conjunctive := 1) AS score
        FROM attributions) WHERE score IS NOT NULL) hits ON hits.attribution_id = a.attribution_id"""


def outlet_condition(outlet: str) -> tuple[str, list[Any]]:
    """The outlet filter on documents `d` (search, export, the documents list): part of the name, any case."""
    return "d.outlet ILIKE ? ESCAPE '\\'", [like_pattern(outlet)]


def statement_sql(query: StatementQuery, fts: bool = True, export: bool = False) -> tuple[str, list[Any]]:
    """The SQL and its parameters for the statements matching `query` (columns: see Statement)."""
    params: list[Any] = []
    where: list[str] = []
    joins = ""
    score = "NULL::DOUBLE AS score"
    text = (query.text or "").strip()
    if text:
        words = " ".join(TERM.findall(PHRASE.sub(lambda m: m.group(0).strip('"“”'), text)))
        if fts and words:
            joins = FTS_HITS
            params.append(words)
            score = "hits.score AS score"
        else:
            for word in TERM.findall(text):
                where.append("a.content_text ILIKE ? ESCAPE '\\'")
                params.append(like_pattern(word))
        # no words at all ("%", "--"): the text itself must occur, so it still narrows the search
        for phrase in phrases(text) or ([] if words else [text]):
            where.append("a.content_text ILIKE ? ESCAPE '\\'")
            params.append(like_pattern(phrase))
    if query.speaker:
        # matched against the few thousand speakers first, not once per joined attribution row
        where.append("(a.mention_key IN (SELECT sm.mention_key FROM speaker_mentions sm "
                     "JOIN speakers sp ON sp.speaker_id = sm.speaker_id WHERE sp.speaker_id = ? "
                     "OR array_to_string(sp.names, ' | ') ILIKE ? ESCAPE '\\') "
                     "OR a.speaker_name ILIKE ? ESCAPE '\\')")
        params += [query.speaker, like_pattern(query.speaker), like_pattern(query.speaker)]
    if query.speaker_id:
        where.append("m.speaker_id = ?")
        params.append(query.speaker_id)
    if query.outlet:
        condition, values = outlet_condition(query.outlet)
        where.append(condition)
        params += values
    if query.kind:
        where.append("a.kind = ?")
        params.append(query.kind)
    if query.since:
        where.append("d.published_date >= ?")
        params.append(query.since)
    if query.until:
        where.append("d.published_date <= ?")
        params.append(query.until)
    if query.anonymous:
        where.append("a.speaker_type = 'anonymous'")
    if query.doc_id:
        where.append("a.doc_id = ?")
        params.append(query.doc_id)
    columns = STATEMENT_COLUMNS + (EXPORT_EXTRA_COLUMNS if export else "") + f", {score}"
    sql = f"SELECT {columns} {FROM} {joins}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    order = "score DESC, " if joins else ""  # ranked by relevance when the index was searched
    sql += f" ORDER BY {order}d.published_date DESC NULLS LAST, a.doc_id, a.ordinal"
    if query.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [query.limit, query.offset]
    return sql, params


def parse_day(value: str) -> date:
    """A query's YYYY-MM-DD bound as a date; ValueError (saying the expected form) for anything else."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None

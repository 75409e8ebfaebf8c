"""The ledger's tables, its schema version and the explicit migrations between versions.

The version lives in the `meta` table. Opening a ledger checks it: the current version is used as
is; an older one must be migrated first (`onrecord migrate`, which runs the steps in MIGRATIONS, each
in its own transaction); a newer one was written by a newer onrecord and is refused, never touched.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

from onrecord.text.acts import act_of

SCHEMA_VERSION = 3
APPLICATION = "onrecord-ledger"  # meta.application: tells a ledger from any other DuckDB file

TABLES = """
CREATE TABLE meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
CREATE TABLE documents (
    doc_id VARCHAR PRIMARY KEY,
    url VARCHAR,
    outlet VARCHAR,
    published VARCHAR,          -- as found in the input or the text
    published_date DATE,        -- its date, when it parses (what --since/--until compare)
    title VARCHAR,
    byline VARCHAR,
    text VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL, -- sha256 of text: an unchanged document is not extracted again
    segments VARCHAR NOT NULL,  -- JSON list of {start, end, label, reason}
    source_path VARCHAR,        -- the file it was read from
    pipeline VARCHAR NOT NULL   -- extraction pipeline version; a new one re-extracts on ingest
);
CREATE TABLE attributions (
    attribution_id BIGINT PRIMARY KEY,  -- stable: derived from (doc_id, ordinal)
    doc_id VARCHAR NOT NULL,
    ordinal INTEGER NOT NULL,           -- reading order in its document
    kind VARCHAR NOT NULL,              -- direct | mixed | indirect
    source_text VARCHAR,
    source_spans VARCHAR,               -- JSON [[start, end], ...] into documents.text
    cue_text VARCHAR,
    cue_spans VARCHAR,
    content_text VARCHAR NOT NULL,
    content_spans VARCHAR NOT NULL,
    speaker_name VARCHAR,               -- the speaker as its document's resolve stage named it
    speaker_type VARCHAR,
    speaker_role VARCHAR,
    speaker_affiliation VARCHAR,
    mention_key VARCHAR,                -- (type, name, role, affiliation): the key speaker_mentions maps
    via VARCHAR NOT NULL,               -- JSON list of the reporting chain's speakers, nearest first
    via_names VARCHAR,                  -- "TASS; CNN": the chain on one line
    confidence DOUBLE NOT NULL,
    act VARCHAR,                        -- speech | thought (said, told … or believes, hopes …); since version 2
    floating BOOLEAN DEFAULT FALSE,     -- no cue: its speaker comes from the layout; since version 2
                                        -- (not NOT NULL: DuckDB can't add that to a column within a transaction)
    speaker_gender VARCHAR,             -- persons: woman | man | nonbinary | unknown, as its document's resolve
                                        -- stage decided it; NULL for other types and rows stored before version 3
    speaker_gender_evidence VARCHAR     -- JSON list of {kind, value, text, start, end, score}; since version 3
);
CREATE TABLE speakers (
    speaker_id VARCHAR PRIMARY KEY,     -- readable and stable: "dmitry-peskov"
    name VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    names VARCHAR[] NOT NULL,
    roles VARCHAR[] NOT NULL,
    affiliations VARCHAR[] NOT NULL,
    statements INTEGER NOT NULL,
    gender VARCHAR,                     -- persons: decided from every mention's gender (store/unify.py); since 3
    gender_conflicts INTEGER DEFAULT 0, -- documents whose in-text evidence disagreed with another's (→ unknown)
    gender_evidence VARCHAR             -- JSON summary: basis, counts per kind and value, a few examples
);
CREATE TABLE speaker_mentions (
    mention_key VARCHAR PRIMARY KEY,
    speaker_id VARCHAR NOT NULL
);
CREATE TABLE corrections (
    seq INTEGER PRIMARY KEY,            -- replayed in this order after every unification
    action VARCHAR NOT NULL,            -- merge | split | gender
    a VARCHAR NOT NULL,                 -- a speaker's name (or id)
    b VARCHAR NOT NULL                  -- merge: the other speaker; split: the name leaving; gender: the value
                                        -- (woman, man, nonbinary, unknown), or "auto" to drop the correction
);
"""

TABLE_NAMES = tuple(re.findall(r"CREATE TABLE (\w+)", TABLES))  # every one must be there: else the file is damaged



def add_act_and_floating(connection: duckdb.DuckDBPyConnection) -> None:
    """Version 1 → 2: attributions.act (each stored cue's act, as output written before acts reads back)
    and attributions.floating (false: version 1 had no floating quotes to store)."""
    connection.execute("ALTER TABLE attributions ADD COLUMN act VARCHAR")
    connection.execute("ALTER TABLE attributions ADD COLUMN floating BOOLEAN DEFAULT FALSE")
    cues = [cue for (cue,) in connection.execute("SELECT DISTINCT cue_text FROM attributions").fetchall()]
    acts = [act_of(cue) for cue in cues]  # a few thousand distinct cues, even in a large ledger
    connection.execute("UPDATE attributions SET act = acts.act FROM "
                       "(SELECT unnest(?::VARCHAR[]) AS cue, unnest(?::VARCHAR[]) AS act) acts "
                       "WHERE attributions.cue_text IS NOT DISTINCT FROM acts.cue", [cues, acts])


def add_speaker_gender(connection: duckdb.DuckDBPyConnection) -> None:
    """Version 2 → 3: attributions.speaker_gender and speaker_gender_evidence, speakers.gender,
    gender_conflicts and gender_evidence, all NULL: a stored document's gender is unknown until it is
    extracted again (a new pipeline re-extracts on ingest); the next refresh fills the speakers' columns."""
    connection.execute("ALTER TABLE attributions ADD COLUMN speaker_gender VARCHAR")
    connection.execute("ALTER TABLE attributions ADD COLUMN speaker_gender_evidence VARCHAR")
    connection.execute("ALTER TABLE speakers ADD COLUMN gender VARCHAR")
    connection.execute("ALTER TABLE speakers ADD COLUMN gender_conflicts INTEGER DEFAULT 0")
    connection.execute("ALTER TABLE speakers ADD COLUMN gender_evidence VARCHAR")


# from_version -> the step that brings a ledger to from_version + 1 (runs inside a transaction)
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {1: add_act_and_floating, 2: add_speaker_gender}


def create(connection: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the current schema in an empty database and record its version."""
    connection.execute("BEGIN")
    connection.execute(TABLES)
    connection.execute("INSERT INTO meta VALUES ('application', ?), ('schema_version', ?)",
                       [APPLICATION, str(SCHEMA_VERSION)])
    connection.execute("COMMIT")


def migrate(connection: duckdb.DuckDBPyConnection, from_version: int) -> list[int]:
    """Run the migration steps from `from_version` to SCHEMA_VERSION; returns the versions reached."""
    reached = []
    for version in range(from_version, SCHEMA_VERSION):
        step = MIGRATIONS.get(version)
        if step is None:
            raise LookupError(f"no migration from schema version {version} to {version + 1}")
        connection.execute("BEGIN")
        step(connection)
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version + 1)])
        connection.execute("COMMIT")
        reached.append(version + 1)
    return reached

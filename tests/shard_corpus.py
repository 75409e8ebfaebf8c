"""A small mixed corpus for the sharded-ingest tests (tests/test_shards.py, tests/test_ray_engine.py): news texts
of our own as text files and JSONL lines, with the awkward cases an ingest counts — an id read twice across
shards, lines without an id, a line that is not JSON, a binary file, an empty file — and the comparison of
two ledgers table by table."""
from __future__ import annotations

import json
import random
from pathlib import Path

from onrecord.options import ExtractOptions
from onrecord.run import IngestOptions
from onrecord.store import Ledger

RULES = IngestOptions(extract=ExtractOptions(profile="rules"))
TABLES = ("documents", "attributions", "speakers", "speaker_mentions")
PEOPLE = [("Marta", "Kowalski", "Transport Minister"), ("Idris", "Bello", "Port authority chief"),
          ("Helen", "Achterberg", "Senator"), ("Tomas", "Vidal", "Mayor"), ("Grace", "Nakamura", "Union leader"),
          ("Pieter", "de Vries", "Harbour police spokesman")]
TOPICS = ["the ferry strike", "the new bridge", "the toll increase", "the night trains", "the dock repairs"]
OUTLETS = ["The Coastal Courier", "Riverton Daily", "The Example Times"]


def story(number: int) -> str:
    """A short news text, different for every number, with direct, indirect and anonymous attributions."""
    rnd = random.Random(number)
    first, last, role = rnd.choice(PEOPLE)
    other = rnd.choice([p for p in PEOPLE if p[1] != last])
    topic = rnd.choice(TOPICS)
    return (
        f"{role} {first} {last} said on Tuesday that {topic} would be settled by week {number % 40 + 1}.\n\n"
        f"“Nobody wants another month of this,” {last} told reporters in the harbour.\n\n"
        f"{other[2]} {other[0]} {other[1]} said the plan for {topic} was “far from finished.”\n\n"
        f"Two officials, speaking on condition of anonymity, said case {number} had been reopened.\n"
    )


def write_shard_corpus(folder: Path, texts: int = 24, lines: int = 14) -> Path:
    """`texts` text files and a JSONL file of `lines` records (plus the awkward cases) under `folder`."""
    folder.mkdir(parents=True)
    for number in range(texts):
        (folder / f"story-{number:03d}.txt").write_text(story(number), encoding="utf-8")
    (folder / "story-005-copy.txt").write_text(story(5), encoding="utf-8")  # its own id: not a duplicate
    (folder / "scan.txt").write_bytes(b"%PDF-1.4\x00\x00\x01binary")  # a counted skip: binary
    (folder / "blank.txt").write_text("  \n", encoding="utf-8")  # a counted skip: empty
    records = []
    for number in range(texts, texts + lines):
        record = {"id": f"wire-{number}", "text": story(number), "outlet": OUTLETS[number % 3],
                  "date": f"2025-0{number % 9 + 1}-1{number % 9}"}
        if number % 5 == 0:
            del record["id"]  # keyed by its text's hash
        records.append(json.dumps(record, ensure_ascii=False))
    records.insert(3, "{not json")  # a counted skip: jsonl: not JSON
    records.append(json.dumps({"id": "story-002", "text": "A different text under an id read before."}))
    (folder / "wire.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    return folder


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every compared table's rows, sorted."""
    with Ledger(db, read_only=True) as ledger:
        return {table: sorted(ledger.connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in TABLES}

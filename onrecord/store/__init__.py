"""Store stage: the ledger, a DuckDB file of documents, attributions and speakers unified across them.

    from onrecord.store import Ledger, StatementQuery
    with Ledger("ledger.duckdb") as ledger:
        ingest(ledger, ["articles/"])
        for statement in ledger.search(StatementQuery(text="emergency room", speaker="Clinton")):
            print(statement.speaker, statement.content)
"""
from onrecord.store.ledger import Ledger, LedgerError, SourcingProfile, Statement
from onrecord.store.query import StatementQuery
from onrecord.store.ingest import IngestOptions, IngestReport, ingest
from onrecord.store.shards import ShardOptions, ingest_shards

__all__ = ["Ledger", "LedgerError", "SourcingProfile", "Statement", "StatementQuery", "IngestOptions",
           "IngestReport", "ingest", "ShardOptions", "ingest_shards"]

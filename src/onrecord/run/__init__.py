"""The runner: documents from inputs through the pipeline into a ledger — in this process, in shards, or on Ray.

    ingest.py   read → pipeline → ledger, in batches of one transaction each, then refresh
    shards.py   the sharded ingest: plan shards, process one to Parquet, merge them in input order
    ray.py      the Ray executor for shards (`onrecord ingest --engine ray`; needs the `ray` extra)

Running is not storing: the ledger (`onrecord.store`) knows nothing of inputs, shards or executors.
"""
from onrecord.run.ingest import IngestOptions, IngestReport, ShardReport, ingest
from onrecord.run.shards import ShardOptions, ingest_shards

__all__ = ["IngestOptions", "IngestReport", "ShardReport", "ingest", "ShardOptions", "ingest_shards"]

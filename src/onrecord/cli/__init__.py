"""Command line: one entry point (`onrecord`), one module per group of subcommands.

    common.py   the Typer app, shared options, tables and summaries
    extract.py  extract, evaluate, train
    corpus.py   ingest, search, export, outlets, speakers, sourcing, migrate (the ledger)
    serve.py    serve (the web UI)

Each command is a thin wrapper over importable functions (the pipeline, the runner, the ledger, the
evaluate stage); bad input is a counted skip reported on stderr, never a traceback.
"""
from onrecord.cli import corpus, extract, serve  # noqa: F401  (each registers its commands on `app`)
from onrecord.cli.common import app

__all__ = ["app"]

if __name__ == "__main__":
    app()

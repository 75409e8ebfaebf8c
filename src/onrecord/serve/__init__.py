"""Serve stage: the ledger in a browser — search, documents, speakers, outlets, a paste box — read-only, or
ingesting a watched folder meanwhile (`ServeOptions.watch`, onrecord/serve/database.py).

    from onrecord.serve import ServeOptions, create_app
    app = create_app("ledger.duckdb", ServeOptions(max_paste_bytes=2_000_000))   # a Starlette app
    # uvicorn.run(app, host="127.0.0.1", port=8000, **SERVER_SETTINGS), then app.state.web.close();
    # or: onrecord serve --db ledger.duckdb

Every HTML page has a JSON twin (the same URL with `.json`, or `Accept: application/json`). Pastes are
read in spawned worker processes (onrecord/serve/workers.py), so a program that builds the app keeps
its start-up code under `if __name__ == "__main__":`.
"""
from onrecord.serve.app import SERVER_SETTINGS, ServeOptions, create_app, get

__all__ = ["SERVER_SETTINGS", "ServeOptions", "create_app", "get"]

"""What the tests share: the data in `../shared` as fixtures that skip cleanly without it, and the two tiers.

Tiers (STYLE.md, habit 9):
- fast: `python -m pytest -q -m "not full"`: no corpus, browser, cluster or server, nothing slow; for the
  edit-test loop, and kept under 2 minutes on the project's loaded 2-core machine (75 s in December 2026).
- full: `python -m pytest -q`, everything, what CI runs.

A test is in the full tier (marked `full` here, at collection) when it asks for one of the `../shared`
fixtures below (the quality gate does), when its file needs a browser, a Ray cluster or the PolNeAR corpus
(FULL_FILES), when it starts a server (SERVER_TESTS), or when it was measured slow (SLOW_TESTS, from
`python -m pytest --durations=40`).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from paths import POLNEAR_DEV, POLNEAR_TRAIN, SEED

# A test asking for any of these fixtures reads ../shared: the full tier.
SHARED_FIXTURES = frozenset({"seed_path", "seed_text", "polnear_dev", "polnear_train"})

# Files whose every test needs what the fast tier goes without.
FULL_FILES = {
    "test_serve_browser.py": "a headless browser",
    "test_serve_browser_hostile.py": "a headless browser and a second web server",
    "test_serve_browser_pages.py": "a headless browser",
    "test_ray_engine.py": "a local Ray cluster",
    "test_ray_postgres.py": "a local Ray cluster and a PostgreSQL server",
    "test_ledger_postgres.py": "a PostgreSQL server (started by the tests)",
    "test_ledger_crash_postgres.py": "a PostgreSQL server and ingest processes killed and resumed",
    "test_ledger_polnear.py": "the PolNeAR corpus",
}

# Tests that start a server on a socket (in a thread or a process).
SERVER_TESTS = {
    "test_serve.py::test_a_declared_10_mb_body_is_refused_before_it_is_sent": "a live server",
    "test_serve.py::test_a_chunked_body_is_counted_while_it_streams": "a live server",
    "test_serve.py::test_concurrent_requests_over_a_socket": "a live server",
    "test_serve.py::test_reads_go_on_around_a_store": "a live server",
    "test_serve.py::test_serve_command_serves_until_interrupted": "a server process",
    "test_serve_hostile.py::test_a_slow_body_is_cut_off_with_408": "a live server",
    "test_serve_hostile.py::test_idle_connections_are_closed_and_concurrency_is_limited": "a live server",
    "test_serve_watch.py::test_serve_watch_ingests_while_searches_go_on": "a server process",
    "test_serve_watch.py::test_ingest_beside_a_read_only_server_says_to_start_it_with_watch": "a server process",
    "test_serve_watch.py::test_watch_on_a_postgresql_ledger_ingests_on_a_connection_of_its_own": "a PostgreSQL server",
}

# Slow: seconds measured on this project's 2-core machine, idle, with `python -m pytest -m "not full"
# --durations=40`; a name without `[...]` covers all its parameters.
SLOW_TESTS = {
    "test_robustness.py::test_extract_arbitrary_unicode": "slow (23 s: 200 Hypothesis examples)",
    "test_robustness.py::test_extract_large_text_finishes": "slow (22 s: a 1 MB text)",
    "test_robustness.py::test_extract_arbitrary_newsy_text": "slow (15 s: 600 Hypothesis examples)",
    "test_ledger_crash.py::test_killed_ingests_resume_to_the_uninterrupted_result": "slow (8 s: 8 ingest processes)",
    "test_ledger_crash.py::test_stale_speakers_and_index_are_rebuilt_by_the_next_run": "slow (2 × 3 s: ingest processes)",
    "test_serve_hostile.py::test_a_paste_over_the_time_limit_kills_its_worker_and_others_go_on": "slow (6 s: worker processes killed and respawned)",
    "test_serve_hostile.py::test_a_long_paste_blocks_nothing_and_a_full_queue_answers_busy_at_once": "slow (4 s: worker processes)",
    "test_finetuned.py::test_fine_tuning_trains_the_top_layers_only_and_the_model_loads_back": "slow (30-65 s, measured beside a training run: fine-tunes MiniLM on 4 articles, loads it 4 times)",
}


def full_tier_reason(item: pytest.Item) -> str | None:
    """Why `item` belongs to the full tier, or None for the fast tier."""
    path = item.path
    if path.name in FULL_FILES:
        return FULL_FILES[path.name]
    if SHARED_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "../shared"
    node = f"{path.name}::{item.name}"
    for table in (SERVER_TESTS, SLOW_TESTS):
        reason = table.get(node) or table.get(node.split("[", 1)[0])
        if reason:
            return reason
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: the marks must be on the items by then
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of the full tier `full`."""
    for item in items:
        if full_tier_reason(item):
            item.add_marker(pytest.mark.full)


def _need(path: Path, what: str) -> Path:
    """`path`, or a clean skip saying what is missing and where it was looked for."""
    if not path.exists():
        pytest.skip(f"{what} not found at {path} (../shared is absent)")
    return path


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed article's file in ../shared/examples (skips without it)."""
    return _need(SEED, "seed article")


@pytest.fixture(scope="session")
def seed_text(seed_path: Path) -> str:
    """The seed article's text (skips without it)."""
    return seed_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def optional_seed_text() -> str | None:
    """The seed article's text when ../shared has it, else None: for tests that only add it to their inputs."""
    return SEED.read_text(encoding="utf-8") if SEED.is_file() else None


@pytest.fixture(scope="session")
def polnear_dev() -> Path:
    """PolNeAR's dev split (text/ and attributions/; skips without it)."""
    return _need(POLNEAR_DEV / "text", "PolNeAR dev").parent


@pytest.fixture(scope="session")
def polnear_train() -> Path:
    """PolNeAR's train split (text/ and attributions/; skips without it)."""
    return _need(POLNEAR_TRAIN / "text", "PolNeAR train").parent


from postgres_fixture import postgres_server, postgres_url  # noqa: E402,F401  (a throwaway PostgreSQL server)

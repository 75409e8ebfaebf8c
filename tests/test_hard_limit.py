"""Hard time limits: work stuck inside one C call is killed in its worker process, counted, and the run goes on.

The stuck work is `sum(range(10**12))`: one call into C that runs for hours and never returns to the
interpreter, so SIGALRM (`time_limit`) can't stop it, as it can't stop lxml or torch. No test here reads a
clock: each finishes only because the stuck worker was killed.
"""
from __future__ import annotations

import os
import pickle
import signal
import threading

import pytest
from typer.testing import CliRunner

import onrecord.pipeline as pipeline
import onrecord.read.html as html_reader
from onrecord.cli import app
from onrecord.limits import DocumentTimeout, WorkerDied, WorkerError, call_within, close_workers
from onrecord.options import ExtractOptions
from onrecord.read import InputDocument, ReadOptions, RunStats, read_inputs
from onrecord.run import IngestOptions, ingest
from onrecord.store import Ledger

from test_input_cli import ARTICLE, jsonl, summary

STUCK = "STUCK"
ARTICLE_2 = ARTICLE.replace("Smith", "Jones")
runner = CliRunner()


@pytest.fixture(autouse=True)
def no_workers_left():
    yield
    close_workers()


def stuck_in_c() -> int:
    """Hours inside one C call (the builtin sum over a range), never back in the interpreter."""
    return sum(range(10**12))


def pid(value=None):
    """The process a call ran in, and `value`."""
    if value == STUCK:
        stuck_in_c()
    return os.getpid(), value


def raise_value_error(message):
    raise ValueError(message)


class NeedsTwoArguments(Exception):
    """An exception pickle can't rebuild (its __init__ takes two arguments, its args hold one)."""

    def __init__(self, a, b):
        super().__init__(f"{a} {b}")


def raise_unpicklable(message):
    raise NeedsTwoArguments(message, "twice")


def end_the_process():
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_call_stuck_in_c_is_killed_and_the_next_call_gets_a_fresh_worker():
    first, _ = call_within(5, pid, ("a",))
    assert first != os.getpid()  # it ran in a worker
    assert call_within(5, pid, ("b",)) == (first, "b")  # the same worker, kept
    with pytest.raises(DocumentTimeout, match="over 0.5 s"):
        call_within(0.5, pid, (STUCK,))
    second, value = call_within(5, pid, ("c",))
    assert value == "c" and second not in (first, os.getpid())


@pytest.mark.parametrize("seconds", [0, None])
def test_no_limit_runs_in_this_process(seconds):
    assert call_within(seconds, pid, ("a",)) == (os.getpid(), "a")


def test_off_the_main_thread_the_call_runs_in_this_process():
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(call_within(5, pid, ("a",))))
    thread.start()
    thread.join()
    assert outcome == [(os.getpid(), "a")]


def test_the_calls_exception_is_raised_here_and_the_worker_kept():
    first, _ = call_within(5, pid)
    with pytest.raises(ValueError, match="bad page"):
        call_within(5, raise_value_error, ("bad page",))
    with pytest.raises(WorkerError, match="NeedsTwoArguments: a twice"):
        call_within(5, raise_unpicklable, ("a",))
    assert call_within(5, pid)[0] == first


def test_a_worker_that_dies_mid_call_is_an_error_and_replaced():
    with pytest.raises(WorkerDied, match="signal 9"):
        call_within(5, end_the_process)
    assert call_within(5, pid, ("a",))[1] == "a"


def test_reply_turns_the_result_into_what_is_sent_back():
    unpicklable = lambda value: (threading.Lock(), value)  # noqa: E731
    with pytest.raises(WorkerError, match="cannot pickle"):
        call_within(5, unpicklable, ("a",))
    assert call_within(5, unpicklable, ("a",), reply=lambda result: result[1]) == "a"
    assert call_within(0, unpicklable, ("a",), reply=lambda result: result[1]) == "a"
    pickle.dumps(call_within(0, pid))  # (the in-process path returns the same kind of value)


@pytest.fixture
def stuck_extraction(monkeypatch):
    """pipeline.extract stuck in C on a text with STUCK in it; the others (documents a, b, c of ARTICLE or
    ARTICLE_2) are looked up, worked out here: whether they fit the limit can't depend on the machine's load."""
    real = pipeline.extract
    done = {(text, doc_id): real(text, ExtractOptions(profile="rules"), doc_id=doc_id)
            for text in (ARTICLE, ARTICLE_2) for doc_id in "abc"}

    def extract(text, options=None, doc_id=None, metadata=None):
        if STUCK in text:
            stuck_in_c()
        return done[text, doc_id]

    monkeypatch.setattr(pipeline, "extract", extract)


def test_extraction_stuck_in_a_c_call_is_a_counted_timeout_and_the_run_goes_on(tmp_path, stuck_extraction):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(STUCK + " " + ARTICLE, encoding="utf-8")
    (tmp_path / "c.txt").write_text(ARTICLE_2, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(tmp_path), "--timeout", "1", "--profile", "rules", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert [d["doc_id"] for d in jsonl(result.stdout)] == ["a", "c"]
    assert summary(result.stderr) == (2, {"extraction timeout": 1})
    assert f"{tmp_path / 'b.txt'}: extraction timeout (b: over 1 s)" in result.stderr


def test_ingest_counts_the_stuck_document_and_stores_the_others(tmp_path, stuck_extraction):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(STUCK + " " + ARTICLE, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text(ARTICLE, encoding="utf-8")
    options = IngestOptions(extract=ExtractOptions(profile="rules"), read=ReadOptions(timeout=1))
    with Ledger(tmp_path / "ledger.duckdb") as ledger:
        report = ingest(ledger, [tmp_path / "in"], options)
        assert ledger.counts()["documents"] == 1
    assert report.added == 1
    assert report.stats.skipped == {"extraction timeout": 1}


def test_html_parsing_stuck_in_a_c_call_is_a_timeout_and_the_next_page_is_read(tmp_path, monkeypatch):
    real = html_reader.trafilatura.bare_extraction

    def extraction(html, **kwargs):
        if STUCK.encode() in html:
            stuck_in_c()
        return real(html, **kwargs)

    monkeypatch.setattr(html_reader.trafilatura, "bare_extraction", extraction)
    (tmp_path / "a-stuck.html").write_bytes(f"<html><body><p>{STUCK}</p></body></html>".encode())
    (tmp_path / "b-good.html").write_bytes(b"<html><body><article><p>" + ARTICLE.encode() * 3
                                           + b"</p></article></body></html>")
    stats = RunStats()
    docs = list(read_inputs([tmp_path], stats, options=ReadOptions(timeout=1)))
    assert [d.doc_id for d in docs] == ["b-good"]
    assert stats.skipped == {"html: timeout": 1}
    assert isinstance(docs[0], InputDocument) and "Smith said" in docs[0].text

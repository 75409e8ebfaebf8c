"""A throwaway PostgreSQL server for the tests: `initdb` and `pg_ctl start` in a temp folder, once per session,
listening on a Unix socket in that folder only (no TCP at all), stopped and removed at the end; each test asks
`postgres_url` for a database of its own.

Without PostgreSQL's binaries (Debian's `postgresql`) or psycopg the tests that need it skip, saying why;
with ONRECORD_REQUIRE_POSTGRES=1 (set by .ci/run) they fail instead. As root, initdb refuses to run: the
server then runs as the `postgres` user (or `nobody`), in a folder handed to it.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "ONRECORD_REQUIRE_POSTGRES"
USER = "onrecord"  # the cluster's superuser (trust authentication: the socket's folder is the only way in)


@dataclass
class PostgresServer:
    """A running throwaway server: its socket folder and port."""

    socket_dir: str
    port: int

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@/{database}?host={self.socket_dir}&port={self.port}"


def unavailable(reason: str) -> None:
    """Skip (or, where PostgreSQL is required, fail) the test that needs the server."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)")
    pytest.skip(reason)


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_user() -> list[str]:
    """The command prefix that runs the server as someone other than root (initdb refuses root)."""
    if os.getuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"]
    unavailable("running as root and no postgres or nobody user to run the server as")
    return []


def utf8_locale() -> list[str]:
    """initdb's locale: C.UTF-8 where the system has it (bytewise order like DuckDB's, Unicode case), else none."""
    names = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    return ["--locale=C.UTF-8"] if {"C.UTF-8", "C.utf8"} & set(names) else ["--no-locale"]


@pytest.fixture(scope="session")
def postgres_server():
    """The session's server (skips without PostgreSQL or psycopg, unless they are required)."""
    binaries = postgres_bin()
    if binaries is None:
        unavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable('psycopg is not installed: pip install "onrecord[postgres]"')
    prefix = server_user()
    folder = Path(tempfile.mkdtemp(prefix="onrecord-pg-"))
    if prefix:
        shutil.chown(folder, user=prefix[2])
    data = folder / "data"
    port = free_port()
    run = lambda *args: subprocess.run([*prefix, *map(str, args)], capture_output=True, text=True)  # noqa: E731
    done = run(binaries / "initdb", "-D", data, "-U", USER, "--auth=trust", "--encoding=UTF8", *utf8_locale())
    if done.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
    options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=200"
    done = run(binaries / "pg_ctl", "-D", data, "-l", folder / "server.log", "-o", options, "-w", "start")
    if done.returncode:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed: {done.stderr.strip()} {log[-500:]}")
    try:
        yield PostgresServer(str(folder), port)
    finally:
        run(binaries / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


_numbers = itertools.count()


def create_database(server: PostgresServer) -> str:
    """A new empty database on the server; its URL."""
    import psycopg

    name = f"ledger_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server.url(name)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of an empty database of this test's own."""
    return create_database(postgres_server)

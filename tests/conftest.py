"""Shared fixtures: a real, migrated database per test: a SQLite file, or (for the tests run on both
backends) a database on a throw-away PostgreSQL server started for the session.

Which tests run on both: every test under ``tests/services/``, and any module or test marked
``pytest.mark.both_backends`` (``ROADIE_TEST_BOTH_BACKENDS=all`` runs every test on both). They get
a ``[sqlite]`` and a ``[postgresql]`` variant; the latter
skips, saying why, when no PostgreSQL binaries can be found (see :mod:`tests.pgserver`); with
``CI=true`` it fails instead, so CI never passes without having run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_sync
from tests import pgserver

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: run on SQLite and on PostgreSQL (backend fixture)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    path = str(metafunc.definition.path)
    both = os.environ.get("ROADIE_TEST_BOTH_BACKENDS") == "all"  # a developer's switch: every test on both
    in_services = f"{os.sep}tests{os.sep}services{os.sep}" in path
    both = both or in_services or metafunc.definition.get_closest_marker("both_backends") is not None
    metafunc.parametrize("backend", BACKENDS if both else ("sqlite",), indirect=True)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    """One line saying how many tests ran on each backend (e.g. ``sqlite: 250 passed``)."""
    counts: dict[str, dict[str, int]] = {b: {} for b in BACKENDS}
    for outcome in ("passed", "failed", "skipped", "error"):
        for rep in terminalreporter.stats.get(outcome, []):
            if getattr(rep, "when", "call") != "call" and outcome != "skipped" and outcome != "error":
                continue
            nodeid = getattr(rep, "nodeid", "")
            for b in BACKENDS:
                if f"[{b}" in nodeid or f"-{b}]" in nodeid or f"-{b}-" in nodeid:
                    counts[b][outcome] = counts[b].get(outcome, 0) + 1
    parts = [f"{b}: " + ", ".join(f"{n} {o}" for o, n in sorted(c.items())) for b, c in counts.items() if c]
    if parts:
        terminalreporter.write_line("backends (tests parametrised over both): " + "; ".join(parts))


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: the database this test variant runs on."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    """The session's PostgreSQL server (started on first use), or a skip saying why there is none."""
    bindir = pgserver.find_bindir()
    if bindir is None:
        reason = "PostgreSQL not found on PATH or in /usr/lib/postgresql/*/bin (.ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL variants: {reason}")
        pytest.skip(reason)
    try:
        server = pgserver.start(bindir)
    except RuntimeError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL could not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: pgserver.PgServer) -> str:
    """Name of a PostgreSQL database migrated to head with the real Alembic migrations; cloned per test."""
    pg_server.psql("CREATE DATABASE roadie_template")
    upgrade_sync(pg_server.url("roadie_template"))
    return "roadie_template"


_EMPTY_ALL = (
    "SET lock_timeout = '5s'; DO $$ DECLARE r text; BEGIN "
    "SELECT string_agg(quote_ident(tablename), ', ') INTO r FROM pg_tables "
    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'; "
    "EXECUTE 'TRUNCATE ' || r || ' RESTART IDENTITY CASCADE'; END $$"
)


def _clone(server: pgserver.PgServer, template: str) -> str:
    name = pgserver.new_database_name()
    server.psql(f"CREATE DATABASE {name} TEMPLATE {template}")
    return name


@pytest.fixture(scope="session")
def pg_pool() -> list[str]:
    """Migrated PostgreSQL databases emptied after a test, ready for the next one."""
    return []


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head with the real Alembic migrations; copied per test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


def _pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    server: pgserver.PgServer = request.getfixturevalue("pg_server")
    pool: list[str] = request.getfixturevalue("pg_pool")
    name = pool.pop() if pool else _clone(server, request.getfixturevalue("pg_template"))
    try:
        yield server.url(name)
    finally:
        try:  # emptied (a TRUNCATE is ~6x faster than a new clone) and reused by a later test
            server.psql(_EMPTY_ALL, name)
            pool.append(name)
        except RuntimeError:  # e.g. a straggling connection holds a lock: throw it away
            server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of this test's own migrated PostgreSQL database (for tests that only make sense there,
    e.g. several bot processes on one database); skips like the PostgreSQL variants do."""
    yield from _pg_database(request)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of this test's own migrated database (a SQLite file, or a PostgreSQL database)."""
    if backend == "postgresql":
        yield from _pg_database(request)
        return
    path = tmp_path / "roadie.db"
    shutil.copy(request.getfixturevalue("migrated_template"), path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s

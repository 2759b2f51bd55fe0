"""Engine, session factory and SQLite pragmas."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a file-based SQLite URL if it is missing; no-op for other URLs."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, pool_size: int = 5, max_overflow: int = 5) -> AsyncEngine:
    """Create the async engine for ``url``.

    SQLite gets WAL journaling, ``foreign_keys=ON`` and a busy timeout on every connection, and a
    pool of exactly one connection: SQLite has one writer anyway, and queueing sessions in asyncio
    (FIFO, no sleeping) beats SQLite's busy handler (which sleeps in steps) and its
    ``SQLITE_BUSY_SNAPSHOT`` failures when two read-then-write transactions overlap. So every
    session is a serialized transaction; keep them short and never hold one across a Discord call.

    PostgreSQL (``postgresql+asyncpg://``, the ``roadie[postgres]`` extra) gets a pool of
    ``pool_size`` (+ ``max_overflow`` under bursts) connections per process; N processes need
    N × (pool_size + max_overflow) below the server's ``max_connections`` (see docs/scaling.md).
    """
    ensure_sqlite_dir(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
    else:
        engine = create_async_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """One factory per process; one session per interaction or job."""
    return async_sessionmaker(engine, expire_on_commit=False)

"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bot.db.migrate import upgrade, upgrade_sync
from bot.db.models import Base


def test_migrations_match_models(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_creates_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "roadie.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    assert path.exists()


async def test_counters_start_after_numbers_stored_before_them(tmp_path: Path) -> None:
    """0009 seeds each guild's counter from its highest #N, so an upgrade never re-hands out a number."""
    from sqlalchemy import text

    from bot.db.engine import create_engine as create_async
    from bot.db.engine import create_sessionmaker
    from bot.services import refs

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0008_promotion")
    eng = create_async(url)
    async with eng.begin() as conn:
        for n in (1, 2, 7):
            await conn.execute(
                text(
                    "INSERT INTO goals (guild_id, number, title, search_key, owner_id, author_id, channel_id, "
                    "due_has_time, status, created_at) VALUES (9, :n, 't', 't', 1, 1, 1, 0, 'open', '2026-01-01')"
                ),
                {"n": n},
            )
    await eng.dispose()
    await upgrade(url)
    eng = create_async(url)
    from bot.db.models import Goal, Reminder

    async with create_sessionmaker(eng)() as s:
        assert await refs.next_number(s, Goal, 9) == 8
        assert await refs.next_number(s, Goal, 10) == 1
        assert await refs.next_number(s, Reminder, 9) == 1
    await eng.dispose()


@pytest.mark.both_backends
async def test_migrated_database_matches_the_models_on_each_backend(db_url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    eng = create_async_engine(db_url)
    try:
        async with eng.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    finally:
        await eng.dispose()
    assert diff == []

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
    """0015 seeds each guild's counter from its highest #N (every numbered table, deals too), so an
    upgrade never re-hands out a number."""
    from sqlalchemy import text

    from bot.db.engine import create_engine as create_async
    from bot.db.engine import create_sessionmaker
    from bot.services import refs

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0010_nudge_batches")
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
        await conn.execute(
            text(
                "INSERT INTO deals (guild_id, number, title, search_key, kind, counterparty, status, owner_id, "
                "author_id, created_at, updated_at) VALUES (9, 4, 'd', 'd', 'booking', 'x', 'lead', 1, 1, "
                "'2026-01-01', '2026-01-01')"
            )
        )
    await eng.dispose()
    await upgrade(url)
    eng = create_async(url)
    from bot.db.models import Deal, Goal, Reminder

    async with create_sessionmaker(eng)() as s:
        assert await refs.next_number(s, Goal, 9) == 8
        assert await refs.next_number(s, Goal, 10) == 1
        assert await refs.next_number(s, Reminder, 9) == 1
        assert await refs.next_number(s, Deal, 9) == 5
        assert await refs.next_number(s, Deal, 10) == 1
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


def test_0014_treats_stored_date_orders_as_not_chosen(tmp_path: Path) -> None:
    """Before 0014 the first saved setting stored ``day-first`` although nobody chose it."""
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(url, "0013_show_events")
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO guild_settings (guild_id, timezone, date_order) VALUES (1, 'America/New_York', 'day-first')"
        )
    upgrade_sync(url, "head")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT timezone, date_order FROM guild_settings").all() == [
            ("America/New_York", None)
        ]
    engine.dispose()


def test_start_up_skips_alembic_only_when_the_file_is_at_head(tmp_path: Path) -> None:
    import asyncio

    from alembic.script import ScriptDirectory

    from bot.db import migrate

    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    assert migrate.sqlite_revision(url) is None  # no file yet: Alembic creates it
    asyncio.run(migrate.upgrade(url))
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    head = script.get_current_head()
    assert migrate.script_head() == head and migrate.sqlite_revision(url) == head
    previous = script.get_revision(head).down_revision
    older = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade_sync(older, previous)  # a file one revision behind: Alembic upgrades it
    assert migrate.sqlite_revision(older) == previous
    asyncio.run(migrate.upgrade(older))
    assert migrate.sqlite_revision(older) == head

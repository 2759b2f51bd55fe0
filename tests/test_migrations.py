"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bot.db.migrate import upgrade_sync
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

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

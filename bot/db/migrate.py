"""Run Alembic migrations programmatically (start-up runs ``upgrade head``).

Start-up speed: importing Alembic costs about 0.35 s of CPU, which every start paid even when
the database was already at head. :func:`upgrade` first compares the SQLite file's
``alembic_version`` with the head read from ``migrations/versions/*.py`` (plain text, no import)
and only hands over to Alembic when they differ (or for another database, or when unsure).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from bot.db.engine import ensure_sqlite_dir

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_REVISION_RE = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_RE = re.compile(r"^down_revision\s*=\s*(?:None|[\"']([^\"']+)[\"'])", re.M)
_SQLITE_URL_RE = re.compile(r"^sqlite(?:\+aiosqlite)?:///(?P<path>[^?]+)$")


def script_head() -> str | None:
    """The single head revision of ``migrations/versions`` read as text, or None when unsure."""
    revs: set[str] = set()
    downs: set[str] = set()
    for f in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = f.read_text(encoding="utf-8")
        rev, down = _REVISION_RE.search(text), _DOWN_RE.search(text)
        if rev is None or down is None:
            return None
        revs.add(rev.group(1))
        if down.group(1):
            downs.add(down.group(1))
    heads = revs - downs
    return heads.pop() if len(heads) == 1 else None


def sqlite_revision(url: str) -> str | None:
    """The ``alembic_version`` of the SQLite file at ``url``; None if not SQLite, no file or no table."""
    m = _SQLITE_URL_RE.match(url)
    if m is None or m.group("path") == ":memory:" or not Path(m.group("path")).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{m.group('path')}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def alembic_config(url: str) -> Config:
    """An Alembic ``Config`` pointing at ``migrations/`` and the database ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["url"] = url
    return cfg


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (blocking; runs its own event loop)."""
    from alembic import command

    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade from async code: the async ``env.py`` needs its own loop, so run it in a thread.

    Does nothing (and imports no Alembic) when a SQLite database is already at the head revision.
    """
    if revision == "head" and (head := script_head()) is not None and sqlite_revision(url) == head:
        return
    await asyncio.to_thread(upgrade_sync, url, revision)

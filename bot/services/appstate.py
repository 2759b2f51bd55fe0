"""Small persistent facts about the bot itself (``app_state`` key/value rows)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AppState


async def get(session: AsyncSession, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    row = await session.get(AppState, key)
    return row.value if row else None


async def put(session: AsyncSession, key: str, value: str) -> None:
    """Store ``value`` under ``key``."""
    row = await session.get(AppState, key)
    if row is None:
        session.add(AppState(key=key, value=value))
    else:
        row.value = value


async def remove(session: AsyncSession, key: str) -> None:
    """Forget ``key``."""
    await session.execute(delete(AppState).where(AppState.key == key))


async def keys_with_prefix(session: AsyncSession, prefix: str) -> list[str]:
    """Every key starting with ``prefix``."""
    like = prefix.replace("%", "\\%").replace("_", "\\_")
    return list(await session.scalars(select(AppState.key).where(AppState.key.like(f"{like}%", escape="\\"))))

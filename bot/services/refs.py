"""Finding a guild's numbered items (goals, reminders) from what a user typed or picked.

Users see items as ``#N`` (a per-guild number). An option value may be ``#N``, ``N``, an exact
title, or the start of a unique title; autocomplete values are always ``#N``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import InvalidInput, NotFound

T = TypeVar("T")
_NUM_RE = re.compile(r"^#?\s*(\d{1,9})(?:\b.*)?$")


async def next_number(session: AsyncSession, model: Any, guild_id: int) -> int:
    """The next free per-guild ``number`` for ``model`` (1 for the first)."""
    current = await session.scalar(select(func.max(model.number)).where(model.guild_id == guild_id))
    return (current or 0) + 1


async def resolve(session: AsyncSession, model: type[T], guild_id: int, ref: str, *, text_attr: str,
                  noun: str, list_hint: str) -> T:
    """The ``model`` row in ``guild_id`` that ``ref`` names.

    Raises:
        NotFound: nothing matches in this guild.
        InvalidInput: the text matches several items (the message lists them).
    """
    ref = ref.strip()
    m = _NUM_RE.match(ref)
    q = select(model).where(model.guild_id == guild_id)  # type: ignore[attr-defined]
    if m:
        row = await session.scalar(q.where(model.number == int(m.group(1))))  # type: ignore[attr-defined]
        if row is not None:
            return row
        raise NotFound(f"There is no {noun} #{m.group(1)} in this server. See {list_hint}.")
    col = getattr(model, text_attr)
    exact: Sequence[T] = (await session.scalars(q.where(func.lower(col) == ref.lower()).limit(5))).all()
    if len(exact) == 1:
        return exact[0]
    like = ref.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    cands = exact or (await session.scalars(
        q.where(func.lower(col).like(f"%{like}%", escape="\\")).order_by(model.number).limit(6)  # type: ignore[attr-defined]
    )).all()
    if len(cands) == 1:
        return cands[0]
    if not cands:
        raise NotFound(f"No {noun} matches `{ref[:80]}`. Pick one from the list, or see {list_hint}.")
    names = ", ".join(f"#{c.number}" for c in cands[:5])  # type: ignore[attr-defined]
    raise InvalidInput(f"`{ref[:80]}` matches several {noun}s ({names}). Pick one from the list or type its #number.")

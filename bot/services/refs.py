"""Finding a guild's numbered items (goals, reminders) from what a user typed or picked.

Users see items as ``#N`` (a per-guild number that is never reused: deleted goals are kept,
hidden). An option value may be ``#N``, ``N``, an exact title, or part of a unique title;
autocomplete values are always ``#N``. Matching is case- and accent-width-insensitive for every
script (``search_key`` holds :func:`fold` of the text; SQLite's own ``lower()`` folds only ASCII).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildCounter
from bot.services.errors import InvalidInput, NotFound
from bot.textfmt import CHOICE_NAME_MAX

T = TypeVar("T")
_NUM_RE = re.compile(r"^#?\s*(\d{1,9})$", re.ASCII)


def fold(text: str) -> str:
    """The search form of ``text``: NFKC-normalised, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def as_number(query: str) -> int | None:
    """``"#12"``/``"12"`` -> 12; anything else (including ``"12 shows"``, ``"²"``) -> None."""
    m = _NUM_RE.match(query.strip())
    return int(m.group(1)) if m else None


def _like(query: str) -> str:
    q = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{q}%"


async def next_number(session: AsyncSession, model: Any, guild_id: int) -> int:
    """The next per-guild ``number`` for ``model`` (1 for the first). Numbers are never reused.

    One ``INSERT … ON CONFLICT (guild_id, scope) DO UPDATE SET last = last + 1 RETURNING last`` on
    :class:`~bot.db.models.GuildCounter` (same SQL on SQLite ≥ 3.35 and PostgreSQL). On PostgreSQL
    the counter row stays locked until the caller's transaction ends, so concurrent adds in one guild,
    from any number of processes, queue on it and get distinct numbers; other guilds don't wait. A
    new counter starts after the highest number already stored (rows written before counters existed).
    """
    return await reserve_numbers(session, model, guild_id, 1)


async def reserve_numbers(session: AsyncSession, model: Any, guild_id: int, count: int) -> int:
    """Reserve ``count`` (≥ 1) consecutive per-guild numbers for ``model`` in one counter bump
    (see :func:`next_number`); returns the first of them (bulk imports)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    scope = model.__tablename__
    seed = select(func.coalesce(func.max(model.number), 0) + count).where(model.guild_id == guild_id).scalar_subquery()
    dialect = session.get_bind().dialect.name
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(GuildCounter)
    stmt = (
        ins.values(guild_id=guild_id, scope=scope, last=seed)
        .on_conflict_do_update(
            index_elements=[GuildCounter.guild_id, GuildCounter.scope], set_={"last": GuildCounter.last + count}
        )
        .returning(GuildCounter.last)
    )
    return int((await session.execute(stmt)).scalar_one()) - count + 1


def search_filter(model: Any, query: str) -> ColumnElement[bool] | None:
    """A WHERE clause matching ``query`` against the item's number or folded text; None for an empty query."""
    text = query.strip().lstrip("#").strip()
    if not text:
        return None
    cond = model.search_key.like(_like(text), escape="\\")
    number = as_number(text)
    if number is not None:
        cond = cond | (model.number == number)
    return cond


def choice_label(number: int, text: str, suffix: str = "") -> str:
    """``#3 · title`` + suffix, cut to 100 chars (Discord's autocomplete choice name limit)."""
    label = f"#{number} · {' '.join(text.split())}"
    if len(label) + len(suffix) > CHOICE_NAME_MAX:
        label = label[: CHOICE_NAME_MAX - 1 - len(suffix)] + "…"
    return label + suffix


async def resolve(
    session: AsyncSession,
    model: type[T],
    guild_id: int,
    ref: str,
    *,
    noun: str,
    list_hint: str,
    visible: Sequence[ColumnElement[bool]] = (),
) -> T:
    """The ``model`` row in ``guild_id`` that ``ref`` names (among rows matching ``visible``).

    Raises:
        NotFound: nothing matches in this guild.
        InvalidInput: empty, or the text matches several items (the message lists them).
    """
    ref = " ".join(ref.split())
    if not ref or ref == "#":
        raise InvalidInput(f"Pick a {noun} from the list, or type its #number (see {list_hint}).")
    q = select(model).where(model.guild_id == guild_id, *visible)  # type: ignore[attr-defined]
    number = as_number(ref)
    if number is not None:
        row = await session.scalar(q.where(model.number == number))  # type: ignore[attr-defined]
        if row is not None:
            return row
    key = fold(ref)
    exact: Sequence[T] = (await session.scalars(q.where(model.search_key == key).limit(6))).all()  # type: ignore[attr-defined]
    if len(exact) == 1:
        return exact[0]
    cands = (
        exact
        or (
            await session.scalars(
                q.where(model.search_key.like(_like(ref), escape="\\")).order_by(model.number).limit(6)  # type: ignore[attr-defined]
            )
        ).all()
    )
    if len(cands) == 1:
        return cands[0]
    if not cands:
        if number is not None:
            raise NotFound(f"There is no {noun} #{number} in this server. See {list_hint}.")
        raise NotFound(f"No {noun} matches `{ref[:80]}`. Pick one from the list, or see {list_hint}.")
    names = ", ".join(f"#{c.number}" for c in cands[:5])  # type: ignore[attr-defined]
    raise InvalidInput(f"`{ref[:80]}` matches several {noun}s ({names}). Pick one from the list or type its #number.")

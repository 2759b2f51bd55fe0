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
from sqlalchemy.ext.asyncio import AsyncSession

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

    Safe against concurrent adds on SQLite because sessions are serialized (one-connection pool,
    see :func:`bot.db.engine.create_engine`); the (guild_id, number) unique constraint guards the rest.
    """
    current = await session.scalar(select(func.max(model.number)).where(model.guild_id == guild_id))
    return (current or 0) + 1


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

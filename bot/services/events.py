"""Upcoming confirmed shows as the server's Discord Scheduled Events (the Events tab). Discord-free:
this module decides what each show's event should be (Discord's JSON payload) and records the
event id; ``bot/ui/events.py`` makes the REST calls.

A show has an event when it is confirmed, not deleted, has a set time or doors, and starts in the
future: an EXTERNAL event (``entity_type`` 3, ``privacy_level`` 2 guild-only) named
"<act> @ Venue, City" (``/settings act-name``, else the server's name), at the venue, from the set
time (else doors) to the show's curfew (after midnight when it follows an evening set), or 3
hours after the start when it has none (or a curfew not after the start). A hold gets none until it is
confirmed; cancelling or deleting a show deletes its event. ``/settings events enabled:false``
stops creating them (existing ones are removed as their shows change).

Discord's rules (API docs, "Guild Scheduled Event"; ``../shared/discord-api-spec``): name ≤ 100,
description ≤ 1000, ``entity_metadata.location`` required, ≤ 100; external events need
``scheduled_end_time``; creating needs Manage Events (or Create Events); at most 100 upcoming
events per server (error 30038).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildEvents, Show, ShowStatus
from bot.services.errors import Forbidden, InvalidInput
from bot.services.tours import curfew_at, instant
from bot.textfmt import truncate

NAME_MAX, DESCRIPTION_MAX, LOCATION_MAX = 100, 1000, 100
ACT_NAME_MAX = 80
DEFAULT_LENGTH = timedelta(hours=3)
EXTERNAL, GUILD_ONLY = 3, 2
MAX_UPCOMING = 100  # Discord's cap per server (error 30038)


async def _row(session: AsyncSession, guild_id: int) -> GuildEvents:
    row = await session.get(GuildEvents, guild_id)
    if row is None:
        row = GuildEvents(guild_id=guild_id, enabled=True)
        session.add(row)
    return row


async def enabled(session: AsyncSession, guild_id: int) -> bool:
    """Whether confirmed shows become Scheduled Events here (default True)."""
    row = await session.get(GuildEvents, guild_id)
    return True if row is None else row.enabled


async def set_enabled(session: AsyncSession, guild_id: int, on: bool, *, can_manage: bool) -> None:
    """``/settings events enabled``.

    Raises:
        Forbidden: caller lacks Manage Server.
    """
    if not can_manage:
        raise Forbidden("Changing Roadie's settings needs the **Manage Server** permission.")
    (await _row(session, guild_id)).enabled = on
    await session.flush()


async def set_act_name(session: AsyncSession, guild_id: int, name: str | None, *, can_manage: bool) -> str | None:
    """``/settings act-name``: the act's name in event titles (``-`` or empty: the server's name).

    Raises:
        Forbidden: caller lacks Manage Server.  InvalidInput: longer than :data:`ACT_NAME_MAX`.
    """
    if not can_manage:
        raise Forbidden("Changing Roadie's settings needs the **Manage Server** permission.")
    clean = " ".join((name or "").split())
    if clean in ("", "-"):
        clean = ""
    if len(clean) > ACT_NAME_MAX:
        raise InvalidInput(f"The act's name is {len(clean)} characters; keep it to {ACT_NAME_MAX}.")
    (await _row(session, guild_id)).act_name = clean or None
    await session.flush()
    return clean or None


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def payload_for(show: Show, act: str, now: datetime) -> dict[str, Any] | None:
    """The Scheduled Event the show should have, as Discord's JSON body, or None (no event).

    Start: the set time (else doors) as a UTC instant, which must be after ``now`` (UTC); end: the
    curfew's instant (:func:`bot.services.tours.curfew_at`) when it is after the start, else the start
    + :data:`DEFAULT_LENGTH` (3 h). Times are ISO 8601 with offset (Discord's ``ISO8601 timestamp``).
    """
    if show.is_deleted or show.status != ShowStatus.CONFIRMED:
        return None
    at = show.set_time or show.doors
    if at is None:
        return None
    start = instant(show, at)
    if start <= now:
        return None
    curfew = curfew_at(show)
    end = curfew if curfew is not None and curfew > start else start + DEFAULT_LENGTH
    place = ", ".join(x for x in (show.venue, show.city, show.country) if x)
    times = [f"{label} {t:%H:%M}" for label, t in (("Doors", show.doors), ("Set", show.set_time)) if t]
    desc = [" · ".join(times) + f" (venue time, {show.timezone})"] if times else []
    if show.support:
        desc.append(f"Support: {show.support}")
    if show.ticket_url:
        desc.append(f"Tickets: {show.ticket_url}")
    desc.append(f"Show #{show.number} in Roadie (/tour show).")
    return {
        "name": truncate(f"{act} @ {show.venue}, {show.city}", NAME_MAX),
        "description": truncate("\n".join(desc), DESCRIPTION_MAX),
        "privacy_level": GUILD_ONLY,
        "entity_type": EXTERNAL,
        "entity_metadata": {"location": truncate(place, LOCATION_MAX)},
        "scheduled_start_time": _iso(start),
        "scheduled_end_time": _iso(end),
    }


@dataclass(frozen=True)
class EventPlan:
    """What to do with one show's event: ``action`` is ``create``, ``update``, ``delete`` or
    ``none``; ``event_id`` the current one (update/delete); ``payload`` Discord's JSON body."""

    show_id: int
    action: str
    event_id: int | None
    payload: dict[str, Any] | None


async def plan(session: AsyncSession, guild_id: int, show_id: int, *, guild_name: str, now: datetime) -> EventPlan:
    """Compare the show with its event. A show of another guild (or gone) plans nothing."""
    show = await session.get(Show, show_id)
    if show is None or show.guild_id != guild_id:
        return EventPlan(show_id, "none", None, None)
    row = await session.get(GuildEvents, guild_id)
    act = (row.act_name if row is not None else None) or guild_name
    on = True if row is None else row.enabled
    body = payload_for(show, act, now) if on else None
    if body is None:
        return EventPlan(show_id, "delete" if show.discord_event_id else "none", show.discord_event_id, None)
    return EventPlan(show_id, "update" if show.discord_event_id else "create", show.discord_event_id, body)


async def record(session: AsyncSession, guild_id: int, show_id: int, event_id: int | None) -> None:
    """Store (or clear) the show's event id after the REST call went through; clears the warning."""
    show = await session.get(Show, show_id)
    if show is not None and show.guild_id == guild_id:
        show.discord_event_id = event_id
    row = await session.get(GuildEvents, guild_id)
    if row is not None:
        row.warned_at = None
    await session.flush()


async def note_forbidden(session: AsyncSession, guild_id: int, now: datetime) -> bool:
    """Discord refused for lack of Manage Events: True the first time (say so), False after."""
    row = await _row(session, guild_id)
    first = row.warned_at is None
    row.warned_at = row.warned_at or now
    await session.flush()
    return first


async def shows_with_events(session: AsyncSession, guild_id: int) -> list[int]:
    """Ids of this guild's shows that have an event (for tests and clean-up)."""
    return list(
        await session.scalars(select(Show.id).where(Show.guild_id == guild_id, Show.discord_event_id.is_not(None)))
    )


async def candidate_show_ids(session: AsyncSession, guild_id: int) -> list[int]:
    """Shows whose event may need creating, updating or deleting (not deleted, or with an event),
    by date: for syncing after an import."""
    rows = await session.scalars(
        select(Show.id)
        .where(Show.guild_id == guild_id, (Show.deleted_at.is_(None)) | (Show.discord_event_id.is_not(None)))
        .order_by(Show.date, Show.number)
    )
    return list(rows)

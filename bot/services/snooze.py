"""Snooze: a delivered nudge message that pinged people can be put off by 1 h, to tomorrow 09:00
(server zone) or by a week, once per nudge.

A message is found by its Discord message id (a grouped message carries several nudges; they all
record the same ``message_id``); its row of buttons is keyed by the first nudge's id as a fallback
for a click that beats the ``sent`` bookkeeping. A click snoozes the clicker's own nudges in the
message (those that pinged them); a manager's click snoozes all of them. Someone the message did
not ping (and not a manager) is refused. Each snoozed nudge gets one :class:`NudgeSnooze` row
(``nudge_id`` unique: a repeat or double click answers with the time already chosen) and one new
nudge that posts the message again at the chosen time, pinging whoever the original pinged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Nudge, NudgeSnooze
from bot.services import nudges
from bot.services.errors import Forbidden, NotFound
from bot.services.permissions import Actor, is_manager
from bot.services.settings import get_config
from bot.textfmt import CONTENT_MAX, truncate, ts

KIND = "snoozed"
CHOICES = ("1h", "tomorrow", "week")
TOMORROW_AT = time(9, 0)


def snooze_until(choice: str, now: datetime, tz) -> datetime:  # type: ignore[no-untyped-def]
    """When a snooze ``choice`` ends, in UTC: ``1h`` from ``now``; ``tomorrow`` at 09:00 in ``tz``
    (the server's zone); ``week``: the same local wall time 7 days on (so DST keeps the hour).

    Raises:
        ValueError: unknown choice.
    """
    if choice == "1h":
        return now + timedelta(hours=1)
    local = now.astimezone(tz)
    if choice == "tomorrow":
        return datetime.combine(local.date() + timedelta(days=1), TOMORROW_AT, tzinfo=tz).astimezone(UTC)
    if choice == "week":
        wall = local.time().replace(microsecond=0)
        return datetime.combine(local.date() + timedelta(days=7), wall, tzinfo=tz).astimezone(UTC)
    raise ValueError(f"unknown snooze choice {choice!r}")


@dataclass(frozen=True)
class SnoozeResult:
    """What a click did: ``until`` (UTC) the new time, ``count`` nudges snoozed now; ``already``
    True when every nudge it could snooze was snoozed before (``until`` is then that earlier time)."""

    until: datetime
    count: int
    already: bool


async def _message_nudges(session: AsyncSession, guild_id: int, message_id: int, lead_nudge_id: int) -> list[Nudge]:
    rows = list(
        await session.scalars(
            select(Nudge).where(Nudge.guild_id == guild_id, Nudge.message_id == message_id).order_by(Nudge.id)
        )
    )
    if not rows:  # clicked before the send was recorded: the button's own nudge
        lead = await session.get(Nudge, lead_nudge_id)
        rows = [lead] if lead is not None and lead.guild_id == guild_id else []
    return rows


async def snooze(
    session: AsyncSession,
    guild_id: int,
    *,
    message_id: int,
    lead_nudge_id: int,
    choice: str,
    content: str,
    actor: Actor,
    now: datetime,
) -> SnoozeResult:
    """Snooze the actor's nudges in message ``message_id`` (all of them for a manager) to ``choice``.

    ``content`` is the message text as delivered (posted again at the new time). Flushes; the unit
    of work commits and wakes the dispatcher for the new nudges.

    Raises:
        NotFound: the message carries no nudge Roadie knows (e.g. deleted data).
        Forbidden: the message did not ping the actor and the actor is not a manager.
        ValueError: unknown choice.
    """
    if choice not in CHOICES:
        raise ValueError(f"unknown snooze choice {choice!r}")
    rows = await _message_nudges(session, guild_id, message_id, lead_nudge_id)
    if not rows:
        raise NotFound("That message's nudges are gone, so there is nothing to snooze.")
    mine = [n for n in rows if actor.user_id in n.pinged]
    if await is_manager(session, guild_id, actor):
        mine = [n for n in rows if n.pinged] or mine
    if not mine:
        raise Forbidden("Only the people this message pinged, or a manager, can snooze it.")
    done = {
        s.nudge_id: s
        for s in await session.scalars(select(NudgeSnooze).where(NudgeSnooze.nudge_id.in_([n.id for n in mine])))
    }
    todo = [n for n in mine if n.id not in done]
    if not todo:
        first = min(done.values(), key=lambda s: s.id)
        return SnoozeResult(first.due_at, 0, True)
    cfg = await get_config(session, guild_id)
    until = snooze_until(choice, now, cfg.tz)
    for n in todo:
        row = NudgeSnooze(
            guild_id=guild_id,
            nudge_id=n.id,
            message_id=message_id,
            choice=choice,
            due_at=until,
            user_ids=n.pinged_user_ids or "",
            content=content,
            by_user_id=actor.user_id,
            created_at=now,
        )
        session.add(row)
        await session.flush()  # the unique nudge_id is the last word on "once"
        nudges.schedule(
            session, guild_id=guild_id, channel_id=n.channel_id, kind=KIND, ref_id=row.id, due_at=until, now=now
        )
    await session.flush()
    return SnoozeResult(until, len(todo), False)


def snoozed_text(content: str, since: datetime) -> str:
    """The snoozed copy: a header with when it first came, then the message as it was (≤ 2000 chars)."""
    return truncate(f"⏰ Snoozed since {ts(since, 'f')}:\n{content}", CONTENT_MAX)


async def _render(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    row = await session.get(NudgeSnooze, nudge.ref_id)
    if row is None or row.guild_id != nudge.guild_id:
        return None
    original = await session.get(Nudge, row.nudge_id)
    since = original.sent_at if original is not None and original.sent_at else row.created_at
    users = tuple(int(x) for x in row.user_ids.split(",") if x)
    return nudges.Rendered(snoozed_text(row.content, since), users)


NUDGE_KINDS = (nudges.NudgeKind(KIND, _render, until=None),)  # the person asked for it again: sent late too
"""Wired in ``bot/features.py``."""

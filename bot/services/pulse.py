"""The private wellbeing pulse: an optional 1-5 answer on each check-in ("How are you holding up?").

Private by default: the number is stored on the check-in but never posted, listed in a digest or
history; ``/checkin pulse`` shows a member their own last 8 weeks, and only managers may look at
someone else's. When a member's two latest pulses (check-ins without one don't count) are both
≤ :data:`LOW`, the managers get one private nudge in the business channel naming the member and
nothing they wrote; once per low streak (a pulse above :data:`LOW` re-arms it). Without a business
channel, the next manager who uses ``/checkin`` gets an ephemeral notice instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Checkin, GuildSettings, Nudge, PulseAlert
from bot.services import nudges
from bot.services.errors import Forbidden
from bot.services.permissions import Actor, is_manager, role_map

MIN, MAX = 1, 5
LOW = 2  # a pulse at or below this counts as low
HISTORY_WEEKS = 8
KIND_LOW = "pulse_low"


def parse_pulse(text: str | None) -> tuple[int | None, bool]:
    """The modal's answer -> ``(pulse, dropped)``: ``(3, False)`` for ``"3"`` (also ``"3/5"``),
    ``(None, False)`` when left empty, ``(None, True)`` for anything that isn't a whole 1-5
    (the check-in is kept either way; the UI says why the number was left out)."""
    raw = (text or "").strip()
    if not raw:
        return None, False
    if raw.endswith("/5"):
        raw = raw[:-2].strip()
    if raw.isdigit() and MIN <= int(raw) <= MAX:
        return int(raw), False
    return None, True


async def business_channel_id(session: AsyncSession, guild_id: int) -> int | None:
    """The guild's business channel (``/settings business-channel``, from #16), or None.

    Read through this one function so private nudges (wellbeing, deals) find it once the setting
    exists; until then the column is absent and this is None.
    """
    row = await session.get(GuildSettings, guild_id)
    return getattr(row, "business_channel_id", None) if row is not None else None


async def _recent(session: AsyncSession, guild_id: int, member_id: int, limit: int | None = None) -> list[Checkin]:
    q = (
        select(Checkin)
        .where(Checkin.guild_id == guild_id, Checkin.author_id == member_id, Checkin.pulse.is_not(None))
        .order_by(Checkin.created_at.desc(), Checkin.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(q))


async def record(session: AsyncSession, checkin: Checkin, pulse: int | None, *, now: datetime) -> PulseAlert | None:
    """Store ``pulse`` on the (flushed) ``checkin``; when it makes the member's two latest pulses
    low and the managers were not told during this low streak yet, add a :class:`PulseAlert` and
    schedule its nudge in the business channel (due now). Returns the alert, or None. Not committed.

    Raises:
        ValueError: ``pulse`` outside 1-5 (parse it with :func:`parse_pulse` first).
    """
    if pulse is None:
        return None
    if not MIN <= pulse <= MAX:
        raise ValueError(f"pulse {pulse} is not 1-5")
    checkin.pulse = pulse
    await session.flush()
    if pulse > LOW:
        return None
    streak = []
    for c in await _recent(session, checkin.guild_id, checkin.author_id, limit=50):
        if c.pulse is None or c.pulse > LOW:
            break
        streak.append(c.id)
    if len(streak) < 2:
        return None
    told = await session.scalar(select(PulseAlert.id).where(PulseAlert.checkin_id.in_(streak)).limit(1))
    if told is not None:
        return None
    channel = await business_channel_id(session, checkin.guild_id)
    alert = PulseAlert(
        guild_id=checkin.guild_id,
        member_id=checkin.author_id,
        checkin_id=checkin.id,
        channel_id=channel,
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    if channel is not None:
        nudges.schedule(
            session, guild_id=checkin.guild_id, channel_id=channel, kind=KIND_LOW, ref_id=alert.id, due_at=now, now=now
        )
    return alert


async def take_notices(session: AsyncSession, guild_id: int, actor: Actor, *, now: datetime) -> list[int]:
    """For a manager using ``/checkin``: the members whose low-pulse alerts had no business channel
    and were not shown yet (oldest first), now marked shown. Anyone else gets ``[]``; nothing changes."""
    if not await is_manager(session, guild_id, actor):
        return []
    rows = list(
        await session.scalars(
            select(PulseAlert)
            .where(PulseAlert.guild_id == guild_id, PulseAlert.channel_id.is_(None), PulseAlert.noticed_at.is_(None))
            .order_by(PulseAlert.id)
        )
    )
    for r in rows:
        r.noticed_at = now
    await session.flush()
    return list(dict.fromkeys(r.member_id for r in rows))


@dataclass(frozen=True)
class PulseHistory:
    """``/checkin pulse``: ``member_id``'s pulses since ``since`` (UTC), oldest first, as
    ``(created_at UTC, pulse)``."""

    member_id: int
    since: datetime
    points: tuple[tuple[datetime, int], ...]


async def history(
    session: AsyncSession, guild_id: int, member_id: int, *, actor: Actor, now: datetime, weeks: int = HISTORY_WEEKS
) -> PulseHistory:
    """The last ``weeks`` weeks of ``member_id``'s pulses.

    Raises:
        Forbidden: ``actor`` asks about someone else and is not a manager.
    """
    if member_id != actor.user_id and not await is_manager(session, guild_id, actor):
        raise Forbidden("Only managers can see another member's pulse. `/checkin pulse` shows your own.")
    since = now - timedelta(weeks=weeks)
    rows = [c for c in await _recent(session, guild_id, member_id) if c.created_at >= since]
    return PulseHistory(member_id, since, tuple((c.created_at, int(c.pulse or 0)) for c in reversed(rows)))


async def _render_low(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    alert = await session.get(PulseAlert, nudge.ref_id)
    if alert is None or alert.guild_id != nudge.guild_id:
        return None
    manager_role = (await role_map(session, nudge.guild_id)).get("manager")
    ping = f"<@&{manager_role}> " if manager_role else ""
    return nudges.Rendered(
        f"🫶 {ping}Wellbeing check: <@{alert.member_id}>'s two latest check-ins rated how they're holding up at "
        f"{LOW} or lower. A private word from a manager might help.",
        (),
        alert.channel_id,
        (manager_role,) if manager_role else (),
    )


NUDGE_KINDS = (nudges.NudgeKind(KIND_LOW, _render_low, until=None),)  # a low pulse still needs a manager, late
"""Wired in ``bot/features.py`` (with the check-ins feature)."""

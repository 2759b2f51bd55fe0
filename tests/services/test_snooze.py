"""Snooze rules on a real migrated SQLite file: times in the server's zone, once per nudge, own vs all."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Nudge, NudgeStatus
from bot.services import settings, snooze
from bot.services.errors import Forbidden
from bot.services.permissions import Actor
from bot.uow import UnitOfWork

G, CH, MSG = 111, 50, 9000
ANA, BEN, CARA = 1, 2, 3
BERLIN = ZoneInfo("Europe/Berlin")


def test_times_are_in_the_servers_zone_and_keep_the_wall_clock_across_dst() -> None:
    now = datetime(2027, 3, 25, 22, 30, tzinfo=UTC)  # Thu 23:30 in Berlin (CET)
    assert snooze.snooze_until("1h", now, BERLIN) == datetime(2027, 3, 25, 23, 30, tzinfo=UTC)
    assert snooze.snooze_until("tomorrow", now, BERLIN) == datetime(2027, 3, 26, 8, 0, tzinfo=UTC)  # 09:00 CET
    # a week later is after the switch to CEST (28 Mar): still 23:30 Berlin time, one hour less in UTC
    assert snooze.snooze_until("week", now, BERLIN) == datetime(2027, 4, 1, 21, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        snooze.snooze_until("later", now, BERLIN)


async def grouped(sm) -> list[int]:  # type: ignore[no-untyped-def]
    """One delivered message carrying two nudges: one pinged ANA, the other BEN."""
    now = datetime(2027, 3, 1, 9, tzinfo=UTC)
    async with UnitOfWork(sm) as s:
        await settings.set_timezone(s, G, "Europe/Berlin", can_manage=True)
        ids = []
        for user in (ANA, BEN):
            n = Nudge(
                guild_id=G,
                channel_id=CH,
                kind="reminder",
                ref_id=1,
                due_at=now,
                status=NudgeStatus.SENT,
                sent_at=now,
                message_id=MSG,
                pinged_user_ids=str(user),
                created_at=now,
            )
            s.add(n)
            await s.flush()
            ids.append(n.id)
    return ids


async def click(sm, actor: Actor, choice: str = "1h") -> snooze.SnoozeResult:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sm) as s:
        return await snooze.snooze(
            s,
            G,
            message_id=MSG,
            lead_nudge_id=1,
            choice=choice,
            content="⏰ reminder",
            actor=actor,
            now=datetime(2027, 3, 1, 10, tzinfo=UTC),
        )


async def test_own_nudges_once_a_managers_click_takes_the_rest(sessionmaker) -> None:
    await grouped(sessionmaker)
    with pytest.raises(Forbidden):
        await click(sessionmaker, Actor(CARA))
    r = await click(sessionmaker, Actor(ANA))
    assert (r.count, r.already, r.until) == (1, False, datetime(2027, 3, 1, 11, tzinfo=UTC))
    r = await click(sessionmaker, Actor(ANA), "week")
    assert (r.count, r.already, r.until) == (0, True, datetime(2027, 3, 1, 11, tzinfo=UTC))  # the time already chosen
    r = await click(sessionmaker, Actor(CARA, manage_guild=True), "tomorrow")
    assert (r.count, r.already, r.until) == (1, False, datetime(2027, 3, 2, 8, tzinfo=UTC))  # BEN's; 09:00 Berlin
    async with sessionmaker() as s:
        new = list(await s.scalars(select(Nudge).where(Nudge.kind == snooze.KIND).order_by(Nudge.id)))
    assert [(n.channel_id, n.due_at.hour) for n in new] == [(CH, 11), (CH, 8)]

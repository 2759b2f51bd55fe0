"""The wellbeing pulse on a real migrated SQLite file: parsing, one alert per low streak, privacy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import GuildRole, Nudge, PulseAlert
from bot.features import nudge_kinds
from bot.services import checkins, pulse
from bot.services.errors import Forbidden
from bot.services.permissions import Actor
from bot.uow import UnitOfWork

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
G, BIZ = 111, 4242
ALICE, BOB, MANAGER_ROLE = 1, 2, 900


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", (None, False)), (" 3 ", (3, False)), ("5/5", (5, False)), ("0", (None, True)), ("great", (None, True))],
)
def test_parse_pulse(text: str, expected: tuple) -> None:  # type: ignore[type-arg]
    assert pulse.parse_pulse(text) == expected


async def post(sm, author: int, value: int | None, day: int):  # type: ignore[no-untyped-def]
    now = NOW + timedelta(days=day)
    async with UnitOfWork(sm) as s:
        c = await checkins.post_checkin(s, G, author_id=author, wins="w", next_steps="n", channel_id=50, now=now)
        return await pulse.record(s, c, value, now=now)


async def test_two_low_pulses_alert_once_per_streak_skipping_checkins_without_one(sessionmaker, monkeypatch) -> None:
    async def business(session, guild_id):  # type: ignore[no-untyped-def]
        return BIZ

    monkeypatch.setattr(pulse, "business_channel_id", business)
    async with UnitOfWork(sessionmaker) as s:
        s.add(GuildRole(guild_id=G, kind="manager", role_id=MANAGER_ROLE))
    assert await post(sessionmaker, ALICE, 2, 0) is None
    assert await post(sessionmaker, ALICE, None, 1) is None  # no pulse: doesn't count
    assert await post(sessionmaker, BOB, 1, 1) is None  # someone else's
    first = await post(sessionmaker, ALICE, 1, 2)
    assert first is not None and (first.member_id, first.channel_id) == (ALICE, BIZ)
    assert await post(sessionmaker, ALICE, 1, 3) is None  # same streak: told already
    assert await post(sessionmaker, ALICE, 4, 4) is None  # re-arms
    assert await post(sessionmaker, ALICE, 2, 5) is None
    second = await post(sessionmaker, ALICE, 2, 6)
    assert second is not None
    async with sessionmaker() as s:
        rows = list(await s.scalars(select(Nudge).where(Nudge.kind == pulse.KIND_LOW).order_by(Nudge.id)))
        assert [(n.channel_id, n.ref_id) for n in rows] == [(BIZ, first.id), (BIZ, second.id)]
        r = await nudge_kinds()[pulse.KIND_LOW].render(s, rows[0], NOW)
    assert r is not None
    assert r.content == (
        f"🫶 <@&{MANAGER_ROLE}> Wellbeing check: <@{ALICE}>'s two latest check-ins rated how they're holding up at "
        "2 or lower. A private word from a manager might help."
    )
    assert (r.mention_user_ids, r.mention_role_ids, r.channel_id) == ((), (MANAGER_ROLE,), BIZ)  # Alice not pinged


async def test_without_business_channel_the_next_manager_gets_one_notice(sessionmaker) -> None:
    await post(sessionmaker, ALICE, 2, 0)
    alert = await post(sessionmaker, ALICE, 2, 1)
    assert alert is not None and alert.channel_id is None
    async with UnitOfWork(sessionmaker) as s:
        assert await s.scalar(select(Nudge).where(Nudge.kind == pulse.KIND_LOW)) is None
        assert await pulse.take_notices(s, G, Actor(BOB), now=NOW) == []  # not a manager: nothing taken
    async with UnitOfWork(sessionmaker) as s:
        assert await pulse.take_notices(s, G, Actor(BOB, manage_guild=True), now=NOW) == [ALICE]
    async with UnitOfWork(sessionmaker) as s:
        assert await pulse.take_notices(s, G, Actor(BOB, manage_guild=True), now=NOW) == []
        assert (await s.scalar(select(PulseAlert))).noticed_at == NOW


async def test_history_is_own_or_a_managers(sessionmaker) -> None:
    for day, v in ((-70, 5), (0, 3), (7, 4)):
        await post(sessionmaker, ALICE, v, day)
    async with UnitOfWork(sessionmaker) as s:
        h = await pulse.history(s, G, ALICE, actor=Actor(ALICE), now=NOW + timedelta(days=8))
        assert [v for _, v in h.points] == [3, 4]  # the last 8 weeks only, oldest first
        with pytest.raises(Forbidden, match="Only managers can see another member's pulse"):
            await pulse.history(s, G, ALICE, actor=Actor(BOB), now=NOW)
        h = await pulse.history(s, G, ALICE, actor=Actor(BOB, manage_guild=True), now=NOW + timedelta(days=8))
        assert len(h.points) == 2

"""Reminders and the nudge dispatcher on a real SQLite file (sender is a recording function)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Nudge, Reminder
from bot.features import nudge_kinds
from bot.scheduling.dispatcher import DeliveryError, NudgeDispatcher
from bot.services import nudges, reminders
from bot.services.errors import InvalidInput, NotFound
from bot.services.nudges import OutgoingNudge
from bot.uow import UnitOfWork

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1, G2 = 111, 222


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


async def deliver(d: NudgeDispatcher) -> None:
    """One delivery pass, waiting for the sends it started."""
    await d.run_due()
    await d.drain()


class Recorder:
    """A sender that records what it was given and can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[OutgoingNudge] = []
        self.fail: DeliveryError | None = None

    async def __call__(self, out: OutgoingNudge) -> int:
        await asyncio.sleep(0)
        if self.fail is not None:
            raise self.fail
        self.sent.append(out)
        return 1000 + len(self.sent)


async def test_reminder_add_list_cancel_and_isolation(session) -> None:
    r1 = await reminders.add_reminder(
        session, G1, text="Soundcheck @everyone", when="in 2 hours", channel_id=9, author_id=5, now=NOW
    )
    r2 = await reminders.add_reminder(
        session, G2, text="Pitch deadline", when="tomorrow 9am", channel_id=8, author_id=6, now=NOW
    )
    assert (r1.number, r2.number) == (1, 1)
    assert r1.due_at == NOW + timedelta(hours=2)
    assert [r.text for r in await reminders.list_reminders(session, G1)] == ["Soundcheck @everyone"]
    with pytest.raises(NotFound):
        await reminders.cancel_reminder(session, G1, "pitch")
    cancelled = await reminders.cancel_reminder(session, G2, "#1")
    assert cancelled.status == "cancelled"
    assert await reminders.list_reminders(session, G2) == []
    with pytest.raises(InvalidInput):
        await reminders.cancel_reminder(session, G2, "#1")


async def test_reminder_bad_input_stores_nothing(session) -> None:
    for when in ("yesterday", "gibberish here", "25:00"):
        with pytest.raises(InvalidInput):
            await reminders.add_reminder(session, G1, text="x", when=when, channel_id=9, author_id=5, now=NOW)
    with pytest.raises(InvalidInput):
        await reminders.add_reminder(session, G1, text="  ", when="in 1 hour", channel_id=9, author_id=5, now=NOW)
    assert (await session.scalars(select(Reminder))).all() == []
    assert (await session.scalars(select(Nudge))).all() == []


async def test_delivers_once_even_with_concurrent_passes_grouped_per_channel_and_second(sessionmaker) -> None:
    clock, rec = Clock(NOW), Recorder()
    async with UnitOfWork(sessionmaker) as s:
        for i in range(5):
            await reminders.add_reminder(s, G1, text=f"r{i}", when="in 10 seconds", channel_id=9, author_id=5, now=NOW)
        await reminders.add_reminder(s, G1, text="elsewhere", when="in 10 seconds", channel_id=8, author_id=6, now=NOW)
        await reminders.add_reminder(
            s, G1, text="a second later", when="in 11 seconds", channel_id=9, author_id=5, now=NOW
        )
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    await deliver(d)
    assert rec.sent == []  # not due yet
    clock.t = NOW + timedelta(seconds=10)
    await asyncio.gather(d.run_due(), d.run_due(), d.run_due())
    await d.drain()
    # one message for the five due in the same second in channel 9: one ping, the list in an embed
    by_channel = {o.channel_id: o for o in rec.sent}
    assert len(rec.sent) == 2 and set(by_channel) == {8, 9}
    grouped = by_channel[9]
    assert grouped.content == "🔔 5 nudges for <@5>"
    assert grouped.embeds == ("\n".join(f"⏰ <@5> reminder #{i + 1}: r{i}" for i in range(5)),)
    assert grouped.mention_user_ids == (5,) and not grouped.late
    assert len(grouped.row_ids) == 5 and grouped.nonce == f"roadie-n{min(grouped.row_ids)}"
    assert by_channel[8].content == "⏰ <@6> reminder #6: elsewhere" and by_channel[8].embeds == ()
    await deliver(d)
    assert len(rec.sent) == 2
    clock.t = NOW + timedelta(seconds=11)
    await deliver(d)
    assert [o.content for o in rec.sent[2:]] == ["⏰ <@5> reminder #7: a second later"]
    async with UnitOfWork(sessionmaker) as s:
        assert {r.status for r in await s.scalars(select(Reminder))} == {"sent"}
        rows = (await s.scalars(select(Nudge).where(Nudge.channel_id == 9).order_by(Nudge.id))).all()
    message_id = 1001 + rec.sent.index(grouped)  # what the Recorder returned for it
    assert [(n.status, n.message_id) for n in rows[:5]] == [("sent", message_id)] * 5
    assert len({n.batch_id for n in rows[:5]}) == 1 and rows[5].batch_id == rows[5].id


async def test_overdue_after_downtime_is_sent_once_and_marked_late(sessionmaker) -> None:
    rec = Recorder()
    async with UnitOfWork(sessionmaker) as s:
        r = await reminders.add_reminder(s, G1, text="Doors", when="in 1 hour", channel_id=9, author_id=5, now=NOW)
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(NOW + timedelta(hours=3)))
    await deliver(d)
    await deliver(d)
    assert len(rec.sent) == 1
    ts = int(r.due_at.timestamp())
    assert rec.sent[0].content == (f"⏰ **Late** (was due <t:{ts}:F>; Roadie was offline)\n⏰ <@5> reminder #1: Doors")
    assert rec.sent[0].late


async def test_interrupted_send_is_resent_with_the_same_nonce(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await reminders.add_reminder(s, G1, text="x", when="in 1 minute", channel_id=9, author_id=5, now=NOW)
        nid = await s.scalar(select(Nudge.id))
        claimed = await nudges.claim(s, nid, NOW + timedelta(minutes=1), kinds=KINDS)  # then the process "dies"
    assert claimed is not None
    rec = Recorder()
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(NOW + timedelta(minutes=2)))
    async with UnitOfWork(sessionmaker) as s:
        assert await nudges.recover_interrupted(s) == 1
        await s.commit()
    await deliver(d)
    assert [o.nonce for o in rec.sent] == [claimed.nonce]


async def test_transient_failure_retries_permanent_failure_fails(sessionmaker) -> None:
    clock, rec = Clock(NOW), Recorder()
    async with UnitOfWork(sessionmaker) as s:
        await reminders.add_reminder(s, G1, text="a", when="in 1 minute", channel_id=9, author_id=5, now=NOW)
        await reminders.add_reminder(s, G1, text="b", when="in 2 minutes", channel_id=9, author_id=5, now=NOW)
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    clock.t = NOW + timedelta(minutes=1)
    rec.fail = DeliveryError("HTTP 429", permanent=False)
    await deliver(d)
    async with UnitOfWork(sessionmaker) as s:
        n = await s.scalar(select(Nudge).order_by(Nudge.id))
        assert (n.status, n.retry_at, n.last_error) == ("pending", clock.t + timedelta(seconds=5), "HTTP 429")
    rec.fail = None
    clock.t += timedelta(seconds=5)
    await deliver(d)
    assert [o.content for o in rec.sent] == ["⏰ <@5> reminder #1: a"]
    clock.t = NOW + timedelta(minutes=2)
    rec.fail = DeliveryError("no permission", permanent=True)
    await deliver(d)
    async with UnitOfWork(sessionmaker) as s:
        statuses = [(r.number, r.status) for r in await s.scalars(select(Reminder).order_by(Reminder.number))]
    assert statuses == [(1, "sent"), (2, "failed")]
    async with UnitOfWork(sessionmaker) as s:
        assert [r.number for r in await reminders.list_reminders(s, G1)] == [2]  # failed ones stay visible


async def test_cancelled_reminder_is_not_sent(sessionmaker) -> None:
    rec = Recorder()
    async with UnitOfWork(sessionmaker) as s:
        await reminders.add_reminder(s, G1, text="a", when="in 1 minute", channel_id=9, author_id=5, now=NOW)
        await reminders.cancel_reminder(s, G1, "#1")
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(NOW + timedelta(hours=1))))
    assert rec.sent == []


async def test_after_downtime_a_goal_gets_one_late_nudge_not_three(sessionmaker) -> None:
    from bot.services import goals

    rec = Recorder()
    async with UnitOfWork(sessionmaker) as s:
        await goals.add_goal(s, G1, title="Masters", author_id=5, channel_id=9, now=NOW, due="2026-12-10")
    await deliver(
        NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(datetime(2026, 12, 12, 12, 0, tzinfo=UTC)))
    )
    assert len(rec.sent) == 1
    body = rec.sent[0].content.split("\n")[1]
    assert body.startswith("🎯 <@5> goal **#1 Masters** is overdue: Thu 10 Dec 2026 (<t:")
    async with UnitOfWork(sessionmaker) as s:
        statuses = sorted(n.status for n in await s.scalars(select(Nudge)))
    assert statuses == ["sent", "skipped", "skipped"]  # skipped with a reason, not silently cancelled


async def test_a_due_nudge_whose_kind_has_no_renderer_is_marked_failed_and_logged(
    sessionmaker, caplog: pytest.LogCaptureFixture
) -> None:
    """A kind nobody wired in bot/features.py (e.g. a feature removed while its rows remained) is never
    silently cancelled: the row is kept as failed, with the reason, and an ERROR is logged."""
    async with UnitOfWork(sessionmaker) as s:
        await reminders.add_reminder(s, G1, text="still wired", when="in 1 minute", channel_id=9, author_id=5, now=NOW)
        nudges.schedule(
            s, guild_id=G1, channel_id=9, kind="mystery", ref_id=7, due_at=NOW + timedelta(minutes=1), now=NOW
        )
    rec = Recorder()
    with caplog.at_level("ERROR", logger="bot.services.nudges"):
        await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(NOW + timedelta(minutes=2))))
    assert [o.content for o in rec.sent] == ["⏰ <@5> reminder #1: still wired"]
    async with UnitOfWork(sessionmaker) as s:
        row = await s.scalar(select(Nudge).where(Nudge.kind == "mystery"))
    assert (row.status, row.last_error) == ("failed", "no renderer for nudge kind 'mystery'")
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "has no renderer" in record.getMessage() and "'mystery'" in record.getMessage()


def test_every_kind_a_service_schedules_is_wired() -> None:
    """Each service's NUDGE_KINDS is in bot/features.py, once."""
    from bot.services import (
        advance,
        budget,
        checkins,
        deals,
        goals,
        guestlist,
        promo,
        pulse,
        releases,
        snooze,
        studio,
        tours,
    )

    services = (
        checkins,
        goals,
        releases,
        reminders,
        tours,
        studio,
        budget,
        advance,
        guestlist,
        promo,
        deals,
        pulse,
        snooze,
    )
    wired = set(KINDS)
    for svc in services:
        assert {k.kind for k in svc.NUDGE_KINDS} <= wired, svc.__name__
    assert len(wired) == sum(len(s.NUDGE_KINDS) for s in services)


async def test_stop_puts_back_sends_not_started_and_keeps_what_went_out(sessionmaker) -> None:
    """A storm waiting for the rate limit at shutdown: what was sent is recorded, the rest is pending."""
    import contextlib

    class Slots:  # channel 9 may send once; channel 8 waits for a bucket that never resets
        def __init__(self) -> None:
            self.used: list[int] = []

        @contextlib.asynccontextmanager
        async def _slot(self, channel_id: int):
            if channel_id == 8 or self.used.count(channel_id) >= 1:
                await asyncio.Event().wait()
            self.used.append(channel_id)
            yield

        def slot(self, channel_id: int):
            return self._slot(channel_id)

    clock, rec = Clock(NOW), Recorder()
    async with UnitOfWork(sessionmaker) as s:
        for i, (channel, secs) in enumerate([(9, 10), (9, 11), (8, 10)]):
            await reminders.add_reminder(
                s, G1, text=f"s{i}", when=f"in {secs} seconds", channel_id=channel, author_id=5, now=NOW
            )
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock, slots=Slots())
    clock.t = NOW + timedelta(seconds=11)
    await d.run_due()
    for _ in range(500):  # until channel 9's first message went out
        if rec.sent:
            break
        await asyncio.sleep(0.01)
    await d.stop()
    assert [o.content for o in rec.sent] == ["⏰ <@5> reminder #1: s0"]
    async with sessionmaker() as s:
        rows = {n.ref_id: (n.status, n.attempts) for n in await s.scalars(select(Nudge))}
    assert rows == {1: ("sent", 1), 2: ("pending", 0), 3: ("pending", 0)}  # not started: as before the claim

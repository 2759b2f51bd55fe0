"""One staleness rule for every nudge kind: after downtime, what no longer makes sense is skipped
(status ``skipped`` with the reason) and the start-up log counts it; what still makes sense goes
out late. Real SQLite file, a recording sender, an injected clock."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Nudge
from bot.features import nudge_kinds
from bot.scheduling.dispatcher import NudgeDispatcher
from bot.services import checkins, goals, nudges, releases, reminders, settings, tours
from bot.services.permissions import Actor
from bot.uow import UnitOfWork
from tests.services.test_reminders_and_delivery import Clock, Recorder, deliver

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
G1 = 111
KINDS = nudge_kinds()
BRISBANE = ZoneInfo("Australia/Brisbane")
SHOW_DAY = date(2027, 3, 26)  # a Friday


async def _brisbane_show(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sessionmaker) as s:
        await settings.set_timezone(s, G1, "America/New_York", can_manage=True)
        await s.commit()
        f = tours.ShowFields(
            date=SHOW_DAY, city="Brisbane", venue="The Tivoli", timezone="Australia/Brisbane", doors=time(19)
        )
        await tours.add_show(s, G1, f, author_id=5, channel_id=50, now=NOW)


async def _rows(sessionmaker, kind: str | None = None) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sessionmaker) as s:
        q = select(Nudge).order_by(Nudge.due_at, Nudge.id)
        if kind:
            q = q.where(Nudge.kind == kind)
        return [(n.kind, n.status, n.skip_reason) for n in await s.scalars(q)]


async def _start_and_stop(d: NudgeDispatcher) -> None:
    await d.start()  # recovers, skips what went stale (logged), delivers the rest
    await d.drain()
    await d.stop()


async def test_show_nudges_after_the_show_are_skipped_and_counted(sessionmaker, caplog) -> None:  # type: ignore[no-untyped-def]
    await _brisbane_show(sessionmaker)
    rec = Recorder()
    back = datetime.combine(SHOW_DAY + timedelta(days=2), time(10), tzinfo=BRISBANE).astimezone(UTC)  # Sunday
    caplog.set_level(logging.INFO, logger="bot.scheduling.dispatcher")
    await _start_and_stop(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(back)))
    assert rec.sent == []  # no "Tomorrow, Fri 26 Mar" on Sunday, no "Show day" after the show
    assert await _rows(sessionmaker) == [
        ("show_eve", "skipped", "the day before show #1 had passed"),
        ("show_day", "skipped", "show #1 was over"),
    ]
    assert "start-up: skipped 2 stale nudge(s) that no longer make sense (show_day: 1, show_eve: 1)" in caplog.messages


async def test_back_on_show_day_sends_the_day_sheet_late_but_not_yesterdays_eve(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await _brisbane_show(sessionmaker)
    rec = Recorder()
    back = datetime.combine(SHOW_DAY, time(11), tzinfo=BRISBANE).astimezone(UTC)
    await _start_and_stop(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(back)))
    [sent] = rec.sent
    due = int(datetime.combine(SHOW_DAY, time(9), tzinfo=BRISBANE).timestamp())
    assert sent.content.splitlines()[:2] == [
        f"⏰ **Late** (was due <t:{due}:F>; Roadie was offline)",
        "🎸 Show day, Fri 26 Mar 2027: **Brisbane** · The Tivoli (confirmed)",
    ]
    assert (await _rows(sessionmaker))[0] == ("show_eve", "skipped", "the day before show #1 had passed")


async def test_back_the_evening_before_still_sends_tomorrow(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await _brisbane_show(sessionmaker)
    rec = Recorder()
    back = datetime.combine(SHOW_DAY - timedelta(days=1), time(21), tzinfo=BRISBANE).astimezone(UTC)
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(back)))
    [sent] = rec.sent
    assert sent.late and sent.content.splitlines()[1] == (
        "🚐 Tomorrow, Fri 26 Mar 2027: **Brisbane** · The Tivoli (confirmed)"
    )


async def test_followup_superseded_by_a_newer_prompt_is_skipped(sessionmaker, caplog) -> None:  # type: ignore[no-untyped-def]
    admin = Actor(1, frozenset(), manage_guild=True)
    async with UnitOfWork(sessionmaker) as s:
        await checkins.set_team_member(s, G1, 31, True, actor=admin, now=NOW)
        await checkins.add_schedule(s, G1, weekday=0, time_text="10:00", channel_id=50, actor=admin, now=NOW)
    rec, clock = Recorder(), Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC))  # Monday: the prompt goes out
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock))
    assert len(rec.sent) == 1
    # down for three weeks from an hour later: the follow-up (due Tue 9 Mar) never went out
    rec2 = Recorder()
    caplog.set_level(logging.INFO, logger="bot.scheduling.dispatcher")
    await _start_and_stop(
        NudgeDispatcher(sessionmaker, rec2, kinds=KINDS, clock=Clock(datetime(2027, 3, 31, 12, tzinfo=UTC)))
    )
    [late_prompt] = rec2.sent
    assert late_prompt.late and "Time for the weekly check-in!" in late_prompt.content
    assert ("checkin_followup", "skipped", "a newer check-in prompt was due (it has its own follow-up)") in (
        await _rows(sessionmaker, checkins.KIND_FOLLOWUP)
    )
    assert "start-up: skipped 1 stale nudge(s) that no longer make sense (checkin_followup: 1)" in caplog.messages


async def test_goal_sends_only_its_latest_overdue_nudge(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sessionmaker) as s:
        await goals.add_goal(s, G1, title="Sell out", author_id=5, channel_id=50, now=NOW, due="2027-03-20")
    rec = Recorder()
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(datetime(2027, 3, 20, 15, tzinfo=UTC))))
    [sent] = rec.sent
    assert "goal **#1 Sell out** is due today" in sent.content
    assert [r[1:] for r in await _rows(sessionmaker)] == [
        ("skipped", "a later nudge about the same goal was due"),
        ("skipped", "a later nudge about the same goal was due"),
        ("sent", None),
    ]


async def test_release_task_after_its_day_is_skipped(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sessionmaker) as s:
        await releases.add_release(
            s, G1, title="Night Drive", date_text="2027-06-01", author_id=5, channel_id=50, now=NOW
        )
        _release, task = await releases.add_task(
            s, G1, "#1", title="Book the mastering", due="2027-04-01", now=NOW, actor=Actor(5, frozenset())
        )
    async with UnitOfWork(sessionmaker) as s:
        n = await s.scalar(select(Nudge).where(Nudge.kind == releases.KIND_TASK, Nudge.ref_id == task.id))
        assert n is not None
        assert (
            await nudges.stale_reason(s, n, datetime(2027, 4, 1, 23, 59, tzinfo=UTC), kinds=KINDS) is None
        )  # still its day
        reason = await nudges.stale_reason(s, n, datetime(2027, 4, 2, 0, 0, tzinfo=UTC), kinds=KINDS)
    assert reason == f"task #{task.position}'s due day had passed (the overdue digest lists it)"


async def test_a_reminder_is_always_worth_sending_late(sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sessionmaker) as s:
        await reminders.add_reminder(
            s, G1, text="Call the promoter", when="in 1 hour", channel_id=50, author_id=5, now=NOW
        )
    rec = Recorder()
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(NOW + timedelta(days=30))))
    assert [o.late for o in rec.sent] == [True]


@pytest.mark.parametrize(
    ("kind", "has_rule"),
    [
        ("reminder", False),
        ("goal_due", True),
        ("show_eve", True),
        ("show_day", True),
        ("release_task", True),
        ("release_digest", False),
        ("checkin_prompt", False),
        ("checkin_followup", True),
        ("checkin_digest", False),
        ("studio_eve", True),
        ("studio_call", True),
        ("budget_alert", False),
        ("studio_costs", False),
        ("guestlist_close", True),
        ("advance_due", True),
        ("promo_followup", False),
        ("deal_date", False),
    ],
)
def test_every_kind_says_until_when_it_makes_sense(kind: str, has_rule: bool) -> None:
    assert callable(KINDS[kind].until) is has_rule
    assert [k for k, v in KINDS.items() if v.until is nudges.UNDECLARED] == []  # every wired kind says

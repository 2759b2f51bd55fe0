"""Guest lists on a real SQLite file: allowance arithmetic, the cut-off across DST, one post with a CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Guest, Nudge
from bot.features import nudge_kinds, show_planners
from bot.scheduling.dispatcher import NudgeDispatcher
from bot.services import guestlist as gl
from bot.services import settings, tours
from bot.services.errors import Forbidden, InvalidInput
from bot.services.permissions import Actor
from tests.services.test_reminders_and_delivery import Clock, Recorder, deliver

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py
PLANNERS = show_planners()  # the show re-planners wired there (advance, guest lists)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
G1 = 111
MANAGER = Actor(1, manage_guild=True)
BEN, ELI = Actor(2), Actor(3)


def posts(rec: Recorder) -> list:  # type: ignore[type-arg]
    return [o for o in rec.sent if o.content.startswith("🎟️")]


async def add_show(session, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("date_text", "2027-04-03")
    kw.setdefault("city", "Berlin")
    kw.setdefault("venue", "Huxleys")
    cfg = await settings.get_config(session, G1)
    f = tours.parse_fields(cfg, NOW.date(), **kw)
    return await tours.add_show(session, G1, f, author_id=5, channel_id=50, now=NOW)


async def guest(session, show, name, actor=BEN, plus_ones=0, now=NOW, note=None):  # type: ignore[no-untyped-def]
    return await gl.add_guest(
        session,
        G1,
        f"#{show.number}",
        name=name,
        plus_ones=plus_ones,
        note=note,
        actor=actor,
        actor_name=f"user{actor.user_id}",
        now=now,
    )


async def test_cutoff_rules_and_dst(session) -> None:
    # Berlin springs forward at 02:00 on Sun 28 Mar 2027: doors 05:30 CEST = 03:30 UTC; 4 real hours
    # before is 23:30 UTC on the 27th (01:30 CET), not "01:30 local" read in summer time (23:30 vs 00:30 UTC)
    dst = await add_show(session, date_text="2027-03-28", timezone="Europe/Berlin", doors="05:30")
    assert gl.cutoff(dst) == datetime(2027, 3, 27, 23, 30, tzinfo=UTC)
    # doors: 4 h before; no doors: 4 h before the set; neither: 12:00 venue time (CEST = UTC+2)
    doors = await add_show(session, timezone="Europe/Berlin", doors="19:00", set_time="21:00")
    assert gl.cutoff(doors) == datetime(2027, 4, 3, 13, 0, tzinfo=UTC)
    set_only = await add_show(session, timezone="Europe/Berlin", set_time="21:00")
    assert gl.cutoff(set_only) == datetime(2027, 4, 3, 15, 0, tzinfo=UTC)
    bare = await add_show(session, timezone="Europe/London")
    assert gl.cutoff(bare) == datetime(2027, 4, 3, 11, 0, tzinfo=UTC)  # 12:00 BST
    # after-midnight doors (00:30 on the next day) count from that next day
    late = await add_show(session, timezone="Asia/Tokyo", soundcheck="22:00", doors="00:30")
    assert gl.cutoff(late) == datetime(2027, 4, 3, 11, 30, tzinfo=UTC)  # 20:30 JST on the 3rd


async def test_allowance_arithmetic(session) -> None:
    show = await add_show(session, doors="19:00")
    a = await guest(session, show, "Jo Smith", plus_ones=1)
    assert (a.left, a.per_member) == (0, 2)
    with pytest.raises(InvalidInput, match="you have 0 places left of your 2"):
        await guest(session, show, "Sam Lee")
    b = await guest(session, show, "Sam Lee", actor=ELI)  # ELI's own allowance
    assert b.left == 1
    with pytest.raises(InvalidInput, match=r"needs 3 places \(the guest and 2 plus-ones\), but you have 1 place left"):
        await guest(session, show, "Kim Park", actor=ELI, plus_ones=2)
    with pytest.raises(Forbidden):
        await gl.set_allowance(session, G1, "#1", 4, actor=BEN, now=NOW)
    await gl.set_allowance(session, G1, "#1", 4, actor=MANAGER, now=NOW)
    c = await guest(session, show, "Kim Park", actor=ELI, plus_ones=2)
    assert c.left == 0
    with pytest.raises(InvalidInput, match="already on the list"):
        await guest(session, show, "  jo   SMITH ", actor=ELI)
    # removing gives the places back; members can't remove others' guests
    with pytest.raises(Exception, match="No guest"):
        await gl.remove_guest(session, G1, "#1", "Jo Smith", actor=ELI, now=NOW)
    await gl.remove_guest(session, G1, "#1", "Jo Smith", actor=BEN, now=NOW)
    again = await guest(session, show, "Jo Smith")
    assert again.left == 3


async def test_views_managers_see_all_members_their_own(session) -> None:
    show = await add_show(session, doors="19:00")
    await guest(session, show, "Jo Smith", plus_ones=1)
    await guest(session, show, "Sam Lee", actor=ELI)
    mine = await gl.view(session, G1, "#1", actor=BEN, now=NOW)
    assert [g.name for g in mine.guests] == ["Jo Smith"] and not mine.manager
    everyone = await gl.view(session, G1, "#1", actor=MANAGER, now=NOW)
    assert [g.name for g in everyone.guests] == ["Jo Smith", "Sam Lee"] and everyone.total_places == 3


async def test_closes_at_cutoff_posts_once_with_csv_then_refuses_members(sessionmaker) -> None:
    async with sessionmaker() as s:
        show = await add_show(s, timezone="Europe/Berlin", doors="19:00")  # cut-off 13:00 UTC on 3 Apr
        await guest(s, show, "Jo Smith", plus_ones=1, note="photo pass")
        await guest(s, show, "<@2> Zoë Ñ", actor=ELI)  # a mention in a name is shown, never pinged
        await guest(s, show, "=HYPERLINK(1)", actor=MANAGER)
        await s.commit()
        due = await s.scalar(select(Nudge.due_at).where(Nudge.kind == gl.KIND_CLOSE, Nudge.status == "pending"))
        assert due == datetime(2027, 4, 3, 13, 0, tzinfo=UTC)
        # the doors move: the cut-off moves with them
        f = tours.parse_fields(await settings.get_config(s, G1), NOW.date(), doors="20:00")
        await tours.edit_show(s, G1, "#1", f, now=NOW, planners=PLANNERS)
        await s.commit()
        due = await s.scalar(select(Nudge.due_at).where(Nudge.kind == gl.KIND_CLOSE, Nudge.status == "pending"))
        assert due == datetime(2027, 4, 3, 14, 0, tzinfo=UTC)
    rec = Recorder()
    clock = Clock(datetime(2027, 4, 3, 13, 59, tzinfo=UTC))
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    await deliver(d)
    assert posts(rec) == []
    clock.t = datetime(2027, 4, 3, 14, 0, 1, tzinfo=UTC)
    await deliver(d)
    await deliver(d)
    assert len(posts(rec)) == 1
    out = posts(rec)[0]
    assert out.mention_user_ids == () and out.mention_role_ids == ()
    assert out.content.startswith(
        "🎟️ Guest list closed for show #1: **Berlin** · Huxleys · Sat 3 Apr 2027: 3 guests, 4 places."
    )
    ((name, data),) = out.files
    assert name == "guestlist-1-2027-04-03.csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["name", "plus_ones", "requested_by", "note"],
        ["Jo Smith", "1", "user2", "photo pass"],
        ["<@2> Zoë Ñ", "0", "user3", ""],
        ["'=HYPERLINK(1)", "0", "user1", ""],
    ]
    async with sessionmaker() as s:
        later = clock.t + timedelta(minutes=5)
        with pytest.raises(Forbidden, match="closed at <t:"):
            await guest(s, show, "Late Larry", actor=Actor(9), now=later)
        with pytest.raises(Forbidden):
            await gl.remove_guest(s, G1, "#1", "#1", actor=BEN, now=later)
        await guest(s, show, "Late Larry", actor=MANAGER, now=later)  # managers may still
        with pytest.raises(InvalidInput, match="already closed at <t:1806760800:F> and was posted"):
            await gl.close_list(s, G1, "#1", actor=MANAGER, now=later)
        # moving the doors after the post posts nothing again
        f = tours.parse_fields(await settings.get_config(s, G1), NOW.date(), doors="21:00")
        await tours.edit_show(s, G1, "#1", f, now=later, planners=PLANNERS)
        assert await s.scalar(select(Nudge.id).where(Nudge.kind == gl.KIND_CLOSE, Nudge.status == "pending")) is None


async def test_close_early_posts_now(sessionmaker) -> None:
    async with sessionmaker() as s:
        show = await add_show(s, doors="19:00")
        await guest(s, show, "Jo Smith")
        with pytest.raises(Forbidden):
            await gl.close_list(s, G1, "#1", actor=BEN, now=NOW)
        _show, count = await gl.close_list(s, G1, "#1", actor=MANAGER, now=NOW)
        assert count == 1
        await s.commit()
    rec = Recorder()
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(NOW + timedelta(seconds=1))))
    assert len(posts(rec)) == 1 and posts(rec)[0].files[0][0] == "guestlist-1-2027-04-03.csv"


async def test_bad_input_stores_nothing(session) -> None:
    show = await add_show(session, doors="19:00")
    with pytest.raises(InvalidInput, match="can't be empty"):
        await guest(session, show, "   ")
    with pytest.raises(InvalidInput, match="keep it to 100"):
        await guest(session, show, "x" * 101)
    with pytest.raises(InvalidInput, match="Plus-ones"):
        await guest(session, show, "Jo", plus_ones=11)
    past = await add_show(session, date_text="2027-03-01", doors="19:00")  # today, cut-off 15:00 UTC... passed?
    with pytest.raises(Forbidden, match="closed at"):
        await guest(session, past, "Jo", now=datetime(2027, 3, 1, 16, 0, tzinfo=UTC))
    assert (await session.scalars(select(Guest))).all() == []


async def test_a_list_started_after_its_cutoff_posts_when_a_manager_closes_it(sessionmaker) -> None:
    late = datetime(2027, 4, 3, 18, 0, tzinfo=UTC)  # after the 13:00 UTC cut-off
    async with sessionmaker() as s:
        show = await add_show(s, timezone="Europe/Berlin", doors="19:00")
        await guest(s, show, "Jo Smith", actor=MANAGER, now=late)
        await s.commit()
        assert await s.scalar(select(Nudge.id).where(Nudge.kind == gl.KIND_CLOSE)) is None  # nothing at a past cut-off
        await gl.close_list(s, G1, "#1", actor=MANAGER, now=late)
        await s.commit()
    rec = Recorder()
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(late + timedelta(seconds=1)))
    await deliver(d)
    assert len(posts(rec)) == 1
    async with sessionmaker() as s:
        with pytest.raises(InvalidInput, match="was posted"):
            await gl.close_list(s, G1, "#1", actor=MANAGER, now=late + timedelta(minutes=1))

"""Studio sessions, musicians, nudges, stages and the .ics export on a real migrated SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from bot.db.models import Nudge, ReleaseTask, SessionMusician, StudioSession
from bot.features import nudge_kinds
from bot.services import budget, nudges, releases, settings, studio
from bot.services.errors import Forbidden, InvalidInput
from bot.services.permissions import Actor
from bot.uow import UnitOfWork

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
G = 111
ALICE, BOB, ENG, SAM = 1, 2, 3, 4
BERLIN = ZoneInfo("Europe/Berlin")


async def setup_guild(sm, zone: str = "Europe/Berlin", kind: str = "single") -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sm) as s:
        await settings.set_timezone(s, G, zone, can_manage=True)
    async with UnitOfWork(sm) as s:
        await releases.add_release(
            s, G, title="Night Drive", date_text="2027-06-04", kind=kind, author_id=ALICE, channel_id=50, now=NOW
        )


async def book(sm, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("date", "2027-03-10")
    kw.setdefault("start", "10:00")
    kw.setdefault("end", "18:00")
    kw.setdefault("studio", "Hansa")
    now = kw.pop("now", NOW)
    async with UnitOfWork(sm) as s:
        ss = await studio.book(
            s, G, kw.pop("release", "#1"), studio.SessionInput(**kw), author_id=ALICE, channel_id=50, now=now
        )
        return ss.id


async def pending(sm, kind: str) -> list[tuple[int | None, datetime]]:  # type: ignore[no-untyped-def]
    async with sm() as s:
        rows = await s.scalars(
            select(Nudge).where(Nudge.kind == kind, Nudge.status == "pending").order_by(Nudge.due_at, Nudge.id)
        )
        return [(n.ref_id, n.due_at) for n in rows]


async def test_overlap_in_the_same_studio_is_refused_naming_the_session(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    await book(sessionmaker)
    with pytest.raises(InvalidInput) as err:
        await book(sessionmaker, start="17:00", end="20:00", studio="  hansa ")
    assert str(err.value) == (
        "hansa is already booked then: session #1 Wed 10 Mar 2027 10:00–18:00 (Europe/Berlin) for “Night Drive”. "
        "Pick another time or studio, or move that session with `/studio edit`."
    )
    await book(sessionmaker, start="18:00", end="22:00")  # back to back is fine
    await book(sessionmaker, start="17:00", end="20:00", studio="Funkhaus")  # another studio too
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(StudioSession)) == 3


async def test_end_before_start_is_next_day_up_to_16_hours_and_past_sessions_are_refused(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    sid = await book(sessionmaker, start="22:00", end="04:00")
    async with sessionmaker() as s:
        ss = await s.get(StudioSession, sid)
        assert (ss.start_at, ss.end_at) == (datetime(2027, 3, 10, 21, tzinfo=UTC), datetime(2027, 3, 11, 3, tzinfo=UTC))
    with pytest.raises(
        InvalidInput, match=r"^End 09:00 is at or before start 10:00, so it would be 09:00 the next day: a 23 h"
    ):
        await book(sessionmaker, start="10:00", end="09:00", studio="Other")
    with pytest.raises(InvalidInput, match=r"^Wed 24 Feb 2027 10:00 \(Europe/Berlin\) has passed"):
        await book(sessionmaker, date="2027-02-24", studio="Other")
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(StudioSession)) == 1


async def test_call_sheet_and_call_time_nudges_land_on_the_right_instants_across_dst(sessionmaker) -> None:
    """Berlin springs forward on Sun 28 Mar 2027 (02:00 CET -> 03:00 CEST)."""
    await setup_guild(sessionmaker)
    sid = await book(sessionmaker, date="2027-03-28", start="10:00", end="18:00", engineer_id=ENG)
    async with UnitOfWork(sessionmaker) as s:
        await studio.set_musician(s, G, "#1", "guitar", member_id=BOB, call_time="09:00", now=NOW)
        await studio.set_musician(s, G, "#1", "drums", name="Sam Jones", now=NOW)
    # the call sheet: 18:00 CET on Saturday 27 March = 17:00 UTC
    assert await pending(sessionmaker, studio.KIND_EVE) == [(sid, datetime(2027, 3, 27, 17, tzinfo=UTC))]
    # Bob's call: 09:00 CEST on Sunday = 07:00 UTC, nudged 2 h before (05:00 UTC = 07:00 CEST);
    # Sam is not on the server: no ping, no nudge
    async with sessionmaker() as s:
        bob = await s.scalar(select(SessionMusician).where(SessionMusician.user_id == BOB))
        sam = await s.scalar(select(SessionMusician).where(SessionMusician.name == "Sam Jones"))
        assert bob.call_at == datetime(2027, 3, 28, 7, tzinfo=UTC)
        assert sam.call_at == datetime(2027, 3, 28, 8, tzinfo=UTC)  # default: the start, 10:00 CEST
    assert await pending(sessionmaker, studio.KIND_CALL) == [(bob.id, datetime(2027, 3, 28, 5, tzinfo=UTC))]
    # an overnight session across the change lasts 7 real hours, not 8
    async with UnitOfWork(sessionmaker) as s:
        ss = await studio.book(
            s,
            G,
            "#1",
            studio.SessionInput(date="2027-03-27", start="22:00", end="06:00", studio="Night room"),
            author_id=ALICE,
            channel_id=50,
            now=NOW,
        )
        assert ss.end_at - ss.start_at == timedelta(hours=7)

    # delivery: the call sheet pings exactly Bob and the engineer
    async with UnitOfWork(sessionmaker) as s:
        [out] = [
            o
            for o in await nudges.claim_due(s, datetime(2027, 3, 27, 17, 0, 1, tzinfo=UTC), kinds=KINDS)
            if "Hansa" in o.content
        ]
    assert out.mention_user_ids == (BOB, ENG)
    lines = out.content.split("\n")
    assert lines[0] == "🎙️ Tomorrow, Sun 28 Mar 2027, in the studio: **Night Drive** · session #1"
    assert lines[3:] == [
        "Musicians:",
        f"• <@{BOB}> · guitar · call 09:00 (<t:{int(datetime(2027, 3, 28, 7, tzinfo=UTC).timestamp())}:f>)",
        f"• Sam Jones · drums · call 10:00 (<t:{int(datetime(2027, 3, 28, 8, tzinfo=UTC).timestamp())}:f>)",
    ]
    async with UnitOfWork(sessionmaker) as s:
        calls = [
            o
            for o in await nudges.claim_due(s, datetime(2027, 3, 28, 5, 0, 1, tzinfo=UTC), kinds=KINDS)
            if "call" in o.content
        ]
        [call] = calls
    assert call.mention_user_ids == (BOB,)
    assert call.content.startswith(f"⏰ <@{BOB}> your call for session #1 (guitar) is at 09:00 Europe/Berlin")


async def test_edits_move_nudges_and_cancel_removes_them(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    sid = await book(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        r = await studio.set_musician(s, G, "#1", "bass", member_id=BOB, now=NOW)
        mid = r.musician.id
    async with UnitOfWork(sessionmaker) as s:
        await studio.edit(s, G, "#1", studio.SessionInput(date="2027-03-12", start="12:00"), now=NOW)
    assert await pending(sessionmaker, studio.KIND_EVE) == [(sid, datetime(2027, 3, 11, 17, tzinfo=UTC))]
    # Bob's call followed the start (he had none of his own): 12:00 CET - 2 h = 09:00 UTC
    assert await pending(sessionmaker, studio.KIND_CALL) == [(mid, datetime(2027, 3, 12, 9, tzinfo=UTC))]
    async with UnitOfWork(sessionmaker) as s:
        await studio.set_musician(s, G, "#1", "keys", name="Sam Jones", call_time="17:00", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput, match=r"^Sam Jones's call time 17:00 would be after the session ends"):
            await studio.edit(s, G, "#1", studio.SessionInput(end="16:00"), now=NOW)
        with pytest.raises(InvalidInput, match=r"^A session always has a studio"):
            await studio.edit(s, G, "#1", studio.SessionInput(studio="-"), now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        await studio.cancel(s, G, "#1", now=NOW)
    for kind in (studio.KIND_EVE, studio.KIND_CALL, budget.KIND_COSTS):
        assert await pending(sessionmaker, kind) == []


async def test_musician_rules(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    await book(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput, match="exactly one of `member`"):
            await studio.set_musician(s, G, "#1", "keys", member_id=BOB, name="Bob", now=NOW)
        with pytest.raises(InvalidInput, match="exactly one of `member`"):
            await studio.set_musician(s, G, "#1", "keys", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        await studio.set_musician(s, G, "#1", "keys", name="Sam Jones", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput, match=r"^Sam Jones is already on session #1 as keys"):
            await studio.set_musician(s, G, "#1", "keys", name="sam  jones", now=NOW)
    async with UnitOfWork(sessionmaker) as s:  # the same musician again updates
        r = await studio.set_musician(s, G, "#1", "organ", name="Sam Jones", call_time="9:30", now=NOW)
        assert (r.added, r.musician.instrument, r.musician.call_time) == (False, "organ", time(9, 30))
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput, match="is after the session ends"):
            await studio.set_musician(s, G, "#1", "organ", name="Sam Jones", call_time="19:00", now=NOW)
        # a fee needs a currency and an editor: a plain member may not set one
        with pytest.raises(Forbidden, match=r"^Only managers and producers can set a fee"):
            await studio.set_musician(s, G, "#1", "organ", name="Sam Jones", fee="200", now=NOW, actor=Actor(ALICE))
        with pytest.raises(InvalidInput, match="has no budget yet and this server has no default currency"):
            await studio.set_musician(s, G, "#1", "organ", name="Sam Jones", fee="200", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        ss, _m = await studio.remove_musician(s, G, "#1", "Sam Jones", now=NOW)
        assert ss.musicians == []


async def test_stages_board_and_masters_delivered_tick(sessionmaker) -> None:
    await setup_guild(sessionmaker, kind="ep")
    async with UnitOfWork(sessionmaker) as s:
        for title in ("One", "Two"):
            await releases.set_track(s, G, "#1", title=title, now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput, match=r"^`mixdown` isn.t a stage\. Stages in order: `writing`, `demo`"):
            await studio.set_stage(s, G, "#1", "#1", "mixdown", by_id=BOB, now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        r = await studio.set_stage(s, G, "#1", "one", "delivered", by_id=BOB, now=NOW)
        assert (r.previous, r.stage, r.ticked) == (None, "delivered", None)
    async with UnitOfWork(sessionmaker) as s:
        r = await studio.set_stage(s, G, "#1", "#2", "mixing", by_id=BOB, now=NOW, note="vocal up")
    async with UnitOfWork(sessionmaker) as s:
        r = await studio.set_stage(s, G, "#1", "#2", "delivered", by_id=BOB, now=NOW + timedelta(hours=1))
        assert r.previous == "mixing" and r.ticked is not None
        assert r.ticked.title == "Final masters delivered (all tracks)"
    async with sessionmaker() as s:
        task = await s.scalar(select(ReleaseTask).where(ReleaseTask.key == "masters-delivered"))
        assert (task.done_by, task.done_at, task.note) == (
            BOB,
            NOW + timedelta(hours=1),
            "Ticked by /studio stage: all 2 track(s) delivered.",
        )
        b = await studio.board(s, G, "#1")
        assert [(row.track.title, row.stage) for row in b.rows] == [("One", "delivered"), ("Two", "delivered")]
        assert b.counts["delivered"] == 2 and b.counts["mixing"] == 0


async def test_every_template_with_a_masters_task_has_the_key() -> None:
    for kind, tasks in releases.templates().items():
        keyed = [t.title for t in tasks if t.key == "masters-delivered"]
        assert len(keyed) == 1 and keyed[0].startswith("Final master"), kind


async def test_ics_export_parses_back_to_the_same_sessions_and_times(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    await book(sessionmaker, engineer_name="Kim")
    await book(
        sessionmaker, date="2027-03-27", start="22:00", end="06:00", studio="Night room", timezone="Europe/London"
    )
    async with UnitOfWork(sessionmaker) as s:
        await studio.set_musician(s, G, "#1", "drums", name="Sam Jones", call_time="09:30", now=NOW)
    async with sessionmaker() as s:
        rows, _total = await studio.list_sessions(s, G, now=NOW, when="all")
        titles = await studio.release_titles(s, {r.release_id for r in rows})
        data = studio.export_ics(rows, titles, now=NOW, calendar_name="Band studio sessions")
    cal = Calendar.from_ical(data)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert sorted(events) == [f"studio-{G}-1@roadie", f"studio-{G}-2@roadie"]
    one, two = events[f"studio-{G}-1@roadie"], events[f"studio-{G}-2@roadie"]
    assert one.decoded("DTSTART") == datetime(2027, 3, 10, 10, tzinfo=BERLIN)
    assert one.decoded("DTEND") == datetime(2027, 3, 10, 18, tzinfo=BERLIN)
    assert str(one["LOCATION"]) == "Hansa" and str(one["SUMMARY"]) == "Studio: Night Drive (Hansa)"
    assert str(one["DESCRIPTION"]).split("\n") == [
        "Release #1 Night Drive · session #1",
        "Engineer: Kim",
        "Sam Jones · drums · call 09:30",
    ]
    london = ZoneInfo("Europe/London")
    assert two.decoded("DTSTART") == datetime(2027, 3, 27, 22, tzinfo=london)
    assert two.decoded("DTEND") == datetime(2027, 3, 28, 6, tzinfo=london)
    assert two.decoded("DTSTART").tzinfo.key == "Europe/London"  # TZID kept, not flattened to UTC
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"Europe/Berlin", "Europe/London"}


async def test_sessions_list_is_scoped_by_guild_and_when(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    await book(sessionmaker)
    async with sessionmaker() as s:
        rows, total = await studio.list_sessions(s, G, now=NOW)
        assert total == 1 and rows[0].date == date(2027, 3, 10)
        assert (await studio.list_sessions(s, 999, now=NOW))[1] == 0
        assert (await studio.list_sessions(s, G, now=NOW + timedelta(days=30)))[1] == 0
        assert (await studio.list_sessions(s, G, now=NOW + timedelta(days=30), when="past"))[1] == 1

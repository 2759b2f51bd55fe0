"""Release checklists on a real SQLite file: templates, ticks, moves, custom tasks, digests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Nudge, Release
from bot.features import nudge_kinds
from bot.scheduling.dispatcher import NudgeDispatcher
from bot.services import releases as rel
from bot.services import settings
from bot.services.errors import InvalidInput, NotFound
from bot.timeparse import format_local
from bot.uow import UnitOfWork
from tests.services.test_reminders_and_delivery import Clock, Recorder, deliver

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1, G2 = 111, 222
BERLIN = ZoneInfo("Europe/Berlin")


async def add(session, guild=G1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("title", "Night Drive")
    kw.setdefault("date_text", "2027-04-02")
    return await rel.add_release(session, guild, author_id=5, channel_id=50, now=NOW, **kw)


async def task_nudges(session, release):  # type: ignore[no-untyped-def]
    ids = [t.id for t in release.tasks]
    rows = await session.scalars(
        select(Nudge).where(Nudge.kind == rel.KIND_TASK, Nudge.ref_id.in_(ids), Nudge.status == "pending")
    )
    return {n.ref_id: n.due_at for n in rows}


def test_templates_are_data_with_the_pitch_deadline() -> None:
    t = rel.templates()
    assert {k: len(v) for k, v in t.items()} == {"single": 16, "ep": 19, "album": 22}
    for kind, tasks in t.items():
        pitch = [x for x in tasks if "pitch" in x.title.lower() and "deadline" not in x.title.lower()]
        assert pitch and all(x.days_before >= 7 for x in pitch), kind
        assert all(x.section in rel.SECTIONS and x.source for x in tasks), kind


async def test_template_expansion_across_dst_in_server_zone(session) -> None:
    await settings.set_timezone(session, G1, "Europe/Berlin", can_manage=True)
    await session.commit()
    release, late = await add(session, kind="single")  # 2 Apr 2027; Berlin springs forward on 28 Mar
    assert late == []
    by_title = {t.title: t for t in release.tasks}
    pitch = by_title["Editorial playlist pitch submitted (Spotify for Artists)"]
    deadline = by_title["Pitch deadline: last day to pitch (7 days before release)"]
    assert rel.task_due(pitch, release) == date(2027, 3, 12)  # before the change: CET
    assert rel.task_due(deadline, release) == date(2027, 3, 26)  # still CET
    review = by_title["Post-release review (streams, saves, playlist adds, press)"]
    assert rel.task_due(review, release) == date(2027, 4, 16)  # after: CEST
    due = await task_nudges(session, release)
    assert format_local(due[pitch.id], BERLIN) == "Fri 12 Mar 2027 09:00"
    assert format_local(due[review.id], BERLIN) == "Fri 16 Apr 2027 09:00"
    assert (due[pitch.id].hour, due[review.id].hour) == (8, 7)  # 09:00 local either side of DST


async def test_close_date_reports_overdue_tasks(session) -> None:
    release, late = await add(session, date_text="2026-12-20")  # 20 days out
    assert [t.days_before for t in late] == sorted((t.days_before for t in late), reverse=True)
    assert all(rel.task_due(t, release) < date(2026, 11, 30) for t in late)
    assert len(late) == 12  # every task due more than 20 days before release


async def test_tick_untick_records_who_and_when(session) -> None:
    _release, _ = await add(session)
    r, t = await rel.tick(session, G1, "#1", "upload", actor_id=7, now=NOW)
    assert (t.title, t.done_by, t.done_at) == ("Upload to the distributor", 7, NOW)
    assert t.id not in await task_nudges(session, r)
    assert rel.progress(r) == (1, 16)
    with pytest.raises(InvalidInput) as err:
        await rel.tick(session, G1, "night drive", "#6", actor_id=7, now=NOW)
    assert str(err.value) == "Task #6 is already ticked (by <@7>)."
    r, t = await rel.tick(session, G1, "#1", "#6", actor_id=8, now=NOW, done=False)
    assert (t.done_by, t.done_at) == (None, None)
    assert t.id in await task_nudges(session, r)
    with pytest.raises(InvalidInput):
        await rel.tick(session, G1, "#1", "pitch", actor_id=7, now=NOW)  # ambiguous: two pitch tasks
    with pytest.raises(NotFound):
        await rel.tick(session, G2, "#1", "#1", actor_id=7, now=NOW)  # other guild


async def test_move_release_moves_relative_tasks_only(session) -> None:
    release, _ = await add(session)
    _, custom = await rel.add_task(
        session, G1, "#1", title="Book the photographer", due="2027-02-01", now=NOW, owner_id=9, section="artwork"
    )
    _, rel_task = await rel.add_task(session, G1, "#1", title="Thank-you post", due="3 days after", now=NOW)
    assert (custom.position, custom.days_before, custom.due_date) == (17, None, date(2027, 2, 1))
    assert rel.task_due(rel_task, release) == date(2027, 4, 5)
    r, old = await rel.move_release(session, G1, "#1", "2027-04-16", now=NOW)
    assert old == date(2027, 4, 2)
    assert rel.task_due(rel_task, r) == date(2027, 4, 19)
    assert rel.task_due(custom, r) == date(2027, 2, 1)
    upload = rel.resolve_task(r, "upload")
    assert rel.task_due(upload, r) == date(2027, 3, 19)
    due = await task_nudges(session, r)
    assert due[upload.id].astimezone(UTC).date() == date(2027, 3, 19)
    with pytest.raises(InvalidInput):
        await rel.move_release(session, G1, "#1", "2020-01-01", now=NOW)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("14", (14, None)),
        ("14 days before", (14, None)),
        ("3 days after", (-3, None)),
        ("-3", (3, None)),
        ("+2", (-2, None)),
        ("release day", (0, None)),
        ("2027-03-01", (None, date(2027, 3, 1))),
    ],
)
async def test_task_due_forms(session, due, expected) -> None:
    release, _ = await add(session)
    cfg = await settings.get_config(session, G1)
    assert rel.parse_due(due, release, cfg, NOW) == expected


async def test_bad_input_stores_nothing(session) -> None:
    for kw in ({"date_text": "someday"}, {"date_text": "2020-01-01"}, {"title": "  "}, {"kind": "mixtape"}):
        with pytest.raises(InvalidInput):
            await add(session, **kw)
    assert (await session.scalars(select(Release))).all() == []


async def test_overdue_digest_is_one_message_for_three_tasks(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        _release, _ = await add(s, date_text="2027-04-02")
        for ref in list(range(1, 17)):
            if ref not in (1, 2, 3):
                await rel.tick(s, G1, "#1", f"#{ref}", actor_id=7, now=NOW)
    # tasks #1-#3 (final mix, master, artwork) are due 19 Feb / 26 Feb / 26 Feb 2027; look on 1 Mar
    rec = Recorder()
    clock = Clock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    await deliver(d)
    digests = [o for o in rec.sent if "overdue task" in o.content]
    assert len(digests) == 1 and len(rec.sent) == 1  # no separate late "due today" nudges
    lines = digests[0].content.split("\n")
    assert lines[0].startswith("⏰ **Late** (was due <t:")  # the digest planned for 1 Dec, after "downtime"
    assert lines[1:] == [
        "⚠️ **Night Drive** (single, out Fri 2 Apr 2027): 3 overdue tasks",
        "• #1 Final mix approved · due Fri 19 Feb 2027 (10 days ago)",
        "• #2 Final master delivered (WAV 24-bit, 44.1 kHz or higher) · due Fri 26 Feb 2027 (3 days ago)",
        "• #3 Artwork at store spec (3000x3000 px, RGB, no URLs or logos) · due Fri 26 Feb 2027 (3 days ago)",
    ]
    # after downtime, the daily digest goes out once and tomorrow's is planned
    async with UnitOfWork(sessionmaker) as s:
        pending = (await s.scalars(select(Nudge).where(Nudge.kind == rel.KIND_DIGEST, Nudge.status == "pending"))).all()
    assert [n.due_at for n in pending] == [datetime(2027, 3, 2, 9, 0, tzinfo=UTC)]
    clock.t += timedelta(days=1)
    await deliver(d)
    assert len([o for o in rec.sent if "overdue task" in o.content]) == 2


async def test_task_due_nudge_pings_its_owner(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await add(s)
        await rel.add_task(s, G1, "#1", title="Send stems to the mixer", due="2027-01-15", now=NOW, owner_id=42)
    rec = Recorder()
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(datetime(2027, 1, 15, 9, 0, tzinfo=UTC))))
    [msg] = [o for o in rec.sent if "due today" in o.content]
    assert msg.content == (
        "📋 <@42> **Night Drive** (single, out Fri 2 Apr 2027): task #17 “Send stems to the "
        "mixer” is due today (other).\nTick it with `/release tick release:#1 task:#17`."
    )
    assert msg.mention_user_ids == (42,)


async def test_delete_release_hides_it_and_cancels_nudges(session) -> None:
    release, _ = await add(session)
    await rel.delete_release(session, G1, release.id, now=NOW)
    assert await rel.list_releases(session, G1, now=NOW) == []
    pending = (await session.scalars(select(Nudge).where(Nudge.status == "pending"))).all()
    assert pending == []
    with pytest.raises(NotFound):
        await rel.get_release(session, G1, "#1")


async def test_distributor_upc_and_track_isrcs(session) -> None:
    await add(session)
    r = await rel.set_info(session, G1, "#1", now=NOW, distributor="DistroKid", upc="036000291452")
    assert (r.distributor, r.upc) == ("DistroKid", "036000291452")
    with pytest.raises(InvalidInput) as err:
        await rel.set_info(session, G1, "#1", now=NOW, upc="036000291453")
    assert str(err.value) == "`036000291453` has a wrong check digit: copy the UPC from your distributor again."
    assert rel.parse_upc("4006381333931") == "4006381333931"  # EAN-13
    _, t1 = await rel.set_track(session, G1, "#1", title="Night Drive", now=NOW, isrc="gb-xyz-27-00001")
    _, t2 = await rel.set_track(session, G1, "#1", title="Night Drive (Instrumental)", now=NOW)
    assert (t1.position, t1.isrc, t2.position, t2.isrc) == (1, "GBXYZ2700001", 2, None)
    _, t2 = await rel.set_track(session, G1, "#1", title="#2", now=NOW, isrc="GBXYZ2700002")
    assert t2.isrc == "GBXYZ2700002"
    with pytest.raises(InvalidInput):
        await rel.set_track(session, G1, "#1", title="#2", now=NOW, isrc="GBXYZ2700001")  # taken by track 1
    with pytest.raises(InvalidInput):
        await rel.set_track(session, G1, "#1", title="x", now=NOW, isrc="not-an-isrc")
    assert [t.title for t in await rel.tracks_of(session, r)] == ["Night Drive", "Night Drive (Instrumental)"]


async def test_two_ticks_from_the_menu_at_once_leave_the_task_ticked(session) -> None:
    release, _ = await add(session)
    task = rel.resolve_task(release, "#3")
    await rel.toggle(session, G1, release.id, task.id, done=True, actor_id=7, now=NOW)
    _, t = await rel.toggle(session, G1, release.id, task.id, done=True, actor_id=8, now=NOW)
    assert (t.done_at, t.done_by) == (NOW, 7)  # the second click changes nothing


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("+-3", "Couldn't read `+-3` as a due."),
        ("1000", "Couldn't read `1000` as a due."),
        ("999 years before", "Couldn't read `999 years before` as a due."),
        ("1000-01-01", "`1000-01-01` is Wed 1 Jan 1000. Give a due date near the release."),
    ],
)
async def test_unreadable_task_dues_are_refused(session, due, message) -> None:
    release, _ = await add(session)
    cfg = await settings.get_config(session, G1)
    with pytest.raises(InvalidInput) as err:
        rel.parse_due(due, release, cfg, NOW)
    assert str(err.value).startswith(message)


async def test_weeks_are_relative_too(session) -> None:
    release, _ = await add(session)
    cfg = await settings.get_config(session, G1)
    assert rel.parse_due("3 weeks before", release, cfg, NOW) == (21, None)
    assert rel.parse_due("2w after", release, cfg, NOW) == (-14, None)

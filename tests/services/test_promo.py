"""Promotion on a real SQLite file: outlets, pitches, follow-up timing and no-reply (also across a
restart), contacts import de-duplication, funnel counts, the pitch export read back with ``csv``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import GuildRole, Nudge, Pitch, PitchEvent
from bot.features import nudge_kinds
from bot.scheduling.dispatcher import NudgeDispatcher
from bot.services import promo
from bot.services import releases as rel
from bot.services.errors import Forbidden, InvalidInput
from bot.services.permissions import Actor
from bot.uow import UnitOfWork
from tests.services.test_reminders_and_delivery import Clock, Recorder, deliver

KINDS = nudge_kinds()
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1 = 111
MANAGER = Actor(5, manage_guild=True)
LABEL_ROLE = 900
LABEL = Actor(6, frozenset({LABEL_ROLE}))
NOBODY = Actor(7)


async def setup_release(sm) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sm) as s:
        await rel.add_release(s, G1, title="Night Drive", date_text="2027-04-02", author_id=5, channel_id=50, now=NOW)
        s.add(GuildRole(guild_id=G1, kind="label", role_id=LABEL_ROLE))


async def outlet(s, name: str, kind: str = "radio", email: str | None = None, actor=MANAGER):  # type: ignore[no-untyped-def]
    return await promo.add_outlet(
        s,
        G1,
        promo.parse_outlet_fields(name=name, kind=kind, email=email),
        author_id=actor.user_id,
        now=NOW,
        actor=actor,
    )


async def pitch(s, outlet_ref: str, owner=MANAGER, now=NOW, date_text=None):  # type: ignore[no-untyped-def]
    return await promo.add_pitch(
        s,
        G1,
        "#1",
        outlet_ref,
        date_text=date_text,
        note=None,
        author_id=owner.user_id,
        channel_id=50,
        now=now,
        actor=owner,
    )


async def test_outlets_validation_duplicates_and_who_may_edit(sessionmaker) -> None:
    await setup_release(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        o = await outlet(s, "Radio X", email="Music@RadioX.co.uk", actor=LABEL)
        assert (o.number, o.email) == (1, "music@radiox.co.uk")
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput) as e:
            await outlet(s, "radio x")
        assert str(e.value).startswith("That outlet exists already (same name): #1 Radio X.")
        with pytest.raises(InvalidInput, match=r"same e-mail\): #1 Radio X"):
            await outlet(s, "Radio Ex", email="music@radiox.co.uk")
        with pytest.raises(InvalidInput, match="isn't an e-mail address"):
            promo.parse_outlet_fields(name="A", kind="blog", email="someone@nowhere")
        with pytest.raises(InvalidInput, match="social handle"):
            promo.parse_outlet_fields(name="A", kind="blog", handle="not a handle!")
        assert promo.parse_handle("radiox") == "@radiox"
        assert promo.parse_handle("https://x.com/radiox") == "https://x.com/radiox"
        with pytest.raises(Forbidden, match="Only managers and the label"):
            await outlet(s, "Blog Y", "blog", actor=NOBODY)


async def test_followup_after_n_days_then_no_reply_once_as_one_message_per_release(sessionmaker) -> None:
    await setup_release(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        for i in range(3):
            await outlet(s, f"Station {i}")
        await pitch(s, "#1", owner=MANAGER)
        await pitch(s, "#2", owner=LABEL)
        await pitch(s, "#3", owner=LABEL)
        # a pitch that got an answer: no follow-up for it
        await promo.update_pitch(s, G1, "#3", "replied", note=None, link=None, now=NOW + timedelta(days=2), actor=LABEL)
    clock = Clock(NOW + timedelta(days=7) - timedelta(seconds=1))
    rec = Recorder()
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    await deliver(d)
    assert rec.sent == []  # not before N days
    clock.t = NOW + timedelta(days=7)
    await deliver(d)
    [msg] = rec.sent
    assert msg.mention_user_ids == (MANAGER.user_id, LABEL.user_id)
    assert msg.content.splitlines() == [
        f"📣 <@{MANAGER.user_id}> <@{LABEL.user_id}> follow-ups for **Night Drive**:",
        "• #1 Station 0 (radio) · pitched Mon 30 Nov, no answer yet: follow up",
        "• #2 Station 1 (radio) · pitched Mon 30 Nov, no answer yet: follow up",
        "Log news with `/promo update pitch:#N status:…`; no news in 7 more days means `no-reply`.",
    ]
    await deliver(d)
    assert len(rec.sent) == 1  # once
    # #2 gets news: only #1 becomes no-reply, 14 days after the pitch
    async with UnitOfWork(sessionmaker) as s:
        await promo.update_pitch(
            s, G1, "#2", "followed-up", note="sent a reminder", link=None, now=NOW + timedelta(days=8), actor=LABEL
        )
    clock.t = NOW + timedelta(days=14)
    await deliver(d)
    assert len(rec.sent) == 2
    assert rec.sent[1].mention_user_ids == (MANAGER.user_id,)
    assert rec.sent[1].content.splitlines()[1:] == [
        "• #1 Station 0 (radio) · pitched Mon 30 Nov: still nothing, now marked `no-reply`",
        "If news comes after all, log it with `/promo update pitch:#N status:…`.",
    ]
    async with UnitOfWork(sessionmaker) as s:
        p1 = await promo.get_pitch(s, G1, "#1")
        assert p1.status == "no-reply" and p1.followup_due_at is None
        assert [(e.status, e.actor_id) for e in p1.events] == [("pitched", MANAGER.user_id), ("no-reply", None)]
        pending = await s.scalar(select(Nudge).where(Nudge.kind == promo.KIND_FOLLOWUP, Nudge.status == "pending"))
        assert pending is None
    clock.t = NOW + timedelta(days=30)
    await deliver(d)
    assert len(rec.sent) == 2  # told once


async def test_followups_survive_a_restart_and_downtime_costs_one_message(sessionmaker, engine) -> None:
    await setup_release(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await outlet(s, "Blog A", "blog")
        await outlet(s, "Blog B", "blog")
        await pitch(s, "#1")
        await pitch(s, "#2", now=NOW + timedelta(days=5))
    # "restart": a new engine and dispatcher on the same file, after the bot was down for 16 days
    from bot.db.engine import create_engine, create_sessionmaker

    url = engine.url.render_as_string(hide_password=False)
    engine2 = create_engine(url)
    try:
        sm2 = create_sessionmaker(engine2)
        clock = Clock(NOW + timedelta(days=16))
        rec = Recorder()
        d = NudgeDispatcher(sm2, rec, kinds=KINDS, clock=clock)
        await deliver(d)
        [msg] = rec.sent
        assert msg.late
        # #1 (pitched 16 days ago) goes straight to no-reply; #2 (11 days ago) is due its follow-up
        assert "• #1 Blog A (blog) · pitched Mon 30 Nov: still nothing, now marked `no-reply`" in msg.content
        assert "• #2 Blog B (blog) · pitched Sat 5 Dec, no answer yet: follow up" in msg.content
        async with UnitOfWork(sm2) as s:
            p2 = await promo.get_pitch(s, G1, "#2")
            assert p2.followup_due_at == NOW + timedelta(days=19) and p2.followup_stage == 1
        clock.t = NOW + timedelta(days=19)
        await deliver(d)
        assert len(rec.sent) == 2 and "#2 Blog B (blog) · pitched Sat 5 Dec: still nothing" in rec.sent[1].content
    finally:
        await engine2.dispose()


async def test_follow_up_days_setting_and_a_failed_send_still_advances(sessionmaker) -> None:
    await setup_release(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        assert await promo.set_follow_up_days(s, G1, 3, actor=LABEL) == 3
        with pytest.raises(InvalidInput, match="1 to 90"):
            await promo.set_follow_up_days(s, G1, 0, actor=MANAGER)
        await outlet(s, "Pod", "podcast")
        await pitch(s, "#1")
    from bot.scheduling.dispatcher import DeliveryError

    rec = Recorder()
    rec.fail = DeliveryError("channel gone", permanent=True)
    clock = Clock(NOW + timedelta(days=3))
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    await deliver(d)
    async with UnitOfWork(sessionmaker) as s:
        p = await promo.get_pitch(s, G1, "#1")
        assert p.followup_stage == 1 and p.followup_due_at == NOW + timedelta(days=6)


async def test_transitions_duplicates_links_and_results(sessionmaker) -> None:
    await setup_release(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await outlet(s, "Mag", "press")
        p = await pitch(s, "#1")
        with pytest.raises(InvalidInput) as e:
            await pitch(s, "mag")
        assert str(e.value) == (
            "Mag was already pitched for Night Drive: pitch #1 (pitched). Change it with `/promo update pitch:#1`."
        )
        await promo.update_pitch(s, G1, "#1", "to-pitch", note="not sent after all", link=None, now=NOW, actor=MANAGER)
        with pytest.raises(InvalidInput, match="can't follow before it was pitched without a note"):
            await promo.update_pitch(s, G1, "#1", "published", note=None, link=None, now=NOW, actor=MANAGER)
        with pytest.raises(InvalidInput, match="isn't an http"):
            await promo.update_pitch(s, G1, "#1", "pitched", note=None, link="ftp://x", now=NOW, actor=MANAGER)
        await promo.update_pitch(s, G1, "#1", "pitched", note=None, link=None, now=NOW, actor=MANAGER)
        await promo.update_pitch(
            s, G1, "#1", "published", note=None, link="https://mag.example/a", now=NOW, actor=LABEL
        )
        with pytest.raises(InvalidInput, match="needs `link:`"):
            await promo.add_result(s, G1, "#1", "article", value=None, link=None, now=NOW, actor=MANAGER)
        with pytest.raises(InvalidInput, match="needs `value:`"):
            await promo.add_result(s, G1, "#1", "audience", value=None, link=None, now=NOW, actor=MANAGER)
        await promo.add_result(s, G1, "#1", "audience", value=12000, link=None, now=NOW, actor=MANAGER)
        assert p.number == 1
        with pytest.raises(InvalidInput, match="`pitched` can't follow after `published` without a note"):
            await promo.update_pitch(s, G1, "#1", "pitched", note=None, link=None, now=NOW, actor=MANAGER)
        promo.check_transition("no-reply", "replied", None)  # a late answer needs no excuse
        with pytest.raises(InvalidInput):
            promo.check_transition("passed", "accepted", None)
        # a pitch sent on an earlier day counts from 09:00 (server time) that day
        await outlet(s, "Late Blog", "blog")
        dated = await pitch(s, "late blog", date_text="2026-11-25")
        assert dated.followup_due_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
        await outlet(s, "Future Blog", "blog")
        with pytest.raises(InvalidInput, match="is in the future"):
            await pitch(s, "future blog", date_text="2026-12-05")
        # renaming an outlet keeps its pitches findable by the new name
        await promo.edit_outlet(s, G1, "late blog", {"name": "Early Blog"}, actor=MANAGER)
        assert (await promo.get_pitch(s, G1, "early blog night")).number == 2
        choices = await promo.pitch_autocomplete(s, G1, "early")
        assert choices == [("#2 · Early Blog · Night Drive (pitched)", "#2")]


async def test_funnel_counts_and_reach(sessionmaker) -> None:
    await setup_release(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        for i, kind in enumerate(["radio", "radio", "playlist", "press", "blog", "tv"]):
            await outlet(s, f"O{i}", kind)
            await pitch(s, f"#{i + 1}")
        t = NOW + timedelta(days=1)

        async def up(n: int, *statuses: str) -> None:
            for st in statuses:
                await promo.update_pitch(s, G1, f"#{n}", st, note=None, link=None, now=t, actor=MANAGER)

        await up(1, "replied", "accepted", "aired")
        await up(2, "passed")
        await up(3, "replied", "accepted", "added")
        await up(4, "followed-up", "replied")
        await up(6, "replied", "accepted")
        await promo.add_result(s, G1, "#3", "followers", value=52000, link=None, now=t, actor=MANAGER)
        await promo.add_result(s, G1, "#1", "spins", value=14, link=None, now=t, actor=MANAGER)
        await promo.add_result(s, G1, "#4", "audience", value=8000, link="https://mag.example/x", now=t, actor=MANAGER)
        c = await promo.campaign(s, G1, "night drive", now=t)
    assert c.funnel == [("pitched", 6), ("replied", 5), ("accepted", 3), ("published/added/aired", 2)]
    assert {k: v for k, v in c.by_status.items() if v} == {
        "pitched": 1,
        "replied": 1,
        "accepted": 1,
        "added": 1,
        "aired": 1,
        "passed": 1,
    }
    assert c.by_kind == {"radio": 2, "playlist": 1, "press": 1, "blog": 1, "tv": 1}
    assert (c.reach, c.spins) == (60000, 14)
    assert [p.number for p, _ in c.due_week] == [5]  # only #5 still waits for a reply
    assert [link for _, _, link in c.links] == ["https://mag.example/x"]


async def test_export_reads_back_with_csv_to_the_same_rows(sessionmaker) -> None:
    await setup_release(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await outlet(s, 'The "Quoted", Mag', "press")
        await promo.add_pitch(
            s,
            G1,
            "#1",
            "#1",
            date_text=None,
            note="line one\nline two; ünïcode",
            author_id=5,
            channel_id=50,
            now=NOW,
            actor=MANAGER,
        )
        await promo.update_pitch(
            s, G1, "#1", "published", note=None, link="https://mag.example/a?b=1,2", now=NOW, actor=LABEL
        )
        await promo.add_result(s, G1, "#1", "article", value=None, link="https://mag.example/a", now=NOW, actor=LABEL)
        c = await promo.campaign(s, G1, "#1", now=NOW)
    rows = promo.export_rows(c)
    data = promo.export_csv(rows)
    back = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert back == rows
    assert [(r["event"], r["status"], r["by_user_id"]) for r in back] == [
        ("status", "pitched", "5"),
        ("status", "published", "6"),
        ("result:article", "", "6"),
    ]
    assert back[0]["outlet"] == 'The "Quoted", Mag'


CONTACTS = (
    "\ufeffOutlet;TYPE;Contact Name;E-mail Address;Twitter;Country;Comments\r\n"
    "Radio X;Radio;Ana;ana@radiox.co.uk;@radiox;UK;\r\n"
    "radio x;station;;;;;dup by name\r\n"
    "Radio X London;radio;Bo;ANA@RADIOX.CO.UK;;;dup by e-mail\r\n"
    "Indie Blog;webzine;Cy;cy@indieblog.net;https://indieblog.net;DE;\r\n"
    ";blog;nobody;;;;\r\n"
    "Bad Mail;press;;not-an-email;;;\r\n"
    "Spotify Curator;mystery;;;;;\r\n"
)


async def test_import_dedupes_by_email_else_name_with_a_per_row_report(sessionmaker) -> None:
    await setup_release(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await outlet(s, "Indie Blog", "blog")  # exists: the import fills its empty fields
    async with UnitOfWork(sessionmaker) as s:
        report = await promo.import_contacts(s, G1, CONTACTS.encode("utf-8"), author_id=5, now=NOW, actor=LABEL)
    assert (report.added, report.updated) == (2, 1)
    assert report.skipped == [
        ("row 3", "same name as an earlier row (Radio X)"),
        ("row 4", "same e-mail as an earlier row (Radio X)"),
        ("row 6", "no name"),
        ("row 7", "`not-an-email` isn't an e-mail address; write it like `editor@magazine.com`"),
    ]
    assert report.notes == [
        "1 row(s) had a type Roadie doesn't know (`mystery`); they are `other`. Fix them with `/promo outlet-edit`."
    ]
    async with UnitOfWork(sessionmaker) as s:
        outs = {o.name: o for o in await promo.list_outlets(s, G1)}
    assert sorted(outs) == ["Indie Blog", "Radio X", "Spotify Curator"]
    assert (outs["Indie Blog"].email, outs["Indie Blog"].handle, outs["Indie Blog"].kind) == (
        "cy@indieblog.net",
        "https://indieblog.net",
        "blog",
    )
    assert (outs["Radio X"].kind, outs["Radio X"].region, outs["Spotify Curator"].kind) == ("radio", "UK", "other")
    # the same file again adds nothing; row 3 (skipped in the first pass as a duplicate of row 2) now
    # fills Radio X's empty notes; a third pass changes nothing at all
    async with UnitOfWork(sessionmaker) as s:
        again = await promo.import_contacts(s, G1, CONTACTS.encode("utf-8"), author_id=5, now=NOW, actor=LABEL)
    assert (again.added, again.updated) == (0, 1)
    assert again.skipped[0] == ("row 2", "same e-mail as outlet #2 (Radio X)")
    async with UnitOfWork(sessionmaker) as s:
        third = await promo.import_contacts(s, G1, CONTACTS.encode("utf-8"), author_id=5, now=NOW, actor=LABEL)
        assert (third.added, third.updated, len(third.skipped)) == (0, 0, 7)
        assert await promo.count_outlets(s, G1) == 3


async def test_import_refuses_big_files_whole(sessionmaker) -> None:
    await setup_release(sessionmaker)
    rows = "name,email\n" + "".join(f"Outlet {i},o{i}@x.org\n" for i in range(5001))
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput, match="more than 5,000 contacts"):
            await promo.import_contacts(s, G1, rows.encode(), author_id=5, now=NOW, actor=MANAGER)
        with pytest.raises(InvalidInput, match="limit is 1,000,000"):
            await promo.import_contacts(s, G1, b"name\n" + b"x" * 1_000_001, author_id=5, now=NOW, actor=MANAGER)
        with pytest.raises(InvalidInput, match="no name column"):
            await promo.import_contacts(s, G1, b"foo,bar\n1,2\n", author_id=5, now=NOW, actor=MANAGER)
    async with UnitOfWork(sessionmaker) as s:
        assert await promo.count_outlets(s, G1) == 0
        assert await s.scalar(select(Pitch)) is None and await s.scalar(select(PitchEvent)) is None


def test_followup_text_writes_pitch_days_in_the_servers_zone() -> None:
    from zoneinfo import ZoneInfo

    from bot.db.models import Release

    due = [promo.DueFollowUp(3, "Radio *X*", "radio", 42, "follow-up", datetime(2026, 11, 30, 20, 0, tzinfo=UTC))]
    text = promo.followup_text(Release(title="Night_Drive", number=1), due, 7, ZoneInfo("Asia/Tokyo"))
    assert text.splitlines() == [
        "📣 <@42> follow-ups for **Night\\_Drive**:",
        "• #3 Radio \\*X\\* (radio) · pitched Tue 1 Dec, no answer yet: follow up",
        "Log news with `/promo update pitch:#N status:…`; no news in 7 more days means `no-reply`.",
    ]


def test_import_reads_mailing_tool_and_address_book_exports() -> None:
    """Header words as Mailchimp, Google Contacts and old Mac Excel (CR-only lines) write them."""
    mailchimp = b"Email Address,First Name,Last Name,TAGS\r\nana@radiox.co.uk,Ana,Lee,radio\r\n"
    notes: list[str] = []
    [(label, f)] = promo.parse_contacts(mailchimp, notes)
    assert (label, f.name, f.contact, f.email, f.notes) == ("row 2", "Ana Lee", "Ana Lee", "ana@radiox.co.uk", "radio")
    assert notes == ["The file has no outlet name column, so each contact's own name is the outlet's name."]
    google = (
        b"Name,Given Name,Organization 1 - Name,E-mail 1 - Value,Website 1 - Value\n"
        b"Cy Doe,Cy,Indie Blog,cy@indieblog.net,https://indieblog.net\n"
        b"Dee Jay,Dee,,dee@example.org,\n"
    )
    [(_, f), (_, dee)] = promo.parse_contacts(google)
    assert (dee.name, dee.contact) == ("Dee Jay", "Dee Jay")  # no organisation: the person is the outlet
    assert (f.name, f.contact, f.email, f.handle) == (
        "Indie Blog",
        "Cy Doe",
        "cy@indieblog.net",
        "https://indieblog.net",
    )
    cr_only = b"Outlet;Type;E-mail\rRadio X;radio;a@radiox.org\rBlog Y;Blog;b@bloggy.org\r"
    rows = promo.parse_contacts(cr_only)
    assert [(label, f.name, f.kind) for label, f in rows] == [
        ("row 2", "Radio X", "radio"),
        ("row 3", "Blog Y", "blog"),
    ]

"""Advancing on a real SQLite file: template expansion in the venue's zone, ticks, moves, contacts, nudges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.db.models import AdvanceItem, Nudge
from bot.features import nudge_kinds, show_planners
from bot.scheduling.dispatcher import NudgeDispatcher
from bot.services import advance as adv
from bot.services import settings, tours
from bot.services.errors import Forbidden, InvalidInput
from bot.services.permissions import Actor
from tests.services.test_reminders_and_delivery import Clock, Recorder, deliver

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py
PLANNERS = show_planners()  # the show re-planners wired there (advance, guest lists)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
G1 = 111
AUTHOR, OTHER, MANAGER = Actor(5), Actor(6), Actor(1, manage_guild=True)


async def add_show(session, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("date_text", "2027-04-03")
    kw.setdefault("city", "Tokyo")
    kw.setdefault("venue", "Zepp Haneda")
    kw.setdefault("timezone", "Asia/Tokyo")
    f = tours.parse_fields(await settings.get_config(session, G1), NOW.date(), **kw)
    return await tours.add_show(session, G1, f, author_id=AUTHOR.user_id, channel_id=50, now=NOW)


async def pending(session, show):  # type: ignore[no-untyped-def]
    return list(
        await session.scalars(
            select(Nudge.due_at).where(Nudge.kind == adv.KIND_DUE, Nudge.ref_id == show.id, Nudge.status == "pending")
        )
    )


def test_template_is_data_with_reasons() -> None:
    t = adv.template()
    assert len(t) == 11
    by_title = {i.title: i for i in t}
    assert by_title["Advance call with the promoter"].days_before == 21
    assert by_title["Guest list sent to the venue box office"].days_before == 1
    assert all(i.reason and len(i.reason) <= 120 for i in t)


async def test_expansion_from_the_venue_date_and_zone(session) -> None:
    # a Tokyo show on Sat 3 Apr: items count back from the venue's date, nudged 09:00 JST
    await settings.set_timezone(session, G1, "America/Los_Angeles", can_manage=True)  # the server is elsewhere
    show = await add_show(session)
    assert await pending(session, show) == []  # not advanced yet: no nudges
    cl = await adv.checklist(session, G1, "#1", NOW)
    # the first nudge: 21 days before, 09:00 JST
    assert await pending(session, show) == [datetime(2027, 3, 13, 0, 0, tzinfo=UTC)]
    dues = {i.title: adv.item_due(i, show) for i in cl.items}
    assert dues["Advance call with the promoter"] == date(2027, 3, 13)
    assert dues["Load-in, parking and access confirmed (vehicles, dock, passes)"] == date(2027, 3, 20)
    assert dues["Hospitality rider: catering, dressing rooms, dietary needs"] == date(2027, 3, 24)
    assert dues["Guest list sent to the venue box office"] == date(2027, 4, 2)
    assert [i.position for i in cl.items][:2] == [1, 2]  # by due date: #1 is the advance call


async def test_tick_and_move_with_the_show(session) -> None:
    show = await add_show(session)
    cl, item = await adv.tick(session, G1, "#1", "advance call", actor=AUTHOR, now=NOW)
    assert item.done_by == AUTHOR.user_id and item.done_at == NOW
    # the next nudge skips the ticked item's day (13 Mar) and goes to the 14-day items (20 Mar 09:00 JST)
    assert await pending(session, show) == [datetime(2027, 3, 20, 0, 0, tzinfo=UTC)]
    with pytest.raises(InvalidInput, match="already ticked"):
        await adv.tick(session, G1, "#1", "#1", actor=AUTHOR, now=NOW)
    with pytest.raises(Forbidden):
        await adv.tick(session, G1, "#1", "#2", actor=OTHER, now=NOW)
    await adv.tick(session, G1, "#1", "#2", actor=MANAGER, now=NOW)
    # the show moves a week later: relative items move with it, ticks stay
    f = tours.parse_fields(await settings.get_config(session, G1), NOW.date(), date_text="2027-04-10")
    await tours.edit_show(session, G1, "#1", f, now=NOW, planners=PLANNERS)
    cl = await adv.checklist(session, G1, "#1")
    by_pos = {i.position: i for i in cl.items}
    assert adv.item_due(by_pos[1], cl.show) == date(2027, 3, 20) and by_pos[1].done_at == NOW
    assert await pending(session, show) == [datetime(2027, 3, 27, 0, 0, tzinfo=UTC)]
    # untick
    await adv.tick(session, G1, "#1", "#1", done=False, actor=AUTHOR, now=NOW)
    assert await pending(session, show) == [datetime(2027, 3, 20, 0, 0, tzinfo=UTC)]


async def test_item_add_and_remove(session) -> None:
    show = await add_show(session)
    _cl, it = await adv.add_item(session, G1, "#1", title="Drone permit", due="2 weeks before", actor=AUTHOR, now=NOW)
    assert (it.position, it.days_before, adv.item_due(it, show)) == (12, 14, date(2027, 3, 20))
    _cl, fixed = await adv.add_item(session, G1, "#1", title="Visa", due="2027-03-05", actor=AUTHOR, now=NOW)
    assert (fixed.days_before, fixed.due_date) == (None, date(2027, 3, 5))
    assert await pending(session, show) == [datetime(2027, 3, 5, 0, 0, tzinfo=UTC)]
    for bad, msg in (("3 days after", "due before the show"), ("2027-05-01", "after the show"), ("", "")):
        if bad:
            with pytest.raises(InvalidInput, match=msg):
                await adv.add_item(session, G1, "#1", title="X", due=bad, actor=AUTHOR, now=NOW)
    await adv.remove_item(session, G1, "#1", "visa", actor=AUTHOR, now=NOW)
    assert await pending(session, show) == [datetime(2027, 3, 13, 0, 0, tzinfo=UTC)]
    assert len((await session.scalars(select(AdvanceItem))).all()) == 12


async def test_contacts_phone_email_and_replace(session) -> None:
    await add_show(session, country="Germany", timezone="Europe/Berlin", city="Berlin", venue="Huxleys")
    _s, c, replaced = await adv.set_contact(
        session, G1, "#1", role="promoter", name="Jo Smith", phone="030 1234567", email="jo@example.com", actor=AUTHOR
    )
    assert (c.phone, adv.format_phone(c.phone), replaced) == ("+49301234567", "+49 30 1234567", False)
    _s, c2, replaced = await adv.set_contact(
        session, G1, "#1", role="promoter", name="jo  smith", phone="+1 212 555 0123", email=None, actor=AUTHOR
    )
    assert (c2.id, c2.phone, c2.email, replaced) == (c.id, "+12125550123", None, True)
    _s, c3, _r = await adv.set_contact(
        session, G1, "#1", role="production", name="Jo Smith", phone=None, email=None, actor=AUTHOR
    )
    assert c3.number == 2
    with pytest.raises(InvalidInput, match="isn't a valid phone number for Germany"):
        await adv.set_contact(session, G1, "#1", role="venue", name="X", phone="12", email=None, actor=AUTHOR)
    with pytest.raises(InvalidInput, match="isn't an e-mail address"):
        await adv.set_contact(session, G1, "#1", role="venue", name="X", phone=None, email="x@y", actor=AUTHOR)
    with pytest.raises(Forbidden):
        await adv.set_contact(session, G1, "#1", role="venue", name="X", phone=None, email=None, actor=OTHER)
    cl = await adv.checklist(session, G1, "#1")
    assert [(x.role, x.name) for x in cl.contacts] == [("promoter", "jo smith"), ("production", "Jo Smith")]
    await adv.remove_contact(session, G1, "#1", "#2", actor=AUTHOR)
    assert len((await adv.checklist(session, G1, "#1")).contacts) == 1


async def test_due_day_nudge_gathers_overdue_items_and_plans_the_next(sessionmaker) -> None:
    async with sessionmaker() as s:
        show = await add_show(s)
        await adv.checklist(s, G1, "#1", NOW)  # the advance starts
        await s.commit()
    rec = Recorder()
    clock = Clock(datetime(2027, 3, 20, 0, 0, 5, tzinfo=UTC))  # Roadie was down on 13 Mar: one late message
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    await deliver(d)
    msgs = [o for o in rec.sent if o.content.startswith("📋") or "advancing" in o.content]
    assert len(msgs) == 1
    lines = msgs[0].content.split("\n")
    assert lines[1] == f"📋 <@{AUTHOR.user_id}> advancing show #1, **Tokyo** · Zepp Haneda (Sat 3 Apr 2027):"
    assert lines[2:5] == [
        "• #2 Tech rider, stage plot and input list sent to production · due today",
        "• #3 Load-in, parking and access confirmed (vehicles, dock, passes) · due today",
        "• #4 Backline confirmed (what the venue provides, what we hire) · due today",
    ]
    assert lines[5] == "• ⚠️ #1 Advance call with the promoter · 7 days overdue"
    assert msgs[0].mention_user_ids == (AUTHOR.user_id,)
    async with sessionmaker() as s:
        assert await pending(s, show) == [datetime(2027, 3, 24, 0, 0, tzinfo=UTC)]


async def test_day_sheet_stays_within_discords_limits(session) -> None:
    from bot.ui.advance import day_sheet_fields
    from bot.ui.tours import day_sheet

    show = await add_show(
        session,
        notes="n" * 1000,
        support="s" * 300,
        country="Germany",
        load_in="14:00",
        doors="19:00",
        set_time="21:00",
    )
    for i in range(25):
        await adv.set_contact(
            session,
            G1,
            "#1",
            role="other",
            name=f"Contact {i} " + "x" * 80,
            phone="+49 30 1234567",
            email=f"{'y' * 60}{i}@example.com",
            actor=AUTHOR,
        )
    for i in range(20):
        await adv.add_item(session, G1, "#1", title=f"Item {i} " + "z" * 180, due="3", actor=AUTHOR, now=NOW)
    cl = await adv.checklist(session, G1, "#1", NOW)
    e = day_sheet_fields(day_sheet(show), cl, today=NOW.date())
    assert len(e) <= 6000 and len(e.fields) <= 25
    names = [f.name for f in e.fields]
    assert "Contacts" in names and any(n.startswith("Advance: 31 open") for n in names)
    from bot.ui.advance import checklist_embed, page_count, select_options

    assert page_count(cl) == 4
    for page in range(4):
        embed = checklist_embed(cl, page, today=NOW.date())
        assert len(embed) <= 6000 and len(embed.fields) <= 25
        assert all(
            len(o.label) <= 100 and len(o.description or "") <= 100 for o in select_options(cl, page, today=NOW.date())
        )

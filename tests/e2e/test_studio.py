"""/studio and /budget end to end: call sheet pings, the 30-track board, costs after a session, .ics."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from bot.db.models import Nudge, StudioSession
from bot.roadie import Roadie
from bot.services import studio
from bot.services.clock import utcnow
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, DANA, ELI, GENERAL, GUILD, MANAGER_ROLE, make_double_with_roles

TODAY = datetime.now(UTC).date()
RELEASE_DAY = (TODAY + timedelta(days=90)).isoformat()
SESSION_DAY = TODAY + timedelta(days=10)


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    d = make_double_with_roles()
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


def nudges_in(double: DiscordDouble, channel: int) -> list[dict]:
    return [m for m in double.channel_messages(channel) if m.get("interaction_id") is None]


def embed_size(e: dict) -> int:
    return (
        len(e.get("title", ""))
        + len(e.get("description", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", []))
        + len(e.get("footer", {}).get("text", ""))
    )


async def book_one(double: DiscordDouble, **extra: object):  # type: ignore[no-untyped-def]
    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": RELEASE_DAY})
    opts = {
        "release": "#1",
        "date": SESSION_DAY.isoformat(),
        "start": "10:00",
        "end": "18:00",
        "studio": "Hansa Tonstudio",
        "engineer": BEN,
        "notes": "Köthener Str. 38, ring twice",
        **extra,
    }
    return await double.invoke(GUILD, GENERAL, ANA, "studio book", opts)


async def test_book_two_musicians_and_the_call_sheet_pings_exactly_the_member_and_the_engineer(
    double: DiscordDouble, bot: Roadie
) -> None:
    res = await book_one(double)
    assert res.content == "🎙️ Session #1 booked. Add musicians with `/studio musician session:#1`."
    assert res.embeds[0]["title"] == "🎙️ Session #1 · Hansa Tonstudio"
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "studio musician",
        {"session": "#1", "instrument": "guitar", "member": DANA, "call_time": "09:30"},
    )
    assert res.content == f"🎻 <@{DANA}> (guitar) added to session #1."
    res = await double.invoke(
        GUILD, GENERAL, ANA, "studio musician", {"session": "#1", "instrument": "drums", "name": "Sam Jones"}
    )
    assert res.content == "🎻 Sam Jones (drums) added to session #1."
    assert res.embeds[0]["fields"][-1]["name"] == "Musicians (2)"
    # bad input: a fee with letters, a musician given twice in one go; nothing changes
    res = await double.invoke(
        GUILD, GENERAL, ANA, "studio musician", {"session": "#1", "instrument": "bass", "name": "Al", "fee": "12o"}
    )
    assert res.ephemeral and res.content.startswith("⚠️ ")
    res = await double.invoke(
        GUILD, GENERAL, ANA, "studio musician", {"session": "#1", "instrument": "drums", "name": "sam jones"}
    )
    assert res.ephemeral and res.content.startswith("⚠️ Sam Jones is already on session #1 as drums")
    choices = await double.autocomplete(
        GUILD, GENERAL, ANA, "studio musician-remove", {"session": "#1", "musician": ""}, focused="musician"
    )
    assert [c["name"] for c in choices] == ["guitar · dana", "drums · Sam Jones"]

    # the call sheet is due the evening before (18:00 server time): bring it forward instead of waiting
    async with bot.sessionmaker() as s:
        sid = await s.scalar(select(StudioSession.id))
        await s.execute(
            update(Nudge)
            .where(Nudge.kind == studio.KIND_EVE, Nudge.ref_id == sid, Nudge.status == "pending")
            .values(due_at=utcnow())
        )
        await s.commit()
    bot.dispatcher.notify()
    [msg] = await double.wait_until(lambda: nudges_in(double, GENERAL), timeout=8, what="the call sheet")
    assert double.pings(msg) == {"everyone": False, "users": {DANA, BEN}, "roles": set()}
    lines = msg["content"].split("\n")
    day = f"{SESSION_DAY:%a} {SESSION_DAY.day} {SESSION_DAY:%b %Y}"
    assert lines[0] == f"🎙️ Tomorrow, {day}, in the studio: **Night Drive** · session #1"
    assert lines[1].startswith(f"Studio: **Hansa Tonstudio** · {day} 10:00–18:00 (UTC) · <t:")
    assert lines[2:5] == ["Notes: Köthener Str. 38, ring twice", f"Engineer: <@{BEN}>", "Musicians:"]
    assert lines[5].startswith(f"• <@{DANA}> · guitar · call 09:30 (<t:")
    assert lines[6].startswith("• Sam Jones · drums · call 10:00 (<t:")
    assert ELI not in double.pings(msg)["users"] and ANA not in double.pings(msg)["users"]


async def test_board_for_a_30_track_album_fits_discords_limits(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(
        GUILD, GENERAL, ANA, "release add", {"title": "Long " + "L" * 190, "date": RELEASE_DAY, "kind": "album"}
    )
    for i in range(1, 31):
        res = await double.invoke(
            GUILD, GENERAL, ANA, "release track", {"release": "#1", "title": f"Track {i:02} `" + "x" * 180}
        )
        assert not res.ephemeral, res.content
    res = await double.invoke(
        GUILD, GENERAL, BEN, "studio stage", {"release": "#1", "track": "#1", "stage": "mixing", "note": "vox up"}
    )
    assert res.content.startswith("🎚️ Track #1 “Track 01 \\`xxx")
    assert res.content.endswith("”: not started → **mixing**.\n0/30 track(s) of **Long " + "L" * 94 + "…** delivered.")
    res = await double.invoke(GUILD, GENERAL, BEN, "studio stage", {"release": "#1", "track": "#1", "stage": "mixdown"})
    assert res.ephemeral and res.content.startswith("⚠️ `mixdown` isn't a stage")
    res = await double.invoke(GUILD, GENERAL, ANA, "studio board", {"release": "#1"})
    embed = res.embeds[0]
    assert embed["footer"]["text"] == "Page 1/2 · move a track with /studio stage"
    assert embed_size(embed) < 6000 and len(embed["description"]) <= 4096
    grid = embed["description"].split("```")[1].strip("\n").split("\n")
    assert grid[0] == " # Track                    Wr De Tr Ov Ed Mx Ma Dl"
    assert grid[1] == " 1 Track 01 'xxxxxxxxxxxxx… ■  ■  ■  ■  ■  ●  ·  ·"
    assert len(grid) == 16
    assert embed["fields"][0]["value"].startswith("writing **0** · demo **0** · tracking **0**")
    assert embed["fields"][0]["value"].endswith("mixing **1** · mastering **0** · delivered **0** · not started **29**")
    nxt = next(c for row in res.message["components"] for c in row["components"] if c.get("label") == "Next ▶")
    page2 = await double.click(res.message, nxt["custom_id"], ANA)
    grid2 = page2.embeds[0]["description"].split("```")[1].strip("\n").split("\n")
    assert grid2[-1].startswith("30 Track 30 'xxxx") and len(grid2) == 16
    assert double.rejections == []


async def test_budget_show_after_a_session_passed_lists_its_costs(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": RELEASE_DAY})
    res = await double.invoke(
        GUILD, GENERAL, ELI, "budget set", {"release": "#1", "line": "studio", "amount": "2000", "currency": "EUR"}
    )
    assert res.ephemeral and res.content.startswith("🚫 Only managers and producers can change budgets.")
    res = await double.invoke(
        GUILD, GENERAL, ANA, "budget set", {"release": "#1", "line": "studio", "amount": "0", "currency": "EUR"}
    )
    assert res.ephemeral and res.content == "⚠️ The budget must be more than 0."
    res = await double.invoke(
        GUILD, GENERAL, ANA, "budget set", {"release": "#1", "line": "studio", "amount": "2000", "currency": "EUR"}
    )
    assert res.content == "💰 `studio` budget set to €2,000.00. This budget is in EUR."
    await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "manager", "role": MANAGER_ROLE})
    res = await double.invoke(
        GUILD, GENERAL, DANA, "budget set", {"release": "#1", "line": "musicians", "amount": "500"}
    )
    assert res.content == "💰 `musicians` budget set to €500.00."
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "studio book",
        {
            "release": "#1",
            "date": SESSION_DAY.isoformat(),
            "start": "10:00",
            "end": "18:00",
            "studio": "Hansa",
            "engineer_name": "Kim",
            "day_rate": "850.00 EUR",
        },
    )
    assert [f["value"] for f in res.embeds[0]["fields"] if f["name"] == "Day rate"] == ["€850.00"]
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "studio musician",
        {"session": "#1", "instrument": "cello", "name": "Ida", "fee": "300 USD"},
    )
    assert res.ephemeral and res.content.startswith("⚠️ This budget is in EUR; a fee in USD is refused")
    await double.invoke(
        GUILD, GENERAL, ANA, "studio musician", {"session": "#1", "instrument": "cello", "name": "Ida", "fee": "300"}
    )
    # the session's day passes (move it into the past instead of waiting 11 days)
    async with bot.sessionmaker() as s:
        ss = await s.scalar(select(StudioSession))
        ss.date = TODAY - timedelta(days=1)
        ss.start_at, ss.end_at = ss.start_at - timedelta(days=11), ss.end_at - timedelta(days=11)
        await s.commit()
    res = await double.invoke(GUILD, GENERAL, BEN, "budget show", {"release": "#1"})  # visible to the team
    embed = res.embeds[0]
    assert not res.ephemeral
    assert embed["title"] == "💰 #1 Night Drive · budget (EUR)"
    assert embed["description"].split("\n") == [
        "**studio** · budget €2,000.00 · spent €850.00 · left €1,150.00",
        "`▰▰▰▰▰▱▱▱▱▱▱▱ 42%`",
        "**musicians** · budget €500.00 · spent €300.00 · left €200.00",
        "`▰▰▰▰▰▰▰▱▱▱▱▱ 60%`",
        "",
        "**Total** · budget €2,500.00 · spent €1,150.00 · left €1,350.00",
    ]
    yday = TODAY - timedelta(days=1)
    assert embed["fields"][0]["name"] == "Latest expenses (2)"
    assert embed["fields"][0]["value"].split("\n") == [
        f"#2 {yday.day} {yday:%b %Y} · musicians · €300.00 · Ida, cello (session #1) · session #1",
        f"#1 {yday.day} {yday:%b %Y} · studio · €850.00 · Studio day: Hansa (session #1) · session #1",
    ]
    # once: showing it again (or the costs nudge) adds nothing
    res = await double.invoke(GUILD, GENERAL, BEN, "budget show", {"release": "#1"})
    assert res.embeds[0]["fields"][0]["name"] == "Latest expenses (2)"
    # an overrun is marked, and the 100 % crossing nudges the author and the managers once
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "budget spend",
        {"release": "#1", "line": "musicians", "amount": "250", "what": "Strings overdub"},
    )
    assert (
        "**musicians** · budget €500.00 · spent €550.00 · left -€50.00 🔴 **over by €50.00**"
        in res.embeds[0]["description"]
    )
    [alert] = await double.wait_until(
        lambda: [m for m in nudges_in(double, GENERAL) if "budget:" in m["content"]], timeout=8, what="the 100 % nudge"
    )
    assert double.pings(alert) == {"everyone": False, "users": {ANA}, "roles": {MANAGER_ROLE}}
    res = await double.invoke(GUILD, GENERAL, ANA, "budget export", {"release": "#1"})
    [att] = res.message["attachments"]
    assert att["filename"] == "budget-release-1.csv"
    assert bytes(att["content"]).decode("utf-8-sig").splitlines()[1].startswith(f"1,{yday.isoformat()},studio,")
    choices = await double.autocomplete(
        GUILD, GENERAL, ANA, "budget unspend", {"release": "#1", "expense": "strings"}, focused="expense"
    )
    assert choices == [{"name": f"#3 · {TODAY.day} {TODAY:%b} · musicians · €250.00 · Strings overdub", "value": "#3"}]


async def test_export_ics_parses_back(double: DiscordDouble, bot: Roadie) -> None:
    await book_one(double)
    res = await double.invoke(GUILD, GENERAL, ANA, "studio export", {})
    [att] = res.message["attachments"]
    assert att["filename"] == "studio-sessions.ics"
    [ev] = Calendar.from_ical(bytes(att["content"])).walk("VEVENT")
    assert str(ev["UID"]) == f"studio-{GUILD}-1@roadie"
    assert ev.decoded("DTSTART").astimezone(UTC) == datetime.combine(
        SESSION_DAY, datetime.min.time(), tzinfo=UTC
    ).replace(hour=10)
    assert json.dumps(str(ev["SUMMARY"])) == json.dumps("Studio: Night Drive (Hansa Tonstudio)")


async def test_after_a_restart_the_call_sheet_and_the_costs_go_out_once(double: DiscordDouble, db_url: str) -> None:
    from tests.e2e.harness import running_bot, settings_for

    settings = settings_for(double, db_url)
    async with running_bot(settings):
        await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": RELEASE_DAY})
        await double.invoke(
            GUILD, GENERAL, ANA, "budget set", {"release": "#1", "line": "studio", "amount": "1000", "currency": "EUR"}
        )
        await double.invoke(
            GUILD,
            GENERAL,
            ANA,
            "studio book",
            {
                "release": "#1",
                "date": SESSION_DAY.isoformat(),
                "start": "10:00",
                "end": "18:00",
                "studio": "Hansa",
                "engineer": BEN,
                "day_rate": "900",
            },
        )
    # while Roadie is down the evening before the session comes
    from bot.db.engine import create_engine, create_sessionmaker

    eng = create_engine(db_url)
    async with create_sessionmaker(eng)() as s:
        eve = await s.scalar(select(Nudge).where(Nudge.kind == studio.KIND_EVE))
        eve.due_at = utcnow() - timedelta(minutes=5)
        await s.commit()
    await eng.dispose()
    async with running_bot(settings) as bot:
        [sheet] = await double.wait_until(lambda: nudges_in(double, GENERAL), timeout=8, what="the late call sheet")
        assert sheet["content"].startswith("⏰ **Late** (was due <t:")
        assert double.pings(sheet)["users"] == {BEN}
        # the session ends; its costs nudge comes due
        async with bot.sessionmaker() as s:
            ss = await s.scalar(select(StudioSession))
            ss.date = TODAY - timedelta(days=1)
            ss.start_at, ss.end_at = utcnow() - timedelta(hours=9), utcnow() - timedelta(hours=1)
            costs = await s.scalar(select(Nudge).where(Nudge.kind == "studio_costs", Nudge.status == "pending"))
            costs.due_at = utcnow()
            await s.commit()
        bot.dispatcher.notify()
        [posted] = await double.wait_until(
            lambda: [m for m in nudges_in(double, GENERAL) if m["content"].startswith("💸")], timeout=8, what="costs"
        )
        assert posted["content"].split("\n")[1] == "• studio: €900.00 · Studio day: Hansa (session #1)"
    async with running_bot(settings):
        res = await double.invoke(GUILD, GENERAL, ANA, "budget show", {"release": "#1"})
        assert res.embeds[0]["fields"][0]["name"] == "Latest expenses (1)"
        assert res.embeds[0]["description"].startswith("**studio** · budget €1,000.00 · spent €900.00 · left €100.00")
    assert len([m for m in nudges_in(double, GENERAL) if m["content"].startswith("💸")]) == 1
    # once each: the call sheet, the costs, and the 90 % crossing they caused
    sent = [m["content"] for m in nudges_in(double, GENERAL)]
    assert len(sent) == 3
    assert sent[0].startswith("⏰ **Late**") and sent[1].startswith("💸 Studio session #1")
    assert sent[2].startswith(f"<@{ANA}> ⚠️ **Night Drive** budget: `studio` passed 90 %")

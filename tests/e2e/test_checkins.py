"""/checkin end to end: the modal, prompts with a button that opens it, roles and permissions."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.db.models import Checkin, Nudge
from bot.roadie import Roadie
from bot.services import checkins as svc
from bot.services.clock import utcnow
from bot.services.permissions import Actor
from bot.uow import record_scheduled
from tests.double import DiscordDouble
from tests.e2e.harness import (
    ANA,
    ARTIST_ROLE,
    BEN,
    DANA,
    ELI,
    GENERAL,
    GUILD,
    MANAGER_ROLE,
    OTHER,
    make_double_with_roles,
    running_bot,
    settings_for,
)


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    d = make_double_with_roles()
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


async def test_post_opens_a_modal_and_posts_an_attributed_checkin(double: DiscordDouble, bot: Roadie) -> None:
    opened = await double.invoke(GUILD, GENERAL, BEN, "checkin post", {})
    assert opened.type == 9
    assert opened.modal["title"] == "Check-in"
    res = await double.submit_modal(
        opened,
        {
            "Wins": "Finished the **mix** @everyone",
            "Blockers": "",
            "Next steps": "Master by Friday",
            "Link (optional)": "",
        },
        BEN,
    )
    e = res.embeds[0]
    assert e["title"] == "📝 Check-in"
    assert e["description"].startswith(f"from <@{BEN}> · <t:")
    assert [(f["name"], f["value"]) for f in e["fields"]] == [
        ("🏆 Wins", "Finished the \\*\\*mix\\*\\* @everyone"),
        ("➡️ Next steps", "Master by Friday"),
    ]
    assert double.pings(res.message) == {"everyone": False, "users": set(), "roles": set()}
    bad = await double.submit_modal(
        await double.invoke(GUILD, GENERAL, BEN, "checkin post", {}),
        {"Wins": "x", "Next steps": "y", "Link (optional)": "not a link"},
        BEN,
    )
    assert bad.ephemeral and bad.content == "⚠️ The link must start with `https://` or `http://` (or leave it empty)."
    res = await double.invoke(GUILD, GENERAL, ANA, "checkin history", {"member": BEN})
    assert res.embeds[0]["footer"]["text"] == "Page 1/1 · 1 check-in(s)"


async def test_roles_gate_scheduling_and_unscheduling(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "manager", "role": MANAGER_ROLE})
    assert not res.ephemeral
    res = await double.invoke(GUILD, GENERAL, ELI, "checkin schedule", {"day": 0, "time": "10:00"})
    assert res.ephemeral and res.content == (
        "🚫 Only managers can schedule check-ins. Ask someone with the manager role (see `/settings show`)."
    )
    res = await double.invoke(
        GUILD, GENERAL, DANA, "checkin schedule", {"day": 0, "time": "10:00", "role": ARTIST_ROLE}
    )
    assert res.content.startswith(
        f"🗓️ Schedule #1: prompt every Monday at 10:00 (UTC) in <#{GENERAL}>, pinging <@&{ARTIST_ROLE}>. First one <t:"
    )
    assert double.pings(res.message)["roles"] == set()  # the confirmation itself pings nobody
    res = await double.invoke(GUILD, GENERAL, ELI, "checkin unschedule", {"schedule": "#1"})
    assert res.ephemeral and res.content == (
        "🚫 Only the people it belongs to, or a manager, can change check-in schedule #1."
    )
    choices = await double.autocomplete(
        GUILD, GENERAL, DANA, "checkin unschedule", {"schedule": ""}, focused="schedule"
    )
    assert choices == [{"name": "#1 · prompt every Monday at 10:00", "value": "#1"}]
    res = await double.invoke(GUILD, GENERAL, DANA, "checkin unschedule", {"schedule": "#1"})
    assert res.content == "🛑 Schedule #1 (prompt every Monday at 10:00) stopped."


async def test_prompt_button_opens_the_form_and_pings_only_the_role(double: DiscordDouble, bot: Roadie) -> None:
    async with bot.uow() as s:
        sched, _ = await svc.add_schedule(
            s,
            GUILD,
            weekday=0,
            time_text="10:00",
            channel_id=GENERAL,
            actor=Actor(ANA, manage_guild=True),
            now=utcnow(),
            role_id=ARTIST_ROLE,
        )
        await s.execute(
            update(Nudge).where(Nudge.kind == svc.KIND_PROMPT).values(due_at=utcnow() + timedelta(seconds=1))
        )  # make this week's prompt due now
        record_scheduled(s, None)  # the bulk UPDATE moved a due time: re-read after commit
    prompt = await double.wait_for_message(
        channel_id=GENERAL, predicate=lambda m: "weekly check-in" in m["content"], timeout=8
    )
    assert prompt["content"].startswith(f"📝 <@&{ARTIST_ROLE}> Time for the weekly check-in!")
    assert double.pings(prompt) == {"everyone": False, "users": set(), "roles": {ARTIST_ROLE}}
    button = prompt["components"][0]["components"][0]
    assert (button["label"], button["custom_id"]) == ("Post my check-in", f"roadie:checkin:open:{sched.id}")
    opened = await double.click(prompt, button["custom_id"], ELI)
    assert opened.type == 9
    res = await double.submit_modal(opened, {"Wins": "Wrote two songs", "Next steps": "Demo them"}, ELI)
    assert res.embeds[0]["description"].startswith(f"from <@{ELI}>")
    async with bot.sessionmaker() as s:
        c = await s.scalar(select(Checkin))
    assert (c.author_id, c.schedule_id) == (ELI, sched.id)


async def test_prompt_button_works_after_a_restart(double: DiscordDouble, db_url: str) -> None:
    settings = settings_for(double, db_url)
    async with running_bot(settings) as bot:
        async with bot.uow() as s:
            await svc.add_schedule(
                s,
                GUILD,
                weekday=0,
                time_text="10:00",
                channel_id=GENERAL,
                actor=Actor(ANA, manage_guild=True),
                now=utcnow(),
            )
            await s.execute(update(Nudge).values(due_at=utcnow()))
            record_scheduled(s, None)
        prompt = await double.wait_for_message(channel_id=GENERAL, timeout=8)
    async with running_bot(settings):
        opened = await double.click(prompt, prompt["components"][0]["components"][0]["custom_id"], BEN)
        assert opened.type == 9


async def test_digest_is_an_embed_with_sections_posted_and_scheduled(double: DiscordDouble, bot: Roadie) -> None:
    from datetime import UTC, datetime

    opened = await double.invoke(GUILD, GENERAL, BEN, "checkin post", {})
    await double.submit_modal(opened, {"Wins": "Booked the **tour**", "Next steps": "Advance it"}, BEN)
    day = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    await double.invoke(GUILD, GENERAL, ANA, "tour add", {"date": day, "city": "Leeds", "venue": "Brudenell"})
    # a promo follow-up due in the period, and a confidential deal date in it
    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": day})
    await double.invoke(GUILD, GENERAL, ANA, "promo follow-up", {"days": 2})
    await double.invoke(GUILD, GENERAL, ANA, "promo outlet-add", {"name": "Radio X", "kind": "radio"})
    await double.invoke(GUILD, GENERAL, ANA, "promo pitch", {"release": "#1", "outlet": "#1"})
    await double.invoke(
        GUILD, GENERAL, ANA, "deal add", {"title": "Sync licence", "kind": "sync", "counterparty": "Netflix"}
    )
    await double.invoke(GUILD, GENERAL, ANA, "deal date", {"deal": "#1", "what": "offer-expires", "date": day})
    res = await double.invoke(GUILD, GENERAL, ANA, "checkin digest", {"days": 7})
    assert not res.ephemeral
    [e] = res.embeds
    assert e["title"].startswith("🗞️ Check-in digest · ")
    fields = {f["name"]: f["value"] for f in e["fields"]}
    follow = "📣 Promo follow-ups due: 1"
    assert list(fields) == [
        "📝 Check-ins: 1 from 1 person",
        "🎫 Shows, next 7 days: 1",
        "🗓️ Release tasks, next 7 days: 1",
        follow,
    ]
    assert fields["📝 Check-ins: 1 from 1 person"].startswith(f"<@{BEN}> <t:")
    assert fields["📝 Check-ins: 1 from 1 person"].endswith(": Booked the \\*\\*tour\\*\\*")
    assert fields["🎫 Shows, next 7 days: 1"].endswith(" · Leeds · Brudenell")
    assert re.fullmatch(r"<t:\d+:d> · Night Drive: #1 Radio X \(radio\) · follow up", fields[follow])
    assert "Netflix" not in str(e) and "Deal" not in str(e)  # a posted digest never lists deals
    # only a manager's private (ephemeral) digest lists deal dates
    res = await double.invoke(GUILD, GENERAL, BEN, "checkin digest", {"days": 7, "private": True})
    assert res.ephemeral and [f["name"] for f in res.embeds[0]["fields"]] == list(fields)
    res = await double.invoke(GUILD, GENERAL, ANA, "checkin digest", {"days": 7, "private": True})
    assert res.ephemeral
    mine = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}
    deal_field = "🤝 Deal dates, next 7 days (only you see this): 1"
    assert list(mine) == [*list(fields), deal_field]
    d = datetime.fromisoformat(day).date()
    assert mine[deal_field] == f"{d:%a} {d.day} {d:%b %Y} · Deal #1 Sync licence (Netflix): offer expires"
    async with bot.uow() as s:
        await svc.add_schedule(
            s,
            GUILD,
            weekday=0,
            time_text="10:00",
            channel_id=OTHER,
            actor=Actor(ANA, manage_guild=True),
            now=utcnow(),
            kind="digest",
        )
        await s.execute(update(Nudge).where(Nudge.kind == svc.KIND_DIGEST).values(due_at=utcnow()))
        record_scheduled(s, None)
    posted = await double.wait_for_message(channel_id=OTHER, timeout=8)
    assert posted["embeds"][0]["title"] == e["title"]
    assert [f["name"] for f in posted["embeds"][0]["fields"]] == list(fields)  # the scheduled one: no deal dates
    assert "Netflix" not in str(posted["embeds"])
    assert posted["components"] == [] and double.pings(posted)["users"] == set()

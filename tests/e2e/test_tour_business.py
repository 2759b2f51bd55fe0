"""Tour business end to end: settlement (managers only, ephemeral), guest lists, advancing, set lists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.roadie import Roadie
from bot.services.tours import format_day
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, DANA, ELI, GENERAL, GUILD, make_double_with_roles

YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    d = make_double_with_roles()
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


async def _map_manager_role(double: DiscordDouble) -> None:
    from tests.e2e.harness import MANAGER_ROLE

    res = await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "manager", "role": MANAGER_ROLE})
    assert res.content.startswith("✅ Roadie role **manager**")


async def test_settle_night_by_a_manager_and_refused_for_an_artist(double: DiscordDouble, bot: Roadie) -> None:
    await _map_manager_role(double)
    await double.invoke(
        GUILD, GENERAL, ANA, "tour add", {"date": YESTERDAY, "city": "Berlin", "venue": "Huxleys", "timezone": "UTC"}
    )
    res = await double.invoke(
        GUILD, GENERAL, DANA, "settle terms", {"show": "#1", "kind": "versus", "guarantee": "5000", "percentage": "80"}
    )
    assert res.ephemeral
    assert res.content.startswith("⚠️ Which currency is the deal in? Give the `currency` option")
    res = await double.invoke(GUILD, GENERAL, ANA, "settings currency", {"code": "usd"})
    assert res.content.startswith("✅ Amounts are now in `USD`")
    res = await double.invoke(
        GUILD, GENERAL, DANA, "settle terms", {"show": "#1", "kind": "versus", "guarantee": "5000", "percentage": "80"}
    )
    assert res.ephemeral
    assert res.content.split("\n")[1:3] == [
        "**versus: $5,000.00 guarantee vs 80.00 % of (gross − expenses)**",
        "Payout = the greater of the guarantee and percentage × (gross − expenses).",
    ]
    res = await double.invoke(
        GUILD,
        GENERAL,
        DANA,
        "settle night",
        {"show": "#1", "tickets_sold": 450, "gross": "12,000", "expenses": "3000", "merch": "1234.5", "comps": 20},
    )
    assert res.ephemeral
    embed = res.embeds[0]
    assert embed["description"].split("\n")[-2:] == [
        "max($5,000.00, $7,200.00) = $7,200.00: the percentage wins",
        "Payout: **$7,200.00**",
    ]
    assert embed["fields"][0]["value"] == "Merch: $1,234.50 · Comps: 20"
    # an artist is refused, ephemerally, and offered no shows by autocomplete
    res = await double.invoke(GUILD, GENERAL, ELI, "settle night", {"show": "#1", "tickets_sold": 1, "gross": "1"})
    assert res.ephemeral
    assert res.content == (
        "🚫 Only managers can see or change settlements. Ask someone with the manager role (see `/settings show`)."
    )
    assert await double.autocomplete(GUILD, GENERAL, ELI, "settle night", {"show": ""}, focused="show") == []
    assert len(await double.autocomplete(GUILD, GENERAL, DANA, "settle night", {"show": ""}, focused="show")) == 1
    res = await double.invoke(GUILD, GENERAL, DANA, "settle report", {})
    assert res.ephemeral
    assert "payouts $7,200.00 · merch $1,234.50" in res.embeds[0]["fields"][0]["value"]
    att = res.message["attachments"][0]
    assert att["filename"] == "settlements.csv"
    assert "7200.00" in double.attachment_bytes(att).decode("utf-8-sig")


async def test_guest_list_closing_at_its_cutoff_posts_once_with_its_csv(double: DiscordDouble, db_url: str) -> None:
    import csv
    import io

    from sqlalchemy import update

    from bot.db.models import Nudge
    from bot.services import guestlist
    from bot.services.clock import utcnow
    from tests.e2e.harness import BEN, running_bot, settings_for

    doors = (utcnow() + timedelta(hours=6)).replace(second=0, microsecond=0)
    settings = settings_for(double, db_url)
    async with running_bot(settings) as bot:
        await _map_manager_role(double)
        await double.invoke(
            GUILD,
            GENERAL,
            ANA,
            "tour add",
            {
                "date": doors.date().isoformat(),
                "city": "Berlin",
                "venue": "Huxleys",
                "timezone": "UTC",
                "doors": f"{doors:%H:%M}",
            },
        )
        res = await double.invoke(
            GUILD, GENERAL, BEN, "guestlist add", {"show": "#1", "name": "<@&1> Jo Smith", "plus_ones": 1}
        )
        assert res.ephemeral
        assert "You have 0 of 2 places left; the list closes <t:" in res.content
        res = await double.invoke(GUILD, GENERAL, BEN, "guestlist add", {"show": "#1", "name": "Sam Lee"})
        assert res.ephemeral and "you have 0 places left of your 2" in res.content
        res = await double.invoke(GUILD, GENERAL, ELI, "guestlist add", {"show": "#1", "name": "Sam Lee"})
        res = await double.invoke(GUILD, GENERAL, ELI, "guestlist show", {"show": "#1"})
        assert (
            res.ephemeral
            and "Sam Lee" in res.embeds[0]["description"]
            and "Jo Smith" not in res.embeds[0]["description"]
        )
        res = await double.invoke(GUILD, GENERAL, DANA, "guestlist show", {"show": "#1"})
        assert "Jo Smith" in res.embeds[0]["description"] and "Sam Lee" in res.embeds[0]["description"]
        assert res.ephemeral and res.message["attachments"][0]["filename"].startswith("guestlist-1-")
        async with bot.sessionmaker() as s:  # the cut-off (2 h from now) arrives
            await s.execute(
                update(Nudge).where(Nudge.kind == guestlist.KIND_CLOSE).values(due_at=utcnow() + timedelta(seconds=1))
            )
            await s.commit()
        bot.dispatcher.notify()
        post = await double.wait_for_message(
            channel_id=GENERAL, predicate=lambda m: m["content"].startswith("🎟️ Guest list closed"), timeout=8
        )
        assert double.pings(post) == {"everyone": False, "users": set(), "roles": set()}
        att = post["attachments"][0]
        assert att["filename"] == f"guestlist-1-{doors.date().isoformat()}.csv"
        rows = list(csv.reader(io.StringIO(double.attachment_bytes(att).decode("utf-8-sig"))))
        assert rows == [
            ["name", "plus_ones", "requested_by", "note"],
            ["<@&1> Jo Smith", "1", "ben", ""],
            ["Sam Lee", "0", "eli", ""],
        ]
        res = await double.invoke(GUILD, GENERAL, BEN, "guestlist remove", {"show": "#1", "guest": "#1"})
        assert res.ephemeral and res.content.startswith("🚫 The guest list of show #1 closed at <t:")
    async with running_bot(settings) as bot:  # after a restart: still posted once
        await bot.dispatcher.run_due()
        await bot.dispatcher.drain()
    posts = [m for m in double.channel_messages(GENERAL) if m["content"].startswith("🎟️ Guest list closed")]
    assert len(posts) == 1
    assert double.rejections == []


def _select(message: dict) -> dict:
    return next(c for row in message["components"] for c in row["components"] if c["type"] == 3)


async def test_advance_menu_ticked_after_a_restart_and_the_day_sheet(double: DiscordDouble, db_url: str) -> None:
    from tests.e2e.harness import BEN, running_bot, settings_for

    in_60 = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    settings = settings_for(double, db_url)
    async with running_bot(settings):
        await double.invoke(
            GUILD,
            GENERAL,
            BEN,
            "tour add",
            {"date": in_60, "city": "Berlin", "venue": "Huxleys", "country": "Germany", "timezone": "Europe/Berlin"},
        )
        res = await double.invoke(GUILD, GENERAL, BEN, "advance checklist", {"show": "#1"})
        checklist = res.message
        assert res.embeds[0]["description"].startswith("`▱▱▱▱▱▱▱▱▱▱▱▱ 0%` 0/11 done")
        menu = _select(checklist)
        first = menu["options"][0]
        assert first["label"] == "⬜ #1 Advance call with the promoter"
        ticked = await double.click(checklist, menu["custom_id"], BEN, values=[first["value"]])
        assert ticked.type == 7 and "1/11 done" in ticked.embeds[0]["description"]
        res = await double.click(
            double.get_message(checklist["id"]), menu["custom_id"], ELI, values=[menu["options"][1]["value"]]
        )
        assert res.ephemeral and res.content == "🚫 Only the people it belongs to, or a manager, can change show #1."
    async with running_bot(settings):  # restart: the same message's menu still works
        msg = double.get_message(checklist["id"])
        menu = _select(msg)
        assert menu["options"][0]["label"] == "✅ #1 Advance call with the promoter"
        again = await double.click(msg, menu["custom_id"], ANA, values=[menu["options"][1]["value"]])
        assert again.type == 7 and "2/11 done" in again.embeds[0]["description"]
        untick = await double.click(
            again.message, menu["custom_id"], BEN, values=[_select(again.message)["options"][0]["value"]]
        )
        assert "1/11 done" in untick.embeds[0]["description"]
        res = await double.invoke(
            GUILD,
            GENERAL,
            BEN,
            "advance contact",
            {"show": "#1", "role": "promoter", "name": "Jo Smith", "phone": "030 1234567", "email": "jo@example.com"},
        )
        assert (
            res.content == "📇 Contact #1 added for show #1: **Promoter**: Jo Smith · +49 30 1234567 · jo@example.com"
        )
        res = await double.invoke(
            GUILD, GENERAL, BEN, "advance contact", {"show": "#1", "role": "venue", "name": "X", "phone": "12"}
        )
        assert res.ephemeral and res.content.startswith("⚠️ `12` isn't a valid phone number for Germany.")
        res = await double.invoke(GUILD, GENERAL, BEN, "tour show", {"show": "#1"})
        fields = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}
        assert fields["Contacts"] == "**Promoter**: Jo Smith · +49 30 1234567 · jo@example.com"
        assert fields["Advance: 10 open"].startswith("⬜ #1 Advance call with the promoter · due ")
    assert double.rejections == []


async def test_set_list_form_opened_before_a_restart_saves_after_it(double: DiscordDouble, db_url: str) -> None:
    from tests.e2e.harness import BEN, running_bot, settings_for

    settings = settings_for(double, db_url)
    async with running_bot(settings):
        await double.invoke(GUILD, GENERAL, BEN, "tour add", {"date": YESTERDAY, "city": "Berlin", "venue": "Huxleys"})
        opened = await double.invoke(GUILD, GENERAL, BEN, "setlist set", {"show": "#1"})
        assert opened.type == 9
    async with running_bot(settings):
        res = await double.submit_modal(opened, {"Songs, one per line, in order": "Opener\nCloser"})
        assert res.content.endswith(
            "saved: 2 song(s).\n➕ New in the catalogue (2): Opener, Closer. "
            "Add durations with `/song add title duration`.\nTotal 0:00 (+2 songs without a "
            "duration) · no slot: give the show a `set_time` and a `curfew` (`/tour edit`)."
        )
    assert double.rejections == []


async def test_set_list_modal_submit_show_and_report(double: DiscordDouble, bot: Roadie) -> None:
    import csv
    import io

    from tests.e2e.harness import BEN

    await double.invoke(
        GUILD,
        GENERAL,
        BEN,
        "tour add",
        {"date": YESTERDAY, "city": "Berlin", "venue": "Huxleys", "timezone": "UTC", "set_time": "21:00"},
    )
    res = await double.invoke(GUILD, GENERAL, BEN, "tour edit", {"show": "#1", "curfew": "21:10"})
    assert "Curfew: **21:10**" in res.embeds[0]["fields"][0]["value"]
    res = await double.invoke(
        GUILD, GENERAL, BEN, "song add", {"title": "Opener", "duration": "4:00", "writers": "A, B"}
    )
    assert res.content == "🎵 Song #1 Opener added (4:00 · A, B)."
    opened = await double.invoke(GUILD, GENERAL, BEN, "setlist set", {"show": "#1"})
    assert opened.type == 9  # the modal is the command's first response
    assert opened.modal["title"] == "Set list · show #1"
    text_input = opened.modal["components"][0]["components"][0]
    assert (text_input["style"], text_input["max_length"]) == (2, 4000)
    res = await double.submit_modal(opened, {"Songs, one per line, in order": "1. Opener\n2. Encore Song\n"})
    assert res.content.split("\n") == [
        f"🎶 Set list of show #1 ({format_day(date.fromisoformat(YESTERDAY))}, Berlin) saved: 2 song(s).",
        "➕ New in the catalogue (1): Encore Song. Add durations with `/song add title duration`.",
        "Total 4:00 (+1 song without a duration) · slot 10:00 (set 21:00 → curfew 21:10): fits, 6:00 to spare",
    ]
    res = await double.invoke(GUILD, GENERAL, BEN, "song add", {"title": "encore song", "duration": "7:30"})
    assert res.content == "🎵 Song #2 Encore Song updated (7:30)."
    res = await double.invoke(GUILD, GENERAL, BEN, "setlist show", {"show": "#1"})
    assert res.embeds[0]["description"] == "1. Opener · 4:00\n2. Encore Song · 7:30"
    assert res.embeds[0]["fields"][0]["value"].endswith(": **over by 1:30**")
    # editing again: the form opens with the current list
    opened = await double.invoke(GUILD, GENERAL, BEN, "setlist set", {"show": "#1"})
    assert opened.modal["components"][0]["components"][0]["value"] == "Opener\nEncore Song"
    res = await double.submit_modal(opened, {"Songs, one per line, in order": "\n".join(f"S{i}" for i in range(300))})
    assert res.ephemeral and "300 lines; a set list holds at most 100 songs. Nothing was saved." in res.content
    res = await double.invoke(GUILD, GENERAL, ELI, "setlist set", {"show": "#1"})
    assert res.ephemeral and res.content == "🚫 Only the people it belongs to, or a manager, can change show #1."
    res = await double.invoke(GUILD, GENERAL, BEN, "setlist report", {"from": YESTERDAY})
    att = res.message["attachments"][0]
    rows = list(csv.reader(io.StringIO(double.attachment_bytes(att).decode("utf-8-sig"))))
    assert rows == [
        ["date", "venue", "city", "country", "song", "writers", "isrc", "duration"],
        [YESTERDAY, "Huxleys", "Berlin", "", "Opener", "A, B", "", "4:00"],
        [YESTERDAY, "Huxleys", "Berlin", "", "Encore Song", "", "", "7:30"],
    ]


async def test_settlement_money_in_the_servers_language(double: DiscordDouble, bot: Roadie) -> None:
    double.guilds[GUILD]["preferred_locale"] = "de"
    await double.invoke(
        GUILD, GENERAL, ANA, "tour add", {"date": YESTERDAY, "city": "Berlin", "venue": "Huxleys", "timezone": "UTC"}
    )
    res = await double.invoke(
        GUILD, GENERAL, ANA, "settle terms", {"show": "#1", "kind": "door", "percentage": "85", "currency": "EUR"}
    )
    assert res.content.split("\n")[1] == "**door: 85.00 % of gross**"
    res = await double.invoke(
        GUILD, GENERAL, ANA, "settle night", {"show": "#1", "tickets_sold": 300, "gross": "0.10", "merch": "1,234.50"}
    )
    lines = res.embeds[0]["description"].split("\n")
    assert lines[1:] == [
        "Gross: 0,10\xa0€ (300 tickets sold)",
        "85.00 % × 0,10\xa0€ = 0,09\xa0€",
        "Payout: **0,09\xa0€**",
    ]
    assert res.embeds[0]["fields"][0]["value"] == "Merch: 1.234,50\xa0€ · Comps: not given"


async def test_advance_nudge_pings_the_managers_when_the_author_has_left(double: DiscordDouble, bot: Roadie) -> None:
    from sqlalchemy import update

    from bot.db.models import Nudge
    from bot.services import advance
    from bot.services.clock import utcnow
    from tests.e2e.harness import BEN, MANAGER_ROLE

    await _map_manager_role(double)
    in_20 = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    await double.invoke(GUILD, GENERAL, BEN, "tour add", {"date": in_20, "city": "Berlin", "venue": "Huxleys"})
    await double.invoke(GUILD, GENERAL, BEN, "advance checklist", {"show": "#1"})  # the advance starts
    del double.members[GUILD][BEN]  # BEN leaves the server
    async with bot.sessionmaker() as s:
        await s.execute(update(Nudge).where(Nudge.kind == advance.KIND_DUE).values(due_at=utcnow()))
        await s.commit()
    bot.dispatcher.notify()
    msg = await double.wait_for_message(channel_id=GENERAL, predicate=lambda m: "advancing show #1" in m["content"])
    assert msg["content"].startswith(f"📋 <@&{MANAGER_ROLE}> advancing show #1, **Berlin** · Huxleys")
    assert "• ⚠️ #1 Advance call with the promoter · 1 day overdue" in msg["content"]
    assert double.pings(msg) == {"everyone": False, "users": set(), "roles": {MANAGER_ROLE}}
    assert [r["path"].rsplit("/", 2)[-2:] for r in double.rejections] == [["members", str(BEN)]]
    double.rejections.clear()  # the one 404 is how Roadie learns BEN left


async def test_tour_edit_and_cancel_move_the_guest_list_cutoff(double: DiscordDouble, bot: Roadie) -> None:
    """The cogs pass the show re-planners wired in bot/features.py: /tour edit moves a guest list's
    cut-off post with the doors, /tour cancel drops it."""
    from sqlalchemy import select

    from bot.db.models import Nudge
    from bot.services import guestlist
    from bot.services.clock import utcnow
    from tests.e2e.harness import BEN

    async def pending_cutoffs() -> list[datetime]:
        async with bot.sessionmaker() as s:
            return list(
                await s.scalars(
                    select(Nudge.due_at).where(Nudge.kind == guestlist.KIND_CLOSE, Nudge.status == "pending")
                )
            )

    day = (utcnow() + timedelta(days=10)).date()
    doors, later = (datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=h) for h in (19, 20))
    add = {"date": day.isoformat(), "city": "Berlin", "venue": "Huxleys", "timezone": "UTC", "doors": "19:00"}
    await double.invoke(GUILD, GENERAL, BEN, "tour add", add)
    res = await double.invoke(GUILD, GENERAL, BEN, "guestlist add", {"show": "#1", "name": "Jo Smith"})
    assert res.ephemeral
    assert await pending_cutoffs() == [doors - timedelta(hours=4)]
    res = await double.invoke(GUILD, GENERAL, BEN, "tour edit", {"show": "#1", "doors": "20:00"})
    assert not res.ephemeral, res.content
    assert await pending_cutoffs() == [later - timedelta(hours=4)]
    res = await double.invoke(GUILD, GENERAL, BEN, "tour cancel", {"show": "#1"})
    assert not res.ephemeral, res.content
    assert await pending_cutoffs() == []
    assert double.rejections == []

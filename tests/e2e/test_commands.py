"""Slash commands end to end: the real bot, over loopback, against the Discord double."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.roadie import Roadie
from bot.timeparse import format_local
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, CARA, G2_CHANNEL, GENERAL, GUILD, GUILD2, READONLY

pytestmark = pytest.mark.both_backends  # a key e2e module: runs on SQLite and PostgreSQL

TOUR_FIELDS = [
    "date",
    "city",
    "venue",
    "country",
    "timezone",
    "load_in",
    "soundcheck",
    "doors",
    "set_time",
    "curfew",
    "status",
    "tickets",
    "capacity",
    "notes",
    "support",
]
OUTLET_FIELDS = ["name", "kind", "contact", "email", "handle", "region", "notes"]
DEAL_FIELDS = [
    "title",
    "kind",
    "counterparty",
    "value",
    "currency",
    "owner",
    "show",
    "guarantee",
    "percentage",
    "settle_kind",
]
EXPECTED_COMMANDS = {
    "settings": {
        "timezone": ["tz"],
        "date-order": ["order"],
        "channel": ["channel"],
        "currency": ["code"],
        "business-channel": ["channel"],
        "role": ["kind", "role"],
        "events": ["enabled"],
        "act-name": ["name"],
        "show": [],
    },
    "goal": {
        "add": ["title", "due", "metric", "target", "owner"],
        "list": ["status"],
        "progress": ["goal", "value", "note"],
        "done": ["goal"],
        "edit": ["goal", "title", "due", "metric", "target", "owner"],
        "delete": ["goal"],
        "chart": ["goal"],
    },
    "remind": {"add": ["when", "text", "channel"], "list": [], "cancel": ["reminder"]},
    "tour": {
        "add": TOUR_FIELDS,
        "list": ["when"],
        "show": ["show"],
        "edit": ["show", *TOUR_FIELDS, "keep"],
        "cancel": ["show"],
        "delete": ["show"],
        "import": ["file"],
        "export": ["when"],
        "chart": ["when"],
    },
    "release": {
        "add": ["title", "date", "kind"],
        "list": [],
        "checklist": ["release"],
        "timeline": ["release"],
        "tick": ["release", "task"],
        "untick": ["release", "task"],
        "task-add": ["release", "title", "due", "owner", "section"],
        "move": ["release", "date"],
        "delete": ["release"],
        "info": ["release", "distributor", "upc"],
        "track": ["release", "title", "isrc"],
    },
    "advance": {
        "checklist": ["show"],
        "tick": ["show", "item"],
        "untick": ["show", "item"],
        "item-add": ["show", "title", "due"],
        "item-remove": ["show", "item"],
        "contact": ["show", "role", "name", "phone", "email"],
        "contact-remove": ["show", "contact"],
    },
    "guestlist": {
        "add": ["show", "name", "plus_ones", "note"],
        "remove": ["show", "guest"],
        "show": ["show"],
        "allowance": ["show", "per_member"],
        "close": ["show"],
    },
    "song": {"add": ["title", "duration", "isrc", "writers"], "list": [], "remove": ["song"]},
    "setlist": {
        "set": ["show"],
        "copy": ["from_show", "to_show"],
        "show": ["show"],
        "report": ["from", "to"],
    },
    "settle": {
        "terms": ["show", "kind", "guarantee", "percentage", "break_even", "currency"],
        "night": ["show", "tickets_sold", "gross", "expenses", "merch", "comps"],
        "report": ["when"],
    },
    "checkin": {
        "post": [],
        "schedule": ["day", "time", "channel", "role", "what"],
        "unschedule": ["schedule"],
        "schedules": [],
        "history": ["member", "limit"],
        "digest": ["days", "private"],
        "team-add": ["member"],
        "team-remove": ["member"],
        "pulse": ["member"],
    },
    "studio": {
        "book": [
            "release",
            "date",
            "start",
            "end",
            "studio",
            "engineer",
            "engineer_name",
            "day_rate",
            "notes",
            "timezone",
        ],
        "musician": ["session", "instrument", "member", "name", "call_time", "fee"],
        "musician-remove": ["session", "musician"],
        "sessions": ["release", "when"],
        "show": ["session"],
        "edit": [
            "session",
            "date",
            "start",
            "end",
            "studio",
            "engineer",
            "engineer_name",
            "day_rate",
            "notes",
            "timezone",
        ],
        "cancel": ["session"],
        "export": ["release", "when"],
        "stage": ["release", "track", "stage", "note"],
        "board": ["release"],
    },
    "budget": {
        "set": ["release", "line", "amount", "currency"],
        "spend": ["release", "line", "amount", "what", "date"],
        "unspend": ["release", "expense"],
        "show": ["release"],
        "export": ["release"],
        "chart": ["release"],
    },
    "promo": {
        "outlet-add": OUTLET_FIELDS,
        "outlet-edit": ["outlet", *OUTLET_FIELDS],
        "outlet-remove": ["outlet"],
        "outlets": ["kind"],
        "import": ["file"],
        "pitch": ["release", "outlet", "date", "note"],
        "update": ["pitch", "status", "note", "link"],
        "result": ["pitch", "kind", "value", "link"],
        "follow-up": ["days"],
        "campaign": ["release"],
        "chart": ["release"],
    },
    "deal": {
        "add": DEAL_FIELDS,
        "status": ["deal", "status", "note"],
        "date": ["deal", "what", "date", "label", "confirm_past"],
        "date-remove": ["deal", "key_date"],
        "list": ["status", "kind"],
        "show": ["deal"],
        "edit": ["deal", "title", "kind", "counterparty", *DEAL_FIELDS[3:]],
        "delete": ["deal"],
    },
    "split": {
        "set": ["release", "track", "share", "member", "name", "role"],
        "remove": ["release", "track", "party"],
        "show": ["release", "track"],
        "sheet": ["release"],
    },
}


def command_shape(cmds: list[dict]) -> dict:
    return {
        c["name"]: {o["name"]: [p["name"] for p in o.get("options", [])] for o in c.get("options", [])} for c in cmds
    }


def desc_ok(cmds: list[dict]) -> bool:
    def walk(opts: list[dict]) -> bool:
        return all(1 <= len(o["description"]) <= 100 and walk(o.get("options", [])) for o in opts)

    return walk(cmds)


async def test_commands_synced_to_both_guilds_with_help_text(double: DiscordDouble, bot: Roadie) -> None:
    for gid in (GUILD, GUILD2):
        assert command_shape(double.commands_guild[gid]) == EXPECTED_COMMANDS
        assert desc_ok(double.commands_guild[gid])
    assert double.commands_global == []


async def test_goal_add_then_list(double: DiscordDouble, bot: Roadie) -> None:
    due = (datetime.now(UTC) + timedelta(days=30)).date()
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "goal add",
        {"title": "10k monthly listeners", "due": due.isoformat(), "metric": "monthly listeners", "target": "10k"},
    )
    assert res.ack_seconds < 3
    assert res.content == "🎯 Goal #1 added."
    assert not res.ephemeral
    embed = res.embeds[0]
    assert embed["title"] == "#1 10k monthly listeners"
    due_at = datetime.combine(due, datetime.min.time(), tzinfo=UTC).replace(hour=9)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Owner"] == f"<@{ANA}>"
    day = format_local(due_at, ZoneInfo("UTC"), with_time=False)
    assert fields["Due"] == f"**{day}** · <t:{int(due_at.timestamp())}:R>"
    assert fields["Target"] == "0 of 10,000 monthly listeners\n`▱▱▱▱▱▱▱▱▱▱▱▱ 0%`"
    assert len(fields["Nudges"].split(", ")) == 3

    res = await double.invoke(GUILD, GENERAL, ANA, "goal progress", {"goal": "#1", "value": "4.2k"})
    assert res.content == "📈 Progress on #1: `▰▰▰▰▰▱▱▱▱▱▱▱ 42%`"

    res = await double.invoke(GUILD, GENERAL, BEN, "goal list", {})
    assert res.ack_seconds < 3
    page = res.embeds[0]
    assert page["title"] == "Open goals"
    day = format_local(due_at, ZoneInfo("UTC"), with_time=False)
    assert page["description"] == (
        f"`#1` **10k monthly listeners** · due {day} (<t:{int(due_at.timestamp())}:R>) · "
        f"4,200 of 10,000 monthly listeners (42%) · <@{ANA}>"
    )
    assert res.components == []  # one page: no buttons

    # the other guild sees none of it
    res = await double.invoke(GUILD2, G2_CHANNEL, CARA, "goal list", {})
    assert res.embeds[0]["description"] == "No goals here. Add one with `/goal add`."


async def test_unreadable_date_is_an_ephemeral_error_and_stores_nothing(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": "Tour Japan", "due": "someday soonish"})
    assert res.ephemeral
    assert res.content == (
        "⚠️ Couldn't read `someday soonish` as a date or time. Try e.g. `2027-03-14 20:00`, "
        "`tomorrow 9am`, `next friday 18:00` or `in 3 days`."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "yesterday 10:00", "text": "x"})
    assert res.ephemeral and "which has already passed" in res.content
    res = await double.invoke(GUILD, GENERAL, ANA, "goal list", {"status": "all"})
    assert res.embeds[0]["description"] == "No goals here. Add one with `/goal add`."


async def test_mentions_in_titles_never_ping(double: DiscordDouble, bot: Roadie) -> None:
    title = f"@everyone @here <@&{GUILD}> <@{BEN}> win"
    res = await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": title})
    assert res.content == "🎯 Goal #1 added."
    assert res.embeds[0]["title"] == f"#1 {title}"
    assert double.pings(res.message) == {"everyone": False, "users": set(), "roles": set()}
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 1 hour", "text": title})
    assert double.pings(res.message) == {"everyone": False, "users": set(), "roles": set()}


async def test_autocomplete_goals_and_timezones(double: DiscordDouble, bot: Roadie) -> None:
    for t in ("Sell out Roundhouse", "Sign booking agent", "Release EP"):
        await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": t})
    choices = await double.autocomplete(GUILD, GENERAL, ANA, "goal done", {"goal": "sign"}, focused="goal")
    assert choices == [{"name": "#2 · Sign booking agent", "value": "#2"}]
    choices = await double.autocomplete(GUILD2, G2_CHANNEL, CARA, "goal done", {"goal": ""}, focused="goal")
    assert choices == []
    tz = await double.autocomplete(GUILD, GENERAL, ANA, "settings timezone", {"tz": "tokyo"}, focused="tz")
    assert tz[0] == {"name": "Asia/Tokyo", "value": "Asia/Tokyo"}
    res = await double.invoke(GUILD, GENERAL, ANA, "goal done", {"goal": "#2"})
    assert res.content == "✅ Goal #2 is done. Nice work!"


async def test_settings_need_manage_server_and_valid_values(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, BEN, "settings timezone", {"tz": "Asia/Tokyo"})
    assert res.ephemeral
    assert res.content == "🚫 Changing Roadie's settings needs the **Manage Server** permission."
    res = await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "Mars/Base"})
    assert res.ephemeral and res.content.startswith("⚠️ `Mars/Base` is not an IANA time zone.")
    res = await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "asia/tokyo"})
    assert res.content == (
        "✅ Time zone set to `Asia/Tokyo`. Numeric dates now read day-first (03/04/2027 = 3 April 2027), "
        "the usual order there; change it with `/settings date-order`."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "settings channel", {"channel": READONLY})
    assert res.ephemeral
    assert res.content == (
        f"⚠️ Roadie can't post in <#{READONLY}>. Give it View Channel and Send Messages there, or pick another channel."
    )
    res = await double.invoke(GUILD, GENERAL, BEN, "settings show", {})
    fields = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}
    assert fields["Time zone"].startswith("`Asia/Tokyo`")
    assert fields["Nudge channel"] == "the channel each item was created in"
    res = await double.invoke(GUILD2, G2_CHANNEL, CARA, "settings show", {})
    assert {f["name"]: f["value"] for f in res.embeds[0]["fields"]}["Time zone"].startswith("`UTC`")


async def test_a_us_server_reads_numeric_dates_month_first_until_it_chooses(double: DiscordDouble, bot: Roadie) -> None:
    year = datetime.now(UTC).year + 1
    res = await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "America/New_York"})
    assert res.content == (
        "✅ Time zone set to `America/New_York`. Numeric dates now read month-first (03/04/2027 = March 4, 2027), "
        "the usual order there; change it with `/settings date-order`."
    )
    fields = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}
    assert fields["Date order"] == (
        "`month-first` (03/04/2027 = March 4, 2027) · the time zone's usual order; choose with `/settings date-order`"
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": f"04/05/{year} 10:00", "text": "x"})
    expected = format_local(
        datetime(year, 4, 5, 10, 0, tzinfo=ZoneInfo("America/New_York")), ZoneInfo("America/New_York")
    )
    assert expected.endswith(f"5 Apr {year} 10:00")
    assert f"set for **{expected}** (America/New_York)" in res.content
    # an explicit choice is kept across zone changes, and the reply says so
    await double.invoke(GUILD, GENERAL, ANA, "settings date-order", {"order": "day-first"})
    res = await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "America/Chicago"})
    assert res.content == (
        "✅ Time zone set to `America/Chicago`. Numeric dates still read day-first (03/04/2027 = 3 April 2027), "
        "as chosen with `/settings date-order`."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": f"04/05/{year} 10:00", "text": "y"})
    assert f"{year} 10:00** (America/Chicago)" in res.content and f"4 May {year}" in res.content


async def test_date_order_changes_how_numeric_dates_read(double: DiscordDouble, bot: Roadie) -> None:
    year = datetime.now(UTC).year + 1
    await double.invoke(GUILD, GENERAL, ANA, "settings date-order", {"order": "month-first"})
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": f"03/04/{year} 10:00", "text": "x"})
    expected = format_local(datetime(year, 3, 4, 10, 0, tzinfo=UTC), ZoneInfo("UTC"))
    assert f"set for **{expected}** (UTC)" in res.content
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": f"13/04/{year}", "text": "x"})
    assert res.ephemeral and "has no month 13" in res.content


async def test_remind_in_readonly_channel_refused(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(
        GUILD, GENERAL, ANA, "remind add", {"when": "in 1 hour", "text": "x", "channel": READONLY}
    )
    assert res.ephemeral and res.content.startswith(f"⚠️ Roadie can't post in <#{READONLY}>.")
    res = await double.invoke(GUILD, GENERAL, ANA, "remind list", {})
    assert res.embeds[0]["description"] == "No pending reminders. Add one with `/remind add`."


async def test_goal_list_paginates(double: DiscordDouble, bot: Roadie) -> None:
    for i in range(23):
        await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": f"Goal number {i + 1} " + "x" * 150})
    res = await double.invoke(GUILD, GENERAL, ANA, "goal list", {})
    assert res.embeds[0]["footer"]["text"] == "Page 1/3 · 23 goal(s) · times in UTC"
    buttons = res.components[0]["components"]
    assert [b["label"] for b in buttons] == ["◀ Previous", "1/3", "Next ▶"]
    nxt = await double.click(res.message, buttons[2]["custom_id"], ANA)
    assert nxt.embeds[0]["footer"]["text"] == "Page 2/3 · 23 goal(s) · times in UTC"
    assert nxt.message["components"][0]["components"][2]["custom_id"] == "roadie:page:goal:open:2"
    other = await double.click(nxt.message, "roadie:page:goal:open:2", BEN)
    assert other.ephemeral and other.content.startswith("Only the person who ran the command")


async def test_goal_delete_confirmation_button(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": "Play Glastonbury", "due": "in 20 days"})
    res = await double.invoke(GUILD, GENERAL, ANA, "goal delete", {"goal": "glastonbury"})
    stale = await double.invoke(GUILD, GENERAL, ANA, "goal delete", {"goal": "#1"})
    assert res.ephemeral
    assert res.content == "Delete goal #1? Its progress history and nudges go with it."
    ids = [b["custom_id"] for b in res.components[0]["components"]]
    assert ids[0].startswith("roadie:goal:delete:")
    keep = await double.click(res.message, ids[1], ANA)
    assert keep.content == "Kept. Nothing was deleted."
    done = await double.click(stale.message, ids[0], ANA)
    assert done.content == "🗑️ Deleted goal #1 **Play Glastonbury** and its nudges."
    assert done.components == []
    third = await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": "Placeholder"})
    assert third.content == "🎯 Goal #2 added."  # a deleted goal's number is never reused
    again = await double.invoke(GUILD, GENERAL, ANA, "goal delete", {"goal": "#1"})
    assert again.ephemeral and again.content == "⚠️ There is no goal #1 in this server. See `/goal list`."
    gone = await double.invoke(GUILD, GENERAL, ANA, "goal delete", {"goal": "#7"})
    assert gone.ephemeral and gone.content == "⚠️ There is no goal #7 in this server. See `/goal list`."


async def test_long_input_fits_discord_limits(double: DiscordDouble, bot: Roadie) -> None:
    title = "🎸" * 200
    res = await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": title, "target": "1", "metric": "m" * 40})
    assert res.content == "🎯 Goal #1 added."
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 2 hours", "text": "y" * 1000})
    assert res.content.startswith("⏰ Reminder #1 set for")
    res = await double.invoke(GUILD, GENERAL, ANA, "remind list", {})
    assert res.embeds
    assert double.rejections == []


async def test_concurrent_adds_get_distinct_numbers(double: DiscordDouble, bot: Roadie) -> None:
    import asyncio

    results = await asyncio.gather(
        *(double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": f"g{i}"}) for i in range(6)),
        *(double.invoke(GUILD, GENERAL, BEN, "remind add", {"when": "in 1 hour", "text": f"r{i}"}) for i in range(4)),
    )
    goals_added = sorted(r.content for r in results[:6])
    assert goals_added == [f"🎯 Goal #{i} added." for i in range(1, 7)]
    assert sorted(r.content.split(" set for")[0] for r in results[6:]) == [f"⏰ Reminder #{i}" for i in range(1, 5)]


async def test_goal_with_due_date_in_a_channel_roadie_cannot_post_in(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(
        GUILD,
        READONLY,
        ANA,
        "goal add",
        {"title": "x", "due": "in 3 days"},
    )
    assert res.ephemeral and res.content.startswith("⚠️ Roadie can't post in this channel.")
    res = await double.invoke(GUILD, READONLY, ANA, "goal add", {"title": "no due date is fine"})
    assert res.content == "🎯 Goal #1 added."

"""/deal and /split end to end: key-date nudges in the business channel pinging only the owner,
confidentiality for an artist, and a split sheet refused until every track totals 100.00 %."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Nudge
from bot.roadie import Roadie
from bot.services import settlement, tours
from bot.services.deals import KIND_DATE
from tests.double import DiscordDouble
from tests.e2e.harness import (
    ANA,
    BEN,
    DANA,
    ELI,
    GENERAL,
    GUILD,
    MANAGER_ROLE,
    OTHER,
    READONLY,
    make_double_with_roles,
)

NEW_YORK = ZoneInfo("America/New_York")
BUSINESS = OTHER  # the private channel of the business side


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


async def deliver_at(bot: Roadie, when: datetime) -> None:
    """One delivery pass with the dispatcher's injected clock set to ``when`` (days ahead)."""
    bot.dispatcher._clock = lambda: when  # the dispatcher's clock is injectable; tests move it
    await bot.dispatcher.run_due()
    await bot.dispatcher.drain()


async def test_deal_key_date_nudges_in_the_business_channel_and_an_artist_sees_nothing(
    double: DiscordDouble, bot: Roadie
) -> None:
    res = await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "manager", "role": MANAGER_ROLE})
    await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "America/New_York"})
    today = datetime.now(UTC).astimezone(NEW_YORK).date()
    expires = today + timedelta(days=30)

    res = await double.invoke(
        GUILD,
        GENERAL,
        DANA,
        "deal add",
        {
            "title": "Summer festival offer @everyone",
            "kind": "show-offer",
            "counterparty": "Live Nation",
            "owner": BEN,
            "guarantee": "5,000",
            "currency": "eur",
        },
    )
    assert res.ephemeral
    assert res.content == (
        f"🌱 Deal #1 **Summer festival offer @everyone** added as `lead`, owned by <@{BEN}>. "
        "Add key dates with `/deal date deal:#1`."
    )
    res = await double.invoke(
        GUILD, GENERAL, DANA, "deal date", {"deal": "#1", "what": "offer-expires", "date": expires.isoformat()}
    )
    assert res.ephemeral
    day = f"{expires:%a} {expires.day} {expires:%b %Y}"
    assert res.content == (
        f"📅 Deal #1: **offer expires** set for **{day}**.\n"
        "Its nudges wait for a business channel: set one with `/settings business-channel` and they are planned "
        "(14 days and 3 days before, and on the day, 09:00 server time)."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "settings business-channel", {"channel": BUSINESS})
    assert res.ephemeral
    assert res.content == (
        f"✅ Deal nudges will go to <#{BUSINESS}> (only there; they ping only each deal's owner). "
        "Nudges planned for 1 key date."
    )
    async with bot.sessionmaker() as s:
        rows = (await s.scalars(select(Nudge).where(Nudge.kind == KIND_DATE).order_by(Nudge.due_at))).all()
    expected = [datetime.combine(expires - timedelta(days=n), time(9), tzinfo=NEW_YORK) for n in (14, 3, 0)]
    assert [(r.due_at, r.channel_id, r.status) for r in rows] == [(t, BUSINESS, "pending") for t in expected]

    for i, due in enumerate(expected, 1):
        await deliver_at(bot, due.astimezone(UTC))
        await double.wait_until(lambda i=i: len(nudges_in(double, BUSINESS)) == i, timeout=8, what=f"nudge {i}")
    msgs = nudges_in(double, BUSINESS)
    stamp = f"<t:{int(expected[2].timestamp())}:D>"
    head = (
        f"📅 <@{BEN}> deal **#1 Summer festival offer @everyone** (show-offer · Live Nation, lead): **offer expires**"
    )
    assert [m["content"] for m in msgs] == [
        f"{head} is in **14 days**, {day} ({stamp}).\nSee `/deal show deal:#1`.",
        f"{head} is in **3 days**, {day} ({stamp}).\nSee `/deal show deal:#1`.",
        f"{head} is **today**, {day} ({stamp}).\nSee `/deal show deal:#1`.",
    ]
    for m in msgs:
        assert double.pings(m) == {"everyone": False, "users": {BEN}, "roles": set()}
    assert nudges_in(double, GENERAL) == []

    # the artist (not the owner, not a manager) is not told the deal exists
    res = await double.invoke(GUILD, GENERAL, ELI, "deal list", {})
    assert res.ephemeral
    assert res.embeds[0]["description"] == "No open deals you can see. Add one with `/deal add`."
    res = await double.invoke(GUILD, GENERAL, ELI, "deal list", {"status": "all"})
    assert res.embeds[0]["description"] == "No deals you can see. Add one with `/deal add`."
    for query in ("", "1", "summer"):
        assert await double.autocomplete(GUILD, GENERAL, ELI, "deal show", {"deal": query}, focused="deal") == []
    res = await double.invoke(GUILD, GENERAL, ELI, "deal show", {"deal": "#1"})
    assert res.ephemeral and res.content == "⚠️ There is no deal #1 in this server. See `/deal list`."
    res = await double.invoke(GUILD, GENERAL, ELI, "deal status", {"deal": "#1", "status": "declined"})
    assert res.ephemeral and res.content == "⚠️ There is no deal #1 in this server. See `/deal list`."

    # the owner sees it, with its history; every reply is ephemeral
    choices = await double.autocomplete(GUILD, GENERAL, BEN, "deal show", {"deal": ""}, focused="deal")
    assert choices == [{"name": "#1 · Summer festival offer @everyone (show-offer, lead)", "value": "#1"}]
    res = await double.invoke(GUILD, GENERAL, BEN, "deal status", {"deal": "#1", "status": "negotiating"})
    assert res.ephemeral and res.content == "🤝 Deal #1 **Summer festival offer @everyone**: `lead` → `negotiating`."
    res = await double.invoke(GUILD, GENERAL, BEN, "deal show", {"deal": "#1"})
    assert res.ephemeral
    embed = res.embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == "🤝 #1 Summer festival offer @everyone"
    assert fields["Terms"] == "guarantee €5,000.00"
    assert fields["Key dates"] == f"`#1` **offer expires** · {day} · no nudges left"
    history = fields["History"].split("\n")
    assert history[0].startswith(f"created as `lead` · <@{DANA}> <t:")
    assert history[1].startswith(f"`lead` → `negotiating` · <@{BEN}> <t:")
    # a jump that makes no sense without a note is refused
    res = await double.invoke(GUILD, GENERAL, BEN, "deal status", {"deal": "#1", "status": "lead"})
    assert res.ephemeral and res.content.startswith("⚠️ Moving deal #1 from `negotiating` back to `lead` is unusual")
    assert double.rejections == []


async def test_declined_deal_gets_no_nudges_and_delete_confirms(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, BEN, "settings business-channel", {"channel": BUSINESS})
    assert res.ephemeral and res.content == "🚫 Changing Roadie's settings needs the **Manage Server** permission."
    res = await double.invoke(GUILD, GENERAL, ANA, "settings business-channel", {"channel": READONLY})
    assert res.ephemeral and res.content.startswith(f"⚠️ Roadie can't post in <#{READONLY}>.")
    res = await double.invoke(GUILD, GENERAL, ANA, "settings show", {})
    fields = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}
    assert fields["Business channel (deal nudges)"] == "not set: deal key dates are stored, their nudges wait for one"
    await double.invoke(GUILD, GENERAL, ANA, "settings business-channel", {"channel": BUSINESS})
    expires = datetime.now(UTC).date() + timedelta(days=20)
    await double.invoke(GUILD, GENERAL, ANA, "deal add", {"title": "Sync", "kind": "sync", "counterparty": "Netflix"})
    res = await double.invoke(
        GUILD, GENERAL, ANA, "deal date", {"deal": "#1", "what": "signature-due", "date": expires.isoformat()}
    )
    assert "Nudges in the business channel, pinging <@" in res.content
    res = await double.invoke(GUILD, GENERAL, ANA, "deal status", {"deal": "#1", "status": "declined"})
    assert res.content.endswith("Its 3 pending key-date nudges were cancelled.")
    for n in (14, 3, 0):
        await deliver_at(bot, datetime.combine(expires - timedelta(days=n), time(9, 1), tzinfo=UTC))
    assert nudges_in(double, BUSINESS) == []
    res = await double.invoke(GUILD, GENERAL, ANA, "deal delete", {"deal": "#1"})
    assert res.ephemeral and res.content == "Delete deal #1 **Sync**, its key dates and their nudges?"
    done = await double.click(res.message, res.components[0]["components"][0]["custom_id"], ANA)
    assert done.content == "🗑️ Deleted deal #1 **Sync** and its nudges."
    res = await double.invoke(GUILD, GENERAL, ANA, "deal list", {"status": "all"})
    assert res.embeds[0]["description"] == "No deals you can see. Add one with `/deal add`."


async def test_split_sheet_refused_then_accepted_after_fixing_a_track(double: DiscordDouble, bot: Roadie) -> None:
    in_90 = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": in_90, "kind": "ep"})
    await double.invoke(
        GUILD, GENERAL, ANA, "release track", {"release": "#1", "title": "Night Drive", "isrc": "GB-XYZ-27-00001"}
    )
    await double.invoke(
        GUILD, GENERAL, ANA, "release track", {"release": "#1", "title": "Tail Lights", "isrc": "GB-XYZ-27-00002"}
    )
    choices = await double.autocomplete(
        GUILD, GENERAL, ANA, "split set", {"release": "#1", "track": "tail", "share": "1"}, focused="track"
    )
    assert choices == [{"name": "#2 · Tail Lights", "value": "#2"}]
    for track, share, party in (
        ("#1", "33.33", {"member": BEN}),
        ("#1", "33.33", {"name": "Cara Lind", "role": "composer"}),
        ("#1", "33.34", {"name": "Dee @everyone", "role": "publisher"}),
        ("#2", "50", {"member": BEN, "role": "performer"}),
        ("#2", "48", {"name": "Cara Lind", "role": "producer"}),
    ):
        res = await double.invoke(
            GUILD, GENERAL, ANA, "split set", {"release": "#1", "track": track, "share": share, **party}
        )
        assert not res.ephemeral, res.content
        assert double.pings(res.message) == {"everyone": False, "users": set(), "roles": set()}
    assert res.content == (
        "🎼 Track #2 **Tail Lights**: Cara Lind (producer) added **48.00 %**. Total ⚠️ 98.00 % (2.00 % missing)."
    )
    res = await double.invoke(
        GUILD, GENERAL, ELI, "split set", {"release": "#1", "track": "#2", "share": "2", "name": "Eli"}
    )
    assert res.ephemeral
    assert res.content == "🚫 Only managers and the label can change splits (roles: see `/settings show`)."
    res = await double.invoke(
        GUILD, GENERAL, ANA, "split set", {"release": "#1", "track": "#2", "share": "2.001", "name": "X"}
    )
    assert res.ephemeral and "at most two decimals" in res.content

    res = await double.invoke(GUILD, GENERAL, ELI, "split show", {"release": "#1"})  # visible to the team
    embed = res.embeds[0]
    assert embed["description"] == "⚠️ 1 of 2 tracks don't total exactly 100.00 %."
    assert [f["name"] for f in embed["fields"]] == ["#2 Tail Lights · GBXYZ2700002", "#1 Night Drive · GBXYZ2700001"]
    assert embed["fields"][0]["value"].split("\n")[0] == "⚠️ 98.00 % (2.00 % missing)"

    res = await double.invoke(GUILD, GENERAL, ANA, "split sheet", {"release": "#1"})
    assert res.ephemeral and res.message["attachments"] == []
    assert res.content == (
        "⚠️ The split sheet needs every track to total exactly 100.00 %. Fix these with `/split set` or "
        "`/split remove`:\n• #2 Tail Lights: 98.00 % (2.00 % missing)"
    )
    # fix the track: Cara's share goes to 50
    choices = await double.autocomplete(
        GUILD, GENERAL, ANA, "split remove", {"release": "#1", "track": "#2", "party": "cara"}, focused="party"
    )
    assert [c["name"] for c in choices] == ["Cara Lind · producer · 48.00 %"]
    res = await double.invoke(
        GUILD, GENERAL, ANA, "split set", {"release": "#1", "track": "#2", "share": "50.00", "name": "cara lind"}
    )
    assert res.content.endswith("now has **50.00 %**. Total ✅ 100.00 %.")
    res = await double.invoke(GUILD, GENERAL, ANA, "split sheet", {"release": "#1"})
    await res.wait_final()
    assert res.content == "📄 Split sheet for #1 **Night Drive**: 5 rows, every track totals exactly 100.00 %."
    [att] = res.message["attachments"]
    assert att["filename"] == "splits-1-night-drive.csv"
    rows = list(csv.reader(io.StringIO(double.attachment_bytes(att).decode("utf-8"))))
    assert rows == [
        ["track", "ISRC", "party", "role", "share"],
        ["Night Drive", "GBXYZ2700001", "Dee @everyone", "publisher", "33.34"],
        ["Night Drive", "GBXYZ2700001", "ben", "songwriter", "33.33"],
        ["Night Drive", "GBXYZ2700001", "Cara Lind", "composer", "33.33"],
        ["Tail Lights", "GBXYZ2700002", "ben", "performer", "50.00"],
        ["Tail Lights", "GBXYZ2700002", "cara lind", "producer", "50.00"],
    ]
    totals: dict[str, Decimal] = {}
    for row in rows[1:]:
        totals[row[0]] = totals.get(row[0], Decimal(0)) + Decimal(row[4])
    assert totals == {"Night Drive": Decimal("100.00"), "Tail Lights": Decimal("100.00")}
    assert double.rejections == []


async def test_signed_show_offer_carries_its_terms(double: DiscordDouble, bot: Roadie) -> None:
    year = datetime.now(UTC).year + 1
    await double.invoke(
        GUILD, GENERAL, ANA, "tour add", {"date": f"{year}-07-10", "city": "Berlin", "venue": "Columbiahalle"}
    )
    choices = await double.autocomplete(
        GUILD,
        GENERAL,
        ANA,
        "deal add",
        {"title": "x", "kind": "show-offer", "counterparty": "y", "show": "colum"},
        focused="show",
    )
    assert [c["value"] for c in choices] == ["#1"]
    options = {
        "title": "Columbiahalle offer",
        "kind": "show-offer",
        "counterparty": "Trinity Music",
        "show": "#1",
        "guarantee": "5000.50",
        "percentage": "80",
        "settle_kind": "versus",
        "currency": "EUR",
    }
    res = await double.invoke(GUILD, GENERAL, ANA, "deal add", options)
    assert res.content.startswith("🌱 Deal #1 **Columbiahalle offer** added as `lead`")
    res = await double.invoke(GUILD, GENERAL, ANA, "deal add", {**options, "kind": "record", "title": "Bad"})
    assert res.ephemeral and res.content == (
        "⚠️ `show`, `guarantee`, `percentage`, `settle_kind` belong to a show offer (kind `show-offer`) only."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "deal status", {"deal": "#1", "status": "signed"})
    assert res.ephemeral
    assert res.content == (
        "✍️ Deal #1 **Columbiahalle offer**: `lead` → `signed`.\n"
        "💶 The show's settlement terms (`/settle terms`) are now: kind `versus`, guarantee €5,000.50, 80.00 %."
    )
    async with bot.sessionmaker() as s:
        show_id = (await tours.get_show(s, GUILD, "#1")).id
        assert await settlement.get_terms(s, GUILD, show_id) == settlement.Terms(
            "versus", "EUR", Decimal("5000.50"), Decimal("80.00"), None
        )
    res = await double.invoke(GUILD, GENERAL, ANA, "deal show", {"deal": "#1"})
    fields = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}
    d = date(year, 7, 10)
    assert fields["Show"] == f"#1 {d:%a} 10 Jul {year} · Berlin · Columbiahalle"
    assert fields["Terms"] == "versus: guarantee €5,000.50 vs 80.00 %"
    res = await double.invoke(GUILD, GENERAL, ANA, "deal list", {"status": "signed"})
    assert res.embeds[0]["description"] == (
        "✍️ `#1` **Columbiahalle offer** · show-offer · Trinity Music · signed · €5,000.50"
    )


async def test_key_date_nudges_and_delete_buttons_survive_a_restart(double: DiscordDouble, db_url: str) -> None:
    from tests.e2e.harness import running_bot, settings_for

    settings = settings_for(double, db_url)
    expires = datetime.now(UTC).date() + timedelta(days=10)
    async with running_bot(settings):
        await double.invoke(GUILD, GENERAL, ANA, "settings business-channel", {"channel": BUSINESS})
        await double.invoke(
            GUILD, GENERAL, ANA, "deal add", {"title": "Brand", "kind": "brand", "counterparty": "Fender"}
        )
        await double.invoke(
            GUILD, GENERAL, ANA, "deal date", {"deal": "#1", "what": "payment-due", "date": expires.isoformat()}
        )
        ask = await double.invoke(GUILD, GENERAL, ANA, "deal delete", {"deal": "#1"})
    async with running_bot(settings) as bot:
        await deliver_at(bot, datetime.combine(expires - timedelta(days=3), time(9), tzinfo=UTC))
        [msg] = await double.wait_until(lambda: nudges_in(double, BUSINESS), timeout=8, what="the 3-day nudge")
        assert msg["content"].startswith(f"📅 <@{ANA}> deal **#1 Brand** (brand · Fender, lead): **payment due** is in")
        keep = await double.click(ask.message, ask.components[0]["components"][1]["custom_id"], ANA)
        assert keep.content == "Kept. Nothing was deleted."
    assert double.rejections == []

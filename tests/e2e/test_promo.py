"""/promo end to end: a 200-row contacts import (deferred, with its report), 20 pitches, one follow-up
message for the release 7 days later pinging only the owners, and the campaign within Discord's limits
(pages after a restart, the .csv of every pitch read back with ``csv``)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.clock import utcnow
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, GENERAL, GUILD, make_double_with_roles, running_bot, settings_for

LABEL_ROLE, LEO = 800000000000000009, 700000000000000019  # LEO holds the role mapped as Roadie's label
IN_90_DAYS = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
KINDS = ["radio", "Magazine", "blog", "Playlist", "podcast", "TV", "influencer", "webzine"]


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    d = make_double_with_roles()
    d.add_role(GUILD, LABEL_ROLE, name="label")
    d.add_member(GUILD, LEO, username="leo", roles=[LABEL_ROLE])
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


def contacts_csv() -> bytes:
    """200 contacts as a spreadsheet exports them: BOM, ';', headers in mixed case and other words."""
    lines = ["\ufeffOutlet Name;TYPE;Contact Person;E-Mail;Instagram;Country;Comments"]
    for i in range(200):
        email = f"editor{i}@outlet{i}.example" if i != 120 else "not an e-mail"
        if i == 50:
            email = "EDITOR10@outlet10.example"  # the same contact as row 12 (i = 10)
        lines.append(f"Outlet {i:03d};{KINDS[i % len(KINDS)]};Person {i};{email};@outlet{i};UK;likes indie")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def button(message: dict, label: str) -> dict:
    return next(c for row in message["components"] for c in row["components"] if c.get("label") == label)


async def test_import_pitch_follow_up_and_campaign(double: DiscordDouble, db_url: str) -> None:
    settings = settings_for(double, db_url)
    async with running_bot(settings) as bot:
        await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "label", "role": LABEL_ROLE})
        await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": IN_90_DAYS})

        res = await double.invoke(
            GUILD, GENERAL, LEO, "promo import", {"file": {"filename": "contacts.csv", "content": contacts_csv()}}
        )
        assert res.type == 5  # deferred: imports can be slow
        await double.wait_until(lambda: len(res.followups) >= 2, timeout=15, what="the import report")
        assert (
            res.followups[0]["ephemeral"]
            and res.followups[0]["content"] == "Done: the import report is posted in the channel."
        )
        assert res.followups[1]["content"].split("\n") == [
            f"📥 <@{LEO}> imported `contacts.csv` (contacts): **198** added, **0** updated, **2** skipped.",
            "• row 52: same e-mail as an earlier row (Outlet 010)",
            "• row 122: \\`not an e-mail\\` isn't an e-mail address; write it like \\`editor@magazine.com\\`",
            "See them with `/promo outlets`.",
        ]
        res = await double.invoke(GUILD, GENERAL, BEN, "promo outlets", {"kind": "press"})
        assert res.embeds[0]["footer"]["text"] == "Page 1/3 · 25 outlet(s)"

        # 20 pitches: LEO (label) pitches 12, ANA (Manage Server) 8; BEN may look but not pitch
        choices = await double.autocomplete(
            GUILD, GENERAL, LEO, "promo pitch", {"release": "#1", "outlet": "outlet 00"}, focused="outlet"
        )
        assert choices[0] == {"name": "#1 · Outlet 000 (radio)", "value": "#1"}
        for n in range(1, 21):
            who = LEO if n <= 12 else ANA
            res = await double.invoke(GUILD, GENERAL, who, "promo pitch", {"release": "#1", "outlet": f"#{n}"})
            assert res.content.startswith(f"📨 Pitch #{n}: **Night Drive** → **Outlet {n - 1:03d}**"), res.content
        res = await double.invoke(GUILD, GENERAL, BEN, "promo pitch", {"release": "#1", "outlet": "#21"})
        assert res.ephemeral and res.content.startswith("🚫 Only managers and the label can change the promo campaign.")
        res = await double.invoke(GUILD, GENERAL, LEO, "promo pitch", {"release": "night drive", "outlet": "#3"})
        assert res.ephemeral and res.content == (
            "⚠️ Outlet 002 was already pitched for Night Drive: pitch #3 (pitched). "
            "Change it with `/promo update pitch:#3`."
        )
        res = await double.invoke(
            GUILD, GENERAL, ANA, "promo update", {"pitch": "#20", "status": "replied", "note": "wants the EP"}
        )
        assert res.content == "💬 Pitch #20 (Outlet 019) is now `replied`."
        res = await double.invoke(
            GUILD, GENERAL, LEO, "promo update", {"pitch": "#19", "status": "published", "link": "ftp://x"}
        )
        assert res.ephemeral and "isn't an http(s) link" in res.content

        # jump 7 days: the dispatcher's clock (its injected clock) moves on; one pass delivers what is due
        bot.dispatcher._clock = lambda: utcnow() + timedelta(days=7, seconds=5)
        before = len(double.channel_messages(GENERAL))
        await bot.dispatcher.run_due()
        await bot.dispatcher.drain()
        nudges = [m for m in double.channel_messages(GENERAL)[before:] if m.get("interaction_id") is None]
        assert len(nudges) == 1
        [msg] = nudges
        lines = msg["content"].split("\n")
        assert lines[0].endswith(f"📣 <@{LEO}> <@{ANA}> follow-ups for **Night Drive**:")
        assert [line.split(" ")[1] for line in lines[1:-1]] == [f"#{n}" for n in range(1, 20)]  # not #20: replied
        assert all(line.endswith("no answer yet: follow up") for line in lines[1:-1])
        assert double.pings(msg) == {"everyone": False, "users": {LEO, ANA}, "roles": set()}
        await bot.dispatcher.run_due()
        await bot.dispatcher.drain()
        assert len([m for m in double.channel_messages(GENERAL)[before:] if m.get("interaction_id") is None]) == 1

        await double.invoke(GUILD, GENERAL, LEO, "promo result", {"pitch": "#1", "kind": "spins", "value": 14})
        await double.invoke(GUILD, GENERAL, LEO, "promo update", {"pitch": "#4", "status": "added"})
        res = await double.invoke(
            GUILD, GENERAL, LEO, "promo result", {"pitch": "#4", "kind": "followers", "value": 52000}
        )
        assert res.content == "📈 Pitch #4 (Outlet 003): followers 52,000 logged."

        res = await double.invoke(GUILD, GENERAL, BEN, "promo campaign", {"release": "#1"})
        await res.wait_final()
        campaign = res.message
    assert double.rejections == []

    embed = campaign["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert (
        fields["Funnel"]
        == "pitched: **20** → replied: **2** (10%) → accepted: **1** (5%) → published/added/aired: **1** (5%)"
    )
    assert fields["Total reach"] == "**52,000** (followers + audience) · 14 spins"
    assert embed["footer"]["text"] == "Page 1/3 · every pitch with its history is in the .csv"
    [att] = campaign["attachments"]
    assert att["filename"] == "promo-1-night-drive.csv"
    rows = list(csv.DictReader(io.StringIO(bytes(att["content"]).decode("utf-8"), newline="")))
    assert len(rows) == 20 + 2 + 2  # 20 pitched, #20 replied, #4 added; 2 results
    assert {r["pitch"] for r in rows} == {f"#{n}" for n in range(1, 21)}
    assert [(r["status"], r["note"]) for r in rows if r["pitch"] == "#20"] == [
        ("pitched", ""),
        ("replied", "wants the EP"),
    ]

    # after a restart: the pages still turn, and 7 more days without news make the rest `no-reply`
    async with running_bot(settings) as bot:
        nxt = await double.click(double.get_message(campaign["id"]), button(campaign, "Next ▶")["custom_id"], BEN)
        page2 = nxt.embeds[0]
        assert page2["footer"]["text"] == "Page 2/3 · 20 pitch(es)"
        first = page2["description"].split("\n")[0]
        pattern = (
            rf"📨 #1 \*\*Outlet 000\*\* \(radio\) · pitched <t:\d+:d> by <@{LEO}> · owner <@{LEO}> · 1 result\(s\)"
        )
        assert re.fullmatch(pattern, first), first
        assert len(page2["description"].split("\n")) == 10
        page3 = (await double.click(nxt.message, button(nxt.message, "Next ▶")["custom_id"], BEN)).embeds[0]
        last = page3["description"].split("\n")[-1]
        assert re.fullmatch(
            rf"💬 #20 \*\*Outlet 019\*\* \(playlist\) · replied <t:\d+:d> by <@{ANA}> · owner <@{ANA}>", last
        )

        bot.dispatcher._clock = lambda: utcnow() + timedelta(days=14, seconds=10)
        before = len(double.channel_messages(GENERAL))
        await bot.dispatcher.run_due()
        await bot.dispatcher.drain()
        [msg] = [m for m in double.channel_messages(GENERAL)[before:] if m.get("interaction_id") is None]
        lines = msg["content"].split("\n")
        # not #1 (a result was logged), #4 (added) or #20 (replied)
        assert [line.split(" ")[1] for line in lines[1:-1]] == [f"#{n}" for n in range(2, 20) if n != 4]
        assert all(line.endswith("still nothing, now marked `no-reply`") for line in lines[1:-1])
        assert double.pings(msg) == {"everyone": False, "users": {LEO, ANA}, "roles": set()}
        res = await double.invoke(GUILD, GENERAL, BEN, "promo campaign", {"release": "#1"})
        await res.wait_final()
        by_status = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}["By status"]
        assert by_status.split("\n") == ["📨 pitched: 1", "💬 replied: 1", "🎧 added: 1", "🔇 no-reply: 17"]
    assert double.rejections == []


async def test_import_refuses_what_it_cannot_take_whole(double: DiscordDouble, db_url: str) -> None:
    async with running_bot(settings_for(double, db_url)):
        big = b"name,email\n" + b"x" * 1_000_000
        res = await double.invoke(
            GUILD, GENERAL, ANA, "promo import", {"file": {"filename": "big.csv", "content": big}}
        )
        assert res.ephemeral and res.content == (
            "⚠️ That file is 1,000,011 bytes; the limit is 1,000,000 (1 MB). Split it and import the parts; "
            "nothing was imported."
        )
        rows = "Name,E-mail\n" + "".join(f"O{i},o{i}@x.example\n" for i in range(5001))
        res = await double.invoke(
            GUILD, GENERAL, ANA, "promo import", {"file": {"filename": "many.csv", "content": rows.encode()}}
        )
        await res.wait_final()
        assert res.message["ephemeral"] and res.message["content"] == (
            "⚠️ That CSV has more than 5,000 contacts; import at most 5,000 at a time. Nothing was imported."
        )
        res = await double.invoke(
            GUILD, GENERAL, BEN, "promo import", {"file": {"filename": "c.csv", "content": b"name\nX\n"}}
        )
        assert res.type == 4 and res.ephemeral and res.content.startswith("🚫 Only managers and the label")
        res = await double.invoke(GUILD, GENERAL, ANA, "promo outlets", {})
        assert res.embeds[0]["description"].startswith("No outlets yet.")
    assert double.rejections == []

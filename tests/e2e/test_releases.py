"""/release end to end: checklist pages, ticking from the persistent menu (also after a restart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, GENERAL, GUILD, running_bot, settings_for

IN_90_DAYS = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
IN_10_DAYS = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()


def select_of(message: dict) -> dict:
    return next(c for row in message["components"] for c in row["components"] if c["type"] == 3)


async def test_add_checklist_tick_from_menu_and_after_restart(double: DiscordDouble, db_url: str) -> None:
    settings = settings_for(double, db_url)
    async with running_bot(settings):
        # BEN plans it, so BEN may tick its tasks; ANA (Manage Server) may too
        res = await double.invoke(
            GUILD, GENERAL, BEN, "release add", {"title": "Night Drive", "date": IN_90_DAYS, "kind": "single"}
        )
        assert res.content.endswith("16 tasks planned. See `/release checklist release:#1`.")
        res = await double.invoke(GUILD, GENERAL, BEN, "release checklist", {"release": "night"})
        checklist = res.message
        embed = res.embeds[0]
        assert embed["title"] == "💿 #1 Night Drive · single"
        assert "`▱▱▱▱▱▱▱▱▱▱▱▱ 0%` 0/16 done" in embed["description"]
        assert embed["footer"]["text"] == "Page 1/2 · tick tasks with the menu below or /release tick"
        assert [f["name"] for f in embed["fields"]][:3] == ["Audio", "Artwork", "Metadata"]
        menu = select_of(checklist)
        first = menu["options"][0]
        assert first["label"] == "⬜ #1 Final mix approved"
        ticked = await double.click(checklist, menu["custom_id"], BEN, values=[first["value"]])
        assert ticked.type == 7  # the checklist message itself is updated in place
        assert "1/16 done" in ticked.embeds[0]["description"]
        assert ticked.embeds[0]["fields"][0]["value"].startswith(f"✅ #1 ~~Final mix approved~~ · <@{BEN}> <t:")
    # restart: the same message's menu and buttons keep working
    async with running_bot(settings):
        menu = select_of(double.get_message(checklist["id"]))
        again = await double.click(
            double.get_message(checklist["id"]), menu["custom_id"], ANA, values=[menu["options"][1]["value"]]
        )
        assert "2/16 done" in again.embeds[0]["description"]
        next_id = next(
            c["custom_id"]
            for row in again.message["components"]
            for c in row["components"]
            if c.get("label") == "Next ▶"
        )
        page2 = await double.click(again.message, next_id, ANA)
        assert page2.embeds[0]["footer"]["text"].startswith("Page 2/2")
        res = await double.invoke(GUILD, GENERAL, ANA, "release untick", {"release": "#1", "task": "#1"})
        assert res.content == "↩️ Unticked #1 Final mix approved on **Night Drive** · 1/16 done."
    assert double.rejections == []


async def test_close_release_lists_overdue_tasks(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Rush Job", "date": IN_10_DAYS})
    lines = res.content.split("\n")
    assert lines[1].startswith("⚠️ The date is close: ") and lines[1].endswith("already overdue:")
    assert lines[2].startswith("• #1 Final mix approved (was due ")


async def test_sixty_task_album_fits_discords_limits(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "release add",
        {"title": "The Long Album " + "x" * 150, "date": IN_90_DAYS, "kind": "album"},
    )
    for i in range(38):
        res = await double.invoke(
            GUILD,
            GENERAL,
            ANA,
            "release task-add",
            {
                "release": "#1",
                "title": f"Custom task {i} with a long descriptive title " + "y" * 150,
                "due": f"{i + 1} days before",
                "owner": BEN,
                "section": "marketing",
            },
        )
        assert res.content.startswith(f"➕ Task #{23 + i} ")
    res = await double.invoke(GUILD, GENERAL, ANA, "release checklist", {"release": "#1"})
    footer = res.embeds[0]["footer"]["text"]
    assert footer.startswith("Page 1/5")
    msg = res.message
    seen = 0
    for page in range(5):
        embed = msg["embeds"][0]
        assert "0/60 done" in embed["description"]
        seen += sum(v.count("\n") + 1 for v in (f["value"] for f in embed["fields"]))
        nxt = [c for row in msg["components"] for c in row["components"] if c.get("label") == "Next ▶"]
        if page < 4:
            msg = (await double.click(msg, nxt[0]["custom_id"], ANA)).message
    assert seen == 60
    res = await double.invoke(GUILD, GENERAL, ANA, "release list", {})
    assert "· `▱▱▱▱▱▱▱▱ 0%` 0/60 · ⚠️ 2 overdue" in res.embeds[0]["description"]  # 112 and 98 days before
    assert double.rejections == []


async def test_move_task_add_and_delete(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "EP One", "date": IN_90_DAYS, "kind": "ep"})
    res = await double.invoke(GUILD, GENERAL, ANA, "release move", {"release": "ep one", "date": "in 120 days"})
    assert "relative tasks moved by +30 days" in res.content
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "release task-add",
        {"release": "#1", "title": "Order vinyl test pressings", "due": "someday"},
    )
    assert res.ephemeral and res.content.startswith("⚠️ Couldn't read `someday`")
    choices = await double.autocomplete(
        GUILD, GENERAL, ANA, "release tick", {"release": "#1", "task": "upload"}, focused="task"
    )
    assert choices == [{"name": "#7 · Upload to the distributor", "value": "#7"}]
    res = await double.invoke(GUILD, GENERAL, ANA, "release delete", {"release": "#1"})
    ok = await double.click(res.message, res.components[0]["components"][0]["custom_id"], ANA)
    assert ok.content == "🗑️ Deleted release #1 **EP One** and its nudges."
    res = await double.invoke(GUILD, GENERAL, ANA, "release list", {})
    assert res.embeds[0]["description"] == "No releases yet. Plan one with `/release add`."


async def test_release_metadata_distributor_upc_and_isrcs(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": IN_90_DAYS})
    res = await double.invoke(
        GUILD, GENERAL, ANA, "release info", {"release": "#1", "distributor": "DistroKid", "upc": "0360 0029 1452"}
    )
    assert res.content == "✏️ Release #1 updated."
    res = await double.invoke(
        GUILD, GENERAL, ANA, "release track", {"release": "#1", "title": "Night Drive", "isrc": "GB-XYZ-27-00001"}
    )
    fields = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}
    assert fields == {"Distributor": "DistroKid", "UPC": "036000291452", "Tracks": "1. Night Drive · GBXYZ2700001"}
    res = await double.invoke(GUILD, GENERAL, BEN, "release info", {"release": "#1", "upc": "-"})
    assert res.ephemeral and res.content == "🚫 Only the people it belongs to, or a manager, can change release #1."

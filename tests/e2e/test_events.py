"""Show events end to end: a confirmed show with a time becomes one Discord Scheduled Event, an edit
updates it, a cancel deletes it; a hold gets none; without Manage Events the show is still saved and
the reply says why (once per server); an import past Discord's 100 upcoming events says how many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, GENERAL, GUILD

DAY = datetime.now(UTC).date() + timedelta(days=40)


def events(double: DiscordDouble) -> list[dict]:
    return list(double.scheduled_events.get(GUILD, {}).values())


async def test_confirmed_show_event_created_updated_deleted(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "settings act-name", {"name": "The Night Shift"})
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "tour add",
        {
            "date": DAY.isoformat(),
            "city": "Berlin",
            "venue": "SO36",
            "doors": "19:00",
            "set_time": "20:30",
            "timezone": "Europe/Berlin",
            "country": "Germany",
        },
    )
    assert res.content == "🎫 Show #1 added."  # an event, silently
    [ev] = events(double)
    start = datetime.combine(DAY, datetime.min.time().replace(hour=20, minute=30), tzinfo=ZoneInfo("Europe/Berlin"))
    assert ev["name"] == "The Night Shift @ SO36, Berlin"
    assert ev["entity_type"] == 3 and ev["privacy_level"] == 2
    assert ev["entity_metadata"] == {"location": "SO36, Berlin, Germany"}
    assert datetime.fromisoformat(ev["scheduled_start_time"]) == start
    assert datetime.fromisoformat(ev["scheduled_end_time"]) == start + timedelta(hours=3)
    assert ev["description"].startswith("Doors 19:00 · Set 20:30 (venue time, Europe/Berlin)")

    await double.invoke(GUILD, GENERAL, ANA, "tour edit", {"show": "#1", "set_time": "21:00", "venue": "Lido"})
    [ev2] = events(double)
    assert ev2["id"] == ev["id"] and ev2["name"] == "The Night Shift @ Lido, Berlin"
    assert datetime.fromisoformat(ev2["scheduled_start_time"]) == start + timedelta(minutes=30)
    assert datetime.fromisoformat(ev2["scheduled_end_time"]) == start + timedelta(minutes=30, hours=3)
    # a curfew ends the event (00:30 follows the evening set: the next day, venue time)
    await double.invoke(GUILD, GENERAL, ANA, "tour edit", {"show": "#1", "curfew": "00:30"})
    [ev3] = events(double)
    assert ev3["id"] == ev["id"]
    curfew = datetime.combine(DAY + timedelta(days=1), datetime.min.time().replace(minute=30), tzinfo=start.tzinfo)
    assert datetime.fromisoformat(ev3["scheduled_end_time"]) == curfew
    assert ev3["scheduled_end_time"] == curfew.astimezone(UTC).isoformat()

    await double.invoke(GUILD, GENERAL, ANA, "tour cancel", {"show": "#1"})
    assert events(double) == []

    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "tour add",
        {"date": DAY.isoformat(), "city": "Köln", "venue": "Luxor", "set_time": "20:00", "status": "hold"},
    )
    assert events(double) == []  # a hold is not an event ...
    await double.invoke(GUILD, GENERAL, ANA, "tour edit", {"show": "#2", "status": "confirmed"})
    assert [e["name"] for e in events(double)] == ["The Night Shift @ Luxor, Köln"]  # ... until confirmed
    await double.invoke(GUILD, GENERAL, ANA, "settings act-name", {"name": "-"})
    await double.invoke(GUILD, GENERAL, ANA, "tour edit", {"show": "#2", "doors": "19:00"})
    assert [e["name"] for e in events(double)] == ["Band HQ @ Luxor, Köln"]  # the server's name
    res = await double.invoke(GUILD, GENERAL, ANA, "tour delete", {"show": "#2"})
    await double.click(res.message, res.components[0]["components"][0]["custom_id"], ANA)
    assert events(double) == []
    assert double.rejections == []


async def test_without_manage_events_the_show_is_saved_and_the_reply_says_why(
    double: DiscordDouble, bot: Roadie
) -> None:
    double.set_bot_can_manage_events(GUILD, False)
    opts = {"date": DAY.isoformat(), "city": "Leeds", "venue": "Brudenell", "set_time": "20:00"}
    res = await double.invoke(GUILD, GENERAL, ANA, "tour add", opts)
    assert res.content.startswith(
        "🎫 Show #1 added.\n📅 No Discord event for this show: Roadie needs the **Manage Events**"
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "tour show", {"show": "#1"})
    assert res.embeds[0]["title"].endswith("· Leeds · Brudenell")  # saved
    res = await double.invoke(GUILD, GENERAL, ANA, "tour add", {**opts, "city": "York", "venue": "Fibbers"})
    assert res.content == "🎫 Show #2 added."  # said once per server
    assert events(double) == []
    assert [r["code"] for r in double.rejections] == [50013, 50013]
    double.rejections.clear()
    double.set_bot_can_manage_events(GUILD, True)  # granted: the next change makes the event
    await double.invoke(GUILD, GENERAL, ANA, "tour edit", {"show": "#1", "set_time": "20:30"})
    assert [e["name"] for e in events(double)] == ["Band HQ @ Brudenell, Leeds"]
    res = await double.invoke(GUILD, GENERAL, ANA, "settings events", {"enabled": False})
    await double.invoke(GUILD, GENERAL, ANA, "tour edit", {"show": "#1", "set_time": "21:00"})
    assert events(double) == []  # turned off: its event goes with the next change


async def test_import_past_100_events_says_how_many_got_one(double: DiscordDouble, bot: Roadie) -> None:
    rows = "\n".join(f"{(DAY + timedelta(days=i)).isoformat()},City {i},Venue {i},19:00" for i in range(103))
    csv = f"Date,City,Venue,Doors\n{rows}\n".encode()
    res = await double.invoke(GUILD, GENERAL, ANA, "tour import", {"file": {"filename": "t.csv", "content": csv}})
    await double.wait_until(lambda: len(res.followups) >= 2, timeout=60, what="the import report")
    report = res.followups[1]["content"]
    assert report.endswith(
        "📅 100 show(s) got Discord events; 3 didn't: the server reached Discord's limit of 100 upcoming events."
    )
    assert len(events(double)) == 100
    assert {r["code"] for r in double.rejections} == {30038}
    double.rejections.clear()

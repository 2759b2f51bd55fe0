"""/tour end to end: add, list, show, edit, cancel, delete, import (.ics, .csv) and export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, CARA, G2_CHANNEL, GENERAL, GUILD, GUILD2

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NEXT_YEAR = datetime.now(UTC).year + 1


async def report_of(double: DiscordDouble, res) -> str:  # type: ignore[no-untyped-def]
    """The public import report: the second followup (the first privately says it's done)."""
    await double.wait_until(lambda: len(res.followups) >= 2, timeout=10, what="the import report")
    assert res.followups[0]["content"] == "Done: the import report is posted in the channel."
    assert res.followups[0]["ephemeral"] and not res.followups[1]["ephemeral"]
    return res.followups[1]["content"]


def ts(d: date, t: time, zone: str) -> int:
    return int(datetime.combine(d, t, tzinfo=ZoneInfo(zone)).timestamp())


async def test_tokyo_show_day_sheet_from_a_new_york_server(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "America/New_York"})
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "tour add",
        {
            "date": f"{NEXT_YEAR}-04-03",
            "city": "Tokyo",
            "venue": "Zepp Haneda",
            "country": "Japan",
            "timezone": "Asia/Tokyo",
            "load_in": "14:00",
            "doors": "18:00",
            "set_time": "19:30",
            "status": "hold-2",
            "capacity": 2700,
            "tickets": "https://tickets.example/zepp",
        },
    )
    assert res.content == "🎫 Show #1 added."
    d = date(NEXT_YEAR, 4, 3)
    sheet = res.embeds[0]
    assert sheet["title"] == f"{d:%a} 3 Apr {NEXT_YEAR} · Tokyo · Zepp Haneda"
    assert sheet["description"] == (
        "⏳ **hold (2nd)** · Zepp Haneda, Tokyo, Japan\nTimes are venue time (Asia/Tokyo); the timestamps show yours."
    )
    fields = {f["name"]: f["value"] for f in sheet["fields"]}
    assert fields["Schedule"] == "\n".join(
        [
            f"Load-in: **14:00** · <t:{ts(d, time(14), 'Asia/Tokyo')}:t>",
            f"Doors: **18:00** · <t:{ts(d, time(18), 'Asia/Tokyo')}:t>",
            f"Set: **19:30** · <t:{ts(d, time(19, 30), 'Asia/Tokyo')}:t>",
        ]
    )
    assert fields["Capacity"] == "2,700"
    res = await double.invoke(GUILD, GENERAL, BEN, "tour show", {"show": "zepp"})
    assert res.embeds[0]["title"] == sheet["title"]
    choices = await double.autocomplete(GUILD, GENERAL, BEN, "tour show", {"show": "tok"}, focused="show")
    assert choices == [{"name": f"#1 · {d:%a} 3 Apr {NEXT_YEAR} · Tokyo · Zepp Haneda", "value": "#1"}]


async def test_add_list_edit_cancel_delete(double: DiscordDouble, bot: Roadie) -> None:
    for day, city, venue in (("05-02", "Detroit", "El Club"), ("05-01", "Chicago", "Metro")):
        res = await double.invoke(
            GUILD, GENERAL, ANA, "tour add", {"date": f"{NEXT_YEAR}-{day}", "city": city, "venue": venue}
        )
        assert res.content.startswith("🎫 Show #")
    res = await double.invoke(GUILD, GENERAL, BEN, "tour list", {})
    d1, d2 = date(NEXT_YEAR, 5, 1), date(NEXT_YEAR, 5, 2)
    assert res.embeds[0]["description"] == (
        f"`#2` **{d1:%a} 1 May {NEXT_YEAR}** · Chicago · Metro · ✅ confirmed\n"
        f"`#1` **{d2:%a} 2 May {NEXT_YEAR}** · Detroit · El Club · ✅ confirmed"
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "tour edit", {"show": "#1", "doors": "19:00", "set_time": "18:00"})
    assert res.ephemeral and res.content == (
        "⚠️ Set 18:00 is before Doors 19:00. Times are venue-local on the show's date (a time before 06:00 after "
        "an evening time counts as after midnight); check them."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "tour edit", {"show": "#1", "doors": "19:00", "notes": "Merch"})
    assert res.content == "✏️ Show #1 updated."
    res = await double.invoke(GUILD, GENERAL, ANA, "tour cancel", {"show": "detroit"})
    assert res.content == "🚫 Show #1 is cancelled."
    res = await double.invoke(GUILD, GENERAL, ANA, "tour list", {})
    assert res.embeds[0]["description"].endswith("· Detroit · El Club · 🚫 cancelled")
    res = await double.invoke(GUILD, GENERAL, ANA, "tour delete", {"show": "#2"})
    confirm = res.components[0]["components"][0]["custom_id"]
    done = await double.click(res.message, confirm, ANA)
    assert done.content == f"🗑️ Deleted show #2 ({d1:%a} 1 May {NEXT_YEAR}, Chicago) and its nudges."
    res = await double.invoke(GUILD2, G2_CHANNEL, CARA, "tour list", {"when": "all"})
    assert res.embeds[0]["description"] == "No shows here. Add one with `/tour add` or `/tour import`."


async def test_bad_input_is_an_ephemeral_error(double: DiscordDouble, bot: Roadie) -> None:
    cases = [
        ({"timezone": "Mars/Base"}, "⚠️ `Mars/Base` is not an IANA time zone."),
        ({"doors": "25:00"}, "⚠️ Doors: `25:00` is not a time of day (use 00:00 to 23:59)."),
        ({"date": "someday"}, "⚠️ Couldn't read `someday` as a date or time."),
    ]
    for extra, message in cases:
        res = await double.invoke(
            GUILD,
            GENERAL,
            ANA,
            "tour add",
            {"date": f"{NEXT_YEAR}-01-10", "city": "Oslo", "venue": "Rockefeller", **extra},
        )
        assert res.ephemeral and res.content.startswith(message), res.content
    res = await double.invoke(GUILD, GENERAL, ANA, "tour list", {"when": "all"})
    assert res.embeds[0]["description"].startswith("No shows here.")


async def test_import_ics_then_csv_then_reimport_then_export(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "Europe/Amsterdam"})
    ics = (FIXTURES / "google_tour.ics").read_bytes().replace(b"2027", str(NEXT_YEAR).encode())
    res = await double.invoke(GUILD, GENERAL, ANA, "tour import", {"file": {"filename": "tour.ics", "content": ics}})
    assert res.type == 5  # deferred: imports can be slow
    assert await report_of(double, res) == (
        f"📥 <@{ANA}> imported `tour.ics` (ICS): **3** added, **0** updated, **1** skipped.\n"
        "• event 4 (Band practice): no city in LOCATION (write it as \\`Venue, City, Country\\`)\n"
        "ℹ️ 2 event(s) gave no venue time zone; read in Europe/Berlin (the calendar's own time zone). Fix "
        "any that are elsewhere with \\`/tour edit show timezone:\\`.\n"
        "See them with `/tour list`.\n"
        "📅 1 show(s) got Discord events."  # the confirmed one with a time (the holds get none)
    )
    csv = (
        f"Date,City,Venue,Doors\n{NEXT_YEAR}-04-03,Berlin,Huxleys Neue Welt,19:30\n"
        f"{NEXT_YEAR}-04-20,Prague,Lucerna,20:00\n"
    ).encode()
    res = await double.invoke(GUILD, GENERAL, ANA, "tour import", {"file": {"filename": "more.csv", "content": csv}})
    assert (await report_of(double, res)).startswith(
        f"📥 <@{ANA}> imported `more.csv` (CSV): **1** added, **1** updated, **0** skipped."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "tour import", {"file": {"filename": "tour.ics", "content": ics}})
    assert "**0** added, **3** updated" in await report_of(double, res)
    res = await double.invoke(GUILD, GENERAL, ANA, "tour list", {"when": "all"})
    assert res.embeds[0]["footer"]["text"] == "Page 1/1 · 4 show(s) · dates are venue-local"

    res = await double.invoke(GUILD, GENERAL, ANA, "tour export", {"when": "all"})
    await res.wait_final()
    [att] = res.message["attachments"]
    assert att["filename"] == "tour-dates.ics"
    cal = Calendar.from_ical(bytes(att["content"]))
    events = {str(e["LOCATION"]).split(",")[1].strip(): e for e in cal.walk("VEVENT")}
    assert sorted(events) == ["Amsterdam", "Berlin", "London", "Prague"]
    # Berlin: doors 20:00 from the ICS, 19:30 from the CSV, then 20:00 again from the re-imported ICS
    assert events["Berlin"].decoded("DTSTART") == datetime(NEXT_YEAR, 4, 3, 20, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert str(events["Amsterdam"]["STATUS"]) == "TENTATIVE"
    assert str(events["Berlin"]["UID"]) == "7kq1n2berlin@google.com"


async def test_unusable_file_is_a_clear_error(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "tour import",
        {"file": {"filename": "notes.csv", "content": b"Date,City\n2027-01-01,Paris\n"}},
    )
    await res.wait_final()
    assert res.message["ephemeral"] and res.message["content"].startswith("⚠️ The CSV is missing the column(s) `venue`.")
    res = await double.invoke(GUILD, GENERAL, ANA, "tour list", {"when": "all"})
    assert res.embeds[0]["description"].startswith("No shows here.")

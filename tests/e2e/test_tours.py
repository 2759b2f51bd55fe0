"""/tour end to end: add, list, show, edit, cancel, delete, import (.ics, .csv) and export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.roadie import Roadie
from bot.services.tours import format_day
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, CARA, G2_CHANNEL, GENERAL, GUILD, GUILD2

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NEXT_YEAR = datetime.now(UTC).year + 1


async def report_of(double: DiscordDouble, res) -> str:  # type: ignore[no-untyped-def]
    """The public import report: the second followup (the first privately says it's done)."""
    # the first import of a process may wait for the city table (zone inference) to load: a few seconds
    await double.wait_until(lambda: len(res.followups) >= 2, timeout=30, what="the import report")
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
        "⏳ **hold (2nd)** · Zepp Haneda, Tokyo, Japan\n"
        "Times are venue time (Asia/Tokyo); the timestamps show your date and time."
    )
    fields = {f["name"]: f["value"] for f in sheet["fields"]}
    assert fields["Schedule"] == "\n".join(
        [
            f"Load-in: **14:00** · <t:{ts(d, time(14), 'Asia/Tokyo')}:f>",
            f"Doors: **18:00** · <t:{ts(d, time(18), 'Asia/Tokyo')}:f>",
            f"Set: **19:30** · <t:{ts(d, time(19, 30), 'Asia/Tokyo')}:f>",
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
        "• event 4 (Band practice): no LOCATION (where is the show?)\n"
        "ℹ️ Venue zone inferred from the place (the file gave none): Amsterdam, NL → Europe/Amsterdam (#2); "
        "London, GB → Europe/London (#3).\n"
        "See them with `/tour list`."
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


OUTLOOK_ICS = """BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16011104T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000000
SUMMARY:Live at Bowery Ballroom
DTSTART;TZID=Eastern Standard Time:NEXTYR1028T200000
DTEND;TZID=Eastern Standard Time:NEXTYR1028T230000
LOCATION:Bowery Ballroom\\, New York\\, USA
END:VEVENT
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000001
SUMMARY:Tree Pittsburgh
DTSTART:NEXTYR0905T214500Z
LOCATION:Tree Pittsburgh\\, Pittsburgh\\, USA
END:VEVENT
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000002
SUMMARY:The Shed
DTSTART:NEXTYR1001T023000Z
LOCATION:The Shed\\, Qwxyzville\\, USA
END:VEVENT
END:VCALENDAR
"""


async def test_outlook_calendar_with_windows_zones_then_keep_instant_fix(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "Europe/Berlin"})
    data = OUTLOOK_ICS.replace("NEXTYR", str(NEXT_YEAR)).encode()
    res = await double.invoke(
        GUILD, GENERAL, ANA, "tour import", {"file": {"filename": "outlook.ics", "content": data}}
    )
    report = await report_of(double, res)
    assert report == (
        f"📥 <@{ANA}> imported `outlook.ics` (ICS): **3** added, **0** updated, **0** skipped.\n"
        "ℹ️ Time zones the file names its own way, read: `Eastern Standard Time` as America/New\\_York (#1).\n"
        "ℹ️ Venue zone inferred from the place (the file gave none): Pittsburgh, US → America/New\\_York (#2).\n"
        "ℹ️ 1 show(s) (#3) had no venue time zone; assumed Europe/Berlin (this server's time zone); the file gave "
        "UTC times: fix with `/tour edit show:#N timezone:Area/City keep:instant` (keeps the instant).\n"
        "See them with `/tour list`."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "tour show", {"show": "#1"})
    sheet = res.embeds[0]
    assert sheet["title"] == f"{format_day(date(NEXT_YEAR, 10, 28))} · New York · Bowery Ballroom"
    assert "Times are venue time (America/New_York)" in sheet["description"]
    ny = ts(date(NEXT_YEAR, 10, 28), time(20), "America/New_York")
    assert sheet["fields"][0]["value"] == f"Doors: **20:00** · <t:{ny}:f>"
    res = await double.invoke(GUILD, GENERAL, ANA, "tour show", {"show": "#2"})
    assert res.embeds[0]["fields"][0]["value"].startswith("Doors: **17:45** · ")
    # the report's fix for #3: re-zone keeping the instant the file gave (02:30 UTC = 22:30 the day before in NY)
    res = await double.invoke(
        GUILD, GENERAL, ANA, "tour edit", {"show": "#3", "timezone": "America/New_York", "keep": "instant"}
    )
    sheet = res.embeds[0]
    assert sheet["title"] == f"{format_day(date(NEXT_YEAR, 9, 30))} · Qwxyzville · The Shed"
    utc = int(datetime(NEXT_YEAR, 10, 1, 2, 30, tzinfo=UTC).timestamp())
    assert sheet["fields"][0]["value"] == f"Doors: **22:30** · <t:{utc}:f>"


async def test_month_first_csv_on_a_day_first_server(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "settings timezone", {"tz": "Europe/Berlin"})
    await double.invoke(GUILD, GENERAL, ANA, "settings date-order", {"order": "day-first"})
    csv = f"date,city,venue,doors\n10/24/{NEXT_YEAR},Boston,Paradise,19:00\n11/4/{NEXT_YEAR},Chicago,Metro,20:00\n"
    res = await double.invoke(
        GUILD, GENERAL, ANA, "tour import", {"file": {"filename": "us.csv", "content": csv.encode()}}
    )
    assert await report_of(double, res) == (
        f"📥 <@{ANA}> imported `us.csv` (CSV): **2** added, **0** updated, **0** skipped.\n"
        f"ℹ️ Dates read month-first (MM/DD/YYYY): row 2 has `10/24/{NEXT_YEAR}`.\n"
        "ℹ️ Venue zone inferred from the place (the file gave none): Boston → America/New\\_York (Boston, US) "
        "(#1); Chicago → America/Chicago (#2).\n"
        "See them with `/tour list`."
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "tour show", {"show": "#2"})
    assert res.embeds[0]["title"] == f"{format_day(date(NEXT_YEAR, 11, 4))} · Chicago · Metro"
    assert res.embeds[0]["fields"][0]["value"].startswith("Doors: **20:00** · ")
    assert "Times are venue time (America/Chicago)" in res.embeds[0]["description"]


async def test_import_report_keeps_its_own_markdown_and_escapes_the_users(double: DiscordDouble, bot: Roadie) -> None:
    csv = (
        f"Date,City,Venue,Doors\n{NEXT_YEAR}-04-03,Berlin,Huxleys,25:00\n"
        f"{NEXT_YEAR}-04-05,Brisbane,*The* `Tivoli`,19:00\n"
    ).encode()
    res = await double.invoke(GUILD, GENERAL, ANA, "tour import", {"file": {"filename": "t.csv", "content": csv}})
    report = await report_of(double, res)
    assert "(#1): Doors `25:00` (Doors: `25:00` is not a time of day (use 00:00 to 23:59))" in report  # no \` shown
    assert "\\`" not in report
    res = await double.invoke(GUILD, GENERAL, ANA, "tour list", {"when": "all"})
    assert "· Brisbane · \\*The\\* \\`Tivoli\\` ·" in res.embeds[0]["description"]  # the user's text stays literal


async def test_a_date_with_no_such_month_suggests_its_own_iso_form(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": f"3/20/{NEXT_YEAR}", "text": "x"})
    assert res.ephemeral and res.content == (
        f"⚠️ `3/20/{NEXT_YEAR}` has no month 20: this server writes dates day-first (DD/MM/YYYY). "
        f"Type it as ISO (e.g. `{NEXT_YEAR}-03-20`) or change `/settings date-order`."
    )

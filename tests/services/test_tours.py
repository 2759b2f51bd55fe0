"""Tour dates on a real SQLite file: venue-local times, nudges, import/export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.db.models import Nudge, Show
from bot.features import nudge_kinds
from bot.services import settings, tour_files, tours
from bot.services.errors import InvalidInput, NotFound
from bot.timeparse import format_local
from bot.uow import UnitOfWork

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1, G2 = 111, 222
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


async def fields(session, guild=G1, **kw):  # type: ignore[no-untyped-def]
    cfg = await settings.get_config(session, guild)
    date_text = kw.pop("date", None)
    return tours.parse_fields(cfg, NOW.astimezone(cfg.tz).date(), date_text=date_text, **kw)


async def add(session, guild=G1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("date", "2027-04-03")
    kw.setdefault("city", "Berlin")
    kw.setdefault("venue", "Huxleys")
    f = await fields(session, guild, **kw)
    return await tours.add_show(session, guild, f, author_id=5, channel_id=50, now=NOW)


async def show_nudges(session, show):  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(Nudge)
        .where(Nudge.ref_id == show.id, Nudge.kind.like("show_%"), Nudge.status == "pending")
        .order_by(Nudge.due_at)
    )
    return [(n.kind, n.due_at) for n in rows]


async def test_tokyo_show_from_a_new_york_server_keeps_tokyo_day_and_times(session) -> None:
    await settings.set_timezone(session, G1, "America/New_York", can_manage=True)
    await session.commit()
    s = await add(
        session,
        date="2027-04-03",
        city="Tokyo",
        venue="Zepp Haneda",
        timezone="Asia/Tokyo",
        load_in="14:00",
        doors="18:00",
        set_time="19:30",
    )
    assert (s.date, s.timezone, s.doors, s.set_time) == (date(2027, 4, 3), "Asia/Tokyo", time(18), time(19, 30))
    # 18:00 JST on 3 Apr is 05:00 in New York on the same day; 19:30 JST is 06:30 NY
    assert format_local(tours.instant(s, s.doors), ZoneInfo("America/New_York")) == "Sat 3 Apr 2027 05:00"
    assert tours.format_day(s.date) == "Sat 3 Apr 2027"
    tokyo = ZoneInfo("Asia/Tokyo")
    assert [(k, format_local(t, tokyo)) for k, t in await show_nudges(session, s)] == [
        ("show_eve", "Fri 2 Apr 2027 18:00"),
        ("show_day", "Sat 3 Apr 2027 09:00"),
    ]


async def test_date_without_zone_uses_the_servers(session) -> None:
    await settings.set_timezone(session, G1, "Europe/Berlin", can_manage=True)
    await session.commit()
    s = await add(session, doors="20:00")
    assert s.timezone == "Europe/Berlin"
    assert tours.instant(s, s.doors) == datetime(2027, 4, 3, 18, 0, tzinfo=UTC)  # CEST


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"timezone": "Mars/Base"}, "`Mars/Base` is not an IANA time zone."),
        ({"doors": "25:00"}, "Doors: `25:00` is not a time of day"),
        ({"doors": "20:00", "set_time": "19:00"}, "Set 19:00 is before Doors 20:00."),
        ({"date": "14 March"}, "`14 March` has no year and Sat 14 Mar 2026 has passed. Add the year: `2026-03-14`"),
        ({"date": "whenever"}, "Couldn't read `whenever`"),
        ({"tickets": "tickets.example"}, "Tickets must be a plain web link"),
        ({"tickets": "https://a.example/)[x](https://evil.example"}, "Tickets must be a plain web link"),
        (
            {"timezone": "EST"},
            "`EST` is an abbreviation without daylight-saving rules. Use the place: `America/New_York`.",
        ),
        ({"city": "-"}, "A show always has a city; give a new one instead of `-`."),
        ({"status": "maybe"}, "Status `maybe` isn't one of"),
        ({"city": "x" * 101}, "City is 101 characters; keep it to 100."),
    ],
)
async def test_bad_show_input_stores_nothing(session, kw, message) -> None:
    with pytest.raises(InvalidInput) as err:
        await add(session, **kw)
    assert str(err.value).startswith(message), str(err.value)
    assert (await session.scalars(select(Show))).all() == []


async def test_date_without_year_still_ahead_is_fine(session) -> None:
    s = await add(session, date="14 December")
    assert s.date == date(2026, 12, 14)


async def test_edit_cancel_delete_and_nudges(session) -> None:
    s = await add(session, doors="19:00")
    assert len(await show_nudges(session, s)) == 2
    f = await fields(session, date="2027-05-01", status="hold-2", capacity="1,200", notes="Bring the spare amp")
    s = await tours.edit_show(session, G1, "#1", f, now=NOW)
    assert (s.date, s.status, s.hold_rank, s.capacity) == (date(2027, 5, 1), "hold", 2, 1200)
    assert tours.status_label(s) == "hold (2nd)"
    assert [t.date() for _, t in await show_nudges(session, s)] == [date(2027, 4, 30), date(2027, 5, 1)]
    f = await fields(session, doors="-")
    s = await tours.edit_show(session, G1, "huxleys", f, now=NOW)
    assert s.doors is None
    s = await tours.cancel_show(session, G1, "berlin", now=NOW)
    assert s.status == "cancelled" and await show_nudges(session, s) == []
    with pytest.raises(InvalidInput):
        await tours.cancel_show(session, G1, "#1", now=NOW)
    await tours.delete_show(session, G1, s.id, now=NOW)
    with pytest.raises(NotFound):
        await tours.get_show(session, G1, "#1")
    assert await tours.list_shows(session, G1, "all", now=NOW) == []


async def test_list_upcoming_past_all_and_isolation(session) -> None:
    await add(session, date="2026-10-01", venue="Old")
    await add(session, date="2027-06-01", venue="Later")
    await add(session, date="2027-01-01", venue="Sooner")
    await add(session, G2, date="2027-02-02", venue="Other band's")
    assert [s.venue for s in await tours.list_shows(session, G1, "upcoming", now=NOW)] == ["Sooner", "Later"]
    assert [s.venue for s in await tours.list_shows(session, G1, "past", now=NOW)] == ["Old"]
    assert [s.venue for s in await tours.list_shows(session, G1, "all", now=NOW)] == ["Old", "Sooner", "Later"]
    assert await tours.count_shows(session, G2, "all", now=NOW) == 1
    assert [v for _, v in await tours.autocomplete(session, G1, "", now=NOW)] == ["#3", "#2", "#1"]
    with pytest.raises(NotFound):
        await tours.get_show(session, G2, "Sooner")


async def test_import_google_calendar_ics(session) -> None:
    await settings.set_timezone(session, G1, "Europe/Amsterdam", can_manage=True)
    await session.commit()
    data = (FIXTURES / "google_tour.ics").read_bytes()
    report = await tour_files.import_shows(session, G1, data, "tour.ics", author_id=5, channel_id=50, now=NOW)
    assert (report.kind, report.added, report.updated) == ("ics", 3, 0)
    assert report.skipped == [("event 4 (Band practice)", "no LOCATION (where is the show?)")]
    shows = {s.city: s for s in await tours.list_shows(session, G1, "all", now=NOW)}
    berlin, ams, london = shows["Berlin"], shows["Amsterdam"], shows["London"]
    assert (berlin.venue, berlin.country, berlin.timezone, berlin.doors, berlin.status) == (
        "Huxleys Neue Welt",
        "Germany",
        "Europe/Berlin",
        time(20, 0),
        "confirmed",
    )
    assert berlin.notes == "Support: The Openers, then us."
    # a UTC time with no zone keeps its instant in the venue's zone, inferred from the place: 19:00Z
    # in April is 21:00 in Amsterdam; TENTATIVE is a first hold
    assert (ams.venue, ams.timezone, ams.doors, ams.status, ams.hold_rank) == (
        "Paradiso",
        "Europe/Amsterdam",
        time(21, 0),
        "hold",
        1,
    )
    assert (london.venue, london.date, london.doors, london.timezone) == (
        "O2 Academy Brixton",
        date(2027, 4, 10),
        None,
        "Europe/London",
    )
    assert report.notes == [
        "Venue zone inferred from the place (the file gave none): Amsterdam, NL → Europe/Amsterdam (#2); "
        "London, GB → Europe/London (#3)."
    ]
    again = await tour_files.import_shows(session, G1, data, "tour.ics", author_id=5, channel_id=50, now=NOW)
    assert (again.added, again.updated) == (0, 3)
    assert await tours.count_shows(session, G1, "all", now=NOW) == 3


CSV = """Date,City,Venue,Country,State,Doors,Set Time,Ticket Link,Status,Capacity
2027-05-01,Chicago,Metro,USA,IL,19:00,21:00,https://tix.example/metro,confirmed,1100
2027-05-02,Detroit,El Club,USA,MI,8pm,9:30pm,,hold-2,
2027-05-03,Toronto,,Canada,ON,19:00,20:00,,,
2027-05-04,Montreal,Fairmount,Canada,QC,20:00,19:00,,,
13/06/2027,Boston,Paradise,USA,MA,,,,,
"""


async def test_import_csv_with_skip_report_and_reimport(session) -> None:
    report = await tour_files.import_shows(session, G1, CSV.encode(), "dates.csv", author_id=5, channel_id=50, now=NOW)
    assert (report.kind, report.added, report.updated) == ("csv", 3, 0)
    assert report.skipped == [
        ("row 4", "no venue"),
        (
            "row 5",
            "Set 19:00 is before Doors 20:00. Times are "
            "venue-local on the show's date (a time before 06:00 "
            "after an evening time counts as after midnight); "
            "check them",
        ),
    ]
    shows = {s.city: s for s in await tours.list_shows(session, G1, "all", now=NOW)}
    assert (shows["Chicago"].region, shows["Chicago"].capacity, shows["Chicago"].ticket_url) == (
        "IL",
        1100,
        "https://tix.example/metro",
    )
    assert (shows["Detroit"].doors, shows["Detroit"].set_time, tours.status_label(shows["Detroit"])) == (
        time(20),
        time(21, 30),
        "hold (2nd)",
    )
    assert shows["Boston"].date == date(2027, 6, 13)  # 13 can only be the day
    fixed = CSV.replace(",Toronto,,", ",Toronto,Danforth,").replace("Metro,USA,IL,19:00", "Metro,USA,IL,18:30")
    again = await tour_files.import_shows(session, G1, fixed.encode(), "dates.csv", author_id=5, channel_id=50, now=NOW)
    assert (again.added, again.updated, len(again.skipped)) == (1, 3, 1)
    assert (await tours.get_show(session, G1, "chicago")).doors == time(18, 30)
    assert await tours.count_shows(session, G1, "all", now=NOW) == 4


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "x.csv", "That file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "`photo.png` is not a calendar (.ics)"),
        (b"Date,City\n2027-01-01,Paris\n", "x.csv", "The CSV is missing the column(s) `venue`."),
        (
            b"date,city,venue\n,,\n2027-01-01,,\n",
            "x.csv",
            "No usable rows in that file, so nothing was imported: row 3: no venue.",
        ),
        (b"BEGIN:VCALENDAR\nthis is not ical", "x.ics", "That .ics file can't be read as a calendar"),
        (b"x" * 1_000_001, "big.csv", "That file is 1,000,001 bytes; the limit is 1,000,000 (1 MB)."),
        (
            b"date,city,venue\n0001-01-01,Paris,Zenith\n",
            "x.csv",
            "No usable rows in that file, so nothing was imported: row 2: date 0001-01-01 is out of range",
        ),
        (
            b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:99991231\nLOCATION:V, C\nEND:VEVENT\nEND:VCALENDAR\n",
            "x.ics",
            "No usable events in that file, so nothing was imported: event 1: date 9999-12-31 is out of range",
        ),
    ],
)
async def test_unusable_files_store_nothing(session, data, name, message) -> None:
    with pytest.raises(InvalidInput) as err:
        await tour_files.import_shows(session, G1, data, name, author_id=5, channel_id=50, now=NOW)
    assert str(err.value).startswith(message), str(err.value)
    assert (await session.scalars(select(Show))).all() == []


async def test_ten_thousand_rows_is_a_clear_error(session) -> None:
    rows = "".join(f"2027-01-{1 + i % 28:02d},City{i},Venue{i}\n" for i in range(10_000))
    with pytest.raises(InvalidInput) as err:
        await tour_files.import_shows(
            session, G1, ("date,city,venue\n" + rows).encode(), "big.csv", author_id=5, channel_id=50, now=NOW
        )
    assert str(err.value) == "That CSV has more than 2,000 shows; import at most 2,000 at a time."
    assert (await session.scalars(select(Show))).all() == []


async def test_export_parses_back_to_the_same_shows_and_times(session) -> None:
    await settings.set_timezone(session, G1, "America/New_York", can_manage=True)
    await session.commit()
    await add(
        session,
        date="2027-04-03",
        city="Tokyo",
        venue="Zepp Haneda",
        timezone="Asia/Tokyo",
        load_in="14:00",
        doors="18:00",
        set_time="19:30",
        status="hold-2",
        capacity="2,700",
        tickets="https://t.example/z",
        support="Openers",
        notes="Bullet train at 10:00",
    )
    await add(session, date="2027-04-05", city="Osaka", venue="Namba Hatch", timezone="Asia/Tokyo")
    shows = await tours.list_shows(session, G1, "all", now=NOW)
    data = tour_files.export_ics(shows, now=NOW)
    cal = Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [s.uid for s in shows]
    tokyo = events[0]
    start = tokyo.decoded("DTSTART")
    assert start == datetime(2027, 4, 3, 18, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert tokyo["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert tokyo.decoded("DTEND") == datetime(2027, 4, 3, 21, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert (str(tokyo["STATUS"]), str(tokyo["LOCATION"])) == ("TENTATIVE", "Zepp Haneda, Tokyo")
    assert events[1].decoded("DTSTART") == date(2027, 4, 5)  # no times: an all-day event
    assert len(list(cal.walk("VTIMEZONE"))) == 1
    # and Roadie reads its own export back to identical shows (in another server)
    report = await tour_files.import_shows(session, G2, data, "tour-dates.ics", author_id=5, channel_id=50, now=NOW)
    assert (report.added, report.skipped) == (2, [])
    back = await tours.list_shows(session, G2, "all", now=NOW)
    cols = (
        "uid",
        "date",
        "city",
        "venue",
        "timezone",
        "load_in",
        "soundcheck",
        "doors",
        "set_time",
        "status",
        "hold_rank",
        "capacity",
        "ticket_url",
        "support",
        "notes",
    )
    assert [[getattr(s, c) for c in cols] for s in back] == [[getattr(s, c) for c in cols] for s in shows]


async def test_show_nudges_fire_at_venue_times_with_the_right_text(sessionmaker) -> None:
    from bot.scheduling.dispatcher import NudgeDispatcher
    from tests.services.test_reminders_and_delivery import Clock, Recorder, deliver

    async with UnitOfWork(sessionmaker) as s:
        await settings.set_timezone(s, G1, "America/New_York", can_manage=True)
        await s.commit()
        await add(
            s,
            date="2027-04-03",
            city="Tokyo",
            venue="Zepp Haneda",
            timezone="Asia/Tokyo",
            load_in="14:00",
            doors="18:00",
            set_time="19:30",
            support="The Openers",
        )
    rec, clock = Recorder(), Clock(datetime(2027, 4, 2, 8, 59, 59, tzinfo=UTC))  # 17:59:59 in Tokyo
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    await deliver(d)
    assert rec.sent == []
    clock.t = datetime(2027, 4, 2, 9, 0, tzinfo=UTC)  # 18:00 Tokyo, the day before
    await deliver(d)
    eve = ts_of(date(2027, 4, 3), "Asia/Tokyo")
    assert [o.content for o in rec.sent] == [
        "🚐 Tomorrow, Sat 3 Apr 2027: **Tokyo** · Zepp Haneda (confirmed)\n"
        f"Load-in 14:00 (yours: <t:{eve(14, 0)}:f>) · Doors 18:00 (yours: <t:{eve(18, 0)}:f>) · "
        "venue time Asia/Tokyo\n"
        "Day sheet: `/tour show show:#1`"
    ]
    assert rec.sent[0].mention_user_ids == ()
    clock.t = datetime(2027, 4, 3, 0, 0, tzinfo=UTC)  # 09:00 Tokyo on the day
    await deliver(d)
    assert rec.sent[1].content.split("\n") == [
        "🎸 Show day, Sat 3 Apr 2027: **Tokyo** · Zepp Haneda (confirmed)",
        f"Load-in: 14:00 venue time (yours: <t:{eve(14, 0)}:f>)",
        f"Doors: 18:00 venue time (yours: <t:{eve(18, 0)}:f>)",
        f"Set: 19:30 venue time (yours: <t:{eve(19, 30)}:f>)",
        "Support: The Openers",
        "Day sheet: `/tour show show:#1`",
    ]


def ts_of(d: date, zone: str):  # type: ignore[no-untyped-def]
    return lambda h, m: int(datetime.combine(d, time(h, m), tzinfo=ZoneInfo(zone)).timestamp())


async def test_ics_edge_cases_are_reported_not_guessed(session) -> None:
    ics = b"""BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:weekly@x
DTSTART;TZID=Europe/Lisbon:20270505T210000
RRULE:FREQ=WEEKLY;COUNT=4
LOCATION:Musicbox, Lisbon, Portugal
END:VEVENT
BEGIN:VEVENT
UID:mars@x
DTSTART;TZID=Mars/Olympus:20270506T210000
LOCATION:Musicbox, Lisbon, Portugal
END:VEVENT
BEGIN:VEVENT
UID:rank@x
DTSTART;VALUE=DATE:20270507
LOCATION:Lux, Lisbon, Portugal
X-ROADIE-VENUE:Lux
X-ROADIE-CITY:Lisbon
X-ROADIE-STATUS:hold
X-ROADIE-HOLD-RANK:0
END:VEVENT
END:VCALENDAR
"""
    report = await tour_files.import_shows(session, G1, ics, "x.ics", author_id=5, channel_id=50, now=NOW)
    # the weekly series is read date by date (4 shows, UID + RECURRENCE-ID each); the unknown zone
    # is replaced by the one the place gives, and the report says so
    assert report.added == 5
    assert report.skipped == [("event 3", "Hold ranks start at 1 (first hold)")]
    assert report.notes == [
        "Venue zone inferred from the place (the file gave none): Lisbon, PT → Europe/Lisbon "
        "(the file's zone `Mars/Olympus` is unknown) (#1).",
        "Repeating events read date by date, 2025-11-29 to 2028-12-01: event 1 (4).",
    ]
    shows = await tours.list_shows(session, G1, "all", now=NOW)
    assert [(s.date, s.doors, s.timezone, s.uid) for s in shows][:2] == [
        (date(2027, 5, 5), time(21), "Europe/Lisbon", "weekly@x#20270505T210000"),
        (date(2027, 5, 6), time(21), "Europe/Lisbon", "mars@x"),
    ]


async def test_roadie_export_round_trips_without_location_guessing(session) -> None:
    await add(session, date="2027-04-03", city="Berlin", venue="SO36; Club, \\ x")
    shows = await tours.list_shows(session, G1, "all", now=NOW)
    data = tour_files.export_ics(shows, now=NOW)
    await tour_files.import_shows(session, G2, data, "t.ics", author_id=5, channel_id=50, now=NOW)
    [back] = await tours.list_shows(session, G2, "all", now=NOW)
    assert (back.venue, back.city, back.country, back.region) == ("SO36; Club, \\ x", "Berlin", None, None)


async def test_set_after_midnight_is_the_next_day(session) -> None:
    s = await add(session, date="2027-04-03", doors="22:00", set_time="00:30", timezone="Europe/Berlin")
    times = [(k, late, at) for k, _t, at, late in tours.schedule_times(s)]
    assert times == [
        ("doors", False, datetime(2027, 4, 3, 20, 0, tzinfo=UTC)),
        ("set_time", True, datetime(2027, 4, 3, 22, 30, tzinfo=UTC)),
    ]
    with pytest.raises(InvalidInput):
        await add(session, date="2027-04-04", doors="20:00", set_time="19:00")


async def test_a_refused_edit_leaves_the_show_unchanged(session) -> None:
    await add(session, doors="19:00", set_time="21:00")
    await session.commit()  # the add was its own unit of work
    with pytest.raises(InvalidInput):
        await tours.edit_show(session, G1, "#1", await fields(session, doors="23:00", set_time="22:00"), now=NOW)
    await session.rollback()
    s = await tours.get_show(session, G1, "#1")
    assert (s.doors, s.set_time) == (time(19), time(21))
    csv = b"date,city,venue,doors,set time\n2027-04-03,Berlin,Huxleys,23:00,21:00\n2027-04-09,Oslo,Sentrum,,\n"
    report = await tour_files.import_shows(session, G1, csv, "x.csv", author_id=5, channel_id=50, now=NOW)
    assert (report.updated, report.added, len(report.skipped)) == (0, 1, 1)
    s = await tours.get_show(session, G1, "#1")
    assert (s.doors, s.set_time) == (time(19), time(21))

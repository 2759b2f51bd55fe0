"""Tour import of the shapes real calendars and tour sheets come in (issue #13), each pinned with a
small input of our own and the exact values a user then sees in ``/tour show``: date, local times,
zone, venue, city, region, country; and what the report says was read, inferred or assumed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from bot.db.models import Show
from bot.services import ical_zones, places, settings, tour_files, tours
from bot.services.errors import InvalidInput

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G = 111


async def berlin(session) -> None:  # type: ignore[no-untyped-def]
    """A fresh server in Europe/Berlin with default settings (as the issue reproduced them)."""
    await settings.set_timezone(session, G, "Europe/Berlin", can_manage=True)
    await session.flush()


async def run(session, data: bytes | str, name: str = "x.csv"):  # type: ignore[no-untyped-def]
    raw = data.encode() if isinstance(data, str) else data
    return await tour_files.import_shows(session, G, raw, name, author_id=5, channel_id=50, now=NOW)


async def stored(session) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Each show as /tour show presents it: date, (doors, set), zone, venue, city, region, country."""
    rows = await session.scalars(select(Show).where(Show.guild_id == G).order_by(Show.number))
    return [(s.date, s.doors, s.set_time, s.timezone, s.venue, s.city, s.region, s.country) for s in rows]


def ics(*events: str, head: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{head}{body}END:VCALENDAR\n"


# --- 1. one date order per file ------------------------------------------------------------------


async def test_month_first_csv_is_read_month_first_on_a_day_first_server(session) -> None:
    await berlin(session)
    report = await run(session, "date,city,venue\n10/24/2027,Boston,Paradise\n11/4/2027,Chicago,Metro\n")
    assert (report.added, report.updated, report.skipped) == (2, 0, [])
    assert await stored(session) == [
        (date(2027, 10, 24), None, None, "America/New_York", "Paradise", "Boston", None, None),
        (date(2027, 11, 4), None, None, "America/Chicago", "Metro", "Chicago", None, None),
    ]
    assert report.notes[0] == "Dates read month-first (MM/DD/YYYY): row 2 has `10/24/2027`."
    assert report.notes[1] == (
        "Venue zone inferred from the place (the file gave none): Boston → America/New_York (Boston, US) (#1); "
        "Chicago → America/Chicago (#2)."
    )


async def test_day_first_proof_decides_for_every_row_and_contradicting_rows_are_skipped(session) -> None:
    await berlin(session)
    report = await run(session, "date,city,venue\n24/10/2027,Berlin,SO36\n04/11/2027,Berlin,Lido\n")
    assert [(d, v) for d, *_rest in await stored(session) for v in [_rest[3]]] == [
        (date(2027, 10, 24), "SO36"),
        (date(2027, 11, 4), "Lido"),
    ]
    assert report.notes[0] == "Dates read day-first (DD/MM/YYYY): row 2 has `24/10/2027`."


async def test_only_ambiguous_dates_need_the_servers_explicit_order(session) -> None:
    await berlin(session)
    data = "date,city,venue\n03/04/2027,Berlin,SO36\n"
    with pytest.raises(InvalidInput) as err:
        await run(session, data)
    assert str(err.value) == (
        "Every numeric date in this file (like `03/04/2027`) could be day-first or month-first, so nothing "
        "was imported. Choose with `/settings date-order` and import again, or write the dates as 2027-03-04."
    )
    assert await stored(session) == []
    await settings.set_date_order(session, G, "month-first", can_manage=True)
    report = await run(session, data)
    assert (await stored(session))[0][0] == date(2027, 3, 4)
    assert report.notes[0] == (
        "Every numeric date (like `03/04/2027`) could be day- or month-first; read month-first as this "
        "server's `/settings date-order` says."
    )


async def test_two_digit_years_and_month_names(session) -> None:
    await berlin(session)
    await run(session, "Date,City,Venue\n10/24/17,Boston,Paradise\n")
    await run(session, "When,Venue,City,State\n28-Aug-10,Prudential Center,Newark,NJ\n")
    assert [s[0] for s in await stored(session)] == [date(2017, 10, 24), date(2010, 8, 28)]


# --- 2. Windows / Outlook zone names --------------------------------------------------------------

EXCHANGE_TZ = """BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


async def test_exchange_windows_zone_name_is_mapped_to_iana(session) -> None:
    await berlin(session)
    data = ics(
        "UID:ex1\nSUMMARY:Show\nDTSTART;TZID=Eastern Standard Time:20271028T200000\n"
        "LOCATION:Bowery Ballroom, New York, USA",
        head=EXCHANGE_TZ,
    )
    report = await run(session, data, "outlook.ics")
    assert await stored(session) == [
        (date(2027, 10, 28), time(20, 0), None, "America/New_York", "Bowery Ballroom", "New York", None, "USA")
    ]
    assert report.notes == [
        "Time zones the file names its own way, read: `Eastern Standard Time` as America/New_York (#1)."
    ]


async def test_owa_display_names_without_vtimezone_are_mapped(session) -> None:
    await berlin(session)
    data = ics(
        'UID:owa1\nDTSTART;TZID="(UTC-05:00) Eastern Time (US & Canada)":20271028T200000\n'
        "LOCATION:Bowery Ballroom, New York, USA",
        'UID:owa2\nDTSTART;TZID="(GMT+10:00) Canberra, Melbourne, Sydney":20271101T193000\n'
        "LOCATION:Enmore Theatre, Sydney, Australia",
    )
    await run(session, data, "owa.ics")
    assert [(s[0], s[1], s[3]) for s in await stored(session)] == [
        (date(2027, 10, 28), time(20, 0), "America/New_York"),
        (date(2027, 11, 1), time(19, 30), "Australia/Sydney"),
    ]


def test_tzid_forms() -> None:
    assert ical_zones.resolve_tzid("W. Europe Standard Time") == "Europe/Berlin"
    assert ical_zones.resolve_tzid("(UTC+07:00) Bangkok\\, Hanoi\\, Jakarta") == "Asia/Bangkok"
    assert ical_zones.resolve_tzid("(UTC-03:00) Brasília") == "America/Sao_Paulo"
    assert ical_zones.resolve_tzid("/mozilla.org/20070129_1/America/New_York") == "America/New_York"
    assert ical_zones.resolve_tzid("Customized Time Zone") is None


# --- 3. distinct shows never merge ----------------------------------------------------------------


async def test_matinee_and_evening_at_one_venue_are_two_shows(session) -> None:
    await berlin(session)
    data = "date,city,venue,doors\n2027-05-01,London,Roundhouse,14:00\n2027-05-01,London,Roundhouse,19:30\n"
    report = await run(session, data)
    assert (report.added, report.updated) == (2, 0)
    assert [(s[0], s[1], s[3], s[5]) for s in await stored(session)] == [
        (date(2027, 5, 1), time(14, 0), "Europe/London", "London"),
        (date(2027, 5, 1), time(19, 30), "Europe/London", "London"),
    ]
    again = await run(session, data)  # against the stored shows, the first time decides which is which
    assert (again.added, again.updated) == (0, 2)
    assert len(await stored(session)) == 2


async def test_events_with_different_uids_stay_apart_and_moved_instances_are_their_own_shows(session) -> None:
    await berlin(session)
    same_place = "DTSTART;VALUE=DATE:20270501\nLOCATION:Roundhouse, London, UK"
    report = await run(session, ics(f"UID:a\n{same_place}", f"UID:b\n{same_place}"), "two.ics")
    assert (report.added, report.updated) == (2, 0)
    series = ics(
        "UID:tour@x\nSUMMARY:Residency\nDTSTART;TZID=Europe/London:20270601T200000\nRRULE:FREQ=WEEKLY;COUNT=3\n"
        "LOCATION:Roundhouse, London, UK",
        "UID:tour@x\nSUMMARY:Residency\nRECURRENCE-ID;TZID=Europe/London:20270608T200000\n"
        "DTSTART;TZID=Europe/London:20270609T193000\nLOCATION:Roundhouse, London, UK",
    )
    report = await run(session, series, "series.ics")
    assert (report.added, report.updated) == (3, 0)
    shows = (await stored(session))[2:]
    assert [(s[0], s[1]) for s in shows] == [
        (date(2027, 6, 1), time(20, 0)),
        (date(2027, 6, 9), time(19, 30)),  # the moved instance
        (date(2027, 6, 15), time(20, 0)),
    ]
    again = await run(session, series, "series.ics")
    assert (again.added, again.updated) == (0, 3)


async def test_a_long_series_is_reported_not_imported(session) -> None:
    await berlin(session)
    data = ics(
        "UID:daily\nSUMMARY:Daily sync\nDTSTART;TZID=Europe/Berlin:20270101T090000\nRRULE:FREQ=DAILY\n"
        "LOCATION:HQ, Berlin",
        "UID:one\nDTSTART;VALUE=DATE:20270301\nLOCATION:SO36, Berlin, Germany",
    )
    report = await run(session, data, "cal.ics")
    assert report.added == 1
    assert report.skipped == [
        (
            "event 1 (Daily sync)",
            "repeats 700 times by 2028-12-01: a series, not shows; add the show dates on their own",
        )
    ]


# --- 4. zones: inferred from the place, instants kept, fixes that give the right times --------------


async def test_utc_time_keeps_its_instant_in_the_inferred_venue_zone(session) -> None:
    await berlin(session)
    report = await run(
        session, ics("UID:p\nDTSTART:20270905T214500Z\nLOCATION:Tree Pittsburgh, Pittsburgh, USA"), "g.ics"
    )
    assert await stored(session) == [
        (date(2027, 9, 5), time(17, 45), None, "America/New_York", "Tree Pittsburgh", "Pittsburgh", None, "USA")
    ]
    assert report.notes == [
        "Venue zone inferred from the place (the file gave none): Pittsburgh, US → America/New_York (#1)."
    ]


async def test_the_suggested_fix_for_an_assumed_zone_gives_the_right_times(session) -> None:
    await berlin(session)
    # a place no table knows: the server's zone is assumed, and the report says how to fix it
    data = ics("UID:q\nDTSTART:20271001T023000Z\nLOCATION:The Shed, Qwxyzville, USA")
    report = await run(session, data, "g.ics")
    assert [(s[0], s[1], s[3]) for s in await stored(session)] == [(date(2027, 10, 1), time(4, 30), "Europe/Berlin")]
    assert report.notes[-1] == (
        "1 show(s) (#1) had no venue time zone; assumed Europe/Berlin (this server's time zone); the file gave "
        "UTC times: fix with `/tour edit show:#N timezone:Area/City keep:instant` (keeps the instant)."
    )
    f = tours.ShowFields(timezone="America/New_York")
    show = await tours.edit_show(session, G, "#1", f, now=NOW, keep_instant=True)
    # 02:30 UTC on 1 Oct is 22:30 on 30 Sep in New York: the date moves with it
    assert (show.date, show.doors, show.timezone) == (date(2027, 9, 30), time(22, 30), "America/New_York")
    assert tours.schedule_times(show)[0][2] == datetime(2027, 10, 1, 2, 30, tzinfo=UTC)


async def test_keep_instant_needs_times_and_no_new_ones(session) -> None:
    await berlin(session)
    await run(session, "date,city,venue\n2027-05-01,Qwxyzville,The Shed\n")
    with pytest.raises(InvalidInput, match="has no times, so there is no moment to keep"):
        await tours.edit_show(session, G, "#1", tours.ShowFields(timezone="Asia/Tokyo"), now=NOW, keep_instant=True)
    with pytest.raises(InvalidInput, match="give it with `timezone:` only"):
        await tours.edit_show(
            session, G, "#1", tours.ShowFields(timezone="Asia/Tokyo", doors=time(19)), now=NOW, keep_instant=True
        )


async def test_csv_without_zone_column_infers_the_venue_zone_and_says_so(session) -> None:
    await berlin(session)
    report = await run(session, "date,time,venue,city\n2027-10-03,8:00pm,Blue Pacific Hotel,Woorim\n")
    assert await stored(session) == [
        (date(2027, 10, 3), None, time(20, 0), "Australia/Brisbane", "Blue Pacific Hotel", "Woorim", None, None)
    ]
    assert report.notes == [
        "Venue zone inferred from the place (the file gave none): Woorim → Australia/Brisbane (#1)."
    ]


async def test_floating_times_are_the_wall_clock_of_the_calendar_zone(session) -> None:
    await berlin(session)
    data = ics("UID:f\nDTSTART:20270916T210000\nLOCATION:AB, Brussels, Belgium", head="X-WR-TIMEZONE:Europe/Brussels\n")
    await run(session, data, "f.ics")
    assert [(s[0], s[1], s[3]) for s in await stored(session)] == [(date(2027, 9, 16), time(21), "Europe/Brussels")]


# --- 5. LOCATION read, not guessed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "summary", "expected"),
    [
        # venue, city, region, country, zone
        ("Deventer Schouwburg\\, Netherlands", "", ("Deventer Schouwburg", "", None, "Netherlands",
                                                   "Europe/Amsterdam")),
        ("Livingston\\, LA", "Night Hog — Patriot RV", ("Patriot RV", "Livingston", "LA", None, "America/Chicago")),
        ("Coca-Cola Amphitheater\\, Birmingham\\, AL", "", ("Coca-Cola Amphitheater", "Birmingham", "AL", None,
                                                           "America/Chicago")),
        ("machBar\\, Friedrich-Engels-Str. 22\\, 14473 Potsdam", "", ("machBar", "Potsdam", None, None,
                                                                     "Europe/Berlin")),
        ("Red Rocks Amphitheatre\\, Morrison\\, CO", "", ("Red Rocks Amphitheatre", "Morrison", "CO", None,
                                                         "America/Denver")),
    ],
)  # fmt: skip
async def test_location_shapes(session, location, summary, expected) -> None:
    await berlin(session)
    event = f"UID:l\nDTSTART;VALUE=DATE:20270501\nLOCATION:{location}" + (f"\nSUMMARY:{summary}" if summary else "")
    await run(session, ics(event), "l.ics")
    [(_d, _doors, _set, zone, venue, city, region, country)] = await stored(session)
    assert (venue, city, region, country, zone) == expected


async def test_a_missing_city_is_said_not_invented(session) -> None:
    await berlin(session)
    report = await run(session, ics("UID:d\nDTSTART;VALUE=DATE:20270501\nLOCATION:Deventer Schouwburg\\, Netherlands"))
    assert report.notes[-1] == (
        "1 show(s) (#1): the file names no city; stored without one (add it with `/tour edit show:#N city:`)."
    )


async def test_apple_structured_location(session) -> None:
    await berlin(session)
    event = (
        "UID:a\nDTSTART;TZID=Europe/Vienna:20270522T203000\nLOCATION:Hauptstraße 1\\; 4041 Linz\n"
        'X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-TITLE="Posthof";'
        'X-ADDRESS="Posthofstraße 43\\n4020 Linz\\nAustria":geo:48.3,14.3'
    )
    await run(session, ics(event), "a.ics")
    assert await stored(session) == [
        (date(2027, 5, 22), time(20, 30), None, "Europe/Vienna", "Posthof", "Linz", None, "Austria")
    ]


def test_place_parts() -> None:
    p = places.split_location("The Fillmore, 1805 Geary Blvd, San Francisco, CA 94115, USA")
    assert (p.venue, p.city, p.region, p.country) == ("The Fillmore", "San Francisco", "CA", "USA")
    p = places.split_location("Brixton Academy, 211 Stockwell Rd, London SW9 9SL, UK")
    assert (p.venue, p.city, p.region, p.country) == ("Brixton Academy", "London", None, "UK")
    assert places.infer_zone("Portland", None, "United States") is None  # Oregon or Maine: not guessed


# --- 6. smaller ones ------------------------------------------------------------------------------


async def test_a_bad_optional_field_is_dropped_and_noted_not_the_show(session) -> None:
    await berlin(session)
    report = await run(session, "date,venue,city,link\n2027-02-07,Larimer Lounge,Denver,band@example.com\n")
    assert (report.added, report.skipped) == (1, [])
    [show] = await session.scalars(select(Show))
    assert (show.venue, show.city, show.timezone, show.ticket_url) == (
        "Larimer Lounge",
        "Denver",
        "America/Denver",
        None,
    )
    assert report.notes[-1].startswith("Left out, the rest kept: row 2 (#1): ticket link `band@example.com` (")


async def test_cr_only_line_ends_bom_and_semicolons(session) -> None:
    await berlin(session)
    await run(session, "\ufeffDate,Venue,City\r2027-08-28,Prudential Center,Newark\r".encode())
    await run(
        session, "\ufeffDatum;Stadt;Venue Name;Tickets\n2027-04-19;Stendal;Theater der Altmark;https://t.example/1\n"
    )
    assert [(s[0], s[4], s[5]) for s in await stored(session)] == [
        (date(2027, 8, 28), "Prudential Center", "Newark"),
        (date(2027, 4, 19), "Theater der Altmark", "Stendal"),
    ]


async def test_header_synonyms(session) -> None:
    await berlin(session)
    await run(session, "show_date,show_venue,show_city,show_state\n2027-04-13,Five Points,Birmingham,AL\n")
    await run(session, 'id,"location","date","venue"\n1,"Detroit, MI","14/08/2027","Gold Dollar"\n')
    await run(session, "artist,date,venue,venue-city,venue-state,Ticket URL\nX,2027-10-24,The Rave,Milwaukee,WI,\n")
    assert [(s[0], s[3], s[4], s[5], s[6]) for s in await stored(session)] == [
        (date(2027, 4, 13), "America/Chicago", "Five Points", "Birmingham", "AL"),
        (date(2027, 8, 14), "America/Detroit", "Gold Dollar", "Detroit", "MI"),
        (date(2027, 10, 24), "America/Chicago", "The Rave", "Milwaukee", "WI"),
    ]


async def test_a_broken_freebusy_block_does_not_refuse_the_calendar(session) -> None:
    await berlin(session)
    data = ics("UID:s\nDTSTART;VALUE=DATE:20270501\nLOCATION:SO36, Berlin, Germany").replace(
        "END:VCALENDAR",
        "BEGIN:VFREEBUSY\nDTSTART:20270213T204607Z\nDTEND:20260517T204607Z\nEND:VFREEBUSY\nEND:VCALENDAR",
    )
    report = await run(session, data, "c.ics")
    assert report.added == 1
    assert report.notes[-1] == "1 to-do/free-busy entry was ignored (not events)."


async def test_a_refused_calendar_says_the_common_reason(session) -> None:
    await berlin(session)
    events = [f"UID:h{i}\nSUMMARY:Holiday {i}\nDTSTART;VALUE=DATE:202705{i:02d}\nLOCATION:Germany" for i in range(1, 6)]
    with pytest.raises(InvalidInput) as err:
        await run(session, ics(*events), "holidays.ics")
    assert str(err.value) == (
        "No usable events in that file, so nothing was imported: all 5 events: LOCATION names only a region or "
        "country, no venue or city (e.g. event 1 (Holiday 1): LOCATION `Germany` names only a region or country, "
        "no venue or city)."
    )


async def test_rows_on_an_empty_server_are_added_never_updated(session) -> None:
    await berlin(session)
    report = await run(session, "date,city,venue\n2027-05-01,Berlin,SO36\n2027-05-01,Berlin,SO36\n")
    assert (report.added, report.updated) == (2, 0)


def test_city_cells_and_codes_that_could_mean_two_places() -> None:
    assert places.split_city_cell("Toronto, Ontario") == ("Toronto", "Ontario", None)
    assert places.infer_zone("Toronto", "Ontario", None).zone == "America/Toronto"  # type: ignore[union-attr]
    assert places.split_city_cell("Belgium") == (None, None, "Belgium")  # a country, not Belgium, Wisconsin
    assert places.split_city_cell("Singapore") == ("Singapore", None, None)  # a city-state's city
    assert places.split_city_cell("Townsend, MD") == ("Townsend", "MD", None)  # Maryland, not Moldova
    assert places.infer_zone("Perth", "WA", None).zone == "Australia/Perth"  # type: ignore[union-attr]
    assert places.infer_zone("George", "WA", None) is None  # Washington or Western Australia: not guessed
    assert places.infer_zone("St. John’s", None, "NF") is None  # not Norfolk Island
    assert places.infer_zone("Belfast", None, "Ireland") is None  # Belfast is in the UK: the file contradicts itself

"""Tour calendars in and out: import iCalendar (.ics) or CSV, export .ics.

Import rules
* ``.ics`` as Google/Apple Calendar export them: VEVENTs with DTSTART in UTC (``Z``), floating, or
  with TZID; LOCATION (``Venue, Street, City, Region Postcode, Country``), SUMMARY, DESCRIPTION,
  UID, STATUS (TENTATIVE -> hold, CANCELLED -> cancelled), URL. The start time becomes the show's
  doors time, in the event's zone (TZID), else the guild's. Roadie's own exports carry
  ``X-ROADIE-*`` properties that restore every field exactly.
* CSV with a header row; column names are matched case- and spacing-insensitively (see
  :data:`CSV_COLUMNS`); ``date``, ``city`` and ``venue`` are required.
* Re-importing updates rather than duplicates: match on UID, else on date + venue.
* All or nothing per file: every usable row is stored in one transaction; each skipped row is
  reported with its row number and reason. Files over 1 MB, empty, not a calendar or CSV, or with
  no usable row store nothing.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Show, ShowStatus
from bot.services import refs, tours
from bot.services.errors import InvalidInput
from bot.services.permissions import Actor, is_manager
from bot.services.settings import GuildConfig, get_config, validate_timezone
from bot.textfmt import code

MAX_BYTES = 1_000_000
MAX_ROWS = 2_000
PRODID = "-//Roadie//Tour dates//EN"

# canonical field -> accepted header names (after lower-casing and collapsing spaces, '_' and '-')
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "show date", "event date", "day"),
    "city": ("city", "town", "market"),
    "venue": ("venue", "venue name", "location", "place"),
    "country": ("country", "nation"),
    "region": ("region", "state", "province", "county", "state province"),
    "timezone": ("timezone", "time zone", "tz"),
    "load_in": ("load in", "loadin", "load in time"),
    "soundcheck": ("soundcheck", "sound check", "soundcheck time"),
    "doors": ("doors", "doors time", "door time", "doors open"),
    "set_time": ("time", "set time", "set", "show time", "start time", "settime", "stage time"),
    "tickets": ("ticket link", "ticket url", "tickets", "ticket", "url", "link", "ticket link url"),
    "status": ("status", "state of deal", "deal status"),
    "capacity": ("capacity", "cap", "venue capacity"),
    "notes": ("notes", "note", "comments", "description"),
    "support": ("support", "support acts", "support act", "openers", "opener"),
}
_HEADER_LOOKUP = {name: canon for canon, names in CSV_COLUMNS.items() for name in names}
_POSTAL_RE = re.compile(r"\d")


@dataclass
class ImportReport:
    """What an import did. ``skipped`` holds (row label, reason) pairs, in file order."""

    kind: str
    added: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    show_numbers: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things the user should check (zones assumed, columns ignored)


Rows = list[tuple[str, "tours.ShowFields | str"]]
EARLIEST_YEAR_BACK = 30  # show dates more than this many years ago (or over 10 years ahead) are refused


def check_show_date(d: date, today: date) -> None:
    """Refuse dates Roadie can't sensibly hold as shows (and that would overflow date arithmetic).

    Raises:
        InvalidInput: before ``today`` minus 30 years or after ``today`` plus 10 years.
    """
    if d.year < today.year - EARLIEST_YEAR_BACK or d > today.replace(year=today.year + 10):
        raise InvalidInput(
            f"date {d.isoformat()} is out of range (from {today.year - EARLIEST_YEAR_BACK} to 10 years ahead)"
        )


def _norm_header(h: str) -> str:
    return " ".join(re.sub(r"[_\-/]+", " ", h.strip().lower()).split())


def detect_kind(data: bytes, filename: str) -> str:
    """``"ics"`` or ``"csv"``.

    Raises:
        InvalidInput: empty, too large, not text, or neither format.
    """
    if not data.strip():
        raise InvalidInput("That file is empty. Attach an .ics calendar or a .csv with a header row.")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"That file is {len(data):,} bytes; the limit is {MAX_BYTES:,} (1 MB). Split it and import the parts."
        )
    head = data.lstrip()[:200].upper()
    name = filename.lower()
    if head.startswith(b"BEGIN:VCALENDAR") or (name.endswith(".ics") and b"BEGIN:" in head):
        return "ics"
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(f"{code(filename[:60])} is not a calendar (.ics) or a spreadsheet saved as CSV.")
    if name.endswith((".csv", ".tsv", ".txt")) or b"," in data[:2000] or b";" in data[:2000]:
        return "csv"
    raise InvalidInput(f"{code(filename[:60])} is not a calendar (.ics) or a CSV file with a header row.")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# --- CSV ------------------------------------------------------------------------------------


def parse_csv(data: bytes, cfg: GuildConfig, today: date, notes: list[str] | None = None) -> Rows:
    """Rows of a CSV as (``row N``, fields or skip reason). Row numbers count the header as row 1.

    Raises:
        InvalidInput: no header, a required column missing, or more than :data:`MAX_ROWS` rows.
    """
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InvalidInput("That CSV has no header row.") from None
    columns: dict[int, str] = {}
    for i, h in enumerate(header):
        canon = _HEADER_LOOKUP.get(_norm_header(h))
        if canon and canon not in columns.values():
            columns[i] = canon
        elif canon and notes is not None:
            first = header[next(j for j, c in columns.items() if c == canon)].strip()
            notes.append(
                f"Column {code(h.strip()[:30])} was ignored: {code(first[:30])} already gives the "
                f"{canon.replace('_', ' ')}."
            )
    missing = [c for c in ("date", "city", "venue") if c not in columns.values()]
    if missing:
        found = ", ".join(f"{code(h.strip()[:30])}" for h in header[:12] if h.strip()) or "none"
        raise InvalidInput(
            f"The CSV is missing the column(s) {', '.join(f'{code(m)}' for m in missing)}. "
            f"Columns found: {found}. Name them e.g. `date`, `city`, `venue`, `doors`, `set time`."
        )
    out: list[tuple[str, tours.ShowFields | str]] = []
    try:
        for line_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(out) >= MAX_ROWS:
                raise InvalidInput(f"That CSV has more than {MAX_ROWS:,} shows; import at most {MAX_ROWS:,} at a time.")
            values = {canon: row[i].strip() for i, canon in columns.items() if i < len(row) and row[i].strip()}
            label = f"row {line_no}"
            try:
                f = _fields_from_values(values, cfg, today)
                assert f.date is not None
                check_show_date(f.date, today)
                out.append((label, f))
            except InvalidInput as exc:
                out.append((label, str(exc).rstrip(".")))
    except csv.Error as exc:
        raise InvalidInput(f"The CSV can't be read past row {reader.line_num}: {exc}.") from None
    return out


def _fields_from_values(values: dict[str, str], cfg: GuildConfig, today: date) -> tours.ShowFields:
    for req in ("date", "city", "venue"):
        if not values.get(req):
            raise InvalidInput(f"no {req}")
    return tours.parse_fields(
        cfg,
        today,
        date_text=values["date"],
        city=values["city"],
        venue=values["venue"],
        country=values.get("country"),
        region=values.get("region"),
        timezone=values.get("timezone"),
        load_in=values.get("load_in"),
        soundcheck=values.get("soundcheck"),
        doors=values.get("doors"),
        set_time=values.get("set_time"),
        status=values.get("status"),
        tickets=values.get("tickets"),
        capacity=values.get("capacity"),
        notes=values.get("notes"),
        support=values.get("support"),
    )


# --- iCalendar ------------------------------------------------------------------------------

# "10967 Berlin", "1017 SG Amsterdam"
_POSTCODE_FIRST = re.compile(r"^(?:\d{4}\s?[A-Z]{2}|[A-Z]{0,2}-?\d[\d\-]{2,})\s+(?P<city>\D.+)$")
_UK_POSTCODE_LAST = re.compile(r"^(?P<city>\D.+?)\s+[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$")  # London SW9 9SL
_CODE_LAST = re.compile(r"^(?P<text>\D.*?)\s+\d[\d\-\s]*$")  # CA 94115, Tokyo 144-0041


def _split_location(location: str) -> tuple[str, str | None, str | None, str | None]:
    """``Venue, Street, City, Region Postcode, Country`` -> (venue, city, region, country), best effort.

    Handles the address styles calendar apps write: ``10967 Berlin``, ``1017 SG Amsterdam``,
    ``San Francisco, CA 94115``, ``Tokyo 144-0041``, ``London SW9 9SL``.
    """
    parts = [p.strip() for p in location.replace("\n", ",").split(",") if p.strip()]
    if not parts:
        return "", None, None, None
    venue = parts[0]
    if len(parts) == 1:
        return venue, None, None, None
    if len(parts) == 2:
        return venue, parts[1], None, None
    country, middle, region = parts[-1], parts[1:-1], None
    for i in range(len(middle) - 1, -1, -1):
        part = middle[i]
        if m := _POSTCODE_FIRST.match(part):
            return venue, m.group("city").strip(), region, country
        if m := _UK_POSTCODE_LAST.match(part):
            return venue, m.group("city").strip(), region, country
        if m := _CODE_LAST.match(part):
            text = m.group("text").strip()
            if re.fullmatch(r"[A-Z]{2,3}", text) and i > 0:  # US/CA/AU state code: the city comes before it
                region = text
                continue
            return venue, text, region, country
        if not _POSTAL_RE.search(part):
            return venue, part, region, country
    return venue, None, region, country


def _zone_of(value: datetime, prop: object, default: str) -> tuple[str, datetime, str | None]:
    """(IANA zone, local naive datetime, note) for a DTSTART value. The note is ``"assumed"`` when
    the event named no zone (UTC or floating) and ``default`` was used, or the unknown TZID."""
    tzid = getattr(prop, "params", {}).get("TZID") if prop is not None else None
    if value.tzinfo is None:
        if tzid:  # a TZID icalendar couldn't resolve
            try:
                return validate_timezone(str(tzid)), value, None
            except InvalidInput:
                return default, value, str(tzid)
        return default, value, "assumed"
    key = getattr(value.tzinfo, "key", None)
    if key and key != "UTC":
        try:
            zone = validate_timezone(key)
            return zone, value.astimezone(ZoneInfo(zone)).replace(tzinfo=None), None
        except InvalidInput:
            pass
    if tzid:
        try:
            zone = validate_timezone(str(tzid))
            return zone, value.astimezone(ZoneInfo(zone)).replace(tzinfo=None), None
        except InvalidInput:
            return default, value.astimezone(ZoneInfo(default)).replace(tzinfo=None), str(tzid)
    return default, value.astimezone(ZoneInfo(default)).replace(tzinfo=None), "assumed"


def _x(event: object, name: str) -> str | None:
    value = event.get(f"X-ROADIE-{name}")  # type: ignore[attr-defined]
    return str(value) if value is not None and str(value).strip() else None


def parse_ics(data: bytes, cfg: GuildConfig, today: date, notes: list[str] | None = None) -> Rows:
    """VEVENTs as (``event N (summary)``, fields or skip reason).

    Raises:
        InvalidInput: not a parsable calendar, or more than :data:`MAX_ROWS` events.
    """
    from icalendar import Calendar

    try:
        cal = Calendar.from_ical(data)
    except Exception:  # icalendar raises ValueError and friends for malformed input
        raise InvalidInput(
            "That .ics file can't be read as a calendar: it may be cut short or not an iCalendar "
            "export. Export it again from your calendar app."
        ) from None
    cal_zone = None
    if cal.get("X-WR-TIMEZONE"):
        try:
            cal_zone = validate_timezone(str(cal.get("X-WR-TIMEZONE")))
        except InvalidInput:
            cal_zone = None
    assumed = Counter()  # zone -> events whose UTC/floating time was read in it
    unknown_tzids: set[str] = set()
    events = list(cal.walk("VEVENT"))
    if len(events) > MAX_ROWS:
        raise InvalidInput(f"That calendar has {len(events):,} events; import at most {MAX_ROWS:,} at a time.")
    out: list[tuple[str, tours.ShowFields | str]] = []
    for i, ev in enumerate(events, start=1):
        summary = str(ev.get("SUMMARY", "")).strip()
        label = f"event {i}" + (f" ({summary[:40]})" if summary else "")
        if ev.get("RRULE") is not None:
            out.append((label, "a repeating event (RRULE); add each show's date on its own"))
            continue
        try:
            f, zone_note = _event_fields(ev, cfg, today, cal_zone)
            assert f.date is not None
            check_show_date(f.date, today)
            out.append((label, f))
            if zone_note == "assumed":
                assumed[f.timezone] += 1
            elif zone_note:
                unknown_tzids.add(zone_note)
        except InvalidInput as exc:
            out.append((label, str(exc).rstrip(".")))
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            out.append((label, f"unreadable event ({type(exc).__name__})"))
    if notes is not None:
        for zone, n in assumed.items():
            source = "the calendar's own time zone" if zone == cal_zone else "this server's time zone"
            notes.append(
                f"{n} event(s) gave no venue time zone; read in {zone} ({source}). Fix any that are "
                "elsewhere with `/tour edit show timezone:`."
            )
        for tzid in sorted(unknown_tzids):
            notes.append(
                f"Unknown time zone {code(tzid[:40])} in the file; those events were read in this server's zone."
            )
    return out


def _event_fields(
    ev: object, cfg: GuildConfig, today: date, cal_zone: str | None
) -> tuple[tours.ShowFields, str | None]:
    prop = ev.get("DTSTART")  # type: ignore[attr-defined]
    if prop is None:
        raise InvalidInput("no DTSTART (start date)")
    if isinstance(prop, list):
        raise InvalidInput("more than one DTSTART")
    start = ev.decoded("DTSTART")  # type: ignore[attr-defined]
    x_tz = _x(ev, "TZ")
    default_zone = x_tz or cal_zone or cfg.timezone
    note: str | None = None
    if isinstance(start, datetime):
        zone, local, note = _zone_of(start, prop, default_zone)
        if x_tz:
            note = None
        day, start_time = local.date(), local.time().replace(second=0, microsecond=0)
    elif isinstance(start, date):
        zone, day, start_time = default_zone, start, None
        note = None if x_tz else "assumed"
    else:
        raise InvalidInput("DTSTART is not a date")
    ours = ev.get("X-ROADIE-VENUE") is not None  # type: ignore[attr-defined]
    venue, city, region, country = (None, None, None, None) if ours else _split_location(str(ev.get("LOCATION", "")))  # type: ignore[attr-defined]
    venue = _x(ev, "VENUE") or venue or str(ev.get("SUMMARY", "")).strip()  # type: ignore[attr-defined]
    city = _x(ev, "CITY") or city
    if not city:
        raise InvalidInput("no city in LOCATION (write it as `Venue, City, Country`)")
    if not venue:
        raise InvalidInput("no venue in LOCATION or SUMMARY")
    status = _x(ev, "STATUS")
    if status is None:
        ical_status = str(ev.get("STATUS", "")).upper()  # type: ignore[attr-defined]
        status = {
            "TENTATIVE": ShowStatus.HOLD,
            "CANCELLED": ShowStatus.CANCELLED,
            "CONFIRMED": ShowStatus.CONFIRMED,
        }.get(ical_status)
    url = str(ev.get("URL", "")).strip() or None  # type: ignore[attr-defined]
    f = tours.parse_fields(
        cfg,
        today,
        city=city,
        venue=venue,
        timezone=zone,
        country=_x(ev, "COUNTRY") or country,
        region=_x(ev, "REGION") or region,
        load_in=_x(ev, "LOAD-IN"),
        soundcheck=_x(ev, "SOUNDCHECK"),
        doors=_x(ev, "DOORS") or (None if ev.get("X-ROADIE-VENUE") else start_time and f"{start_time:%H:%M}"),  # type: ignore[attr-defined]
        set_time=_x(ev, "SET"),
        status=status,
        tickets=_x(ev, "TICKETS") or (url if url and url.lower().startswith(("http://", "https://")) else None),
        capacity=_x(ev, "CAPACITY"),
        support=_x(ev, "SUPPORT"),
        notes=_x(ev, "NOTES") if ev.get("X-ROADIE-VENUE") else (str(ev.get("DESCRIPTION", "")).strip()[:1000] or None),  # type: ignore[attr-defined]
    )
    f.date = day
    rank = _x(ev, "HOLD-RANK")
    if f.status == ShowStatus.HOLD and rank:
        f.status, f.hold_rank = tours.parse_status(f"hold-{rank}" if rank.isdigit() else "?")
    uid = str(ev.get("UID", "")).strip()  # type: ignore[attr-defined]
    f.uid = uid[:255] or None
    return f, note


# --- import ---------------------------------------------------------------------------------


async def import_shows(
    session: AsyncSession,
    guild_id: int,
    data: bytes,
    filename: str,
    *,
    author_id: int,
    channel_id: int,
    now: datetime,
    actor: Actor | None = None,
) -> ImportReport:
    """Import a calendar or CSV into the guild's shows: all usable rows or, on error, none (one unit of work).

    A row that would update a show someone else added is skipped unless ``actor`` is a manager
    (the owner-or-manager rule, :mod:`bot.services.permissions`).

    Raises:
        InvalidInput: the file as a whole can't be used (see module docstring); nothing is stored.
    """
    kind = detect_kind(data, filename)
    cfg = await get_config(session, guild_id)
    today = now.astimezone(cfg.tz).date()
    report = ImportReport(kind=kind)
    parse = parse_ics if kind == "ics" else parse_csv
    # parsing is CPU work (up to 2,000 rows): keep it off the event loop so heartbeats and other
    # interactions go on meanwhile
    rows = await asyncio.to_thread(parse, data, cfg, today, report.notes)
    usable = [(label, f) for label, f in rows if isinstance(f, tours.ShowFields)]
    if not usable:
        reasons = "; ".join(f"{label}: {r}" for label, r in rows[:3] if isinstance(r, str))
        what = "events" if kind == "ics" else "rows"
        raise InvalidInput(
            f"No usable {what} in that file, so nothing was imported." + (f" {reasons}." if reasons else "")
        )
    existing = list(await session.scalars(select(Show).where(Show.guild_id == guild_id, Show.visible())))
    by_uid = {s.uid: s for s in existing}
    by_key = {(s.date, refs.fold(s.venue)): s for s in existing}
    number = await refs.next_number(session, Show, guild_id)
    manager = actor is None or await is_manager(session, guild_id, actor)
    added: list[Show] = []
    updated: dict[int, Show] = {}
    for label, item in rows:
        if isinstance(item, str):
            report.skipped.append((label, item))
            continue
        f = item
        assert f.date is not None and f.venue is not None
        show = (by_uid.get(f.uid) if f.uid else None) or by_key.get((f.date, refs.fold(f.venue)))
        if show is not None and show.id is not None and not manager and show.author_id != author_id:
            report.skipped.append(
                (label, f"matches show #{show.number}, which someone else added; ask them or a manager to import it")
            )
            continue
        try:
            if show is None:
                show = Show(
                    guild_id=guild_id,
                    number=number,
                    uid=f.uid or tours.new_uid(),
                    timezone=f.timezone or cfg.timezone,
                    status=ShowStatus.CONFIRMED,
                    channel_id=channel_id,
                    author_id=author_id,
                    created_at=now,
                    updated_at=now,
                )
                tours.apply_fields(show, f)
                session.add(show)
                added.append(show)
                number += 1
                report.added += 1
            else:
                tours.apply_fields(show, f)
                show.updated_at = now
                if show.id is not None:
                    updated[show.id] = show
                report.updated += 1
        except InvalidInput as exc:
            report.skipped.append((label, str(exc).rstrip(".")))
            continue
        by_uid[show.uid] = show
        by_key[(show.date, refs.fold(show.venue))] = show
        report.show_numbers.append(show.number)
    await session.flush()  # one multi-row INSERT for the new shows
    await tours.plan_nudges_many(session, added, cfg, now, fresh=True)
    await tours.plan_nudges_many(session, list(updated.values()), cfg, now)
    await session.flush()
    return report


# --- export ---------------------------------------------------------------------------------


def export_ics(shows: list[Show], *, now: datetime, calendar_name: str = "Tour dates") -> bytes:
    """An RFC 5545 calendar: one VEVENT per show with its stable UID, local times with TZID (and
    VTIMEZONE), STATUS TENTATIVE/CONFIRMED/CANCELLED, and ``X-ROADIE-*`` fields for a lossless
    re-import. DTSTART is the doors time (else the set, soundcheck or load-in time, else an all-day
    event): what a fan's calendar should show; DTEND is the set time + 90 min, or DTSTART + 3 h.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", calendar_name)
    for s in shows:
        ev = Event()
        ev.add("uid", s.uid)
        ev.add("dtstamp", now.astimezone(UTC))
        ev.add(
            "summary",
            f"{s.venue}, {s.city}"
            + (
                " (cancelled)" if s.status == ShowStatus.CANCELLED else " (hold)" if s.status == ShowStatus.HOLD else ""
            ),
        )
        ev.add("location", ", ".join(p for p in (s.venue, s.city, s.region, s.country) if p))
        tz = ZoneInfo(s.timezone)
        times = {k: at.astimezone(tz) for k, _t, at, _late in tours.schedule_times(s)}
        starts = [times[k] for k in ("doors", "set_time", "soundcheck", "load_in") if k in times]
        if starts:
            start = starts[0]
            end = times["set_time"] + timedelta(minutes=90) if "set_time" in times else start + timedelta(hours=3)
            ev.add("dtstart", start)
            ev.add("dtend", max(end, start + timedelta(minutes=30)))
        else:
            ev.add("dtstart", s.date)
            ev.add("dtend", s.date + timedelta(days=1))
        ev.add("status", {ShowStatus.HOLD: "TENTATIVE", ShowStatus.CANCELLED: "CANCELLED"}.get(s.status, "CONFIRMED"))
        desc = [tours.times_line(s) + f" ({s.timezone})" if tours.times_line(s) else ""]
        if s.support:
            desc.append(f"Support: {s.support}")
        if s.capacity:
            desc.append(f"Capacity: {s.capacity:,}")
        if s.ticket_url:
            desc.append(f"Tickets: {s.ticket_url}")
            ev.add("url", s.ticket_url)
        if s.notes:
            desc.append(s.notes)
        if any(desc):
            ev.add("description", "\n".join(d for d in desc if d))
        x = {
            "VENUE": s.venue,
            "CITY": s.city,
            "COUNTRY": s.country,
            "REGION": s.region,
            "TZ": s.timezone,
            "LOAD-IN": s.load_in,
            "SOUNDCHECK": s.soundcheck,
            "DOORS": s.doors,
            "SET": s.set_time,
            "STATUS": s.status,
            "HOLD-RANK": s.hold_rank,
            "CAPACITY": s.capacity,
            "TICKETS": s.ticket_url,
            "SUPPORT": s.support,
            "NOTES": s.notes,
        }
        for key, value in x.items():
            if value is not None:
                ev.add(f"x-roadie-{key.lower()}", value.strftime("%H:%M") if isinstance(value, time) else str(value))
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()

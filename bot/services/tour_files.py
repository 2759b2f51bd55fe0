"""Tour calendars in and out: import iCalendar (.ics) or CSV, export .ics.

Import rules (each was learnt from real exports; see ``scripts/realdata-check``)
* ``.ics`` from Google, Apple, Outlook/Exchange/OWA and feeds: DTSTART in UTC (``Z``), floating
  (the wall clock of X-WR-TIMEZONE when there is one), all-day, or with a TZID: IANA names and
  aliases, vendor prefixes, Windows ids and Outlook display names (:mod:`bot.services.ical_zones`).
  The start time becomes the show's doors time; 00:00 local reads as "no time given". LOCATION
  (or Apple's X-APPLE-STRUCTURED-LOCATION) is read by :func:`bot.services.places.split_location`;
  a city is never guessed. To-dos and free/busy blocks are ignored; an event that can't be parsed
  is dropped alone. Repeating events (RRULE/RDATE, with moved instances) are read date by date
  from a year back to two years ahead; a series with more dates than that is a meeting, reported.
  Roadie's own exports carry ``X-ROADIE-*`` properties that restore every field exactly.
* CSV with a header row (``,`` ``;`` or tab, any line ends, BOM): headers in several languages
  and prefixed forms (``show_date``, ``venue-city``) map to fields (:data:`CSV_COLUMNS`); ``date``
  and ``venue`` are required. Numeric dates have one order per file (:func:`decide_date_order`).
  An optional value that can't be read (a ticket "link" that is an e-mail) is dropped and noted.
* Venue zone: the one the file names, else inferred from city/state/country
  (:func:`bot.services.places.infer_zone`), else the calendar's X-WR-TIMEZONE, else the server's;
  UTC times keep their instant in that zone. The report names every inference and assumption and
  the edit that fixes it (``keep:instant`` when the file gave instants).
* Identity: UID (+ RECURRENCE-ID) when the file has them; else date + venue, against shows stored
  before this import only (several: the same first time decides); rows of one file never merge.
* All or nothing per file (one unit of work); each skipped row is reported with its label and
  reason, a refused file with its common reason. Files over 1 MB, empty, not a calendar or CSV,
  or with no usable row store nothing.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Show, ShowStatus
from bot.services import ical_zones, places, refs, tours
from bot.services.errors import InvalidInput
from bot.services.permissions import Actor, is_manager
from bot.services.settings import GuildConfig, get_config, validate_timezone
from bot.textfmt import code

MAX_BYTES = 1_000_000
MAX_ROWS = 2_000
PRODID = "-//Roadie//Tour dates//EN"

# canonical field -> accepted header names (after lower-casing and collapsing spaces, '_' and '-'),
# English first, then German, Dutch, French, Spanish, Portuguese and Italian sheet headers
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "show date", "event date", "day", "when", "datum", "data", "fecha", "date du concert", "dato"),
    "city": ("city", "town", "market", "where", "stadt", "ort stadt", "plaats", "ville", "ciudad", "cidade", "citta"),
    "venue": ("venue", "venue name", "place", "club", "hall", "ort", "location name", "spielort", "lieu", "sala",
              "casa", "local", "zaal"),
    "location": ("location", "city state", "city, state", "city st"),
    "country": ("country", "nation", "land", "pays", "pais", "país", "paese"),
    "region": ("region", "state", "province", "county", "state province", "bundesland", "provincia", "estado"),
    "timezone": ("timezone", "time zone", "tz", "zeitzone"),
    "load_in": ("load in", "loadin", "load in time", "get in", "aufbau"),
    "soundcheck": ("soundcheck", "sound check", "soundcheck time"),
    "doors": ("doors", "doors time", "door time", "doors open", "einlass", "einlaß", "deuren"),
    "set_time": ("time", "set time", "set", "show time", "start time", "settime", "stage time", "start", "uhrzeit",
                 "beginn", "hora", "heure", "ora", "tijd"),
    "tickets": ("ticket link", "ticket url", "tickets", "ticket", "url", "link", "ticket link url", "tickets url"),
    "status": ("status", "state of deal", "deal status", "ticket status"),
    "capacity": ("capacity", "cap", "venue capacity", "kapazität"),
    "notes": ("notes", "note", "comments", "description", "info", "beschreibung", "notizen", "descricao"),
    "support": ("support", "support acts", "support act", "openers", "opener", "vorband"),
}  # fmt: skip
_HEADER_LOOKUP = {name: canon for canon, names in CSV_COLUMNS.items() for name in names}
_HEADER_PREFIXES = ("show ", "venue ", "event ", "gig ", "concert ")  # show_date, venue-city
_NUMERIC_DATE = re.compile(r"^\s*(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{2}|\d{4})\b")
_OPTIONAL_TEXT = {"tickets": "ticket link", "capacity": "capacity", "status": "status", "notes": "notes",
                  "support": "support", "country": "country", "region": "region"}  # fmt: skip
_PLACEHOLDER = re.compile(r"[?\-–—_.*/\\x]+|n/?a|null|none", re.IGNORECASE)  # "????", "n/a", "NULL": empty
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")  # "Valentine&#x27;s" from a web export
MIDNIGHT = time(0, 0)


@dataclass
class ImportReport:
    """What an import did. ``skipped`` holds (row label, reason) pairs, in file order; ``notes``
    what the user should check: what was assumed or inferred, fields dropped, columns ignored."""

    kind: str
    added: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    show_numbers: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Row:
    """One show read from a file: ``fields`` (None when skipped, with ``reason``), the ``label``
    the report uses (``row 3``, ``event 2 (summary)``), and what was assumed about it."""

    label: str
    fields: tours.ShowFields | None = None
    reason: str | None = None
    zone_basis: str | None = None  # how the zone was decided, e.g. "inferred: Pittsburgh, US → America/New_York"
    zone_kind: str = "given"  # given | inferred | calendar | server
    instant_given: bool = False  # the file gave a UTC instant (keep:instant re-zones it correctly)
    city_missing: bool = False
    dropped: list[str] = field(default_factory=list)
    tzid_read: tuple[str, str] | None = None  # a TZID that isn't an IANA name, and the zone it was read as


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


def chosen_date_order(cfg: GuildConfig) -> str | None:
    """The numeric date order this server explicitly chose (``day-first``/``month-first``), or None.

    A file whose numeric dates are all ambiguous (``03/04/2027``) follows only an explicit choice
    (``/settings date-order``, :attr:`GuildConfig.date_order_chosen`), not the time zone's default.
    """
    return cfg.date_order if cfg.date_order_chosen else None


def _norm_header(h: str) -> str:
    return " ".join(re.sub(r"[_\-/.:]+", " ", h.strip().lower().lstrip("\ufeff")).split())


def _canon_header(h: str) -> str | None:
    n = _norm_header(h)
    if n in _HEADER_LOOKUP:
        return _HEADER_LOOKUP[n]
    for prefix in _HEADER_PREFIXES:
        if n.startswith(prefix) and n[len(prefix) :] in _HEADER_LOOKUP:
            return _HEADER_LOOKUP[n[len(prefix) :]]
    if n.endswith(" time") and n[:-5] in ("doors", "load in", "soundcheck", "set", "show", "stage"):
        return _HEADER_LOOKUP.get(n[:-5])
    return None


def detect_kind(data: bytes, filename: str) -> str:
    """``"ics"`` or ``"csv"``.

    Raises:
        InvalidInput: empty, too large, not text, or neither format.
    """
    if not data.strip() or not data.lstrip(b"\xef\xbb\xbf").strip():
        raise InvalidInput("That file is empty. Attach an .ics calendar or a .csv with a header row.")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"That file is {len(data):,} bytes; the limit is {MAX_BYTES:,} (1 MB). Split it and import the parts."
        )
    head = data.lstrip(b"\xef\xbb\xbf").lstrip()[:200].upper()
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


def _infer(row: Row, f: tours.ShowFields) -> None:
    """Set ``f.timezone`` from the row's city/region/country when the file named no zone."""
    guess = places.infer_zone(f.city or None, f.region, f.country)
    if guess:
        f.timezone, row.zone_kind, row.zone_basis = guess.zone, "inferred", guess.basis


# --- CSV ------------------------------------------------------------------------------------


def _csv_reader(text: str) -> csv.reader:  # type: ignore[valid-type]
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        first = sample.splitlines()[0] if sample.splitlines() else ""
        dialect = csv.excel
        if first.count(";") > first.count(","):
            dialect = csv.excel
            dialect.delimiter = ";"  # type: ignore[misc]
    # newline="" lets csv see \r\n, \n and old Mac \r line ends alike
    return csv.reader(io.StringIO(text, newline=""), dialect)


def decide_date_order(dates: list[tuple[str, str]], cfg: GuildConfig) -> tuple[str | None, str | None, str | None]:
    """The one date order of a file's numeric dates: (order, note, refusal).

    ``dates`` are (row label, date text). A first number over 12 (``24/10/2027``) proves day-first,
    a second over 12 (``10/24/2027``) month-first. With no proof, the server's explicitly chosen
    order (:func:`chosen_date_order`) is used and said; without one the file is refused (refusal
    text). ISO and written-out dates don't count. Never decided row by row.
    """
    day_proof = [(lbl, t) for lbl, t in dates if (m := _NUMERIC_DATE.match(t)) and int(m["a"]) > 12]
    month_proof = [(lbl, t) for lbl, t in dates if (m := _NUMERIC_DATE.match(t)) and int(m["b"]) > 12]
    numeric = [(lbl, t) for lbl, t in dates if _NUMERIC_DATE.match(t)]
    if not numeric:
        return None, None, None
    if day_proof and not month_proof:
        lbl, t = day_proof[0]
        return "day-first", f"Dates read day-first (DD/MM/YYYY): {lbl} has {code(t[:12])}.", None
    if month_proof and not day_proof:
        lbl, t = month_proof[0]
        return "month-first", f"Dates read month-first (MM/DD/YYYY): {lbl} has {code(t[:12])}.", None
    if day_proof and month_proof:
        order = "day-first" if len(day_proof) >= len(month_proof) else "month-first"
        a, b = (day_proof[0], month_proof[0]) if order == "day-first" else (month_proof[0], day_proof[0])
        return (
            order,
            f"Dates read {order} ({a[0]} has {code(a[1][:12])}); rows written the other way (like {b[0]} "
            f"{code(b[1][:12])}) were skipped.",
            None,
        )
    chosen = chosen_date_order(cfg)
    example = numeric[0][1][:12]
    if chosen:
        return (
            chosen,
            f"Every numeric date (like {code(example)}) could be day- or month-first; read {chosen} as this "
            "server's `/settings date-order` says.",
            None,
        )
    return (
        None,
        None,
        f"Every numeric date in this file (like {code(example)}) could be day-first or month-first, so nothing "
        "was imported. Choose with `/settings date-order` and import again, or write the dates as "
        "2027-03-04.",
    )


def parse_csv(data: bytes, cfg: GuildConfig, today: date, notes: list[str] | None = None) -> list[Row]:
    """The shows of a CSV with a header row. Row numbers count the header as row 1.

    Raises:
        InvalidInput: no header, no date or venue column, more than :data:`MAX_ROWS` rows, or
        only ambiguous numeric dates on a server that chose no date order.
    """
    notes = notes if notes is not None else []
    text = _decode(data)
    reader = _csv_reader(text)
    try:
        header = next(reader)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader)
    except (StopIteration, csv.Error):
        raise InvalidInput("That CSV has no header row.") from None
    columns: dict[int, str] = {}
    for i, h in enumerate(header):
        canon = _canon_header(h)
        if canon and canon not in columns.values():
            columns[i] = canon
        elif canon:
            first = header[next(j for j, c in columns.items() if c == canon)].strip()
            notes.append(
                f"Column {code(h.strip()[:30])} was ignored: {code(first[:30])} already gives the "
                f"{canon.replace('_', ' ')}."
            )
    if "location" in columns.values():  # "Location" is the venue, or "City, ST" beside a venue column
        loc = next(i for i, c in columns.items() if c == "location")
        if "venue" not in columns.values():
            columns[loc] = "venue"
        elif "city" in columns.values():
            del columns[loc]
    found = ", ".join(f"{code(h.strip()[:30])}" for h in header[:12] if h.strip()) or "none"
    missing = [c for c in ("date", "venue") if c not in columns.values()]
    if missing:
        hint = ""
        if header and (
            _NUMERIC_DATE.match(header[0]) or re.match(r"^\s*(\d{4}-\d\d-\d\d|[A-Za-z]{3,9}\.? \d)", header[0])
        ):
            hint = " The first row looks like a show, not column names: add a header row first."
        raise InvalidInput(
            f"The CSV is missing the column(s) {', '.join(f'{code(m)}' for m in missing)}. "
            f"Columns found: {found}. Name them e.g. `date`, `city`, `venue`, `doors`, `set time`." + hint
        )
    if "city" not in columns.values() and "location" not in columns.values():
        notes.append(f"No city column (columns: {found}): shows were stored without a city; add it with `/tour edit`.")
    raw_rows: list[tuple[str, dict[str, str]]] = []
    extra_cells = 0
    try:
        for row in reader:
            line_no = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(raw_rows) >= MAX_ROWS:
                raise InvalidInput(f"That CSV has more than {MAX_ROWS:,} shows; import at most {MAX_ROWS:,} at a time.")
            if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
                extra_cells += 1
            values = {
                canon: html.unescape(row[i].strip()) if _ENTITY.search(row[i]) else row[i].strip()
                for i, canon in columns.items()
                if i < len(row) and row[i].strip() and not _PLACEHOLDER.fullmatch(row[i].strip())
            }
            raw_rows.append((f"row {line_no}", values))
    except csv.Error as exc:
        raise InvalidInput(f"The CSV can't be read past row {reader.line_num}: {exc}.") from None
    if extra_cells:
        notes.append(f"{extra_cells} row(s) have more cells than the header has names; the unnamed cells were ignored.")
    order, order_note, refusal = decide_date_order([(lbl, v["date"]) for lbl, v in raw_rows if "date" in v], cfg)
    if refusal:
        raise InvalidInput(refusal)
    if order_note:
        notes.append(order_note)
    file_cfg = dataclasses.replace(cfg, date_order=order) if order else cfg
    out: list[Row] = []
    for label, values in raw_rows:
        row = Row(label)
        try:
            row.fields = _fields_from_values(values, file_cfg, today, row, order)
            assert row.fields.date is not None
            check_show_date(row.fields.date, today)
        except InvalidInput as exc:
            row.fields, row.reason = None, str(exc).rstrip(".")
        out.append(row)
    return out


_MON_YY = re.compile(r"^\s*(?P<d>\d{1,2})[-/ .](?P<mon>[A-Za-z]{3,9})\.?[-/ .](?P<y>\d{2})\s*$")


def _full_year(yy: int, today: date) -> int:
    """A two-digit year: this century unless that is over 10 years ahead (``17`` -> 2017, ``98`` -> 1998)."""
    return 2000 + yy if 2000 + yy <= today.year + 10 else 1900 + yy


def _normalise_date(text: str, order: str | None, today: date) -> str:
    """Numeric dates in the file's one order -> ISO (``10/24/17`` month-first -> ``2017-10-24``);
    ``28-Aug-10`` -> ``28 Aug 2010``; anything else unchanged (read by the usual date parser)."""
    if order and (m := _NUMERIC_DATE.match(text)) and _NUMERIC_DATE.sub("", text, count=1).strip() == "":
        a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
        day, month = (a, b) if order == "day-first" else (b, a)
        year = _full_year(y, today) if len(m["y"]) == 2 else y
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            raise InvalidInput(f"date {code(text[:12])} is not a calendar date ({order})") from None
    if m := _MON_YY.match(text):
        return f"{m['d']} {m['mon']} {_full_year(int(m['y']), today)}"
    return text


def _fields_from_values(
    values: dict[str, str], cfg: GuildConfig, today: date, row: Row, order: str | None
) -> tours.ShowFields:
    if not values.get("date"):
        raise InvalidInput("no date")
    if not values.get("venue"):
        raise InvalidInput("no venue")
    date_text = values["date"]
    if re.match(r"^\d{4}-\d{2}-00\b", date_text) or re.match(r"^00[/.\-]", date_text):
        raise InvalidInput(f"date {code(date_text[:12])} has no day (00)")
    if order and (m := _NUMERIC_DATE.match(date_text)):
        first, second = int(m["a"]), int(m["b"])
        if (order == "day-first" and second > 12) or (order == "month-first" and first > 12):
            raise InvalidInput(f"date {code(date_text[:12])} is not {order} like the rest of the file")
    date_text = _normalise_date(date_text, order, today)
    city = values.get("city") or values.get("location") or ""
    region, country = values.get("region"), values.get("country")
    if city and not (region and country) and ("," in city or places.country_code(city)):
        c, r, k = places.split_city_cell(city)
        city, region, country = c or "", region or r, country or k
    zone = values.get("timezone")
    f = tours.parse_fields(cfg, today, date_text=date_text, city=city or None, venue=values["venue"],
                           timezone=_csv_zone(zone) if zone else None)  # fmt: skip
    f.city = f.city or ""
    row.city_missing = not f.city
    lenient = {k: values.get(k) for k in (*tours.TIME_FIELDS, *_OPTIONAL_TEXT)}
    lenient["region"], lenient["country"] = region, country
    for name, value in lenient.items():
        if not value:
            continue
        try:
            one = tours.parse_fields(cfg, today, **{name: value})
        except InvalidInput as exc:
            what = tours.TIME_LABELS.get(name) or _OPTIONAL_TEXT[name]
            row.dropped.append(f"{what} {code(value[:40])} ({str(exc).rstrip('.')[:80]})")
            continue
        attr = "ticket_url" if name == "tickets" else name
        setattr(f, attr, getattr(one, attr))
        if name == "status":
            f.hold_rank = one.hold_rank
    if f.timezone:
        row.zone_kind = "given"
    else:
        _infer(row, f)
    if not f.timezone:
        f.timezone, row.zone_kind = cfg.timezone, "server"
    return f


def _csv_zone(text: str) -> str:
    zone = ical_zones.resolve_tzid(text)
    if zone is None:
        raise InvalidInput(f"time zone {code(text[:40])} is not one Roadie knows (use an IANA name like Europe/Berlin)")
    return zone


# --- iCalendar ------------------------------------------------------------------------------

RRULE_HORIZON_DAYS = 2 * 366  # a repeating event is imported for this long from today (and a year back)
MAX_OCCURRENCES = 12  # more dates than this in the horizon is a meeting series, not a run of shows
_OTHER_COMPONENTS = re.compile(
    rb"^BEGIN:(VTODO|VJOURNAL|VFREEBUSY|VAVAILABILITY)\r?$.*?^END:\1\r?$\n?", re.MULTILINE | re.DOTALL
)


def _x(event: object, name: str) -> str | None:
    value = event.get(f"X-ROADIE-{name}")  # type: ignore[attr-defined]
    return str(value) if value is not None and str(value).strip() else None


def _read_calendar(data: bytes, notes: list[str]):  # type: ignore[no-untyped-def]
    """The parsed calendar; to-dos, journals and free/busy blocks (never shows) are dropped first so
    a broken one can't refuse the file; events that still break parsing are dropped one by one."""
    from icalendar import Calendar

    stripped, n_other = _OTHER_COMPONENTS.subn(b"", data)
    if n_other:
        notes.append(f"{n_other} to-do/free-busy entr{'y was' if n_other == 1 else 'ies were'} ignored (not events).")
    try:
        return Calendar.from_ical(stripped)
    except Exception:  # icalendar raises ValueError and friends for malformed input
        pass
    # parse event by event: keep the calendar's header and time zones, drop events that don't parse
    text = stripped.replace(b"\r\n", b"\n")
    blocks = re.split(rb"(?m)^(?=BEGIN:VEVENT\s*$)", text)
    head, events = blocks[0], blocks[1:]
    good: list[bytes] = []
    bad = 0
    for ev in events:
        ev = ev.split(b"END:VEVENT", 1)[0] + b"END:VEVENT\n"
        try:
            Calendar.from_ical(head + ev + b"END:VCALENDAR\n")
            good.append(ev)
        except Exception:
            bad += 1
    try:
        cal = Calendar.from_ical(head + b"".join(good) + b"END:VCALENDAR\n")
    except Exception:
        raise InvalidInput(
            "That .ics file can't be read as a calendar: it may be cut short or not an iCalendar "
            "export. Export it again from your calendar app."
        ) from None
    if bad:
        notes.append(f"{bad} event(s) could not be read at all and were left out.")
    return cal


def parse_ics(data: bytes, cfg: GuildConfig, today: date, notes: list[str] | None = None) -> list[Row]:
    """The shows of a calendar: one per VEVENT, and per occurrence of a repeating one (RRULE/RDATE,
    with moved instances) from a year back to :data:`RRULE_HORIZON_DAYS` ahead.

    Raises:
        InvalidInput: not a parsable calendar, or more than :data:`MAX_ROWS` events.
    """

    notes = notes if notes is not None else []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        notes.append("The file is not valid UTF-8: text that couldn't be read shows as �; check names.")
    cal = _read_calendar(data, notes)
    cal_zone = None
    if cal.get("X-WR-TIMEZONE"):
        cal_zone = ical_zones.resolve_tzid(str(cal.get("X-WR-TIMEZONE")))
    events = list(cal.walk("VEVENT"))
    if len(events) > MAX_ROWS:
        raise InvalidInput(f"That calendar has {len(events):,} events; import at most {MAX_ROWS:,} at a time.")
    series = {str(ev.get("UID", "")) for ev in events if ev.get("RRULE") is not None or ev.get("RDATE") is not None}
    series.discard("")
    out: list[Row] = []
    for i, ev in enumerate(events, start=1):
        summary = str(ev.get("SUMMARY", "")).strip()
        label = f"event {i}" + (f" ({summary[:40]})" if summary else "")
        uid = str(ev.get("UID", "")).strip()
        if uid in series:
            continue  # expanded below, moved instances included
        out.append(_event_row(ev, label, cfg, today, cal_zone))
    if series:
        out += _expand_series(cal, events, series, cfg, today, cal_zone, notes)
    return out


def _expand_series(
    cal: object,
    events: list[object],
    series: set[str],
    cfg: GuildConfig,
    today: date,
    cal_zone: str | None,
    notes: list[str],
) -> list[Row]:
    """Rows for repeating events: each occurrence (moved instances included) from a year back to
    :data:`RRULE_HORIZON_DAYS` ahead, identified by UID + its RECURRENCE-ID. A series with more than
    :data:`MAX_OCCURRENCES` dates there (a weekly meeting, not a tour) or none is skipped, saying so."""
    import recurring_ical_events

    start = datetime.combine(today - timedelta(days=366), time(0))
    end = datetime.combine(today + timedelta(days=RRULE_HORIZON_DAYS), time(0))
    from icalendar import Calendar

    by_uid: dict[str, list[object]] = {}
    failed: dict[str, str] = {}
    zones = list(cal.walk("VTIMEZONE"))  # type: ignore[attr-defined]
    for uid in series:  # one series at a time, so one broken rule doesn't take the others with it
        sub = Calendar()
        if cal.get("X-WR-TIMEZONE") is not None:  # type: ignore[attr-defined]
            sub.add("X-WR-TIMEZONE", cal.get("X-WR-TIMEZONE"))  # type: ignore[attr-defined]
        for z in zones:
            sub.add_component(z)
        for ev in events:
            if str(ev.get("UID", "")).strip() == uid:  # type: ignore[attr-defined]
                sub.add_component(ev)  # type: ignore[arg-type]
        try:
            by_uid[uid] = list(recurring_ical_events.of(sub).between(start, end))
        except Exception as exc:  # a broken rule: report, don't crash
            failed[uid] = type(exc).__name__
    out: list[Row] = []
    read: list[str] = []
    for i, ev in enumerate(events, start=1):
        uid = str(ev.get("UID", "")).strip()  # type: ignore[attr-defined]
        if uid not in series or ev.get("RECURRENCE-ID") is not None:  # type: ignore[attr-defined]
            continue
        summary = str(ev.get("SUMMARY", "")).strip()  # type: ignore[attr-defined]
        label = f"event {i}" + (f" ({summary[:40]})" if summary else "")
        occs = by_uid.pop(uid, [])
        if uid in failed:
            out.append(Row(label, reason=f"a repeating event whose rule can't be read ({failed[uid]})"))
        elif not occs:
            out.append(Row(label, reason=f"repeats, but on no date from {start.date()} to {end.date()}"))
        elif len(occs) > MAX_OCCURRENCES:
            reason = f"repeats {len(occs)} times by {end.date()}: a series, not shows; add the show dates on their own"
            out.append(Row(label, reason=reason))
        else:
            read.append(f"{code(summary[:30])} ({len(occs)})" if summary else f"{label} ({len(occs)})")
            for occ in occs:
                dt = occ.decoded("DTSTART")
                rdt = occ.decoded("RECURRENCE-ID") if occ.get("RECURRENCE-ID") is not None else dt
                rid_text = rdt.strftime("%Y%m%dT%H%M%S") if isinstance(rdt, datetime) else rdt.strftime("%Y%m%d")
                out.append(_event_row(occ, f"{label} on {dt:%Y-%m-%d}", cfg, today, cal_zone, rid_text))
    if read:
        more = f" and {len(read) - 8} more" if len(read) > 8 else ""
        notes.append(
            f"Repeating events read date by date, {start.date()} to {end.date()}: {', '.join(read[:8])}{more}."
        )
    return out


def _start_of(
    ev: object, cal_zone: str | None, x_tz: str | None
) -> tuple[date, datetime | None, str | None, str, bool]:
    """(day, UTC instant or None, zone the file gave or None, how the time was written, instant given?).

    Written as: ``zoned`` (TZID with a known zone), ``utc``, ``custom`` (a VTIMEZONE we can't name:
    only the instant is known), ``floating``, ``date`` (all day). Floating times are the wall clock
    in the calendar's X-WR-TIMEZONE when it has one.
    """
    prop = ev.get("DTSTART")  # type: ignore[attr-defined]
    if prop is None:
        raise InvalidInput("no DTSTART (start date)")
    if isinstance(prop, list):
        raise InvalidInput("more than one DTSTART")
    start = ev.decoded("DTSTART")  # type: ignore[attr-defined]
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    if isinstance(start, datetime):
        zone = ical_zones.resolve_tzid(str(tzid)) if tzid else None
        if zone is None and start.tzinfo is not None and getattr(start.tzinfo, "key", None) not in (None, "UTC"):
            zone = ical_zones.resolve_tzid(start.tzinfo.key)  # type: ignore[union-attr]
        if zone:
            local = start.replace(tzinfo=None)  # the wall clock as written, in the named zone
            at = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
            return local.date(), at, zone, "zoned", False
        if start.tzinfo is not None and start.utcoffset() is not None:
            kind = "utc" if not tzid else "custom"
            return start.astimezone(UTC).date(), start.astimezone(UTC), None, kind, True
        if tzid:
            return start.date(), None, None, f"unknown:{tzid}", False
        if x_tz or cal_zone:
            z = x_tz or cal_zone
            return start.date(), start.replace(tzinfo=ZoneInfo(z)).astimezone(UTC), z, "floating-cal", False  # type: ignore[arg-type]
        return start.date(), start.replace(tzinfo=UTC), None, "floating", False
    if isinstance(start, date):
        return start, None, None, "date", False
    raise InvalidInput("DTSTART is not a date")


def _event_row(
    ev: object, label: str, cfg: GuildConfig, today: date, cal_zone: str | None, rid: str | None = None
) -> Row:
    row = Row(label)
    try:
        row.fields = _event_fields(ev, cfg, today, cal_zone, row, rid)
        assert row.fields.date is not None
        check_show_date(row.fields.date, today)
    except InvalidInput as exc:
        row.fields, row.reason = None, str(exc).rstrip(".")
    except (ValueError, TypeError, KeyError, OverflowError, AttributeError) as exc:
        row.fields, row.reason = None, f"unreadable event ({type(exc).__name__})"
    return row


def _apple_location(ev: object) -> str | None:
    """Apple's X-APPLE-STRUCTURED-LOCATION: ``X-TITLE`` (the place's name) + ``X-ADDRESS``."""
    prop = ev.get("X-APPLE-STRUCTURED-LOCATION")  # type: ignore[attr-defined]
    if prop is None:
        return None
    if isinstance(prop, list):
        prop = prop[0]
    params = getattr(prop, "params", {})
    title, address = params.get("X-TITLE"), params.get("X-ADDRESS")
    parts = [str(p).replace("\\n", "\n").replace("\\,", ",") for p in (title, address) if p]
    return ", ".join(parts) if parts else None


def _event_fields(
    ev: object, cfg: GuildConfig, today: date, cal_zone: str | None, row: Row, rid: str | None
) -> tours.ShowFields:
    x_tz = _x(ev, "TZ")
    day, at, zone, written, row.instant_given = _start_of(ev, cal_zone, x_tz)
    ours = ev.get("X-ROADIE-VENUE") is not None  # type: ignore[attr-defined]
    if ours:
        venue, city, region, country = _x(ev, "VENUE"), _x(ev, "CITY"), _x(ev, "REGION"), _x(ev, "COUNTRY")
    else:
        text = str(ev.get("LOCATION", "")).strip()  # type: ignore[attr-defined]
        apple = _apple_location(ev)
        if not text and not apple:
            raise InvalidInput("no LOCATION (where is the show?)")
        if re.match(r"(?i)^https?://", text):
            raise InvalidInput("LOCATION is only a map link, not a place")
        place = places.split_location(apple or text)
        if apple and not place.city and text:
            place = places.split_location(text)
        venue, city, region, country = place.venue, place.city, place.region, place.country
        summary = str(ev.get("SUMMARY", "")).strip()  # type: ignore[attr-defined]
        if not venue and not city and not (region and summary):
            raise InvalidInput(f"LOCATION {code(text[:40])} names only a region or country, no venue or city")
        if not venue and summary:
            venue = (
                summary.split(" — ")[-1].split(" @ ")[-1].strip() if (" — " in summary or " @ " in summary) else summary
            )
        if not venue and not city:
            raise InvalidInput(f"LOCATION {code(text[:40])} names only a region or country, no venue or city")
        venue = venue or city
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
        city=city or None,
        venue=venue,
        country=country,
        region=region,
        load_in=_x(ev, "LOAD-IN"),
        soundcheck=_x(ev, "SOUNDCHECK"),
        doors=_x(ev, "DOORS"),
        set_time=_x(ev, "SET"),
        status=status,
        capacity=_x(ev, "CAPACITY"),
        support=_x(ev, "SUPPORT"),
        notes=_x(ev, "NOTES") if ours else (str(ev.get("DESCRIPTION", "")).strip()[:1000] or None),  # type: ignore[attr-defined]
    )
    tickets = _x(ev, "TICKETS") or url
    if tickets:
        try:
            f.ticket_url = tours.parse_url(tickets)
        except InvalidInput:
            row.dropped.append(f"URL {code(tickets[:40])} (not a web link)")
    f.city = f.city or ""
    row.city_missing = not f.city
    # the venue's zone: our own export's, a TZID the file names, else inferred from the place,
    # else the calendar's, else the server's; a UTC instant keeps its instant in whichever it is
    if x_tz:
        f.timezone, row.zone_kind = validate_timezone(x_tz), "given"
    elif zone and written == "zoned":
        f.timezone, row.zone_kind = zone, "given"
        tzid = ev.get("DTSTART").params.get("TZID")  # type: ignore[attr-defined]
        if tzid and str(tzid).strip('"') != zone:
            row.tzid_read = (str(tzid).strip('"'), zone)
    else:
        _infer(row, f)
        if not f.timezone:
            if cal_zone:
                f.timezone, row.zone_kind = cal_zone, "calendar"
            else:
                f.timezone, row.zone_kind = cfg.timezone, "server"
        if written.startswith("unknown:"):
            row.zone_basis = (row.zone_basis or "") + f" (the file's zone {code(written[8:][:40])} is unknown)"
    tz = ZoneInfo(f.timezone)
    if written == "date":
        f.date, start_time = day, None
    elif at is not None and written in ("zoned", "utc", "custom", "floating-cal"):
        local = at.astimezone(tz)
        f.date, start_time = local.date(), local.time()
    else:  # floating or unknown zone: the wall clock as written, in the venue's zone
        start = ev.decoded("DTSTART")  # type: ignore[attr-defined]
        f.date, start_time = start.date(), start.time()
    if start_time is not None:
        start_time = start_time.replace(second=0, microsecond=0)
        if start_time == MIDNIGHT and written != "utc":
            start_time = None  # 00:00 local is how calendars write "time not known"
            row.dropped.append("start 00:00 (read as: no time given)")
    if not ours and start_time is not None:
        f.doors = start_time
    rank = _x(ev, "HOLD-RANK")
    if f.status == ShowStatus.HOLD and rank:
        f.status, f.hold_rank = tours.parse_status(f"hold-{rank}" if rank.isdigit() else "?")
    uid = str(ev.get("UID", "")).strip()  # type: ignore[attr-defined]
    own_rid = ev.get("RECURRENCE-ID")  # type: ignore[attr-defined]
    if rid is None and own_rid is not None:
        value = ev.decoded("RECURRENCE-ID")  # type: ignore[attr-defined]
        rid = value.strftime("%Y%m%dT%H%M%S") if isinstance(value, datetime) else value.strftime("%Y%m%d")
    if uid and rid:
        uid = f"{uid[:230]}#{rid}"
    f.uid = uid[:255] or None
    return f


# --- import ---------------------------------------------------------------------------------


def _first_time(x: object) -> time | None:
    return getattr(x, "doors", None) or getattr(x, "set_time", None)


def _match(
    f: tours.ShowFields, by_uid: dict[str, Show], by_key: dict[tuple, list[Show]], taken: set[int]
) -> Show | None:
    """The stored show a row updates: same UID when the row has one (never a show of another UID);
    else the one stored show with its date and venue, or among several the one with the same first
    time (doors, else set), else none (the row is a new show). Shows stored by this import and shows
    already matched don't count, so rows of one file never merge."""
    if f.uid:
        s = by_uid.get(f.uid)
        return s if s is not None and s.id not in taken else None
    assert f.date is not None and f.venue is not None
    same = [s for s in by_key.get((f.date, refs.fold(f.venue)), []) if s.id not in taken]
    if len(same) == 1:
        return same[0]
    timed = [s for s in same if _first_time(s) is not None and _first_time(s) == _first_time(f)]
    return timed[0] if timed else None


def _summarise_refusal(rows: list[Row], kind: str) -> str:
    """ "none of the 159 events has …": the common reason first, then the next most common ones."""
    what = "events" if kind == "ics" else "rows"
    reasons = Counter(_reason_kind(r.reason or "") for r in rows)
    if not reasons:
        return f"No {what} in that file, so nothing was imported."
    parts = []
    for reason, n in reasons.most_common(3):
        example = next(r for r in rows if _reason_kind(r.reason or "") == reason)
        if n == 1:
            parts.append(f"{example.label}: {example.reason}")
            continue
        lead = f"all {n}" if n == len(rows) else str(n)
        parts.append(f"{lead} {what}: {reason} (e.g. {example.label}: {example.reason})")
    return f"No usable {what} in that file, so nothing was imported: " + "; ".join(parts) + "."


def _reason_kind(reason: str) -> str:
    """A skip reason without its specifics (``LOCATION `X` names…`` -> ``LOCATION names…``)."""
    return re.sub(r"\s*`[^`]*`", "", reason).split(" (")[0]


def _notes_for(rows: list[tuple[Row, Show]], cfg: GuildConfig, notes: list[str]) -> None:
    """What was inferred and assumed, grouped, with the show numbers and a fix that gives the right times."""
    inferred: dict[str, list[int]] = {}
    read_as: dict[tuple[str, str], list[int]] = {}
    assumed: dict[tuple[str, str, bool], list[int]] = {}
    no_city: list[int] = []
    dropped: list[str] = []
    for row, show in rows:
        if row.zone_kind == "inferred" and row.zone_basis:
            inferred.setdefault(row.zone_basis, []).append(show.number)
        elif row.zone_kind in ("calendar", "server"):
            assumed.setdefault((row.zone_kind, show.timezone, row.instant_given), []).append(show.number)
        if row.city_missing:
            no_city.append(show.number)
        if row.tzid_read:
            read_as.setdefault(row.tzid_read, []).append(show.number)
        for d in row.dropped:
            dropped.append(f"{row.label} (#{show.number}): {d}")
    if read_as:
        listed = "; ".join(f"{code(name[:50])} as {zone} ({_nums(n)})" for (name, zone), n in read_as.items())
        notes.append(f"Time zones the file names its own way, read: {listed}.")
    if inferred:
        listed = "; ".join(f"{basis} ({_nums(n)})" for basis, n in inferred.items())
        notes.append(f"Venue zone inferred from the place (the file gave none): {listed}.")
    for (kind, zone, instant_given), nums in assumed.items():
        source = "the calendar's own time zone" if kind == "calendar" else "this server's time zone"
        fix = (
            "the file gave UTC times: fix with `/tour edit show:#N timezone:Area/City keep:instant` (keeps the instant)"
            if instant_given
            else "fix with `/tour edit show:#N timezone:Area/City` (keeps the times as written)"
        )
        notes.append(f"{len(nums)} show(s) ({_nums(nums)}) had no venue time zone; assumed {zone} ({source}); {fix}.")
    if no_city:
        notes.append(
            f"{len(no_city)} show(s) ({_nums(no_city)}): the file names no city; stored without one "
            "(add it with `/tour edit show:#N city:`)."
        )
    if dropped:
        more = f"; …and {len(dropped) - 5} more" if len(dropped) > 5 else ""
        notes.append("Left out, the rest kept: " + "; ".join(dropped[:5]) + more + ".")


def _note_rank(note: str) -> int:
    """Order of the report's notes: date order, zones named/inferred/assumed, missing cities, the rest."""
    if note.startswith(("Dates read", "Every numeric")):
        return 0
    if note.startswith("Time zones the file"):
        return 1
    if note.startswith("Venue zone inferred") or "had no venue time zone" in note:
        return 2
    if "names no city" in note:
        return 3
    return 4


def _nums(nums: list[int]) -> str:
    text = ", ".join(f"#{n}" for n in nums[:8])
    return text + (f" +{len(nums) - 8} more" if len(nums) > 8 else "")


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
    planners: tours.ShowPlanners = (),
) -> ImportReport:
    """Import a calendar or CSV into the guild's shows: all usable rows, or nothing. Flushes; the
    caller's unit of work commits.

    Identity: a row with a UID (+ RECURRENCE-ID) updates only the show with that UID; a row without
    one updates a show stored before this import with its date and venue (several: the one with
    the same first time); rows of one file never merge. A row that would update a show someone
    else added is skipped unless ``actor`` is a manager (:mod:`bot.services.permissions`).
    Nudges are planned for the added and updated shows (theirs and ``planners``', see
    :data:`bot.services.tours.ShowPlanners`).

    Raises:
        InvalidInput: the file as a whole can't be used (see module docstring); nothing is stored.
    """
    kind = detect_kind(data, filename)
    cfg = await get_config(session, guild_id)
    today = now.astimezone(cfg.tz).date()
    report = ImportReport(kind=kind)
    parse = parse_ics if kind == "ics" else parse_csv
    # parsing is CPU work (up to 2,000 rows, a city table): keep it off the event loop
    rows = await asyncio.to_thread(parse, data, cfg, today, report.notes)
    if not any(r.fields is not None for r in rows):
        raise InvalidInput(_summarise_refusal(rows, kind))
    existing = list(await session.scalars(select(Show).where(Show.guild_id == guild_id, Show.visible())))
    by_uid = {s.uid: s for s in existing}
    by_key: dict[tuple, list[Show]] = {}
    for s in existing:
        by_key.setdefault((s.date, refs.fold(s.venue)), []).append(s)
    number = await refs.next_number(session, Show, guild_id)
    manager = actor is None or await is_manager(session, guild_id, actor)
    added: list[Show] = []
    updated: dict[int, Show] = {}
    taken: set[int] = set()
    stored: list[tuple[Row, Show]] = []
    seen_uids: set[str] = set()
    for row in rows:
        if row.fields is None:
            report.skipped.append((row.label, row.reason or "unreadable"))
            continue
        f = row.fields
        if f.uid and f.uid in seen_uids:  # invalid iCalendar, but two events: keep both, stably
            n = 2
            while f"{f.uid}#{n}" in seen_uids:
                n += 1
            f.uid = f"{f.uid[:240]}#{n}"
        show = _match(f, by_uid, by_key, taken)
        if show is not None and not manager and show.author_id != author_id:
            report.skipped.append(
                (
                    row.label,
                    f"matches show #{show.number}, which someone else added; ask them or a manager to import it",
                )
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
                updated[show.id] = show
                taken.add(show.id)
                report.updated += 1
        except InvalidInput as exc:
            report.skipped.append((row.label, str(exc).rstrip(".")))
            continue
        if f.uid:
            seen_uids.add(f.uid)
        stored.append((row, show))
        report.show_numbers.append(show.number)
    _notes_for(stored, cfg, report.notes)
    report.notes.sort(key=_note_rank)  # the report shows the first few: what decides dates and times first
    await session.flush()  # one multi-row INSERT for the new shows
    await tours.plan_nudges_many(session, added, cfg, now, fresh=True, planners=planners)
    await tours.plan_nudges_many(session, list(updated.values()), cfg, now, planners=planners)
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

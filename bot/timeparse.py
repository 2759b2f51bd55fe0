"""Turn what people type ("tomorrow 9am", "2027-03-14 20:00", "03/04/2027") into aware datetimes.

Everything is read in the guild's zone and returned both local and in UTC. Rules:

* ISO dates/times are read first (``2027-03-14``, ``2027-03-14 20:00``, ``2027-03-14T20:00+01:00``).
* Numeric dates (``03/04/2027``, ``3.4.27``, ``03/04``) follow the guild's date order
  (``day-first`` or ``month-first``) strictly: an impossible date is an error, never flipped.
* A bare time (``9am``, ``18:30``, ``noon``) that has passed today means tomorrow.
* Anything else goes to ``dateparser`` (English), preferring future dates.
* Text without a time of day gets ``default_time`` (09:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.errors import InvalidInput
from bot.textfmt import code

DATE_ORDERS = ("day-first", "month-first")
DEFAULT_TIME = time(9, 0)
EXAMPLES = "`2027-03-14 20:00`, `tomorrow 9am`, `next friday 18:00` or `in 3 days`"

_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|Z)?)?$")
_NUMERIC_RE = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})(?:[/.\-](?P<y>\d{4}|\d{2}))?(?:(?:\s+|\s*,\s*|\s+at\s+)(?P<rest>.+))?$"
)
_TIME_RE = re.compile(
    r"^(?:at\s+)?(?:(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?|(?P<word>noon|midnight))$"
)
_HAS_TIME_RE = re.compile(
    r"(\d{1,2}:\d{2})|(\d\s*(am|pm|a\.m\.|p\.m\.)\b)|\bnoon\b|\bmidnight\b|\btonight\b|"
    r"\bin\s+(an?|\d+|a few|one|two|three|four|five|ten)\s+(sec|second|seconds|min|mins|minute|minutes|"
    r"hour|hours|hr|hrs|day|days|week|weeks|month|months|year|years)\b|\b\d+\s*(s|sec|secs|m|min|mins|h|hr|hrs)\b",
    re.IGNORECASE,
)


MAX_AHEAD = timedelta(days=365 * 10)
_CLOCK_TOKEN_RE = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_AMPM_TOKEN_RE = re.compile(r"(?<![:\d])(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b")
_BARE_AT_RE = re.compile(r"\bat\s+(\d{1,2})\s*$")
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "min": 60,
    "minute": 60,
    "m": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "day": 86400,
    "d": 86400,
    "week": 604800,
    "w": 604800,
}
_REL_PART = r"(\d+(?:\.\d+)?|an?|one)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)\b"
_REL_PART_RE = re.compile(_REL_PART)
_REL_RE = re.compile(rf"^in\s+((?:{_REL_PART}(?:\s*,\s*|\s+and\s+|\s+)?)+)$")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# the commonest phrases, read without dateparser (same results: pinned by tests/test_timeparse.py)
_DAY_WORD_RE = re.compile(
    rf"^(?:(?P<rel>today|tomorrow)|next\s+(?P<wd>{'|'.join(_WEEKDAYS)}))(?:\s*,?\s+(?:at\s+)?(?P<clock>.+))?$"
)


def _said_clock(lowered: str) -> time | None:
    """The clock time spelled out in the text (``18:30``, ``6pm``), or None."""
    m = _AMPM_TOKEN_RE.search(lowered)
    if m:
        return time(int(m.group(1)) % 12 + (12 if m.group(3) == "pm" else 0), int(m.group(2) or 0))
    m = _CLOCK_TOKEN_RE.search(lowered)
    if m:
        return time(int(m.group(1)), int(m.group(2)))
    return None


@dataclass(frozen=True)
class ParsedWhen:
    """A moment read from user text.

    Attributes:
        utc: the moment, aware, in UTC.
        local: the same moment, aware, in the guild's zone.
        has_time: False when the text named only a day (``default_time`` was used).
    """

    utc: datetime
    local: datetime
    has_time: bool


def format_local(dt: datetime, tz: ZoneInfo, *, with_time: bool = True) -> str:
    """Unambiguous human form in ``tz``: ``Sat 3 Apr 2027 09:00`` (or ``Sat 3 Apr 2027``)."""
    loc = dt.astimezone(tz)
    text = f"{loc:%a} {loc.day} {loc:%b %Y}"
    return f"{text} {loc:%H:%M}" if with_time else text


def _combine(d: date, t: time, tz: ZoneInfo) -> datetime:
    # Normalise through UTC so a wall time in a DST gap lands on a real instant.
    return datetime.combine(d, t, tzinfo=tz).astimezone(UTC).astimezone(tz)


def parse_clock(text: str) -> time | None:
    """``9am``, ``18:30``, ``noon`` -> a time of day; None for text that isn't a clock time.

    Raises:
        InvalidInput: an impossible clock value (``25:00``, ``13pm``).
    """
    m = _TIME_RE.match(text.strip().lower())
    if not m:
        return None
    if m.group("word"):
        return time(12, 0) if m.group("word") == "noon" else time(0, 0)
    hour, minute, ampm = int(m.group("h")), int(m.group("m") or 0), m.group("ampm")
    if ampm is None and m.group("m") is None:
        return None  # a lone "9" is not a time
    if ampm:
        if not 1 <= hour <= 12:
            raise InvalidInput(f"{code(text.strip())} is not a time: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise InvalidInput(f"{code(text.strip())} is not a time of day (use 00:00 to 23:59).")
    return time(hour, minute)


def _numeric(
    m: re.Match[str], text: str, order: str, now_local: datetime, default_time: time, tz: ZoneInfo
) -> ParsedWhen:
    a, b = int(m.group("a")), int(m.group("b"))
    day, month = (a, b) if order == "day-first" else (b, a)
    order_hint = "DD/MM/YYYY" if order == "day-first" else "MM/DD/YYYY"
    y = m.group("y")
    year = (2000 + int(y) if len(y) == 2 else int(y)) if y else now_local.year
    if not 1 <= month <= 12:
        try:  # the example is this very date read the other way round, e.g. 3/20/2027 -> 2027-03-20
            example = date(year, day, month).isoformat()
        except ValueError:
            example = f"{year}-04-13"
        raise InvalidInput(
            f"{code(text)} has no month {month}: this server writes dates {order} ({order_hint}). "
            f"Type it as ISO (e.g. {code(example)}) or change `/settings date-order`."
        )
    try:
        d = date(year, month, day)
    except ValueError:
        raise InvalidInput(
            f"{code(text)} is not a real date (read {order} as {order_hint}). Try e.g. {EXAMPLES}."
        ) from None
    t, has_time = default_time, False
    if m.group("rest"):
        clock = parse_clock(m.group("rest"))
        if clock is None:
            raise InvalidInput(f"Couldn't read {code(m.group('rest'))} as a time of day. Use e.g. `20:00` or `8pm`.")
        t, has_time = clock, True
    if not y and d < now_local.date():
        d = d.replace(year=d.year + 1)
    local = _combine(d, t, tz)
    return ParsedWhen(local.astimezone(UTC), local, has_time)


def parse_when(
    text: str, *, tz: ZoneInfo, date_order: str, now: datetime, default_time: time = DEFAULT_TIME
) -> ParsedWhen:
    """Read ``text`` in zone ``tz`` relative to ``now`` (aware).

    Raises:
        InvalidInput: the text cannot be read, names an impossible date/time, or is more than
            :data:`MAX_AHEAD` away; the message says what was read and what to type instead.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = " ".join(text.split())
    if not raw:
        raise InvalidInput(f"Give a date or time, e.g. {EXAMPLES}.")
    try:
        when = _parse(raw, tz=tz, date_order=date_order, now=now, default_time=default_time)
    except OverflowError:
        raise InvalidInput(f"{code(raw)} is outside the dates Roadie can handle. Try e.g. {EXAMPLES}.") from None
    if when.utc - now > MAX_AHEAD:
        raise InvalidInput(
            f"{code(raw)} is {format_local(when.utc, tz, with_time=when.has_time)}, more than "
            f"{MAX_AHEAD.days // 365} years away. Give a nearer date."
        )
    return when


def _check_clocks(raw: str, lowered: str) -> None:
    """Refuse impossible or ambiguous clock readings that dateparser would silently reinterpret."""
    for h, m in _CLOCK_TOKEN_RE.findall(lowered):
        if int(h) > 23 or int(m) > 59:
            raise InvalidInput(f"`{h}:{m}` is not a time of day (use 00:00 to 23:59).")
    for h, _m, ampm in _AMPM_TOKEN_RE.findall(lowered):
        if not 1 <= int(h) <= 12:
            raise InvalidInput(f"`{h}{ampm}` is not a time: with am/pm the hour is 1 to 12.")
    bare = _BARE_AT_RE.search(lowered)
    if bare:
        n = int(bare.group(1))
        raise InvalidInput(f"`at {n}` could be morning or evening: write `{n}am`, `{n}pm` or `{n:02d}:00`.")
    if lowered.startswith("in ") and lowered.endswith(" ago"):
        raise InvalidInput(f"{code(raw)} says both *in* and *ago*. Try e.g. `in 2 hours`.")


def _relative(lowered: str) -> timedelta | None:
    """``in 1.5 hours``, ``in 2 hours 30 minutes``, ``in an hour`` -> exact offsets (None if not that form)."""
    m = _REL_RE.match(lowered)
    if not m:
        return None
    total = timedelta()
    for amount, unit in _REL_PART_RE.findall(m.group(1)):
        n = 1.0 if amount in ("a", "an", "one") else float(amount)
        total += timedelta(seconds=n * _UNIT_SECONDS[unit.rstrip("s") if unit not in ("s",) else "s"])
    return total


def _day_word(lowered: str, now_local: datetime, default_time: time, tz: ZoneInfo) -> ParsedWhen | None:
    """``today``/``tomorrow``/``next <weekday>`` with an optional clock time, read directly.

    ``next friday`` is the first Friday after today (a week ahead when today is Friday), as
    dateparser reads it. Returns None for anything else (then dateparser reads it).
    """
    m = _DAY_WORD_RE.match(lowered)
    if m is None:
        return None
    clock = None
    if m.group("clock") is not None:
        clock = parse_clock(m.group("clock"))
        if clock is None:
            return None  # "tomorrow evening": leave it to dateparser
    today = now_local.date()
    if m.group("rel"):
        d = today + timedelta(days=1 if m.group("rel") == "tomorrow" else 0)
    else:
        ahead = (_WEEKDAYS.index(m.group("wd")) - today.weekday()) % 7 or 7
        d = today + timedelta(days=ahead)
    local = _combine(d, clock or default_time, tz)
    return ParsedWhen(local.astimezone(UTC), local, clock is not None)


def _parse(raw: str, *, tz: ZoneInfo, date_order: str, now: datetime, default_time: time) -> ParsedWhen:
    lowered = raw.lower()
    now_local = now.astimezone(tz)

    if _ISO_RE.match(raw):
        try:
            dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if dt.year >= 9999:
                raise OverflowError
        except ValueError:
            raise InvalidInput(
                f"{code(raw)} looks like an ISO date but isn't a real one. Try e.g. {EXAMPLES}."
            ) from None
        has_time = len(raw) > 10
        if dt.tzinfo is None:
            local = _combine(dt.date(), dt.time() if has_time else default_time, tz)
        else:
            local = dt.astimezone(tz)
        return ParsedWhen(local.astimezone(UTC), local, has_time)

    m = _NUMERIC_RE.match(lowered)
    if m:
        return _numeric(m, raw, date_order, now_local, default_time, tz)

    if lowered.startswith("in -") or lowered.startswith("-"):
        raise InvalidInput(f"{code(raw)} is in the past. Give a future time, e.g. {EXAMPLES}.")
    offset = _relative(lowered)
    if offset is not None:
        at = now + offset
        return ParsedWhen(at.astimezone(UTC), at.astimezone(tz), True)
    _check_clocks(raw, lowered)

    clock = parse_clock(lowered)
    if clock is not None:
        local = _combine(now_local.date(), clock, tz)
        if local <= now_local:
            local = _combine(now_local.date() + timedelta(days=1), clock, tz)
        return ParsedWhen(local.astimezone(UTC), local, True)

    fast = _day_word(lowered, now_local, default_time, tz)
    if fast is not None:
        return fast

    import dateparser  # slow import (≈0.25 s of CPU the first time); only for the less common phrases

    parsed = dateparser.parse(
        raw,
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": now_local.replace(tzinfo=None),
            "DATE_ORDER": "DMY" if date_order == "day-first" else "MDY",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "STRICT_PARSING": False,
        },
    )
    if parsed is None:
        raise InvalidInput(f"Couldn't read {code(raw)} as a date or time. Try e.g. {EXAMPLES}.")
    has_time = bool(_HAS_TIME_RE.search(lowered))
    said = _said_clock(lowered)
    if said is not None and parsed.time().replace(second=0, microsecond=0) != said:
        raise InvalidInput(
            f"Couldn't read {code(raw)} reliably (the time of day came out as {parsed:%H:%M}). Try e.g. {EXAMPLES}."
        )
    if has_time:
        local = _combine(parsed.date(), parsed.time().replace(microsecond=0), tz)
        if lowered.startswith("in ") or " ago" in lowered:
            # relative offsets are exact instants from now
            local = (now_local.astimezone(UTC) + (parsed - now_local.replace(tzinfo=None))).astimezone(tz)
    else:
        local = _combine(parsed.date(), default_time, tz)
    return ParsedWhen(local.astimezone(UTC), local, has_time)


def parse_future(
    text: str,
    *,
    tz: ZoneInfo,
    date_order: str,
    now: datetime,
    default_time: time = DEFAULT_TIME,
    allow_today: bool = False,
) -> ParsedWhen:
    """Like :func:`parse_when`, but the moment must be after ``now``.

    With ``allow_today`` a date without a time of day may be today even if ``default_time`` has
    passed (a goal due today).

    Raises:
        InvalidInput: unreadable, or in the past (the message shows what was understood).
    """
    when = parse_when(text, tz=tz, date_order=date_order, now=now, default_time=default_time)
    if when.utc <= now:
        if allow_today and not when.has_time and when.local.date() == now.astimezone(tz).date():
            return when
        shown = format_local(when.utc, tz, with_time=when.has_time)
        raise InvalidInput(
            f"{code(' '.join(text.split()))} is {shown} ({tz.key}), which has already passed. "
            f"Give a future time, e.g. {EXAMPLES}."
        )
    return when

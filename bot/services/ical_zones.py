"""Calendar time zone names -> IANA zones: IANA names and aliases, vendor-prefixed TZIDs, Windows
zone ids (``Eastern Standard Time``) and Outlook/OWA display names (``(UTC-05:00) Eastern Time (US &
Canada)``).

Windows zone ids come from icalendar's copy of the Unicode CLDR ``windowsZones.xml`` table
(``icalendar.timezone.windows_to_olson.WINDOWS_TO_OLSON``). Display names are not in that table:
:data:`DISPLAY_NAMES` holds the ones Windows shows for zones named after a region rather than a
city (text as in the Windows registry's ``Time Zones`` key, ``Display`` values); a display name
that lists cities (``(UTC+07:00) Bangkok, Hanoi, Jakarta``) is resolved by finding one of its
cities whose zone has the stated standard offset (:mod:`bot.services.places`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.services import places
from bot.services.errors import InvalidInput
from bot.services.settings import validate_timezone

# Windows display names (after the "(UTC±hh:mm) " prefix) naming a region -> IANA (CLDR's zone for it).
DISPLAY_NAMES = {
    "eastern time (us & canada)": "America/New_York",
    "central time (us & canada)": "America/Chicago",
    "mountain time (us & canada)": "America/Denver",
    "pacific time (us & canada)": "America/Los_Angeles",
    "atlantic time (canada)": "America/Halifax",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "arizona": "America/Phoenix",
    "indiana (east)": "America/Indiana/Indianapolis",
    "saskatchewan": "America/Regina",
    "newfoundland": "America/St_Johns",
    "greenland": "America/Nuuk",
    "coordinated universal time": "UTC",
    "greenwich mean time : dublin, edinburgh, lisbon, london": "Europe/London",
    "dublin, edinburgh, lisbon, london": "Europe/London",
    "amsterdam, berlin, bern, rome, stockholm, vienna": "Europe/Berlin",
    "belgrade, bratislava, budapest, ljubljana, prague": "Europe/Budapest",
    "brussels, copenhagen, madrid, paris": "Europe/Paris",
    "sarajevo, skopje, warsaw, zagreb": "Europe/Warsaw",
    "west central africa": "Africa/Lagos",
    "helsinki, kyiv, riga, sofia, tallinn, vilnius": "Europe/Kyiv",
    "helsinki, kiev, riga, sofia, tallinn, vilnius": "Europe/Kyiv",
    "athens, bucharest": "Europe/Bucharest",
    "moscow, st. petersburg": "Europe/Moscow",
    "moscow, st. petersburg, volgograd": "Europe/Moscow",
    "osaka, sapporo, tokyo": "Asia/Tokyo",
    "canberra, melbourne, sydney": "Australia/Sydney",
    "auckland, wellington": "Pacific/Auckland",
    "brasilia": "America/Sao_Paulo",
    "chennai, kolkata, mumbai, new delhi": "Asia/Kolkata",
    "beijing, chongqing, hong kong, urumqi": "Asia/Shanghai",
    "seoul": "Asia/Seoul",
    "guadalajara, mexico city, monterrey": "America/Mexico_City",
    "buenos aires": "America/Argentina/Buenos_Aires",
    "bogota, lima, quito, rio branco": "America/Bogota",
}
_DISPLAY_RE = re.compile(
    r"^\(\s*(?:UTC|GMT)\s*(?:(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<m>\d{2}))?\s*\)\s*(?P<name>.*)$", re.I
)


def _fold(text: str) -> str:
    return places.fold(text.replace("\\,", ","))


def _standard_offset(zone: str) -> timedelta:
    """The zone's offset in mid-January and mid-July, whichever is smaller (its standard time)."""
    tz = ZoneInfo(zone)
    return min(datetime(2025, m, 15, 12, tzinfo=tz).utcoffset() or timedelta(0) for m in (1, 7))


@cache
def resolve_tzid(tzid: str) -> str | None:
    """The IANA zone a calendar TZID means, or None when it names none we can tell.

    Accepts IANA names and aliases (``US/Central``), vendor prefixes
    (``/mozilla.org/20070129_1/America/New_York``), Windows ids (``W. Europe Standard Time``) and
    display names (``(UTC-05:00) Eastern Time (US & Canada)``, ``(GMT+10:00) Canberra, Melbourne,
    Sydney``, ``(UTC-03:00) Brasília``).
    """
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    name = tzid.strip().strip('"').replace("\\,", ",").strip()
    if not name:
        return None
    try:
        return validate_timezone(name)
    except InvalidInput:
        pass
    if "/" in name:  # vendor prefixes: try the last one, two and three segments
        segs = [s for s in name.split("/") if s]
        for n in (3, 2, 1):
            if len(segs) >= n:
                try:
                    return validate_timezone("/".join(segs[-n:]))
                except InvalidInput:
                    continue
    if name in WINDOWS_TO_OLSON:
        return WINDOWS_TO_OLSON[name]
    m = _DISPLAY_RE.match(name)
    if not m:
        return None
    label = _fold(m.group("name"))
    if label in DISPLAY_NAMES:
        return DISPLAY_NAMES[label]
    if m.group("h") is None:
        return "UTC" if not label else None
    offset = timedelta(hours=int(m.group("h")), minutes=int(m.group("m")))
    if m.group("sign") == "-":
        offset = -offset
    for city in (c.strip() for c in m.group("name").split(",")):
        for hit in places.find_city(city)[:5]:
            if _standard_offset(hit.timezone) == offset:
                return hit.timezone
    return None

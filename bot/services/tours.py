"""Tour dates: shows with venue-local dates and times, their nudges, listing and lookup.

A show's ``date`` and times are the venue's wall clock in ``timezone`` (IANA; default the
guild's). They are never converted for storage, so a show can't shift day when rendered; UTC
instants are derived only for Discord timestamps and nudges. Nudges: the day before at 18:00 venue
time (tomorrow's city, venue, load-in, doors) and on the day at 09:00 venue time (the day sheet).
Cancelled or deleted shows have none; edits re-plan them.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Nudge, Show, ShowStatus, ShowTerms
from bot.money import from_minor
from bot.services import nudges, refs
from bot.services.errors import InvalidInput, NotFound
from bot.services.numbers import parse_amount
from bot.services.permissions import Actor, is_manager, require_owner_or_manager
from bot.services.settings import GuildConfig, get_config, validate_timezone
from bot.textfmt import CHOICES_MAX, CONTENT_MAX, code, escape_markdown, ts
from bot.timeparse import parse_clock, parse_when

KIND_EVE = "show_eve"
KIND_DAY = "show_day"
EVE_AT = time(18, 0)
DAY_AT = time(9, 0)
WHENS = ("upcoming", "past", "all")
LIST_HINT = "`/tour list`"
TIME_FIELDS = ("load_in", "soundcheck", "doors", "set_time")
TIME_LABELS = {
    "load_in": "Load-in",
    "soundcheck": "Soundcheck",
    "doors": "Doors",
    "set_time": "Set",
    "curfew": "Curfew",
}
ORDERED_FIELDS = (*TIME_FIELDS, "curfew")  # the curfew ends the day: after the set, never nudged or exported
STATUSES = tuple(ShowStatus)
MAX_CAPACITY = 1_000_000
_YEAR_RE = re.compile(r"\b\d{4}\b|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}\b")
_RELATIVE_RE = re.compile(r"\b(today|tomorrow|tonight|yesterday|next|last|this|in|ago)\b")
_URL_RE = re.compile(r"^https?://[^\s<>()\[\]\"'`|]+$", re.IGNORECASE)  # no Markdown link tricks
_HOLD_RE = re.compile(r"^(?:hold|h)[\s\-_:#]*(\d)?$|^(\d)(?:st|nd|rd|th)?[\s\-_]*hold$")


@dataclass
class ShowFields:
    """Parsed, validated show values (all optional, for edits); see :func:`parse_fields`."""

    date: date | None = None
    city: str | None = None
    venue: str | None = None
    country: str | None = None
    region: str | None = None
    timezone: str | None = None
    load_in: time | None = None
    soundcheck: time | None = None
    doors: time | None = None
    set_time: time | None = None
    curfew: time | None = None
    status: str | None = None
    hold_rank: int | None = None
    capacity: int | None = None
    ticket_url: str | None = None
    notes: str | None = None
    support: str | None = None
    uid: str | None = None
    cleared: set[str] = field(default_factory=set)  # fields explicitly emptied (edit with "-")


def _text(value: str | None, what: str, max_len: int) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    if not cleaned:
        return None
    if len(cleaned) > max_len:
        raise InvalidInput(f"{what} is {len(cleaned)} characters; keep it to {max_len}.")
    return cleaned


def parse_local_time(text: str, what: str, clock: str = "venue time") -> time:
    """``"19:30"``, ``"7:30pm"``, ``"19.30"`` -> a venue-local time.

    Raises:
        InvalidInput: not a time of day (e.g. ``25:00``), with what to type.
    """
    raw = text.strip().lower()
    if re.fullmatch(r"\d{1,2}[.h]\d{2}", raw):  # 19.30, 19h30
        raw = raw[:-3] + ":" + raw[-2:]
    try:
        t = parse_clock(raw)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc}") from None
    if t is None:
        raise InvalidInput(f"{what} {code(text.strip()[:20])} is not a time. Use HH:MM {clock}, e.g. `19:30`.")
    return t


def parse_show_date(text: str, *, tz: ZoneInfo, date_order: str, today: date) -> date:
    """A show date, read like every other date (ISO, numeric in the guild's order, natural text).

    A date written without a year means the next such date only if it is still ahead this year;
    otherwise the year is ambiguous (this year's past show, or next year's?) and must be given.

    Raises:
        InvalidInput: unreadable, or ambiguous year.
    """
    raw = " ".join(text.split())
    when = parse_when(raw, tz=tz, date_order=date_order, now=datetime.combine(today, time(0), tzinfo=tz))
    d = when.local.date()
    lowered = raw.lower()
    if not _YEAR_RE.search(lowered) and not _RELATIVE_RE.search(lowered) and d.year != today.year:
        this_year = d.replace(year=today.year)
        raise InvalidInput(
            f"{code(raw)} has no year and {format_day(this_year)} has passed. Add the year: "
            f"{code(this_year.isoformat())} (this year) or {code(d.isoformat())} (next year)."
        )
    return d


def parse_status(text: str) -> tuple[str, int | None]:
    """``confirmed`` / ``cancelled`` / ``hold`` (1st) / ``hold-2`` / ``2nd hold`` -> (status, hold rank).

    Raises:
        InvalidInput: anything else.
    """
    t = " ".join(text.lower().split())
    if t in (
        "confirmed",
        "confirm",
        "conf",
        "booked",
        "on sale",
        "announced",
        "sold out",
        "soldout",
        "ok",
        "contracted",
        "settled",
        "done",
    ):
        return ShowStatus.CONFIRMED, None
    if t in ("cancelled", "canceled", "cancel", "off", "postponed"):
        return ShowStatus.CANCELLED, None
    if t in ("tentative", "tbc", "tba", "pencil", "penciled", "pencilled", "option", "offer", "pending"):
        return ShowStatus.HOLD, 1
    m = _HOLD_RE.match(t)
    if m:
        rank = int(m.group(1) or m.group(2) or 1)
        if rank < 1:
            raise InvalidInput("Hold ranks start at 1 (first hold).")
        return ShowStatus.HOLD, rank
    raise InvalidInput(
        f"Status {code(text[:30])} isn't one of `confirmed`, `hold` (or `hold-2`, `2nd hold`), `cancelled`."
    )


def parse_capacity(text: str) -> int:
    """``"1,200"``/``"1.2k"`` -> 1200.

    Raises:
        InvalidInput: not a positive whole number up to 1,000,000.
    """
    value = parse_amount(text, what="Capacity", allow_zero=False)
    if value != int(value) or value > MAX_CAPACITY:
        raise InvalidInput(f"Capacity must be a whole number of people up to {MAX_CAPACITY:,}.")
    return int(value)


def parse_url(text: str) -> str:
    """A ticket link: ``http(s)://…``, ≤ 500 chars.

    Raises:
        InvalidInput: not a web link.
    """
    t = text.strip()
    if not _URL_RE.match(t) or len(t) > 500:
        raise InvalidInput(
            "Tickets must be a plain web link starting with `https://` (no spaces, brackets or "
            "quotes; at most 500 characters)."
        )
    return t


NEXT_DAY_BEFORE = time(6, 0)  # a time before 06:00 after an evening time is past midnight


def day_offsets(values: dict[str, time | None]) -> dict[str, int]:
    """For each given time, 0 (the show's date) or 1 (after midnight: e.g. doors 22:00, set 00:30).

    A time before 06:00 that follows a time from noon on counts as the next day, as does every
    time after it.
    """
    out: dict[str, int] = {}
    offset, prev = 0, None
    for k in ORDERED_FIELDS:
        t = values.get(k)
        if t is None:
            continue
        if prev is not None and offset == 0 and t < prev and t < NEXT_DAY_BEFORE and prev >= time(12, 0):
            offset = 1
        out[k] = offset
        prev = t
    return out


def check_time_order(values: dict[str, time | None]) -> None:
    """Load-in ≤ soundcheck ≤ doors ≤ set time, for the ones given (after-midnight times allowed).

    Raises:
        InvalidInput: e.g. ``Set 19:00 is before Doors 20:00``.
    """
    offsets = day_offsets(values)
    given = [(k, v, offsets[k]) for k in ORDERED_FIELDS if (v := values.get(k)) is not None]
    for (k1, v1, o1), (k2, v2, o2) in itertools.pairwise(given):
        if (o2, v2) < (o1, v1):
            raise InvalidInput(
                f"{TIME_LABELS[k2]} {v2:%H:%M} is before {TIME_LABELS[k1]} {v1:%H:%M}. "
                "Times are venue-local on the show's date (a time before 06:00 after an evening "
                "time counts as after midnight); check them."
            )


def parse_fields(
    cfg: GuildConfig,
    today: date,
    *,
    date_text: str | None = None,
    city: str | None = None,
    venue: str | None = None,
    country: str | None = None,
    region: str | None = None,
    timezone: str | None = None,
    load_in: str | None = None,
    soundcheck: str | None = None,
    doors: str | None = None,
    set_time: str | None = None,
    curfew: str | None = None,
    status: str | None = None,
    tickets: str | None = None,
    capacity: str | None = None,
    notes: str | None = None,
    support: str | None = None,
) -> ShowFields:
    """Parse user text for a show (any field may be None = not given; ``-`` clears an optional one).

    Raises:
        InvalidInput: the first bad value, with what to type.
    """
    f = ShowFields()
    optional = {
        "country": country,
        "region": region,
        "load_in": load_in,
        "soundcheck": soundcheck,
        "doors": doors,
        "set_time": set_time,
        "curfew": curfew,
        "tickets": tickets,
        "capacity": capacity,
        "notes": notes,
        "support": support,
    }
    for name, value in optional.items():
        if value is not None and value.strip() == "-":
            f.cleared.add("ticket_url" if name == "tickets" else name)
            optional[name] = None
    for name, value in (("date", date_text), ("city", city), ("venue", venue)):
        if value is not None and value.strip() == "-":
            raise InvalidInput(f"A show always has a {name}; give a new one instead of `-`.")
    f.timezone = validate_timezone(timezone) if timezone else None
    tz = ZoneInfo(f.timezone or cfg.timezone)
    f.date = parse_show_date(date_text, tz=tz, date_order=cfg.date_order, today=today) if date_text else None
    f.city = _text(city, "City", 100)
    f.venue = _text(venue, "Venue", 150)
    f.country = _text(optional["country"], "Country", 100)
    f.region = _text(optional["region"], "Region", 100)
    for name in ORDERED_FIELDS:
        value = optional[name]
        if value:
            setattr(f, name, parse_local_time(value, TIME_LABELS[name]))
    if status:
        f.status, f.hold_rank = parse_status(status)
    f.ticket_url = parse_url(optional["tickets"]) if optional["tickets"] else None
    f.capacity = parse_capacity(optional["capacity"]) if optional["capacity"] else None
    f.notes = _text(optional["notes"], "Notes", 1000)
    f.support = _text(optional["support"], "Support", 300)
    return f


def _search_key(show: Show) -> str:
    return refs.fold(f"{show.venue} {show.city} {show.country or ''}")[:300]


def apply_fields(show: Show, f: ShowFields) -> None:
    """Copy the given values of ``f`` onto ``show`` (and clear the ones in ``f.cleared``).

    Raises:
        InvalidInput: the resulting times are out of order.
    """
    new: dict[str, object] = {}
    for name in (
        "date",
        "city",
        "venue",
        "country",
        "region",
        "timezone",
        *ORDERED_FIELDS,
        "capacity",
        "ticket_url",
        "notes",
        "support",
    ):
        value = getattr(f, name)
        if value is not None:
            new[name] = value
        elif name in f.cleared:
            new[name] = None
    # validate the result before touching the show, so a refused change leaves it as it was
    check_time_order({k: new[k] if k in new else getattr(show, k) for k in ORDERED_FIELDS})  # type: ignore[misc]
    for name, value in new.items():
        setattr(show, name, value)
    if f.status is not None:
        show.status, show.hold_rank = f.status, f.hold_rank
    if f.uid:
        show.uid = f.uid
    show.search_key = _search_key(show)


def schedule_times(show: Show) -> list[tuple[str, time, datetime, bool]]:
    """The show's given times in order: (field, venue-local time, UTC instant, after midnight?)."""
    values = {k: getattr(show, k) for k in TIME_FIELDS}
    offsets = day_offsets(values)
    tz = ZoneInfo(show.timezone)
    return [
        (k, t, datetime.combine(show.date + timedelta(days=offsets[k]), t, tzinfo=tz).astimezone(UTC), offsets[k] == 1)
        for k in TIME_FIELDS
        if (t := values[k]) is not None
    ]


def curfew_at(show: Show) -> datetime | None:
    """The UTC instant of the show's curfew (after midnight when it follows an evening set), or None."""
    if show.curfew is None:
        return None
    offsets = day_offsets({k: getattr(show, k) for k in ORDERED_FIELDS})
    day = show.date + timedelta(days=offsets["curfew"])
    return datetime.combine(day, show.curfew, tzinfo=ZoneInfo(show.timezone)).astimezone(UTC)


def instant(show: Show, at: time) -> datetime:
    """The UTC instant of venue-local ``at`` on the show's date (DST-correct for the venue).
    Use :func:`schedule_times` for a show's own times (it knows which are after midnight)."""
    return datetime.combine(show.date, at, tzinfo=ZoneInfo(show.timezone)).astimezone(UTC)


def status_label(show: Show) -> str:
    """``confirmed``, ``hold (1st)``, ``hold (2nd)``, ``cancelled``."""
    if show.status == ShowStatus.HOLD:
        rank = show.hold_rank or 1
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(rank if rank < 20 else rank % 10, "th")
        return f"hold ({rank}{suffix})"
    return show.status


def _today(cfg: GuildConfig, now: datetime) -> date:
    return now.astimezone(cfg.tz).date()


ShowPlanner = Callable[[AsyncSession, list[Show], GuildConfig, datetime], Awaitable[None]]
"""``planner(session, shows, cfg, now)`` re-plans a feature's nudges about ``shows`` (added, edited,
cancelled or deleted: e.g. a guest list's cut-off moves with the doors). Not committed."""

ShowPlanners = Sequence[ShowPlanner]
"""The planners wired in ``bot/features.py`` (``features.show_planners()``; ``Roadie.show_planners``).
Every function here that adds, changes or deletes shows takes them as ``planners=`` and runs them
after its own nudges are planned; ``tests/test_features.py`` checks every caller passes them."""


async def run_show_planners(
    session: AsyncSession, shows: list[Show], cfg: GuildConfig, now: datetime, planners: ShowPlanners
) -> None:
    """Run each of ``planners`` on ``shows`` (in order). Not committed."""
    for planner in planners:
        await planner(session, shows, cfg, now)


async def plan_nudges(
    session: AsyncSession, show: Show, cfg: GuildConfig, now: datetime, *, planners: ShowPlanners = ()
) -> list[datetime]:
    """Replace the show's pending nudges: 18:00 the day before, 09:00 on the day (venue time);
    then ``planners`` re-plan other features' nudges about it.

    Returns their UTC due times, soonest first (past ones are skipped).
    """
    return await plan_nudges_many(session, [show], cfg, now, planners=planners)


async def plan_nudges_many(
    session: AsyncSession,
    shows: list[Show],
    cfg: GuildConfig,
    now: datetime,
    *,
    fresh: bool = False,
    planners: ShowPlanners = (),
) -> list[datetime]:
    """:func:`plan_nudges` for many shows with one UPDATE (skipped when ``fresh``: new shows have
    no nudges yet) and one flush, then ``planners`` on all of them. Returns all planned due times
    (UTC) of the show nudges, sorted."""
    if not fresh:
        await nudges.cancel_for(session, (KIND_EVE, KIND_DAY), [s.id for s in shows])
    planned = []
    for show in shows:
        if show.status == ShowStatus.CANCELLED or show.is_deleted:
            continue
        tz = ZoneInfo(show.timezone)
        channel = cfg.nudge_channel_id or show.channel_id
        for kind, day, at in ((KIND_EVE, show.date - timedelta(days=1), EVE_AT), (KIND_DAY, show.date, DAY_AT)):
            due = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
            if due > now:
                nudges.schedule(
                    session, guild_id=show.guild_id, channel_id=channel, kind=kind, ref_id=show.id, due_at=due, now=now
                )
                planned.append(due)
    await session.flush()
    await run_show_planners(session, shows, cfg, now, planners)
    return sorted(planned)


def new_uid() -> str:
    """A stable, unique iCalendar UID for a show created in Roadie."""
    return f"{uuid.uuid4()}@roadie"


async def add_show(
    session: AsyncSession,
    guild_id: int,
    f: ShowFields,
    *,
    author_id: int,
    channel_id: int,
    now: datetime,
    planners: ShowPlanners = (),
) -> Show:
    """Create a show from parsed fields (date, city and venue required) and plan its nudges (and
    ``planners``').

    Raises:
        InvalidInput: a required field is missing, or times are out of order.
    """
    cfg = await get_config(session, guild_id)
    missing = [n for n in ("date", "city", "venue") if getattr(f, n) is None]
    if missing:
        raise InvalidInput(f"A show needs {', '.join(missing)}.")
    show = Show(
        guild_id=guild_id,
        number=await refs.next_number(session, Show, guild_id),
        uid=f.uid or new_uid(),
        timezone=f.timezone or cfg.timezone,
        status=ShowStatus.CONFIRMED,
        channel_id=channel_id,
        author_id=author_id,
        created_at=now,
        updated_at=now,
    )
    apply_fields(show, f)
    session.add(show)
    await session.flush()
    await plan_nudges(session, show, cfg, now, planners=planners)
    await session.flush()
    return show


async def get_show(session: AsyncSession, guild_id: int, ref: str) -> Show:
    """The show ``ref`` (``#N``, N, or venue/city text) names in this guild.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    return await refs.resolve(session, Show, guild_id, ref, noun="show", list_hint=LIST_HINT, visible=[Show.visible()])


async def require_can_change(session: AsyncSession, show: Show, actor: Actor | None) -> None:
    """Raise :class:`Forbidden` unless ``actor`` added ``show`` or is a manager (None: trusted)."""
    await require_owner_or_manager(session, show.guild_id, actor, (show.author_id,), f"show #{show.number}")


def rezone_keeping_instant(show: Show, zone: str) -> None:
    """Move ``show`` to venue zone ``zone`` keeping the moment of each of its times (UTC instants):
    the date and local times are re-read in ``zone`` (doors 23:45 Europe/Berlin -> 17:45
    America/New_York). For a show imported with UTC times and an assumed zone.

    Raises:
        InvalidInput: the show has no times (no instant to keep), or the times can't be kept in order.
    """
    before = schedule_times(show)
    if not before:
        raise InvalidInput(
            f"Show #{show.number} has no times, so there is no moment to keep: give `timezone:` without `keep:instant`."
        )
    curfew = curfew_at(show)  # the curfew keeps its moment too
    tz = ZoneInfo(zone)
    local = {k: at.astimezone(tz) for k, _t, at, _late in before}
    show.date = local[before[0][0]].date()
    for k, dt in local.items():
        setattr(show, k, dt.time())
    show.timezone = zone
    if curfew is not None:
        show.curfew = curfew.astimezone(tz).time()
    if [at for _k, _t, at, _l in schedule_times(show)] != [at for _k, _t, at, _l in before] or curfew_at(
        show
    ) != curfew:
        raise InvalidInput("Those times can't be kept in that zone (they span more than a day); edit them by hand.")


async def edit_show(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    f: ShowFields,
    *,
    now: datetime,
    actor: Actor | None = None,
    keep_instant: bool = False,
    planners: ShowPlanners = (),
) -> Show:
    """Change a show; nudges (its own and ``planners``') move with its date and times.

    ``keep_instant`` with ``f.timezone``: re-zone keeping each time's moment
    (:func:`rezone_keeping_instant`) instead of its wall-clock reading (the default).

    Raises:
        NotFound / InvalidInput: unknown show, nothing to change, bad values.
        Forbidden: ``actor`` didn't add the show and is not a manager.
    """
    if all(getattr(f, x.name) in (None, set()) for x in fields(f)):
        raise InvalidInput("Give at least one thing to change (e.g. `doors:19:00` or `status:confirmed`).")
    if keep_instant and (f.timezone is None or f.date or any(getattr(f, k) for k in ORDERED_FIELDS)):
        raise InvalidInput(
            "`keep:instant` re-zones the times the show already has: give it with `timezone:` only "
            "(no new date or times in the same edit)."
        )
    show = await get_show(session, guild_id, ref)
    await require_can_change(session, show, actor)
    if keep_instant:
        assert f.timezone is not None
        rezone_keeping_instant(show, f.timezone)
    apply_fields(show, f)
    show.updated_at = now
    await plan_nudges(session, show, await get_config(session, guild_id), now, planners=planners)
    await session.flush()
    return show


async def cancel_show(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    *,
    now: datetime,
    actor: Actor | None = None,
    planners: ShowPlanners = (),
) -> Show:
    """Mark a show cancelled (kept in lists, no nudges; ``planners`` drop theirs).

    Raises:
        NotFound: unknown.  InvalidInput: already cancelled.
        Forbidden: ``actor`` didn't add the show and is not a manager.
    """
    show = await get_show(session, guild_id, ref)
    await require_can_change(session, show, actor)
    if show.status == ShowStatus.CANCELLED:
        raise InvalidInput(f"Show #{show.number} is already cancelled.")
    return await edit_show(
        session, guild_id, f"#{show.number}", ShowFields(status=ShowStatus.CANCELLED), now=now, planners=planners
    )


async def delete_show(
    session: AsyncSession,
    guild_id: int,
    show_id: int,
    *,
    now: datetime,
    actor: Actor | None = None,
    planners: ShowPlanners = (),
) -> Show:
    """Delete a show by id (confirmation button): hidden everywhere, nudges cancelled (``planners``
    drop theirs), row kept.

    Raises:
        NotFound: unknown here or already deleted.
        Forbidden: ``actor`` didn't add the show and is not a manager.
    """
    show = await session.scalar(select(Show).where(Show.id == show_id, Show.guild_id == guild_id, Show.visible()))
    if show is None:
        raise NotFound("That show no longer exists (already deleted?).")
    await require_can_change(session, show, actor)
    show.soft_delete(now)
    await nudges.cancel_for(session, (KIND_EVE, KIND_DAY), show.id)
    await run_show_planners(session, [show], await get_config(session, guild_id), now, planners)
    await session.flush()
    return show


def _when_filter(when: str, today: date):  # type: ignore[no-untyped-def]
    if when not in WHENS:
        raise InvalidInput("When must be `upcoming`, `past` or `all`.")
    cond = [Show.visible()]
    if when == "upcoming":
        cond.append(Show.date >= today)
    elif when == "past":
        cond.append(Show.date < today)
    return cond


async def list_shows(
    session: AsyncSession,
    guild_id: int,
    when: str = "upcoming",
    *,
    now: datetime,
    offset: int = 0,
    limit: int | None = None,
) -> list[Show]:
    """Shows by date: upcoming (today on, soonest first), past (latest first) or all (by date).

    "Today" is the guild's date. Raises InvalidInput for an unknown ``when``.
    """
    today = _today(await get_config(session, guild_id), now)
    order = Show.date.desc() if when == "past" else Show.date
    q = (
        select(Show)
        .where(Show.guild_id == guild_id, *_when_filter(when, today))
        .order_by(order, Show.number)
        .offset(offset)
        .limit(limit)
    )
    return list(await session.scalars(q))


async def count_shows(session: AsyncSession, guild_id: int, when: str = "upcoming", *, now: datetime) -> int:
    """How many shows :func:`list_shows` would return without a limit."""
    today = _today(await get_config(session, guild_id), now)
    return (
        await session.scalar(
            select(func.count()).select_from(Show).where(Show.guild_id == guild_id, *_when_filter(when, today))
        )
        or 0
    )


async def autocomplete(
    session: AsyncSession, guild_id: int, query: str, *, now: datetime, limit: int = CHOICES_MAX
) -> list[tuple[str, str]]:
    """(label, value) pairs: ``#3 · Sat 3 Apr 2027 · Tokyo · Zepp Haneda`` (≤ 100), ``#3``; upcoming first."""
    today = _today(await get_config(session, guild_id), now)
    q = select(Show).where(Show.guild_id == guild_id, Show.visible())
    cond = refs.search_filter(Show, query)
    if cond is not None:
        q = q.where(cond)
    q = q.order_by(case((Show.date >= today, 0), else_=1), Show.date).limit(limit)
    out = []
    for s in await session.scalars(q):
        label = f"{format_day(s.date)} · {s.city} · {s.venue}"
        out.append(
            (
                refs.choice_label(s.number, label, " (cancelled)" if s.status == ShowStatus.CANCELLED else ""),
                f"#{s.number}",
            )
        )
    return out


def format_day(d: date) -> str:
    """``Sat 3 Apr 2027`` (a calendar date; no zone involved)."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def times_line(show: Show) -> str:
    """``Load-in 15:00 · Doors 19:00 · Set 21:00`` (venue time), or empty."""
    return " · ".join(f"{TIME_LABELS[k]} {getattr(show, k):%H:%M}" for k in TIME_FIELDS if getattr(show, k))


async def _render(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    show = await session.get(Show, nudge.ref_id)
    if show is None or show.guild_id != nudge.guild_id or show.is_deleted or show.status == ShowStatus.CANCELLED:
        return None
    cfg = await get_config(session, show.guild_id)
    # a time in the reader's zone is always <t:…:f> (date and time): 12:00 in Tokyo is the day
    # before in New York, and the time-only style (t) would hide that
    place = f"**{escape_markdown(show.city)}** · {escape_markdown(show.venue)}"
    if nudge.kind == KIND_EVE:
        lines = [f"🚐 Tomorrow, {format_day(show.date)}: {place} ({status_label(show)})"]
        parts = [
            f"{TIME_LABELS[k]} {t:%H:%M} (yours: {ts(at, 'f')})"
            for k, t, at, _late in schedule_times(show)
            if k in ("load_in", "doors")
        ]
        if parts:
            lines.append(" · ".join(parts) + f" · venue time {show.timezone}")
    else:
        lines = [f"🎸 Show day, {format_day(show.date)}: {place} ({status_label(show)})"]
        for k, t, at, late in schedule_times(show):
            after = " (after midnight)" if late else ""
            lines.append(f"{TIME_LABELS[k]}: {t:%H:%M}{after} venue time (yours: {ts(at, 'f')})")
        if show.support:
            lines.append(f"Support: {escape_markdown(show.support)}")
        if show.notes:
            lines.append(f"Notes: {escape_markdown(show.notes)[:800]}")
    lines.append(f"Day sheet: `/tour show show:#{show.number}`")
    return nudges.Rendered("\n".join(lines)[:CONTENT_MAX], (), cfg.nudge_channel_id or show.channel_id)


def show_over_at(show: Show) -> datetime:
    """When the show's day is over (UTC): 00:00 venue time after the show date, or its last
    after-midnight time (e.g. a 00:30 set) when that is later."""
    end = datetime.combine(show.date + timedelta(days=1), time(0), tzinfo=ZoneInfo(show.timezone)).astimezone(UTC)
    return max([end, *(at for _k, _t, at, _late in schedule_times(show))])


async def _until(session: AsyncSession, nudge: Nudge) -> nudges.Stale | None:
    show = await session.get(Show, nudge.ref_id)
    if show is None or show.guild_id != nudge.guild_id:
        return None
    if nudge.kind == KIND_EVE:  # "Tomorrow, …" is wrong once the show's day has begun at the venue
        day_start = datetime.combine(show.date, time(0), tzinfo=ZoneInfo(show.timezone)).astimezone(UTC)
        return nudges.Stale(day_start, f"the day before show #{show.number} had passed")
    return nudges.Stale(show_over_at(show), f"show #{show.number} was over")


NUDGE_KINDS = (nudges.NudgeKind(KIND_EVE, _render, until=_until), nudges.NudgeKind(KIND_DAY, _render, until=_until))
"""Wired in ``bot/features.py``."""


# --- chart data (drawn by bot.ui.charts.tour_bars)


@dataclass(frozen=True)
class TourChartData:
    """What ``/tour chart`` draws: shows per period, confirmed vs holds (cancelled ones left out).

    ``period`` is ``week`` (ISO weeks, labelled by their Monday) or ``month``; ``buckets`` are
    ``(first day of the period, confirmed, holds)`` in date order, empty periods in between included.
    Dates are the shows' own (venue-local) dates.
    """

    when: str
    period: str
    buckets: tuple[tuple[date, int, int], ...]
    # managers only: per period start, the guarantees of its shows' deals, exact, per ISO 4217 currency
    guarantees: dict[date, dict[str, Decimal]] | None = None

    @property
    def total(self) -> int:
        """Shows counted (confirmed + holds)."""
        return sum(c + h for _, c, h in self.buckets)


WEEKLY_UP_TO = 16  # a span of at most this many weeks is charted per week, longer spans per month


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


async def chart_data(
    session: AsyncSession, guild_id: int, when: str = "upcoming", *, now: datetime, actor: Actor | None = None
) -> TourChartData:
    """Shows per week (span ≤ :data:`WEEKLY_UP_TO` weeks) or month, confirmed vs holds; with the
    guarantees of the shows' deals (``/settle terms``) only when ``actor`` is a manager (deals are
    private: the reply is then ephemeral).

    Raises:
        InvalidInput: unknown ``when``.
    """
    shows = [s for s in await list_shows(session, guild_id, when, now=now) if s.status != ShowStatus.CANCELLED]
    if not shows:
        return TourChartData(when, "month", ())
    first, last = min(s.date for s in shows), max(s.date for s in shows)
    weekly = (last - first).days < WEEKLY_UP_TO * 7
    if weekly:
        start = first - timedelta(days=first.weekday())

        def key(d: date) -> date:
            return d - timedelta(days=d.weekday())

        def step(d: date) -> date:
            return d + timedelta(days=7)
    else:
        start, key, step = _month_start(first), _month_start, _next_month
    counts: dict[date, list[int]] = {}
    for s in shows:
        c = counts.setdefault(key(s.date), [0, 0])
        c[0 if s.status == ShowStatus.CONFIRMED else 1] += 1
    buckets, d = [], start
    while d <= last:
        confirmed, holds = counts.get(d, (0, 0))
        buckets.append((d, confirmed, holds))
        d = step(d)
    guarantees = None
    if actor is not None and await is_manager(session, guild_id, actor):
        by_id = {s.id: s for s in shows}
        guarantees = {}
        rows = await session.scalars(
            select(ShowTerms).where(
                ShowTerms.guild_id == guild_id,
                ShowTerms.show_id.in_(list(by_id)),
                ShowTerms.guarantee_minor.is_not(None),
            )
        )
        for t in rows:
            per = guarantees.setdefault(key(by_id[t.show_id].date), {})
            per[t.currency] = per.get(t.currency, Decimal(0)) + from_minor(t.guarantee_minor or 0, t.currency)
    return TourChartData(when, "week" if weekly else "month", tuple(buckets), guarantees)

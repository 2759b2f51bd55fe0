"""Studio: recording sessions for a release, session musicians, call sheets, track production stages.

A session is booked for a release at a studio on a local ``date`` from ``start`` to ``end`` in the
server's zone (or the session's own ``timezone``); an end at or before the start is on the next day,
and a session is at most 16 h. Two live sessions in the same studio never overlap. Musicians are
members (pinged) or names (not on the server), each with an instrument, a call time (default: the
start) and a fee.

Nudges (durable rows, re-planned on every change, none for cancelled sessions):
- ``studio_eve`` (ref: session): 18:00 session-local the day before, the call sheet, pinging
  exactly the member musicians and the engineer (when a member);
- ``studio_call`` (ref: musician): 2 h before a member musician's call time, pinging only them;
- ``studio_costs`` (:mod:`bot.services.budget`): the day rate and fees become expenses once the
  session's day has passed.

Track stages: writing → demo → tracking → overdubs → editing → mixing → mastering → delivered; every
move is kept (who, when, note). When every track of a release is delivered, its checklist task with
``key = "masters-delivered"`` is ticked with a note.

Nothing here commits (callers use a unit of work); nothing imports discord.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import (
    Nudge,
    Release,
    ReleaseTask,
    ReleaseTrack,
    SessionMusician,
    SessionStatus,
    StudioSession,
    TrackStageChange,
)
from bot.money import to_minor
from bot.services import budget, nudges, refs, releases
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor
from bot.services.settings import get_config, validate_timezone
from bot.services.tours import parse_local_time, parse_show_date
from bot.textfmt import escape_markdown

STAGES = ("writing", "demo", "tracking", "overdubs", "editing", "mixing", "mastering", "delivered")
KIND_EVE = "studio_eve"
KIND_CALL = "studio_call"
EVE_AT = time(18, 0)
CALL_LEAD = timedelta(hours=2)
MAX_LENGTH = timedelta(hours=16)
MASTERS_KEY = "masters-delivered"
WHENS = ("upcoming", "past", "all")
LIST_HINT = "`/studio sessions`"
NAME_MAX, STUDIO_MAX, INSTRUMENT_MAX, NOTES_MAX = 100, 100, 60, 1000


def _text(value: str | None, what: str, max_len: int) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    if not cleaned:
        return None
    if len(cleaned) > max_len:
        raise InvalidInput(f"{what} is {len(cleaned)} characters; keep it to {max_len}.")
    return cleaned


def format_day(d: date) -> str:
    """``Sat 3 Apr 2027``."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def span(day: date, start: time, end: time, zone: str) -> tuple[datetime, datetime]:
    """The UTC (start, end) of a session on local ``day`` from ``start`` to ``end`` in ``zone``.

    An end at or before the start is read as the next day (an overnight session); durations are
    real elapsed time (a DST change counts).

    Raises:
        InvalidInput: that makes the session longer than 16 h (e.g. 10:00 to 09:00).
    """
    tz = ZoneInfo(zone)
    start_at = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
    end_day = day if end > start else day + timedelta(days=1)
    end_at = datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)
    length = end_at - start_at
    if length > MAX_LENGTH:
        hours = length.total_seconds() / 3600
        raise InvalidInput(
            f"End {end:%H:%M} is at or before start {start:%H:%M}, so it would be {end:%H:%M} the next day: "
            f"a {hours:g} h session. Sessions are at most 16 h; check the times (HH:MM, 24-hour clock)."
        )
    return start_at, end_at


def call_instant(ss: StudioSession, call: time | None) -> datetime:
    """The UTC instant of a musician's local call time (None: the session's start). A call time
    before the start in an overnight session that falls before its end counts as the next day."""
    if call is None:
        return ss.start_at
    tz = ZoneInfo(ss.timezone)
    at = datetime.combine(ss.date, call, tzinfo=tz).astimezone(UTC)
    if call < ss.start and ss.end < ss.start and call <= ss.end:
        at = datetime.combine(ss.date + timedelta(days=1), call, tzinfo=tz).astimezone(UTC)
    return at


def local(dt: datetime, zone: str) -> datetime:
    """``dt`` (UTC) on the wall clock of ``zone``."""
    return dt.astimezone(ZoneInfo(zone))


@dataclass
class SessionInput:
    """User text for a session (None = not given; ``-`` clears an optional one on edit)."""

    date: str | None = None
    start: str | None = None
    end: str | None = None
    studio: str | None = None
    engineer_id: int | None = None
    engineer_name: str | None = None
    engineer_display: str | None = None  # the member engineer's display name (for calendars, lists)
    day_rate: str | None = None
    notes: str | None = None
    timezone: str | None = None

    def given(self) -> bool:
        """True when at least one field (other than the engineer's display name) was given."""
        return any(v is not None for k, v in vars(self).items() if k != "engineer_display")


async def _overlaps(session: AsyncSession, ss: StudioSession) -> StudioSession | None:
    q = select(StudioSession).where(
        StudioSession.guild_id == ss.guild_id,
        StudioSession.studio_key == ss.studio_key,
        StudioSession.status == SessionStatus.BOOKED,
        StudioSession.start_at < ss.end_at,
        StudioSession.end_at > ss.start_at,
    )
    if ss.id is not None:
        q = q.where(StudioSession.id != ss.id)
    return await session.scalar(q.order_by(StudioSession.start_at).limit(1))


def _live():  # type: ignore[no-untyped-def]
    """Sessions whose release still exists (a deleted release takes its sessions out of view)."""
    return StudioSession.release_id.in_(select(Release.id).where(Release.deleted_at.is_(None)))


def times_label(ss: StudioSession) -> str:
    """``Sat 3 Apr 2027 10:00–18:00 (Europe/Berlin)``; ``+1`` marks an end on the next day."""
    nxt = " (+1 day)" if ss.end <= ss.start else ""
    return f"{format_day(ss.date)} {ss.start:%H:%M}–{ss.end:%H:%M}{nxt} ({ss.timezone})"


async def _check_overlap(session: AsyncSession, ss: StudioSession) -> None:
    other = await _overlaps(session, ss)
    if other is not None:
        release = await session.get(Release, other.release_id)
        title = release.title if release else "?"
        raise InvalidInput(
            f"{ss.studio} is already booked then: session #{other.number} {times_label(other)} for "
            f"“{title[:80]}”. Pick another time or studio, or move that session with `/studio edit`."
        )


async def require_can_change(session: AsyncSession, ss: StudioSession, actor: Actor | None) -> None:
    """Raise :class:`Forbidden` unless ``actor`` booked ``ss``, is a manager or a producer."""
    if actor is None or actor.user_id == ss.author_id or await budget.can_edit(session, ss.guild_id, actor):
        return
    raise Forbidden(f"Only the person who booked session #{ss.number}, a manager or a producer can change it.")


def _plan(session: AsyncSession, ss: StudioSession, channel: int, now: datetime) -> None:
    tz = ZoneInfo(ss.timezone)
    eve = datetime.combine(ss.date - timedelta(days=1), EVE_AT, tzinfo=tz).astimezone(UTC)
    if eve > now:
        nudges.schedule(
            session, guild_id=ss.guild_id, channel_id=channel, kind=KIND_EVE, ref_id=ss.id, due_at=eve, now=now
        )
    for m in ss.musicians:
        due = m.call_at - CALL_LEAD
        if m.user_id is not None and due > now:
            nudges.schedule(
                session, guild_id=ss.guild_id, channel_id=channel, kind=KIND_CALL, ref_id=m.id, due_at=due, now=now
            )
    if ss.costs_posted_at is None:
        nudges.schedule(
            session,
            guild_id=ss.guild_id,
            channel_id=channel,
            kind=budget.KIND_COSTS,
            ref_id=ss.id,
            due_at=max(budget.costs_due_at(ss), now),
            now=now,
        )


async def plan_nudges(session: AsyncSession, ss: StudioSession, now: datetime) -> None:
    """Replace the session's pending nudges (call sheet the evening before, each member's call
    reminder, costs once its day has passed); a cancelled session gets none. Not committed."""
    await session.flush()
    await session.refresh(ss, ["musicians"])
    await nudges.cancel_for(session, (KIND_EVE, budget.KIND_COSTS), ss.id)
    ids = [m.id for m in ss.musicians]
    if ids:
        await nudges.cancel_for(session, KIND_CALL, ids)
    if ss.status != SessionStatus.BOOKED:
        return
    cfg = await get_config(session, ss.guild_id)
    _plan(session, ss, cfg.nudge_channel_id or ss.channel_id, now)
    await session.flush()


async def _release(session: AsyncSession, guild_id: int, ref: str) -> Release:
    return await refs.resolve(
        session,
        Release,
        guild_id,
        ref,
        noun="release",
        list_hint="`/release list`",
        visible=[Release.deleted_at.is_(None)],
    )


async def _minor(
    session: AsyncSession, release: Release, text: str, what: str, now: datetime, actor: Actor | None
) -> int:
    await budget.require_editor(session, release.guild_id, actor, f"set a {what} (it becomes a budget expense)")
    currency = await budget.currency_for(session, release, now=now)
    return to_minor(budget.parse_money(text, currency, what=what), currency)


async def _apply(
    session: AsyncSession, ss: StudioSession, f: SessionInput, release: Release, *, now: datetime, actor: Actor | None
) -> None:
    cfg = await get_config(session, ss.guild_id)
    for name in ("date", "start", "end", "studio", "timezone"):
        if (getattr(f, name) or "").strip() == "-":
            raise InvalidInput(f"A session always has a {name}; give a new one instead of `-`.")
    if f.engineer_id is not None and f.engineer_name is not None and f.engineer_name.strip() != "-":
        raise InvalidInput(
            "Give the engineer as `engineer` (a member) or `engineer_name` (not on the server), not both."
        )
    zone = validate_timezone(f.timezone) if f.timezone else ss.timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    day = parse_show_date(f.date, tz=ZoneInfo(zone), date_order=cfg.date_order, today=today) if f.date else ss.date
    start = parse_local_time(f.start, "Start", "studio time") if f.start else ss.start
    end = parse_local_time(f.end, "End", "studio time") if f.end else ss.end
    studio = _text(f.studio, "Studio", STUDIO_MAX) if f.studio else ss.studio
    if not studio:
        raise InvalidInput("A session needs a studio.")
    start_at, end_at = span(day, start, end, zone)
    moved = (day, start, end, zone) != (ss.date, ss.start, ss.end, ss.timezone)
    if moved and start_at <= now:
        raise InvalidInput(
            f"{format_day(day)} {start:%H:%M} ({zone}) has passed. Book sessions ahead: give a future date and start."
        )
    rate = ss.day_rate_minor
    if f.day_rate is not None:
        rate = None if f.day_rate.strip() == "-" else await _minor(session, release, f.day_rate, "day rate", now, actor)
    notes = ss.notes
    if f.notes is not None:
        notes = None if f.notes.strip() == "-" else _text(f.notes, "Notes", NOTES_MAX)
    if f.engineer_id is not None:
        ss.engineer_id, ss.engineer_name = f.engineer_id, _text(f.engineer_display, "Engineer name", NAME_MAX)
    elif f.engineer_name is not None:
        ss.engineer_id, ss.engineer_name = (
            None,
            (None if f.engineer_name.strip() == "-" else _text(f.engineer_name, "Engineer name", NAME_MAX)),
        )
    ss.date, ss.start, ss.end, ss.timezone, ss.start_at, ss.end_at = day, start, end, zone, start_at, end_at
    ss.studio, ss.studio_key = studio, refs.fold(studio)[:STUDIO_MAX]
    ss.search_key = refs.fold(f"{studio} {release.title}")[:300]
    ss.day_rate_minor, ss.notes, ss.updated_at = rate, notes, now
    await _check_overlap(session, ss)


async def book(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    f: SessionInput,
    *,
    author_id: int,
    channel_id: int,
    now: datetime,
    actor: Actor | None = None,
) -> StudioSession:
    """``/studio book``: a session for a release (date, start, end and studio required). Not committed.

    Raises:
        NotFound / InvalidInput: unknown release; bad date/time/zone; in the past; over 16 h;
            overlapping another session in the same studio (the message names it); a day rate with
            letters or in another currency.
        Forbidden: a day rate from someone who may not change budgets.
    """
    missing = [n for n in ("date", "start", "end", "studio") if getattr(f, n) is None]
    if missing:
        raise InvalidInput(f"A session needs {', '.join(missing)}.")
    release = await _release(session, guild_id, release_ref)
    cfg = await get_config(session, guild_id)
    ss = StudioSession(
        guild_id=guild_id,
        number=await refs.next_number(session, StudioSession, guild_id),
        release_id=release.id,
        timezone=validate_timezone(f.timezone) if f.timezone else cfg.timezone,
        status=SessionStatus.BOOKED,
        channel_id=channel_id,
        author_id=author_id,
        created_at=now,
        # placeholders that _apply replaces (it compares against them to spot a move)
        date=date.min,
        start=time(0),
        end=time(0),
        studio="",
    )
    ss.musicians = []
    f.timezone = None
    await _apply(session, ss, f, release, now=now, actor=actor)
    session.add(ss)
    await session.flush()
    await plan_nudges(session, ss, now)
    return ss


async def get_session(session: AsyncSession, guild_id: int, ref: str) -> StudioSession:
    """The session ``ref`` (``#N``, N, or studio/release text) names, musicians loaded.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    found = await refs.resolve(
        session, StudioSession, guild_id, ref, noun="session", list_hint=LIST_HINT, visible=[_live()]
    )
    return await _load(session, found.id)


async def _load(session: AsyncSession, session_id: int) -> StudioSession:
    ss = await session.scalar(
        select(StudioSession)
        .where(StudioSession.id == session_id)
        .options(selectinload(StudioSession.musicians))
        .execution_options(populate_existing=True)
    )
    if ss is None:
        raise NotFound(f"That session no longer exists. See {LIST_HINT}.")
    return ss


async def edit(
    session: AsyncSession, guild_id: int, ref: str, f: SessionInput, *, now: datetime, actor: Actor | None = None
) -> StudioSession:
    """``/studio edit``: change a session (nudges move; a posted day rate adjusts its expense). Not committed.

    Raises:
        NotFound / InvalidInput: unknown; nothing given; cancelled; bad values as for :func:`book`.
        Forbidden: not its booker, a manager or a producer.
    """
    if not f.given():
        raise InvalidInput("Give at least one thing to change (e.g. `start:11:00` or `studio:Abbey Road`).")
    ss = await get_session(session, guild_id, ref)
    await require_can_change(session, ss, actor)
    if ss.status == SessionStatus.CANCELLED:
        raise InvalidInput(f"Session #{ss.number} is cancelled; book a new one with `/studio book`.")
    release = await session.get(Release, ss.release_id)
    assert release is not None
    await _apply(session, ss, f, release, now=now, actor=actor)
    for m in ss.musicians:
        m.call_at = call_instant(ss, m.call_time)
        if m.call_at >= ss.end_at:
            raise InvalidInput(
                f"{musician_label(m)}'s call time {m.call_time:%H:%M} would be after the session ends "
                f"({times_label(ss)}). Change their call time with `/studio musician` first."
            )
    await plan_nudges(session, ss, now)
    await budget.sync_costs(session, ss, now)
    return ss


async def cancel(
    session: AsyncSession, guild_id: int, ref: str, *, now: datetime, actor: Actor | None = None
) -> StudioSession:
    """``/studio cancel``: no more nudges, and its costs are never posted. Not committed.

    Raises:
        NotFound / InvalidInput: unknown, already cancelled, or already started.
        Forbidden: not its booker, a manager or a producer.
    """
    ss = await get_session(session, guild_id, ref)
    await require_can_change(session, ss, actor)
    if ss.status == SessionStatus.CANCELLED:
        raise InvalidInput(f"Session #{ss.number} is already cancelled.")
    if ss.start_at <= now:
        raise InvalidInput(f"Session #{ss.number} has already started ({times_label(ss)}); it can't be cancelled.")
    ss.status, ss.updated_at = SessionStatus.CANCELLED, now
    await plan_nudges(session, ss, now)
    return ss


# --- musicians ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MusicianResult:
    """``/studio musician``: the session, the musician, and whether it was added (else updated)."""

    session: StudioSession
    musician: SessionMusician
    added: bool


def musician_label(m: SessionMusician) -> str:
    """``<@id>`` for a member, the name otherwise (Markdown-escaped)."""
    return f"<@{m.user_id}>" if m.user_id is not None else escape_markdown(m.name or "?")


async def set_musician(
    session: AsyncSession,
    guild_id: int,
    session_ref: str,
    instrument: str,
    *,
    now: datetime,
    member_id: int | None = None,
    name: str | None = None,
    call_time: str | None = None,
    fee: str | None = None,
    actor: Actor | None = None,
    display_name: str | None = None,
) -> MusicianResult:
    """Add a musician (a member or a name: exactly one) or update the one already on the session
    (instrument, call time, fee). ``display_name`` is a member's name as shown on the server, kept
    for calendars, lists and expenses (they are pinged by id). Not committed.

    Raises:
        NotFound / InvalidInput: unknown session; both or neither of member/name; the same musician
            again with nothing new; a bad call time (after the session ends) or fee; cancelled.
        Forbidden: not the session's booker, a manager or a producer (a fee: managers/producers).
    """
    if (member_id is None) == (name is None or not name.strip()):
        raise InvalidInput("Give exactly one of `member` (on the server) or `name` (not on the server).")
    ss = await get_session(session, guild_id, session_ref)
    await require_can_change(session, ss, actor)
    if ss.status == SessionStatus.CANCELLED:
        raise InvalidInput(f"Session #{ss.number} is cancelled.")
    inst = _text(instrument, "Instrument", INSTRUMENT_MAX)
    if not inst:
        raise InvalidInput("Give the instrument (e.g. `drums`, `backing vocals`).")
    clean_name = _text(name, "Name", NAME_MAX) if member_id is None else None
    key = refs.fold(clean_name) if clean_name else None
    existing = next(
        (m for m in ss.musicians if (member_id is not None and m.user_id == member_id) or (key and m.name_key == key)),
        None,
    )
    call = parse_local_time(call_time, "Call time", "studio time") if call_time else None
    call_at = call_instant(ss, call)
    if call_at >= ss.end_at:
        raise InvalidInput(f"Call time {call:%H:%M} is after the session ends ({times_label(ss)}).")
    release = await session.get(Release, ss.release_id)
    assert release is not None
    fee_minor = None
    if fee is not None:
        fee_minor = None if fee.strip() == "-" else await _minor(session, release, fee, "fee", now, actor)
    if existing is not None:
        new = (
            inst,
            call if call_time else existing.call_time,
            fee_minor if fee is not None else existing.fee_minor,
        )
        if new == (existing.instrument, existing.call_time, existing.fee_minor):
            raise InvalidInput(
                f"{musician_label(existing)} is already on session #{ss.number} as {existing.instrument} with that "
                "call time and fee. Give a different instrument, call time or fee to change them."
            )
        existing.instrument, existing.call_time, existing.fee_minor = new
        if member_id is not None and display_name:
            existing.name = _text(display_name, "Name", NAME_MAX)
        existing.call_at = call_instant(ss, existing.call_time)
        m, added = existing, False
    else:
        m = SessionMusician(
            session_id=ss.id,
            user_id=member_id,
            name=clean_name or _text(display_name, "Name", NAME_MAX),
            name_key=key,
            instrument=inst,
            call_time=call,
            call_at=call_at,
            fee_minor=fee_minor,
        )
        ss.musicians.append(m)
        added = True
    ss.updated_at = now
    await plan_nudges(session, ss, now)
    await budget.sync_costs(session, ss, now)
    return MusicianResult(ss, m, added)


def resolve_musician(ss: StudioSession, ref: str) -> SessionMusician:
    """The musician of ``ss`` that ``ref`` names: ``m:ID`` (autocomplete), a mention, a user id or a name.

    Raises:
        NotFound: none matches.
    """
    raw = ref.strip()
    digits = raw.removeprefix("m:").strip("<@!>")
    if digits.isdigit():
        n = int(digits)
        for m in ss.musicians:
            if (raw.startswith("m:") and m.id == n) or m.user_id == n:
                return m
    key = refs.fold(raw)
    for m in ss.musicians:
        if m.name_key == key or (m.name and refs.fold(m.name) == key):
            return m
    raise NotFound(f"No musician of session #{ss.number} matches `{raw[:60]}`. Pick one from the list.")


async def remove_musician(
    session: AsyncSession,
    guild_id: int,
    session_ref: str,
    musician_ref: str,
    *,
    now: datetime,
    actor: Actor | None = None,
) -> tuple[StudioSession, SessionMusician]:
    """``/studio musician-remove``: their nudges go; a posted fee is removed from the budget. Not committed.

    Raises:
        NotFound: unknown session or musician.  Forbidden: as for :func:`set_musician`.
    """
    ss = await get_session(session, guild_id, session_ref)
    await require_can_change(session, ss, actor)
    m = resolve_musician(ss, musician_ref)
    await nudges.cancel_for(session, KIND_CALL, m.id)
    ss.musicians.remove(m)
    await session.delete(m)
    ss.updated_at = now
    await plan_nudges(session, ss, now)
    await budget.sync_costs(session, ss, now)
    return ss, m


async def musician_autocomplete(
    session: AsyncSession, guild_id: int, session_ref: str, query: str
) -> list[tuple[str, str]]:
    """(label, value) pairs for the session's musicians: ``drums · Sam Jones``, ``m:12``."""
    try:
        ss = await get_session(session, guild_id, session_ref) if session_ref.strip() else None
    except (NotFound, InvalidInput):
        return []
    if ss is None:
        return []
    key = refs.fold(query)
    out = []
    for m in ss.musicians:
        label = f"{m.instrument} · {m.name or f'member {m.user_id}'}"
        if key and key not in refs.fold(label):
            continue
        out.append((label[:100], f"m:{m.id}"))
    return out[:25]


# --- listing ---------------------------------------------------------------------------------------


async def list_sessions(
    session: AsyncSession,
    guild_id: int,
    *,
    now: datetime,
    when: str = "upcoming",
    release_ref: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[StudioSession], int]:
    """Sessions (musicians loaded) and the total count: upcoming (not yet ended, soonest first),
    past (latest first) or all, optionally of one release.

    Raises:
        InvalidInput / NotFound: unknown ``when`` or release.
    """
    if when not in WHENS:
        raise InvalidInput("When must be `upcoming`, `past` or `all`.")
    cond = [StudioSession.guild_id == guild_id, _live()]
    if release_ref:
        cond.append(StudioSession.release_id == (await _release(session, guild_id, release_ref)).id)
    if when == "upcoming":
        cond.append(StudioSession.end_at > now)
    elif when == "past":
        cond.append(StudioSession.end_at <= now)
    order = StudioSession.start_at.desc() if when == "past" else StudioSession.start_at
    total = await session.scalar(select(func.count()).select_from(StudioSession).where(*cond)) or 0
    rows = await session.scalars(
        select(StudioSession)
        .where(*cond)
        .options(selectinload(StudioSession.musicians))
        .order_by(order, StudioSession.number)
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


async def autocomplete(session: AsyncSession, guild_id: int, query: str, *, now: datetime) -> list[tuple[str, str]]:
    """(label, value) pairs: ``#2 · Sat 3 Apr 2027 10:00 · Abbey Road · Night Drive``, ``#2``; upcoming first."""
    q = (
        select(StudioSession, Release.title)
        .join(Release, Release.id == StudioSession.release_id)
        .where(StudioSession.guild_id == guild_id)
    )
    cond = refs.search_filter(StudioSession, query)
    if cond is not None:
        q = q.where(cond)
    rows = (await session.execute(q.order_by((StudioSession.end_at <= now), StudioSession.start_at).limit(25))).all()
    return [
        (
            refs.choice_label(
                ss.number,
                f"{format_day(ss.date)} {ss.start:%H:%M} · {ss.studio} · {title}",
                " (cancelled)" if ss.status == SessionStatus.CANCELLED else "",
            ),
            f"#{ss.number}",
        )
        for ss, title in rows
    ]


async def release_titles(session: AsyncSession, release_ids: set[int]) -> dict[int, tuple[int, str]]:
    """release id -> (#number, title) for rendering lists."""
    if not release_ids:
        return {}
    rows = await session.execute(select(Release.id, Release.number, Release.title).where(Release.id.in_(release_ids)))
    return {i: (n, t) for i, n, t in rows.all()}


# --- nudges ------------------------------------------------------------------------------------------


def call_sheet_text(ss: StudioSession, release: Release, *, heading: str) -> str:
    """The call sheet as one message (≤ 2000 chars): studio, times, notes, engineer, musicians
    with instrument and call time (local and as Discord timestamps)."""
    lines = [
        f"{heading} **{escape_markdown(release.title)}** · session #{ss.number}",
        f"Studio: **{escape_markdown(ss.studio)}** · {times_label(ss)} · <t:{int(ss.start_at.timestamp())}:F>",
    ]
    if ss.notes:
        lines.append(f"Notes: {escape_markdown(ss.notes)[:600]}")
    if ss.engineer_id:
        lines.append(f"Engineer: <@{ss.engineer_id}>")
    elif ss.engineer_name:
        lines.append(f"Engineer: {escape_markdown(ss.engineer_name)}")
    if ss.musicians:
        lines.append("Musicians:")
    for m in ss.musicians:
        call = local(m.call_at, ss.timezone)
        line = (
            f"• {musician_label(m)} · {escape_markdown(m.instrument)} · call {call:%H:%M} "
            f"(<t:{int(m.call_at.timestamp())}:f>)"
        )
        if sum(len(x) + 1 for x in lines) + len(line) > 1850:
            lines.append(f"• …and more: `/studio show session:#{ss.number}`")
            break
        lines.append(line)
    return "\n".join(lines)[:2000]


def pinged(ss: StudioSession) -> tuple[int, ...]:
    """Who the call sheet pings: member musicians and the engineer (when a member), once each."""
    ids = [m.user_id for m in ss.musicians if m.user_id is not None]
    if ss.engineer_id:
        ids.append(ss.engineer_id)
    return tuple(dict.fromkeys(ids))


async def _render_eve(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    ss = await session.scalar(
        select(StudioSession).where(StudioSession.id == nudge.ref_id).options(selectinload(StudioSession.musicians))
    )
    if ss is None or ss.guild_id != nudge.guild_id or ss.status != SessionStatus.BOOKED or ss.start_at <= now:
        return None
    release = await session.get(Release, ss.release_id)
    if release is None or release.deleted_at is not None:
        return None
    cfg = await get_config(session, ss.guild_id)
    text = call_sheet_text(ss, release, heading=f"🎙️ Tomorrow, {format_day(ss.date)}, in the studio:")
    return nudges.Rendered(text, pinged(ss), cfg.nudge_channel_id or ss.channel_id)


async def _render_call(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    m = await session.get(SessionMusician, nudge.ref_id)
    if m is None or m.user_id is None:
        return None
    ss = await session.get(StudioSession, m.session_id)
    if ss is None or ss.guild_id != nudge.guild_id or ss.status != SessionStatus.BOOKED or m.call_at <= now:
        return None
    if m.call_at - CALL_LEAD != nudge.due_at:
        return None  # moved since planned (the re-plan made a new row)
    cfg = await get_config(session, ss.guild_id)
    call = local(m.call_at, ss.timezone)
    text = (
        f"⏰ <@{m.user_id}> your call for session #{ss.number} ({escape_markdown(m.instrument)}) is at "
        f"{call:%H:%M} {ss.timezone} (<t:{int(m.call_at.timestamp())}:R>), at **{escape_markdown(ss.studio)}**.\n"
        f"Call sheet: `/studio show session:#{ss.number}`"
    )
    return nudges.Rendered(text[:2000], (m.user_id,), cfg.nudge_channel_id or ss.channel_id)


async def _eve_until(session: AsyncSession, nudge: Nudge) -> nudges.Stale | None:
    # "Tomorrow, …" is wrong once the session's day has begun where it is recorded
    ss = await session.get(StudioSession, nudge.ref_id)
    if ss is None or ss.guild_id != nudge.guild_id:
        return None
    day_start = datetime.combine(ss.date, time(0), tzinfo=ZoneInfo(ss.timezone)).astimezone(UTC)
    return nudges.Stale(day_start, f"the day before session #{ss.number} had passed")


async def _call_until(session: AsyncSession, nudge: Nudge) -> nudges.Stale | None:
    m = await session.get(SessionMusician, nudge.ref_id)
    ss = await session.get(StudioSession, m.session_id) if m is not None else None
    if m is None or ss is None or ss.guild_id != nudge.guild_id:
        return None
    return nudges.Stale(m.call_at, f"the call time of session #{ss.number} had passed")


NUDGE_KINDS = (
    nudges.NudgeKind(KIND_EVE, _render_eve, until=_eve_until),
    nudges.NudgeKind(KIND_CALL, _render_call, until=_call_until),
)
"""Wired in ``bot/features.py``."""


# --- track production stages ------------------------------------------------------------------------


def check_stage(text: str) -> str:
    """A stage name, lower-cased.

    Raises:
        InvalidInput: not one of :data:`STAGES`.
    """
    t = " ".join(text.lower().split())
    if t not in STAGES:
        raise InvalidInput(f"`{text[:30]}` isn't a stage. Stages in order: {', '.join(f'`{s}`' for s in STAGES)}.")
    return t


@dataclass(frozen=True)
class BoardRow:
    """One track and its current stage (None: not started), with the latest change."""

    track: ReleaseTrack
    stage: str | None
    change: TrackStageChange | None


@dataclass(frozen=True)
class Board:
    """``/studio board``: every track of a release with its stage, and how many are at each."""

    release: Release
    rows: list[BoardRow]
    counts: dict[str, int] = field(default_factory=dict)


async def board(session: AsyncSession, guild_id: int, release_ref: str) -> Board:
    """Every track of the release against the stages. Raises NotFound/InvalidInput for the release."""
    release = await _release(session, guild_id, release_ref)
    return await _board(session, release)


async def _board(session: AsyncSession, release: Release) -> Board:
    tracks = await releases.tracks_of(session, release)
    latest = (
        select(func.max(TrackStageChange.id))
        .where(TrackStageChange.track_id.in_([t.id for t in tracks]))
        .group_by(TrackStageChange.track_id)
    )
    changes = {
        c.track_id: c for c in await session.scalars(select(TrackStageChange).where(TrackStageChange.id.in_(latest)))
    }
    rows = [BoardRow(t, changes[t.id].stage if t.id in changes else None, changes.get(t.id)) for t in tracks]
    counts = {s: sum(1 for r in rows if r.stage == s) for s in STAGES}
    return Board(release, rows, counts)


def resolve_track(tracks: list[ReleaseTrack], ref: str, release: Release) -> ReleaseTrack:
    """The track ``ref`` (``#N`` position, N, or title text) names.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    number = refs.as_number(ref)
    if number is not None:
        for t in tracks:
            if t.position == number:
                return t
    key = refs.fold(ref)
    exact = [t for t in tracks if refs.fold(t.title) == key]
    cands = exact or [t for t in tracks if key and key in refs.fold(t.title)]
    if len(cands) == 1:
        return cands[0]
    if not cands:
        hint = f"`/release track release:#{release.number} title:…`"
        raise NotFound(f"Release #{release.number} has no track matching `{ref[:60]}`. Add tracks with {hint}.")
    raise InvalidInput(f"`{ref[:60]}` matches several tracks ({', '.join(f'#{t.position}' for t in cands[:5])}).")


async def track_autocomplete(
    session: AsyncSession, guild_id: int, release_ref: str, query: str
) -> list[tuple[str, str]]:
    """(label, value) pairs for a track of the release: ``#3 · Night Drive (mixing)``, ``#3``."""
    try:
        release = await _release(session, guild_id, release_ref) if release_ref.strip() else None
    except (NotFound, InvalidInput):
        return []
    if release is None:
        return []
    b = await _board(session, release)
    key = refs.fold(query.strip().lstrip("#"))
    out = [
        (refs.choice_label(r.track.position, r.track.title, f" ({r.stage})" if r.stage else ""), f"#{r.track.position}")
        for r in b.rows
        if not key or key in refs.fold(r.track.title) or key == str(r.track.position)
    ]
    return out[:25]


@dataclass(frozen=True)
class StageResult:
    """``/studio stage``: the track's old and new stage, the board after, and the checklist task
    ticked because every track is now delivered (None when nothing was ticked)."""

    release: Release
    track: ReleaseTrack
    previous: str | None
    stage: str
    board: Board
    ticked: ReleaseTask | None


async def set_stage(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    track_ref: str,
    stage: str,
    *,
    by_id: int,
    now: datetime,
    note: str | None = None,
) -> StageResult:
    """Move a track to ``stage`` (any direction; who, when and the note are kept). When every track
    is then delivered, tick the release's ``masters-delivered`` task with a note. Not committed.

    Raises:
        NotFound / InvalidInput: unknown release, track or stage; already at that stage; a note too long.
    """
    name = check_stage(stage)
    release = await _release(session, guild_id, release_ref)
    before = await _board(session, release)
    track = resolve_track([r.track for r in before.rows], track_ref, release)
    prev = next(r.stage for r in before.rows if r.track.id == track.id)
    if prev == name:
        raise InvalidInput(f"Track #{track.position} “{track.title[:80]}” is already at {name}.")
    clean = _text(note, "Note", 300)
    session.add(TrackStageChange(track_id=track.id, stage=name, note=clean, by_id=by_id, at=now))
    await session.flush()
    after = await _board(session, release)
    ticked = None
    if after.rows and all(r.stage == "delivered" for r in after.rows):
        full = await releases.get_release_by_id(session, guild_id, release.id)
        task = next((t for t in full.tasks if t.key == MASTERS_KEY and t.done_at is None), None)
        if task is not None:
            task.done_by, task.done_at = by_id, now
            task.note = f"Ticked by /studio stage: all {len(after.rows)} track(s) delivered."
            await releases.plan_nudges(session, full, await get_config(session, guild_id), now)
            ticked = task
    return StageResult(release, track, prev, name, after, ticked)


# --- calendar export ------------------------------------------------------------------------------------


def session_uid(ss: StudioSession) -> str:
    """A stable iCalendar UID for a session (per guild and number: never reused)."""
    return f"studio-{ss.guild_id}-{ss.number}@roadie"


def export_ics(
    sessions: list[StudioSession], titles: dict[int, tuple[int, str]], *, now: datetime, calendar_name: str
) -> bytes:
    """An RFC 5545 calendar: one VEVENT per session (stable UID, DTSTART/DTEND in the session's
    zone with TZID and VTIMEZONE, STATUS CONFIRMED/CANCELLED, LOCATION the studio, DESCRIPTION the
    engineer and musicians with call times)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Roadie//Studio sessions//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", calendar_name)
    for ss in sessions:
        number, title = titles.get(ss.release_id, (0, "?"))
        ev = Event()
        ev.add("uid", session_uid(ss))
        ev.add("dtstamp", now.astimezone(UTC))
        ev.add("summary", f"Studio: {title} ({ss.studio})")
        ev.add("location", ss.studio)
        ev.add("dtstart", local(ss.start_at, ss.timezone))
        ev.add("dtend", local(ss.end_at, ss.timezone))
        ev.add("status", "CANCELLED" if ss.status == SessionStatus.CANCELLED else "CONFIRMED")
        desc = [f"Release #{number} {title} · session #{ss.number}"]
        if ss.engineer_name or ss.engineer_id:
            desc.append(f"Engineer: {ss.engineer_name or f'member {ss.engineer_id}'}")
        for m in ss.musicians:
            desc.append(
                f"{m.name or f'member {m.user_id}'} · {m.instrument} · call {local(m.call_at, ss.timezone):%H:%M}"
            )
        if ss.notes:
            desc.append(ss.notes)
        ev.add("description", "\n".join(desc))
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()

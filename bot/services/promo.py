"""Promotion: a release's press, radio and playlist campaign (outlets, pitches, results, follow-ups).

Rules
* Outlets are the server's media contacts (``#N`` per guild, soft-deleted). E-mail is checked for
  shape (``local@domain.tld``) and stored lower-cased; an outlet is the same as another when the
  e-mails match, else when the names fold equal (:func:`bot.services.refs.fold`).
* A pitch is one release pitched to one outlet (one pitch per pair). Every status change is a
  :class:`~bot.db.models.PitchEvent` with who (None: Roadie) and when (UTC).
* Follow-ups: a pitch still ``pitched`` ``follow_up_days`` (N, default 7, ``/promo follow-up``)
  after it was pitched is due a follow-up nudge to its owner; still nothing N days later it becomes
  ``no-reply`` and the owner is told, once. Any update of the pitch (a status or a result) stops both (becoming
  ``pitched`` again restarts the clock). The pitch rows hold the plan (``followup_due_at``,
  ``followup_stage``); one nudge row per release (kind :data:`KIND_FOLLOWUP`) is due at the
  release's earliest follow-up, and delivering it gathers every due pitch of that release into ONE
  message pinging only their owners. The pitches advance when the message is final (sent or
  failed), so a retried send says the same thing, and downtime costs one late message: a pitch whose
  no-reply time also passed while Roadie was down goes straight to ``no-reply``.
* Changing outlets, pitches and results needs a manager or the ``label`` Roadie role; everyone sees
  the campaign.
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

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import csvsafe
from bot.db.models import (
    NOTE_MAX,
    Nudge,
    Outlet,
    OutletKind,
    Pitch,
    PitchEvent,
    PitchResult,
    PitchStatus,
    PromoSettings,
    Release,
    ResultKind,
)
from bot.services import nudges, refs
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor, is_manager, role_map
from bot.services.settings import GuildConfig, get_config
from bot.textfmt import CHOICES_MAX, CONTENT_MAX, escape_markdown, truncate
from bot.timeparse import parse_when

KIND_FOLLOWUP = "promo_followup"
DEFAULT_FOLLOW_UP_DAYS = 7
FOLLOW_UP_DAYS_MAX = 90
DATED_PITCH_AT = time(9, 0)  # a pitch given a past date counts from 09:00 server time that day
NAME_MAX, CONTACT_MAX, EMAIL_MAX, HANDLE_MAX, REGION_MAX, NOTES_MAX, LINK_MAX = 200, 200, 254, 300, 100, 1000, 500
VALUE_MAX = 10**12
MAX_IMPORT_ROWS = 5_000
MAX_IMPORT_BYTES = 1_000_000
OUTLETS_HINT = "`/promo outlets`"
PITCHES_HINT = "`/promo campaign release:`"

_RANK = {
    PitchStatus.TO_PITCH: 0,
    PitchStatus.PITCHED: 1,
    PitchStatus.FOLLOWED_UP: 2,
    PitchStatus.REPLIED: 3,
    PitchStatus.ACCEPTED: 4,
    PitchStatus.PUBLISHED: 5,
    PitchStatus.ADDED: 5,
    PitchStatus.AIRED: 5,
    PitchStatus.PASSED: 5,
    PitchStatus.NO_REPLY: 5,
}
OUT_STATUSES = (PitchStatus.PUBLISHED, PitchStatus.ADDED, PitchStatus.AIRED)
FUNNEL = (
    ("pitched", frozenset(s for s in PitchStatus if s != PitchStatus.TO_PITCH)),
    (
        "replied",
        frozenset(
            (PitchStatus.REPLIED, PitchStatus.ACCEPTED, PitchStatus.PASSED, *OUT_STATUSES),
        ),
    ),
    ("accepted", frozenset((PitchStatus.ACCEPTED, *OUT_STATUSES))),
    ("published/added/aired", frozenset(OUT_STATUSES)),
)
"""Funnel stages: a pitch counts for a stage when any status in its history is in the stage's set."""

_HANDLE_RE = re.compile(r"^@?[\w.\-]{1,100}$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# --- settings and permissions ------------------------------------------------------------------


async def follow_up_days(session: AsyncSession, guild_id: int) -> int:
    """Days before a pitch is followed up (and again before it becomes ``no-reply``); default 7."""
    row = await session.get(PromoSettings, guild_id)
    return row.follow_up_days if row is not None else DEFAULT_FOLLOW_UP_DAYS


async def can_edit(session: AsyncSession, guild_id: int, actor: Actor | None) -> bool:
    """Managers and holders of the ``label`` Roadie role may change the campaign (None: trusted)."""
    if actor is None or await is_manager(session, guild_id, actor):
        return True
    label = (await role_map(session, guild_id)).get("label")
    return label is not None and label in actor.role_ids


async def require_editor(session: AsyncSession, guild_id: int, actor: Actor | None) -> None:
    """Raise :class:`Forbidden` unless ``actor`` is a manager or has the label role."""
    if not await can_edit(session, guild_id, actor):
        raise Forbidden(
            "Only managers and the label can change the promo campaign. "
            "Ask someone with the manager or label role (see `/settings show`)."
        )


async def set_follow_up_days(session: AsyncSession, guild_id: int, days: int, *, actor: Actor | None) -> int:
    """Set N (1..90 days) for this server. Pitches already waiting keep their planned times.

    Raises:
        InvalidInput: out of range. Forbidden: not an editor.
    """
    await require_editor(session, guild_id, actor)
    if not 1 <= days <= FOLLOW_UP_DAYS_MAX:
        raise InvalidInput(f"Follow-up days must be 1 to {FOLLOW_UP_DAYS_MAX}; you gave {days}.")
    row = await session.get(PromoSettings, guild_id)
    if row is None:
        session.add(PromoSettings(guild_id=guild_id, follow_up_days=days))
    else:
        row.follow_up_days = days
    await session.flush()
    return days


# --- outlets ---------------------------------------------------------------------------------------


def _clean(text: str | None, limit: int, what: str, *, required: bool = False) -> str | None:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        if required:
            raise InvalidInput(f"{what} can't be empty.")
        return None
    if len(cleaned) > limit:
        raise InvalidInput(f"{what} is {len(cleaned)} characters; keep it to {limit}.")
    return cleaned


def parse_email(text: str | None) -> str | None:
    """``Name@Example.COM`` -> ``name@example.com``; None for empty. Syntax is checked by
    ``email-validator`` (RFC 5322/6531 addresses, no DNS look-up); the whole address is lower-cased
    so that duplicates match.

    Raises:
        InvalidInput: not an address, or over 254 characters (RFC 5321).
    """
    t = (text or "").strip().strip("<>").strip()
    if t.lower().startswith("mailto:"):
        t = t[7:]
    if not t:
        return None
    try:
        if len(t) > EMAIL_MAX:
            raise EmailNotValidError("too long")
        normalized = validate_email(t, check_deliverability=False).normalized  # syntax only: no DNS
    except EmailNotValidError:
        raise InvalidInput(
            f"`{truncate(t, 60)}` isn't an e-mail address; write it like `editor@magazine.com`."
        ) from None
    return normalized.lower()


def parse_link(text: str | None, what: str = "Link") -> str | None:
    """An http(s) URL, or None for empty.

    Raises:
        InvalidInput: not http(s), has spaces, or over 500 characters.
    """
    t = (text or "").strip()
    if not t:
        return None
    if len(t) > LINK_MAX or not _URL_RE.match(t):
        raise InvalidInput(f"{what} `{truncate(t, 60)}` isn't an http(s) link; paste it like `https://example.com/…`.")
    return t


def parse_handle(text: str | None) -> str | None:
    """A social handle (``@name``) or an http(s) URL, or None for empty.

    Raises:
        InvalidInput: neither.
    """
    t = (text or "").strip()
    if not t:
        return None
    if t.lower().startswith(("http://", "https://")):
        return parse_link(t, "Handle")
    if not _HANDLE_RE.match(t):
        raise InvalidInput(f"Handle `{truncate(t, 60)}` should be a social handle like `@radiox` or an https:// link.")
    return t if t.startswith("@") else "@" + t


def parse_kind(text: str) -> str:
    """An outlet kind (see :class:`OutletKind`).

    Raises:
        InvalidInput: unknown.
    """
    t = text.strip().lower()
    if t not in set(OutletKind):
        raise InvalidInput(f"Kind must be one of {', '.join(f'`{k}`' for k in OutletKind)}.")
    return t


@dataclass
class OutletFields:
    """Checked outlet fields (None: not given)."""

    name: str | None = None
    kind: str | None = None
    contact: str | None = None
    email: str | None = None
    handle: str | None = None
    region: str | None = None
    notes: str | None = None


def parse_outlet_fields(
    *,
    name: str | None = None,
    kind: str | None = None,
    contact: str | None = None,
    email: str | None = None,
    handle: str | None = None,
    region: str | None = None,
    notes: str | None = None,
) -> OutletFields:
    """Check what a user typed for an outlet.

    Raises:
        InvalidInput: an empty name, unknown kind, bad e-mail/handle, or a field too long.
    """
    return OutletFields(
        name=_clean(name, NAME_MAX, "Name") if name is not None else None,
        kind=parse_kind(kind) if kind else None,
        contact=_clean(contact, CONTACT_MAX, "Contact"),
        email=parse_email(email),
        handle=parse_handle(handle),
        region=_clean(region, REGION_MAX, "Region"),
        notes=_clean(notes, NOTES_MAX, "Notes"),
    )


async def find_duplicate(
    session: AsyncSession, guild_id: int, *, name: str | None, email: str | None, exclude_id: int | None = None
) -> Outlet | None:
    """The visible outlet that is the same as (``name``, ``email``): same e-mail, else same folded name."""
    base = select(Outlet).where(Outlet.guild_id == guild_id, Outlet.visible())
    if exclude_id is not None:
        base = base.where(Outlet.id != exclude_id)
    if email:
        hit = await session.scalar(base.where(Outlet.email == email).limit(1))
        if hit is not None:
            return hit
    if name:
        return await session.scalar(base.where(Outlet.search_key == refs.fold(name)).limit(1))
    return None


async def add_outlet(
    session: AsyncSession, guild_id: int, f: OutletFields, *, author_id: int, now: datetime, actor: Actor | None
) -> Outlet:
    """Add an outlet.

    Raises:
        InvalidInput: no name/kind, or it exists already (the message names it).
        Forbidden: not an editor.
    """
    await require_editor(session, guild_id, actor)
    if not f.name or not f.kind:
        raise InvalidInput("An outlet needs a name and a kind.")
    dup = await find_duplicate(session, guild_id, name=f.name, email=f.email)
    if dup is not None:
        same = "e-mail" if f.email and dup.email == f.email else "name"
        raise InvalidInput(
            f"That outlet exists already (same {same}): #{dup.number} {escape_markdown(dup.name)}. "
            f"Change it with `/promo outlet-edit outlet:#{dup.number}`."
        )
    outlet = Outlet(
        guild_id=guild_id,
        number=await refs.next_number(session, Outlet, guild_id),
        name=f.name,
        search_key=refs.fold(f.name),
        kind=f.kind,
        contact=f.contact,
        email=f.email,
        handle=f.handle,
        region=f.region,
        notes=f.notes,
        author_id=author_id,
        created_at=now,
    )
    session.add(outlet)
    await session.flush()
    return outlet


async def get_outlet(session: AsyncSession, guild_id: int, ref: str) -> Outlet:
    """The outlet ``ref`` (``#N``, N or name) names.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    return await refs.resolve(
        session, Outlet, guild_id, ref, noun="outlet", list_hint=OUTLETS_HINT, visible=[Outlet.visible()]
    )


_CLEAR = "-"


async def edit_outlet(
    session: AsyncSession, guild_id: int, ref: str, raw: dict[str, str | None], *, actor: Actor | None
) -> Outlet:
    """Change the fields given in ``raw`` (``"-"`` clears an optional one).

    Raises:
        InvalidInput: bad values, nothing to change, or the change makes it another outlet's duplicate.
        Forbidden: not an editor.
    """
    await require_editor(session, guild_id, actor)
    outlet = await get_outlet(session, guild_id, ref)
    given = {k: v for k, v in raw.items() if v is not None}
    if not given:
        raise InvalidInput("Give at least one thing to change (name, kind, contact, email, handle, region, notes).")
    cleared = {k for k, v in given.items() if v.strip() == _CLEAR}
    if cleared & {"name", "kind"}:
        raise InvalidInput("Name and kind can't be cleared; give a new value instead.")
    f = parse_outlet_fields(**{k: v for k, v in given.items() if k not in cleared})
    new_name = f.name or outlet.name
    new_email = None if "email" in cleared else (f.email or outlet.email)
    dup = await find_duplicate(session, guild_id, name=new_name, email=new_email, exclude_id=outlet.id)
    if dup is not None:
        raise InvalidInput(f"That would make it the same as #{dup.number} {escape_markdown(dup.name)}.")
    for key in ("name", "kind", "contact", "email", "handle", "region", "notes"):
        if key in cleared:
            setattr(outlet, key, None)
        elif getattr(f, key) is not None:
            setattr(outlet, key, getattr(f, key))
    outlet.search_key = refs.fold(outlet.name)
    if f.name:  # pitches are found by "outlet release" too
        rows = await session.execute(
            select(Pitch, Release.title)
            .join(Release, Release.id == Pitch.release_id)
            .where(Pitch.outlet_id == outlet.id)
        )
        for p, title in rows.all():
            p.search_key = refs.fold(f"{outlet.name} {title}")[:200]
    await session.flush()
    return outlet


async def remove_outlet(
    session: AsyncSession, guild_id: int, ref: str, *, now: datetime, actor: Actor | None
) -> Outlet:
    """Soft-delete an outlet (its pitches and their history are kept, and still counted).

    Raises:
        NotFound: no such outlet. Forbidden: not an editor.
    """
    await require_editor(session, guild_id, actor)
    outlet = await get_outlet(session, guild_id, ref)
    outlet.soft_delete(now)
    await session.flush()
    return outlet


async def count_outlets(session: AsyncSession, guild_id: int, kind: str | None = None) -> int:
    """How many visible outlets (of ``kind``)."""
    q = select(func.count()).select_from(Outlet).where(Outlet.guild_id == guild_id, Outlet.visible())
    if kind:
        q = q.where(Outlet.kind == kind)
    return int(await session.scalar(q) or 0)


async def list_outlets(
    session: AsyncSession, guild_id: int, kind: str | None = None, *, offset: int = 0, limit: int | None = None
) -> list[Outlet]:
    """Visible outlets (of ``kind``) by name."""
    q = select(Outlet).where(Outlet.guild_id == guild_id, Outlet.visible())
    if kind:
        q = q.where(Outlet.kind == kind)
    q = q.order_by(Outlet.search_key, Outlet.number).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(await session.scalars(q))


async def outlet_autocomplete(
    session: AsyncSession, guild_id: int, query: str, limit: int = CHOICES_MAX
) -> list[tuple[str, str]]:
    """(label, value) pairs: ``#3 · Radio X (radio)``, ``#3``."""
    q = select(Outlet).where(Outlet.guild_id == guild_id, Outlet.visible())
    cond = refs.search_filter(Outlet, query)
    if cond is not None:
        q = q.where(cond)
    rows = await session.scalars(q.order_by(Outlet.search_key).limit(limit))
    return [(refs.choice_label(o.number, o.name, f" ({o.kind})"), f"#{o.number}") for o in rows]


# --- pitches ------------------------------------------------------------------------------------


async def _release(session: AsyncSession, guild_id: int, ref: str) -> Release:
    return await refs.resolve(
        session, Release, guild_id, ref, noun="release", list_hint="`/release list`", visible=[Release.visible()]
    )


def _pitch_query(guild_id: int):  # type: ignore[no-untyped-def]
    return (
        select(Pitch).where(Pitch.guild_id == guild_id).options(selectinload(Pitch.events), selectinload(Pitch.results))
    )


async def get_pitch(session: AsyncSession, guild_id: int, ref: str) -> Pitch:
    """The pitch ``#N`` (or part of ``outlet release``) names, events and results loaded.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    found = await refs.resolve(session, Pitch, guild_id, ref, noun="pitch", list_hint=PITCHES_HINT)
    pitch = await session.scalar(
        _pitch_query(guild_id).where(Pitch.id == found.id).execution_options(populate_existing=True)
    )
    assert pitch is not None
    return pitch


async def pitch_autocomplete(
    session: AsyncSession, guild_id: int, query: str, limit: int = CHOICES_MAX
) -> list[tuple[str, str]]:
    """(label, value) pairs: ``#4 · Radio X · Night Drive (pitched)``, ``#4``; latest first."""
    q = select(Pitch, Release.title).join(Release, Release.id == Pitch.release_id).where(Pitch.guild_id == guild_id)
    cond = refs.search_filter(Pitch, query)
    if cond is not None:
        q = q.where(cond)
    rows = await session.execute(q.order_by(Pitch.updated_at.desc(), Pitch.number.desc()).limit(limit))
    return [
        (refs.choice_label(p.number, f"{p.outlet.name} · {title}", f" ({p.status})"), f"#{p.number}")
        for p, title in rows.all()
    ]


def _pitched_at(date_text: str | None, cfg: GuildConfig, now: datetime) -> tuple[datetime, date]:
    """(UTC instant the follow-up clock starts, local day) for a pitch date (None: now)."""
    if not date_text:
        return now, now.astimezone(cfg.tz).date()
    d = parse_when(date_text, tz=cfg.tz, date_order=cfg.date_order, now=now).local.date()
    today = now.astimezone(cfg.tz).date()
    if d > today:
        raise InvalidInput(f"`{truncate(date_text, 40)}` is in the future; a pitch date is when it was sent.")
    if d < today - timedelta(days=366):
        raise InvalidInput(f"`{truncate(date_text, 40)}` is over a year ago; give a date within the last year.")
    if d == today:
        return now, d
    return datetime.combine(d, DATED_PITCH_AT, tzinfo=cfg.tz).astimezone(UTC), d


async def add_pitch(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    outlet_ref: str,
    *,
    date_text: str | None,
    note: str | None,
    author_id: int,
    channel_id: int,
    now: datetime,
    actor: Actor | None,
) -> Pitch:
    """Pitch a release to an outlet (status ``pitched``); plans its follow-up N days after ``date``.

    Raises:
        InvalidInput: bad date/note, or that outlet was already pitched for that release (named).
        NotFound: release or outlet. Forbidden: not an editor.
    """
    await require_editor(session, guild_id, actor)
    release = await _release(session, guild_id, release_ref)
    outlet = await get_outlet(session, guild_id, outlet_ref)
    existing = await session.scalar(select(Pitch).where(Pitch.release_id == release.id, Pitch.outlet_id == outlet.id))
    if existing is not None:
        raise InvalidInput(
            f"{escape_markdown(outlet.name)} was already pitched for {escape_markdown(release.title)}: pitch "
            f"#{existing.number} ({existing.status}). Change it with `/promo update pitch:#{existing.number}`."
        )
    cfg = await get_config(session, guild_id)
    clean_note = _clean(note, NOTE_MAX, "Note")
    at, _day = _pitched_at(date_text, cfg, now)
    days = await follow_up_days(session, guild_id)
    pitch = Pitch(
        guild_id=guild_id,
        number=await refs.next_number(session, Pitch, guild_id),
        search_key=refs.fold(f"{outlet.name} {release.title}")[:200],
        release_id=release.id,
        outlet_id=outlet.id,
        outlet=outlet,
        owner_id=author_id,
        status=PitchStatus.PITCHED,
        pitched_at=at,
        note=clean_note,
        followup_due_at=at + timedelta(days=days),
        followup_stage=0,
        channel_id=channel_id,
        author_id=author_id,
        created_at=now,
        updated_at=now,
    )
    pitch.events = [PitchEvent(status=PitchStatus.PITCHED, note=clean_note, actor_id=author_id, created_at=at)]
    pitch.results = []
    session.add(pitch)
    await session.flush()
    await plan_followups(session, guild_id, release.id, now)
    return pitch


def check_transition(old: str, new: str, note: str | None) -> None:
    """Refuse a status that can't follow ``old`` unless a note explains it.

    Forward moves along to-pitch -> pitched -> followed-up -> replied -> accepted -> published/added/
    aired are fine (``passed`` and ``no-reply`` may follow anything pitched); skipping ``pitched``
    (e.g. ``published`` straight from ``to-pitch``) or going back needs a note.

    Raises:
        InvalidInput: such a move without a note.
    """
    if note or old == new:
        return
    o, n = PitchStatus(old), PitchStatus(new)
    if o == PitchStatus.NO_REPLY and n != PitchStatus.TO_PITCH:
        return  # a late answer is news, not a contradiction
    backwards = _RANK[n] < _RANK[o] or (
        _RANK[o] == 5 and o != n and o not in (PitchStatus.PASSED, PitchStatus.NO_REPLY)
    )
    skips = o == PitchStatus.TO_PITCH and n not in (PitchStatus.PITCHED, PitchStatus.TO_PITCH)
    if backwards or skips:
        why = "before it was pitched" if skips else f"after `{old}`"
        raise InvalidInput(f"`{new}` can't follow {why} without a note; add `note:` saying what happened.")


async def update_pitch(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    status: str,
    *,
    note: str | None,
    link: str | None,
    now: datetime,
    actor: Actor,
) -> Pitch:
    """Record a new status (with who and when). Any update stops the follow-up nudges; becoming
    ``pitched`` again restarts the clock from now.

    Raises:
        InvalidInput: unknown status, a move that needs a note, a link that isn't http(s).
        NotFound: no such pitch. Forbidden: not an editor.
    """
    await require_editor(session, guild_id, actor)
    if status not in set(PitchStatus):
        raise InvalidInput(f"Status must be one of {', '.join(f'`{s}`' for s in PitchStatus)}.")
    pitch = await get_pitch(session, guild_id, ref)
    clean_note = _clean(note, NOTE_MAX, "Note")
    clean_link = parse_link(link)
    check_transition(pitch.status, status, clean_note)
    pitch.status = status
    pitch.note = clean_note or pitch.note
    pitch.link = clean_link or pitch.link
    pitch.updated_at = now
    if status == PitchStatus.PITCHED:
        pitch.pitched_at = now
        pitch.followup_due_at = now + timedelta(days=await follow_up_days(session, guild_id))
        pitch.followup_stage = 0
    else:
        pitch.followup_due_at = None
        pitch.followup_stage = 2
    pitch.events.append(
        PitchEvent(status=status, note=clean_note, link=clean_link, actor_id=actor.user_id, created_at=now)
    )
    await session.flush()
    await plan_followups(session, guild_id, pitch.release_id, now)
    return pitch


async def add_result(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    kind: str,
    *,
    value: int | None,
    link: str | None,
    now: datetime,
    actor: Actor,
) -> PitchResult:
    """Log what came of a pitch: ``spins``/``followers``/``audience`` need a whole ``value`` ≥ 0;
    ``article`` needs ``link`` (``value`` optional).

    Raises:
        InvalidInput: missing/negative value, missing or non-http(s) link, unknown kind.
        NotFound: no such pitch. Forbidden: not an editor.
    """
    await require_editor(session, guild_id, actor)
    if kind not in set(ResultKind):
        raise InvalidInput(f"Kind must be one of {', '.join(f'`{k}`' for k in ResultKind)}.")
    pitch = await get_pitch(session, guild_id, ref)
    clean_link = parse_link(link)
    if kind == ResultKind.ARTICLE and not clean_link:
        raise InvalidInput("An `article` result needs `link:` (the article's https:// address).")
    if kind != ResultKind.ARTICLE and value is None:
        raise InvalidInput(f"A `{kind}` result needs `value:`, a whole number (e.g. 12000).")
    if value is not None and not 0 <= value <= VALUE_MAX:
        raise InvalidInput(f"`value` must be a whole number from 0 to {VALUE_MAX:,}.")
    result = PitchResult(kind=kind, value=value, link=clean_link, author_id=actor.user_id, created_at=now)
    pitch.results.append(result)
    pitch.updated_at = now
    if pitch.followup_due_at is not None:  # news of the pitch: no follow-up needed
        pitch.followup_due_at, pitch.followup_stage = None, 2
        await session.flush()
        await plan_followups(session, guild_id, pitch.release_id, now)
    await session.flush()
    return result


# --- follow-ups ---------------------------------------------------------------------------------


async def _due_pitches(session: AsyncSession, release_id: int, guild_id: int, at: datetime) -> list[Pitch]:
    return list(
        await session.scalars(
            select(Pitch)
            .where(
                Pitch.release_id == release_id,
                Pitch.guild_id == guild_id,
                Pitch.followup_due_at.is_not(None),
                Pitch.followup_due_at <= at,
            )
            .order_by(Pitch.followup_due_at, Pitch.number)
            .execution_options(populate_existing=True)
        )
    )


async def _next_due(session: AsyncSession, release_id: int) -> datetime | None:
    return await session.scalar(
        select(func.min(Pitch.followup_due_at)).where(
            Pitch.release_id == release_id, Pitch.followup_due_at.is_not(None)
        )
    )


async def _channel(session: AsyncSession, release: Release) -> int:
    cfg = await get_config(session, release.guild_id)
    return cfg.nudge_channel_id or release.channel_id


async def plan_followups(session: AsyncSession, guild_id: int, release_id: int, now: datetime) -> None:
    """Replace the release's pending follow-up nudge with one due at its earliest pitch follow-up."""
    await nudges.cancel_for(session, KIND_FOLLOWUP, release_id)
    nxt = await _next_due(session, release_id)
    release = await session.get(Release, release_id)
    if nxt is None or release is None or release.is_deleted:
        return
    nudges.schedule(
        session,
        guild_id=guild_id,
        channel_id=await _channel(session, release),
        kind=KIND_FOLLOWUP,
        ref_id=release_id,
        due_at=nxt,
        now=now,
    )
    await session.flush()


def _step(pitch: Pitch, now: datetime, days: int) -> str:
    """``"follow-up"`` or ``"no-reply"`` for a due pitch at ``now``."""
    if pitch.followup_stage == 0 and pitch.followup_due_at and now < pitch.followup_due_at + timedelta(days=days):
        return "follow-up"
    return "no-reply"


@dataclass(frozen=True)
class DueFollowUp:
    """One pitch in a follow-up message: its step (``follow-up`` / ``no-reply``) and display parts."""

    pitch_number: int
    outlet: str
    outlet_kind: str
    owner_id: int
    step: str
    pitched_at: datetime | None


async def due_followups(session: AsyncSession, release_id: int, guild_id: int, now: datetime) -> list[DueFollowUp]:
    """The release's pitches whose follow-up step is due at ``now``, earliest first."""
    days = await follow_up_days(session, guild_id)
    out = []
    for p in await _due_pitches(session, release_id, guild_id, now):
        out.append(
            DueFollowUp(
                p.number,
                p.outlet.name,
                p.outlet.kind,
                p.owner_id,
                _step(p, now, days),
                p.pitched_at,
            )
        )
    return out


def followup_text(release: Release, due: list[DueFollowUp], days: int, tz: ZoneInfo) -> str:
    """The one message for a release's due follow-ups (≤ 2000 chars): owners pinged in the first line;
    pitch days are written in the server's zone ``tz``."""
    owners = " ".join(f"<@{o}>" for o in dict.fromkeys(d.owner_id for d in due))
    lines = [f"📣 {owners} follow-ups for **{escape_markdown(release.title)}**:"]
    shown = 0
    for d in due:
        local = d.pitched_at.astimezone(tz) if d.pitched_at else None
        when = f"pitched {local:%a} {local.day} {local:%b}" if local else "pitched"
        if d.step == "follow-up":
            line = (
                f"• #{d.pitch_number} {escape_markdown(d.outlet)} ({d.outlet_kind}) · {when}, no answer yet: follow up"
            )
        else:
            line = (
                f"• #{d.pitch_number} {escape_markdown(d.outlet)} ({d.outlet_kind}) · {when}: "
                f"still nothing, now marked `no-reply`"
            )
        if sum(len(x) + 1 for x in lines) + len(line) > CONTENT_MAX - 200:
            break
        lines.append(line)
        shown += 1
    if shown < len(due):
        lines.append(f"• …and {len(due) - shown} more: {PITCHES_HINT}#{release.number}")
    if any(d.step == "follow-up" for d in due):
        lines.append(f"Log news with `/promo update pitch:#N status:…`; no news in {days} more days means `no-reply`.")
    else:
        lines.append("If news comes after all, log it with `/promo update pitch:#N status:…`.")
    return "\n".join(lines)[:CONTENT_MAX]


async def _render_followup(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    release = await session.get(Release, nudge.ref_id)
    if release is None or release.is_deleted or release.guild_id != nudge.guild_id:
        return None
    due = await due_followups(session, release.id, release.guild_id, now)
    if not due:  # updated since planned: plan for what is left, send nothing now
        nxt = await _next_due(session, release.id)
        if nxt is not None:
            await nudges.schedule_once(
                session,
                guild_id=release.guild_id,
                channel_id=await _channel(session, release),
                kind=KIND_FOLLOWUP,
                ref_id=release.id,
                due_at=nxt,
                now=now,
            )
        return None
    days = await follow_up_days(session, release.guild_id)
    owners = tuple(dict.fromkeys(d.owner_id for d in due))
    tz = (await get_config(session, release.guild_id)).tz
    return nudges.Rendered(followup_text(release, due, days, tz), owners, await _channel(session, release))


async def advance_followups(session: AsyncSession, release_id: int, guild_id: int, at: datetime, now: datetime) -> int:
    """Move every pitch of the release due at ``at`` one step on (as told at ``at``); plan the next
    nudge. Returns how many moved. Used when a follow-up message is final."""
    days = await follow_up_days(session, guild_id)
    pitches = await _due_pitches(session, release_id, guild_id, at)
    for p in pitches:
        if _step(p, at, days) == "follow-up":
            assert p.followup_due_at is not None
            p.followup_stage = 1
            p.followup_due_at = p.followup_due_at + timedelta(days=days)
        else:
            p.status = PitchStatus.NO_REPLY
            p.followup_stage = 2
            p.followup_due_at = None
            p.updated_at = at
            session.add(
                PitchEvent(
                    pitch_id=p.id,
                    status=PitchStatus.NO_REPLY,
                    note=f"no reply {2 * days} days after the pitch",
                    actor_id=None,
                    created_at=at,
                )
            )
    await session.flush()
    nxt = await _next_due(session, release_id)
    release = await session.get(Release, release_id)
    if nxt is not None and release is not None and not release.is_deleted:
        await nudges.schedule_once(
            session,
            guild_id=guild_id,
            channel_id=await _channel(session, release),
            kind=KIND_FOLLOWUP,
            ref_id=release_id,
            due_at=nxt,
            now=now,
        )
    return len(pitches)


async def _on_final(session: AsyncSession, nudge: Nudge, outcome: str) -> None:
    at = nudge.claimed_at or nudge.due_at
    await advance_followups(session, nudge.ref_id or 0, nudge.guild_id, at, nudge.sent_at or at)


# a pitch follow-up is still worth sending late; it re-plans itself for what is left
NUDGE_KINDS = (nudges.NudgeKind(KIND_FOLLOWUP, _render_followup, _on_final, until=None),)
"""Wired in ``bot/features.py``."""


# --- campaign ------------------------------------------------------------------------------------


@dataclass
class Campaign:
    """A release's campaign at ``now``.

    Attributes:
        by_status: pitches per current status (every status, in order).
        by_kind: pitches per outlet kind (only kinds present).
        funnel: (stage, pitches that ever reached it), see :data:`FUNNEL`.
        links: latest coverage links (newest first): (when UTC, outlet name, link).
        reach: total reach = sum of ``followers`` and ``audience`` results.
        spins: sum of ``spins`` results.
        due_week: pitches with a follow-up step due before ``now`` + 7 days: (pitch, outlet, due UTC).
        pitches: every pitch (by #), with outlet, events and results loaded.
    """

    release: Release
    by_status: dict[str, int]
    by_kind: dict[str, int]
    funnel: list[tuple[str, int]]
    links: list[tuple[datetime, str, str]]
    reach: int
    spins: int
    due_week: list[tuple[Pitch, datetime]]
    pitches: list[Pitch] = field(default_factory=list)


def funnel_counts(pitches: list[Pitch]) -> list[tuple[str, int]]:
    """(stage, count) for :data:`FUNNEL`: a pitch counts for every stage its history reached."""
    out = []
    for stage, statuses in FUNNEL:
        out.append((stage, sum(1 for p in pitches if ({e.status for e in p.events} | {p.status}) & statuses)))
    return out


async def campaign(session: AsyncSession, guild_id: int, release_ref: str, *, now: datetime) -> Campaign:
    """Everything ``/promo campaign`` shows for a release.

    Raises:
        NotFound / InvalidInput: the release.
    """
    release = await _release(session, guild_id, release_ref)
    return await campaign_by_id(session, guild_id, release.id, now=now)


async def campaign_by_id(session: AsyncSession, guild_id: int, release_id: int, *, now: datetime) -> Campaign:
    """:func:`campaign` for a release id (page buttons).

    Raises:
        NotFound: the release is gone.
    """
    release = await session.scalar(
        select(Release).where(Release.id == release_id, Release.guild_id == guild_id, Release.visible())
    )
    if release is None:
        raise NotFound("That release no longer exists. See `/release list`.")
    pitches = list(
        await session.scalars(
            _pitch_query(guild_id)
            .where(Pitch.release_id == release.id)
            .order_by(Pitch.number)
            .execution_options(populate_existing=True)
        )
    )
    by_status = {s.value: 0 for s in PitchStatus}
    by_status.update(Counter(p.status for p in pitches))
    by_kind = dict(Counter(p.outlet.kind for p in pitches))
    links: list[tuple[datetime, str, str]] = []
    reach = spins = 0
    for p in pitches:
        for e in p.events:
            if e.link:
                links.append((e.created_at, p.outlet.name, e.link))
        for r in p.results:
            if r.link:
                links.append((r.created_at, p.outlet.name, r.link))
            if r.kind in (ResultKind.FOLLOWERS, ResultKind.AUDIENCE) and r.value:
                reach += r.value
            if r.kind == ResultKind.SPINS and r.value:
                spins += r.value
    links.sort(key=lambda x: x[0], reverse=True)
    uniq: list[tuple[datetime, str, str]] = []
    seen: set[str] = set()
    for item in links:  # newest first; each link once
        if item[2] not in seen:
            seen.add(item[2])
            uniq.append(item)
    week = now + timedelta(days=7)
    due_week = sorted(
        ((p, p.followup_due_at) for p in pitches if p.followup_due_at is not None and p.followup_due_at <= week),
        key=lambda x: (x[1], x[0].number),
    )
    return Campaign(
        release,
        by_status,
        by_kind,
        funnel_counts(pitches),
        uniq,
        reach,
        spins,
        due_week,
        pitches,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class PromoChartData:
    """What ``/promo chart`` draws: the release's campaign funnel.

    ``funnel`` is ``(stage, pitches that ever reached it)`` per :data:`FUNNEL` stage, in order;
    ``to_pitch`` counts pitches still ``to-pitch`` (not in the funnel).
    """

    number: int
    title: str
    funnel: tuple[tuple[str, int], ...]
    to_pitch: int


async def chart_data(session: AsyncSession, guild_id: int, release_ref: str, *, now: datetime) -> PromoChartData:
    """``/promo chart``: the funnel counts of the release's campaign (``now`` UTC).

    Raises:
        NotFound / InvalidInput: the release.
    """
    c = await campaign(session, guild_id, release_ref, now=now)
    return PromoChartData(
        c.release.number, c.release.title, tuple(c.funnel), c.by_status.get(PitchStatus.TO_PITCH.value, 0)
    )


EXPORT_COLUMNS = (
    "pitch",
    "release",
    "outlet",
    "outlet_kind",
    "owner_id",
    "current_status",
    "pitched_at_utc",
    "event",
    "status",
    "at_utc",
    "by_user_id",
    "note",
    "link",
)


def export_rows(c: Campaign) -> list[dict[str, str]]:
    """One row per history event of every pitch (then one per result), as strings (CSV-ready)."""
    rows = []
    for p in c.pitches:
        base = {
            "pitch": f"#{p.number}",
            "release": c.release.title,
            "outlet": p.outlet.name,
            "outlet_kind": p.outlet.kind,
            "owner_id": str(p.owner_id),
            "current_status": p.status,
            "pitched_at_utc": p.pitched_at.isoformat() if p.pitched_at else "",
        }
        for e in p.events:
            rows.append(
                base
                | {
                    "event": "status",
                    "status": e.status,
                    "at_utc": e.created_at.isoformat(),
                    "by_user_id": str(e.actor_id) if e.actor_id else "roadie",
                    "note": e.note or "",
                    "link": e.link or "",
                }
            )
        for r in p.results:
            rows.append(
                base
                | {
                    "event": f"result:{r.kind}",
                    "status": "" if r.value is None else str(r.value),
                    "at_utc": r.created_at.isoformat(),
                    "by_user_id": str(r.author_id),
                    "note": "",
                    "link": r.link or "",
                }
            )
    return rows


def export_csv(rows: list[dict[str, str]]) -> bytes:
    """``rows`` as UTF-8 CSV (RFC 4180 quoting, a header of :data:`EXPORT_COLUMNS`); ``csv.DictReader``
    reads back the same rows."""
    buf = io.StringIO()
    w = csvsafe.dict_writer(buf, EXPORT_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


# --- contacts import -------------------------------------------------------------------------

# canonical field -> accepted header names (lower-cased; spaces, '_', '-', '/' and '.' collapsed)
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "outlet",
        "outlet name",
        "media",
        "media outlet",
        "publication",
        "station",
        "show",
        "playlist",
        "title",
    ),
    "kind": ("type", "kind", "category", "outlet type", "media type", "medium"),
    "contact": (
        "contact",
        "contact name",
        "contact person",
        "person",
        "full name",
        "journalist",
        "editor",
        "curator",
        "host",
        "dj",
    ),
    "org": (
        "company",
        "organisation",
        "organization",
        "organization 1 name",
        "organisation name",
        "organization name",
        "company name",
    ),
    "first_name": ("first name", "given name", "fname"),
    "last_name": ("last name", "family name", "surname", "lname"),
    "email": (
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "contact email",
        "e mail 1 value",
        "email 1 value",
        "primary email",
    ),
    "handle": (
        "handle",
        "social",
        "social handle",
        "twitter",
        "instagram",
        "url",
        "website",
        "web",
        "link",
        "site",
        "website 1 value",
        "tiktok",
        "x",
    ),
    "region": ("region", "country", "territory", "market", "city", "location", "area"),
    "notes": ("notes", "note", "comments", "comment", "description", "tags"),
}
_IMPORT_LOOKUP = {n: canon for canon, names in IMPORT_COLUMNS.items() for n in names}
KIND_SYNONYMS: dict[str, str] = {
    "radio": "radio",
    "radio station": "radio",
    "station": "radio",
    "college radio": "radio",
    "press": "press",
    "print": "press",
    "magazine": "press",
    "newspaper": "press",
    "journalist": "press",
    "publication": "press",
    "media": "press",
    "blog": "blog",
    "blogger": "blog",
    "webzine": "blog",
    "online": "blog",
    "zine": "blog",
    "playlist": "playlist",
    "playlists": "playlist",
    "curator": "playlist",
    "playlist curator": "playlist",
    "spotify": "playlist",
    "podcast": "podcast",
    "podcaster": "podcast",
    "tv": "tv",
    "television": "tv",
    "tv show": "tv",
    "influencer": "influencer",
    "creator": "influencer",
    "tiktok": "influencer",
    "youtube": "influencer",
    "youtuber": "influencer",
    "instagram": "influencer",
    "other": "other",
}


def _norm(h: str) -> str:
    return " ".join(re.sub(r"[_\-/.]+", " ", h.strip().lower()).split())


@dataclass
class ContactsReport:
    """What an import did: counts, and each skipped/merged row with its reason, in file order."""

    added: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_contacts(data: bytes, notes: list[str] | None = None) -> list[tuple[str, OutletFields | str]]:
    """Rows of a contacts CSV as (``row N``, fields or the reason it is skipped). The header is row 1.

    Accepts a UTF-8 BOM, UTF-16 (Excel "Unicode text"), ``,`` ``;`` or tab delimiters, header
    synonyms in any case (:data:`IMPORT_COLUMNS`). A missing or unknown type becomes ``other``.

    Raises:
        InvalidInput: empty, over 1 MB, no header, no name column, or over 5,000 rows.
    """
    if not data.strip():
        raise InvalidInput("That file is empty. Attach a .csv with a header row (name, type, e-mail, …).")
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            f"That file is {len(data):,} bytes; the limit is {MAX_IMPORT_BYTES:,} (1 MB). "
            "Split it and import the parts; nothing was imported."
        )
    text = _decode(data)
    if "\x00" in text[:4096]:
        raise InvalidInput("That file isn't a CSV (text). Save the spreadsheet as CSV and attach that.")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)  # newline="": CR-only (old Excel) files too
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InvalidInput("That CSV has no header row.") from None
    columns: dict[int, str] = {}
    for i, h in enumerate(header):
        canon = _IMPORT_LOOKUP.get(_norm(h))
        if canon and canon not in columns.values():
            columns[i] = canon
        elif canon and notes is not None:
            notes.append(f"Column `{truncate(h.strip(), 30)}` was ignored: another column already gives the {canon}.")
    if "org" in columns.values() and "name" in columns.values() and "contact" not in columns.values():
        # an address book: "Name" is the person, the organisation is the outlet
        columns = {i: ("contact" if c == "name" else c) for i, c in columns.items()}
    address_book = "org" in columns.values()
    if address_book:
        columns = {i: c for i, c in columns.items() if c != "name"}
        columns = {i: ("name" if c == "org" else c) for i, c in columns.items()}
    person_cols = {"contact", "first_name", "last_name"} & set(columns.values())
    use_person = "name" not in columns.values() and bool(person_cols)
    if use_person and notes is not None:
        notes.append("The file has no outlet name column, so each contact's own name is the outlet's name.")
    if "name" not in columns.values() and not use_person:
        found = ", ".join(f"`{truncate(h.strip(), 30)}`" for h in header[:12] if h.strip()) or "none"
        raise InvalidInput(
            f"The CSV has no name column. Columns found: {found}. Name it e.g. `name` or `outlet`; "
            "nothing was imported."
        )
    out: list[tuple[str, OutletFields | str]] = []
    unknown_kinds: Counter[str] = Counter()
    try:
        for line_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(out) >= MAX_IMPORT_ROWS:
                raise InvalidInput(
                    f"That CSV has more than {MAX_IMPORT_ROWS:,} contacts; import at most {MAX_IMPORT_ROWS:,} "
                    "at a time. Nothing was imported."
                )
            values = {c: row[i].strip() for i, c in columns.items() if i < len(row) and row[i].strip()}
            if not values.get("contact") and (values.get("first_name") or values.get("last_name")):
                values["contact"] = " ".join(v for v in (values.get("first_name"), values.get("last_name")) if v)
            if (use_person or address_book) and values.get("contact") and not values.get("name"):
                values["name"] = values["contact"]
            label = f"row {line_no}"
            raw_kind = _norm(values.get("kind", ""))
            kind = KIND_SYNONYMS.get(raw_kind, "other")
            if raw_kind and raw_kind not in KIND_SYNONYMS:
                unknown_kinds[raw_kind] += 1
            if not values.get("name"):
                out.append((label, "no name"))
                continue
            try:
                out.append(
                    (
                        label,
                        parse_outlet_fields(
                            name=values["name"],
                            kind=kind,
                            contact=values.get("contact"),
                            email=values.get("email"),
                            handle=values.get("handle"),
                            region=values.get("region"),
                            notes=values.get("notes"),
                        ),
                    )
                )
            except InvalidInput as exc:
                out.append((label, str(exc).rstrip(".")))
    except csv.Error as exc:
        raise InvalidInput(f"The CSV can't be read past row {reader.line_num}: {exc}. Nothing was imported.") from None
    if unknown_kinds and notes is not None:
        kinds = ", ".join(f"`{truncate(k, 20)}`" for k, _ in unknown_kinds.most_common(5))
        notes.append(
            f"{sum(unknown_kinds.values())} row(s) had a type Roadie doesn't know ({kinds}); they are `other`. "
            "Fix them with `/promo outlet-edit`."
        )
    return out


_FILLABLE = ("contact", "email", "handle", "region", "notes")


async def import_contacts(
    session: AsyncSession, guild_id: int, data: bytes, *, author_id: int, now: datetime, actor: Actor | None
) -> ContactsReport:
    """Import a contacts CSV into the guild's outlets, in one unit of work: every usable row or none.

    A row that matches an existing outlet (or an earlier row) by e-mail, else by folded name, is
    not added twice: it fills that outlet's empty fields (``updated``) or is reported as a
    duplicate (``skipped``).

    Raises:
        InvalidInput: the file as a whole can't be used (see :func:`parse_contacts`); nothing stored.
        Forbidden: not an editor.
    """
    await require_editor(session, guild_id, actor)
    report = ContactsReport()
    rows = await asyncio.to_thread(parse_contacts, data, report.notes)
    report.rows = len(rows)
    if not any(isinstance(f, OutletFields) for _, f in rows):
        reasons = "; ".join(f"{label}: {r}" for label, r in rows[:3] if isinstance(r, str))
        raise InvalidInput(
            "No usable rows in that file, so nothing was imported." + (f" {reasons}." if reasons else "")
        )
    existing = list(await session.scalars(select(Outlet).where(Outlet.guild_id == guild_id, Outlet.visible())))
    by_email = {o.email: o for o in existing if o.email}
    by_name = {o.search_key: o for o in existing}
    number = 0  # offset within this import; the block of #N is reserved once the count is known
    touched: set[int] = set()
    new_rows: list[dict[str, object]] = []  # inserted in bulk (one executemany) after the loop
    for label, item in rows:
        if isinstance(item, str):
            report.skipped.append((label, item))
            continue
        assert item.name and item.kind
        key = refs.fold(item.name)
        match = (by_email.get(item.email) if item.email else None) or by_name.get(key)
        if isinstance(match, dict):  # an earlier row of this file
            how = "e-mail" if item.email and match["email"] == item.email else "name"
            report.skipped.append((label, f"same {how} as an earlier row ({truncate(str(match['name']), 40)})"))
            continue
        if match is not None:
            filled = [k for k in _FILLABLE if getattr(item, k) and not getattr(match, k)]
            if item.email and match.email and match.email != item.email:
                filled = [k for k in filled if k != "email"]
            for k in filled:
                setattr(match, k, getattr(item, k))
            if filled and id(match) not in touched:
                report.updated += 1
                touched.add(id(match))
            if match.email and "email" in filled:
                by_email[match.email] = match
            if not filled:
                how = "e-mail" if item.email and match.email == item.email else "name"
                report.skipped.append((label, f"same {how} as outlet #{match.number} ({truncate(match.name, 40)})"))
            continue
        row = dict(
            guild_id=guild_id,
            number=number,
            name=item.name,
            search_key=key,
            kind=item.kind,
            contact=item.contact,
            email=item.email,
            handle=item.handle,
            region=item.region,
            notes=item.notes,
            author_id=author_id,
            created_at=now,
            deleted_at=None,
        )
        number += 1
        new_rows.append(row)
        report.added += 1
        by_name[key] = row  # type: ignore[assignment]
        if item.email:
            by_email[item.email] = row  # type: ignore[assignment]
    await session.flush()  # the filled-in existing outlets
    if new_rows:  # one counter bump for the whole import (safe against concurrent adds, bot.services.refs)
        first = await refs.reserve_numbers(session, Outlet, guild_id, len(new_rows))
        for r in new_rows:
            r["number"] += first
    for start in range(0, len(new_rows), 1000):
        await session.execute(insert(Outlet), new_rows[start : start + 1000])
    return report

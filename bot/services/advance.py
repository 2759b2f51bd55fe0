"""Advancing a show: a per-show checklist from ``bot/data/advance_template.toml`` and its contacts.

Items are due ``days_before`` the show's date (the venue's calendar date; they move with the show)
or on a fixed date. A show's advance starts with its first ``/advance`` command, which creates its
checklist from the template (:func:`ensure_items`); shows nobody advances get no advance nudges
(a server that only keeps tour dates, or imports 500 of them, isn't flooded). Nudges: one pending
row per advanced show (kind :data:`KIND_DUE`) at 09:00 venue time on the next day an open item
falls due; that message lists the items due that day together with every overdue open item (one
message per show, not one per item), pinging the show's author (``fallback`` roles: the managers'
role, used when the author has left the server), then plans the next due day.

Discord-free; nothing here commits (the caller's unit of work does).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

import phonenumbers
from babel import Locale
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import TITLE_MAX, AdvanceContact, AdvanceItem, Nudge, Show, ShowStatus
from bot.services import nudges, refs, tours
from bot.services.clock import utcnow
from bot.services.errors import InvalidInput, NotFound
from bot.services.permissions import Actor, role_map
from bot.services.settings import GuildConfig, get_config
from bot.textfmt import CONTENT_MAX, escape_markdown
from bot.timeparse import parse_when

KIND_DUE = "advance_due"
NUDGE_AT = time(9, 0)
MAX_ITEMS = 100
CONTACT_ROLES = ("promoter", "production", "venue", "hospitality", "security", "other")
MAX_CONTACTS = 25
_OFFSET_RE = re.compile(
    r"^(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|wks?|weeks?)?(?:\s+(?P<dir>before|after))?(?:\s+(?:the\s+)?show)?$"
)
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
SHOW_DAY = ("show day", "day of show", "on the day", "0")


@dataclass(frozen=True)
class TemplateItem:
    """One item of the shipped template: due ``days_before`` the show, with why then."""

    title: str
    days_before: int
    reason: str


@lru_cache(maxsize=1)
def template() -> tuple[TemplateItem, ...]:
    """The shipped advance template, read once from the data file."""
    raw = tomllib.loads(resources.files("bot.data").joinpath("advance_template.toml").read_text("utf-8"))
    return tuple(TemplateItem(i["title"], int(i["days_before"]), i["reason"]) for i in raw["item"])


def item_due(item: AdvanceItem, show: Show) -> date:
    """The item's due date: fixed, or ``days_before`` the show's (venue) date."""
    if item.due_date is not None:
        return item.due_date
    return show.date - timedelta(days=item.days_before or 0)


def venue_today(show: Show, now: datetime) -> date:
    """Today's date at the venue."""
    return now.astimezone(ZoneInfo(show.timezone)).date()


def at_nine(show: Show, day: date) -> datetime:
    """09:00 venue time on ``day``, in UTC (DST-correct for the venue's zone)."""
    return datetime.combine(day, NUDGE_AT, tzinfo=ZoneInfo(show.timezone)).astimezone(UTC)


def ordered(items: list[AdvanceItem], show: Show) -> list[AdvanceItem]:
    """Items by due date, then #."""
    return sorted(items, key=lambda i: (item_due(i, show), i.position))


def overdue(items: list[AdvanceItem], show: Show, today: date) -> list[AdvanceItem]:
    """Open items due before ``today`` (venue date), earliest first."""
    return [i for i in ordered(items, show) if i.done_at is None and item_due(i, show) < today]


async def items_of(session: AsyncSession, show: Show) -> list[AdvanceItem]:
    """The show's items (possibly none yet), by position."""
    return list(
        await session.scalars(
            select(AdvanceItem)
            .where(AdvanceItem.show_id == show.id)
            .order_by(AdvanceItem.position)
            .execution_options(populate_existing=True)
        )
    )


async def ensure_items(session: AsyncSession, show: Show, now: datetime | None = None) -> list[AdvanceItem]:
    """The show's items, creating them from the template the first time (and planning the first
    nudge, from ``now``: default the clock). Not committed."""
    items = await items_of(session, show)
    if items:
        return items
    items = [
        AdvanceItem(
            show_id=show.id,
            guild_id=show.guild_id,
            position=n,
            title=t.title,
            search_key=refs.fold(t.title),
            reason=t.reason,
            days_before=t.days_before,
            custom=False,
        )
        for n, t in enumerate(template(), start=1)
    ]
    session.add_all(items)
    await session.flush()
    await plan(session, show, await get_config(session, show.guild_id), now or utcnow())
    return items


def _next_due_day(show: Show, dues: list[date], now: datetime) -> date | None:
    future = sorted(d for d in set(dues) if at_nine(show, d) > now)
    return future[0] if future else None


async def plan(session: AsyncSession, show: Show, cfg: GuildConfig, now: datetime) -> None:
    """Replace the show's pending advance nudge with one at the next due day of an open item
    (none before its advance started). Not committed."""
    await nudges.cancel_for(session, KIND_DUE, show.id)
    if show.status == ShowStatus.CANCELLED or show.is_deleted:
        return
    items = await items_of(session, show)
    day = _next_due_day(show, [item_due(i, show) for i in items if i.done_at is None], now)
    if day is None:
        return
    nudges.schedule(
        session,
        guild_id=show.guild_id,
        channel_id=cfg.nudge_channel_id or show.channel_id,
        kind=KIND_DUE,
        ref_id=show.id,
        due_at=at_nine(show, day),
        now=now,
    )
    await session.flush()


async def plan_shows(session: AsyncSession, shows: list[Show], cfg: GuildConfig, now: datetime) -> None:
    """Re-plan the advance nudge of each of ``shows`` someone advances (a :data:`tours.ShowPlanner`,
    wired in ``bot/features.py``: runs when shows are added, edited, cancelled or deleted). Not committed."""
    ids = [s.id for s in shows]
    if not ids:
        return
    advanced = set(await session.scalars(select(AdvanceItem.show_id).where(AdvanceItem.show_id.in_(ids)).distinct()))
    for show in shows:
        if show.id in advanced:
            await plan(session, show, cfg, now)


SHOW_PLANNERS: tuple[tours.ShowPlanner, ...] = (plan_shows,)
"""Wired in ``bot/features.py``: a show's edit, cancel or delete moves its advance nudge."""


@dataclass(frozen=True)
class Checklist:
    """A show with its items (checklist order) and contacts."""

    show: Show
    items: list[AdvanceItem]
    contacts: list[AdvanceContact]


async def contacts_of(session: AsyncSession, show: Show) -> list[AdvanceContact]:
    """The show's contacts in role order, then name."""
    rows = await session.scalars(select(AdvanceContact).where(AdvanceContact.show_id == show.id))
    return sorted(rows, key=lambda c: (CONTACT_ROLES.index(c.role), c.search_key))


async def checklist(session: AsyncSession, guild_id: int, show_ref: str, now: datetime | None = None) -> Checklist:
    """``/advance checklist``: the show's items (created from the template if new) and contacts.
    Not committed (may create the items).

    Raises:
        NotFound / InvalidInput: unknown show.
    """
    show = await tours.get_show(session, guild_id, show_ref)
    return await checklist_by_id(session, guild_id, show.id, now=now)


async def checklist_by_id(
    session: AsyncSession, guild_id: int, show_id: int, *, create: bool = True, now: datetime | None = None
) -> Checklist:
    """:func:`checklist` by show id (for the persistent menu); ``create=False`` (the day sheet)
    doesn't start the advance: items are empty until then.

    Raises:
        NotFound: the show is gone.
    """
    show = await session.scalar(select(Show).where(Show.id == show_id, Show.guild_id == guild_id, Show.visible()))
    if show is None:
        raise NotFound(f"That show no longer exists. See {tours.LIST_HINT}.")
    items = await ensure_items(session, show, now) if create else await items_of(session, show)
    return Checklist(show, ordered(items, show), await contacts_of(session, show))


def resolve_item(show: Show, items: list[AdvanceItem], ref: str) -> AdvanceItem:
    """The item ``ref`` (``#N``, N or title text) names.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    ref = " ".join(ref.split())
    number = refs.as_number(ref)
    if number is not None:
        for i in items:
            if i.position == number:
                return i
    key = refs.fold(ref)
    exact = [i for i in items if i.search_key == key]
    cands = exact or [i for i in items if key and key in i.search_key]
    if len(cands) == 1:
        return cands[0]
    if not cands:
        raise NotFound(
            f"No advance item of show #{show.number} matches `{ref[:60]}`. Pick one from the list "
            f"(`/advance checklist show:#{show.number}`)."
        )
    raise InvalidInput(
        f"`{ref[:60]}` matches several items of show #{show.number} "
        f"({', '.join(f'#{i.position}' for i in cands[:5])}). Pick one from the list."
    )


async def _set_done(
    session: AsyncSession, show: Show, item: AdvanceItem, done: bool, *, actor: Actor | None, now: datetime
) -> None:
    await tours.require_can_change(session, show, actor)
    if done and item.done_at is not None:
        raise InvalidInput(f"Item #{item.position} is already ticked (by <@{item.done_by}>).")
    if not done and item.done_at is None:
        raise InvalidInput(f"Item #{item.position} isn't ticked.")
    item.done_by, item.done_at = (actor.user_id if actor else None, now) if done else (None, None)
    await session.flush()
    await plan(session, show, await get_config(session, show.guild_id), now)


async def tick(
    session: AsyncSession,
    guild_id: int,
    show_ref: str,
    item_ref: str,
    *,
    done: bool = True,
    actor: Actor | None,
    now: datetime,
) -> tuple[Checklist, AdvanceItem]:
    """``/advance tick`` (``done=False``: untick), recording who and when. Not committed.

    Raises:
        NotFound / InvalidInput: unknown show or item, or already in that state.
        Forbidden: not the show's author nor a manager.
    """
    cl = await checklist(session, guild_id, show_ref, now)
    item = resolve_item(cl.show, cl.items, item_ref)
    await _set_done(session, cl.show, item, done, actor=actor, now=now)
    return cl, item


async def toggle(
    session: AsyncSession, guild_id: int, show_id: int, item_id: int, *, done: bool, actor: Actor, now: datetime
) -> Checklist:
    """Tick or untick from the checklist's menu; the option carries the intended state, so an item
    already in that state is left as is (two people clicking at once). Not committed.

    Raises:
        NotFound: the show or item is gone.  Forbidden: as :func:`tick`.
    """
    cl = await checklist_by_id(session, guild_id, show_id, now=now)
    item = next((i for i in cl.items if i.id == item_id), None)
    if item is None:
        raise NotFound("That item no longer exists; the checklist was refreshed.")
    if (item.done_at is not None) != done:
        await _set_done(session, cl.show, item, done, actor=actor, now=now)
    else:
        await tours.require_can_change(session, cl.show, actor)
    return cl


def parse_due(text: str, show: Show, cfg: GuildConfig, now: datetime) -> tuple[int | None, date | None]:
    """An item's due: ``14`` / ``14 days before`` / ``2 weeks before`` / ``show day`` (moves with the
    show) or a date (fixed). Returns (days_before, due_date).

    Raises:
        InvalidInput: unreadable, after the show, or over 999 days before it.
    """
    t = " ".join(text.lower().split())
    if t in SHOW_DAY:
        return 0, None
    if m := _OFFSET_RE.match(t):
        if m.group("dir") == "after":
            raise InvalidInput("Advance items are due before the show (or on its day): e.g. `14 days before`.")
        return int(m.group("n")) * (7 if (m.group("unit") or "").startswith("w") else 1), None
    if re.search(r"\b(before|after)\b", t):
        raise InvalidInput(
            f"Couldn't read `{text.strip()[:40]}` as a due. Use e.g. `14` or `2 weeks before` (up to 999 days), "
            "`show day`, or a date like `2027-03-01`."
        )
    d = parse_when(text, tz=ZoneInfo(show.timezone), date_order=cfg.date_order, now=now).local.date()
    if d > show.date:
        raise InvalidInput(f"`{text.strip()[:40]}` is after the show ({tours.format_day(show.date)}).")
    return None, d


def _title(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput("The item's title can't be empty.")
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput(f"The title is {len(cleaned)} characters; keep it to {TITLE_MAX}.")
    return cleaned


async def add_item(
    session: AsyncSession, guild_id: int, show_ref: str, *, title: str, due: str, actor: Actor | None, now: datetime
) -> tuple[Checklist, AdvanceItem]:
    """``/advance item-add``: an item for this show only. Not committed.

    Raises:
        NotFound / InvalidInput: unknown show, bad title or due, too many items.
        Forbidden: not the show's author nor a manager.
    """
    cl = await checklist(session, guild_id, show_ref, now)
    await tours.require_can_change(session, cl.show, actor)
    if len(cl.items) >= MAX_ITEMS:
        raise InvalidInput(f"Show #{cl.show.number} already has {MAX_ITEMS} advance items.")
    clean = _title(title)
    cfg = await get_config(session, guild_id)
    days_before, due_date = parse_due(due, cl.show, cfg, now)
    item = AdvanceItem(
        show_id=cl.show.id,
        guild_id=guild_id,
        position=max((i.position for i in cl.items), default=0) + 1,
        title=clean,
        search_key=refs.fold(clean),
        days_before=days_before,
        due_date=due_date,
        custom=True,
    )
    session.add(item)
    await session.flush()
    await plan(session, cl.show, cfg, now)
    return Checklist(cl.show, ordered([*cl.items, item], cl.show), cl.contacts), item


async def remove_item(
    session: AsyncSession, guild_id: int, show_ref: str, item_ref: str, *, actor: Actor | None, now: datetime
) -> tuple[Show, AdvanceItem]:
    """``/advance item-remove``. Not committed.

    Raises:
        NotFound / InvalidInput: unknown show or item.  Forbidden: not the author nor a manager.
    """
    cl = await checklist(session, guild_id, show_ref, now)
    await tours.require_can_change(session, cl.show, actor)
    item = resolve_item(cl.show, cl.items, item_ref)
    await session.delete(item)
    await session.flush()
    await plan(session, cl.show, await get_config(session, guild_id), now)
    return cl.show, item


# --- contacts --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _country_regions() -> dict[str, str]:
    names: dict[str, str] = {}
    for code, name in Locale.parse("en").territories.items():
        if len(code) == 2 and code.isalpha():
            names[refs.fold(name)] = code
            names[code.lower()] = code
    names.update({"usa": "US", "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB"})
    return names


def region_of(country: str | None) -> str | None:
    """``"Germany"`` / ``"DE"`` -> ``"DE"`` (for reading national phone numbers); None if unknown."""
    if not country:
        return None
    return _country_regions().get(refs.fold(country))


def parse_phone(text: str, country: str | None) -> str:
    """A phone number in E.164 (``+4930123456``), validated with ``phonenumbers`` (Google's
    libphonenumber metadata). A number without ``+`` is read in the show's country.

    Raises:
        InvalidInput: not a valid number (says to add the country code).
    """
    region = region_of(country)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        where = f" for {country}" if region else ""
        raise InvalidInput(
            f"`{text.strip()[:30]}` isn't a valid phone number{where}. Write it with its country code, "
            "e.g. `+49 30 1234567`."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """``+4930123456`` -> ``+49 30 123456`` (international format)."""
    return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def parse_email(text: str) -> str:
    """A plain e-mail address (``name@example.com``), at most 254 characters.

    Raises:
        InvalidInput: not an address.
    """
    t = text.strip()
    if len(t) > 254 or not _EMAIL_RE.match(t):
        raise InvalidInput(f"`{t[:40]}` isn't an e-mail address: write it like `name@example.com`.")
    return t


async def set_contact(
    session: AsyncSession,
    guild_id: int,
    show_ref: str,
    *,
    role: str,
    name: str,
    phone: str | None,
    email: str | None,
    actor: Actor | None,
) -> tuple[Show, AdvanceContact, bool]:
    """``/advance contact``: add a contact, or replace the one with the same role and name.
    Returns (show, contact, replaced). Not committed.

    Raises:
        NotFound / InvalidInput: unknown show, role, bad name/phone/e-mail, too many contacts.
        Forbidden: not the show's author nor a manager.
    """
    show = await tours.get_show(session, guild_id, show_ref)
    await tours.require_can_change(session, show, actor)
    if role not in CONTACT_ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(f'`{r}`' for r in CONTACT_ROLES)}.")
    clean = " ".join(name.split())
    if not clean or len(clean) > 100:
        raise InvalidInput("The contact's name must be 1 to 100 characters.")
    e164 = parse_phone(phone, show.country) if phone else None
    mail = parse_email(email) if email else None
    existing = await contacts_of(session, show)
    key = refs.fold(clean)
    contact = next((c for c in existing if c.role == role and c.search_key == key), None)
    replaced = contact is not None
    if contact is None:
        if len(existing) >= MAX_CONTACTS:
            raise InvalidInput(f"Show #{show.number} already has {MAX_CONTACTS} contacts.")
        contact = AdvanceContact(
            show_id=show.id,
            guild_id=guild_id,
            number=max((c.number for c in existing), default=0) + 1,
            role=role,
            search_key=key,
        )
        session.add(contact)
    contact.name, contact.phone, contact.email = clean, e164, mail
    await session.flush()
    return show, contact, replaced


async def remove_contact(
    session: AsyncSession, guild_id: int, show_ref: str, contact_ref: str, *, actor: Actor | None
) -> tuple[Show, AdvanceContact]:
    """``/advance contact-remove``: by ``#N`` or name. Not committed.

    Raises:
        NotFound / InvalidInput: unknown show or contact.  Forbidden: not the author nor a manager.
    """
    show = await tours.get_show(session, guild_id, show_ref)
    await tours.require_can_change(session, show, actor)
    contacts = await contacts_of(session, show)
    ref = " ".join(contact_ref.split())
    number = refs.as_number(ref)
    key = refs.fold(ref)
    cands = [c for c in contacts if c.number == number] or [c for c in contacts if key and key in c.search_key]
    if len(cands) != 1:
        if not cands:
            raise NotFound(f"No contact of show #{show.number} matches `{ref[:60]}`.")
        raise InvalidInput(f"`{ref[:60]}` matches several contacts; pick one from the list.")
    await session.delete(cands[0])
    await session.flush()
    return show, cands[0]


async def contact_autocomplete(
    session: AsyncSession, guild_id: int, show_ref: str, query: str, limit: int = 25
) -> list[tuple[str, str]]:
    """(label, value) pairs: ``#2 · promoter · Jo Smith``, ``#2``."""
    try:
        show = await tours.get_show(session, guild_id, show_ref) if show_ref.strip() else None
    except (NotFound, InvalidInput):
        return []
    if show is None:
        return []
    key = refs.fold(query.strip().lstrip("#"))
    return [
        (refs.choice_label(c.number, f"{c.role} · {c.name}"), f"#{c.number}")
        for c in await contacts_of(session, show)
        if not key or key in c.search_key or key == str(c.number)
    ][:limit]


async def item_autocomplete(
    session: AsyncSession, guild_id: int, show_ref: str, query: str, *, done: bool | None, limit: int = 25
) -> list[tuple[str, str]]:
    """(label, value) pairs of the show's items (``done`` filters ticked/open), without creating any."""
    try:
        show = await tours.get_show(session, guild_id, show_ref) if show_ref.strip() else None
    except (NotFound, InvalidInput):
        return []
    if show is None:
        return []
    items = await items_of(session, show)
    if not items:  # not created yet: the template's items, all open, by their future numbers
        if done:
            return []
        pairs = [(n, t.title) for n, t in enumerate(template(), start=1)]
    else:
        pairs = [(i.position, i.title) for i in ordered(items, show) if done is None or (i.done_at is not None) == done]
    key = refs.fold(query.strip().lstrip("#"))
    return [(refs.choice_label(n, t), f"#{n}") for n, t in pairs if not key or key in refs.fold(t) or key == str(n)][
        :limit
    ]


# --- the due-day nudge -----------------------------------------------------------------------


async def _render_due(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    show = await session.get(Show, nudge.ref_id)
    if show is None or show.guild_id != nudge.guild_id or show.is_deleted or show.status == ShowStatus.CANCELLED:
        return None
    cfg = await get_config(session, show.guild_id)
    items = await items_of(session, show)
    today = venue_today(show, now)
    # plan the next due day first (the first 09:00 after now), so downtime costs one late message
    nxt = _next_due_day(show, [item_due(i, show) for i in items if i.done_at is None], now + timedelta(seconds=1))
    if nxt is not None:
        await nudges.schedule_once(
            session,
            guild_id=show.guild_id,
            channel_id=cfg.nudge_channel_id or show.channel_id,
            kind=KIND_DUE,
            ref_id=show.id,
            due_at=at_nine(show, nxt),
            now=now,
        )
    if show.date < today:
        return None  # the show is over
    due_today = [i for i in ordered(items, show) if i.done_at is None and item_due(i, show) == today]
    late = overdue(items, show, today)
    if not due_today and not late:
        return None
    place = f"**{escape_markdown(show.city)}** · {escape_markdown(show.venue)} ({tours.format_day(show.date)})"
    lines = [f"📋 <@{show.author_id}> advancing show #{show.number}, {place}:"]
    for i in due_today:
        lines.append(f"• #{i.position} {escape_markdown(i.title)} · due today")
    for i in late:
        days = (today - item_due(i, show)).days
        lines.append(f"• ⚠️ #{i.position} {escape_markdown(i.title)} · {days} day{'s' if days != 1 else ''} overdue")
    lines.append(f"Tick them from `/advance checklist show:#{show.number}`.")
    text = "\n".join(lines)
    if len(text) > CONTENT_MAX:
        text = text[:1900].rsplit("\n", 1)[0] + f"\n• …more: `/advance checklist show:#{show.number}`"
    manager_role = (await role_map(session, show.guild_id)).get("manager")
    return nudges.Rendered(
        text,
        (show.author_id,),
        cfg.nudge_channel_id or show.channel_id,
        fallback_role_ids=(manager_role,) if manager_role else (),
    )


async def _due_until(session: AsyncSession, nudge: Nudge) -> nudges.Stale | None:
    # advancing a show makes sense until the show's day is over at the venue
    show = await session.get(Show, nudge.ref_id)
    if show is None or show.guild_id != nudge.guild_id:
        return None
    return nudges.Stale(tours.instant(show, time(0)) + timedelta(days=1), f"show #{show.number} was over")


NUDGE_KINDS = (nudges.NudgeKind(KIND_DUE, _render_due, until=_due_until),)
"""Wired in ``bot/features.py``."""

"""Guest lists: each member's guests for a show, within an allowance, closed at a cut-off.

* Allowance: each member may put ``per_member`` places on a show's list (default 2); a guest takes
  ``1 + plus_ones`` places. A request over it is refused, saying how many are left.
* Cut-off (:func:`cutoff`): 4 h before doors; else 4 h before the set time; else 12:00 venue time
  on the show's date. The 4 h are elapsed time (a UTC difference), so a cut-off across a DST
  change is still 4 real hours before doors. ``/guestlist close`` closes a list early.
* At the cut-off a durable nudge (kind :data:`KIND_CLOSE`, one per show) posts the final list in
  the nudge channel with a ``.csv`` for the box office (name, plus-ones, requested by, note); it
  is planned when a list starts and re-planned when the show's date or times change, so it posts
  once, also across restarts. After the cut-off only managers can change the list.

Discord-free; nothing here commits (the caller's unit of work does).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import csvsafe
from bot.db.models import Guest, GuestList, Nudge, NudgeStatus, Show, ShowStatus
from bot.services import nudges, refs, tours
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor, is_manager, require_manager
from bot.services.settings import GuildConfig, get_config
from bot.textfmt import CONTENT_MAX, escape_markdown, ts

KIND_CLOSE = "guestlist_close"
DEFAULT_PER_MEMBER = 2
MAX_PER_MEMBER = 50
MAX_PLUS_ONES = 10
MAX_GUESTS = 500
NAME_MAX = 100
NOTE_MAX = 200
CUTOFF_BEFORE = timedelta(hours=4)
FALLBACK_AT = time(12, 0)
CSV_COLUMNS = ("name", "plus_ones", "requested_by", "note")


def cutoff(show: Show) -> datetime:
    """When the show's guest list closes (UTC): 4 h before doors, else before the set time, else
    12:00 venue time on the show's date (DST-correct for the venue's zone)."""
    times = {k: at for k, _t, at, _late in tours.schedule_times(show)}
    for key in ("doors", "set_time"):
        if key in times:
            return times[key] - CUTOFF_BEFORE
    return tours.instant(show, FALLBACK_AT)


def closes_at(show: Show, gl: GuestList | None) -> datetime:
    """When the list closed or closes: the early close if any, else :func:`cutoff`."""
    if gl is not None and gl.closed_at is not None:
        return gl.closed_at
    return cutoff(show)


def is_closed(show: Show, gl: GuestList | None, now: datetime) -> bool:
    """True from the cut-off (or an early close) on."""
    return now >= closes_at(show, gl)


async def _list_of(session: AsyncSession, show: Show, *, create: bool = False) -> GuestList | None:
    gl = await session.get(GuestList, show.id)
    if gl is None and create:
        gl = GuestList(show_id=show.id, guild_id=show.guild_id, per_member=DEFAULT_PER_MEMBER)
        session.add(gl)
        await session.flush()
    return gl


async def guests_of(session: AsyncSession, show: Show) -> list[Guest]:
    """The show's guests in the order they were added."""
    return list(await session.scalars(select(Guest).where(Guest.show_id == show.id).order_by(Guest.number)))


def places(guests: list[Guest]) -> int:
    """Places the guests take: each guest plus their plus-ones."""
    return sum(1 + g.plus_ones for g in guests)


async def _posted(session: AsyncSession, show_id: int) -> bool:
    return (
        await session.scalar(
            select(Nudge.id).where(
                Nudge.kind == KIND_CLOSE,
                Nudge.ref_id == show_id,
                Nudge.status.in_((NudgeStatus.SENDING, NudgeStatus.SENT)),
            )
        )
    ) is not None


async def plan_close(session: AsyncSession, show: Show, gl: GuestList, cfg: GuildConfig, now: datetime) -> None:
    """Replace the pending cut-off post of ``show``'s list (none for cancelled/deleted shows, or
    once it went out). Not committed."""
    await nudges.cancel_for(session, KIND_CLOSE, show.id)
    if show.status == ShowStatus.CANCELLED or show.is_deleted or await _posted(session, show.id):
        return
    due = closes_at(show, gl)
    if gl.closed_at is None and due <= now:
        return  # the cut-off passed before the list existed: nothing to post at it
    nudges.schedule(
        session,
        guild_id=show.guild_id,
        channel_id=cfg.nudge_channel_id or show.channel_id,
        kind=KIND_CLOSE,
        ref_id=show.id,
        due_at=max(due, now),
        now=now,
    )
    await session.flush()


async def replan_shows(session: AsyncSession, shows: list[Show], cfg: GuildConfig, now: datetime) -> None:
    """Re-plan the cut-off post of each of ``shows`` that has a guest list (a :data:`tours.ShowPlanner`,
    wired in ``bot/features.py``: the cut-off moves with the doors; none for cancelled or deleted
    shows). Not committed."""
    ids = [s.id for s in shows]
    if not ids:
        return
    lists = {gl.show_id: gl for gl in await session.scalars(select(GuestList).where(GuestList.show_id.in_(ids)))}
    for show in shows:
        if show.id in lists:
            await plan_close(session, show, lists[show.id], cfg, now)


SHOW_PLANNERS: tuple[tours.ShowPlanner, ...] = (replan_shows,)
"""Wired in ``bot/features.py``: a show's edit, cancel or delete moves (or drops) its cut-off post."""


def _clean(text: str | None, what: str, limit: int, *, required: bool) -> str | None:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        if required:
            raise InvalidInput(f"The {what} can't be empty.")
        return None
    if len(cleaned) > limit:
        raise InvalidInput(f"The {what} is {len(cleaned)} characters; keep it to {limit}.")
    return cleaned


def _when(at: datetime) -> str:
    return ts(at, "F")


async def _open_show(session: AsyncSession, guild_id: int, show_ref: str) -> Show:
    show = await tours.get_show(session, guild_id, show_ref)
    if show.status == ShowStatus.CANCELLED:
        raise InvalidInput(f"Show #{show.number} is cancelled; it has no guest list.")
    return show


async def _require_open_or_manager(
    session: AsyncSession, show: Show, gl: GuestList | None, actor: Actor, now: datetime
) -> bool:
    """Returns whether the actor is a manager; raises Forbidden for others once the list closed."""
    manager = await is_manager(session, show.guild_id, actor)
    if is_closed(show, gl, now) and not manager:
        raise Forbidden(
            f"The guest list of show #{show.number} closed at {_when(closes_at(show, gl))}. "
            "Ask a manager for late changes."
        )
    return manager


@dataclass(frozen=True)
class Added:
    """The result of :func:`add_guest`: the guest and the asker's places left on that show."""

    show: Show
    guest: Guest
    left: int
    per_member: int
    closes_at: datetime


async def add_guest(
    session: AsyncSession,
    guild_id: int,
    show_ref: str,
    *,
    name: str,
    plus_ones: int = 0,
    note: str | None = None,
    actor: Actor,
    actor_name: str,
    now: datetime,
) -> Added:
    """``/guestlist add``: a guest for the asking member, within their allowance. Not committed.

    Raises:
        NotFound: unknown show.
        InvalidInput: cancelled show, empty/too long name or note, plus-ones out of 0..10, the
            same name already on the list, over the allowance (says how many places are left).
        Forbidden: the list closed and the asker is not a manager.
    """
    show = await _open_show(session, guild_id, show_ref)
    gl = await _list_of(session, show)
    await _require_open_or_manager(session, show, gl, actor, now)
    clean = _clean(name, "guest name", NAME_MAX, required=True)
    assert clean is not None
    clean_note = _clean(note, "note", NOTE_MAX, required=False)
    if not 0 <= plus_ones <= MAX_PLUS_ONES:
        raise InvalidInput(f"Plus-ones must be from 0 to {MAX_PLUS_ONES}.")
    guests = await guests_of(session, show)
    key = refs.fold(clean)
    same = next((g for g in guests if g.search_key == key), None)
    if same is not None:
        raise InvalidInput(
            f"{escape_markdown(clean)} is already on the list of show #{show.number} (guest #{same.number})."
        )
    if len(guests) >= MAX_GUESTS:
        raise InvalidInput(f"Show #{show.number}'s list already has {MAX_GUESTS} guests.")
    per_member = gl.per_member if gl else DEFAULT_PER_MEMBER
    used = places([g for g in guests if g.requested_by == actor.user_id])
    need = 1 + plus_ones
    left = max(per_member - used, 0)
    if need > left:
        plural = "s" if left != 1 else ""
        raise InvalidInput(
            f"That needs {need} place{'s' if need != 1 else ''} (the guest and {plus_ones} plus-one"
            f"{'s' if plus_ones != 1 else ''}), but you have {left} place{plural} left of your {per_member} on "
            f"show #{show.number}'s list."
        )
    created = gl is None
    gl = gl or await _list_of(session, show, create=True)
    assert gl is not None
    guest = Guest(
        show_id=show.id,
        guild_id=guild_id,
        number=max((g.number for g in guests), default=0) + 1,
        name=clean,
        search_key=key,
        plus_ones=plus_ones,
        note=clean_note,
        requested_by=actor.user_id,
        requested_by_name=(" ".join(actor_name.split()) or str(actor.user_id))[:100],
        created_at=now,
    )
    session.add(guest)
    await session.flush()
    if created:
        await plan_close(session, show, gl, await get_config(session, guild_id), now)
    return Added(show, guest, left - need, per_member, closes_at(show, gl))


def _resolve_guest(show: Show, guests: list[Guest], ref: str) -> Guest:
    ref = " ".join(ref.split())
    number = refs.as_number(ref)
    if number is not None:
        for g in guests:
            if g.number == number:
                return g
    key = refs.fold(ref)
    exact = [g for g in guests if g.search_key == key]
    cands = exact or [g for g in guests if key and key in g.search_key]
    if len(cands) == 1:
        return cands[0]
    if not cands:
        raise NotFound(f"No guest on show #{show.number}'s list matches `{ref[:60]}`. See `/guestlist show`.")
    raise InvalidInput(f"`{ref[:60]}` matches several guests; pick one from the list.")


async def remove_guest(
    session: AsyncSession, guild_id: int, show_ref: str, guest_ref: str, *, actor: Actor, now: datetime
) -> tuple[Show, Guest]:
    """``/guestlist remove``: the asker's own guest (any guest for a manager). Not committed.

    Raises:
        NotFound: unknown show or guest (others' guests are not found for non-managers).
        Forbidden: the list closed and the asker is not a manager.
    """
    show = await _open_show(session, guild_id, show_ref)
    gl = await _list_of(session, show)
    manager = await _require_open_or_manager(session, show, gl, actor, now)
    guests = await guests_of(session, show)
    visible = guests if manager else [g for g in guests if g.requested_by == actor.user_id]
    guest = _resolve_guest(show, visible, guest_ref)
    await session.delete(guest)
    await session.flush()
    return show, guest


async def set_allowance(
    session: AsyncSession, guild_id: int, show_ref: str, per_member: int, *, actor: Actor, now: datetime
) -> tuple[Show, GuestList]:
    """``/guestlist allowance``: places per member on this show (managers). Not committed.

    Guests already on the list stay, even when a member is now over it.

    Raises:
        Forbidden: not a manager.  InvalidInput: out of 1..50, cancelled show.
    """
    await require_manager(session, guild_id, actor, "set guest list allowances")
    show = await _open_show(session, guild_id, show_ref)
    if not 1 <= per_member <= MAX_PER_MEMBER:
        raise InvalidInput(f"The allowance must be from 1 to {MAX_PER_MEMBER} places per member.")
    gl = await _list_of(session, show)
    created = gl is None
    gl = gl or await _list_of(session, show, create=True)
    assert gl is not None
    gl.per_member = per_member
    await session.flush()
    if created:
        await plan_close(session, show, gl, await get_config(session, guild_id), now)
    return show, gl


async def close_list(
    session: AsyncSession, guild_id: int, show_ref: str, *, actor: Actor, now: datetime
) -> tuple[Show, int]:
    """``/guestlist close``: close the list now (managers); the final list posts at once. Not committed.

    After the cut-off it posts the list if it never went out (e.g. a manager started the list
    late, or Roadie was down at the cut-off); a list is posted once.

    Returns the show and how many guests are on it.

    Raises:
        Forbidden: not a manager.  InvalidInput: already closed and posted, cancelled show.
    """
    await require_manager(session, guild_id, actor, "close guest lists")
    show = await _open_show(session, guild_id, show_ref)
    gl = await _list_of(session, show)
    if is_closed(show, gl, now) and await _posted(session, show.id):
        raise InvalidInput(
            f"The guest list of show #{show.number} already closed at {_when(closes_at(show, gl))} and was posted. "
            "See it with `/guestlist show`."
        )
    gl = gl or await _list_of(session, show, create=True)
    assert gl is not None
    if gl.closed_at is None:
        gl.closed_at, gl.closed_by = min(now, cutoff(show)), actor.user_id
    await session.flush()
    await plan_close(session, show, gl, await get_config(session, guild_id), now)
    return show, len(await guests_of(session, show))


@dataclass(frozen=True)
class View:
    """What ``/guestlist show`` shows the asker: every guest for a manager, their own otherwise."""

    show: Show
    guests: list[Guest]
    manager: bool
    per_member: int
    own_places: int
    total_places: int
    closes_at: datetime
    closed: bool


async def view(session: AsyncSession, guild_id: int, show_ref: str, *, actor: Actor, now: datetime) -> View:
    """``/guestlist show``.

    Raises:
        NotFound / InvalidInput: unknown show.
    """
    show = await tours.get_show(session, guild_id, show_ref)
    gl = await _list_of(session, show)
    manager = await is_manager(session, guild_id, actor)
    guests = await guests_of(session, show)
    own = [g for g in guests if g.requested_by == actor.user_id]
    return View(
        show,
        guests if manager else own,
        manager,
        gl.per_member if gl else DEFAULT_PER_MEMBER,
        places(own),
        places(guests),
        closes_at(show, gl),
        is_closed(show, gl, now),
    )


async def guest_autocomplete(
    session: AsyncSession, guild_id: int, show_ref: str, query: str, *, actor: Actor, limit: int = 25
) -> list[tuple[str, str]]:
    """(label, value) pairs of the guests the asker may remove (own; all for managers)."""
    try:
        show = await tours.get_show(session, guild_id, show_ref) if show_ref.strip() else None
    except (NotFound, InvalidInput):
        return []
    if show is None:
        return []
    manager = await is_manager(session, guild_id, actor)
    key = refs.fold(query.strip().lstrip("#"))
    out = []
    for g in await guests_of(session, show):
        if not manager and g.requested_by != actor.user_id:
            continue
        if key and key not in g.search_key and key != str(g.number):
            continue
        out.append((refs.choice_label(g.number, g.name, f" +{g.plus_ones}" if g.plus_ones else ""), f"#{g.number}"))
    return out[:limit]


def list_csv(guests: list[Guest]) -> bytes:
    """The box office's list: ``name, plus_ones, requested_by, note`` (UTF-8 with a BOM for spreadsheets)."""
    buf = io.StringIO()
    w = csvsafe.writer(buf)
    w.writerow(CSV_COLUMNS)
    for g in guests:
        w.writerow([g.name, g.plus_ones, g.requested_by_name, g.note or ""])  # the writer makes text cells formula-safe
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def csv_filename(show: Show) -> str:
    """``guestlist-3-2027-04-03.csv``."""
    return f"guestlist-{show.number}-{show.date.isoformat()}.csv"


STALE_AFTER = timedelta(days=1)


async def _render_close(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    show = await session.get(Show, nudge.ref_id)
    if show is None or show.guild_id != nudge.guild_id or show.is_deleted or show.status == ShowStatus.CANCELLED:
        return None
    if now > tours.instant(show, time(0)) + timedelta(days=1) + STALE_AFTER:
        return None  # the show is over: a box-office list would help nobody
    gl = await _list_of(session, show)
    if gl is None:
        return None
    if gl.closed_at is None:
        gl.closed_at = nudge.due_at
    guests = await guests_of(session, show)
    cfg = await get_config(session, show.guild_id)
    head = (
        f"🎟️ Guest list closed for show #{show.number}: **{escape_markdown(show.city)}** · "
        f"{escape_markdown(show.venue)} · {tours.format_day(show.date)}: {len(guests)} guest"
        f"{'s' if len(guests) != 1 else ''}, {places(guests)} place{'s' if places(guests) != 1 else ''}. "
        "The box office list is attached (.csv)."
    )
    lines = [head]
    for g in guests:
        plus = f" +{g.plus_ones}" if g.plus_ones else ""
        line = f"• {escape_markdown(g.name)}{plus} (for {escape_markdown(g.requested_by_name)})"
        if sum(len(x) + 1 for x in lines) + len(line) > 1850:
            lines.append(f"• …and {len(guests) - (len(lines) - 1)} more in the .csv")
            break
        lines.append(line)
    return nudges.Rendered(
        "\n".join(lines)[:CONTENT_MAX],
        (),
        cfg.nudge_channel_id or show.channel_id,
        files=((csv_filename(show), list_csv(guests)),),
    )


async def _close_until(session: AsyncSession, nudge: Nudge) -> nudges.Stale | None:
    show = await session.get(Show, nudge.ref_id)
    if show is None or show.guild_id != nudge.guild_id:
        return None
    over = tours.instant(show, time(0)) + timedelta(days=1) + STALE_AFTER
    return nudges.Stale(over, f"show #{show.number} was over (a box-office list would help nobody)")


NUDGE_KINDS = (nudges.NudgeKind(KIND_CLOSE, _render_close, until=_close_until),)
"""Wired in ``bot/features.py``."""

"""Release checklists: a single/EP/album plan whose tasks hang off the release date.

A release has a date (a calendar date in the guild's zone) and tasks due ``days_before`` it
(negative: after) or on an absolute date. Templates per kind live in
``bot/data/release_templates.toml`` (with the sources of their lead times). Nudges: each open task
on its due day at 09:00 guild time (pinging its owner, if any); and one daily digest per release
at 09:00 listing every overdue open task, instead of one message per task. Ticking, moving or
deleting re-plans them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import TITLE_MAX, Nudge, Release, ReleaseTask, ReleaseTrack
from bot.services import nudges, refs
from bot.services.errors import InvalidInput, NotFound
from bot.services.permissions import Actor, require_owner_or_manager
from bot.services.settings import GuildConfig, get_config
from bot.textfmt import CHOICES_MAX, CONTENT_MAX, escape_markdown
from bot.timeparse import parse_when

KINDS = ("single", "ep", "album")
SECTIONS = ("audio", "artwork", "metadata", "distribution", "marketing", "press", "radio", "live")
KIND_TASK = "release_task"
KIND_DIGEST = "release_digest"
NUDGE_AT = time(9, 0)
DIGEST_DAYS_AFTER_RELEASE = 60  # stop the daily overdue digest this long after release day
MAX_TASKS = 200
LIST_HINT = "`/release list`"
_OFFSET_RE = re.compile(
    r"^(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|wks?|weeks?)?\s*(?P<dir>before|after|early|late)?(?:\s+(?:the\s+)?release)?$"
)
_SIGNED_RE = re.compile(r"^(?P<sign>[+-])\s*(?P<n>\d{1,3})\s*(?P<unit>d|days?|w|wks?|weeks?)?$")


@dataclass(frozen=True)
class TemplateTask:
    """One task of a shipped template: due ``days_before`` the release date (negative: after)."""

    title: str
    section: str
    days_before: int
    source: str
    key: str | None = None  # a stable name other features find the task by, e.g. "masters-delivered"


@lru_cache(maxsize=1)
def templates() -> dict[str, tuple[TemplateTask, ...]]:
    """The shipped templates by kind (``single``, ``ep``, ``album``), read once from the data file."""
    raw = tomllib.loads(resources.files("bot.data").joinpath("release_templates.toml").read_text("utf-8"))
    return {
        kind: tuple(
            TemplateTask(t["title"], t["section"], int(t["days_before"]), t.get("source", ""), t.get("key"))
            for t in raw[kind]
        )
        for kind in KINDS
    }


def task_due(task: ReleaseTask, release: Release) -> date:
    """The task's due date: absolute, or ``days_before`` the release date."""
    if task.due_date is not None:
        return task.due_date
    return release.release_date - timedelta(days=task.days_before or 0)


def section_rank(section: str) -> int:
    """Sort key putting the standard sections in plan order, custom ones after."""
    return SECTIONS.index(section) if section in SECTIONS else len(SECTIONS)


def ordered_tasks(release: Release) -> list[ReleaseTask]:
    """Tasks grouped by section (plan order), then by due date, then #."""
    return sorted(release.tasks, key=lambda t: (section_rank(t.section), t.section, task_due(t, release), t.position))


def _today(cfg: GuildConfig, now: datetime) -> date:
    return now.astimezone(cfg.tz).date()


def overdue(release: Release, today: date) -> list[ReleaseTask]:
    """Open tasks due before ``today``, earliest first."""
    return sorted(
        (t for t in release.tasks if t.done_at is None and task_due(t, release) < today),
        key=lambda t: (task_due(t, release), t.position),
    )


def _at_nine(day: date, cfg: GuildConfig) -> datetime:
    return datetime.combine(day, NUDGE_AT, tzinfo=cfg.tz).astimezone(UTC)


def _next_digest(cfg: GuildConfig, now: datetime) -> datetime:
    today = _today(cfg, now)
    at = _at_nine(today, cfg)
    return at if at > now else _at_nine(today + timedelta(days=1), cfg)


async def plan_nudges(session: AsyncSession, release: Release, cfg: GuildConfig, now: datetime) -> None:
    """Replace the release's pending nudges (task due days at 09:00, next daily digest)."""
    await nudges.cancel_for(session, KIND_TASK, [t.id for t in release.tasks])
    await nudges.cancel_for(session, KIND_DIGEST, release.id)
    if release.is_deleted:
        return
    channel = cfg.nudge_channel_id or release.channel_id
    open_tasks = [t for t in release.tasks if t.done_at is None]
    for t in open_tasks:
        at = _at_nine(task_due(t, release), cfg)
        if at > now:
            nudges.schedule(
                session, guild_id=release.guild_id, channel_id=channel, kind=KIND_TASK, ref_id=t.id, due_at=at, now=now
            )
    if open_tasks and _today(cfg, now) <= release.release_date + timedelta(days=DIGEST_DAYS_AFTER_RELEASE):
        nudges.schedule(
            session,
            guild_id=release.guild_id,
            channel_id=channel,
            kind=KIND_DIGEST,
            ref_id=release.id,
            due_at=_next_digest(cfg, now),
            now=now,
        )
    await session.flush()


def _clean_title(text: str, what: str = "Title") -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(f"{what} can't be empty.")
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput(f"{what} is {len(cleaned)} characters; keep it to {TITLE_MAX}.")
    return cleaned


def parse_release_date(text: str, cfg: GuildConfig, now: datetime) -> date:
    """A release date (calendar date in the guild's zone), today or later.

    Raises:
        InvalidInput: unreadable or in the past.
    """
    d = parse_when(text, tz=cfg.tz, date_order=cfg.date_order, now=now).local.date()
    if d < _today(cfg, now):
        raise InvalidInput(
            f"`{' '.join(text.split())[:40]}` is {d:%a} {d.day} {d:%b %Y}, which has passed. "
            "Give the upcoming release date, e.g. `2027-05-07`."
        )
    return d


async def _load(session: AsyncSession, guild_id: int, release_id: int) -> Release:
    release = await session.scalar(
        select(Release)
        .where(Release.id == release_id, Release.guild_id == guild_id, Release.visible())
        .options(selectinload(Release.tasks))
        .execution_options(populate_existing=True)
    )
    if release is None:
        raise NotFound(f"That release no longer exists. See {LIST_HINT}.")
    return release


async def require_can_change(
    session: AsyncSession, release: Release, actor: Actor | None, task: ReleaseTask | None = None
) -> None:
    """Raise :class:`Forbidden` unless ``actor`` planned ``release`` (or owns ``task``), or is a manager.

    ``actor`` None is a trusted caller.
    """
    if task is None:
        await require_owner_or_manager(
            session, release.guild_id, actor, (release.author_id,), f"release #{release.number}"
        )
    else:
        await require_owner_or_manager(
            session,
            release.guild_id,
            actor,
            (task.owner_id, release.author_id),
            f"task #{task.position} of release #{release.number}",
        )


async def get_release(session: AsyncSession, guild_id: int, ref: str) -> Release:
    """The release ``ref`` (``#N``, N or title) names, with its tasks loaded.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    found = await refs.resolve(
        session, Release, guild_id, ref, noun="release", list_hint=LIST_HINT, visible=[Release.visible()]
    )
    return await _load(session, guild_id, found.id)


async def get_release_by_id(session: AsyncSession, guild_id: int, release_id: int) -> Release:
    """The release with ``release_id`` in this guild (for buttons), tasks loaded.

    Raises:
        NotFound: gone or another guild's.
    """
    return await _load(session, guild_id, release_id)


async def add_release(
    session: AsyncSession,
    guild_id: int,
    *,
    title: str,
    date_text: str,
    kind: str = "single",
    author_id: int,
    channel_id: int,
    now: datetime,
) -> tuple[Release, list[ReleaseTask]]:
    """Create a release and its checklist from the kind's template.

    Returns the release and its tasks that are already overdue (the date is too close).

    Raises:
        InvalidInput: bad title, kind or date.
    """
    if kind not in KINDS:
        raise InvalidInput("Kind must be `single`, `ep` or `album`.")
    cfg = await get_config(session, guild_id)
    clean = _clean_title(title)
    rdate = parse_release_date(date_text, cfg, now)
    release = Release(
        guild_id=guild_id,
        number=await refs.next_number(session, Release, guild_id),
        title=clean,
        search_key=refs.fold(clean),
        kind=kind,
        release_date=rdate,
        channel_id=channel_id,
        author_id=author_id,
        created_at=now,
    )
    release.tasks = [
        ReleaseTask(
            position=i,
            title=t.title,
            search_key=refs.fold(t.title),
            section=t.section,
            days_before=t.days_before,
            custom=False,
            key=t.key,
        )
        for i, t in enumerate(templates()[kind], start=1)
    ]
    session.add(release)
    await session.flush()
    await plan_nudges(session, release, cfg, now)
    await session.flush()
    return release, overdue(release, _today(cfg, now))


async def list_releases(session: AsyncSession, guild_id: int, *, now: datetime) -> list[Release]:
    """Releases (not deleted), upcoming first by date, then past ones latest first; tasks loaded."""
    today = _today(await get_config(session, guild_id), now)
    q = (
        select(Release)
        .where(Release.guild_id == guild_id, Release.visible())
        .options(selectinload(Release.tasks))
        .order_by(case((Release.release_date >= today, 0), else_=1), Release.release_date, Release.number)
    )
    return list(await session.scalars(q))


async def autocomplete(
    session: AsyncSession, guild_id: int, query: str, limit: int = CHOICES_MAX
) -> list[tuple[str, str]]:
    """(label, value) pairs for a release option: ``#2 · Title (album, 3 Apr 2027)``, ``#2``."""
    q = select(Release).where(Release.guild_id == guild_id, Release.visible())
    cond = refs.search_filter(Release, query)
    if cond is not None:
        q = q.where(cond)
    rows = await session.scalars(q.order_by(Release.release_date.desc()).limit(limit))
    return [
        (
            refs.choice_label(r.number, r.title, f" ({r.kind}, {r.release_date.day} {r.release_date:%b %Y})"),
            f"#{r.number}",
        )
        for r in rows
    ]


async def task_autocomplete(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    query: str,
    *,
    done: bool | None = None,
    limit: int = CHOICES_MAX,
) -> list[tuple[str, str]]:
    """(label, value) pairs for a task option of the release ``release_ref`` names (empty when it
    names none): ``#5 · Upload to the distributor``, ``#5``; ``done`` filters ticked/open."""
    try:
        release = await get_release(session, guild_id, release_ref) if release_ref.strip() else None
    except (NotFound, InvalidInput):
        return []
    if release is None:
        return []
    key = refs.fold(query.strip().lstrip("#"))
    out = []
    for t in ordered_tasks(release):
        if done is not None and (t.done_at is not None) != done:
            continue
        if key and key not in t.search_key and key != str(t.position):
            continue
        out.append((refs.choice_label(t.position, t.title, " ✅" if t.done_at else ""), f"#{t.position}"))
    return out[:limit]


def resolve_task(release: Release, ref: str) -> ReleaseTask:
    """The task of ``release`` that ``ref`` (``#N``, N or title text) names.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    ref = " ".join(ref.split())
    number = refs.as_number(ref)
    if number is not None:
        for t in release.tasks:
            if t.position == number:
                return t
    key = refs.fold(ref)
    exact = [t for t in release.tasks if t.search_key == key]
    cands = exact or [t for t in release.tasks if key and key in t.search_key]
    if len(cands) == 1:
        return cands[0]
    where = f"release #{release.number}"
    if not cands:
        raise NotFound(
            f"No task of {where} matches `{ref[:60]}`. Pick one from the list "
            f"(`/release checklist release:#{release.number}`)."
        )
    raise InvalidInput(
        f"`{ref[:60]}` matches several tasks of {where} "
        f"({', '.join(f'#{t.position}' for t in cands[:5])}). Pick one from the list."
    )


async def set_done(
    session: AsyncSession,
    guild_id: int,
    release: Release,
    task: ReleaseTask,
    done: bool,
    *,
    actor_id: int,
    now: datetime,
    actor: Actor | None = None,
) -> ReleaseTask:
    """Tick (recording who and when) or untick a task, re-plan nudges.

    Raises:
        InvalidInput: already in that state.
        Forbidden: ``actor`` neither owns the task nor planned the release, and is not a manager.
    """
    await require_can_change(session, release, actor, task)
    if done and task.done_at is not None:
        raise InvalidInput(f"Task #{task.position} is already ticked (by <@{task.done_by}>).")
    if not done and task.done_at is None:
        raise InvalidInput(f"Task #{task.position} isn't ticked.")
    task.done_by, task.done_at = (actor_id, now) if done else (None, None)
    await plan_nudges(session, release, await get_config(session, guild_id), now)
    await session.flush()
    return task


async def tick(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    task_ref: str,
    *,
    actor_id: int,
    now: datetime,
    done: bool = True,
    actor: Actor | None = None,
) -> tuple[Release, ReleaseTask]:
    """``/release tick`` (or untick with ``done=False``).

    Raises:
        NotFound / InvalidInput: unknown release or task, or no change.
        Forbidden: as for :func:`set_done`.
    """
    release = await get_release(session, guild_id, release_ref)
    task = resolve_task(release, task_ref)
    await set_done(session, guild_id, release, task, done, actor_id=actor_id, now=now, actor=actor)
    return release, task


async def toggle(
    session: AsyncSession,
    guild_id: int,
    release_id: int,
    task_id: int,
    *,
    done: bool | None,
    actor_id: int,
    now: datetime,
    actor: Actor | None = None,
) -> tuple[Release, ReleaseTask]:
    """Tick (``done``) or untick a task from the checklist's select menu (``None``: flip).

    The menu option carries the intended state, so two people clicking "tick" at once both get
    a ticked task (a flip would undo the first click); a task already in that state is left as is.

    Raises:
        NotFound: the release or task is gone.
        Forbidden: as for :func:`set_done`.
    """
    release = await get_release_by_id(session, guild_id, release_id)
    task = next((t for t in release.tasks if t.id == task_id), None)
    if task is None:
        raise NotFound("That task no longer exists; the checklist was refreshed.")
    want = task.done_at is None if done is None else done
    if (task.done_at is not None) != want:
        await set_done(session, guild_id, release, task, want, actor_id=actor_id, now=now, actor=actor)
    return release, task


def parse_due(text: str, release: Release, cfg: GuildConfig, now: datetime) -> tuple[int | None, date | None]:
    """A task's due: ``28`` / ``28 days before`` / ``3 days after`` / ``-3`` / ``release day`` (relative,
    moves with the release) or a date (absolute). Returns (days_before, due_date).

    Raises:
        InvalidInput: unreadable.
    """
    t = " ".join(text.lower().split())
    if t in ("release day", "on release", "release", "0", "-0", "+0"):
        return 0, None
    if m := _OFFSET_RE.match(t):
        n = int(m.group("n")) * (7 if (m.group("unit") or "").startswith("w") else 1)
        return (-n if m.group("dir") in ("after", "late") else n), None
    if m := _SIGNED_RE.match(t):
        n = int(m.group("n")) * (7 if (m.group("unit") or "").startswith("w") else 1)
        return (n if m.group("sign") == "-" else -n), None
    if re.fullmatch(r"\d{4,}", t) or re.search(r"[+\-]\s*[+\-]", t) or re.search(r"\b(before|after)\b", t):
        raise InvalidInput(
            f"Couldn't read `{text.strip()[:40]}` as a due. Use e.g. `14` or `2 weeks before` "
            "(up to 999 days), `3 days after`, `release day`, or a date like `2027-03-01`."
        )
    d = parse_when(text, tz=cfg.tz, date_order=cfg.date_order, now=now).local.date()
    if d.year < now.year - 1:
        raise InvalidInput(f"`{text.strip()[:40]}` is {format_day(d)}. Give a due date near the release.")
    return None, d


async def add_task(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    *,
    title: str,
    due: str,
    now: datetime,
    owner_id: int | None = None,
    section: str | None = None,
    actor: Actor | None = None,
) -> tuple[Release, ReleaseTask]:
    """Add a custom task to a release.

    Raises:
        NotFound / InvalidInput: unknown release, bad title/due/section, too many tasks.
        Forbidden: ``actor`` didn't plan the release and is not a manager.
    """
    release = await get_release(session, guild_id, release_ref)
    await require_can_change(session, release, actor)
    if len(release.tasks) >= MAX_TASKS:
        raise InvalidInput(f"Release #{release.number} already has {MAX_TASKS} tasks.")
    cfg = await get_config(session, guild_id)
    clean = _clean_title(title)
    sec = " ".join((section or "other").lower().split())[:32] or "other"
    days_before, due_date = parse_due(due, release, cfg, now)
    task = ReleaseTask(
        position=max((t.position for t in release.tasks), default=0) + 1,
        title=clean,
        search_key=refs.fold(clean),
        section=sec,
        days_before=days_before,
        due_date=due_date,
        owner_id=owner_id,
        custom=True,
    )
    release.tasks.append(task)
    await session.flush()
    await plan_nudges(session, release, cfg, now)
    await session.flush()
    return release, task


async def move_release(
    session: AsyncSession, guild_id: int, ref: str, date_text: str, *, now: datetime, actor: Actor | None = None
) -> tuple[Release, date]:
    """Move the release date; relative tasks move with it, absolute ones stay.

    Returns the release and its old date.

    Raises:
        NotFound / InvalidInput: unknown release, bad or past date, same date.
        Forbidden: ``actor`` didn't plan the release and is not a manager.
    """
    release = await get_release(session, guild_id, ref)
    await require_can_change(session, release, actor)
    cfg = await get_config(session, guild_id)
    new = parse_release_date(date_text, cfg, now)
    if new == release.release_date:
        raise InvalidInput(f"Release #{release.number} is already on that date.")
    old, release.release_date = release.release_date, new
    await plan_nudges(session, release, cfg, now)
    await session.flush()
    return release, old


async def delete_release(
    session: AsyncSession, guild_id: int, release_id: int, *, now: datetime, actor: Actor | None = None
) -> Release:
    """Delete a release (confirmation button): hidden, nudges cancelled, rows kept.

    Raises:
        NotFound: gone already.
        Forbidden: ``actor`` didn't plan the release and is not a manager.
    """
    release = await get_release_by_id(session, guild_id, release_id)
    await require_can_change(session, release, actor)
    release.soft_delete(now)
    await plan_nudges(session, release, await get_config(session, guild_id), now)
    await session.flush()
    return release


def format_day(d: date) -> str:
    """``Sat 3 Apr 2027``."""
    return f"{d:%a} {d.day} {d:%b %Y}"


async def _render_task(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    task = await session.get(ReleaseTask, nudge.ref_id)
    if task is None or task.done_at is not None:
        return None
    release = await _load_for_render(session, task.release_id, nudge.guild_id)
    if release is None:
        return None
    cfg = await get_config(session, release.guild_id)
    due = task_due(task, release)
    if due != nudge.due_at.astimezone(cfg.tz).date():
        return None  # moved since planned (its new nudge is planned already)
    who = f"<@{task.owner_id}> " if task.owner_id else ""
    text = (
        f"📋 {who}**{escape_markdown(release.title)}** ({release.kind}, out {format_day(release.release_date)}): "
        f"task #{task.position} “{escape_markdown(task.title)}” is due today ({task.section}).\n"
        f"Tick it with `/release tick release:#{release.number} task:#{task.position}`."
    )
    return nudges.Rendered(
        text[:CONTENT_MAX], (task.owner_id,) if task.owner_id else (), cfg.nudge_channel_id or release.channel_id
    )


async def _load_for_render(session: AsyncSession, release_id: int, guild_id: int) -> Release | None:
    return await session.scalar(
        select(Release)
        .where(Release.id == release_id, Release.guild_id == guild_id, Release.visible())
        .options(selectinload(Release.tasks))
    )


async def _render_digest(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    release = await _load_for_render(session, nudge.ref_id or 0, nudge.guild_id)
    if release is None:
        return None
    cfg = await get_config(session, release.guild_id)
    today = _today(cfg, now)
    channel = cfg.nudge_channel_id or release.channel_id
    # one digest a day: plan tomorrow's (the first 09:00 after now, so downtime costs one late digest)
    if any(t.done_at is None for t in release.tasks) and today <= release.release_date + timedelta(
        days=DIGEST_DAYS_AFTER_RELEASE
    ):
        await nudges.schedule_once(
            session,
            guild_id=release.guild_id,
            channel_id=channel,
            kind=KIND_DIGEST,
            ref_id=release.id,
            due_at=_next_digest(cfg, now + timedelta(seconds=1)),
            now=now,
        )
    late = overdue(release, today)
    if not late:
        return None
    head = (
        f"⚠️ **{escape_markdown(release.title)}** ({release.kind}, out {format_day(release.release_date)}): "
        f"{len(late)} overdue task{'s' if len(late) != 1 else ''}"
    )
    lines = [head]
    for t in late:
        due = task_due(t, release)
        days = (today - due).days
        owner = f" · <@{t.owner_id}>" if t.owner_id else ""
        line = (
            f"• #{t.position} {escape_markdown(t.title)} · due {format_day(due)} "
            f"({days} day{'s' if days != 1 else ''} ago){owner}"
        )
        if sum(len(x) + 1 for x in lines) + len(line) > 1850:
            lines.append(f"• …and {len(late) - (len(lines) - 1)} more: `/release checklist release:#{release.number}`")
            break
        lines.append(line)
    owners = tuple(dict.fromkeys(t.owner_id for t in late if t.owner_id))
    return nudges.Rendered("\n".join(lines)[:CONTENT_MAX], owners, channel)


async def _task_until(session: AsyncSession, nudge: Nudge) -> nudges.Stale | None:
    task = await session.get(ReleaseTask, nudge.ref_id)
    release = await _load_for_render(session, task.release_id, nudge.guild_id) if task is not None else None
    if task is None or release is None:
        return None
    cfg = await get_config(session, release.guild_id)
    day_after = datetime.combine(task_due(task, release) + timedelta(days=1), time(0), tzinfo=cfg.tz)
    return nudges.Stale(
        day_after.astimezone(UTC), f"task #{task.position}'s due day had passed (the overdue digest lists it)"
    )


NUDGE_KINDS = (
    nudges.NudgeKind(KIND_TASK, _render_task, until=_task_until),
    nudges.NudgeKind(KIND_DIGEST, _render_digest, until=None),  # one a day, planned after now: one late
)
"""Wired in ``bot/features.py``."""


def progress(release: Release) -> tuple[int, int]:
    """(done, total) tasks."""
    return sum(1 for t in release.tasks if t.done_at is not None), len(release.tasks)


async def count_releases(session: AsyncSession, guild_id: int) -> int:
    """How many releases the guild has (not deleted)."""
    return (
        await session.scalar(
            select(func.count()).select_from(Release).where(Release.guild_id == guild_id, Release.visible())
        )
        or 0
    )


# --- metadata: distributor, UPC, tracks with ISRCs ---------------------------------------------

_ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


def parse_upc(text: str) -> str:
    """A UPC-A (12 digits) or EAN-13 (13 digits) barcode number with a valid check digit (GS1).

    Raises:
        InvalidInput: wrong length, not digits, or a bad check digit.
    """
    digits = re.sub(r"[\s\-]", "", text)
    if not digits.isdigit() or len(digits) not in (12, 13):
        raise InvalidInput("A UPC is 12 digits (or 13 for an EAN), as your distributor gives it.")
    body, check = digits[:-1], int(digits[-1])
    # GS1 check digit: weights 3,1,3,... from the rightmost body digit
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        raise InvalidInput(f"`{digits}` has a wrong check digit: copy the UPC from your distributor again.")
    return digits


def parse_isrc(text: str) -> str:
    """An ISRC (ISO 3901): 2-letter country, 3-character registrant, 2-digit year, 5-digit number.
    Hyphens and spaces are dropped: ``GB-XYZ-27-00001`` -> ``GBXYZ2700001``.

    Raises:
        InvalidInput: not that shape.
    """
    code = re.sub(r"[\s\-]", "", text).upper()
    if not _ISRC_RE.match(code):
        raise InvalidInput("An ISRC looks like `GB-XYZ-27-00001`: country, registrant, year, 5-digit number.")
    return code


async def set_info(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    *,
    now: datetime,
    distributor: str | None = None,
    upc: str | None = None,
    actor: Actor | None = None,
) -> Release:
    """Set a release's distributor and/or UPC (``-`` clears one).

    Raises:
        NotFound / InvalidInput / Forbidden: unknown release, bad UPC, nothing given, not allowed.
    """
    if distributor is None and upc is None:
        raise InvalidInput("Give a distributor, a UPC, or both.")
    release = await get_release(session, guild_id, ref)
    await require_can_change(session, release, actor)
    if distributor is not None:
        release.distributor = None if distributor.strip() == "-" else _clean_title(distributor, "Distributor")[:100]
    if upc is not None:
        release.upc = None if upc.strip() == "-" else parse_upc(upc)
    await session.flush()
    return release


async def set_track(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    *,
    title: str,
    now: datetime,
    isrc: str | None = None,
    actor: Actor | None = None,
) -> tuple[Release, ReleaseTrack]:
    """Add a track to a release, or set the ISRC of the track with that title (or ``#N``).

    Raises:
        NotFound / InvalidInput / Forbidden: unknown release, bad title or ISRC, an ISRC already used
        on another track of this release, not allowed.
    """
    release = await get_release(session, guild_id, ref)
    await require_can_change(session, release, actor)
    tracks = list(
        await session.scalars(
            select(ReleaseTrack).where(ReleaseTrack.release_id == release.id).order_by(ReleaseTrack.position)
        )
    )
    code = parse_isrc(isrc) if isrc else None
    number = refs.as_number(title)
    key = refs.fold(title)
    track = next(
        (t for t in tracks if (number is not None and t.position == number) or refs.fold(t.title) == key), None
    )
    if code and any(t.isrc == code and t is not track for t in tracks):
        raise InvalidInput(f"ISRC {code} is already on another track of this release; each recording has its own.")
    if track is None:
        if number is not None:
            raise NotFound(f"Release #{release.number} has no track #{number}.")
        track = ReleaseTrack(release_id=release.id, position=len(tracks) + 1, title=_clean_title(title, "Track title"))
        session.add(track)
    if code:
        track.isrc = code
    await session.flush()
    return release, track


async def tracks_of(session: AsyncSession, release: Release) -> list[ReleaseTrack]:
    """The release's tracks in order."""
    return list(
        await session.scalars(
            select(ReleaseTrack).where(ReleaseTrack.release_id == release.id).order_by(ReleaseTrack.position)
        )
    )


async def replan_guild(session: AsyncSession, guild_id: int, now: datetime) -> int:
    """Re-plan every release's nudges (after the guild's zone changed: 09:00 is local).

    Returns how many releases were re-planned.
    """
    cfg = await get_config(session, guild_id)
    releases = (
        await session.scalars(
            select(Release).where(Release.guild_id == guild_id, Release.visible()).options(selectinload(Release.tasks))
        )
    ).all()
    for r in releases:
        await plan_nudges(session, r, cfg, now)
    return len(releases)


# --- chart data (drawn by bot.ui.charts.release_timeline)


@dataclass(frozen=True)
class TimelineTask:
    """One checklist task on the timeline: ``state`` is ``done``, ``open`` or ``overdue`` (open, due before today)."""

    position: int
    title: str
    section: str
    due: date
    state: str


@dataclass(frozen=True)
class TimelineData:
    """What ``/release timeline`` draws: every task by section on a date axis (local dates).

    ``today`` is the server's date; ``tasks`` are in checklist order (section, due, #).
    """

    number: int
    title: str
    release_date: date
    today: date
    sections: tuple[str, ...]
    tasks: tuple[TimelineTask, ...]


async def timeline_data(session: AsyncSession, guild_id: int, ref: str, *, now: datetime) -> TimelineData:
    """The release ``ref`` names as timeline data.

    Raises:
        NotFound / InvalidInput: no such release here, or an ambiguous title.
    """
    release = await get_release(session, guild_id, ref)
    today = _today(await get_config(session, guild_id), now)
    tasks = []
    for t in ordered_tasks(release):
        due = task_due(t, release)
        state = "done" if t.done_at is not None else ("overdue" if due < today else "open")
        tasks.append(TimelineTask(t.position, t.title, t.section, due, state))
    sections = tuple(dict.fromkeys(t.section for t in tasks))
    return TimelineData(release.number, release.title, release.release_date, today, sections, tuple(tasks))

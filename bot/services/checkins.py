"""Manager check-ins: structured updates, weekly prompts, non-responder reminders and digests.

A schedule is a weekly rule (weekday + local time in the guild's zone). Its next prompt is a nudge
row; delivering one plans the rule's first occurrence after *now* (so downtime costs one late
prompt, never a burst; 10:00 stays 10:00 across DST) and a follow-up 24 h later that pings only
the team members who have not checked in since the prompt. "The team" needs no privileged intent:
members who checked in during the last 28 days, plus those added with ``/checkin team-add``,
minus those removed with ``/checkin team-remove``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import (
    Checkin,
    CheckinSchedule,
    Deal,
    DealDate,
    DealStatus,
    Goal,
    GoalProgress,
    GoalStatus,
    Nudge,
    NudgeStatus,
    Outlet,
    Pitch,
    Release,
    SessionStatus,
    Show,
    ShowStatus,
    StudioSession,
    TeamMember,
)
from bot.services import nudges, refs
from bot.services.deals import date_name
from bot.services.errors import InvalidInput
from bot.services.numbers import format_amount
from bot.services.permissions import Actor, is_manager, require_manager, require_owner_or_manager
from bot.services.releases import format_day, task_due
from bot.services.settings import get_config
from bot.services.tours import parse_local_time
from bot.textfmt import (
    CHOICES_MAX,
    COLOURS,
    CONTENT_MAX,
    EMBED_FIELDS_MAX,
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    escape_markdown,
    truncate,
    ts,
)

KIND_PROMPT = "checkin_prompt"
KIND_FOLLOWUP = "checkin_followup"
KIND_DIGEST = "checkin_digest"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TEAM_WINDOW = timedelta(days=28)
FOLLOWUP_AFTER = timedelta(hours=24)
FIELD_MAX = 1000
LINK_MAX = 300
OPEN_ACTION = "checkin:open"  # the prompt's button: opens the form (bot.ui.checkins.OpenCheckin)
LIST_HINT = "`/checkin schedules`"
_URL_RE = re.compile(r"^https?://\S+$", re.IGNORECASE)


def next_occurrence(weekday: int, at: time, tz: ZoneInfo, after: datetime) -> datetime:
    """The first ``weekday`` (0 = Monday) at wall-clock ``at`` in ``tz`` strictly after ``after``, in UTC.

    Computed on local dates, so the prompt keeps its local time across DST changes. A wall time
    that doesn't exist that day (in a spring-forward gap) is taken one hour later.
    """
    local_after = after.astimezone(tz)
    for i in range(8):
        d = local_after.date() + timedelta(days=i)
        if d.weekday() != weekday:
            continue
        cand = datetime.combine(d, at, tzinfo=tz).astimezone(UTC)
        if cand > after:
            return cand
    raise AssertionError("unreachable: a weekday recurs within 8 days")


def describe(s: CheckinSchedule) -> str:
    """``every Monday at 10:00`` (guild time)."""
    return f"every {WEEKDAYS[s.weekday]} at {s.local_time:%H:%M}"


def _text(value: str | None, what: str, *, required: bool, max_len: int = FIELD_MAX) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"{what} can't be empty.")
        return None
    if len(cleaned) > max_len:
        raise InvalidInput(f"{what} is {len(cleaned)} characters; keep it to {max_len}.")
    return cleaned


async def post_checkin(
    session: AsyncSession,
    guild_id: int,
    *,
    author_id: int,
    wins: str,
    next_steps: str,
    channel_id: int,
    now: datetime,
    blockers: str | None = None,
    link: str | None = None,
    schedule_id: int | None = None,
) -> Checkin:
    """Store a check-in (from the modal).

    Raises:
        InvalidInput: wins or next steps empty, a field too long, a link that isn't http(s).
    """
    link_clean = _text(link, "Link", required=False, max_len=LINK_MAX)
    if link_clean and not _URL_RE.match(link_clean):
        raise InvalidInput("The link must start with `https://` or `http://` (or leave it empty).")
    c = Checkin(
        guild_id=guild_id,
        author_id=author_id,
        wins=_text(wins, "Wins", required=True),
        blockers=_text(blockers, "Blockers", required=False),
        next_steps=_text(next_steps, "Next steps", required=True),
        link=link_clean,
        schedule_id=schedule_id,
        channel_id=channel_id,
        created_at=now,
    )
    session.add(c)
    await session.flush()
    return c


async def history(
    session: AsyncSession, guild_id: int, *, member_id: int | None = None, limit: int = 20
) -> list[Checkin]:
    """Latest check-ins (newest first), optionally of one member; ``limit`` 1..200.

    Raises:
        InvalidInput: limit out of range.
    """
    if not 1 <= limit <= 200:
        raise InvalidInput("Limit must be between 1 and 200.")
    q = select(Checkin).where(Checkin.guild_id == guild_id)
    if member_id is not None:
        q = q.where(Checkin.author_id == member_id)
    return list(await session.scalars(q.order_by(Checkin.created_at.desc(), Checkin.id.desc()).limit(limit)))


async def team(session: AsyncSession, guild_id: int, now: datetime) -> set[int]:
    """Who is on the team now: checked in within 28 days or added, minus removed."""
    recent = set(
        await session.scalars(
            select(Checkin.author_id)
            .where(Checkin.guild_id == guild_id, Checkin.created_at >= now - TEAM_WINDOW)
            .distinct()
        )
    )
    rows = (await session.scalars(select(TeamMember).where(TeamMember.guild_id == guild_id))).all()
    added = {r.user_id for r in rows if r.active}
    removed = {r.user_id for r in rows if not r.active}
    return (recent | added) - removed


async def set_team_member(
    session: AsyncSession, guild_id: int, user_id: int, active: bool, *, actor: Actor | None, now: datetime
) -> set[int]:
    """Add (``active``) or remove a member from the check-in team; managers only.

    Returns the team after the change.

    Raises:
        Forbidden: not a manager.
    """
    await require_manager(session, guild_id, actor, "change the check-in team")
    row = await session.get(TeamMember, (guild_id, user_id))
    if row is None:
        session.add(TeamMember(guild_id=guild_id, user_id=user_id, active=active, changed_at=now))
    else:
        row.active, row.changed_at = active, now
    await session.flush()
    return await team(session, guild_id, now)


async def responders_since(session: AsyncSession, guild_id: int, since: datetime) -> set[int]:
    """Members who posted a check-in at or after ``since``."""
    return set(
        await session.scalars(
            select(Checkin.author_id).where(Checkin.guild_id == guild_id, Checkin.created_at >= since).distinct()
        )
    )


async def add_schedule(
    session: AsyncSession,
    guild_id: int,
    *,
    weekday: int,
    time_text: str,
    channel_id: int,
    actor: Actor | None,
    now: datetime,
    role_id: int | None = None,
    kind: str = "prompt",
) -> tuple[CheckinSchedule, datetime]:
    """Schedule a weekly prompt (or digest); managers only. Returns it and its first time (UTC).

    Raises:
        Forbidden: not a manager.  InvalidInput: bad weekday, time or kind.
    """
    await require_manager(session, guild_id, actor, "schedule check-ins")
    if kind not in ("prompt", "digest"):
        raise InvalidInput("Kind must be `prompt` or `digest`.")
    if not 0 <= weekday <= 6:
        raise InvalidInput("Day must be Monday to Sunday.")
    at = parse_local_time(time_text, "Time", clock="in the server's time zone")
    cfg = await get_config(session, guild_id)
    twin = await session.scalar(
        select(CheckinSchedule).where(
            CheckinSchedule.guild_id == guild_id,
            CheckinSchedule.visible(),
            CheckinSchedule.kind == kind,
            CheckinSchedule.weekday == weekday,
            CheckinSchedule.local_time == at,
            CheckinSchedule.channel_id == channel_id,
        )
    )
    if twin is not None:
        raise InvalidInput(f"Schedule #{twin.number} already posts a {kind} there {describe(twin)}.")
    s = CheckinSchedule(
        guild_id=guild_id,
        number=await refs.next_number(session, CheckinSchedule, guild_id),
        kind=kind,
        weekday=weekday,
        local_time=at,
        channel_id=channel_id,
        role_id=role_id,
        author_id=actor.user_id if actor else 0,
        created_at=now,
        search_key=refs.fold(f"{WEEKDAYS[weekday]} {at:%H:%M} {kind}"),
    )
    session.add(s)
    await session.flush()
    first = next_occurrence(weekday, at, cfg.tz, now)
    nudges.schedule(
        session,
        guild_id=guild_id,
        channel_id=channel_id,
        kind=KIND_PROMPT if kind == "prompt" else KIND_DIGEST,
        ref_id=s.id,
        due_at=first,
        now=now,
    )
    await session.flush()
    return s, first


async def list_schedules(session: AsyncSession, guild_id: int) -> list[tuple[CheckinSchedule, datetime | None]]:
    """Active schedules with their next prompt time (UTC), by number."""
    rows = (
        await session.scalars(
            select(CheckinSchedule)
            .where(CheckinSchedule.guild_id == guild_id, CheckinSchedule.visible())
            .order_by(CheckinSchedule.number)
        )
    ).all()
    out = []
    for s in rows:
        nxt = await session.scalar(
            select(func.min(Nudge.due_at)).where(
                Nudge.kind.in_((KIND_PROMPT, KIND_DIGEST)), Nudge.ref_id == s.id, Nudge.status == NudgeStatus.PENDING
            )
        )
        out.append((s, nxt))
    return out


async def get_schedule(session: AsyncSession, guild_id: int, ref: str) -> CheckinSchedule:
    """The schedule ``ref`` (``#N`` or text like ``monday``) names.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    return await refs.resolve(
        session,
        CheckinSchedule,
        guild_id,
        ref,
        noun="schedule",
        list_hint=LIST_HINT,
        visible=[CheckinSchedule.visible()],
    )


async def remove_schedule(
    session: AsyncSession, guild_id: int, ref: str, *, actor: Actor | None, now: datetime
) -> CheckinSchedule:
    """Stop a schedule (its author or a manager); its pending prompt and follow-up are cancelled.

    Raises:
        NotFound / InvalidInput: unknown.  Forbidden: someone else's schedule and not a manager.
    """
    s = await get_schedule(session, guild_id, ref)
    await require_owner_or_manager(session, guild_id, actor, [s.author_id], f"check-in schedule #{s.number}")
    s.soft_delete(now)
    await nudges.cancel_for(session, (KIND_PROMPT, KIND_FOLLOWUP, KIND_DIGEST), s.id)
    await session.flush()
    return s


async def schedule_autocomplete(session: AsyncSession, guild_id: int, query: str) -> list[tuple[str, str]]:
    """(label, value) pairs: ``#1 · prompt every Monday at 10:00``, ``#1``."""
    out = []
    for s, _nxt in await list_schedules(session, guild_id):
        label = refs.choice_label(s.number, f"{s.kind} {describe(s)}")
        if not query.strip() or refs.fold(query.strip().lstrip("#")) in refs.fold(label):
            out.append((label, f"#{s.number}"))
    return out[:CHOICES_MAX]


# --- digest ---------------------------------------------------------------------------------


@dataclass
class Digest:
    """What ``/checkin digest`` summarises for the period ``since``..``now`` (and ``days`` ahead)."""

    since: datetime
    now: datetime
    days: int
    checkins: list[Checkin] = field(default_factory=list)
    goals_progressed: list[tuple[Goal, int]] = field(default_factory=list)
    goals_completed: list[Goal] = field(default_factory=list)
    goal_notes: list[tuple[Goal, GoalProgress]] = field(default_factory=list)  # measurements with a note, newest first
    upcoming_shows: list[Show] = field(default_factory=list)
    tasks_due: list[tuple[Release, object]] = field(default_factory=list)
    last_prompt_at: datetime | None = None
    missing: list[int] = field(default_factory=list)
    sessions: list[StudioSession] = field(default_factory=list)
    followups: list[PromoFollowUp] = field(default_factory=list)
    deal_dates: list[DealKeyDate] | None = None  # None: not for this reader (only a manager's private digest)


@dataclass(frozen=True)
class PromoFollowUp:
    """A pitch whose follow-up step falls due by the digest's horizon: ``due`` UTC; ``step`` is
    ``follow-up`` (first nudge) or ``no-reply`` (the second, which marks it ``no-reply``)."""

    due: datetime
    release_title: str
    pitch_number: int
    outlet: str
    outlet_kind: str
    step: str


@dataclass(frozen=True)
class DealKeyDate:
    """An open deal's key date (a calendar date in the guild's zone) within the digest's horizon."""

    day: date
    deal_number: int
    deal_title: str
    counterparty: str
    what: str


DEAL_CLOSED = (DealStatus.DECLINED, DealStatus.EXPIRED, DealStatus.COMPLETED)


async def build_digest(
    session: AsyncSession, guild_id: int, *, days: int, now: datetime, private_for: Actor | None = None
) -> Digest:
    """Gather the digest: check-ins, goals progressed/completed in the last ``days`` days, shows,
    release tasks, studio sessions and promo follow-ups due in the next ``days`` days (follow-ups
    already due count too), and who has not checked in since the last prompt.

    Deal key dates (confidential) are gathered only when ``private_for`` is given and is a manager:
    the caller passes it only for a reply that reader alone sees (an ephemeral ``/checkin digest``);
    a posted or scheduled digest never does, and then ``deal_dates`` is None.

    Raises:
        InvalidInput: ``days`` outside 1..90.
    """
    if not 1 <= days <= 90:
        raise InvalidInput("Days must be between 1 and 90.")
    cfg = await get_config(session, guild_id)
    since = now - timedelta(days=days)
    d = Digest(since=since, now=now, days=days)
    d.checkins = list(
        await session.scalars(
            select(Checkin)
            .where(Checkin.guild_id == guild_id, Checkin.created_at >= since)
            .order_by(Checkin.created_at.desc())
        )
    )
    prog = (
        await session.execute(
            select(Goal, func.count(GoalProgress.id))
            .join(GoalProgress, GoalProgress.goal_id == Goal.id)
            .where(Goal.guild_id == guild_id, Goal.visible(), GoalProgress.created_at >= since)
            .group_by(Goal.id)
            .order_by(func.count(GoalProgress.id).desc())
        )
    ).all()
    d.goals_progressed = [(g, n) for g, n in prog]
    d.goal_notes = [
        (g, p)
        for g, p in (
            await session.execute(
                select(Goal, GoalProgress)
                .join(GoalProgress, GoalProgress.goal_id == Goal.id)
                .where(
                    Goal.guild_id == guild_id,
                    Goal.status != "deleted",
                    GoalProgress.created_at >= since,
                    GoalProgress.note.is_not(None),
                )
                .order_by(GoalProgress.created_at.desc(), GoalProgress.id.desc())
                .limit(10)
            )
        ).all()
    ]
    d.goals_completed = list(
        await session.scalars(
            select(Goal)
            .where(Goal.guild_id == guild_id, Goal.status == GoalStatus.DONE, Goal.done_at >= since)
            .order_by(Goal.done_at)
        )
    )
    today = now.astimezone(cfg.tz).date()
    horizon = today + timedelta(days=days)
    d.upcoming_shows = list(
        await session.scalars(
            select(Show)
            .where(
                Show.guild_id == guild_id,
                Show.visible(),
                Show.status != ShowStatus.CANCELLED,
                Show.date >= today,
                Show.date <= horizon,
            )
            .order_by(Show.date)
        )
    )
    releases = (
        await session.scalars(
            select(Release).where(Release.guild_id == guild_id, Release.visible()).options(selectinload(Release.tasks))
        )
    ).all()
    due: list[tuple[date, Release, object]] = []
    for r in releases:
        for t in r.tasks:
            when = task_due(t, r)
            if t.done_at is None and today <= when <= horizon:
                due.append((when, r, t))
    d.tasks_due = [(r, t) for _w, r, t in sorted(due, key=lambda x: (x[0], x[1].number, x[2].position))]
    d.sessions = list(
        await session.scalars(
            select(StudioSession)
            .join(Release, Release.id == StudioSession.release_id)
            .where(
                StudioSession.guild_id == guild_id,
                StudioSession.status == SessionStatus.BOOKED,
                Release.visible(),
                StudioSession.start_at >= now,
                StudioSession.start_at <= now + timedelta(days=days),
            )
            .order_by(StudioSession.start_at)
        )
    )
    follow_rows = (
        await session.execute(
            select(Pitch, Outlet.name, Outlet.kind, Release.title)
            .join(Outlet, Outlet.id == Pitch.outlet_id)
            .join(Release, Release.id == Pitch.release_id)
            .where(
                Pitch.guild_id == guild_id,
                Release.visible(),
                Pitch.followup_due_at.is_not(None),
                Pitch.followup_due_at <= now + timedelta(days=days),
            )
            .order_by(Pitch.followup_due_at, Release.number, Pitch.number)
        )
    ).all()
    d.followups = [
        PromoFollowUp(
            p.followup_due_at, title, p.number, name, kind, "follow-up" if p.followup_stage == 0 else "no-reply"
        )
        for p, name, kind, title in follow_rows
    ]
    if private_for is not None and await is_manager(session, guild_id, private_for):
        deal_rows = (
            await session.execute(
                select(DealDate, Deal)
                .join(Deal, Deal.id == DealDate.deal_id)
                .where(
                    Deal.guild_id == guild_id,
                    Deal.visible(),
                    Deal.status.not_in(DEAL_CLOSED),
                    DealDate.date >= today,
                    DealDate.date <= horizon,
                )
                .order_by(DealDate.date, Deal.number, DealDate.position)
            )
        ).all()
        d.deal_dates = [
            DealKeyDate(kd.date, deal.number, deal.title, deal.counterparty, date_name(kd)) for kd, deal in deal_rows
        ]
    d.last_prompt_at = await session.scalar(
        select(func.max(CheckinSchedule.last_prompt_at)).where(
            CheckinSchedule.guild_id == guild_id, CheckinSchedule.kind == "prompt", CheckinSchedule.visible()
        )
    )
    if d.last_prompt_at is not None:
        members = await team(session, guild_id, now)
        d.missing = sorted(members - await responders_since(session, guild_id, d.last_prompt_at))
    return d


# --- the digest as an embed with sections (for /checkin digest and the scheduled digest)

DIGEST_BUDGETS = {  # characters per section's field value (each ≤ 1024); together well under 6000
    "checkins": 1000,
    "goals": 800,
    "shows": 800,
    "tasks": 800,
    "sessions": 700,
    "followups": 600,
    "deal_dates": 500,
    "missing": 600,
}
MORE = "+{n} more"


def _section(lines: list[str], budget: int) -> str:
    """``lines`` joined by newlines within ``budget`` characters; what doesn't fit becomes "+N more"."""
    budget = min(budget, FIELD_VALUE_MAX)
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        line = truncate(line, budget - 12)
        reserve = 0 if i == len(lines) - 1 else len(MORE.format(n=len(lines))) + 1
        if used + len(line) + 1 + reserve > budget:
            out.append(MORE.format(n=len(lines) - i))
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def embed_size(e: dict[str, Any]) -> int:
    """Characters Discord counts towards the 6000 per message: title, description, field names and
    values, footer text, author name (API docs, "Embed Limits")."""
    return (
        len(e.get("title") or "")
        + len(e.get("description") or "")
        + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields") or [])
        + len((e.get("footer") or {}).get("text") or "")
        + len((e.get("author") or {}).get("name") or "")
    )


def digest_embed(d: Digest, tz: ZoneInfo, colour: int = COLOURS.checkins) -> dict[str, Any]:
    """The digest as one embed (Discord's JSON shape, so services stay Discord-free): a title with
    the period, then sections as fields (check-ins, goals moved, shows, release tasks, studio
    sessions, promo follow-ups, deal key dates, who hasn't checked in), each within its own budget
    with a "+N more" line, the whole ≤ 6000 characters (Discord's per-message embed limit). Empty
    sections are left out.

    No wellbeing pulse ever; deal key dates only when ``d.deal_dates`` was gathered (a manager's
    private digest, see :func:`build_digest`). Mentions are ``<@id>`` and never ping.
    """
    start, end = d.since.astimezone(tz).date(), d.now.astimezone(tz).date()
    fields: list[dict[str, Any]] = []

    def add(name: str, lines: list[str], key: str) -> None:
        if lines:
            fields.append({"name": truncate(name, 256), "value": _section(lines, DIGEST_BUDGETS[key]), "inline": False})

    per = Counter(c.author_id for c in d.checkins)
    people = "1 person" if len(per) == 1 else f"{len(per)} people"
    add(
        f"📝 Check-ins: {len(d.checkins)} from {people}",
        [
            f"<@{c.author_id}> {ts(c.created_at, 'R')}: {escape_markdown(truncate(c.wins.splitlines()[0], 90))}"
            for c in d.checkins
        ],
        "checkins",
    )
    notes: dict[int, list[str]] = {}  # the notes given with /goal progress, under their goal's line
    for g, p in d.goal_notes:
        notes.setdefault(g.id, []).append(
            f"› #{g.number} {format_amount(p.value)}: “{escape_markdown(p.note[:120])}” "  # type: ignore[index]
            f"(<@{p.author_id}>, <t:{int(p.created_at.timestamp())}:d>)"
        )
    goals: list[str] = []
    for g, line in [
        (g, f"✅ #{g.number} {escape_markdown(truncate(g.title, 60))}: done") for g in d.goals_completed
    ] + [(g, f"📈 #{g.number} {escape_markdown(truncate(g.title, 60))}: {n} update(s)") for g, n in d.goals_progressed]:
        goals += [line, *notes.pop(g.id, [])]
    goals += [n for rest in notes.values() for n in rest]
    add(f"🎯 Goals moved: {len(d.goals_completed) + len(d.goals_progressed)}", goals, "goals")
    add(
        f"🎫 Shows, next {d.days} days: {len(d.upcoming_shows)}",
        [
            f"{format_day(s.date)} · {escape_markdown(truncate(s.city, 40))} · {escape_markdown(truncate(s.venue, 50))}"
            + (" (hold)" if s.status == ShowStatus.HOLD else "")
            for s in d.upcoming_shows
        ],
        "shows",
    )
    add(
        f"🗓️ Release tasks, next {d.days} days: {len(d.tasks_due)}",
        [
            f"{format_day(task_due(t, r))} · {escape_markdown(truncate(r.title, 40))}: "  # type: ignore[arg-type]
            f"{escape_markdown(truncate(t.title, 60))}"  # type: ignore[attr-defined]
            for r, t in d.tasks_due
        ],
        "tasks",
    )
    add(
        f"🎚️ Studio sessions, next {d.days} days: {len(d.sessions)}",
        [f"{ts(ss.start_at, 'f')} · {escape_markdown(truncate(ss.studio, 50))}" for ss in d.sessions],
        "sessions",
    )
    add(
        f"📣 Promo follow-ups due: {len(d.followups)}",
        [
            f"{ts(f.due, 'd')} · {escape_markdown(truncate(f.release_title, 40))}: #{f.pitch_number} "
            f"{escape_markdown(truncate(f.outlet, 50))} ({f.outlet_kind})"
            + (" · follow up" if f.step == "follow-up" else " · no answer: becomes no-reply")
            for f in d.followups
        ],
        "followups",
    )
    if d.deal_dates is not None:
        add(
            f"🤝 Deal dates, next {d.days} days (only you see this): {len(d.deal_dates)}",
            [
                f"{format_day(k.day)} · Deal #{k.deal_number} {escape_markdown(truncate(k.deal_title, 50))} "
                f"({escape_markdown(truncate(k.counterparty, 40))}): {escape_markdown(k.what)}"
                for k in d.deal_dates
            ],
            "deal_dates",
        )
    if d.last_prompt_at is not None:
        if d.missing:
            add(
                f"🙋 Not checked in since the last prompt ({ts(d.last_prompt_at, 'R')}): {len(d.missing)}",
                [", ".join(f"<@{u}>" for u in d.missing[i : i + 10]) for i in range(0, len(d.missing), 10)],
                "missing",
            )
        else:
            fields.append(
                {
                    "name": "🙋 Check-ins since the last prompt",
                    "value": "Everyone on the team has checked in. 🎉",
                    "inline": False,
                }
            )
    description = None if d.checkins else "No check-ins in this period."
    e: dict[str, Any] = {
        "title": f"🗞️ Check-in digest · {format_day(start)} – {format_day(end)}",
        "color": colour,
        "fields": fields[:EMBED_FIELDS_MAX],
        "footer": {"text": f"Last {d.days} day(s), and the next {d.days} for shows, tasks and sessions · {tz.key}"},
    }
    if description:
        e["description"] = description
    while embed_size(e) > EMBED_TOTAL_MAX and e["fields"]:  # cannot happen with the budgets above; kept as a guard
        e["fields"].pop()
    return e


# --- nudges ---------------------------------------------------------------------------------


async def _schedule_row(session: AsyncSession, nudge: Nudge) -> CheckinSchedule | None:
    s = await session.get(CheckinSchedule, nudge.ref_id)
    if s is None or s.is_deleted or s.guild_id != nudge.guild_id:
        return None
    return s


async def _render_prompt(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    s = await _schedule_row(session, nudge)
    if s is None:
        return None
    cfg = await get_config(session, s.guild_id)
    s.last_prompt_at = now
    await nudges.schedule_once(
        session,
        guild_id=s.guild_id,
        channel_id=s.channel_id,
        kind=KIND_PROMPT,
        ref_id=s.id,
        due_at=next_occurrence(s.weekday, s.local_time, cfg.tz, now),
        now=now,
    )
    await nudges.schedule_once(
        session,
        guild_id=s.guild_id,
        channel_id=s.channel_id,
        kind=KIND_FOLLOWUP,
        ref_id=s.id,
        due_at=now + FOLLOWUP_AFTER,
        now=now,
    )
    ping = f"<@&{s.role_id}> " if s.role_id else ""
    text = (
        f"📝 {ping}Time for the weekly check-in! Share your wins, blockers and next steps: press "
        f"**Post my check-in** (or use `/checkin post`)."
    )
    return nudges.Rendered(text, (), s.channel_id, (s.role_id,) if s.role_id else (), (OPEN_ACTION, s.id))


async def _render_followup(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    s = await _schedule_row(session, nudge)
    if s is None:
        return None
    prompt_at = nudge.due_at - FOLLOWUP_AFTER
    missing = sorted(await team(session, s.guild_id, now) - await responders_since(session, s.guild_id, prompt_at))
    if not missing:
        return None
    names = " ".join(f"<@{u}>" for u in missing[:40])
    text = (
        f"⏰ {names} friendly nudge: the check-in from {ts(prompt_at, 'R')} is still open. "
        "Press **Post my check-in** when you have a minute."
    )
    return nudges.Rendered(text[:CONTENT_MAX], tuple(missing[:40]), s.channel_id, (), (OPEN_ACTION, s.id))


async def _render_digest(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    s = await _schedule_row(session, nudge)
    if s is None:
        return None
    cfg = await get_config(session, s.guild_id)
    await nudges.schedule_once(
        session,
        guild_id=s.guild_id,
        channel_id=s.channel_id,
        kind=KIND_DIGEST,
        ref_id=s.id,
        due_at=next_occurrence(s.weekday, s.local_time, cfg.tz, now),
        now=now,
    )
    d = await build_digest(session, s.guild_id, days=7, now=now)
    return nudges.Rendered("", (), s.channel_id, embeds=(digest_embed(d, cfg.tz),))


async def _followup_until(session: AsyncSession, nudge: Nudge) -> nudges.Stale | None:
    # a follow-up makes sense until the schedule's next prompt (which has its own follow-up)
    s = await _schedule_row(session, nudge)
    if s is None:
        return None
    prompt_at = nudge.due_at - FOLLOWUP_AFTER
    newer = [
        t
        for t in (
            s.last_prompt_at if s.last_prompt_at and s.last_prompt_at > prompt_at + timedelta(minutes=1) else None,
            await session.scalar(
                select(func.min(Nudge.due_at)).where(
                    Nudge.kind == KIND_PROMPT,
                    Nudge.ref_id == s.id,
                    Nudge.status.in_(nudges.ACTIVE),
                    Nudge.due_at > prompt_at + timedelta(minutes=1),
                )
            ),
        )
        if t is not None
    ]
    if not newer:
        return None
    return nudges.Stale(min(newer), "a newer check-in prompt was due (it has its own follow-up)")


NUDGE_KINDS = (
    nudges.NudgeKind(KIND_PROMPT, _render_prompt, until=None),  # after downtime: one late prompt
    nudges.NudgeKind(KIND_FOLLOWUP, _render_followup, until=_followup_until),
    nudges.NudgeKind(KIND_DIGEST, _render_digest, until=None),  # a digest of the last 7 days is still news
)
"""Wired in ``bot/features.py``."""


async def replan_guild(session: AsyncSession, guild_id: int, now: datetime) -> int:
    """Move every schedule's next prompt/digest to its rule in the guild's (new) zone.

    Returns how many schedules were re-planned.
    """
    cfg = await get_config(session, guild_id)
    rows = (
        await session.scalars(
            select(CheckinSchedule).where(CheckinSchedule.guild_id == guild_id, CheckinSchedule.visible())
        )
    ).all()
    for s in rows:
        kind = KIND_PROMPT if s.kind == "prompt" else KIND_DIGEST
        await nudges.cancel_for(session, kind, s.id)
        nudges.schedule(
            session,
            guild_id=guild_id,
            channel_id=s.channel_id,
            kind=kind,
            ref_id=s.id,
            due_at=next_occurrence(s.weekday, s.local_time, cfg.tz, now),
            now=now,
        )
    await session.flush()
    return len(rows)

"""Career goals: add, list, progress, done, edit, delete; and their due-date nudges.

A goal due on a date without a time is due at 09:00 guild time that day. Nudges go out 7 days
before, 1 day before and on the day, at the due time of day, to the nudge channel (or the channel
the goal was created in), pinging only the owner. Nudges already in the past when planned are
skipped; done or deleted goals have none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import METRIC_MAX, NOTE_MAX, TITLE_MAX, Goal, GoalProgress, GoalStatus, Nudge, NudgeStatus
from bot.services import nudges, refs
from bot.services.errors import InvalidInput, NotFound
from bot.services.numbers import format_amount, parse_amount
from bot.services.permissions import Actor, require_owner_or_manager
from bot.services.settings import GuildConfig, get_config
from bot.textfmt import CHOICES_MAX, escape_markdown, percent, ts
from bot.textfmt import when as when_text
from bot.timeparse import DEFAULT_TIME, format_local, parse_future

KIND = "goal_due"
NUDGE_OFFSETS_DAYS = (7, 1, 0)
STATUSES = ("open", "done", "all")
LIST_HINT = "`/goal list`"


@dataclass(frozen=True)
class ProgressResult:
    """What ``/goal progress`` reports: the goal after the update and whether it hit its target."""

    goal: Goal
    entry: GoalProgress
    reached_target: bool


def clean_text(text: str | None, *, what: str, max_len: int, required: bool = True) -> str | None:
    """Collapse whitespace; enforce non-empty and ``max_len`` characters.

    Raises:
        InvalidInput: empty when required, or too long.
    """
    if text is None:
        if required:
            raise InvalidInput(f"{what} is required.")
        return None
    cleaned = " ".join(text.split())
    if not cleaned:
        if required:
            raise InvalidInput(f"{what} can't be empty.")
        return None
    if len(cleaned) > max_len:
        raise InvalidInput(f"{what} is {len(cleaned)} characters; keep it to {max_len}.")
    return cleaned


def progress_fraction(goal: Goal) -> float | None:
    """Progress toward the target in 0..1 (capped), or None without a target."""
    if not goal.target:
        return None
    return max(0.0, min(1.0, (goal.current or 0.0) / goal.target))


def describe_target(goal: Goal) -> str | None:
    """``"4,200 of 10,000 monthly listeners"`` or None without a target."""
    if goal.target is None:
        return None
    unit = f" {goal.metric}" if goal.metric else ""
    return f"{format_amount(goal.current or 0)} of {format_amount(goal.target)}{unit}"


def progress_summary(goal: Goal) -> str | None:
    """``"4,200 of 10,000 monthly listeners (42%)"``; ``"0 of 575 tickets"`` before any progress
    (a percentage of nothing says nothing); None without a target."""
    target = describe_target(goal)
    if target is None or not goal.current:
        return target
    return f"{target} ({percent(progress_fraction(goal) or 0.0)}%)"


def _nudge_times(goal: Goal, cfg: GuildConfig) -> list[tuple[int, datetime]]:
    assert goal.due_at is not None
    tz = cfg.tz
    due_local = goal.due_at.astimezone(tz)
    at_time = due_local.time() if goal.due_has_time else DEFAULT_TIME
    out = []
    for days in NUDGE_OFFSETS_DAYS:
        d = due_local.date() - timedelta(days=days)
        local = datetime.combine(d, at_time, tzinfo=tz)  # wall time, so DST keeps 09:00 at 09:00
        out.append((days, local.astimezone(UTC)))
    return out


async def plan_nudges(session: AsyncSession, goal: Goal, cfg: GuildConfig, now: datetime) -> list[datetime]:
    """Replace the goal's pending nudges with fresh ones; returns their due times (UTC), soonest first."""
    await nudges.cancel_for(session, KIND, goal.id)
    return _schedule_nudges(session, goal, cfg, now)


async def _replan_many(session: AsyncSession, goals: Sequence[Goal], cfg: GuildConfig, now: datetime) -> None:
    """:func:`plan_nudges` for many goals: one bulk cancel, then the new rows (one flush), instead of
    an UPDATE and a flush per goal (a time-zone change on a server with thousands of goals)."""
    await nudges.cancel_for(session, KIND, [g.id for g in goals])
    for goal in goals:
        _schedule_nudges(session, goal, cfg, now)


def _schedule_nudges(session: AsyncSession, goal: Goal, cfg: GuildConfig, now: datetime) -> list[datetime]:
    if goal.status != GoalStatus.OPEN or goal.due_at is None:
        return []
    channel = cfg.nudge_channel_id or goal.channel_id
    planned = []
    for days, at in _nudge_times(goal, cfg):
        if at <= now:
            continue
        nudges.schedule(
            session,
            guild_id=goal.guild_id,
            channel_id=channel,
            kind=KIND,
            ref_id=goal.id,
            due_at=at,
            now=now,
            offset_days=days,
        )
        planned.append(at)
    return planned


async def pending_nudges(session: AsyncSession, goal: Goal) -> list[datetime]:
    """Due times (UTC) of the goal's pending nudges, soonest first."""
    rows = await session.scalars(
        select(Nudge.due_at)
        .where(Nudge.kind == KIND, Nudge.ref_id == goal.id, Nudge.status == NudgeStatus.PENDING)
        .order_by(Nudge.due_at)
    )
    return list(rows)


def _target(metric: str | None, target: str | float | None) -> tuple[str | None, float | None]:
    metric_clean = clean_text(metric, what="Metric", max_len=METRIC_MAX, required=False)
    value = parse_amount(target, what="Target", allow_zero=False) if isinstance(target, str) else target
    if metric_clean and value is None:
        raise InvalidInput("A metric needs a target: e.g. `target: 10k` with `metric: monthly listeners`.")
    return metric_clean, value


async def add_goal(
    session: AsyncSession,
    guild_id: int,
    *,
    title: str,
    author_id: int,
    channel_id: int,
    now: datetime,
    owner_id: int | None = None,
    due: str | None = None,
    metric: str | None = None,
    target: str | None = None,
) -> Goal:
    """Create a goal (and its nudges).

    ``due`` is user text read in the guild's zone; a date without a time may be today.

    Raises:
        InvalidInput: empty/long title, unreadable or past due date, bad target.
    """
    cfg = await get_config(session, guild_id)
    title_clean = clean_text(title, what="Title", max_len=TITLE_MAX)
    metric_clean, target_value = _target(metric, target)
    when = (
        parse_future(due, tz=cfg.tz, date_order=cfg.date_order, now=now, allow_today=True) if due is not None else None
    )
    goal = Goal(
        guild_id=guild_id,
        number=await refs.next_number(session, Goal, guild_id),
        title=title_clean,
        search_key=refs.fold(title_clean),
        metric=metric_clean,
        target=target_value,
        current=0.0 if target_value is not None else None,
        owner_id=owner_id or author_id,
        author_id=author_id,
        channel_id=channel_id,
        due_at=when.utc if when else None,
        due_has_time=bool(when and when.has_time),
        status=GoalStatus.OPEN,
        created_at=now,
    )
    session.add(goal)
    await session.flush()
    await plan_nudges(session, goal, cfg, now)
    await session.flush()
    return goal


async def edit_goal(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    *,
    now: datetime,
    title: str | None = None,
    due: str | None = None,
    metric: str | None = None,
    target: str | None = None,
    owner_id: int | None = None,
    actor: Actor | None = None,
) -> Goal:
    """Change a goal's fields; a new due date moves its nudges.

    Raises:
        NotFound / InvalidInput: as for :func:`get_goal` and :func:`add_goal`; nothing given to change.
        Forbidden: ``actor`` neither owns nor wrote the goal and is not a manager.
    """
    if all(v is None for v in (title, due, metric, target, owner_id)):
        raise InvalidInput("Give at least one thing to change: title, due, metric, target or owner.")
    cfg = await get_config(session, guild_id)
    goal = await get_goal(session, guild_id, ref)
    await require_can_change(session, goal, actor)
    new_title = clean_text(title, what="Title", max_len=TITLE_MAX) if title is not None else goal.title
    if metric is not None or target is not None:
        m, t = _target(metric if metric is not None else goal.metric, target if target is not None else goal.target)
    else:
        m, t = goal.metric, goal.target
    when = parse_future(due, tz=cfg.tz, date_order=cfg.date_order, now=now, allow_today=True) if due else None
    goal.title, goal.metric, goal.target = new_title, m, t  # type: ignore[assignment]
    goal.search_key = refs.fold(goal.title)
    if t is not None and goal.current is None:
        goal.current = 0.0
    if owner_id is not None:
        goal.owner_id = owner_id
    if when is not None:
        goal.due_at, goal.due_has_time = when.utc, when.has_time
    await plan_nudges(session, goal, cfg, now)
    await session.flush()
    return goal


async def require_can_change(session: AsyncSession, goal: Goal, actor: Actor | None) -> None:
    """Raise :class:`Forbidden` unless ``actor`` owns or wrote ``goal``, or is a manager (None: trusted)."""
    await require_owner_or_manager(
        session, goal.guild_id, actor, (goal.owner_id, goal.author_id), f"goal #{goal.number}"
    )


async def get_goal(session: AsyncSession, guild_id: int, ref: str) -> Goal:
    """The goal ``ref`` (``#N``, N, or title) names in this guild.

    Raises:
        NotFound: no such goal here.  InvalidInput: ambiguous title.
    """
    return await refs.resolve(session, Goal, guild_id, ref, noun="goal", list_hint=LIST_HINT, visible=[Goal.visible()])


def _listing(guild_id: int, status: str):  # type: ignore[no-untyped-def]
    if status not in STATUSES:
        raise InvalidInput("Status must be `open`, `done` or `all`.")
    cond = [Goal.guild_id == guild_id]
    cond.append(Goal.visible() if status == "all" else Goal.status == status)
    return cond


async def list_goals(
    session: AsyncSession, guild_id: int, status: str = "open", *, offset: int = 0, limit: int | None = None
) -> list[Goal]:
    """The guild's goals with ``status`` (open / done / all): open first, soonest due first.

    ``offset``/``limit`` select one page (done in SQL, so a long list costs one page).

    Raises:
        InvalidInput: unknown status.
    """
    q = (
        select(Goal)
        .where(*_listing(guild_id, status))
        .order_by(case((Goal.status == GoalStatus.OPEN, 0), else_=1), Goal.due_at.is_(None), Goal.due_at, Goal.number)
        .offset(offset)
        .limit(limit)
    )
    return list(await session.scalars(q))


async def count_goals(session: AsyncSession, guild_id: int, status: str = "open") -> int:
    """How many goals :func:`list_goals` would return without a limit.

    Raises:
        InvalidInput: unknown status.
    """
    return await session.scalar(select(func.count()).select_from(Goal).where(*_listing(guild_id, status))) or 0


async def record_progress(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    value: str,
    *,
    author_id: int,
    now: datetime,
    note: str | None = None,
    actor: Actor | None = None,
) -> ProgressResult:
    """Record a measurement (the new current value, not an increment).

    Raises:
        NotFound / InvalidInput: unknown goal, goal without target, bad value, note too long.
        Forbidden: ``actor`` neither owns nor wrote the goal and is not a manager.
    """
    goal = await get_goal(session, guild_id, ref)
    await require_can_change(session, goal, actor)
    if goal.target is None:
        raise InvalidInput(
            f"Goal #{goal.number} has no target to measure against. "
            f"Add one with `/goal edit goal:#{goal.number} target:10k`."
        )
    amount = parse_amount(value, what="Value", allow_zero=True)
    note_clean = clean_text(note, what="Note", max_len=NOTE_MAX, required=False)
    before = goal.current or 0.0
    entry = GoalProgress(goal_id=goal.id, value=amount, note=note_clean, author_id=author_id, created_at=now)
    session.add(entry)
    goal.current = amount
    reached = before < goal.target <= amount
    await session.flush()
    return ProgressResult(goal, entry, reached)


async def recent_progress(session: AsyncSession, goal: Goal, limit: int = 5) -> list[GoalProgress]:
    """The goal's last ``limit`` measurements (value, note, who, when), newest first."""
    return list(
        await session.scalars(
            select(GoalProgress)
            .where(GoalProgress.goal_id == goal.id)
            .order_by(GoalProgress.created_at.desc(), GoalProgress.id.desc())
            .limit(limit)
        )
    )


async def complete_goal(
    session: AsyncSession, guild_id: int, ref: str, *, now: datetime, actor: Actor | None = None
) -> Goal:
    """Mark a goal done and cancel its nudges.

    Raises:
        NotFound / InvalidInput: unknown goal, or already done.
        Forbidden: ``actor`` neither owns nor wrote the goal and is not a manager.
    """
    goal = await get_goal(session, guild_id, ref)
    await require_can_change(session, goal, actor)
    if goal.status == GoalStatus.DONE:
        raise InvalidInput(f"Goal #{goal.number} is already done.")
    goal.status, goal.done_at = GoalStatus.DONE, now
    await nudges.cancel_for(session, KIND, goal.id)
    await session.flush()
    return goal


async def delete_goal(
    session: AsyncSession, guild_id: int, goal_id: int, *, now: datetime, actor: Actor | None = None
) -> Goal:
    """Delete a goal by id (from a confirmation button): hidden from every list, nudges cancelled.
    The row and its progress are kept (nothing a user stored is destroyed, and its #N is
    never reused).

    Raises:
        NotFound: no such goal in this guild, or already deleted.
        Forbidden: ``actor`` neither owns nor wrote the goal and is not a manager.
    """
    goal = await session.scalar(select(Goal).where(Goal.id == goal_id, Goal.guild_id == guild_id, Goal.visible()))
    if goal is None:
        raise NotFound("That goal no longer exists (already deleted?).")
    await require_can_change(session, goal, actor)
    goal.soft_delete(now)
    await nudges.cancel_for(session, KIND, goal.id)
    await session.flush()
    return goal


async def replan_dateonly_goals(session: AsyncSession, guild_id: int, old_tz: str, now: datetime) -> int:
    """After a time-zone change: date-only goals keep their date, due 09:00 in the new zone.

    Returns how many goals were moved.
    """
    cfg = await get_config(session, guild_id)
    from zoneinfo import ZoneInfo

    old = ZoneInfo(old_tz)
    goals = (
        await session.scalars(
            select(Goal).where(Goal.guild_id == guild_id, Goal.status == GoalStatus.OPEN, Goal.due_at.is_not(None))
        )
    ).all()
    for goal in goals:
        if not goal.due_has_time:
            assert goal.due_at is not None
            day = goal.due_at.astimezone(old).date()
            goal.due_at = datetime.combine(day, DEFAULT_TIME, tzinfo=cfg.tz).astimezone(UTC)
    await _replan_many(session, goals, cfg, now)
    await session.flush()
    return len(goals)


async def replan_channel(session: AsyncSession, guild_id: int, now: datetime) -> None:
    """After the nudge channel changed: move pending goal nudges there."""
    cfg = await get_config(session, guild_id)
    goals = (
        await session.scalars(
            select(Goal).where(Goal.guild_id == guild_id, Goal.status == GoalStatus.OPEN, Goal.due_at.is_not(None))
        )
    ).all()
    await _replan_many(session, goals, cfg, now)
    await session.flush()


async def autocomplete(
    session: AsyncSession, guild_id: int, query: str, *, status: str | None = None, limit: int = CHOICES_MAX
) -> list[tuple[str, str]]:
    """(label, value) pairs for a goal option: label ``#3 · title`` (≤ 100 chars), value ``#3``.

    Matches number or title text (any script, any case); at most ``limit`` (Discord allows 25).
    """
    q = select(Goal.number, Goal.title, Goal.status).where(Goal.guild_id == guild_id, Goal.visible())
    if status:
        q = q.where(Goal.status == status)
    cond = refs.search_filter(Goal, query)
    if cond is not None:
        q = q.where(cond)
    q = q.order_by(case((Goal.status == GoalStatus.OPEN, 0), else_=1), Goal.number.desc()).limit(limit)
    return [
        (refs.choice_label(n, t, " (done)" if st == GoalStatus.DONE else ""), f"#{n}")
        for n, t, st in (await session.execute(q)).all()
    ]


async def _render(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    goal = await session.get(Goal, nudge.ref_id)
    if goal is None or goal.status != GoalStatus.OPEN or goal.due_at is None or goal.guild_id != nudge.guild_id:
        return None
    cfg = await get_config(session, goal.guild_id)
    days = (goal.due_at.astimezone(cfg.tz).date() - now.astimezone(cfg.tz).date()).days
    when = (
        "is due today"
        if days == 0
        else "is due tomorrow"
        if days == 1
        else f"is due in {days} days"
        if days > 1
        else "is overdue"
    )
    due_text = (
        when_text(goal.due_at)
        if goal.due_has_time
        else f"{format_local(goal.due_at, cfg.tz, with_time=False)} ({ts(goal.due_at, 'R')})"
    )
    lines = [f"🎯 <@{goal.owner_id}> goal **#{goal.number} {escape_markdown(goal.title)}** {when}: {due_text}"]
    progress = progress_summary(goal)
    if progress:
        lines.append(f"Progress: {progress}")
    lines.append(f"Update it with `/goal progress goal:#{goal.number}` or `/goal done goal:#{goal.number}`.")
    return nudges.Rendered("\n".join(lines), (goal.owner_id,), cfg.nudge_channel_id or goal.channel_id)


async def _until(session: AsyncSession, nudge: Nudge) -> nudges.Stale | None:
    # a goal's nudge makes sense until its next one is due: after downtime only the latest is sent
    later = await session.scalar(
        select(func.min(Nudge.due_at)).where(
            Nudge.kind == KIND,
            Nudge.ref_id == nudge.ref_id,
            Nudge.id != nudge.id,
            Nudge.status.in_(nudges.ACTIVE),
            Nudge.due_at > nudge.due_at,
        )
    )
    if later is None:
        return None
    return nudges.Stale(later, "a later nudge about the same goal was due")


NUDGE_KINDS = (nudges.NudgeKind(KIND, _render, until=_until),)
"""Wired in ``bot/features.py``."""


# --- chart data (drawn by bot.ui.charts.goal_burnup)


@dataclass(frozen=True)
class GoalChartData:
    """What ``/goal chart`` draws: every recorded value of a goal over time.

    Attributes:
        number, title, metric: the goal (title as typed, unescaped: the chart is an image).
        target: the number to reach (None: the goal has no target, so there is nothing to chart).
        created_at, due_at, now: UTC-aware; ``due_at`` None when the goal has no due date.
        points: ``(recorded_at UTC, value)`` per ``/goal progress``, oldest first.
    """

    number: int
    title: str
    metric: str | None
    target: float | None
    created_at: datetime
    due_at: datetime | None
    now: datetime
    points: tuple[tuple[datetime, float], ...]


async def chart_data(session: AsyncSession, guild_id: int, ref: str, *, now: datetime) -> GoalChartData:
    """The goal ``ref`` names with its progress history, for a burn-up chart.

    Raises:
        NotFound / InvalidInput: no such goal here, or an ambiguous title.
    """
    goal = await get_goal(session, guild_id, ref)
    rows = await session.scalars(
        select(GoalProgress).where(GoalProgress.goal_id == goal.id).order_by(GoalProgress.created_at, GoalProgress.id)
    )
    return GoalChartData(
        number=goal.number,
        title=goal.title,
        metric=goal.metric,
        target=goal.target,
        created_at=goal.created_at,
        due_at=goal.due_at,
        now=now,
        points=tuple((p.created_at, p.value) for p in rows),
    )

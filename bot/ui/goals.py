"""Embeds and lines for goals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.db.models import Goal, GoalProgress, GoalStatus
from bot.services import clock, goals, settings
from bot.services.goals import ProgressResult, describe_target, progress_fraction, progress_summary
from bot.services.numbers import format_amount
from bot.timeparse import format_local
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.format import (
    COLOURS,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    FIELD_VALUE_MAX,
    page_footer,
    plain,
    progress_bar,
    truncate,
    ts,
    when,
)
from bot.ui.paginator import ListGone, Page, clamp, pages_for

GOAL_COLOUR = discord.Colour(COLOURS.goals)
DELETE_KIND = "goal"  # in the Delete/Keep custom_ids: roadie:goal:delete:<id>
GOALS_PER_PAGE = 10


def added_text(goal: Goal) -> str:
    """The reply to ``/goal add`` (above the goal's card)."""
    return f"🎯 Goal #{goal.number} added."


def updated_text(goal: Goal) -> str:
    """The reply to ``/goal edit``."""
    return f"✏️ Goal #{goal.number} updated."


def done_text(goal: Goal) -> str:
    """The reply to ``/goal done``."""
    return f"✅ Goal #{goal.number} is done. Nice work!"


def progress_text(res: ProgressResult) -> str:
    """The reply to ``/goal progress``: a progress bar, and a cheer when the target was just reached."""
    head = f"📈 Progress on #{res.goal.number}: `{progress_bar(progress_fraction(res.goal) or 0)}`"
    if res.reached_target:
        head += "\n🎉 Target reached! Mark it done with `/goal done`."
    return head


def delete_question(goal: Goal) -> str:
    """The (ephemeral) question above the Delete / Keep it buttons."""
    return f"Delete goal #{goal.number}? Its progress history and nudges go with it."


def deleted_text(goal: Goal) -> str:
    """What the confirmation message becomes after Delete."""
    return f"🗑️ Deleted goal #{goal.number} **{plain(truncate(goal.title, 150))}** and its nudges."


def due_text(goal: Goal, tz: ZoneInfo) -> str:
    """``**Sat 3 Apr 2027 09:00** (Europe/Berlin) · <t:…:F> (<t:…:R>)``, or ``no due date``."""
    if goal.due_at is None:
        return "no due date"
    local = format_local(goal.due_at, tz, with_time=goal.due_has_time)
    if goal.due_has_time:
        return f"**{local}** ({tz.key}) · {when(goal.due_at)}"
    return f"**{local}** · {ts(goal.due_at, 'R')}"


def history_text(entries: list[GoalProgress]) -> str:
    """The last measurements, newest first: ``<t:…:d> **4,200** · after the Spotify pitch`` (≤ 1024)."""
    lines = []
    for p in entries:
        note = f" · {plain(truncate(p.note, 150))}" if p.note else ""
        lines.append(f"{ts(p.created_at, 'd')} **{format_amount(p.value)}**{note}")
    return truncate("\n".join(lines), FIELD_VALUE_MAX)


def goal_embed(
    goal: Goal,
    tz: ZoneInfo,
    *,
    title_prefix: str = "",
    nudges: list[datetime] | None = None,
    history: list[GoalProgress] | None = None,
) -> discord.Embed:
    """A goal's card: title, owner, due date, target with progress bar, recent measurements with
    their notes (``history``, newest first), planned nudges."""
    e = discord.Embed(
        title=truncate(f"{title_prefix}#{goal.number} {plain(goal.title)}", EMBED_TITLE_MAX), colour=GOAL_COLOUR
    )
    e.add_field(name="Owner", value=f"<@{goal.owner_id}>", inline=True)
    e.add_field(name="Status", value="✅ done" if goal.status == GoalStatus.DONE else "open", inline=True)
    e.add_field(name="Due", value=truncate(due_text(goal, tz), FIELD_VALUE_MAX), inline=False)
    target = describe_target(goal)
    if target:
        e.add_field(
            name="Target",
            value=truncate(f"{plain(target)}\n`{progress_bar(progress_fraction(goal) or 0)}`", FIELD_VALUE_MAX),
            inline=False,
        )
    if history:
        e.add_field(name="History", value=history_text(history), inline=False)
    if nudges:
        e.add_field(name="Nudges", value=truncate(", ".join(ts(n, "f") for n in nudges), FIELD_VALUE_MAX), inline=False)
    return e


def goal_line(goal: Goal, tz: ZoneInfo) -> str:
    """One list line: ``#3 **title** · due … · 42% · @owner``."""
    parts = [f"`#{goal.number}` **{plain(truncate(goal.title, 120))}**"]
    if goal.status == GoalStatus.DONE:
        parts.append("✅ done")
    if goal.due_at is not None:
        parts.append(f"due {format_local(goal.due_at, tz, with_time=goal.due_has_time)} ({ts(goal.due_at, 'R')})")
    progress = progress_summary(goal)
    if progress is not None:
        parts.append(plain(progress))
    parts.append(f"<@{goal.owner_id}>")
    return " · ".join(parts)


def goal_list_page(
    goals: list[Goal], tz: ZoneInfo, status: str, *, index: int, page_count: int, total: int
) -> discord.Embed:
    """Page ``index`` (0-based) of ``/goal list``: up to 10 goals, within Discord's embed limits."""
    title = {"open": "Open goals", "done": "Done goals", "all": "All goals"}[status]
    if total == 0:
        hint = "Add one with `/goal add`." if status != "done" else "No goal is done yet."
        return discord.Embed(title=title, description=f"No goals here. {hint}", colour=GOAL_COLOUR)
    body = truncate("\n".join(goal_line(g, tz) for g in goals), EMBED_DESCRIPTION_MAX)
    e = discord.Embed(title=title, description=body or "(this page is empty now)", colour=GOAL_COLOUR)
    e.set_footer(text=page_footer(index, page_count, f"{total} goal(s)", f"times in {tz.key}"))
    return e


async def delete_goal(interaction: discord.Interaction, goal_id: int) -> str:
    """The Delete button's action for goals (``roadie:goal:delete:<id>``): one unit of work; the reply."""
    async with bot_of(interaction).uow() as s:
        goal = await goals.delete_goal(
            s, guild_id_of(interaction), goal_id, now=clock.utcnow(), actor=actor_of(interaction)
        )
    return deleted_text(goal)


LIST_GONE = "The goals on this list are gone (deleted or finished). Run `/goal list` again."
"""A page button pressed on a list whose items are all gone (answered ephemerally)."""
LIST_STALE = "This list can't be paged any more; run `/goal list` again."
"""A page button whose custom_id no longer names a list (answered ephemerally)."""


async def goal_page(interaction: discord.Interaction, status: str, index: int) -> Page:
    """Page ``index`` of ``/goal list status:<status>``, re-read now (the pager's :data:`PageSource`, ``goal``)."""
    if status not in goals.STATUSES:
        raise ListGone(LIST_STALE)
    gid = guild_id_of(interaction)
    async with bot_of(interaction).uow() as s:
        total = await goals.count_goals(s, gid, status)
        page_count = pages_for(total, GOALS_PER_PAGE)
        index = clamp(index, page_count)
        rows = await goals.list_goals(s, gid, status, offset=index * GOALS_PER_PAGE, limit=GOALS_PER_PAGE)
        cfg = await settings.get_config(s, gid)
    if total == 0 and interaction.type == discord.InteractionType.component:
        raise ListGone(LIST_GONE)
    return Page(
        goal_list_page(rows, cfg.tz, status, index=index, page_count=page_count, total=total), index, page_count
    )

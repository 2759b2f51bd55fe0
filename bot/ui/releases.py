"""The release checklist: pages of tasks grouped by section, with a persistent select to tick.

Limits (Discord API docs): embed field value ≤ 1024 chars, ≤ 25 fields, 6000 chars per message;
select menus ≤ 25 options, labels and descriptions ≤ 100 chars, custom_id ≤ 100 chars. A page
holds :data:`TASKS_PER_PAGE` tasks so that every page fits whatever the task titles are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import discord

from bot.db.models import Release, ReleaseTask
from bot.services.releases import format_day, ordered_tasks, overdue, progress, task_due
from bot.ui.format import FIELD_VALUE_MAX, plain, progress_bar, truncate

TASKS_PER_PAGE = 12
RELEASE_COLOUR = discord.Colour.purple()


def page_count(release: Release) -> int:
    """How many checklist pages the release needs (at least 1)."""
    return max(1, -(-len(release.tasks) // TASKS_PER_PAGE))


def page_tasks(release: Release, page: int) -> list[ReleaseTask]:
    """The tasks shown on ``page`` (0-based), in checklist order."""
    return ordered_tasks(release)[page * TASKS_PER_PAGE : (page + 1) * TASKS_PER_PAGE]


def _stamp(d: date, style: str) -> str:
    return f"<t:{int(datetime.combine(d, datetime.min.time(), tzinfo=UTC).replace(hour=12).timestamp())}:{style}>"


def task_line(task: ReleaseTask, release: Release, today: date) -> str:
    """``⬜ #5 Upload to the distributor · due Sat 6 Mar 2027 (in 3 days) · @owner`` (≤ ~200 chars)."""
    due = task_due(task, release)
    title = plain(truncate(task.title, 90))
    if task.done_at is not None:
        return f"✅ #{task.position} ~~{title}~~ · <@{task.done_by}> <t:{int(task.done_at.timestamp())}:d>"
    flag = "⚠️" if due < today else "⬜"
    owner = f" · <@{task.owner_id}>" if task.owner_id else ""
    return f"{flag} #{task.position} {title} · due {format_day(due)} ({_stamp(due, 'R')}){owner}"


def checklist_embed(release: Release, page: int, *, today: date) -> discord.Embed:
    """Page ``page`` of the checklist: header with progress, then the page's tasks by section."""
    pages = page_count(release)
    page = max(0, min(page, pages - 1))
    done, total = progress(release)
    late = len(overdue(release, today))
    head = (
        f"Release **{format_day(release.release_date)}** ({_stamp(release.release_date, 'R')})\n"
        f"`{progress_bar(done / total if total else 0)}` {done}/{total} done"
    )
    if late:
        head += f" · ⚠️ {late} overdue"
    e = discord.Embed(
        title=truncate(f"💿 #{release.number} {plain(release.title)} · {release.kind}", 256),
        description=head,
        colour=RELEASE_COLOUR,
    )
    groups: dict[str, list[str]] = {}
    for t in page_tasks(release, page):
        groups.setdefault(t.section, []).append(truncate(task_line(t, release, today), FIELD_VALUE_MAX))
    for section, lines in groups.items():
        chunk: list[str] = []
        name = plain(section.title())
        for line in lines:
            if chunk and len("\n".join([*chunk, line])) > FIELD_VALUE_MAX:
                e.add_field(name=name, value="\n".join(chunk), inline=False)
                chunk, name = [], f"{plain(section.title())} (cont.)"
            chunk.append(line)
        e.add_field(name=name, value="\n".join(chunk), inline=False)
    e.set_footer(text=f"Page {page + 1}/{pages} · tick tasks with the menu below or /release tick")
    return e


def select_options(release: Release, page: int, *, today: date) -> list[discord.SelectOption]:
    """One option per task on the page: label ``⬜ #5 title``, description ``due … · section``."""
    opts = []
    for t in page_tasks(release, page):
        mark = "✅" if t.done_at else ("⚠️" if task_due(t, release) < today else "⬜")
        verb = "untick" if t.done_at else "tick"
        opts.append(
            discord.SelectOption(
                label=truncate(f"{mark} #{t.position} {t.title}", 100),
                value=f"{'untick' if t.done_at else 'tick'}:{t.id}",
                description=truncate(f"{verb} · due {format_day(task_due(t, release))} · {t.section}", 100),
            )
        )
    return opts

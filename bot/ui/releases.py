"""The release checklist: pages of tasks grouped by section, with a persistent select to tick.

Limits (Discord API docs): embed field value ≤ 1024 chars, ≤ 25 fields, 6000 chars per message;
select menus ≤ 25 options, labels and descriptions ≤ 100 chars, custom_id ≤ 100 chars. A page
holds :data:`TASKS_PER_PAGE` tasks so that every page fits whatever the task titles are.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import discord

from bot.db.models import Release, ReleaseTask, ReleaseTrack
from bot.services import clock, releases, settings
from bot.services.releases import format_day, ordered_tasks, overdue, progress, task_due
from bot.ui.components import PersistentView
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.errors import reply_error
from bot.ui.format import (
    COLOURS,
    CONTENT_MAX,
    EMBED_TITLE_MAX,
    FIELD_VALUE_MAX,
    SELECT_DESCRIPTION_MAX,
    SELECT_LABEL_MAX,
    page_footer,
    plain,
    progress_bar,
    truncate,
    ts,
)
from bot.ui.ids import CustomId
from bot.ui.paginator import ListGone, Page, clamp, paginate_lines

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

TASKS_PER_PAGE = 12
RELEASES_PER_PAGE = 10
RELEASE_COLOUR = discord.Colour(COLOURS.releases)
DELETE_KIND = "rel"  # in the Delete/Keep custom_ids: roadie:rel:delete:<id>


def page_count(release: Release) -> int:
    """How many checklist pages the release needs (at least 1)."""
    return max(1, -(-len(release.tasks) // TASKS_PER_PAGE))


def page_tasks(release: Release, page: int) -> list[ReleaseTask]:
    """The tasks shown on ``page`` (0-based), in checklist order."""
    return ordered_tasks(release)[page * TASKS_PER_PAGE : (page + 1) * TASKS_PER_PAGE]


def _stamp(d: date, style: str) -> str:
    return ts(datetime.combine(d, datetime.min.time(), tzinfo=UTC).replace(hour=12), style)


def task_line(task: ReleaseTask, release: Release, today: date) -> str:
    """``⬜ #5 Upload to the distributor · due Sat 6 Mar 2027 (in 3 days) · @owner`` (≤ ~200 chars)."""
    due = task_due(task, release)
    title = plain(truncate(task.title, 90))
    if task.done_at is not None:
        return f"✅ #{task.position} ~~{title}~~ · <@{task.done_by}> {ts(task.done_at, 'd')}"
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
        title=truncate(f"💿 #{release.number} {plain(release.title)} · {release.kind}", EMBED_TITLE_MAX),
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
    e.set_footer(text=page_footer(page, pages, "tick tasks with the menu below or /release tick"))
    return e


def select_options(release: Release, page: int, *, today: date) -> list[discord.SelectOption]:
    """One option per task on the page: label ``⬜ #5 title``, description ``due … · section``."""
    opts = []
    for t in page_tasks(release, page):
        mark = "✅" if t.done_at else ("⚠️" if task_due(t, release) < today else "⬜")
        verb = "untick" if t.done_at else "tick"
        opts.append(
            discord.SelectOption(
                label=truncate(f"{mark} #{t.position} {t.title}", SELECT_LABEL_MAX),
                value=f"{'untick' if t.done_at else 'tick'}:{t.id}",
                description=truncate(
                    f"{verb} · due {format_day(task_due(t, release))} · {t.section}", SELECT_DESCRIPTION_MAX
                ),
            )
        )
    return opts


# --- persistent components (state in the custom_id; the release is re-read on every click) ----------


async def _today(interaction: discord.Interaction, session: AsyncSession) -> date:
    cfg = await settings.get_config(session, guild_id_of(interaction))
    return clock.utcnow().astimezone(cfg.tz).date()


def checklist_view(release: Release, page: int, *, today: date) -> PersistentView:
    """The persistent components under a checklist page: a tick menu and page buttons."""
    view = PersistentView()
    options = select_options(release, page, today=today)
    if options:
        view.add_item(TaskSelect(release.id, page, options))
    pages = page_count(release)
    if pages > 1:
        view.add_item(PageButton(release.id, max(page - 1, 0), "prev", disabled=page == 0))
        view.add_item(PageButton(release.id, min(page + 1, pages - 1), "next", disabled=page >= pages - 1))
    return view


async def render_page(interaction: discord.Interaction, release_id: int, page: int) -> None:
    """Re-render a checklist page in place (the message the component is on)."""
    async with bot_of(interaction).uow() as s:
        today = await _today(interaction, s)
        release = await releases.get_release_by_id(s, guild_id_of(interaction), release_id)
    page = max(0, min(page, page_count(release) - 1))
    await interaction.response.edit_message(
        embed=checklist_embed(release, page, today=today), view=checklist_view(release, page, today=today)
    )


TICK_ID = CustomId("roadie:rel:tick:{rid}:{page}")


class TaskSelect(discord.ui.DynamicItem[discord.ui.Select], template=TICK_ID.template):
    """Tick or untick a task from the checklist message; works after restarts (state in custom_id)."""

    def __init__(self, release_id: int, page: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=TICK_ID.format(rid=release_id, page=page),
                placeholder="Tick or untick a task…",
                min_values=1,
                max_values=1,
                options=options or [discord.SelectOption(label="…", value="0")],
            )
        )
        self.release_id, self.page = release_id, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> TaskSelect:
        return cls(int(match["rid"]), int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            values = (interaction.data or {}).get("values") or []  # type: ignore[union-attr]
            async with bot_of(interaction).uow() as s:
                action, _, task_id = str(values[0]).rpartition(":")  # "tick:12" (or "12" from older menus)
                done = {"tick": True, "untick": False}.get(action)
                await releases.toggle(
                    s,
                    guild_id_of(interaction),
                    self.release_id,
                    int(task_id),
                    done=done,
                    actor_id=interaction.user.id,
                    now=clock.utcnow(),
                    actor=actor_of(interaction),
                )
            await render_page(interaction, self.release_id, self.page)
        except Exception as exc:
            await reply_error(interaction, exc)


PAGE_ID = CustomId("roadie:rel:page:{rid}:{page}:{dir}", dir="prev|next")


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=PAGE_ID.template):
    """Previous/next checklist page; works after restarts."""

    def __init__(self, release_id: int, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀ Previous" if direction == "prev" else "Next ▶",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=PAGE_ID.format(rid=release_id, page=page, dir=direction),
            )
        )
        self.release_id, self.page = release_id, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> PageButton:
        return cls(int(match["rid"]), int(match["page"]), match["dir"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            await render_page(interaction, self.release_id, self.page)
        except Exception as exc:
            await reply_error(interaction, exc)


# --- replies -----------------------------------------------------------------------------------------

LATE_SHOWN = 10  # overdue tasks listed one by one after /release add; the rest are counted


def added_text(release: Release, late: list[ReleaseTask]) -> str:
    """The reply to ``/release add``: tasks planned and, when the date is close, those already overdue."""
    lines = [
        f"💿 Release #{release.number} **{plain(truncate(release.title, 150))}** ({release.kind}) on "
        f"**{format_day(release.release_date)}**: {len(release.tasks)} tasks planned. "
        f"See `/release checklist release:#{release.number}`."
    ]
    if late:
        lines.append(f"⚠️ The date is close: {len(late)} task{'s are' if len(late) != 1 else ' is'} already overdue:")
        for t in late[:LATE_SHOWN]:
            lines.append(f"• #{t.position} {plain(truncate(t.title, 90))} (was due {format_day(task_due(t, release))})")
        if len(late) > LATE_SHOWN:
            lines.append(f"• …and {len(late) - LATE_SHOWN} more.")
    return truncate("\n".join(lines), CONTENT_MAX)


def empty_list_embed() -> discord.Embed:
    """``/release list`` when there are none."""
    return discord.Embed(
        title="Releases", description="No releases yet. Plan one with `/release add`.", colour=RELEASE_COLOUR
    )


def list_pages(rows: list[Release], today: date) -> list[discord.Embed]:
    """``/release list``: ten releases a page with their progress and overdue count."""
    lines = []
    for r in rows:
        done, total = progress(r)
        late = len(overdue(r, today))
        lines.append(
            f"`#{r.number}` **{plain(truncate(r.title, 80))}** ({r.kind}) · out "
            f"{format_day(r.release_date)} · `{progress_bar(done / total if total else 0, 8)}` "
            f"{done}/{total}" + (f" · ⚠️ {late} overdue" if late else "")
        )
    bodies = paginate_lines(lines, per_page=RELEASES_PER_PAGE)
    return [
        discord.Embed(title="Releases", description=b, colour=RELEASE_COLOUR).set_footer(
            text=page_footer(i, len(bodies), f"{len(rows)} release(s)")
        )
        for i, b in enumerate(bodies)
    ]


def ticked_text(release: Release, task: ReleaseTask, done: bool) -> str:
    """The reply to ``/release tick`` / ``untick``."""
    d, total = progress(release)
    verb = "✅ Ticked" if done else "↩️ Unticked"
    return (
        f"{verb} #{task.position} {plain(truncate(task.title, 120))} on **{plain(truncate(release.title, 80))}** "
        f"· {d}/{total} done."
    )


def task_added_text(release: Release, task: ReleaseTask) -> str:
    """The reply to ``/release task-add``: its due day and how it hangs off the release date."""
    rel_text = (
        "on release day"
        if task.days_before == 0
        else f"{task.days_before} days before release"
        if (task.days_before or 0) > 0
        else f"{-(task.days_before or 0)} days after release"
        if task.days_before is not None
        else "on a fixed date"
    )
    return (
        f"➕ Task #{task.position} {plain(truncate(task.title, 120))} added to "
        f"**{plain(truncate(release.title, 80))}**: "
        f"due {format_day(task_due(task, release))} ({rel_text}), section {task.section}."
    )


def moved_text(release: Release, old: date) -> str:
    """The reply to ``/release move``."""
    return (
        f"📆 **{plain(truncate(release.title, 120))}** moved from {format_day(old)} to "
        f"**{format_day(release.release_date)}**; its relative tasks moved by "
        f"{(release.release_date - old).days:+d} days."
    )


def delete_question(release: Release) -> str:
    """The (ephemeral) question above the Delete / Keep it buttons."""
    return (
        f"Delete release #{release.number} **{plain(truncate(release.title, 150))}** "
        f"and its {len(release.tasks)} tasks?"
    )


def deleted_text(release: Release) -> str:
    """What the confirmation message becomes after Delete."""
    return f"🗑️ Deleted release #{release.number} **{plain(truncate(release.title, 150))}** and its nudges."


def metadata_embed(release: Release, tracks: list[ReleaseTrack]) -> discord.Embed:
    """``/release info`` and ``/release track``: distributor, UPC and the track list with ISRCs."""
    e = discord.Embed(
        title=truncate(f"💿 #{release.number} {plain(release.title)} · {release.kind}", EMBED_TITLE_MAX),
        colour=RELEASE_COLOUR,
    )
    e.add_field(name="Distributor", value=plain(release.distributor) if release.distributor else "not set", inline=True)
    e.add_field(name="UPC", value=release.upc or "not set", inline=True)
    lines = [f"{t.position}. {plain(truncate(t.title, 80))} · {t.isrc or 'no ISRC yet'}" for t in tracks]
    for i, chunk in enumerate(paginate_lines(lines, per_page=15, max_chars=1000)[:5]):
        e.add_field(name="Tracks" if i == 0 else "Tracks (cont.)", value=chunk or "none yet", inline=False)
    return e


def info_saved_text(release: Release) -> str:
    """The reply to ``/release info``."""
    return f"✏️ Release #{release.number} updated."


def track_saved_text(release: Release, track: ReleaseTrack) -> str:
    """The reply to ``/release track``."""
    return f"🎵 Track {track.position} of release #{release.number} saved."


async def delete_release(interaction: discord.Interaction, release_id: int) -> str:
    """The Delete button's action for releases (``roadie:rel:delete:<id>``): one unit of work; the reply."""
    async with bot_of(interaction).uow() as s:
        r = await releases.delete_release(
            s, guild_id_of(interaction), release_id, now=clock.utcnow(), actor=actor_of(interaction)
        )
    return deleted_text(r)


LIST_GONE = "The releases on this list are gone (deleted). Run `/release list` again."
"""A page button pressed on a list whose items are all gone (answered ephemerally)."""


async def release_page(interaction: discord.Interaction, _arg: str, index: int) -> Page:
    """Page ``index`` of ``/release list``, re-read now (the pager's :data:`PageSource`, ``release``)."""
    async with bot_of(interaction).uow() as s:
        today = await _today(interaction, s)
        rows = await releases.list_releases(s, guild_id_of(interaction), now=clock.utcnow())
    if not rows:
        if interaction.type == discord.InteractionType.component:
            raise ListGone(LIST_GONE)
        return Page(empty_list_embed(), 0, 1)
    pages = list_pages(rows, today)
    index = clamp(index, len(pages))
    return Page(pages[index], index, len(pages))

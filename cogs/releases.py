"""``/release``: release checklists that hang off the release date, ticked with a persistent menu."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import TITLE_MAX, Release
from bot.services import releases as rel
from bot.services.clock import utcnow
from bot.services.settings import get_config
from bot.ui.components import PersistentView
from bot.ui.confirm import ConfirmDelete, Keep, confirm_view, register_delete
from bot.ui.errors import reply_error
from bot.ui.format import plain, progress_bar, truncate
from bot.ui.paginator import ListGone, Page, clamp, paginate_lines, register_list, send_list
from bot.ui.paginator import PageButton as ListPageButton
from bot.ui.releases import checklist_embed, page_count, select_options
from cogs._common import actor_of, bot_of, check_bot_can_post, guild_id_of

KIND_CHOICES = [app_commands.Choice(name=k, value=k) for k in rel.KINDS]
SECTION_CHOICES = [app_commands.Choice(name=s, value=s) for s in (*rel.SECTIONS, "other")]


async def _today(interaction: discord.Interaction):  # type: ignore[no-untyped-def]
    async with bot_of(interaction).sessionmaker() as s:
        cfg = await get_config(s, guild_id_of(interaction))
    return utcnow().astimezone(cfg.tz).date()


def checklist_view(release: Release, page: int, *, today) -> discord.ui.View:  # type: ignore[no-untyped-def]
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
    today = await _today(interaction)
    async with bot_of(interaction).sessionmaker() as s:
        release = await rel.get_release_by_id(s, guild_id_of(interaction), release_id)
    page = max(0, min(page, page_count(release) - 1))
    await interaction.response.edit_message(
        embed=checklist_embed(release, page, today=today), view=checklist_view(release, page, today=today)
    )


class TaskSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"roadie:rel:tick:(?P<rid>\d+):(?P<page>\d+)"):
    """Tick or untick a task from the checklist message; works after restarts (state in custom_id)."""

    def __init__(self, release_id: int, page: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"roadie:rel:tick:{release_id}:{page}",
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
            async with bot_of(interaction).sessionmaker() as s:
                action, _, task_id = str(values[0]).rpartition(":")  # "tick:12" (or "12" from older menus)
                done = {"tick": True, "untick": False}.get(action)
                await rel.toggle(
                    s,
                    guild_id_of(interaction),
                    self.release_id,
                    int(task_id),
                    done=done,
                    actor_id=interaction.user.id,
                    now=utcnow(),
                    actor=actor_of(interaction),
                )
            bot_of(interaction).dispatcher.notify()
            await render_page(interaction, self.release_id, self.page)
        except Exception as exc:
            await reply_error(interaction, exc)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"roadie:rel:page:(?P<rid>\d+):(?P<page>\d+):(?P<dir>prev|next)"
):
    """Previous/next checklist page; works after restarts."""

    def __init__(self, release_id: int, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀ Previous" if direction == "prev" else "Next ▶",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"roadie:rel:page:{release_id}:{page}:{direction}",
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


async def _release_page(interaction: discord.Interaction, _arg: str, index: int) -> Page:
    """Page ``index`` of ``/release list``, re-read now (the pager's :data:`PageSource`)."""
    today = await _today(interaction)
    async with bot_of(interaction).uow() as s:
        releases = await rel.list_releases(s, guild_id_of(interaction), now=utcnow())
    colour = discord.Colour.purple()
    if not releases:
        if interaction.type == discord.InteractionType.component:
            raise ListGone("The releases on this list are gone (deleted). Run `/release list` again.")
        empty = discord.Embed(
            title="Releases", description="No releases yet. Plan one with `/release add`.", colour=colour
        )
        return Page(empty, 0, 1)
    lines = []
    for r in releases:
        done, total = rel.progress(r)
        late = len(rel.overdue(r, today))
        lines.append(
            f"`#{r.number}` **{plain(truncate(r.title, 80))}** ({r.kind}) · out "
            f"{rel.format_day(r.release_date)} · `{progress_bar(done / total if total else 0, 8)}` "
            f"{done}/{total}" + (f" · ⚠️ {late} overdue" if late else "")
        )
    bodies = paginate_lines(lines, per_page=10)
    index = clamp(index, len(bodies))
    e = discord.Embed(title="Releases", description=bodies[index], colour=colour)
    e.set_footer(text=f"Page {index + 1}/{len(bodies)} · {len(releases)} release(s)")
    return Page(e, index, len(bodies))


async def _delete_release(interaction: discord.Interaction, release_id: int) -> str:
    async with bot_of(interaction).sessionmaker() as s:
        r = await rel.delete_release(s, guild_id_of(interaction), release_id, now=utcnow(), actor=actor_of(interaction))
    return f"🗑️ Deleted release #{r.number} **{plain(truncate(r.title, 150))}** and its nudges."


@app_commands.guild_only()
class ReleasesCog(commands.GroupCog, group_name="release", group_description="Release checklists (single, EP, album)"):
    """Release checklists."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="add", description="Plan a release: a dated checklist from the template for its kind")
    @app_commands.describe(
        title="Release title",
        date="Release date, e.g. 2027-05-07 (server time zone)",
        kind="single (default), ep or album",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def add(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, TITLE_MAX],
        date: app_commands.Range[str, 1, 100],
        kind: app_commands.Choice[str] | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).sessionmaker() as s:
            if (await get_config(s, gid)).nudge_channel_id is None:
                check_bot_can_post(interaction, None)
            release, late = await rel.add_release(
                s,
                gid,
                title=title,
                date_text=date,
                kind=kind.value if kind else "single",
                author_id=interaction.user.id,
                channel_id=interaction.channel_id or 0,
                now=utcnow(),
            )
        bot_of(interaction).dispatcher.notify()
        lines = [
            f"💿 Release #{release.number} **{plain(truncate(release.title, 150))}** ({release.kind}) on "
            f"**{rel.format_day(release.release_date)}**: {len(release.tasks)} tasks planned. "
            f"See `/release checklist release:#{release.number}`."
        ]
        if late:
            lines.append(
                f"⚠️ The date is close: {len(late)} task{'s are' if len(late) != 1 else ' is'} already overdue:"
            )
            for t in late[:10]:
                lines.append(
                    f"• #{t.position} {plain(truncate(t.title, 90))} (was due "
                    f"{rel.format_day(rel.task_due(t, release))})"
                )
            if len(late) > 10:
                lines.append(f"• …and {len(late) - 10} more.")
        await interaction.response.send_message(truncate("\n".join(lines), 2000))

    @app_commands.command(name="list", description="List releases with their progress")
    async def list_(self, interaction: discord.Interaction) -> None:
        await send_list(interaction, "release")

    @app_commands.command(name="checklist", description="The release's checklist by section; tick tasks from the menu")
    @app_commands.describe(release="The release (#number or title)")
    async def checklist(self, interaction: discord.Interaction, release: app_commands.Range[str, 1, 200]) -> None:
        today = await _today(interaction)
        async with bot_of(interaction).sessionmaker() as s:
            r = await rel.get_release(s, guild_id_of(interaction), release)
        await interaction.response.send_message(
            embed=checklist_embed(r, 0, today=today), view=checklist_view(r, 0, today=today)
        )

    async def _tick(self, interaction: discord.Interaction, release: str, task: str, done: bool) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            r, t = await rel.tick(
                s,
                guild_id_of(interaction),
                release,
                task,
                actor_id=interaction.user.id,
                now=utcnow(),
                done=done,
                actor=actor_of(interaction),
            )
        bot_of(interaction).dispatcher.notify()
        d, total = rel.progress(r)
        verb = "✅ Ticked" if done else "↩️ Unticked"
        await interaction.response.send_message(
            f"{verb} #{t.position} {plain(truncate(t.title, 120))} on **{plain(truncate(r.title, 80))}** "
            f"· {d}/{total} done."
        )

    @app_commands.command(name="tick", description="Mark a checklist task done (records who and when)")
    @app_commands.describe(release="The release", task="The task (#number or title)")
    async def tick(
        self,
        interaction: discord.Interaction,
        release: app_commands.Range[str, 1, 200],
        task: app_commands.Range[str, 1, 200],
    ) -> None:
        await self._tick(interaction, release, task, True)

    @app_commands.command(name="untick", description="Mark a checklist task not done")
    @app_commands.describe(release="The release", task="The task (#number or title)")
    async def untick(
        self,
        interaction: discord.Interaction,
        release: app_commands.Range[str, 1, 200],
        task: app_commands.Range[str, 1, 200],
    ) -> None:
        await self._tick(interaction, release, task, False)

    @app_commands.command(name="task-add", description="Add your own task to a release's checklist")
    @app_commands.describe(
        release="The release",
        title="What needs doing",
        due="'14' or '14 days before', '3 days after', 'release day', or a date",
        owner="Who does it (pinged on its due day)",
        section="Checklist section",
    )
    @app_commands.choices(section=SECTION_CHOICES)
    async def task_add(
        self,
        interaction: discord.Interaction,
        release: app_commands.Range[str, 1, 200],
        title: app_commands.Range[str, 1, TITLE_MAX],
        due: app_commands.Range[str, 1, 100],
        owner: discord.Member | None = None,
        section: app_commands.Choice[str] | None = None,
    ) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            r, t = await rel.add_task(
                s,
                guild_id_of(interaction),
                release,
                title=title,
                due=due,
                now=utcnow(),
                owner_id=owner.id if owner else None,
                section=section.value if section else None,
                actor=actor_of(interaction),
            )
        bot_of(interaction).dispatcher.notify()
        rel_text = (
            "on release day"
            if t.days_before == 0
            else f"{t.days_before} days before release"
            if (t.days_before or 0) > 0
            else f"{-(t.days_before or 0)} days after release"
            if t.days_before is not None
            else "on a fixed date"
        )
        await interaction.response.send_message(
            f"➕ Task #{t.position} {plain(truncate(t.title, 120))} added to **{plain(truncate(r.title, 80))}**: "
            f"due {rel.format_day(rel.task_due(t, r))} ({rel_text}), section {t.section}."
        )

    @app_commands.command(name="move", description="Move the release date; relative tasks move with it")
    @app_commands.describe(release="The release", date="New release date")
    async def move(
        self,
        interaction: discord.Interaction,
        release: app_commands.Range[str, 1, 200],
        date: app_commands.Range[str, 1, 100],
    ) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            r, old = await rel.move_release(
                s, guild_id_of(interaction), release, date, now=utcnow(), actor=actor_of(interaction)
            )
        bot_of(interaction).dispatcher.notify()
        await interaction.response.send_message(
            f"📆 **{plain(truncate(r.title, 120))}** moved from {rel.format_day(old)} to "
            f"**{rel.format_day(r.release_date)}**; its relative tasks moved by {(r.release_date - old).days:+d} days."
        )

    @app_commands.command(name="delete", description="Delete a release and its checklist (asks for confirmation)")
    @app_commands.describe(release="The release")
    async def delete(self, interaction: discord.Interaction, release: app_commands.Range[str, 1, 200]) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            r = await rel.get_release(s, guild_id_of(interaction), release)
            await rel.require_can_change(s, r, actor_of(interaction))  # refuse now, not at the click
        view = confirm_view("rel", r.id)
        await interaction.response.send_message(
            f"Delete release #{r.number} **{plain(truncate(r.title, 150))}** and its {len(r.tasks)} tasks?",
            view=view,
            ephemeral=True,
        )

    async def _metadata_reply(self, interaction: discord.Interaction, r: Release, head: str) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            tracks = await rel.tracks_of(s, r)
        e = discord.Embed(
            title=truncate(f"💿 #{r.number} {plain(r.title)} · {r.kind}", 256), colour=discord.Colour.purple()
        )
        e.add_field(name="Distributor", value=plain(r.distributor) if r.distributor else "not set", inline=True)
        e.add_field(name="UPC", value=r.upc or "not set", inline=True)
        lines = [f"{t.position}. {plain(truncate(t.title, 80))} · {t.isrc or 'no ISRC yet'}" for t in tracks]
        for i, chunk in enumerate(paginate_lines(lines, per_page=15, max_chars=1000)[:5]):
            e.add_field(name="Tracks" if i == 0 else "Tracks (cont.)", value=chunk or "none yet", inline=False)
        await interaction.response.send_message(head, embed=e)

    @app_commands.command(name="info", description="Set the distributor and/or UPC of a release ('-' clears)")
    @app_commands.describe(
        release="The release",
        distributor="e.g. DistroKid, CD Baby, AWAL",
        upc="UPC/EAN barcode number from the distributor (12 or 13 digits)",
    )
    async def info(
        self,
        interaction: discord.Interaction,
        release: app_commands.Range[str, 1, 200],
        distributor: app_commands.Range[str, 1, 100] | None = None,
        upc: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            r = await rel.set_info(
                s,
                guild_id_of(interaction),
                release,
                now=utcnow(),
                distributor=distributor,
                upc=upc,
                actor=actor_of(interaction),
            )
        await self._metadata_reply(interaction, r, f"✏️ Release #{r.number} updated.")

    @app_commands.command(name="track", description="Add a track to a release, or set a track's ISRC")
    @app_commands.describe(
        release="The release", title="Track title (or #N for an existing track)", isrc="ISRC, e.g. GB-XYZ-27-00001"
    )
    async def track(
        self,
        interaction: discord.Interaction,
        release: app_commands.Range[str, 1, 200],
        title: app_commands.Range[str, 1, TITLE_MAX],
        isrc: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            r, t = await rel.set_track(
                s, guild_id_of(interaction), release, title=title, now=utcnow(), isrc=isrc, actor=actor_of(interaction)
            )
        await self._metadata_reply(interaction, r, f"🎵 Track {t.position} of release #{r.number} saved.")

    @info.autocomplete("release")
    @track.autocomplete("release")
    @checklist.autocomplete("release")
    @tick.autocomplete("release")
    @untick.autocomplete("release")
    @task_add.autocomplete("release")
    @move.autocomplete("release")
    @delete.autocomplete("release")
    async def _release_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).sessionmaker() as s:
            pairs = await rel.autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    async def _task_ac(
        self, interaction: discord.Interaction, current: str, done: bool
    ) -> list[app_commands.Choice[str]]:
        release_ref = str(getattr(interaction.namespace, "release", "") or "")
        async with bot_of(interaction).sessionmaker() as s:
            pairs = await rel.task_autocomplete(s, guild_id_of(interaction), release_ref, current, done=done)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @tick.autocomplete("task")
    async def _open_task_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._task_ac(interaction, current, False)

    @untick.autocomplete("task")
    async def _done_task_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._task_ac(interaction, current, True)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the cog and its restart-proof components."""
    register_delete("rel", _delete_release)
    register_list("release", _release_page)
    bot.add_dynamic_items(TaskSelect, PageButton, ConfirmDelete, Keep, ListPageButton)
    await bot.add_cog(ReleasesCog(bot))

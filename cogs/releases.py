"""``/release``: release checklists that hang off the release date, ticked with a persistent menu."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import TITLE_MAX, Release
from bot.services import clock, releases, settings
from bot.ui import charts
from bot.ui import releases as ui
from bot.ui.confirm import confirm_view
from bot.ui.paginator import send_list
from cogs._common import CodeText, NameText, RefText, WhenText, actor_of, bot_of, check_bot_can_post, guild_id_of

KIND_CHOICES = [app_commands.Choice(name=k, value=k) for k in releases.KINDS]
SECTION_CHOICES = [app_commands.Choice(name=s, value=s) for s in (*releases.SECTIONS, "other")]


async def _today(interaction: discord.Interaction):  # type: ignore[no-untyped-def]
    async with bot_of(interaction).uow() as s:
        cfg = await settings.get_config(s, guild_id_of(interaction))
    return clock.utcnow().astimezone(cfg.tz).date()


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
        date: WhenText,
        kind: app_commands.Choice[str] | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            if (await settings.get_config(s, gid)).nudge_channel_id is None:
                check_bot_can_post(interaction, None)
            release, late = await releases.add_release(
                s,
                gid,
                title=title,
                date_text=date,
                kind=kind.value if kind else "single",
                author_id=interaction.user.id,
                channel_id=interaction.channel_id or 0,
                now=clock.utcnow(),
            )
        await interaction.response.send_message(ui.added_text(release, late))

    @app_commands.command(name="list", description="List releases with their progress")
    async def list_(self, interaction: discord.Interaction) -> None:
        await send_list(interaction, "release")

    @app_commands.command(name="checklist", description="The release's checklist by section; tick tasks from the menu")
    @app_commands.describe(release="The release (#number or title)")
    async def checklist(self, interaction: discord.Interaction, release: RefText) -> None:
        today = await _today(interaction)
        async with bot_of(interaction).uow() as s:
            r = await releases.get_release(s, guild_id_of(interaction), release)
        await interaction.response.send_message(
            embed=ui.checklist_embed(r, 0, today=today), view=ui.checklist_view(r, 0, today=today)
        )

    @app_commands.command(name="timeline", description="The checklist on a time axis: done, open and overdue tasks")
    @app_commands.describe(release="The release (#number or title)")
    async def timeline(self, interaction: discord.Interaction, release: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            data = await releases.timeline_data(s, guild_id_of(interaction), release, now=clock.utcnow())
        if not data.tasks:
            await interaction.response.send_message(charts.no_timeline(data), ephemeral=True)
            return
        await charts.send_chart(interaction, charts.draw_release_timeline, data)

    async def _tick(self, interaction: discord.Interaction, release: str, task: str, done: bool) -> None:
        async with bot_of(interaction).uow() as s:
            r, t = await releases.tick(
                s,
                guild_id_of(interaction),
                release,
                task,
                actor_id=interaction.user.id,
                now=clock.utcnow(),
                done=done,
                actor=actor_of(interaction),
            )
        await interaction.response.send_message(ui.ticked_text(r, t, done))

    @app_commands.command(name="tick", description="Mark a checklist task done (records who and when)")
    @app_commands.describe(release="The release", task="The task (#number or title)")
    async def tick(
        self,
        interaction: discord.Interaction,
        release: RefText,
        task: RefText,
    ) -> None:
        await self._tick(interaction, release, task, True)

    @app_commands.command(name="untick", description="Mark a checklist task not done")
    @app_commands.describe(release="The release", task="The task (#number or title)")
    async def untick(
        self,
        interaction: discord.Interaction,
        release: RefText,
        task: RefText,
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
        release: RefText,
        title: app_commands.Range[str, 1, TITLE_MAX],
        due: WhenText,
        owner: discord.Member | None = None,
        section: app_commands.Choice[str] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            r, t = await releases.add_task(
                s,
                guild_id_of(interaction),
                release,
                title=title,
                due=due,
                now=clock.utcnow(),
                owner_id=owner.id if owner else None,
                section=section.value if section else None,
                actor=actor_of(interaction),
            )
        await interaction.response.send_message(ui.task_added_text(r, t))

    @app_commands.command(name="move", description="Move the release date; relative tasks move with it")
    @app_commands.describe(release="The release", date="New release date")
    async def move(
        self,
        interaction: discord.Interaction,
        release: RefText,
        date: WhenText,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            r, old = await releases.move_release(
                s, guild_id_of(interaction), release, date, now=clock.utcnow(), actor=actor_of(interaction)
            )
        await interaction.response.send_message(ui.moved_text(r, old))

    @app_commands.command(name="delete", description="Delete a release and its checklist (asks for confirmation)")
    @app_commands.describe(release="The release")
    async def delete(self, interaction: discord.Interaction, release: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            r = await releases.get_release(s, guild_id_of(interaction), release)
            await releases.require_can_change(s, r, actor_of(interaction))  # refuse now, not at the click
        view = confirm_view(ui.DELETE_KIND, r.id)
        await interaction.response.send_message(
            ui.delete_question(r),
            view=view,
            ephemeral=True,
        )

    async def _metadata_reply(self, interaction: discord.Interaction, r: Release, head: str) -> None:
        async with bot_of(interaction).uow() as s:
            tracks = await releases.tracks_of(s, r)
        await interaction.response.send_message(head, embed=ui.metadata_embed(r, tracks))

    @app_commands.command(name="info", description="Set the distributor and/or UPC of a release ('-' clears)")
    @app_commands.describe(
        release="The release",
        distributor="e.g. DistroKid, CD Baby, AWAL",
        upc="UPC/EAN barcode number from the distributor (12 or 13 digits)",
    )
    async def info(
        self,
        interaction: discord.Interaction,
        release: RefText,
        distributor: NameText | None = None,
        upc: CodeText | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            r = await releases.set_info(
                s,
                guild_id_of(interaction),
                release,
                now=clock.utcnow(),
                distributor=distributor,
                upc=upc,
                actor=actor_of(interaction),
            )
        await self._metadata_reply(interaction, r, ui.info_saved_text(r))

    @app_commands.command(name="track", description="Add a track to a release, or set a track's ISRC")
    @app_commands.describe(
        release="The release", title="Track title (or #N for an existing track)", isrc="ISRC, e.g. GB-XYZ-27-00001"
    )
    async def track(
        self,
        interaction: discord.Interaction,
        release: RefText,
        title: app_commands.Range[str, 1, TITLE_MAX],
        isrc: CodeText | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            r, t = await releases.set_track(
                s,
                guild_id_of(interaction),
                release,
                title=title,
                now=clock.utcnow(),
                isrc=isrc,
                actor=actor_of(interaction),
            )
        await self._metadata_reply(interaction, r, ui.track_saved_text(r, t))

    @info.autocomplete("release")
    @track.autocomplete("release")
    @checklist.autocomplete("release")
    @tick.autocomplete("release")
    @untick.autocomplete("release")
    @task_add.autocomplete("release")
    @move.autocomplete("release")
    @delete.autocomplete("release")
    @timeline.autocomplete("release")
    async def _release_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await releases.autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    async def _task_ac(
        self, interaction: discord.Interaction, current: str, done: bool
    ) -> list[app_commands.Choice[str]]:
        release_ref = str(getattr(interaction.namespace, "release", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await releases.task_autocomplete(s, guild_id_of(interaction), release_ref, current, done=done)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @tick.autocomplete("task")
    async def _open_task_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._task_ac(interaction, current, False)

    @untick.autocomplete("task")
    async def _done_task_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._task_ac(interaction, current, True)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (its components are wired in ``bot/features.py``)."""
    await bot.add_cog(ReleasesCog(bot))

"""``/song`` (the catalogue) and ``/setlist`` (each show's running order and the performance return)."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import TITLE_MAX
from bot.services import setlist as svc
from bot.services import tours
from bot.services.clock import utcnow
from bot.services.tours import format_day
from bot.ui.format import plain, truncate
from bot.ui.paginator import send_list
from bot.ui.setlist import MODAL_RE, SetlistModal, setlist_pages, song_reply, submit_setlist
from cogs._common import RefText, actor_of, bot_of, guild_id_of

Ref = RefText  # "#3" or (part of) a venue, city, name or title


@app_commands.guild_only()
class SongCog(commands.GroupCog, group_name="song", group_description="The song catalogue (set lists, returns)"):
    """The server's songs; release tracks join them when used."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="add", description="Add a song, or update one (release tracks included)")
    @app_commands.describe(
        title="Song title",
        duration="Length as minutes:seconds, e.g. 3:45",
        isrc="ISRC of the recording, e.g. GB-XYZ-27-00001",
        writers="Songwriters, e.g. 'A. Writer, B. Writer' (for performing-rights returns)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, TITLE_MAX],
        duration: app_commands.Range[str, 1, 10] | None = None,
        isrc: app_commands.Range[str, 1, 20] | None = None,
        writers: app_commands.Range[str, 1, svc.WRITERS_MAX] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            song, created = await svc.add_song(
                s, guild_id_of(interaction), title=title, duration=duration, isrc=isrc, writers=writers, now=utcnow()
            )
        await interaction.response.send_message(song_reply(song, created))

    @app_commands.command(name="list", description="The song catalogue, with durations, ISRCs and writers")
    async def list_(self, interaction: discord.Interaction) -> None:
        await send_list(interaction, "songs")

    @app_commands.command(name="remove", description="Remove a song from the catalogue (past set lists keep it)")
    @app_commands.describe(song="The song (#number or title)")
    async def remove(self, interaction: discord.Interaction, song: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            removed = await svc.remove_song(
                s, guild_id_of(interaction), song, actor=actor_of(interaction), now=utcnow()
            )
        await interaction.response.send_message(
            f"🗑️ Song #{removed.number} {plain(truncate(removed.title, 120))} removed from the catalogue."
        )

    @add.autocomplete("title")
    async def _title_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            titles = await svc.title_autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=t, value=t) for t in titles]

    @remove.autocomplete("song")
    async def _song_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await svc.song_autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


@app_commands.guild_only()
class SetlistCog(commands.GroupCog, group_name="setlist", group_description="Set lists of shows"):
    """Set lists: set (a form), copy, show with the slot, and the live-performance return."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Set list forms are handled by custom_id, so a form opened before a restart still saves."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        m = MODAL_RE.fullmatch(str((interaction.data or {}).get("custom_id", "")))
        if m is not None:
            await submit_setlist(interaction, int(m["sid"]))

    @app_commands.command(name="set", description="Write a show's set list in a form, one song per line")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def set_(self, interaction: discord.Interaction, show: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            sh = await svc.show_for_edit(s, guild_id_of(interaction), show, actor=actor_of(interaction))
            current = await svc.current_text(s, sh)
        await interaction.response.send_modal(SetlistModal(sh.id, sh.number, current))  # the first response

    @app_commands.command(name="copy", description="Copy one show's set list to another (replaces it)")
    @app_commands.describe(from_show="The show to copy from", to_show="The show to copy to")
    async def copy(self, interaction: discord.Interaction, from_show: Ref, to_show: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            src, sl = await svc.copy_setlist(
                s, guild_id_of(interaction), from_show, to_show, actor=actor_of(interaction)
            )
        await interaction.response.send_message(
            f"📋 Copied {len(sl.songs)} song(s) from show #{src.number} to show #{sl.show.number}.",
            embed=setlist_pages(sl)[0],
        )

    @app_commands.command(name="show", description="A show's set list with durations, total and whether it fits")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def show(self, interaction: discord.Interaction, show: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            sl = await svc.get_setlist(s, guild_id_of(interaction), show)
        await send_list(interaction, "setlist", str(sl.show.number))

    @app_commands.command(name="report", description="Songs performed per show as .csv, for PRS, GEMA, ASCAP/BMI")
    @app_commands.rename(from_="from")
    @app_commands.describe(from_="First show date (default: the first show)", to="Last show date (default: today)")
    async def report(
        self,
        interaction: discord.Interaction,
        from_: app_commands.Range[str, 1, 100] | None = None,
        to: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            start, end, rows = await svc.report(s, guild_id_of(interaction), from_text=from_, to_text=to, now=utcnow())
        shows = len({r.show.id for r in rows})
        span = f"{format_day(start)} – {format_day(end)}" if start else f"up to {format_day(end)}"
        name = f"setlists-{start.isoformat() if start else 'start'}-{end.isoformat()}.csv"
        await interaction.response.send_message(
            f"🎼 Live-performance return, {span}: {len(rows)} performance(s) of songs at {shows} show(s) "
            "(cancelled shows left out).",
            file=discord.File(io.BytesIO(svc.report_csv(rows)), filename=name),
        )

    @set_.autocomplete("show")
    @show.autocomplete("show")
    @copy.autocomplete("from_show")
    @copy.autocomplete("to_show")
    async def _show_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await tours.autocomplete(s, guild_id_of(interaction), current, now=utcnow())
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: /song and /setlist."""
    await bot.add_cog(SongCog(bot))
    await bot.add_cog(SetlistCog(bot))

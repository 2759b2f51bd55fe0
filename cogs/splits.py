"""``/split``: per-track shares that must add up to exactly 100.00 %, and the .csv split sheet.

Rules live in :mod:`bot.services.splits`; sentences and embeds in :mod:`bot.ui.splits`.
"""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import clock, releases, splits
from bot.ui import splits as ui
from bot.ui.paginator import send_list
from cogs._common import RefText, actor_of, bot_of, guild_id_of

ROLE_CHOICES = [app_commands.Choice(name=r, value=r) for r in splits.ROLES]
Ref = RefText


@app_commands.guild_only()
class SplitsCog(commands.GroupCog, group_name="split", group_description="Song splits per track, adding up to 100 %"):
    """Splits: visible to the team; changed by managers and the label role."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="set", description="Set a party's share of a track (the same party again changes it)")
    @app_commands.describe(
        release="The release",
        track="The track (#N or title)",
        share="Percentage with up to two decimals, e.g. 33.33",
        member="The party, if they are on this server",
        name="The party's name, if they are not (give member or name, not both)",
        role="songwriter (default), composer, lyricist, producer, performer or publisher",
    )
    @app_commands.choices(role=ROLE_CHOICES)
    async def set_(
        self,
        interaction: discord.Interaction,
        release: Ref,
        track: Ref,
        share: app_commands.Range[str, 1, 10],
        member: discord.Member | None = None,
        name: app_commands.Range[str, 1, splits.NAME_MAX] | None = None,
        role: app_commands.Choice[str] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            _, ts, split, created = await splits.set_split(
                s,
                guild_id_of(interaction),
                release,
                track,
                share,
                actor=actor_of(interaction),
                now=clock.utcnow(),
                member_id=member.id if member else None,
                member_name=member.display_name if member else None,
                name=name,
                role=role.value if role else None,
            )
        await interaction.response.send_message(ui.split_set(ts, split, created))

    @app_commands.command(name="remove", description="Remove a party from a track's splits")
    @app_commands.describe(release="The release", track="The track", party="The party to remove")
    async def remove(self, interaction: discord.Interaction, release: Ref, track: Ref, party: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            _, ts, split = await splits.remove_split(
                s, guild_id_of(interaction), release, track, party, actor=actor_of(interaction)
            )
        await interaction.response.send_message(ui.split_removed(ts, split))

    @app_commands.command(name="show", description="Per track: parties, shares, and whether they total 100.00 %")
    @app_commands.describe(release="The release", track="Only this track")
    async def show(self, interaction: discord.Interaction, release: Ref, track: Ref | None = None) -> None:
        async with bot_of(interaction).uow() as s:
            r, items = await splits.overview(s, guild_id_of(interaction), release, track)
        pos = items[0].track.position if track is not None and items else 0
        await send_list(interaction, "splits", f"{r.number}.{pos}")

    @app_commands.command(name="sheet", description="The .csv split sheet (track, ISRC, party, role, share)")
    @app_commands.describe(release="The release (every track must total exactly 100.00 %)")
    async def sheet(self, interaction: discord.Interaction, release: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            r, text, rows = await splits.sheet(s, guild_id_of(interaction), release)
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename=ui.sheet_filename(r))
        await interaction.response.send_message(ui.sheet_ready(r, rows), file=file)

    @set_.autocomplete("release")
    @remove.autocomplete("release")
    @show.autocomplete("release")
    @sheet.autocomplete("release")
    async def _release_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await releases.autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @set_.autocomplete("track")
    @remove.autocomplete("track")
    @show.autocomplete("track")
    async def _track_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        release_ref = str(getattr(interaction.namespace, "release", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await splits.track_autocomplete(s, guild_id_of(interaction), release_ref, current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @remove.autocomplete("party")
    async def _party_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        ns = interaction.namespace
        release_ref = str(getattr(ns, "release", "") or "")
        track_ref = str(getattr(ns, "track", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await splits.party_autocomplete(s, guild_id_of(interaction), release_ref, track_ref, current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(SplitsCog(bot))

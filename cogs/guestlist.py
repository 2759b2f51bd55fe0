"""``/guestlist``: each member's guests for a show, within an allowance, closed at a cut-off."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import guestlist as svc
from bot.services import tours
from bot.services.clock import utcnow
from bot.ui.guestlist import added_reply, removed_reply, show_name
from bot.ui.paginator import send_list
from cogs._common import RefText, actor_of, bot_of, guild_id_of

Ref = RefText  # "#3" or (part of) a venue, city, name or title


@app_commands.guild_only()
class GuestListCog(commands.GroupCog, group_name="guestlist", group_description="Guest lists for shows"):
    """Guest lists: members add their own guests; managers see all and set allowances."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="add", description="Put a guest on a show's list (counts against your allowance)")
    @app_commands.describe(
        show="The show (#number, city or venue)",
        name="The guest's name as the box office will check it",
        plus_ones="Extra people coming with them (default 0)",
        note="For the box office, e.g. 'photo pass' or 'collect at 19:00'",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        show: Ref,
        name: app_commands.Range[str, 1, svc.NAME_MAX],
        plus_ones: app_commands.Range[int, 0, svc.MAX_PLUS_ONES] = 0,
        note: app_commands.Range[str, 1, svc.NOTE_MAX] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            added = await svc.add_guest(
                s,
                guild_id_of(interaction),
                show,
                name=name,
                plus_ones=plus_ones,
                note=note,
                actor=actor_of(interaction),
                actor_name=interaction.user.display_name,
                now=utcnow(),
            )
        await interaction.response.send_message(added_reply(added), ephemeral=True)

    @app_commands.command(name="remove", description="Take one of your guests off a show's list")
    @app_commands.describe(show="The show", guest="The guest (#number or name)")
    async def remove(self, interaction: discord.Interaction, show: Ref, guest: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            sh, g = await svc.remove_guest(
                s, guild_id_of(interaction), show, guest, actor=actor_of(interaction), now=utcnow()
            )
        await interaction.response.send_message(removed_reply(sh, g), ephemeral=True)

    @app_commands.command(name="show", description="A show's guest list (managers: everyone's; others: your own)")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def show(self, interaction: discord.Interaction, show: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            v = await svc.view(s, guild_id_of(interaction), show, actor=actor_of(interaction), now=utcnow())
        csv_file = None  # managers also get the box-office .csv
        if v.manager and v.guests:
            csv_file = discord.File(io.BytesIO(svc.list_csv(v.guests)), filename=svc.csv_filename(v.show))
        await send_list(interaction, "guests", str(v.show.number), ephemeral=True, file=csv_file)

    @app_commands.command(name="allowance", description="Managers: places per member on a show's list (default 2)")
    @app_commands.describe(show="The show", per_member="Places per member, plus-ones included")
    async def allowance(
        self, interaction: discord.Interaction, show: Ref, per_member: app_commands.Range[int, 1, svc.MAX_PER_MEMBER]
    ) -> None:
        async with bot_of(interaction).uow() as s:
            sh, gl = await svc.set_allowance(
                s, guild_id_of(interaction), show, per_member, actor=actor_of(interaction), now=utcnow()
            )
        await interaction.response.send_message(
            f"✅ Each member may now put {gl.per_member} place(s) on the guest list of show {show_name(sh)}.",
            ephemeral=True,
        )

    @app_commands.command(name="close", description="Managers: close a show's guest list now and post the final list")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def close(self, interaction: discord.Interaction, show: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            sh, count = await svc.close_list(
                s, guild_id_of(interaction), show, actor=actor_of(interaction), now=utcnow()
            )
        await interaction.response.send_message(
            f"🔒 The guest list of show {show_name(sh)} is closed ({count} guest(s)); the final list with its .csv "
            "is being posted in the nudge channel.",
            ephemeral=True,
        )

    @add.autocomplete("show")
    @remove.autocomplete("show")
    @show.autocomplete("show")
    @allowance.autocomplete("show")
    @close.autocomplete("show")
    async def _show_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await tours.autocomplete(s, guild_id_of(interaction), current, now=utcnow())
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @remove.autocomplete("guest")
    async def _guest_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        show_ref = str(getattr(interaction.namespace, "show", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await svc.guest_autocomplete(
                s, guild_id_of(interaction), show_ref, current, actor=actor_of(interaction)
            )
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(GuestListCog(bot))

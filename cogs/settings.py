"""``/settings``: time zone, date order, nudge channel, Roadie roles, and a summary."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import checkins, clock, deals, events, goals, nudges, permissions, releases, settings
from bot.ui import deals as deal_ui
from bot.ui import settings as ui
from cogs._common import ZoneText, actor_of, bot_of, can_manage, check_bot_can_post, guild_id_of

ROLE_CHOICES = [app_commands.Choice(name=k, value=k) for k in permissions.ROLE_KINDS]
DEFER_REPLAN_AT = 300  # pending nudges in the guild: moving more than this can take over a second


@app_commands.guild_only()
class SettingsCog(commands.GroupCog, group_name="settings", group_description="Roadie's settings for this server"):
    """Per-server settings. Changes need Manage Server (checked in the service)."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="timezone", description="Set the server's time zone (IANA name, e.g. Europe/Berlin)")
    @app_commands.describe(tz="IANA time zone, e.g. Europe/Berlin or America/New_York")
    async def timezone(self, interaction: discord.Interaction, tz: ZoneText) -> None:
        gid = guild_id_of(interaction)
        deferred = False
        async with bot_of(interaction).uow() as s:
            old = (await settings.get_config(s, gid)).timezone
            cfg = await settings.set_timezone(s, gid, tz, can_manage=can_manage(interaction))
            moved = 0
            if old != cfg.timezone:  # one unit of work: the zone and every moved nudge together
                if await nudges.count_pending_in_guild(s, gid) > DEFER_REPLAN_AT:
                    await interaction.response.defer(thinking=True)  # the 3 s window: answer first
                    deferred = True
                now = clock.utcnow()
                moved = await releases.replan_guild(s, gid, now)
                moved += await checkins.replan_guild(s, gid, now)
                moved += await deals.replan_guild(s, gid, now)
                moved += await goals.replan_dateonly_goals(s, gid, old, now)
        text, embed = ui.timezone_set_text(cfg, moved=bool(moved)), ui.settings_embed(cfg)
        if deferred:
            await interaction.edit_original_response(content=text, embed=embed)
        else:
            await interaction.response.send_message(text, embed=embed)

    @timezone.autocomplete("tz")
    async def _tz_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in settings.search_timezones(current)]

    @app_commands.command(name="date-order", description="How numeric dates like 03/04/2027 are read")
    @app_commands.describe(order="day-first: 03/04 is 3 April; month-first: 03/04 is March 4")
    @app_commands.choices(
        order=[
            app_commands.Choice(name="day-first (03/04/2027 = 3 Apr 2027)", value="day-first"),
            app_commands.Choice(name="month-first (03/04/2027 = Mar 4, 2027)", value="month-first"),
        ]
    )
    async def date_order(self, interaction: discord.Interaction, order: app_commands.Choice[str]) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            cfg = await settings.set_date_order(s, gid, order.value, can_manage=can_manage(interaction))
        await interaction.response.send_message(ui.date_order_set_text(cfg), embed=ui.settings_embed(cfg))

    @app_commands.command(name="channel", description="Where Roadie posts nudges (default: where each item was made)")
    @app_commands.describe(channel="A text channel Roadie can post in")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            allowed = can_manage(interaction)
            if allowed:
                check_bot_can_post(interaction, channel)
            cfg = await settings.set_nudge_channel(s, gid, channel.id, can_manage=allowed)
            await goals.replan_channel(s, gid, clock.utcnow())  # the setting and the moved nudges together
        await interaction.response.send_message(ui.channel_set_text(channel.id), embed=ui.settings_embed(cfg))

    @app_commands.command(name="currency", description="Default currency for deals and settlements (ISO 4217)")
    @app_commands.describe(code="ISO 4217 code, e.g. USD, EUR, GBP, JPY")
    async def currency(self, interaction: discord.Interaction, code: app_commands.Range[str, 1, 10]) -> None:
        async with bot_of(interaction).uow() as s:
            cfg = await settings.set_currency(s, guild_id_of(interaction), code, can_manage=can_manage(interaction))
        await interaction.response.send_message(ui.currency_set_text(cfg), embed=ui.settings_embed(cfg))

    @currency.autocomplete("code")
    async def _currency_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=c) for n, c in settings.search_currencies(current)]

    @app_commands.command(name="business-channel", description="Where deal nudges go (keep it private to the business)")
    @app_commands.describe(channel="A private text channel Roadie can post in: deal key-date nudges go only there")
    async def business_channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            allowed = can_manage(interaction)
            if allowed:
                check_bot_can_post(interaction, channel)
            cfg = await settings.set_business_channel(s, gid, channel.id, can_manage=allowed)
            planned = await deals.replan_guild(s, gid, clock.utcnow())
        await interaction.response.send_message(
            deal_ui.business_channel_set(channel.id, planned), embed=ui.settings_embed(cfg), ephemeral=True
        )

    @app_commands.command(name="role", description="Map a Roadie role (manager, artist, ...) to a Discord role")
    @app_commands.describe(
        kind="manager: may edit or delete anyone's items; or artist, producer, label",
        role="The Discord role whose members get it",
    )
    @app_commands.choices(kind=ROLE_CHOICES)
    async def role(self, interaction: discord.Interaction, kind: app_commands.Choice[str], role: discord.Role) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            roles = await permissions.set_role(s, gid, kind.value, role.id, actor=actor_of(interaction))
            cfg = await settings.get_config(s, gid)
        await interaction.response.send_message(
            ui.role_set_text(kind.value, role.id), embed=ui.settings_embed(cfg, roles=roles)
        )

    @app_commands.command(name="events", description="Whether confirmed shows become Discord Scheduled Events")
    @app_commands.describe(enabled="On (default): upcoming confirmed shows appear in the server's Events tab")
    async def events_(self, interaction: discord.Interaction, enabled: bool) -> None:
        async with bot_of(interaction).uow() as s:
            await events.set_enabled(s, guild_id_of(interaction), enabled, can_manage=can_manage(interaction))
        await interaction.response.send_message(ui.events_set_text(enabled))

    @app_commands.command(name="act-name", description="The act's name in show events (default: the server's name)")
    @app_commands.describe(name="e.g. The Night Shift ('-' goes back to the server's name)")
    async def act_name(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 80]) -> None:
        async with bot_of(interaction).uow() as s:
            act = await events.set_act_name(s, guild_id_of(interaction), name, can_manage=can_manage(interaction))
        await interaction.response.send_message(ui.act_name_set_text(act))

    @app_commands.command(name="show", description="Show this server's Roadie settings")
    async def show(self, interaction: discord.Interaction) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            cfg = await settings.get_config(s, gid)
            roles = await permissions.role_map(s, gid)
        await interaction.response.send_message(embed=ui.settings_embed(cfg, roles=roles), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(SettingsCog(bot))

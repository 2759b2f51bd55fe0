"""``/settings``: time zone, date order, nudge channel, Roadie roles, and a summary."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import checkins as checkin_service
from bot.services import goals as goal_service
from bot.services import permissions
from bot.services import releases as release_service
from bot.services import settings as settings_service
from bot.services.clock import utcnow
from bot.services.settings import GuildConfig
from bot.timeparse import format_local
from cogs._common import actor_of, bot_of, can_manage, check_bot_can_post, guild_id_of

ROLE_CHOICES = [app_commands.Choice(name=k, value=k) for k in permissions.ROLE_KINDS]


def roles_text(roles: dict[str, int]) -> str:
    """``manager: <@&1> · artist: <@&2>`` in the standard kind order, or ``not set``."""
    parts = [f"{k}: <@&{roles[k]}>" for k in permissions.ROLE_KINDS if k in roles]
    return " · ".join(parts) if parts else "not set"


def order_example(order: str) -> str:
    """``03/04/2027 = 3 April 2027`` (day-first) or ``03/04/2027 = March 4, 2027`` (month-first)."""
    return "03/04/2027 = 3 April 2027" if order == "day-first" else "03/04/2027 = March 4, 2027"


def date_order_sentence(cfg: GuildConfig) -> str:
    """What the reply to ``/settings timezone`` says about numeric dates, and how to change it."""
    if cfg.date_order_chosen:
        return (
            f"Numeric dates still read {cfg.date_order} ({order_example(cfg.date_order)}), as chosen with "
            "`/settings date-order`."
        )
    return (
        f"Numeric dates now read {cfg.date_order} ({order_example(cfg.date_order)}), the usual order there; "
        "change it with `/settings date-order`."
    )


def settings_embed(
    cfg: GuildConfig, title: str = "Roadie settings", *, roles: dict[str, int] | None = None
) -> discord.Embed:
    """The settings summary shown by ``/settings show`` and after each change (``roles``: the role mapping)."""
    now = utcnow()
    e = discord.Embed(title=title, colour=discord.Colour.blurple())
    e.add_field(name="Time zone", value=f"`{cfg.timezone}` (now {format_local(now, cfg.tz)})", inline=False)
    source = (
        "chosen with `/settings date-order`"
        if cfg.date_order_chosen
        else "the time zone's usual order; choose with `/settings date-order`"
    )
    e.add_field(
        name="Date order", value=f"`{cfg.date_order}` ({order_example(cfg.date_order)}) · {source}", inline=False
    )
    channel = f"<#{cfg.nudge_channel_id}>" if cfg.nudge_channel_id else "the channel each item was created in"
    e.add_field(name="Nudge channel", value=channel, inline=False)
    if roles is not None:
        e.add_field(name="Roles", value=roles_text(roles), inline=False)
    e.set_footer(text="Changing settings needs Manage Server.")
    e.timestamp = now
    return e


@app_commands.guild_only()
class SettingsCog(commands.GroupCog, group_name="settings", group_description="Roadie's settings for this server"):
    """Per-server settings. Changes need Manage Server (checked in the service)."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="timezone", description="Set the server's time zone (IANA name, e.g. Europe/Berlin)")
    @app_commands.describe(tz="IANA time zone, e.g. Europe/Berlin or America/New_York")
    async def timezone(self, interaction: discord.Interaction, tz: app_commands.Range[str, 1, 64]) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:  # one commit: the zone and every moved nudge together
            old = (await settings_service.get_config(s, gid)).timezone
            cfg = await settings_service.set_timezone(s, gid, tz, can_manage=can_manage(interaction))
            moved = 0
            if old != cfg.timezone:
                now = utcnow()
                moved = await release_service.replan_guild(s, gid, now)
                moved += await checkin_service.replan_guild(s, gid, now)
                moved += await goal_service.replan_dateonly_goals(s, gid, old, now)
        note = " Nudges of goals, releases and check-ins now follow it." if moved else ""
        await interaction.response.send_message(
            f"✅ Time zone set to `{cfg.timezone}`.{note} {date_order_sentence(cfg)}", embed=settings_embed(cfg)
        )

    @timezone.autocomplete("tz")
    async def _tz_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in settings_service.search_timezones(current)]

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
            cfg = await settings_service.set_date_order(s, gid, order.value, can_manage=can_manage(interaction))
        await interaction.response.send_message(
            f"✅ Numeric dates are now read `{cfg.date_order}`.", embed=settings_embed(cfg)
        )

    @app_commands.command(name="channel", description="Where Roadie posts nudges (default: where each item was made)")
    @app_commands.describe(channel="A text channel Roadie can post in")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).sessionmaker() as s:
            allowed = can_manage(interaction)
            if allowed:
                check_bot_can_post(interaction, channel)
            cfg = await settings_service.set_nudge_channel(s, gid, channel.id, can_manage=allowed)
            await goal_service.replan_channel(s, gid, utcnow())  # commits the setting with the moved nudges
        bot_of(interaction).dispatcher.notify()
        await interaction.response.send_message(f"✅ Nudges will go to <#{channel.id}>.", embed=settings_embed(cfg))

    @app_commands.command(name="role", description="Map a Roadie role (manager, artist, ...) to a Discord role")
    @app_commands.describe(
        kind="manager: may edit or delete anyone's items; or artist, producer, label",
        role="The Discord role whose members get it",
    )
    @app_commands.choices(kind=ROLE_CHOICES)
    async def role(self, interaction: discord.Interaction, kind: app_commands.Choice[str], role: discord.Role) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).sessionmaker() as s:
            roles = await permissions.set_role(s, gid, kind.value, role.id, actor=actor_of(interaction))
            cfg = await settings_service.get_config(s, gid)
        await interaction.response.send_message(
            f"✅ Roadie role **{kind.value}** is now <@&{role.id}>.", embed=settings_embed(cfg, roles=roles)
        )

    @app_commands.command(name="show", description="Show this server's Roadie settings")
    async def show(self, interaction: discord.Interaction) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).sessionmaker() as s:
            cfg = await settings_service.get_config(s, gid)
            roles = await permissions.role_map(s, gid)
        await interaction.response.send_message(embed=settings_embed(cfg, roles=roles), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(SettingsCog(bot))
